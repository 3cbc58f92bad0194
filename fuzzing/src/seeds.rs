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

/// `net` inputs (docs of `crate::net`): canonical and refused URLs, targets on both sides, and
/// headers around each rule.
const NET: &[(u8, &str)] = &[
    (0, "http://api.test/v1/items?x=1\nGET\nhttp api.test - /v1 GET\nhttp api.test - /v1 GET\naccept:application/json"),
    (2, "https://API.Test./v1/../v2/%7Euser#frag\n\nhttps api.test - /v2 POST\nhttps api.test 443 - POST\nx-request-id:1"),
    (0, "http://127.1:8080/\nGET\nhttp 127.0.0.1 8080 / GET\nhttp localhost 8080 / GET 127.0.0.0/8\n"),
    (0, "http://0x7f.1/\nGET\nhttp 127.0.0.1 - - GET\nhttp 127.0.0.1 - - GET 127.0.0.1"),
    (0, "http://2130706433/a/b\nGET\nhttp 127.0.0.1 - /a GET\nhttp 127.0.0.1 - /a/b GET"),
    (1, "ws://[::ffff:127.0.0.1]:9000/socket\n\nws 127.0.0.1 9000 /socket -\nws 127.0.0.1 9000 - - 127.0.0.1"),
    (1, "wss://[::1]/s\n\nwss ::1 - - -\nwss [::1] - - - ::1"),
    (10, "http://h.test/%2fetc/passwd\nCONNECT\nhttp h.test - - CONNECT\nhttp h.test - - GET"),
    (10, "http://h.test/a\nget\nhttp h.test - - get\nhttp h.test - - GET"),
    (0, "http://user:pass@h.test/"),
    (0, "http://h.test:0/"),
    (0, "http://h.test/a;b"),
    (0, "http://h.test/%2e%2e/admin"),
    (0, "http://h.test/%252e/x"),
    (0, "http://h.test/a%5cb"),
    (0, "http://h.test/a%00b"),
    (0, "file:///etc/passwd"),
    (0, "ws://h.test/"),
    (1, "http://h.test/"),
    (0, "//h.test/"),
    (0, "http://h_under.test/"),
    (0, "http://xn--nxasmq6b.test/"),
    (0, "http://b\u{fc}cher.test/"),
    (0, "http://a..b/"),
    (0, "http://[fe80::1%25eth0]/"),
    (4, "http://h.test/v10\nPUT\nhttp h.test - /v1 PUT\nhttp h.test - /v1 PUT"),
    (6, "http://h.test/v1/x\nPATCH\nhttp h.test - /v1/,/v2 PATCH,DELETE\nhttp h.test - /v1 DELETE"),
    (8, "http://h.test/\nDELETE\nhttp h.test 80 / DELETE 10.0.0.0/8\nhttp h.test 80 / DELETE 10.0.0.1/8"),
    (0, "http://h.test/\nGET\nftp h.test - - GET\nhttp h/x - - GET"),
    (0, "http://h.test/\nGET\nhttp h.test 0 - GET\nhttp h.test - - -"),
    (0, "http://h.test/\nGET\nhttp h.test - a GET\nhttp h.test - /a?b GET"),
    (0, "http://h.test/\nGET\nhttp h.test - - GET\nhttp h.test - - GET ::ffff:127.0.0.1"),
    (0, "http://h.test/\nGET\nhttp h.test - - GET\nhttp h.test - - GET\nHost:evil.test\nContent-Length:0\nTransfer-Encoding:chunked\nX-Api-Key:k\nAuthorization:Bearer x"),
    (0, "http://h.test/\nGET\n\n\nAccept:text/event-stream\nx-ok:a\tb\nx-bad:a\rb\nbad name:v\n:empty"),
    (0, "http://h.test/\nGET\n\n\na:1\nb:2\nc:3\nd:4\ne:5\nf:6\ng:7\nh:8\ni:9\nj:10\nk:11\nl:12\nm:13\nn:14\no:15\np:16\nq:17"),
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
    // Seeds 0..64 (every family 16 times), each with fixed bytes for wasm-smith to draw from.
    let differential = seeds.entry("differential").or_default();
    for seed in 0u64..64 {
        let bytes: Vec<u8> = (0..2048u32)
            .map(|k| (k.wrapping_mul(2_654_435_761) >> (seed % 24)) as u8 ^ seed as u8)
            .collect();
        differential.insert(
            format!("seed-{seed:02}"),
            [&seed.to_le_bytes()[..], &bytes].concat(),
        );
    }
    let net = seeds.entry("net").or_default();
    for (i, (mode, text)) in NET.iter().enumerate() {
        net.insert(
            format!("net-{i:02}"),
            [&[*mode][..], text.as_bytes()].concat(),
        );
    }
    seeds
}
