//! The oracle: whether an outcome is one the module's family allows, and well-formed (a known
//! code in its phase, a bounded message without control characters), whatever the runtime's own
//! code says.

use serde_json::Value;

use super::generate::Expect;
use super::rt::{self, Error, ErrorCode, Limits};

pub(super) fn outcome_code(result: &Result<rt::ToolOutput, Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e.code().as_str().into(),
    }
}

/// The oracle: `Ok` when the outcome is one the module's family allows and is well-formed.
pub(super) fn judge(
    expect: &Expect,
    result: &Result<rt::ToolOutput, Error>,
    limits: &Limits,
) -> Result<(), String> {
    let error = match result {
        Ok(_) if matches!(expect, Expect::Runs | Expect::Abi) => return Ok(()),
        Ok(output) => return Err(format!("expected {expect:?}, got output {output:?}")),
        Err(error) => error,
    };
    well_formed(error, limits)?;
    let code = error.code();
    let details = error.details();
    match expect {
        Expect::Runs | Expect::Abi => {
            use rt::Phase;
            let phase_ok = matches!(code.phase(), Phase::Run | Phase::Output);
            // memory_limit and table_limit are run-phase codes: the module may ask for too much.
            let allowed = phase_ok && code != ErrorCode::ResourceExhausted;
            if !allowed {
                return Err(format!(
                    "a valid, linkable module failed with {}: {}",
                    code.as_str(),
                    error.message()
                ));
            }
            if code == ErrorCode::Trap {
                let kind = details.get("trap").and_then(Value::as_str).unwrap_or("");
                // A WebAssembly 2.0 module can only trap in the named ways: `other` is a finding too.
                if kind == "other" || !toolcage_kit::TRAP_KINDS.contains(&kind) {
                    return Err(format!(
                        "a trap of no normative kind ({kind:?}): {}",
                        error.message()
                    ));
                }
                if *expect == Expect::Abi && kind != "unreachable" {
                    return Err(format!(
                        "an ABI guest, all of whose accesses are in bounds, trapped with \
                         {kind:?}: {}",
                        error.message()
                    ));
                }
            }
            Ok(())
        }
        Expect::Denied { imports, count } => {
            let reported = details.get("imports").cloned().unwrap_or(Value::Null);
            let reported_count = details.get("count").and_then(Value::as_u64);
            let expected = Value::from(imports.clone());
            if code != ErrorCode::ImportDenied
                || reported != expected
                || reported_count != Some(*count)
            {
                return Err(format!(
                    "expected import_denied naming {expected} (count {count}), got {} naming \
                     {reported} (count {reported_count:?}): {}",
                    code.as_str(),
                    error.message()
                ));
            }
            Ok(())
        }
        Expect::Export(want, export) => {
            let reported = details.get("export").and_then(Value::as_str).unwrap_or("");
            if code != *want || reported != *export {
                return Err(format!(
                    "expected {} of {export}, got {} of {reported:?}: {}",
                    want.as_str(),
                    code.as_str(),
                    error.message()
                ));
            }
            Ok(())
        }
    }
}

/// ERR-01 for every outcome: a known code in its phase, a bounded message with no control
/// characters.
fn well_formed(error: &Error, limits: &Limits) -> Result<(), String> {
    let code = error.code();
    if ErrorCode::from_name(code.as_str()) != Some(code) || error.phase() != code.phase() {
        return Err(format!(
            "{} reported in phase {}",
            code.as_str(),
            error.phase().as_str()
        ));
    }
    let message = error.message();
    if message.len() > limits.message_bytes {
        return Err(format!("a message of {} bytes", message.len()));
    }
    if message.chars().any(toolcage_runtime::is_unsafe_char) {
        return Err(format!("an unsafe character in the message {message:?}"));
    }
    Ok(())
}
