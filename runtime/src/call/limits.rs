//! The bounds every call runs inside. One struct so that hosts, the CLI and the kit name the same
//! knobs, and so a call's bounds can be overridden as a whole rather than flag by flag.

use std::time::{Duration, Instant};

/// Per-call bounds. [`Limits::default`] holds the defaults of ABI v1 (`docs/SPEC.md`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest tool input accepted, in bytes (the cap itself is accepted).
    pub input_bytes: usize,
    /// Largest output a guest may write, in bytes.
    pub output_bytes: usize,
    /// Largest `summary` in the output, in bytes.
    pub summary_bytes: usize,
    /// Wall-clock deadline of one call, instantiation (and so the start function) included. A
    /// deadline past what the clock can represent (`Duration::MAX`) is the furthest instant it
    /// can: in effect none.
    pub deadline: Duration,
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Largest table, in elements.
    pub table_elements: usize,
    /// Largest module file, in bytes; checked before the file is read.
    pub module_bytes: usize,
    /// Longest error message, in bytes.
    pub message_bytes: usize,
    /// Most diagnostic bytes kept per call for the operator sink.
    pub diagnostic_bytes: usize,
    /// Instruction budget; `None` runs without fuel (and without its cost).
    pub fuel: Option<u64>,
    /// Time budget of one load for reading and hashing the package (checked between entries
    /// and between 64 KiB reads); past it the load fails with `load_timeout`, never hangs.
    pub load_budget: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            input_bytes: 64 * 1024,
            output_bytes: 64 * 1024,
            summary_bytes: 1024,
            deadline: Duration::from_secs(1),
            memory_bytes: 2 * 1024 * 1024,
            table_elements: 256,
            module_bytes: 8 * 1024 * 1024,
            message_bytes: 512,
            diagnostic_bytes: 4 * 1024,
            fuel: None,
            load_budget: Duration::from_secs(5),
        }
    }
}

/// The instant `after` from `now`, or the furthest instant short of it that the clock can
/// represent: a caller's `Duration::MAX` means "no deadline", never a panic (`Instant + Duration`
/// panics on overflow).
pub(crate) fn deadline_after(now: Instant, after: Duration) -> Instant {
    let mut after = after;
    loop {
        if let Some(deadline) = now.checked_add(after) {
            return deadline;
        }
        after /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_saturate_instead_of_panicking() {
        let now = Instant::now();
        assert_eq!(
            deadline_after(now, Duration::from_millis(5)),
            now + Duration::from_millis(5)
        );
        let far = deadline_after(now, Duration::MAX);
        assert!(far > now + Duration::from_secs(100 * 365 * 24 * 3600));
    }
}
