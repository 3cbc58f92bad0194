//! Target `manifest`: a `plugin.toml` parsed and validated, then every tool's input schema
//! bounded and compiled, as a load does before it accepts a package (SPEC §2, §2.3).
//!
//! First input byte even: the rest is the whole `plugin.toml`. Odd: the rest is a JSON Schema,
//! written as the `input_schema` of a fixed, valid manifest (TOML has no null: such a schema is
//! skipped), so the schema bound and the compiler see schemas a TOML mutation would rarely build.
//!
//! Asserted: an accepted manifest keeps the rules a load relies on (a tool or more, distinct
//! valid names, an entry path that stays inside the package); a refusal is a well-formed error;
//! and either comes within a load's time budget.

use crate::oracle::well_formed;
use std::time::Instant;
use toolcage_runtime::fuzzing::load_manifest;
use toolcage_runtime::Limits;

const TEMPLATE: &str = r#"schema_version = 1
id = "fuzz"
name = "fuzz"
version = "0.1.0"
[runtime]
kind = "wasm"
entry = "plugin.wasm"
abi = "yoi-plugin-wasm-1"
"#;

/// The `plugin.toml` the input describes, if any.
pub fn manifest_text(data: &[u8]) -> Option<String> {
    let (&mode, rest) = data.split_first()?;
    if mode % 2 == 0 {
        return std::str::from_utf8(rest).ok().map(str::to_owned);
    }
    let schema: serde_json::Value = serde_json::from_slice(rest).ok()?;
    let schema: toml::Value = toml::Value::try_from(schema).ok()?;
    let mut tool = toml::Table::new();
    tool.insert("name".into(), "run".into());
    tool.insert("description".into(), "fuzzed schema".into());
    tool.insert("input_schema".into(), schema);
    let mut tools = toml::Table::new();
    tools.insert("tools".into(), toml::Value::Array(vec![tool.into()]));
    Some(format!("{TEMPLATE}{}", toml::to_string(&tools).ok()?))
}

/// The oracle of target `manifest`.
pub fn check(data: &[u8]) {
    let Some(text) = manifest_text(data) else {
        return;
    };
    let limits = Limits::default();
    let started = Instant::now();
    let result = load_manifest(&text);
    let took = started.elapsed();
    assert!(
        took <= limits.load_budget,
        "a manifest took {took:?}, over a load's {:?} budget",
        limits.load_budget
    );
    let manifest = match result {
        Err(error) => return well_formed(&error, limits.message_bytes),
        Ok(manifest) => manifest,
    };
    assert!(!manifest.tools.is_empty(), "a manifest without tools");
    let mut names = std::collections::HashSet::new();
    for tool in &manifest.tools {
        assert!(
            names.insert(tool.name.as_str()),
            "tool {:?} twice",
            tool.name
        );
        assert!(
            !tool.name.is_empty()
                && tool.name.len() <= 128
                && !tool
                    .name
                    .chars()
                    .any(|c| c.is_whitespace() || toolcage_runtime::is_unsafe_char(c)),
            "tool name {:?}",
            tool.name
        );
    }
    let entry = &manifest.entry;
    assert!(
        !entry.is_empty()
            && !entry.starts_with('/')
            && !entry.contains('\\')
            && !entry.contains('\0')
            && entry
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
        "an entry that leaves the package: {entry:?}"
    );
}
