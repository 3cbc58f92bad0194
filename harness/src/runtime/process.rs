//! The process adapter client: the [`ConformanceRuntime`] trait spoken over `docs/ADAPTER.md`, so a
//! runtime in any language is judged by the same code as an in-process one. Everything the
//! adapter can get wrong (no start, crash, hang, garbage, flooding output, wrong version) becomes
//! a typed [`AdapterFailure`], never a pass or a skip.
//!
//! The adapter's stdin, stdout and stderr are files in a private temporary directory, not pipes:
//! the kit needs no reader or writer thread, so a grandchild that keeps a descriptor open can
//! neither block the kit nor leak a thread, and output is bounded by watching the files' sizes.
//! The adapter runs in its own process group, which the kit kills (a signal sent by a library
//! call, its result checked) when the adapter overruns its budget or its output caps, and after
//! it exits, so nothing it started outlives it.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::escape::visible;
use super::liveness::ChildWatch;
use super::seam::{AdapterFailure, ConformanceRuntime};
use super::serve::{Pool, SERVE};
use crate::model::protocol::{self, Request, Response, RuntimeInfo};

/// Slack on top of a request's budget, for process start and module compilation.
pub const SLACK_MS: u64 = 5000;

/// The most an adapter may write to stdout in one invocation (16 MiB: a response holds at most a
/// few outputs of the 64 KiB default cap each); more is `adapter_garbage`, and the adapter is
/// stopped as soon as the kit sees it.
pub const STDOUT_CAP: u64 = 16 * 1024 * 1024;

/// The most an adapter may write to stderr in one invocation (1 MiB); more is
/// `adapter_garbage`, as for stdout.
pub const STDERR_CAP: u64 = 1024 * 1024;

/// How much of stderr is kept for reports (its end).
pub(super) const STDERR_KEEP: u64 = 4096;

/// How long the kit waits for a killed adapter to be reaped before it reports it unkillable.
const REAP_WAIT: Duration = Duration::from_secs(1);

/// A runtime reached through an adapter executable (`CMD describe`, then `CMD run` per request,
/// or `CMD serve` once per concurrent request when `describe` declares `serve`).
#[derive(Debug, Clone)]
pub struct ProcessRuntime {
    program: String,
    args: Vec<String>,
    slack: Duration,
    /// Whether `serve` may be used when declared (tests compare with and without).
    serve_allowed: bool,
    /// Set by `describe` when the adapter declares `serve` (and it is allowed).
    serving: Arc<AtomicBool>,
    servers: Arc<Pool>,
}

impl ProcessRuntime {
    /// `command` is split on whitespace; `describe` or `run` is appended to it.
    pub fn new(command: &str) -> Result<ProcessRuntime, AdapterFailure> {
        let mut words = command.split_whitespace().map(str::to_string);
        let program = words.next().ok_or_else(|| AdapterFailure::Unavailable {
            reason: "the adapter command is empty".into(),
        })?;
        Ok(ProcessRuntime::from_program(program, words.collect()))
    }

    /// An adapter given as a program and its leading arguments, for paths with spaces.
    pub fn from_program(program: impl Into<String>, args: Vec<String>) -> ProcessRuntime {
        ProcessRuntime {
            program: program.into(),
            args,
            slack: Duration::from_millis(SLACK_MS),
            serve_allowed: true,
            serving: Arc::default(),
            servers: Arc::default(),
        }
    }

    /// Uses `CMD run` for every request even when the adapter declares `serve`.
    pub fn without_serve(mut self) -> ProcessRuntime {
        self.serve_allowed = false;
        self
    }

    /// Whether requests go to serving adapter processes (after `describe` declared `serve`).
    pub fn serving(&self) -> bool {
        self.serving.load(Ordering::SeqCst)
    }

    /// Overrides the slack added to every budget (tests of hung adapters use a short one).
    pub fn with_slack(mut self, slack: Duration) -> ProcessRuntime {
        self.slack = slack;
        self
    }

    /// The command line, for rerun commands and reports.
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs `CMD verb` and parses its stdout as one `T`.
    fn invoke<T: serde::de::DeserializeOwned>(
        &self,
        verb: &str,
        stdin: &[u8],
        budget: Duration,
    ) -> Result<T, AdapterFailure> {
        let unavailable = |what: &str, e: io::Error| AdapterFailure::Unavailable {
            reason: format!("cannot {what} for `{} {verb}`: {e}", self.command_line()),
        };
        let io_dir = tempfile::Builder::new()
            .prefix("toolcage-adapter-")
            .tempdir()
            .map_err(|e| unavailable("create a temporary directory", e))?;
        let (stdin_path, stdout_path, stderr_path) = (
            io_dir.path().join("stdin"),
            io_dir.path().join("stdout"),
            io_dir.path().join("stderr"),
        );
        fs::write(&stdin_path, stdin).map_err(|e| unavailable("write the request", e))?;
        let open = |path: &Path| -> io::Result<Stdio> { Ok(File::create(path)?.into()) };
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(verb)
            .stdin(File::open(&stdin_path).map_err(|e| unavailable("open the request", e))?)
            .stdout(open(&stdout_path).map_err(|e| unavailable("create stdout", e))?)
            .stderr(open(&stderr_path).map_err(|e| unavailable("create stderr", e))?);
        #[cfg(unix)]
        {
            // Own process group, so whatever the adapter starts is killed with it.
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot start `{} {verb}`: {e}", self.command_line()),
        })?;
        // Only for a case checking that its guest was stopped (see the `liveness` module).
        let child_watch = ChildWatch::start(child.id());
        let end = watch(&mut child, budget, &stdout_path, &stderr_path);
        if let Some(child_watch) = child_watch {
            child_watch.finish();
        }
        // Whatever the adapter left running in its group dies with it (docs/ADAPTER.md).
        let leftovers = kill_group(&child);
        let stderr = read_tail(&stderr_path, STDERR_KEEP)
            .map(|bytes| keep_tail(&bytes))
            .unwrap_or_else(|e| format!("(the kit could not read stderr: {e})"));
        let status = match end {
            End::Exited(status) => status,
            End::OverCap { stream, cap } => {
                return Err(AdapterFailure::Garbage {
                    reason: format!(
                        "`{verb}` wrote more than {cap} bytes to {stream}, the protocol's cap; \
                         the kit stopped it"
                    ),
                    stderr,
                })
            }
            End::Hung => {
                return Err(AdapterFailure::Hung {
                    budget_ms: budget.as_millis() as u64,
                    stderr,
                })
            }
            End::Unkillable(error) => {
                return Err(AdapterFailure::Unkillable {
                    budget_ms: budget.as_millis() as u64,
                    error,
                    stderr,
                })
            }
        };
        if let Err(error) = leftovers {
            return Err(AdapterFailure::Unkillable {
                budget_ms: budget.as_millis() as u64,
                error: format!("after it exited, its process group could not be killed: {error}"),
                stderr,
            });
        }
        if !status.success() {
            return Err(AdapterFailure::Crashed {
                status: status.to_string(),
                stderr,
            });
        }
        let out = read_capped(&stdout_path, STDOUT_CAP)
            .map_err(|e| unavailable("read stdout", e))?
            .ok_or_else(|| AdapterFailure::Garbage {
                reason: format!(
                    "`{verb}` wrote more than {STDOUT_CAP} bytes to stdout, the protocol's cap"
                ),
                stderr: stderr.clone(),
            })?;
        parse_document(&out, verb).map_err(|reason| AdapterFailure::Garbage { reason, stderr })
    }
}

impl ConformanceRuntime for ProcessRuntime {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        let info: RuntimeInfo = self.invoke("describe", b"", self.slack)?;
        if info.protocol != protocol::PROTOCOL_VERSION {
            return Err(AdapterFailure::Protocol {
                found: info.protocol,
            });
        }
        self.serving
            .store(self.serve_allowed && info.has(SERVE), Ordering::SeqCst);
        Ok(info)
    }

    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let budget = Duration::from_millis(request.budget_ms()) + self.slack;
        if self.serving() {
            return self.servers.run(&self.program, &self.args, request, budget);
        }
        let body = serde_json::to_vec(request).map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot encode the request: {e}"),
        })?;
        self.invoke("run", &body, budget)
    }
}

/// Exactly one JSON document of the right shape, else why not (with a short excerpt).
pub(super) fn parse_document<T: serde::de::DeserializeOwned>(
    out: &[u8],
    verb: &str,
) -> Result<T, String> {
    let garbage = |why: String| {
        let excerpt = String::from_utf8_lossy(&out[..out.len().min(120)]).into_owned();
        format!("`{verb}` printed {why}; stdout starts {excerpt:?}")
    };
    let text = std::str::from_utf8(out).map_err(|_| garbage("non-UTF-8 bytes".into()))?;
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let first = match stream.next() {
        Some(Ok(value)) => value,
        Some(Err(e)) => return Err(garbage(format!("invalid JSON ({e})"))),
        None => return Err(garbage("no JSON document".into())),
    };
    if stream.next().is_some() {
        return Err(garbage("more than one JSON document".into()));
    }
    protocol::objects_are_objects(&first).map_err(garbage)?;
    serde_json::from_value(first)
        .map_err(|e| garbage(format!("a document of the wrong shape ({e})")))
}

/// How an adapter's run ended, as far as the kit is concerned.
enum End {
    /// It exited by itself within its budget and caps.
    Exited(ExitStatus),
    /// It wrote more than `cap` bytes to `stream`, and was killed.
    OverCap { stream: &'static str, cap: u64 },
    /// It overran its budget, and was killed.
    Hung,
    /// It overran its budget or a cap, and killing it failed (the OS error).
    Unkillable(String),
}

/// Waits for the child until `budget`, watching the sizes of its output files; past the budget
/// or a cap, kills the child's whole process group.
fn watch(child: &mut Child, budget: Duration, stdout: &Path, stderr: &Path) -> End {
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    let size = |path: &Path| fs::metadata(path).map_or(0, |m| m.len());
    loop {
        // Exit status first, sizes second: what a child wrote before exiting is all counted.
        let exited = child.try_wait();
        let over = if size(stdout) > STDOUT_CAP {
            Some(("stdout", STDOUT_CAP))
        } else if size(stderr) > STDERR_CAP {
            Some(("stderr", STDERR_CAP))
        } else {
            None
        };
        let stop = match (exited, over) {
            (Ok(Some(status)), None) => return End::Exited(status),
            (_, Some((stream, cap))) => End::OverCap { stream, cap },
            (Ok(None), None) if start.elapsed() < budget => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
                continue;
            }
            (Ok(None), None) => End::Hung,
            (Err(e), None) => End::Unkillable(format!("cannot wait for it: {e}")),
        };
        return match kill(child) {
            Ok(()) => stop,
            Err(e) => End::Unkillable(e),
        };
    }
}

/// Kills the child's process group and the child, then reaps the child within [`REAP_WAIT`].
pub(super) fn kill(child: &mut Child) -> Result<(), String> {
    let group = kill_group(child);
    // The child itself, in case it left its group; an error here means it already exited.
    let direct = child.kill();
    let deadline = Instant::now() + REAP_WAIT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(()),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                return Err(format!(
                    "still running {} ms after SIGKILL (group: {}; process: {})",
                    REAP_WAIT.as_millis(),
                    group.err().map_or("sent".to_string(), |e| e.to_string()),
                    direct.err().map_or("sent".to_string(), |e| e.to_string()),
                ))
            }
            Err(e) => return Err(format!("cannot reap it after SIGKILL: {e}")),
        }
    }
}

/// Sends SIGKILL to the child's process group (its id is the child's pid: `process_group(0)`).
/// A group with no process left is not an error.
#[cfg(unix)]
pub(super) fn kill_group(child: &Child) -> io::Result<()> {
    use rustix::process::{kill_process_group, Pid, Signal};
    let pid = i32::try_from(child.id())
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::other(format!("pid {} is not a process id", child.id())))?;
    match kill_process_group(pid, Signal::KILL) {
        Err(rustix::io::Errno::SRCH) => Ok(()),
        result => result.map_err(io::Error::from),
    }
}

#[cfg(not(unix))]
pub(super) fn kill_group(_child: &Child) -> io::Result<()> {
    Ok(())
}

/// The whole file, or `None` when it holds more than `cap` bytes (never reading more than that).
fn read_capped(path: &Path, cap: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// The last `keep` bytes of the file, plus one byte before them when there are more (so the
/// reader knows it was cut).
pub(super) fn read_tail(path: &Path, keep: u64) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(keep + 1)))?;
    let mut bytes = Vec::new();
    file.take(keep + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Adapter stderr as reports show it: its last 4 KiB, marked `…` when cut, with every control
/// character made visible (it goes to a reviewer's terminal).
pub(super) fn keep_tail(bytes: &[u8]) -> String {
    let cut = bytes.len() as u64 > STDERR_KEEP;
    let bytes = &bytes[bytes.len().saturating_sub(STDERR_KEEP as usize)..];
    let text = String::from_utf8_lossy(bytes);
    let text = visible(&text, true);
    if cut {
        format!("…{text}")
    } else {
        text
    }
}
