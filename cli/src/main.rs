//! `toolcage-runtime`: one tool call from the command line, and the reference implementation of
//! the kit's process adapter protocol (`docs/ADAPTER.md`).
//!
//! It implements the protocol with its own types rather than the kit's, so the kit's run through
//! this binary tests the protocol as documented, not a shared library.

mod protocol;

use clap::{Args, Parser, Subcommand};
use protocol::{LimitOverrides, Outcome, Request, Response, PROTOCOL};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use toolcage_runtime::{
    sanitize, CacheKey, CallOptions, CancelToken, Config, DiagnosticSink, Digest, Grants, Plugin,
    Runtime,
};

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
    /// Answer adapter requests, one JSON line each on stdin, one response line each on stdout,
    /// until stdin ends (adapter protocol, `serve`).
    Serve(CacheArgs),
    /// Make one call and print its outcome as JSON; exit 1 if the call failed.
    Call(Box<CallArgs>),
}

/// The disk cache. Both values come from the command line or the environment, which are part of
/// the trusted configuration: whoever sets them chooses where native code is loaded from. The
/// runtime still refuses a directory or key file another user owns or can write (docs/SPEC.md
/// §2.2), so a wrong value costs compiles, not the host. The key itself never appears on the
/// command line (where `ps` shows it to every user), only the path of a file holding it.
#[derive(Args, Clone)]
struct CacheArgs {
    /// Directory of the compiled-module cache (default: memory only). It is used only with a
    /// cache key, and only if it (and every directory above it) passes the ownership checks.
    #[arg(long, env = "TOOLCAGE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// File holding the secret (32 to 1024 bytes) that authenticates cache entries: a regular
    /// file owned by this user with mode 0600 or stricter, kept outside the cache directory.
    #[arg(long, env = "TOOLCAGE_CACHE_KEY_FILE")]
    cache_key_file: Option<PathBuf>,
}

/// Operator notices (a refused cache directory, key or entry) go to stderr, never into the
/// JSON outcome.
struct StderrNotices;

impl DiagnosticSink for StderrNotices {
    fn receive(&self, _plugin_id: &str, _tool: &str, _text: &str) {}
    fn notice(&self, text: &str) {
        eprintln!("toolcage-runtime: {}", sanitize(text, 1024));
    }
}

impl CacheArgs {
    /// The cache settings of a runtime: a key file that fails its checks is reported and
    /// dropped, which leaves the disk cache off; a call never fails because of its cache.
    fn config(self, config: Config) -> Config {
        let cache_key = self.cache_key_file.and_then(|path| {
            CacheKey::from_file(&path)
                .map_err(|e| {
                    StderrNotices.notice(&format!(
                        "cache key file {} refused: {e}; the disk cache is off",
                        path.display()
                    ))
                })
                .ok()
        });
        Config {
            cache_dir: self.cache_dir,
            cache_key,
            diagnostics: Some(Arc::new(StderrNotices)),
            ..config
        }
    }
}

#[derive(Args)]
struct CallArgs {
    /// The plugin package: a directory, or a stored zip archive file (the originating host's
    /// `.yoi-plugin`).
    #[arg(long)]
    package: PathBuf,
    /// The tool to call.
    #[arg(long)]
    tool: String,
    /// The raw tool input.
    #[arg(long, default_value = "{}")]
    input: String,
    /// The pinned package digest (sha256:...); without it the package is loaded unpinned. A
    /// malformed pin is a usage error (exit 2), never a load outcome.
    #[arg(long)]
    digest: Option<Digest>,
    /// Cancel the call this many milliseconds after it starts.
    #[arg(long)]
    cancel_after_ms: Option<u64>,
    /// The host's grants (TOML, `[[grant]]` tables; docs/SPEC.md section 14): what the package
    /// may reach through the host interfaces, bound to its exact id, version and digest.
    #[arg(long)]
    grants: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitOverrides,
    #[command(flatten)]
    cache: CacheArgs,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Describe => {
            // `evidence`: every outcome carries the import counters (docs/ADAPTER.md).
            // `package_zip`: `run` loads the archive the kit names beside each package directory
            // (docs/ADAPTER.md), so a run through this adapter judges the archive reader on the
            // whole corpus, while the in-process run judges the directory reader.
            // `host_api_fs`: `run` honours the request's `grants` (docs/SPEC.md section 14).
            // `host_api_net`: the network interfaces, and `run` resolves names through the
            // request's `names`.
            let runtime_caps = [
                "diagnostics",
                "evidence",
                "fuel",
                "disk_cache",
                "package_zip",
                "host_manifest",
                // `serve`: one process answers many requests, so the kit can watch it between
                // them for work left running (docs/ADAPTER.md).
                "serve",
                "host_api_fs",
                "host_api_net",
            ];
            let describe = serde_json::json!({
                "protocol": PROTOCOL,
                "name": "toolcage-runtime",
                "version": env!("CARGO_PKG_VERSION"),
                "capabilities": runtime_caps,
                // Both guest profiles; each package's manifest chooses its own (SPEC §13).
                "profiles": ["core", "component"],
            });
            print_json(&describe)
        }
        Command::Run(cache) => run(cache),
        Command::Serve(cache) => serve(cache),
        Command::Call(args) => call(*args),
    }
}

fn print_json(value: &impl serde::Serialize) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn runtime(limits: &LimitOverrides, cache: CacheArgs) -> Result<Runtime, toolcage_runtime::Error> {
    Runtime::new(cache.config(Config {
        limits: limits.apply(Default::default()),
        ..Config::default()
    }))
}

fn run(cache: CacheArgs) -> ExitCode {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        eprintln!("toolcage-runtime: the request on stdin is not UTF-8");
        return ExitCode::from(2);
    }
    match answer(&text, cache) {
        Ok(response) => print_json(&response),
        Err(code) => code,
    }
}

/// `run` for each line of stdin, in one process: a malformed request ends it as it ends `run`
/// (exit 2), and each response is flushed before the next line is read.
fn serve(cache: CacheArgs) -> ExitCode {
    for line in std::io::stdin().lines() {
        let Ok(line) = line else {
            eprintln!("toolcage-runtime: a request on stdin is not UTF-8");
            return ExitCode::from(2);
        };
        if line.trim().is_empty() {
            continue;
        }
        let printed = match answer(&line, cache.clone()) {
            Ok(response) => print_json(&response),
            Err(code) => return code,
        };
        if printed != ExitCode::SUCCESS {
            return printed;
        }
    }
    ExitCode::SUCCESS
}

/// The response to one request, or the exit code that refuses it (stderr says why).
fn answer(text: &str, cache: CacheArgs) -> Result<Response, ExitCode> {
    let request: Request = match protocol::parse_request(text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("toolcage-runtime: the request is not a protocol {PROTOCOL} request: {e}");
            return Err(ExitCode::from(2));
        }
    };
    if request.protocol != PROTOCOL {
        eprintln!(
            "toolcage-runtime: protocol {} requested, this adapter speaks {PROTOCOL}",
            request.protocol
        );
        return Err(ExitCode::from(2));
    }
    let pins = match pins(&request) {
        Ok(pins) => pins,
        Err(message) => {
            eprintln!("toolcage-runtime: {message}");
            return Err(ExitCode::from(2));
        }
    };
    // Malformed grants are the host's mistake too: the request is refused as a whole.
    let grants = match &request.grants {
        None => Grants::none(),
        Some(value) => match Grants::from_json(&value.to_string()) {
            Ok(grants) => grants,
            Err(e) => {
                eprintln!("toolcage-runtime: {e}");
                return Err(ExitCode::from(2));
            }
        },
    };
    let grants = match with_names(grants, request.names.as_ref()) {
        Ok(grants) => grants,
        Err(message) => {
            eprintln!("toolcage-runtime: {message}");
            return Err(ExitCode::from(2));
        }
    };
    let outcomes = execute(&request, &pins, &grants, cache);
    Ok(Response {
        protocol: PROTOCOL,
        outcomes,
    })
}

/// The kit's name table, when the request carries one, answers every lookup of the request: a
/// name it does not list does not resolve (the system's resolver is never asked). A table that
/// names no valid host is the host's mistake: the request is refused as a whole.
fn with_names(
    grants: Grants,
    names: Option<&BTreeMap<String, Vec<Vec<IpAddr>>>>,
) -> Result<Grants, String> {
    let Some(names) = names else {
        return Ok(grants);
    };
    let table = toolcage_runtime::net::TableResolver::new(names.clone())
        .map_err(|e| format!("names: {e}"))?;
    Ok(grants.with_resolver(Arc::new(table)))
}

/// The pin of each call, parsed. A malformed pin (the request's own included) is the host's
/// mistake: the request is refused as a whole, like any other malformed request, rather than
/// reported as a load outcome (`digest_mismatch`) of a package that was never read.
fn pins(request: &Request) -> Result<Vec<Digest>, String> {
    let parse = |text: &String| {
        text.parse::<Digest>()
            .map_err(|e| format!("the request's digest {text:?} is malformed: {e}"))
    };
    parse(&request.digest)?;
    request
        .calls
        .iter()
        .map(|call| parse(call.digest.as_ref().unwrap_or(&request.digest)))
        .collect()
}

/// Each distinct (package, digest) of the request is loaded once, at its first call, and later
/// calls naming the same pair run against that loaded plugin (so isolation between calls of one
/// plugin is observable); a call naming another pair loads, and so re-verifies, that package.
/// `pins` holds each call's digest, already parsed.
fn execute(
    request: &Request,
    pins: &[Digest],
    grants: &Grants,
    mut cache: CacheArgs,
) -> Vec<Outcome> {
    // The request's cache settings (docs/ADAPTER.md) replace the command line's.
    if request.cache_dir.is_some() {
        cache = CacheArgs {
            cache_dir: request.cache_dir.clone(),
            cache_key_file: request.cache_key_file.clone(),
        };
    }
    let runtime = match runtime(&request.limits, cache) {
        Ok(runtime) => runtime,
        Err(error) => return vec![Outcome::from_error(&error); request.calls.len()],
    };
    let limits = runtime.config().limits.clone();
    let mut loaded: Vec<(&PathBuf, &Digest, Result<Plugin, toolcage_runtime::Error>)> = Vec::new();
    let mut outcomes = Vec::with_capacity(request.calls.len());
    for (call, pin) in request.calls.iter().zip(pins) {
        // The archive when the kit names one: this host loads archives (docs/ADAPTER.md).
        let package = match &call.package {
            Some(dir) => call.package_zip.as_ref().unwrap_or(dir),
            None => request.package_zip.as_ref().unwrap_or(&request.package),
        };
        let index = match loaded
            .iter()
            .position(|(p, d, _)| *p == package && *d == pin)
        {
            Some(index) => index,
            None => {
                let plugin = runtime.load_with_grants(package, Some(pin), &limits, grants);
                loaded.push((package, pin, plugin));
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
    let grants = match &args.grants {
        None => Grants::none(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Grants::from_toml(&text).map_err(|e| e.to_string()))
        {
            Ok(grants) => grants,
            Err(e) => {
                eprintln!("toolcage-runtime: --grants {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let outcome = (|| {
        let runtime = runtime(&args.limits, args.cache)?;
        let limits = runtime.config().limits.clone();
        let plugin =
            runtime.load_with_grants(&args.package, args.digest.as_ref(), &limits, &grants)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const BAD: &str = "sha256:zz00000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn a_malformed_pin_is_a_usage_error_of_call() {
        let args = ["toolcage-runtime", "call", "--package", "p", "--tool", "t"];
        let parsed = Cli::try_parse_from(args.iter().copied().chain(["--digest", BAD]));
        let error = parsed.err().expect("a malformed --digest must not parse");
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(Cli::try_parse_from(args).is_ok());
    }

    #[test]
    fn the_requests_names_answer_its_lookups_and_a_malformed_name_refuses_it() {
        use std::time::{Duration, Instant};
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let sentinel: IpAddr = "127.0.0.2".parse().unwrap();
        let names = BTreeMap::from([(
            "Rebind.Test".to_string(),
            vec![vec![loopback], vec![sentinel]],
        )]);
        let grants = with_names(Grants::none(), Some(&names)).unwrap();
        let resolver = grants.resolver();
        let deadline = Instant::now() + Duration::from_secs(1);
        assert_eq!(
            resolver.resolve("rebind.test", deadline).unwrap(),
            [loopback]
        );
        assert_eq!(
            resolver.resolve("rebind.test", deadline).unwrap(),
            [sentinel]
        );
        assert!(
            resolver.resolve("localhost", deadline).is_err(),
            "not in the table"
        );
        let bad = BTreeMap::from([("a..test".to_string(), vec![vec![loopback]])]);
        assert!(with_names(Grants::none(), Some(&bad)).is_err());
    }

    #[test]
    fn a_malformed_pin_refuses_the_adapter_request() {
        let good = format!("sha256:{}", "0".repeat(64));
        let request = |top: &str, call: &str| -> Request {
            serde_json::from_value(serde_json::json!({
                "protocol": PROTOCOL, "package": "/p", "digest": top, "limits": {},
                "calls": [{"tool": "t", "input": "{}", "digest": call}],
            }))
            .unwrap()
        };
        assert_eq!(pins(&request(&good, &good)).unwrap().len(), 1);
        assert!(pins(&request(BAD, &good)).is_err());
        assert!(pins(&request(&good, BAD)).is_err());
    }
}
