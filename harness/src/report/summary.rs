//! What every report says about a run: verdict counts by area, the runtime's identity line, the
//! kit's version, a failure's kind and reason, and rerun commands as shell words.

use std::collections::BTreeMap;

use crate::judge::verdict::Verdict;
use crate::runner::case::CaseResult;
use crate::runner::suite::RunReport;
use crate::runtime::escape::visible;

/// `word` as one POSIX shell word, quoted only when it needs it: rerun lines are pasted into a
/// shell, and case ids and paths of external corpora are data.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The kit's version, carried by every report.
pub const KIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Verdict counts of one area (or of the whole run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed cases.
    pub pass: usize,
    /// Failed cases.
    pub fail: usize,
    /// Skipped cases.
    pub skip: usize,
    /// Expected failures.
    pub xfail: usize,
    /// Unexpected passes.
    pub xpass: usize,
}

impl Counts {
    fn add(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Fail(_) => self.fail += 1,
            Verdict::Skip { .. } => self.skip += 1,
            Verdict::XFail { .. } => self.xfail += 1,
            Verdict::XPass { .. } => self.xpass += 1,
        }
    }
}

/// Counts by area, and the totals.
pub fn counts(report: &RunReport) -> (BTreeMap<String, Counts>, Counts) {
    let mut areas: BTreeMap<String, Counts> = BTreeMap::new();
    let mut total = Counts::default();
    for result in &report.results {
        areas
            .entry(result.area.clone())
            .or_default()
            .add(&result.verdict);
        total.add(&result.verdict);
    }
    (areas, total)
}

/// The runtime as it described itself, on one line, made visible.
pub(super) fn runtime_line(report: &RunReport) -> String {
    let line = match &report.runtime {
        Ok(info) => {
            let mut line = format!(
                "{} {} (capabilities: {}",
                info.name,
                info.version,
                if info.capabilities.is_empty() {
                    "none".into()
                } else {
                    info.capabilities.join(", ")
                }
            );
            let fixed: Vec<String> = info
                .limits
                .iter()
                .filter_map(|(name, limit)| Some(format!("{name} = {}", limit.fixed()?)))
                .collect();
            if !fixed.is_empty() {
                line.push_str(&format!("; fixed limits: {}", fixed.join(", ")));
            }
            line + ")"
        }
        Err(failure) => format!("unknown ({failure})"),
    };
    visible(&line, false)
}

/// A failure's kind and its reason made visible, for every verdict but a pass.
pub(super) fn reason(result: &CaseResult) -> Option<(String, String)> {
    raw_reason(result).map(|(kind, message)| (kind, visible(&message, false)))
}

fn raw_reason(result: &CaseResult) -> Option<(String, String)> {
    match &result.verdict {
        Verdict::Fail(f) => Some((f.kind.as_str().into(), f.to_string())),
        Verdict::XFail { reason, failure } => Some((
            failure.kind.as_str().into(),
            format!("{failure} (xfail: {reason})"),
        )),
        Verdict::XPass { reason } => Some(("xpass".into(), format!("listed as xfail: {reason}"))),
        Verdict::Skip { missing } => {
            Some(("capability".into(), format!("needs {}", missing.join(", "))))
        }
        Verdict::Pass => None,
    }
}
