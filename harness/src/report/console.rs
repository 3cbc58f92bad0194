//! The console report: a terse table by guarantee area, then each failure with the command that
//! reruns it and the lines that say where to look.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::summary::{counts, runtime_line, safety, Counts, KIT_VERSION};
use crate::judge::declared::{Evidence, EVIDENCE};
use crate::judge::verdict::{Failure, FailureKind, Verdict};
use crate::runner::case::CaseResult;
use crate::runner::suite::RunReport;
use crate::runtime::escape::visible;

/// The lines under a failure that say where to look: the case file, the guarantee's MUST
/// sentence, and what the verdict could not rest on.
fn context_lines(out: &mut String, result: &CaseResult) {
    let _ = writeln!(out, "      file: {}", result.file.display());
    if let Some(must) = &result.must {
        let _ = writeln!(out, "      must: {must}");
    }
    if result.evidence == Evidence::NotChecked {
        let _ = writeln!(
            out,
            "      evidence: not checked (the runtime does not declare `{EVIDENCE}`)"
        );
    }
    for fixed in &result.fixed_limits {
        let _ = writeln!(
            out,
            "      limit: {} judged at the runtime's fixed {} (the case asks for {})",
            fixed.limit,
            fixed.fixed,
            fixed.asked_text()
        );
    }
}

/// The console report. `rerun` is the command prefix that reruns one case when followed by
/// `--filter <id>` (for example `cargo xtask conformance --adapter ./x`).
pub fn console(report: &RunReport, rerun: &str) -> String {
    let mut out = String::new();
    let safety = safety(report);
    // The safety verdict leads, and closes the report again beside the totals: failures scroll
    // it away, and it is what a reviewer must read first.
    let _ = writeln!(out, "{}", visible(&safety.headline(), false));
    let _ = writeln!(
        out,
        "toolcage-kit {KIT_VERSION} against {}",
        runtime_line(report)
    );
    for result in &report.results {
        let line = match &result.verdict {
            Verdict::Fail(failure) => {
                format!("FAIL  {} [{}] {failure}", result.id, result.guarantee)
            }
            Verdict::XPass { reason } => format!(
                "XPASS {} [{}] passed but is listed as xfail ({reason}): remove it from the list",
                result.id, result.guarantee
            ),
            _ => continue,
        };
        let _ = writeln!(out, "{}", visible(&line, false));
        context_lines(&mut out, result);
        if let Verdict::Fail(Failure {
            kind: FailureKind::Adapter(failure),
            ..
        }) = &result.verdict
        {
            // ADAPTER.md: the adapter's stderr (already cut to 4 KiB) is shown when a case fails.
            for stderr_line in visible(failure.stderr().unwrap_or(""), true).lines() {
                let _ = writeln!(out, "      stderr: {stderr_line}");
            }
        }
        let _ = writeln!(out, "      rerun: {rerun} --filter {}", result.id);
    }
    // Skips and unchecked evidence are not failures, but never silent: one line per reason.
    let mut skips: BTreeMap<String, usize> = BTreeMap::new();
    for result in &report.results {
        if let Verdict::Skip { missing } = &result.verdict {
            *skips.entry(missing.join(", ")).or_default() += 1;
        }
    }
    for (missing, n) in &skips {
        let _ = writeln!(out, "SKIP  {n} case(s): need {}", visible(missing, false));
    }
    let unchecked = report
        .results
        .iter()
        .filter(|r| r.evidence == Evidence::NotChecked)
        .count();
    if unchecked > 0 {
        let _ = writeln!(
            out,
            "NOTE  evidence not checked in {unchecked} case(s): the runtime does not declare \
             `{EVIDENCE}`, so their host-call counters were not compared (judged by outcome alone)"
        );
    }
    let fixed = report
        .results
        .iter()
        .filter(|r| !r.fixed_limits.is_empty())
        .count();
    if fixed > 0 {
        let _ = writeln!(
            out,
            "NOTE  {fixed} case(s) judged at the runtime's fixed limits instead of their \
             [limits] overrides (see the JSON report's `fixed_limits`)"
        );
    }
    let (areas, total) = counts(report);
    let width = areas.keys().map(String::len).max().unwrap_or(0).max(5);
    let _ = writeln!(
        out,
        "{:width$}  {:>5} {:>5} {:>5} {:>5} {:>5}",
        "area", "pass", "fail", "skip", "xfail", "xpass"
    );
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "{name:width$}  {:>5} {:>5} {:>5} {:>5} {:>5}",
            c.pass, c.fail, c.skip, c.xfail, c.xpass
        );
    };
    for (area, c) in &areas {
        row(&mut out, area, c);
    }
    row(&mut out, "total", &total);
    let _ = writeln!(out, "{}", visible(&safety.headline(), false));
    let _ = writeln!(out, "{}", safety.failures_line());
    let verdict = if report.failed() { "FAILED" } else { "ok" };
    let _ = writeln!(
        out,
        "{verdict}: {} cases in {:.2} s",
        report.results.len(),
        report.wall.as_secs_f64()
    );
    out
}
