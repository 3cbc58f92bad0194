//! `toolcage-runtime`: one tool call from the command line, and the reference implementation of
//! the kit's process adapter protocol (`docs/ADAPTER.md`).
//!
//! It implements the protocol with its own types rather than the kit's, so the kit's run through
//! this binary tests the protocol as documented, not a shared library.

mod protocol;

use clap::{Args, Parser, Subcommand};
use protocol::{LimitOverrides, Outcome, Request, Response, PROTOCOL};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use toolcage_runtime::{CallOptions, CancelToken, Config, Digest, Plugin, Runtime};

#[derive(Parser)]
#[command(
    name = "toolcage-runtime",
    version,
    about = "The toolcage reference runtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print name, version, protocol version and capabilities as JSON (adapter protocol).
    Describe,
    /// Read one adapter request on stdin, print one response on stdout (adapter protocol).
    Run(CacheArgs),
    /// Make one call and print its outcome as JSON; exit 1 if the call failed.
    Call(Box<CallArgs>),
}

#[derive(Args)]
struct CacheArgs {
    /// Directory of the compiled-module cache (default: memory only).
    #[arg(long, env = "TOOLCAGE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
}

#[derive(Args)]
struct CallArgs {
    /// The plugin package directory.
    #[arg(long)]
    package: PathBuf,
    /// The tool to call.
    #[arg(long)]
    tool: String,
    /// The raw tool input.
    #[arg(long, default_value = "{}")]
    input: String,
    /// The pinned package digest (sha256:...); without it the package is loaded unpinned.
    #[arg(long)]
    digest: Option<String>,
    /// Cancel the call this many milliseconds after it starts.
    #[arg(long)]
    cancel_after_ms: Option<u64>,
    #[command(flatten)]
    limits: LimitOverrides,
    #[command(flatten)]
    cache: CacheArgs,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Describe => {
            let runtime_caps = ["diagnostics", "fuel"];
            let describe = serde_json::json!({
                "protocol": PROTOCOL,
                "name": "toolcage-runtime",
                "version": env!("CARGO_PKG_VERSION"),
                "capabilities": runtime_caps,
            });
            print_json(&describe)
        }
        Command::Run(cache) => run(cache),
        Command::Call(args) => call(*args),
    }
}

fn print_json(value: &impl serde::Serialize) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn runtime(limits: &LimitOverrides, cache: CacheArgs) -> Result<Runtime, toolcage_runtime::Error> {
    Runtime::new(Config {
        limits: limits.apply(Default::default()),
        cache_dir: cache.cache_dir,
        ..Config::default()
    })
}

fn run(cache: CacheArgs) -> ExitCode {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        eprintln!("toolcage-runtime: the request on stdin is not UTF-8");
        return ExitCode::from(2);
    }
    let request: Request = match protocol::parse_request(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("toolcage-runtime: the request is not a protocol {PROTOCOL} request: {e}");
            return ExitCode::from(2);
        }
    };
    if request.protocol != PROTOCOL {
        eprintln!(
            "toolcage-runtime: protocol {} requested, this adapter speaks {PROTOCOL}",
            request.protocol
        );
        return ExitCode::from(2);
    }
    let outcomes = execute(&request, cache);
    print_json(&Response {
        protocol: PROTOCOL,
        outcomes,
    })
}

/// Each distinct (package, digest) of the request is loaded once, at its first call, and later
/// calls naming the same pair run against that loaded plugin (so isolation between calls of one
/// plugin is observable); a call naming another pair loads, and so re-verifies, that package.
fn execute(request: &Request, cache: CacheArgs) -> Vec<Outcome> {
    let runtime = match runtime(&request.limits, cache) {
        Ok(runtime) => runtime,
        Err(error) => return vec![Outcome::from_error(&error); request.calls.len()],
    };
    let limits = runtime.config().limits.clone();
    let mut loaded: Vec<(&PathBuf, &String, Result<Plugin, toolcage_runtime::Error>)> = Vec::new();
    let mut outcomes = Vec::with_capacity(request.calls.len());
    for call in &request.calls {
        let package = call.package.as_ref().unwrap_or(&request.package);
        let digest = call.digest.as_ref().unwrap_or(&request.digest);
        let index = match loaded
            .iter()
            .position(|(p, d, _)| *p == package && *d == digest)
        {
            Some(index) => index,
            None => {
                let plugin = digest
                    .parse::<Digest>()
                    .and_then(|pin| runtime.load_with_limits(package, Some(&pin), &limits));
                loaded.push((package, digest, plugin));
                loaded.len() - 1
            }
        };
        outcomes.push(match &loaded[index].2 {
            Ok(plugin) => Outcome::from_call(call_with_cancel(
                plugin,
                &call.tool,
                &call.input,
                &limits,
                call.cancel_after_ms,
            )),
            Err(error) => Outcome::from_error(error),
        });
    }
    outcomes
}

fn call_with_cancel(
    plugin: &Plugin,
    tool: &str,
    input: &str,
    limits: &toolcage_runtime::Limits,
    cancel_after_ms: Option<u64>,
) -> toolcage_runtime::CallOutcome {
    let token = CancelToken::new();
    let options = CallOptions {
        limits: Some(limits.clone()),
        cancel: Some(token.clone()),
    };
    let Some(ms) = cancel_after_ms else {
        return plugin.call(tool, input, &options);
    };
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let canceller = std::thread::spawn(move || {
        // Cancel after `ms` unless the call finished first (the sender is dropped then).
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            done_rx.recv_timeout(Duration::from_millis(ms))
        {
            token.cancel();
        }
    });
    let outcome = plugin.call(tool, input, &options);
    drop(done_tx);
    let _ = canceller.join();
    outcome
}

fn call(args: CallArgs) -> ExitCode {
    let outcome = (|| {
        let runtime = runtime(&args.limits, args.cache)?;
        let limits = runtime.config().limits.clone();
        let digest = args
            .digest
            .as_deref()
            .map(str::parse::<Digest>)
            .transpose()?;
        let plugin = runtime.load_with_limits(&args.package, digest.as_ref(), &limits)?;
        Ok(Outcome::from_call(call_with_cancel(
            &plugin,
            &args.tool,
            &args.input,
            &limits,
            args.cancel_after_ms,
        )))
    })()
    .unwrap_or_else(|e: toolcage_runtime::Error| Outcome::from_error(&e));
    let failed = outcome.status == "error";
    let code = print_json(&outcome);
    if failed && code == ExitCode::SUCCESS {
        ExitCode::FAILURE
    } else {
        code
    }
}
