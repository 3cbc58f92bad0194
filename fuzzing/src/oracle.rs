//! Checks every target applies to what the runtime hands back: a well-formed error (ERR-01), and
//! no thread or file descriptor left behind by a load or a call.

use toolcage_runtime::{Error, ErrorCode};

/// ERR-01: a known code reported in its own phase, a message within `message_bytes` with no
/// character a model must not see. Panics otherwise.
pub fn well_formed(error: &Error, message_bytes: usize) {
    let code = error.code();
    assert_eq!(
        ErrorCode::from_name(code.as_str()),
        Some(code),
        "an unknown code"
    );
    assert_eq!(
        error.phase(),
        code.phase(),
        "{} reported in phase {}",
        code.as_str(),
        error.phase().as_str()
    );
    let message = error.message();
    assert!(
        message.len() <= message_bytes,
        "a message of {} bytes, over {message_bytes}: {message:?}",
        message.len()
    );
    assert!(
        !message.chars().any(toolcage_runtime::is_unsafe_char),
        "an unsafe character in the message {message:?}"
    );
}

/// Threads and open file descriptors of this process, to compare before and after a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resources {
    /// Entries of `/proc/self/task`.
    pub threads: usize,
    /// Entries of `/proc/self/fd`, memory images aside: wasmtime keeps a module's initial
    /// memory in a `memfd` while the runtime's bounded cache of compiled modules holds it, which
    /// is the cache at work, not a descriptor a load or a call forgot.
    pub fds: usize,
}

impl Resources {
    /// What the process holds now.
    pub fn now() -> Resources {
        let threads = std::fs::read_dir("/proc/self/task")
            .map(|d| d.count())
            .unwrap_or(0);
        let fds = std::fs::read_dir("/proc/self/fd")
            .map(|d| {
                d.flatten()
                    .filter(|e| {
                        std::fs::read_link(e.path()).map_or(true, |target| {
                            !target.to_string_lossy().starts_with("/memfd:")
                        })
                    })
                    .count()
            })
            .unwrap_or(0);
        Resources { threads, fds }
    }

    /// Panics when the process holds more threads or descriptors than at `self`.
    pub fn assert_none_left(self, what: &str) {
        let after = Resources::now();
        assert!(
            after.threads <= self.threads && after.fds <= self.fds,
            "{what} left resources behind: {self:?} before, {after:?} after"
        );
    }
}
