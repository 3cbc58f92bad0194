//! The `serve` mode of the process adapter (docs/ADAPTER.md, "`serve`"): one adapter process
//! answers many requests, one JSON line each. A per-request process hides whatever a runtime
//! leaves running after it answered (the process ends and takes it along); a process that lives
//! on shows it, so after each answer of a case that checks its guest was stopped, the kit watches
//! the process for a short quiet window, and after every other answer sweeps it for a shorter
//! one, for threads still burning CPU (see the `liveness` module).
//!
//! As for `run`, stdout and stderr are files the kit watches, not pipes it must drain, so no
//! kit thread serves the adapter; stdin is a pipe written without blocking, so an adapter that
//! stops reading is killed at its budget rather than hanging the kit. An adapter that hangs,
//! crashes, floods or garbles an answer is killed with its process group and replaced by a fresh
//! one for the next request.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::liveness;
use super::process::{
    keep_tail, kill, parse_document, read_tail, STDERR_CAP, STDERR_KEEP, STDOUT_CAP,
};
use super::seam::AdapterFailure;
use crate::model::protocol::{Request, Response};

/// The capability an adapter declares when it implements `serve`.
pub const SERVE: &str = "serve";

/// Idle serving adapters, taken by one request at a time (cases run in parallel, each on its own
/// adapter process; a case that checks its guest runs alone anyway).
#[derive(Debug, Default)]
pub(crate) struct Pool {
    idle: Mutex<Vec<Server>>,
}

impl Pool {
    /// Answers `request` on an idle server, or on a new one started as `program args serve`.
    pub(crate) fn run(
        &self,
        program: &str,
        args: &[String],
        request: &Request,
        budget: Duration,
    ) -> Result<Response, AdapterFailure> {
        // A server that ended after its last answer is retired (its group killed), not reused.
        let idle = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            std::iter::from_fn(|| idle.pop()).find_map(|mut server| {
                matches!(server.child.try_wait(), Ok(None)).then_some(server)
            })
        };
        let mut server = match idle {
            Some(server) => server,
            None => Server::start(program, args)?,
        };
        let mut line = serde_json::to_vec(request).map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot encode the request: {e}"),
        })?;
        line.push(b'\n');
        // Only for a case checking that its guest was stopped: the threads before the request.
        let before = liveness::watch_wanted().then(|| liveness::tree_threads(server.pid()));
        let answer = server.answer(&line, budget)?;
        match before {
            Some(before) => liveness::report(liveness::after_answer(server.pid(), &before)),
            None => liveness::report_sweep(liveness::sweep_after_answer(server.pid())),
        }
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(server);
        Ok(answer)
    }
}

/// One serving adapter process, killed with its process group when dropped.
#[derive(Debug)]
struct Server {
    child: Child,
    stdin: ChildStdin,
    /// Holds the stdout and stderr files.
    dir: tempfile::TempDir,
    /// Where the next answer starts in the stdout file.
    read: u64,
}

impl Server {
    fn start(program: &str, args: &[String]) -> Result<Server, AdapterFailure> {
        let command_line = || format!("{program} {} serve", args.join(" "));
        let unavailable = |what: &str, e: io::Error| AdapterFailure::Unavailable {
            reason: format!("cannot {what} for `{}`: {e}", command_line()),
        };
        let dir = tempfile::Builder::new()
            .prefix("toolcage-serve-")
            .tempdir()
            .map_err(|e| unavailable("create a temporary directory", e))?;
        let create = |name: &str| File::create(dir.path().join(name));
        let mut command = Command::new(program);
        command
            .args(args)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(create("stdout").map_err(|e| unavailable("create stdout", e))?)
            .stderr(create("stderr").map_err(|e| unavailable("create stderr", e))?);
        #[cfg(unix)]
        {
            // Own process group, so whatever the adapter starts is killed with it.
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| unavailable("start", e))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        #[cfg(unix)]
        {
            use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
            let flags =
                fcntl_getfl(&stdin).map_err(|e| unavailable("read stdin's flags", e.into()))?;
            fcntl_setfl(&stdin, flags | OFlags::NONBLOCK)
                .map_err(|e| unavailable("make stdin non-blocking", e.into()))?;
        }
        Ok(Server {
            child,
            stdin,
            dir,
            read: 0,
        })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn stderr(&self) -> String {
        read_tail(&self.path("stderr"), STDERR_KEEP)
            .map(|bytes| keep_tail(&bytes))
            .unwrap_or_else(|e| format!("(the kit could not read stderr: {e})"))
    }

    /// Writes `line` and waits, until `budget`, for the next line of stdout. Any failure leaves
    /// the server killed (it is dropped by the caller).
    fn answer(&mut self, line: &[u8], budget: Duration) -> Result<Response, AdapterFailure> {
        let start = Instant::now();
        let budget_ms = budget.as_millis() as u64;
        // Caps are per request, as for `run`: what earlier requests wrote does not count.
        let stderr_path = self.path("stderr");
        let stderr_len = || fs::metadata(&stderr_path).map_or(0, |m| m.len());
        let stderr_from = stderr_len();
        let mut written = 0;
        let mut pause = Duration::from_micros(200);
        loop {
            if written < line.len() {
                match self.stdin.write(&line[written..]) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    // A closed pipe: the server exited, which the wait below reports.
                    Err(_) => written = line.len(),
                }
            }
            let stdout_len = fs::metadata(self.path("stdout")).map_or(0, |m| m.len());
            if stdout_len > self.read {
                if let Some(text) = self.next_line(stdout_len)? {
                    return parse_document(&text, "serve").map_err(|reason| {
                        AdapterFailure::Garbage {
                            reason,
                            stderr: self.stderr(),
                        }
                    });
                }
            }
            let over = if stdout_len - self.read.min(stdout_len) > STDOUT_CAP {
                Some(("stdout", STDOUT_CAP))
            } else if stderr_len().saturating_sub(stderr_from) > STDERR_CAP {
                Some(("stderr", STDERR_CAP))
            } else {
                None
            };
            if let Some((stream, cap)) = over {
                return Err(self.stop(AdapterFailure::Garbage {
                    reason: format!(
                        "`serve` wrote more than {cap} bytes to {stream} for one request, the \
                         protocol's cap; the kit stopped it"
                    ),
                    stderr: String::new(),
                }));
            }
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // What it wrote before exiting is counted first.
                    let stdout_len = fs::metadata(self.path("stdout")).map_or(0, |m| m.len());
                    if let Some(text) = self.next_line(stdout_len)? {
                        return parse_document(&text, "serve").map_err(|reason| {
                            AdapterFailure::Garbage {
                                reason,
                                stderr: self.stderr(),
                            }
                        });
                    }
                    return Err(AdapterFailure::Crashed {
                        status: format!("{status}, in `serve` before answering"),
                        stderr: self.stderr(),
                    });
                }
                Ok(None) if start.elapsed() < budget => {
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(5));
                }
                Ok(None) => {
                    return Err(self.stop(AdapterFailure::Hung {
                        budget_ms,
                        stderr: String::new(),
                    }))
                }
                Err(e) => {
                    return Err(self.stop(AdapterFailure::Unkillable {
                        budget_ms,
                        error: format!("cannot wait for it: {e}"),
                        stderr: String::new(),
                    }))
                }
            }
        }
    }

    /// The next complete line of stdout (without its line feed), if one has arrived.
    fn next_line(&mut self, len: u64) -> Result<Option<Vec<u8>>, AdapterFailure> {
        let mut bytes = Vec::new();
        let read = File::open(self.path("stdout")).and_then(|mut file| {
            file.seek(SeekFrom::Start(self.read))?;
            file.take(len.saturating_sub(self.read).min(STDOUT_CAP + 1))
                .read_to_end(&mut bytes)
        });
        read.map_err(|e| AdapterFailure::Unavailable {
            reason: format!("cannot read the stdout of `serve`: {e}"),
        })?;
        let Some(end) = bytes.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        self.read += end as u64 + 1;
        bytes.truncate(end);
        Ok(Some(bytes))
    }

    /// Kills the server, with `failure` as what to report (its stderr filled in).
    fn stop(&mut self, failure: AdapterFailure) -> AdapterFailure {
        let stderr = self.stderr();
        let killed = kill(&mut self.child);
        match (failure, killed) {
            (AdapterFailure::Hung { budget_ms, .. }, Err(error)) => AdapterFailure::Unkillable {
                budget_ms,
                error,
                stderr,
            },
            (AdapterFailure::Hung { budget_ms, .. }, Ok(())) => {
                AdapterFailure::Hung { budget_ms, stderr }
            }
            (AdapterFailure::Garbage { reason, .. }, _) => {
                AdapterFailure::Garbage { reason, stderr }
            }
            (
                AdapterFailure::Unkillable {
                    budget_ms, error, ..
                },
                _,
            ) => AdapterFailure::Unkillable {
                budget_ms,
                error,
                stderr,
            },
            (other, _) => other,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Whatever the server started dies with it; a server already reaped is no error.
        let _ = kill(&mut self.child);
    }
}
