//! The network tables of a case (docs/CASES.md, "Network cases"): the manifest's and the grant's
//! targets (`[[package.request]]`, `[[grants.websocket]]`, ...), the kit's servers and name
//! table (`[net]`) and what must have reached those servers (`[expect.net]`). Every string may
//! hold the servers' placeholders (`$HTTP_PORT`, ...): a case is checked at load against stand-in
//! values, so an unknown placeholder is a kit error then, and expanded for real once its
//! servers have ports ([`expand_case`]).

use serde::{Deserialize, Serialize};

use super::case::{Case, ExpectedOutcome};
use crate::servers::{HttpScript, NameTable, Placeholders, ServerError, ServerScripts, WsScript};

/// The capability a runtime declares when it implements `yoi:host/request` and
/// `yoi:host/websocket` and honours `names` in requests.
pub const HOST_API_NET: &str = "host_api_net";

/// A port as a header writes it: an integer, or a string that is one once placeholders are
/// expanded (`"$HTTP_PORT"`). Kept as written (not as `u16`) so a case can hand a runtime an
/// out-of-range port and judge its refusal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortSpec {
    /// A number.
    Number(i64),
    /// A placeholder, or text holding one.
    Text(String),
}

/// One `[[package.request]]`, `[[package.websocket]]`, `[[grants.request]]` or
/// `[[grants.websocket]]` table: written into the manifest or the grant as it is, placeholders
/// expanded, absent keys left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetTargetSpec {
    /// `http`/`https` or `ws`/`wss`.
    pub scheme: String,
    /// A host name or an address literal.
    pub host: String,
    /// Absent: the scheme's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSpec>,
    /// The allowed methods (request targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Path prefixes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefixes: Option<Vec<String>>,
    /// Grant targets only: special-use addresses the host may resolve to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<String>>,
}

impl NetTargetSpec {
    /// The target with placeholders expanded in every string, and a port written as text made a
    /// number.
    fn expand(&self, values: &Placeholders) -> Result<NetTargetSpec, String> {
        let text = |s: &String| values.expand(s).map_err(|e| e.to_string());
        let list = |l: &Option<Vec<String>>| -> Result<Option<Vec<String>>, String> {
            l.as_ref()
                .map(|items| items.iter().map(text).collect())
                .transpose()
        };
        let port = match &self.port {
            None => None,
            Some(PortSpec::Number(n)) => Some(PortSpec::Number(*n)),
            Some(PortSpec::Text(t)) => {
                let expanded = text(t)?;
                let n = expanded.parse::<i64>().map_err(|_| {
                    format!("a target's port {t:?} is not an integer: {expanded:?}")
                })?;
                Some(PortSpec::Number(n))
            }
        };
        Ok(NetTargetSpec {
            scheme: text(&self.scheme)?,
            host: text(&self.host)?,
            port,
            methods: list(&self.methods)?,
            path_prefixes: list(&self.path_prefixes)?,
            addresses: list(&self.addresses)?,
        })
    }

    /// The target as one TOML table of the manifest (`[[request]]` body lines).
    pub fn to_toml(&self) -> String {
        match toml::to_string(self) {
            Ok(text) => text,
            // Strings, integers and arrays of strings always serialize.
            Err(e) => unreachable!("a target always serializes: {e}"),
        }
    }
}

/// `[net]`: the scripts of the case's servers and the kit's name table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetSpec {
    /// The HTTP server's answers.
    #[serde(default)]
    pub http: HttpScript,
    /// The WebSocket server's behaviour.
    #[serde(default)]
    pub websocket: WsScript,
    /// Names and their answers, lookup by lookup (`"rebind.test" = ["127.0.0.1",
    /// "$SENTINEL_HOST"]`); handed to the runtime as the request's `names`.
    #[serde(default)]
    pub names: NameTable,
}

impl NetSpec {
    /// The servers' scripts.
    pub fn scripts(&self) -> ServerScripts {
        ServerScripts {
            http: self.http.clone(),
            websocket: self.websocket.clone(),
        }
    }
}

/// A header the last request the HTTP server recorded must have carried.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderExpectation {
    /// Compared ASCII case-insensitively.
    pub name: String,
    /// Compared exactly, placeholders expanded.
    pub value: String,
}

/// `[expect.net]`: what reached the kit's servers, judged from their recordings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectNet {
    /// The exact number of request heads the HTTP server recorded.
    pub http_requests: Option<u64>,
    /// The exact number of connections the HTTP server accepted.
    pub http_connections: Option<u64>,
    /// The exact number of connections the WebSocket server accepted.
    pub websocket_connections: Option<u64>,
    /// A header the last recorded request carried.
    pub request_header: Option<HeaderExpectation>,
}

/// The values a case is checked against at load: every placeholder defined, ports that are
/// valid integers, so what fails here fails for every run.
pub fn stand_in_placeholders() -> Placeholders {
    let mut values = Placeholders::default();
    values.set("HTTP_PORT", "1");
    values.set("WS_PORT", "2");
    values.set("SENTINEL_PORT", "3");
    values.set("SENTINEL_HOST", crate::servers::SENTINEL_HOST.to_string());
    values
}

/// Checks a network case's tables against `values` (the stand-ins at load): placeholders,
/// ports, the scripts' bounds and the name table. The reason when one is wrong.
pub fn check(case: &Case, values: &Placeholders) -> Result<(), String> {
    let placeholder = |e: ServerError| e.to_string();
    expand_case(case, values)?;
    if let Some(net) = &case.net {
        net.scripts().expand(values).map_err(placeholder)?;
        net.names
            .resolve_placeholders(values)
            .map_err(placeholder)?;
    }
    if case
        .package
        .request
        .iter()
        .chain(&case.package.websocket)
        .any(|t| t.addresses.is_some())
    {
        return Err(
            "[[package.request]] and [[package.websocket]] targets have no `addresses` \
                    (manifests cannot name addresses; grants can)"
                .into(),
        );
    }
    Ok(())
}

/// `case` with this run's placeholders expanded in its input, its manifest and grant targets, its
/// expected output and its `[expect.net]` header value. Scripts and names are expanded by the servers themselves.
pub fn expand_case(case: &Case, values: &Placeholders) -> Result<Case, String> {
    let targets = |list: &[NetTargetSpec]| -> Result<Vec<NetTargetSpec>, String> {
        list.iter().map(|t| t.expand(values)).collect()
    };
    let mut out = case.clone();
    out.input = values.expand(&case.input).map_err(|e| e.to_string())?;
    out.package.request = targets(&case.package.request)?;
    out.package.websocket = targets(&case.package.websocket)?;
    if let Some(grants) = &mut out.grants {
        grants.request = targets(&grants.request)?;
        grants.websocket = targets(&grants.websocket)?;
    }
    // An exact answer may quote a port (a redirect's `Location`).
    if let ExpectedOutcome::Output { summary, content } = &mut out.expect.outcome {
        *summary = values.expand(summary).map_err(|e| e.to_string())?;
        if let Some(content) = content {
            *content = values.expand(content).map_err(|e| e.to_string())?;
        }
    }
    if let Some(header) = &mut out.expect.net.request_header {
        header.value = values.expand(&header.value).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
