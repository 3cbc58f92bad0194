//! One conformance case: its `;;!` TOML header parsed strictly (unknown keys refused, rules of
//! docs/CASES.md checked) and its module compiled, so a broken case is a kit error at load time
//! and never a confusing verdict later.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::case::{Case, Expectation, ExpectedOutcome};
use super::error::KitError;
use super::fixture::{FsSpec, GrantSpec, HOST_API_FS};
use super::net::{self, ExpectNet, NetSpec, HOST_API_NET};
use super::protocol::{LimitOverrides, Profile};
use super::spec::{self, CacheAttack, PackageSpec, ZipSpec, PACKAGE_ZIP};
use super::vocab;

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
    endless: bool,
    #[serde(default)]
    separates_up_to: LimitOverrides,
    #[serde(default)]
    separates_from: LimitOverrides,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    package: PackageSpec,
    disk_cache: Option<DiskCacheHeader>,
    zip: Option<ZipSpec>,
    fs: Option<FsSpec>,
    grants: Option<GrantSpec>,
    net: Option<NetSpec>,
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
    #[serde(default)]
    net: ExpectNet,
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

    check_host_api_capabilities(&header).map_err(|m| bad(m, HINT_KEYS))?;

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
            spec::json_to_toml(&value).map_err(|m| {
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
        if !header.capabilities.iter().any(|c| c == PACKAGE_ZIP) {
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
            if spec::decode_hex(text).is_none() {
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
    if let Some(fs) = &header.fs {
        fs.check().map_err(|m| bad(m, HINT_KEYS))?;
    }
    if let Some(grants) = &header.grants {
        grants.check().map_err(|m| bad(m, HINT_KEYS))?;
    }
    let module = match &header.package.raw_module_hex {
        Some(hex) => spec::decode_hex(hex).ok_or_else(|| {
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
        if spec::padded_module(&module, size).is_none() {
            return Err(bad(
                format!("pad_module_to {size} is smaller than the module plus a 10-byte section"),
                HINT_KEYS,
            ));
        }
    }

    // The codes of a limit that a guest with no end of its own meets whatever the limit's value.
    let stops = matches!(&expect.outcome,
        ExpectedOutcome::Error { code, .. } if ["timeout", "cancelled", "fuel_exhausted",
            "memory_limit", "table_limit"].contains(&code.as_str()));
    if header.endless && !stops {
        return Err(bad(
            "`endless = true` goes with code \"timeout\", \"cancelled\", \"fuel_exhausted\", \
             \"memory_limit\" or \"table_limit\""
                .into(),
            HINT_KEYS,
        ));
    }
    let case = Case {
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
        endless: header.endless,
        separates_up_to: header.separates_up_to,
        separates_from: header.separates_from,
        limits: header.limits,
        package: header.package,
        disk_cache,
        zip: header.zip,
        fs: header.fs,
        grants: header.grants,
        net: header.net,
        expect,
        module,
    };
    if case.is_net() {
        net::check(&case, &net::stand_in_placeholders()).map_err(|m| bad(m, HINT_KEYS))?;
    }
    Ok(case)
}

/// Which capability each host-API table needs: the file system's tables `host_api_fs`, the
/// network's `host_api_net`, and a grant or a manifest permission that names neither one of the
/// two (a case about the grant model itself).
fn check_host_api_capabilities(header: &Header) -> Result<(), String> {
    let has = |c: &str| header.capabilities.iter().any(|x| x == c);
    let grants = header.grants.as_ref();
    let apis = || {
        grants
            .into_iter()
            .flat_map(|g| &g.apis)
            .chain(header.package.host_apis.iter().flatten())
    };
    let fs = header.fs.is_some()
        || grants.is_some_and(|g| g.fs_operations.is_some() || g.fs_root.is_some())
        || apis().any(|a| a == "fs");
    let network = header.net.is_some()
        || header.expect.net != ExpectNet::default()
        || !header.package.request.is_empty()
        || !header.package.websocket.is_empty()
        || grants.is_some_and(|g| !g.request.is_empty() || !g.websocket.is_empty())
        || apis().any(|a| a == "request" || a == "websocket");
    if fs && !has(HOST_API_FS) {
        return Err(
            "[fs], fs grants and the `fs` interface need `capabilities = [\"host_api_fs\"]`".into(),
        );
    }
    if network && !has(HOST_API_NET) {
        return Err(
            "[net], [expect.net], network targets and the `request` and `websocket` \
                    interfaces need `capabilities = [\"host_api_net\"]`"
                .into(),
        );
    }
    let any = header.grants.is_some() || header.package.host_apis.is_some();
    if any && !has(HOST_API_FS) && !has(HOST_API_NET) {
        return Err(
            "[grants] and [package] host_apis need `capabilities = [\"host_api_fs\"]` \
             or `[\"host_api_net\"]`"
                .into(),
        );
    }
    Ok(())
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
        also_stopped_by: Vec::new(),
        net: expect.net,
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
            } else if spec::escapes_workdir(value) {
                return Err(format!(
                    "[package] {key} `{value}` reaches more than one level above the package"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
