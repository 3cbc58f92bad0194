//! One conformance case: its `;;!` TOML header parsed strictly (unknown keys refused, rules of
//! docs/CASES.md checked) and its module compiled, so a broken case is a kit error at load time
//! and never a confusing verdict later.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::disk_cache::CacheAttack;
use crate::error::KitError;
use crate::protocol::{Call, LimitOverrides, Profile, Request};
use crate::vocab;

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
    /// Limit overrides.
    pub limits: LimitOverrides,
    /// How the package is built.
    pub package: PackageSpec,
    /// With `[zip]`: the package is delivered only as this stored zip archive (needs the
    /// `package_zip` capability).
    pub zip: Option<crate::archive::ZipSpec>,
    /// With `[disk_cache]`: how the kit attacks the runtime's compiled-code cache before the
    /// judged request (needs the `disk_cache` capability).
    pub disk_cache: Option<CacheAttack>,
    /// With `[fs]`: the file system the kit builds for the case's grant (needs `host_api_fs`).
    pub fs: Option<crate::fixtures::FsSpec>,
    /// With `[grants]`: the grant the kit gives the case's package (needs `host_api_fs`).
    pub grants: Option<crate::fixtures::GrantSpec>,
    /// What every call must produce.
    pub expect: Expectation,
    /// The module bytes (compiled WAT, or `raw_module_hex`).
    pub module: Vec<u8>,
}

impl Case {
    /// The request of this case against its built package: with `[package] warm_up`, first one
    /// call against the untampered package, then `repeat` judged calls (against the tampered copy
    /// when `tamper_after_pin` is set, with the same pin).
    pub fn request(&self, package: &crate::package::BuiltPackage) -> Request {
        let call = Call {
            tool: self.tool.clone(),
            input: self.input.clone(),
            cancel_after_ms: self.cancel_after_ms,
            package: (package.judged != package.path).then(|| package.judged.clone()),
            package_zip: None,
            digest: None,
        };
        let mut calls = Vec::new();
        if self.package.warm_up {
            let (package, digest) = match &package.warm_up {
                Some((path, digest)) => (Some(path.clone()), Some(digest.clone())),
                None => (None, None),
            };
            calls.push(Call {
                package,
                digest,
                ..call.clone()
            });
        }
        calls.extend(std::iter::repeat_n(call, self.repeat as usize));
        Request {
            protocol: crate::protocol::PROTOCOL_VERSION,
            package: package.path.clone(),
            // A `[zip]` case's package is the archive: named as both.
            package_zip: self.zip.is_some().then(|| package.path.clone()),
            profile: self.profile,
            digest: package.digest.clone(),
            limits: self.limits.clone(),
            calls,
            cache_dir: None,
            cache_key_file: None,
            grants: None,
        }
    }

    /// How many leading outcomes are warm-up calls, not compared with `[expect]`.
    pub fn warm_up_calls(&self) -> usize {
        usize::from(self.package.warm_up)
    }

    /// The `message_bytes` bound the universal checks apply to this case's errors.
    pub fn message_bytes(&self) -> u64 {
        self.limits
            .message_bytes
            .unwrap_or(vocab::DEFAULT_MESSAGE_BYTES)
    }
}

/// The `[package]` knobs of docs/CASES.md, with defaults resolved by the package builder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is a row of the `[package]` table of docs/CASES.md
pub struct PackageSpec {
    pub tools: Option<Vec<String>>,
    pub entry: Option<String>,
    pub module_path: Option<String>,
    pub symlink_entry_to: Option<String>,
    pub kind: Option<String>,
    pub abi: Option<String>,
    pub world: Option<String>,
    pub manifest_append: Option<String>,
    pub manifest_replace: Option<String>,
    pub pad_module_to: Option<u64>,
    pub raw_module_hex: Option<String>,
    #[serde(default)]
    pub tamper_after_pin: bool,
    #[serde(default)]
    pub warm_up: bool,
    pub warm_up_module: Option<String>,
    pub host_apis: Option<Vec<String>>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    id: String,
    guarantee: String,
    since: String,
    summary: String,
    #[serde(default)]
    profile: Profile,
    tool: Option<String>,
    input: Option<String>,
    input_size: Option<usize>,
    input_schema: Option<String>,
    #[serde(default)]
    capabilities: Vec<String>,
    repeat: Option<u32>,
    cancel_after_ms: Option<u64>,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    package: PackageSpec,
    disk_cache: Option<DiskCacheHeader>,
    zip: Option<crate::archive::ZipSpec>,
    fs: Option<crate::fixtures::FsSpec>,
    grants: Option<crate::fixtures::GrantSpec>,
    expect: ExpectHeader,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiskCacheHeader {
    attack: CacheAttack,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectHeader {
    code: Option<String>,
    details: Option<toml::Table>,
    output: Option<OutputHeader>,
    #[serde(default)]
    min_host_calls: BTreeMap<String, u64>,
    #[serde(default)]
    min_host_call_failures: BTreeMap<String, u64>,
    diagnostics: Option<String>,
    #[serde(default)]
    guest_stopped: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputHeader {
    summary: String,
    content: Option<String>,
}

const HINT_KEYS: &str = "the header keys and their types are listed in docs/CASES.md (Header keys)";

/// Splits the leading `;;!` lines off a case file and returns them as TOML text. Line numbers
/// of the TOML text equal those of the file, so parse errors point at the right line.
pub fn header_text(source: &str) -> Option<String> {
    let mut header = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix(";;!") else {
            break;
        };
        header.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        header.push('\n');
    }
    (!header.is_empty()).then_some(header)
}

/// Parses and validates one case file. `areas` maps the guarantees of the case's corpus to
/// their areas; `None` defers the guarantee check (used by tests of the header alone).
pub fn parse_case(
    path: &Path,
    source: &str,
    areas: Option<&BTreeMap<String, String>>,
) -> Result<Case, KitError> {
    let bad = |message: String, hint: &'static str| KitError::Header {
        path: path.to_path_buf(),
        message,
        hint,
    };
    let text = header_text(source).ok_or_else(|| {
        bad(
            "the file does not start with `;;!` header lines".into(),
            "a case opens with `;;! id = \"area.name\"` and the other keys of docs/CASES.md",
        )
    })?;
    let header: Header = toml::from_str(&text).map_err(|e| {
        let message = e.to_string().trim_end().to_string();
        if let Some(key) = unknown_key(&message) {
            return KitError::UnknownHeaderKey {
                path: path.to_path_buf(),
                key,
                message,
            };
        }
        let hint = if message.contains("missing field") {
            "every case needs `id`, `guarantee`, `since`, `summary` and an `[expect]` table"
        } else {
            HINT_KEYS
        };
        bad(message, hint)
    })?;

    if header.id.is_empty()
        || !header
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(bad(
            format!("id `{}` must be non-empty [a-z0-9._-]", header.id),
            "ids look like `area.kebab-name`; they name test trials and `--filter` arguments",
        ));
    }
    let area = match areas {
        Some(areas) => match areas.get(&header.guarantee) {
            Some(area) => area.clone(),
            None => {
                return Err(KitError::UnknownGuarantee {
                    path: path.to_path_buf(),
                    guarantee: header.guarantee,
                })
            }
        },
        None => String::new(),
    };

    let input = match (header.input, header.input_size) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "`input` and `input_size` are both set".into(),
                HINT_KEYS,
            ))
        }
        (Some(input), None) => input,
        (None, Some(size)) => sized_input(size).ok_or_else(|| {
            bad(
                format!("input_size {size} is below the 10 bytes of `{{\"pad\":\"\"}}`"),
                HINT_KEYS,
            )
        })?,
        (None, None) => "{}".to_string(),
    };

    let input_schema = match &header.input_schema {
        None => serde_json::json!({"type": "object"}),
        Some(text) => {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| bad(format!("input_schema is not JSON: {e}"), HINT_KEYS))?;
            if !value.is_object() {
                return Err(bad("input_schema must be a JSON object".into(), HINT_KEYS));
            }
            crate::package::json_to_toml(&value).map_err(|m| {
                bad(
                    format!("input_schema cannot be written as TOML: {m}"),
                    "TOML has no null; express the schema without JSON null",
                )
            })?;
            value
        }
    };

    let repeat = header.repeat.unwrap_or(1);
    if repeat == 0 {
        return Err(bad("repeat must be at least 1".into(), HINT_KEYS));
    }

    let expect = parse_expect(header.expect, &header.capabilities, header.profile)
        .map_err(|m| bad(m, HINT_KEYS))?;
    validate_package(&header.package, header.profile).map_err(|m| bad(m, HINT_KEYS))?;
    let disk_cache = header.disk_cache.map(|d| d.attack);
    if disk_cache.is_some() {
        if !header.capabilities.iter().any(|c| c == "disk_cache") {
            return Err(bad(
                "[disk_cache] needs `capabilities = [\"disk_cache\"]`".into(),
                HINT_KEYS,
            ));
        }
        if header.package != PackageSpec::default() {
            return Err(bad(
                "[disk_cache] cases use the default package: no [package] keys".into(),
                HINT_KEYS,
            ));
        }
    }

    if let Some(zip) = &header.zip {
        if !header
            .capabilities
            .iter()
            .any(|c| c == crate::archive::PACKAGE_ZIP)
        {
            return Err(bad(
                "[zip] needs `capabilities = [\"package_zip\"]`".into(),
                HINT_KEYS,
            ));
        }
        let p = &header.package;
        if p.warm_up || p.tamper_after_pin || p.symlink_entry_to.is_some() || disk_cache.is_some() {
            return Err(bad(
                "[zip] cases load one archive: no warm_up, tamper_after_pin, symlink_entry_to \
                 or [disk_cache] (a symlink is an entry with mode = 0o120777)"
                    .into(),
                HINT_KEYS,
            ));
        }
        for (what, text) in [
            ("leading_hex", &zip.leading_hex),
            ("trailing_hex", &zip.trailing_hex),
        ] {
            if decode_hex(text).is_none() {
                return Err(bad(format!("[zip] {what} is not hex"), HINT_KEYS));
            }
        }
        if zip
            .entry
            .iter()
            .any(|e| e.text.is_some() && e.data_of.is_some())
        {
            return Err(bad(
                "[[zip.entry]] text and data_of are exclusive".into(),
                HINT_KEYS,
            ));
        }
    }
    let host_api =
        header.fs.is_some() || header.grants.is_some() || header.package.host_apis.is_some();
    if host_api
        && !header
            .capabilities
            .iter()
            .any(|c| c == crate::fixtures::HOST_API_FS)
    {
        return Err(bad(
            "[fs], [grants] and [package] host_apis need `capabilities = [\"host_api_fs\"]`".into(),
            HINT_KEYS,
        ));
    }
    if let Some(fs) = &header.fs {
        fs.check().map_err(|m| bad(m, HINT_KEYS))?;
    }
    if let Some(grants) = &header.grants {
        grants.check().map_err(|m| bad(m, HINT_KEYS))?;
    }
    let module = match &header.package.raw_module_hex {
        Some(hex) => decode_hex(hex).ok_or_else(|| {
            bad(
                "raw_module_hex is not an even-length hex string".into(),
                HINT_KEYS,
            )
        })?,
        None => wat::parse_str(source).map_err(|mut e| {
            e.set_path(path);
            KitError::Compile {
                path: path.to_path_buf(),
                message: e.to_string(),
            }
        })?,
    };
    if let Some(text) = &header.package.warm_up_module {
        wat::parse_str(text).map_err(|e| KitError::Compile {
            path: path.to_path_buf(),
            message: format!("warm_up_module: {e}"),
        })?;
    }
    if let Some(size) = header.package.pad_module_to {
        if crate::package::padded_module(&module, size).is_none() {
            return Err(bad(
                format!("pad_module_to {size} is smaller than the module plus a 10-byte section"),
                HINT_KEYS,
            ));
        }
    }

    Ok(Case {
        id: header.id,
        guarantee: header.guarantee,
        area,
        since: header.since,
        summary: header.summary,
        path: path.to_path_buf(),
        profile: header.profile,
        tool: header.tool.unwrap_or_else(|| "run".into()),
        input,
        input_schema,
        capabilities: header.capabilities,
        repeat,
        cancel_after_ms: header.cancel_after_ms,
        limits: header.limits,
        package: header.package,
        disk_cache,
        zip: header.zip,
        fs: header.fs,
        grants: header.grants,
        expect,
        module,
    })
}

/// The key named by serde's "unknown field `x`" error, the only way toml reports it.
fn unknown_key(message: &str) -> Option<String> {
    let rest = &message[message.find("unknown field `")? + "unknown field `".len()..];
    Some(rest[..rest.find('`')?].to_string())
}

/// `{"pad":"aaa…"}` of exactly `size` bytes.
fn sized_input(size: usize) -> Option<String> {
    let pad = size.checked_sub(10)?;
    Some(format!("{{\"pad\":\"{}\"}}", "a".repeat(pad)))
}

fn parse_expect(
    expect: ExpectHeader,
    capabilities: &[String],
    profile: Profile,
) -> Result<Expectation, String> {
    let outcome = match (expect.code, expect.output) {
        (Some(_), Some(_)) => return Err("[expect] has both `code` and `output`".into()),
        (None, None) => return Err("[expect] needs one of `code` or `output`".into()),
        (None, Some(output)) => {
            if expect.details.is_some() {
                return Err("[expect] `details` goes with `code`, not `output`".into());
            }
            ExpectedOutcome::Output {
                summary: output.summary,
                content: output.content,
            }
        }
        (Some(code), None) => {
            let info = vocab::lookup(&code)
                .ok_or_else(|| format!("[expect] code `{code}` is not in the vocabulary"))?;
            let details = match expect.details {
                None => serde_json::Map::new(),
                Some(table) => match serde_json::to_value(table) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => return Err("[expect] details cannot be read as JSON".into()),
                },
            };
            for (key, value) in &details {
                if !info.details_keys.contains(&key.as_str()) {
                    return Err(format!(
                        "[expect] details key `{key}` is not normative for `{code}` (allowed: {:?})",
                        info.details_keys
                    ));
                }
                check_details_value(key, value, profile)?;
            }
            ExpectedOutcome::Error { code, details }
        }
    };
    let stops = matches!(&outcome,
        ExpectedOutcome::Error { code, .. } if code == "timeout" || code == "cancelled");
    if expect.guest_stopped && !stops {
        return Err("[expect] guest_stopped goes with code \"timeout\" or \"cancelled\"".into());
    }
    if expect.diagnostics.is_some() && !capabilities.iter().any(|c| c == "diagnostics") {
        return Err("[expect] diagnostics needs `capabilities = [\"diagnostics\"]`".into());
    }
    Ok(Expectation {
        outcome,
        min_host_calls: expect.min_host_calls,
        min_host_call_failures: expect.min_host_call_failures,
        diagnostics: expect.diagnostics,
        guest_stopped: expect.guest_stopped,
    })
}

fn check_details_value(
    key: &str,
    value: &serde_json::Value,
    profile: Profile,
) -> Result<(), String> {
    let ok = match key {
        "trap" => value
            .as_str()
            .is_some_and(|t| vocab::TRAP_KINDS.contains(&t)),
        "export" => match profile {
            Profile::Core => matches!(value.as_str(), Some("memory" | "yoi_tool_call")),
            Profile::Component => value.as_str() == Some("call"),
        },
        "count" => value.as_u64().is_some_and(|n| n >= 1),
        "imports" => value.as_array().is_some_and(|a| {
            !a.is_empty()
                && a.len() <= 16
                // A core import is `module::name`; a component's is its one name as written.
                && a.iter().all(|i| {
                    i.as_str().is_some_and(|s| match profile {
                        Profile::Core => s.contains("::"),
                        Profile::Component => !s.is_empty(),
                    })
                })
        }),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "[expect] details `{key}` has a value the vocabulary does not allow: {value}"
        ))
    }
}

fn validate_package(spec: &PackageSpec, profile: Profile) -> Result<(), String> {
    if spec.manifest_append.is_some() && spec.manifest_replace.is_some() {
        return Err("[package] manifest_append and manifest_replace are exclusive".into());
    }
    if spec.raw_module_hex.is_some() && spec.pad_module_to.is_some() {
        return Err("[package] raw_module_hex and pad_module_to are exclusive".into());
    }
    if spec.tamper_after_pin && spec.module_path.as_deref() == Some("") {
        return Err("[package] tamper_after_pin needs a module file to tamper with".into());
    }
    if spec.symlink_entry_to.is_some()
        && spec
            .entry
            .as_deref()
            .is_some_and(|e| Path::new(e).is_absolute())
    {
        return Err("[package] symlink_entry_to needs a relative entry".into());
    }
    if spec.warm_up_module.is_some() && (!spec.warm_up || spec.tamper_after_pin) {
        return Err("[package] warm_up_module needs warm_up = true and no tamper_after_pin".into());
    }
    if spec.warm_up_module.is_some() && spec.module_path.as_deref() == Some("") {
        return Err("[package] warm_up_module needs a module file to replace".into());
    }
    if spec.world.is_some() && profile != Profile::Component {
        return Err("[package] world goes with profile = \"component\"".into());
    }
    if spec.abi.is_some() && profile != Profile::Core {
        return Err("[package] abi goes with the core profile (a component has a world)".into());
    }
    if spec.tools.as_ref().is_some_and(|t| t.is_empty()) {
        return Err("[package] tools must name at least one tool".into());
    }
    for (key, value) in [("entry", &spec.entry), ("module_path", &spec.module_path)] {
        if let Some(value) = value {
            if Path::new(value).is_absolute() {
                if key == "module_path" {
                    return Err("[package] module_path must be relative".into());
                }
            } else if crate::package::escapes_workdir(value) {
                return Err(format!(
                    "[package] {key} `{value}` reaches more than one level above the package"
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str =
        "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";

    fn parse(header: &str) -> Result<Case, KitError> {
        let source: String = header
            .lines()
            .map(|l| format!(";;! {}\n", l.trim()))
            .collect::<String>()
            + MODULE;
        let areas = BTreeMap::from([("G-1".to_string(), "area".to_string())]);
        parse_case(Path::new("corpus/x/case.wat"), &source, Some(&areas))
    }

    fn header_error(header: &str) -> (String, &'static str) {
        match parse(header) {
            Err(KitError::Header {
                message,
                hint,
                path,
            }) => {
                assert_eq!(path, Path::new("corpus/x/case.wat"));
                (message, hint)
            }
            other => panic!("expected a header error, got {other:?}"),
        }
    }

    const BASE: &str = "id = \"x.case\"\nguarantee = \"G-1\"\nsince = \"0.1.0\"\nsummary = \"s\"";

    #[test]
    fn minimal_case_takes_the_defaults() {
        let case = parse(&format!(
            "{BASE}\n[expect]\ncode = \"trap\"\ndetails = {{ trap = \"unreachable\" }}"
        ))
        .unwrap();
        assert_eq!(case.tool, "run");
        assert_eq!(case.input, "{}");
        assert_eq!(case.area, "area");
        assert_eq!(case.repeat, 1);
        assert_eq!(case.input_schema, serde_json::json!({"type": "object"}));
        assert_eq!(case.message_bytes(), 512);
        assert!(case.module.starts_with(b"\0asm"));
        match case.expect.outcome {
            ExpectedOutcome::Error { code, details } => {
                assert_eq!(code, "trap");
                assert_eq!(details["trap"], "unreachable");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_key_is_refused_with_line_and_hint() {
        let cases = [
            (
                format!("{BASE}\ncolour = \"red\"\n[expect]\ncode = \"trap\""),
                "colour",
                Some("line 5"),
            ),
            (
                format!("{BASE}\n[expect]\ncode = \"trap\"\nmin_calls = {{}}"),
                "min_calls",
                None,
            ),
            (
                format!("{BASE}\n[limits]\ndeadline = 5\n[expect]\ncode = \"trap\""),
                "deadline",
                None,
            ),
            (
                format!("{BASE}\n[package]\nentyr = \"a\"\n[expect]\ncode = \"trap\""),
                "entyr",
                None,
            ),
        ];
        for (header, unknown, line) in cases {
            let error = parse(&header).unwrap_err();
            assert!(
                error.to_string().contains("unknown keys are refused"),
                "{error}"
            );
            match error {
                KitError::UnknownHeaderKey { key, message, path } => {
                    assert_eq!(key, unknown);
                    assert_eq!(path, Path::new("corpus/x/case.wat"));
                    assert!(line.is_none_or(|line| message.contains(line)), "{message}");
                }
                other => panic!("{unknown}: expected an unknown-key error, got {other:?}"),
            }
        }
    }

    #[test]
    fn missing_required_key_names_it() {
        let (message, hint) = header_error(
            "id = \"x.case\"\nguarantee = \"G-1\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"",
        );
        assert!(message.contains("missing field `since`"), "{message}");
        assert!(hint.contains("every case needs"));
    }

    #[test]
    fn broken_toml_is_a_header_error() {
        let (message, _) = header_error(&format!("{BASE}\n[expect\ncode = \"trap\""));
        assert!(message.contains("line 5"), "{message}");
    }

    #[test]
    fn no_header_is_a_header_error() {
        let err = parse_case(Path::new("a.wat"), MODULE, None).unwrap_err();
        assert!(matches!(err, KitError::Header { .. }), "{err:?}");
    }

    #[test]
    fn expect_rules_are_enforced() {
        let cases = [
            ("code = \"trap\"\noutput = { summary = \"a\" }", "both"),
            ("min_host_calls = { input_len = 1 }", "needs one of"),
            ("code = \"Trap\"", "not in the vocabulary"),
            (
                "code = \"timeout\"\ndetails = { deadline_ms = 50 }",
                "not normative",
            ),
            (
                "code = \"trap\"\ndetails = { trap = \"oops\" }",
                "does not allow",
            ),
            (
                "code = \"export_missing\"\ndetails = { export = \"mem\" }",
                "does not allow",
            ),
            (
                "code = \"import_denied\"\ndetails = { imports = [\"env\"] }",
                "does not allow",
            ),
            (
                "output = { summary = \"a\" }\ndetails = { trap = \"unreachable\" }",
                "goes with",
            ),
            (
                "code = \"trap\"\ndiagnostics = \"x\"",
                "needs `capabilities",
            ),
        ];
        for (expect, needle) in cases {
            let (message, _) = header_error(&format!("{BASE}\n[expect]\n{expect}"));
            assert!(message.contains(needle), "{expect}: {message}");
        }
    }

    #[test]
    fn input_rules_are_enforced() {
        let (message, _) = header_error(&format!(
            "input = \"{{}}\"\ninput_size = 20\n{BASE}\n[expect]\ncode = \"trap\""
        ));
        assert!(message.contains("both set"), "{message}");
        let (message, _) = header_error(&format!(
            "input_size = 9\n{BASE}\n[expect]\ncode = \"trap\""
        ));
        assert!(message.contains("below"), "{message}");
        let (message, _) = header_error(&format!(
            "input_schema = \"[1]\"\n{BASE}\n[expect]\ncode = \"trap\""
        ));
        assert!(message.contains("JSON object"), "{message}");
        let (message, _) = header_error(&format!(
            "input_schema = '{{\"default\": null}}'\n{BASE}\n[expect]\ncode = \"trap\""
        ));
        assert!(message.contains("TOML"), "{message}");
        let case = parse(&format!(
            "input_size = 65536\n{BASE}\n[expect]\ncode = \"trap\""
        ))
        .unwrap();
        assert_eq!(case.input.len(), 65536);
        assert!(serde_json::from_str::<serde_json::Value>(&case.input).is_ok());
    }

    #[test]
    fn bad_id_and_unknown_guarantee_are_refused() {
        let (message, _) = header_error("id = \"X Case\"\nguarantee = \"G-1\"\nsince = \"0\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"");
        assert!(message.contains("[a-z0-9._-]"), "{message}");
        let err = parse("id = \"x.a\"\nguarantee = \"G-9\"\nsince = \"0\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"").unwrap_err();
        assert!(
            matches!(err, KitError::UnknownGuarantee { ref guarantee, .. } if guarantee == "G-9"),
            "{err:?}"
        );
    }

    #[test]
    fn module_that_does_not_compile_is_a_compile_error() {
        let source = format!(
            ";;! {}\n;;! [expect]\n;;! code = \"trap\"\n(module (func (i32.bogus)))",
            BASE.replace('\n', "\n;;! ")
        );
        let err = parse_case(Path::new("c.wat"), &source, None).unwrap_err();
        match err {
            KitError::Compile { message, .. } => {
                assert!(message.contains("c.wat:7:16"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn raw_module_hex_replaces_the_wat() {
        let source = format!(";;! {}\n;;! [package]\n;;! raw_module_hex = \"0061736d 02000000\"\n;;! [expect]\n;;! code = \"module_invalid\"\n(this is not wat)", BASE.replace('\n', "\n;;! "));
        let case = parse_case(Path::new("c.wat"), &source, None).unwrap();
        assert_eq!(case.module, b"\0asm\x02\0\0\0");
    }

    #[test]
    fn zip_rules_are_enforced() {
        let zip = "[zip]\n[[zip.entry]]\nname = \"x\"";
        let caps = "capabilities = [\"package_zip\"]";
        for (header, want) in [
            (format!("{BASE}\n{zip}"), "needs `capabilities"),
            (
                format!("{BASE}\n{caps}\n[package]\nwarm_up = true\n{zip}"),
                "load one archive",
            ),
            (
                format!("{BASE}\n{caps}\n[zip]\nleading_hex = \"abc\""),
                "not hex",
            ),
            (
                format!("{BASE}\n{caps}\n{zip}\ntext = \"a\"\ndata_of = \"b\""),
                "exclusive",
            ),
        ] {
            let (message, _) = header_error(&format!("{header}\n[expect]\ncode = \"trap\""));
            assert!(message.contains(want), "{header}: {message}");
        }
        let case = parse(&format!(
            "{BASE}\n{caps}\n{zip}\nmode = 0o120777\n[expect]\ncode = \"path_escape\""
        ))
        .unwrap();
        let spec = case.zip.unwrap();
        assert_eq!(spec.entry[0].mode, Some(0o120777));
    }

    #[test]
    fn warm_up_module_rules_are_enforced() {
        let module = "warm_up_module = '(module)'";
        for (package, want) in [
            (module.to_string(), "needs warm_up = true"),
            (
                format!("warm_up = true\ntamper_after_pin = true\n{module}"),
                "no tamper_after_pin",
            ),
            (
                format!("warm_up = true\nmodule_path = \"\"\n{module}"),
                "a module file to replace",
            ),
        ] {
            let (message, _) = header_error(&format!(
                "{BASE}\n[package]\n{package}\n[expect]\ncode = \"trap\""
            ));
            assert!(message.contains(want), "{package}: {message}");
        }
        let broken = "warm_up = true\nwarm_up_module = '(module (func (i32.bogus)))'";
        match parse(&format!(
            "{BASE}\n[package]\n{broken}\n[expect]\ncode = \"trap\""
        )) {
            Err(KitError::Compile { message, .. }) => {
                assert!(message.contains("warm_up_module"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let ok = format!("{BASE}\n[package]\nwarm_up = true\n{module}\n[expect]\ncode = \"trap\"");
        assert_eq!(
            parse(&ok).unwrap().package.warm_up_module.as_deref(),
            Some("(module)")
        );
    }
}
