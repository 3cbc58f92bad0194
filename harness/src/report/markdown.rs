//! The Markdown report: a verdict table per guarantee area and the failures with their rerun
//! lines, sized for a pull-request comment or a CI job summary.
//!
//! Everything a runtime under test says (failure texts, observed codes, stderr) is untrusted: it
//! goes into fenced code blocks whose fence is longer than any backtick run inside, with control
//! characters made visible, so an adapter cannot inject Markdown, HTML or terminal escapes into
//! the page a reviewer reads.

use std::fmt::Write as _;

use super::summary::{counts, runtime_line, safety, shell_word, Counts, KIT_VERSION};
use crate::judge::verdict::{Failure, FailureKind, Verdict};
use crate::runner::suite::RunReport;

/// The Markdown report. `rerun` is the command prefix that reruns one case when followed by
/// `--filter <id>`, as for [`crate::report::console`].
pub fn markdown(report: &RunReport, rerun: &str) -> String {
    let mut out = String::new();
    let (areas, total) = counts(report);
    let verdict = if report.failed() {
        "❌ FAILED"
    } else {
        "✅ ok"
    };
    let _ = writeln!(out, "### toolcage conformance: {verdict}\n");
    // Guarantee ids are corpus data: shown as inline code, never as Markdown.
    let safety = safety(report);
    let _ = writeln!(
        out,
        "**`{}`**\n\n{}\n",
        inline(&safety.headline()),
        safety.failures_line()
    );
    let _ = writeln!(
        out,
        "{} cases in {:.2} s; kit {KIT_VERSION}; runtime:\n",
        report.results.len(),
        report.wall.as_secs_f64()
    );
    fence(&mut out, "text", &runtime_line(report));
    let _ = writeln!(out, "| area | pass | fail | skip | xfail | xpass |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} |",
            c.pass, c.fail, c.skip, c.xfail, c.xpass
        );
    };
    for (area, c) in &areas {
        // Area names come from the corpus, not from the runtime, but a corpus is data too.
        row(&mut out, &table_cell(area), c);
    }
    row(&mut out, "**total**", &total);

    let failures: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.verdict.is_failure())
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\n#### Failures ({})\n", failures.len());
        for result in failures {
            let _ = writeln!(
                out,
                "- `{}` ({})",
                inline(&result.id),
                inline(&result.guarantee)
            );
            let mut text = match &result.verdict {
                Verdict::XPass { reason } => {
                    format!("passed but is listed as xfail ({reason}): remove it from the list")
                }
                Verdict::Fail(failure) => failure.to_string(),
                _ => String::new(),
            };
            if let Verdict::Fail(Failure {
                kind: FailureKind::Adapter(failure),
                ..
            }) = &result.verdict
            {
                for line in failure.stderr().unwrap_or("").lines() {
                    text.push_str("\nstderr: ");
                    text.push_str(line);
                }
            }
            let _ = writeln!(out);
            fence(&mut out, "text", &text);
            fence(
                &mut out,
                "sh",
                &format!("{rerun} --filter {}", shell_word(&result.id)),
            );
        }
    }
    let skipped: Vec<_> = report
        .results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Skip { missing } => Some((r, missing.join(", "))),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} skipped (capability not declared)</summary>\n",
            skipped.len()
        );
        let mut text = String::new();
        for (result, missing) in skipped {
            let _ = writeln!(text, "{}: needs {missing}", result.id);
        }
        fence(&mut out, "text", &text);
        let _ = writeln!(out, "</details>");
    }
    out
}

/// Writes `text` as a fenced block that nothing inside can close: the fence is one backtick
/// longer than the longest backtick run in the text (and at least three).
fn fence(out: &mut String, info: &str, text: &str) {
    let text = visible(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{ticks}{info}\n{}\n{ticks}\n", text.trim_end());
}

/// Control characters (terminal escapes included) and bidirectional overrides as `\u{..}`;
/// newlines and tabs are kept.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        if hidden {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for an inline code span: visible, one line, no backticks.
fn inline(text: &str) -> String {
    visible(text).replace(['`', '\n'], "'")
}

/// Text for a table cell: visible, no pipe or newline.
fn table_cell(text: &str) -> String {
    visible(text).replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_cannot_be_closed_from_inside() {
        let mut out = String::new();
        fence(&mut out, "text", "a ```` b\n```\n<script>");
        let first = out.lines().next().unwrap();
        assert_eq!(first, "`````text");
        assert_eq!(out.lines().filter(|l| l.starts_with("`````")).count(), 2);
    }

    #[test]
    fn escapes_and_overrides_are_made_visible() {
        assert_eq!(
            visible("a\u{1b}[31mb\u{202e}c\nd"),
            "a\\u{1b}[31mb\\u{202e}c\nd"
        );
        assert_eq!(inline("x`y\nz"), "x'y'z");
        assert_eq!(table_cell("a|b"), "a\\|b");
        assert_eq!(shell_word("a b"), "'a b'");
    }
}
