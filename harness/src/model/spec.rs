//! The tables of a case that say how its package is built and delivered (`[package]`, `[zip]`,
//! `[disk_cache]` of docs/CASES.md), and the rules of those tables that both the header parser
//! and the package builder rely on, written once here so a case the parser accepts is one the
//! builder can build.

use std::path::{Component, Path};

use serde::Deserialize;

use super::net::NetTargetSpec;

/// The capability with which a runtime asks for `package_zip` in its requests.
pub const PACKAGE_ZIP: &str = "package_zip";

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
    /// `[[package.request]]`: the manifest's `[[request]]` targets (placeholders expanded).
    #[serde(default)]
    pub request: Vec<NetTargetSpec>,
    /// `[[package.websocket]]`: the manifest's `[[websocket]]` targets.
    #[serde(default)]
    pub websocket: Vec<NetTargetSpec>,
}

/// How a `[zip]` case describes its archive (docs/CASES.md): the case's package written entry by
/// entry, then changed as each `[[zip.entry]]` says, so a hostile archive is a few declarative
/// lines in the case file rather than a binary blob in the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZipSpec {
    /// Bytes written before the first entry (hex), the entries' offsets shifted past them.
    #[serde(default)]
    pub leading_hex: String,
    /// Bytes written after the end record (hex).
    #[serde(default)]
    pub trailing_hex: String,
    /// Written as the end record's disk numbers.
    #[serde(default)]
    pub disk: u16,
    /// Leave out the directory entries (`name/`), as some packers do.
    #[serde(default)]
    pub no_directories: bool,
    /// Changes to the entries, in order.
    #[serde(default)]
    pub entry: Vec<ZipEntrySpec>,
}

/// One `[[zip.entry]]`: the entry of that name is changed, or, when there is none, a new entry is
/// appended after the package's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is a row of the `[[zip.entry]]` table of docs/CASES.md
pub struct ZipEntrySpec {
    pub name: String,
    pub text: Option<String>,
    pub data_of: Option<String>,
    pub mode: Option<u32>,
    pub method: Option<u16>,
    pub flags: Option<u16>,
    pub crc: Option<u32>,
    pub size: Option<u32>,
    pub local_name: Option<String>,
    pub local_size: Option<u32>,
    pub local_crc: Option<u32>,
    pub local_method: Option<u16>,
    #[serde(default)]
    pub swallow_next: bool,
    pub swallow_next_bytes: Option<u32>,
    #[serde(default)]
    pub append: bool,
}

/// What the kit does to the warmed cache directory (`[disk_cache] attack`, docs/CASES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheAttack {
    /// Flip bytes in the middle and at the end of every file the warm-up wrote.
    Corrupt,
    /// Cache a second module (its output is [`crate::PLANTED_SUMMARY`]) and forge its entries into
    /// entries of the case's module.
    Plant,
    /// Before any request, make the cache directory writable by its group (mode 0770): the
    /// runtime must write nothing into it.
    GroupWritableDir,
    /// Before any request, make the directory holding the cache directory writable by its group
    /// and not sticky (mode 0770): whoever can write it can swap the cache directory, so the
    /// runtime must write nothing into it.
    WritableParent,
}

/// Converts a JSON value to TOML; fails on what TOML cannot say (null, integers over i64).
pub fn json_to_toml(value: &serde_json::Value) -> Result<toml::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => return Err("JSON null has no TOML form".into()),
        J::Bool(b) => toml::Value::Boolean(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => toml::Value::Integer(i),
            (None, Some(f)) if n.is_f64() => toml::Value::Float(f),
            _ => return Err(format!("number {n} has no TOML form")),
        },
        J::String(s) => toml::Value::String(s.clone()),
        J::Array(items) => {
            toml::Value::Array(items.iter().map(json_to_toml).collect::<Result<_, _>>()?)
        }
        J::Object(map) => {
            let mut table = toml::Table::new();
            for (k, v) in map {
                table.insert(k.clone(), json_to_toml(v)?);
            }
            toml::Value::Table(table)
        }
    })
}

/// `module` followed by a custom section named `pad` so the whole is exactly `size` bytes. The
/// section size is written as a 5-byte LEB128 (padding is valid), so every size from the
/// module's length plus 10 up to 4 GiB is reachable.
pub fn padded_module(module: &[u8], size: u64) -> Option<Vec<u8>> {
    const NAME: &[u8] = b"pad";
    let size = usize::try_from(size).ok()?;
    let section = size.checked_sub(module.len())?.checked_sub(1 + 5)?;
    let payload = section.checked_sub(1 + NAME.len())?;
    let section32 = u32::try_from(section).ok()?;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(module);
    out.push(0);
    for i in 0..5 {
        let byte = ((section32 >> (7 * i)) & 0x7f) as u8;
        out.push(if i < 4 { byte | 0x80 } else { byte });
    }
    out.push(NAME.len() as u8);
    out.extend_from_slice(NAME);
    out.resize(out.len() + payload, 0);
    debug_assert_eq!(out.len(), size);
    Some(out)
}

/// Whether a relative path climbs more than one level above the package directory, out of the
/// case's temporary directory.
pub fn escapes_workdir(path: &str) -> bool {
    let mut depth: i64 = 0;
    for component in Path::new(path).components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < -1 {
            return true;
        }
    }
    false
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

    #[test]
    fn padding_hits_the_exact_size_and_stays_valid_wasm() {
        let module = wat::parse_str("(module)").unwrap();
        for size in [
            module.len() as u64 + 10,
            200,
            8 * 1024 * 1024,
            8 * 1024 * 1024 + 1,
        ] {
            let padded = padded_module(&module, size).unwrap();
            assert_eq!(padded.len() as u64, size);
            // Section walk: id, LEB size, then exactly that many bytes to the end of file.
            let rest = &padded[module.len()..];
            assert_eq!(rest[0], 0);
            let mut len = 0u64;
            for i in 0..5 {
                len |= u64::from(rest[1 + i] & 0x7f) << (7 * i);
            }
            assert_eq!(len as usize, rest.len() - 6);
            assert_eq!(&rest[6..10], b"\x03pad");
        }
        assert!(padded_module(&module, module.len() as u64 + 9).is_none());
    }

    #[test]
    fn json_schema_becomes_an_inline_toml_table() {
        let schema = serde_json::json!({"type": "object", "required": ["text"],
            "properties": {"text": {"type": "string", "maxLength": 5}}, "$id": "x"});
        let toml = json_to_toml(&schema).unwrap().to_string();
        assert!(toml.starts_with('{') && !toml.contains('\n'), "{toml}");
        let back: toml::Value = format!("v = {toml}").parse::<toml::Table>().unwrap()["v"].clone();
        assert_eq!(serde_json::to_value(back).unwrap(), schema);
        assert!(json_to_toml(&serde_json::json!({"a": null})).is_err());
    }

    #[test]
    fn escape_check_allows_one_level() {
        assert!(!escapes_workdir("plugin.wasm"));
        assert!(!escapes_workdir("../outside.wasm"));
        assert!(!escapes_workdir("a/../../b"));
        assert!(escapes_workdir("../../etc/passwd"));
    }
}
