//! Confinement: what a host-API case's runtime reached outside the granted root, seen from the
//! outside (docs/CASES.md, `[fs]`): a canary's bytes in its answer, or a change outside the root.

use super::verdict::{Failure, FailureClass, FailureKind};
use crate::model::protocol::Response;
use crate::package::fixture::Fixture;
use crate::runtime::seam::AdapterFailure;

/// The confinement checks after the request: no canary byte in anything the runtime answered
/// (output, messages, details, its stderr), nothing outside the root changed.
pub(crate) fn judge(
    fixture: Option<&Fixture>,
    response: Result<&Response, &AdapterFailure>,
) -> Result<(), Failure> {
    let Some(fixture) = fixture else {
        return Ok(());
    };
    let text = match response {
        Ok(response) => serde_json::to_string(response).unwrap_or_default(),
        Err(failure) => format!("{failure:?}"),
    };
    let fail = |message: String| Failure {
        kind: FailureKind::Confinement,
        class: FailureClass::Safety,
        call: None,
        message,
    };
    if fixture.leaked(&text) {
        return Err(fail(
            "a canary file's content from outside the granted root is in the runtime's answer"
                .into(),
        ));
    }
    match fixture.outside_changed() {
        Some(change) => Err(fail(change)),
        None => Ok(()),
    }
}
