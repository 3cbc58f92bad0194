//! What a runtime's `describe` lets the kit check: evidence counters only when declared, and
//! `[limits]` overrides against limits the runtime declared fixed. Both decide, per case, what the
//! verdict can honestly rest on, so an honest runtime without them gets no false failure and a
//! dishonest one still fails (docs/ADAPTER.md, "Evidence" and "Declared limits").

use serde::Serialize;

use super::verdict::{Failure, FailureClass, FailureKind};
use crate::model::case::{Case, ExpectedOutcome};
use crate::model::protocol::RuntimeInfo;

/// The capability that makes the kit check `min_host_calls` / `min_host_call_failures`.
pub const EVIDENCE: &str = "evidence";

/// Whether a case's evidence counters were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The case expects no counters.
    None,
    /// The runtime declared `evidence` and its counters were judged.
    Checked,
    /// The runtime did not declare `evidence`: the case was judged by its outcome alone.
    NotChecked,
}

impl Evidence {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::None => "none",
            Evidence::Checked => "checked",
            Evidence::NotChecked => "not_checked",
        }
    }
}

/// One `[limits]` override judged at the runtime's declared fixed value instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixedLimit {
    /// The limit's name (`deadline_ms`, ...).
    pub limit: String,
    /// The value the case asks for; `None` for a limit the case leaves at a default of no
    /// limit at all (`fuel`).
    pub asked: Option<u64>,
    /// The value the runtime declared, which the request carried and the case was judged at.
    pub fixed: u64,
}

impl FixedLimit {
    /// What the case asks for, as reports print it (`none` for no limit at all).
    pub fn asked_text(&self) -> String {
        self.asked
            .map_or_else(|| "none".to_string(), |asked| asked.to_string())
    }
}

/// The case as this runtime can be judged on it: evidence dropped when not declared, fixed limits
/// substituted where that proves the same guarantee. `Err` is the reason to skip the case: an
/// override the runtime cannot apply and whose declared value would prove something else.
pub fn fit(case: &Case, info: &RuntimeInfo) -> Result<(Case, Evidence, Vec<FixedLimit>), String> {
    let mut fitted = case.clone();
    let expects_counters =
        !case.expect.min_host_calls.is_empty() || !case.expect.min_host_call_failures.is_empty();
    let evidence = match (expects_counters, info.has(EVIDENCE)) {
        (false, _) => Evidence::None,
        (true, true) => Evidence::Checked,
        (true, false) => {
            fitted.expect.min_host_calls.clear();
            fitted.expect.min_host_call_failures.clear();
            Evidence::NotChecked
        }
    };
    let mut substituted = Vec::new();
    for (limit, asked, by_default) in asked_limits(case) {
        let Some(fixed) = info.fixed_limit(limit) else {
            continue;
        };
        if fixed == asked {
            continue;
        }
        if !substitution_is_sound(case, limit, asked, fixed) {
            let default = if by_default { "the default; " } else { "" };
            return Err(format!(
                "{limit} = {asked} ({default}the runtime's is fixed at {fixed})"
            ));
        }
        if let Some(reason) = no_longer_separates(case, limit, fixed) {
            return Err(reason);
        }
        *fitted
            .limits
            .slot(limit)
            .expect("a name of LimitOverrides::NAMES") = Some(fixed);
        substituted.push(FixedLimit {
            limit: limit.to_string(),
            asked: Some(asked),
            fixed,
        });
    }
    if let Some(fixed) = unasked_fuel(case, info) {
        fitted.expect.also_stopped_by.push("fuel_exhausted".into());
        substituted.push(FixedLimit {
            limit: "fuel".into(),
            asked: None,
            fixed,
        });
    }
    Ok((fitted, evidence, substituted))
}

/// The limits a case's meaning rests on, with the value it asks for: every `[limits]` override,
/// and the SPEC §8 default of every limit its `separates_up_to` / `separates_from` name without
/// overriding it (`memory.grow-past-cap` exceeds the 2 MiB default, so it says it separates up
/// to 33 pages: at a memory cap fixed at 64 MiB it exceeds nothing). The flag says the value is
/// the default. A default the case does not name is not asked for: the case runs as written,
/// and a fixed value that changes its outcome is a real difference (and a `declared.fixed-`
/// finding of its own).
fn asked_limits(case: &Case) -> Vec<(&'static str, u64, bool)> {
    let mut limits = case.limits.clone();
    let (mut up_to, mut from) = (case.separates_up_to.clone(), case.separates_from.clone());
    crate::model::protocol::LimitOverrides::NAMES
        .iter()
        .filter_map(|&limit| {
            let named = up_to.slot(limit)?.is_some() || from.slot(limit)?.is_some();
            match *limits.slot(limit)? {
                Some(asked) => Some((limit, asked, false)),
                None if named => Some((limit, default_of(limit)?, true)),
                None => None,
            }
        })
        .collect()
}

/// The defaults of docs/SPEC.md §8 a case can rely on (`fuel` has none: no budget at all;
/// messages and diagnostics are cut, never exceeded).
fn default_of(limit: &str) -> Option<u64> {
    Some(match limit {
        "input_bytes" | "output_bytes" => 64 << 10,
        "summary_bytes" => 1 << 10,
        "deadline_ms" => crate::model::vocab::DEFAULT_DEADLINE_MS,
        "memory_bytes" => 2 << 20,
        "table_elements" => 256,
        "module_bytes" => 8 << 20,
        _ => return None,
    })
}

/// A fixed fuel budget the case did not ask for, when it matters to the verdict: the default is
/// no fuel budget at all, so a runtime whose fuel is fixed may end a runaway guest with
/// `fuel_exhausted` before its deadline or its cancel. For a case that expects the guest to be
/// stopped (`timeout` or `cancelled`), that is the guest stopped, and it is judged so (the code's
/// details aside; the time bound, the universal checks and `guest_stopped` still apply). Cases
/// that expect an output keep the default of no budget: a fixed budget that ends them is a real
/// difference, reported as the failure it is.
fn unasked_fuel(case: &Case, info: &RuntimeInfo) -> Option<u64> {
    let stops = matches!(&case.expect.outcome,
        ExpectedOutcome::Error { code, .. } if code == "timeout" || code == "cancelled");
    if !stops || case.limits.fuel.is_some() {
        return None;
    }
    info.fixed_limit("fuel")
}

/// The prefix of the id of a fixed-limit finding (`declared.fixed-deadline_ms`).
pub const FIXED_FINDING: &str = "declared.fixed-";

/// The limits the runtime declared fixed that SPEC §8 says the host sets per call, each with
/// the failure that reports it. Every limit of §8 is one; `fuel` only for a runtime that
/// declares the `fuel` capability (without it, the host sets no fuel at all). Cases judged at
/// such a value are fair to the runtime; this is where the kit says what the host loses.
pub fn fixed_limit_findings(info: &RuntimeInfo) -> Vec<(String, Failure)> {
    info.limits
        .keys()
        .filter_map(|limit| Some((limit, info.fixed_limit(limit)?)))
        .filter(|(limit, _)| *limit != "fuel" || info.has("fuel"))
        .map(|(limit, fixed)| {
            let effect = match code_of(limit) {
                Some(code) => format!(
                    "a host that asks for a smaller {limit} gets `{code}` only past {fixed}, and \
                     one that asks for a larger value gets `{code}` at {fixed}"
                ),
                None => format!("whatever {limit} the host asks for, {fixed} applies"),
            };
            let failure = Failure {
                kind: FailureKind::FixedLimit,
                // A bound the host sets and cannot set is a bound the sandbox does not keep.
                class: FailureClass::Safety,
                call: None,
                message: format!(
                    "`describe` declares {limit} fixed at {fixed}, which docs/SPEC.md §8 says \
                     the host sets per call: {effect}"
                ),
            };
            (format!("{FIXED_FINDING}{limit}"), failure)
        })
        .collect()
}

/// Why judging `case` at `fixed` for `limit` would prove nothing, when its header says so
/// (`separates_up_to`, `separates_from`): the value is sound by the monotone rule, but the case's
/// own contrast (a second failing write, a first-versus-last order) is gone at it.
fn no_longer_separates(case: &Case, limit: &str, fixed: u64) -> Option<String> {
    let bound = |limits: &crate::model::protocol::LimitOverrides| {
        let mut limits = limits.clone();
        limits.slot(limit).and_then(|value| *value)
    };
    let why = |range: String| {
        format!(
            "{limit} fixed at {fixed} no longer separates what the case was written to separate \
             (it does for {range})"
        )
    };
    if let Some(max) = bound(&case.separates_up_to).filter(|max| fixed > *max) {
        return Some(why(format!("{limit} <= {max}")));
    }
    if let Some(min) = bound(&case.separates_from).filter(|min| fixed < *min) {
        return Some(why(format!("{limit} >= {min}")));
    }
    None
}

/// The error code a limit produces when a call exceeds it, if it has one.
fn code_of(limit: &str) -> Option<&'static str> {
    Some(match limit {
        "input_bytes" => "input_too_large",
        "output_bytes" => "output_too_large",
        "summary_bytes" => "output_schema_mismatch",
        "deadline_ms" => "timeout",
        "memory_bytes" => "memory_limit",
        "table_elements" => "table_limit",
        "module_bytes" => "module_too_large",
        "fuel" => "fuel_exhausted",
        _ => return None,
    })
}

/// Whether a guest can tell a larger value of `limit` from a smaller one without failing: a
/// `memory.grow` or `table.grow` that returns -1 at the cap lets it carry on, and the text of
/// diagnostics and messages depends on where they are cut. For the other limits, a call that did
/// not exceed the smaller value behaves the same under a larger one.
fn observable_below_cap(limit: &str) -> bool {
    matches!(
        limit,
        "memory_bytes" | "table_elements" | "diagnostic_bytes" | "message_bytes"
    )
}

/// The rule of docs/ADAPTER.md ("Declared limits"): every limit here is monotone, so
/// - a smaller fixed value proves the guarantee of a case that expects the limit's own code
///   (what exceeds the asked value exceeds the smaller one too), and a smaller `message_bytes` is
///   a stricter bound on every message; a smaller `deadline_ms` also serves a `cancelled` case
///   whose cancel time still comes first;
/// - a larger fixed value proves the guarantee of a case that does not expect the limit's code,
///   when the guest cannot observe the limit without failing (a call that stayed within the
///   asked value stays within the larger one);
/// - a larger fixed `deadline_ms` also proves a case whose guest is `endless` (it cannot end
///   between the two deadlines, so it still meets the one the runtime applies), and a larger
///   fixed value of any limit proves an `endless` case expecting that limit's code (its guest
///   grows or spins until stopped, so it exceeds any value: a fixed fuel budget, a memory cap);
/// - anything else would judge a different guarantee, and the case is skipped.
fn substitution_is_sound(case: &Case, limit: &str, asked: u64, fixed: u64) -> bool {
    let expected_code = match &case.expect.outcome {
        ExpectedOutcome::Error { code, .. } => Some(code.as_str()),
        ExpectedOutcome::Output { .. } => None,
    };
    let expects_limit = code_of(limit).is_some_and(|code| expected_code == Some(code));
    if fixed < asked {
        expects_limit
            || limit == "message_bytes"
            || (limit == "deadline_ms"
                && expected_code == Some("cancelled")
                && case.cancel_after_ms.is_some_and(|cancel| cancel < fixed))
    } else {
        (!expects_limit && !observable_below_cap(limit))
            || (case.endless && (expects_limit || limit == "deadline_ms"))
    }
}
