//! What a manifest may ask of the host's grant-bound interfaces (docs/SPEC.md section 14.1):
//! which interface a `host_api` permission names, and the shape of a `[[request]]` or
//! `[[websocket]]` target. Asking grants nothing: `host_api` binds what the manifest asks with
//! what the host's grants give.

use serde::Deserialize;

/// One of the host's grant-bound interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HostApi {
    /// `yoi:host/fs@1.0.0`: read, list and write below a granted root.
    Fs,
    /// `yoi:host/request@1.0.0`: HTTP requests to granted targets.
    Request,
    /// `yoi:host/websocket@1.0.0`: WebSocket connections to granted targets.
    Websocket,
}

impl HostApi {
    /// Every interface, in the order the world lists them.
    pub const ALL: [HostApi; 3] = [HostApi::Request, HostApi::Websocket, HostApi::Fs];

    /// The `api` value of a `host_api` permission.
    pub fn as_str(self) -> &'static str {
        match self {
            HostApi::Fs => "fs",
            HostApi::Request => "request",
            HostApi::Websocket => "websocket",
        }
    }

    /// The interface's instance name, as a component imports it.
    pub fn instance(self) -> &'static str {
        match self {
            HostApi::Fs => "yoi:host/fs@1.0.0",
            HostApi::Request => "yoi:host/request@1.0.0",
            HostApi::Websocket => "yoi:host/websocket@1.0.0",
        }
    }

    /// Parses the `api` value of a permission.
    pub fn from_name(name: &str) -> Option<HostApi> {
        HostApi::ALL.into_iter().find(|a| a.as_str() == name)
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A network target (`[[request]]`, `[[websocket]]`), as a manifest asks for it and a grant
/// gives it. Parsed and bound in this version; matched by the network interfaces (issue 19).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `http`/`https` for requests, `ws`/`wss` for WebSockets.
    pub scheme: String,
    /// The exact host name or address.
    pub host: String,
    /// The port; absent means the scheme's default.
    pub port: Option<u16>,
    /// Requests only: the allowed methods (`GET POST PUT PATCH DELETE`).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Path prefixes, each beginning with `/`.
    #[serde(default)]
    pub path_prefixes: Vec<String>,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl Target {
    /// Checks a target of interface `api` (request or websocket); the reason when it is wrong.
    pub(crate) fn check(&self, api: HostApi) -> Result<(), &'static str> {
        let schemes: &[&str] = match api {
            HostApi::Websocket => &["ws", "wss"],
            _ => &["http", "https"],
        };
        if !schemes.contains(&self.scheme.as_str()) {
            return Err("a target's scheme is not one of its interface's");
        }
        if self.host.is_empty() || self.host.len() > 253 || self.host.contains(['/', '@', '\0']) {
            return Err("a target's host must be a plain host name or address");
        }
        if self.port == Some(0) {
            return Err("a target's port must be 1 to 65535");
        }
        if api == HostApi::Websocket && !self.methods.is_empty() {
            return Err("a websocket target has no methods");
        }
        if self.methods.iter().any(|m| !METHODS.contains(&m.as_str())) {
            return Err("a target's method is not one of GET POST PUT PATCH DELETE");
        }
        if self.path_prefixes.iter().any(|p| !p.starts_with('/')) {
            return Err("a target's path prefix must begin with /");
        }
        Ok(())
    }
}
