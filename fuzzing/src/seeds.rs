//! The seed corpora, built from the conformance corpus (`corpus/`): each case's package as an
//! archive, as a directory listing, its manifest and input schema, its guest (core module or
//! component), its input and expected output; plus outputs at and around every rule of SPEC §7
//! and a few wasm-smith inputs. `cargo run -p toolcage-fuzzing --bin fuzz-seeds` writes them to
//! `fuzz/corpus/<target>/`; `tests/replay.rs` replays the same seeds in memory.

use crate::package_dir::{self, Entry};
use std::collections::BTreeMap;
use std::path::Path;
use toolcage_kit::{build_package, Case, ExpectedOutcome, Profile, Suite};

/// Seeds by target, then by name (`seed-<name>`, stable across runs).
pub type Seeds = BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>;

/// Outputs around each rule of SPEC §7 (the first byte is the `output` target's summary cap).
const OUTPUTS: &[&str] = &[
    r#"{"summary":"hi"}"#,
    r#"{"summary":"hi","content":"there"}"#,
    r#"{"summary":"hi","content":null}"#,
    r#"{"content":"x","summary":"hi"}"#,
    r#" {"summary":"hi"} "#,
    r#"{"summary":"hi"}x"#,
    "\u{feff}{\"summary\":\"hi\"}",
    r#"{"summary":""}"#,
    r#"{"summary":1}"#,
    r#"{"summary":"hi","content":1}"#,
    r#"{"summary":"hi","content":["x"]}"#,
    r#"{"summary":"hi","extra":1}"#,
    r#"{"summary":"hi","summary":"again"}"#,
    r#"{"summary":"hi","summ\u0061ry":"again"}"#,
    r#"{"summary":"hi","content":"a","content":"b"}"#,
    r#"{"summary":"\ud800"}"#,
    r#"{"summary":"hi",}"#,
    r#"{"summary":NaN}"#,
    r#"["hi"]"#,
    r#""hi""#,
    "null",
    "",
];

fn case_seeds(case: &Case, seeds: &mut Seeds) -> Option<()> {
    let name = case.id.clone();
    let built = build_package(case).ok()?;
    let mut add = |target: &'static str, bytes: Vec<u8>| {
        seeds.entry(target).or_default().insert(name.clone(), bytes);
    };
    // The guest and its input, as the call targets' raw mode reads them.
    let call = match case.profile {
        Profile::Core => "core_call",
        Profile::Component => "component_call",
    };
    add(call, [&[0u8][..], &case.module].concat());
    add("output", [b"\0", case.input.as_bytes()].concat());
    if let ExpectedOutcome::Output { summary, content } = &case.expect.outcome {
        let output = serde_json::json!({ "summary": summary, "content": content });
        add("output", [b"\0", output.to_string().as_bytes()].concat());
    }
    let schema = serde_json::to_vec(&case.input_schema).ok()?;
    seeds
        .entry("manifest")
        .or_default()
        .insert(format!("{name}.schema"), [&[1u8][..], &schema].concat());
    if case.zip.is_some() {
        let archive = std::fs::read(&built.path).ok()?;
        seeds.entry("archive").or_default().insert(name, archive);
        return Some(());
    }
    if let Ok(manifest) = std::fs::read(built.path.join("plugin.toml")) {
        seeds
            .entry("manifest")
            .or_default()
            .insert(name.clone(), [&[0u8][..], &manifest].concat());
    }
    let zip = tempfile::NamedTempFile::new().ok()?;
    if toolcage_kit::zip_package(&built.path, zip.path()).is_ok() {
        if let Ok(archive) = std::fs::read(zip.path()) {
            seeds
                .entry("archive")
                .or_default()
                .insert(name.clone(), archive);
        }
    }
    let mut entries = Vec::new();
    if listing(&built.path, "", &mut entries).is_some() {
        seeds
            .entry("package_dir")
            .or_default()
            .insert(name, package_dir::encode(&entries));
    }
    Some(())
}

/// The package directory as `package_dir` records; `None` when a name or file is too large for
/// the record format.
fn listing(dir: &Path, prefix: &str, out: &mut Vec<(Vec<u8>, Entry)>) -> Option<()> {
    use std::os::unix::ffi::OsStrExt;
    let mut names: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let path = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let kind = entry.file_type().ok()?;
        let record = if kind.is_symlink() {
            Entry::Symlink(
                std::fs::read_link(entry.path())
                    .ok()?
                    .as_os_str()
                    .as_bytes()
                    .to_vec(),
            )
        } else if kind.is_dir() {
            Entry::Dir
        } else if kind.is_file() {
            Entry::File(std::fs::read(entry.path()).ok()?)
        } else {
            Entry::Fifo
        };
        let body = match &record {
            Entry::File(b) | Entry::Symlink(b) => b.len(),
            _ => 0,
        };
        if path.len() > 255 || body > usize::from(u16::MAX) {
            return None;
        }
        let is_dir = record == Entry::Dir;
        out.push((path.clone().into_bytes(), record));
        if is_dir {
            listing(&entry.path(), &format!("{path}/"), out)?;
        }
    }
    Some(())
}

/// Every target's seeds from the corpus directory `corpus`.
pub fn build(corpus: &Path) -> Seeds {
    let mut seeds = Seeds::new();
    let suite = Suite::load(&[corpus]).unwrap_or_else(|e| panic!("the corpus loads: {e}"));
    for case in &suite.cases {
        case_seeds(case, &mut seeds);
    }
    let outputs = seeds.entry("output").or_default();
    for (i, text) in OUTPUTS.iter().enumerate() {
        outputs.insert(format!("rule-{i:02}"), [b"\0", text.as_bytes()].concat());
        outputs.insert(
            format!("rule-{i:02}-cap2"),
            [b"\x02", text.as_bytes()].concat(),
        );
    }
    // wasm-smith mode: any bytes make a module; a few fixed ones start the generated side.
    for target in ["core_call", "component_call"] {
        let calls = seeds.entry(target).or_default();
        for i in 0u8..8 {
            let bytes: Vec<u8> = (0..512u32)
                .map(|k| (k.wrapping_mul(2_654_435_761) >> (i % 24)) as u8 ^ i)
                .collect();
            calls.insert(
                format!("smith-{i}"),
                [&[1u8 | (i << 1)][..], &bytes].concat(),
            );
        }
    }
    seeds
}
