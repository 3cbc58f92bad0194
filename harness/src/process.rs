//! The process adapter client: the [`ConformanceRuntime`] trait spoken over `docs/ADAPTER.md`, so a
//! runtime in any language is judged by the same code as an in-process one. Everything the
//! adapter can get wrong (no start, crash, hang, garbage, wrong version) becomes a typed
//! [`AdapterFailure`], never a pass or a skip.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::protocol::{Request, Response, RuntimeInfo};
use crate::runtime::{AdapterFailure, ConformanceRuntime};

/// Slack on top of a request's budget, for process start and module compilation.
pub const SLACK_MS: u64 = 5000;

/// How much of stderr is kept for reports.
const STDERR_KEEP: usize = 4096;

/// A runtime reached through an adapter executable (`CMD describe`, `CMD run`).
#[derive(Debug, Clone)]
pub struct ProcessRuntime {
    program: String,
    args: Vec<String>,
    slack: Duration,
}

impl ProcessRuntime {
    /// `command` is split on whitespace; `describe` or `run` is appended to it.
    pub fn new(command: &str) -> Result<ProcessRuntime, AdapterFailure> {
        let mut words = command.split_whitespace().map(str::to_string);
        let program = words.next().ok_or_else(|| AdapterFailure::Unavailable {
            reason: "the adapter command is empty".into(),
        })?;
        Ok(ProcessRuntime {
            program,
            args: words.collect(),
            slack: Duration::from_millis(SLACK_MS),
        })
    }

    /// An adapter given as a program and its leading arguments, for paths with spaces.
    pub fn from_program(program: impl Into<String>, args: Vec<String>) -> ProcessRuntime {
        ProcessRuntime {
            program: program.into(),
            args,
            slack: Duration::from_millis(SLACK_MS),
        }
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
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg(verb)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            // Own process group, so a hung adapter's children die with it.
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot start `{} {verb}`: {e}", self.command_line()),
        })?;
        // Only for a case checking that its guest was stopped (see crate::liveness).
        let watch = crate::liveness::ChildWatch::start(child.id());
        let stdout = spawn_reader(child.stdout.take());
        let stderr = spawn_reader(child.stderr.take());
        if let Some(mut pipe) = child.stdin.take() {
            // Written from its own thread: an adapter that hangs without reading a request larger
            // than the pipe buffer must still meet the budget below. EPIPE (it exited without
            // reading) is not our failure; dropping the pipe closes its stdin.
            let body = stdin.to_vec();
            thread::spawn(move || {
                let _ = pipe.write_all(&body);
            });
        }
        let status = wait_with_budget(&mut child, budget);
        if let Some(watch) = watch {
            watch.finish();
        }
        let collect = |rx: mpsc::Receiver<Vec<u8>>| {
            rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default()
        };
        let stderr_bytes = collect(stderr);
        let stderr_text = keep_tail(&stderr_bytes);
        let Some(status) = status else {
            return Err(AdapterFailure::Hung {
                budget_ms: budget.as_millis() as u64,
                stderr: stderr_text,
            });
        };
        if !status.success() {
            return Err(AdapterFailure::Crashed {
                status: status.to_string(),
                stderr: stderr_text,
            });
        }
        let out = collect(stdout);
        parse_document(&out, verb).map_err(|reason| AdapterFailure::Garbage {
            reason,
            stderr: stderr_text,
        })
    }
}

impl ConformanceRuntime for ProcessRuntime {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        let info: RuntimeInfo = self.invoke("describe", b"", self.slack)?;
        if info.protocol != crate::protocol::PROTOCOL_VERSION {
            return Err(AdapterFailure::Protocol {
                found: info.protocol,
            });
        }
        Ok(info)
    }

    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let body = serde_json::to_vec(request).map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot encode the request: {e}"),
        })?;
        let budget = Duration::from_millis(request.budget_ms()) + self.slack;
        self.invoke("run", &body, budget)
    }
}

/// Exactly one JSON document of the right shape, else why not (with a short excerpt).
fn parse_document<T: serde::de::DeserializeOwned>(out: &[u8], verb: &str) -> Result<T, String> {
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
    serde_json::from_value(first)
        .map_err(|e| garbage(format!("a document of the wrong shape ({e})")))
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    rx
}

/// Waits for the child until `budget`; past it, kills the child's whole process group and
/// returns `None`.
fn wait_with_budget(child: &mut Child, budget: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < budget => {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(10));
            }
            _ => {
                kill_group(child);
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

#[cfg(unix)]
fn kill_group(child: &Child) {
    // No libc (unsafe is denied workspace-wide): the `kill` utility signals the group.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(not(unix))]
fn kill_group(_child: &Child) {}

fn keep_tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= STDERR_KEEP {
        return text.into_owned();
    }
    let mut start = text.len() - STDERR_KEEP;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}
