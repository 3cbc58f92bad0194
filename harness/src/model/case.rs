//! The case model: a loaded, validated case and what every call of it must produce. Built by
//! the header parser ([`super::header`]); read by every layer above, never changed by one (the
//! judge's `fit` works on a copy).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::fixture::{FsSpec, GrantSpec};
use super::net::{ExpectNet, NetSpec, HOST_API_NET};
use super::protocol::{LimitOverrides, Profile};
use super::spec::{CacheAttack, PackageSpec, ZipSpec};
use super::vocab;

/// A loaded, validated case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Unique id (`area.kebab-name`).
    pub id: String,
    /// The guarantee it checks.
    pub guarantee: String,
    /// The guarantee's area (from the guarantee list), used to group reports.
    pub area: String,
    /// Kit version that introduced it.
    pub since: String,
    /// One line: what the guest does.
    pub summary: String,
    /// The `.wat` file.
    pub path: PathBuf,
    /// The guest profile the package declares (`runtime.kind`); runtimes that do not implement
    /// it skip the case.
    pub profile: Profile,
    /// The tool called.
    pub tool: String,
    /// The raw input text of every call.
    pub input: String,
    /// The called tool's `input_schema` (a JSON object).
    pub input_schema: serde_json::Value,
    /// Capabilities the runtime must declare, else the case is skipped.
    pub capabilities: Vec<String>,
    /// Number of identical calls against one loaded plugin.
    pub repeat: u32,
    /// Cancel each call this many ms after it starts.
    pub cancel_after_ms: Option<u64>,
    /// The guest never ends by itself (it spins, or grows its memory, forever): only the runtime
    /// can stop it, so a larger fixed deadline still proves a `timeout` case, and a larger fixed
    /// fuel or memory cap a `fuel_exhausted` or `memory_limit` one (docs/ADAPTER.md, "Declared
    /// limits").
    pub endless: bool,
    /// Per limit, the largest value at which the case still separates what it was written to
    /// separate (a 65-byte write must still exceed `output_bytes`): judged at a fixed value above
    /// it, the case would pass vacuously, so it is skipped with that reason.
    pub separates_up_to: LimitOverrides,
    /// Per limit, the smallest such value (the same, the other way round).
    pub separates_from: LimitOverrides,
    /// Limit overrides.
    pub limits: LimitOverrides,
    /// How the package is built.
    pub package: PackageSpec,
    /// With `[zip]`: the package is delivered only as this stored zip archive (needs the
    /// `package_zip` capability).
    pub zip: Option<ZipSpec>,
    /// With `[disk_cache]`: how the kit attacks the runtime's compiled-code cache before the
    /// judged request (needs the `disk_cache` capability).
    pub disk_cache: Option<CacheAttack>,
    /// With `[fs]`: the file system the kit builds for the case's grant (needs `host_api_fs`).
    pub fs: Option<FsSpec>,
    /// With `[grants]`: the grant the kit gives the case's package (needs `host_api_fs`).
    pub grants: Option<GrantSpec>,
    /// With `[net]`: the scripts of the case's servers and the kit's name table (needs
    /// `host_api_net`).
    pub net: Option<NetSpec>,
    /// What every call must produce.
    pub expect: Expectation,
    /// The module bytes (compiled WAT, or `raw_module_hex`).
    pub module: Vec<u8>,
}

impl Case {
    /// How many leading outcomes are warm-up calls, not compared with `[expect]`.
    pub fn warm_up_calls(&self) -> usize {
        usize::from(self.package.warm_up)
    }

    /// Whether the case runs against fresh kit servers: it has `[net]` or needs `host_api_net`.
    pub fn is_net(&self) -> bool {
        self.net.is_some() || self.capabilities.iter().any(|c| c == HOST_API_NET)
    }

    /// The `message_bytes` bound the universal checks apply to this case's errors.
    pub fn message_bytes(&self) -> u64 {
        self.limits
            .message_bytes
            .unwrap_or(vocab::DEFAULT_MESSAGE_BYTES)
    }
}

/// What every call of a case must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The error or the exact output.
    pub outcome: ExpectedOutcome,
    /// Evidence: at least this many calls to each import.
    pub min_host_calls: BTreeMap<String, u64>,
    /// Evidence: at least this many of those calls returned -1.
    pub min_host_call_failures: BTreeMap<String, u64>,
    /// The exact operator-sink text (needs the `diagnostics` capability).
    pub diagnostics: Option<String>,
    /// The kit checks that no guest work of the request still runs after the answer (only with
    /// `code = "timeout"` or `"cancelled"`).
    pub guest_stopped: bool,
    /// Other codes that count as the expected stop (`timeout`, `cancelled`) when they stop the
    /// guest too: empty as written; set by the declared-limits rule for a runtime whose fuel is
    /// fixed (a fuel budget that ends the guest first is a stop, not a wrong answer).
    pub also_stopped_by: Vec<String>,
    /// `[expect.net]`: what must have reached the kit's servers (all absent: only the universal
    /// network checks).
    pub net: ExpectNet,
}

/// The two kinds of expected outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedOutcome {
    /// The call fails with this code; each listed details key must match.
    Error {
        /// The code.
        code: String,
        /// Normative details keys and their values.
        details: serde_json::Map<String, serde_json::Value>,
    },
    /// The call succeeds with exactly this tool result.
    Output {
        /// The summary.
        summary: String,
        /// The content; `None` means absent or null.
        content: Option<String>,
    },
}
