//! A runtime whose host loads plugins from archives asks for `package_zip` and gets every package
//! of a request also as a stored zip beside its directory: same names, same bytes, symlinks as
//! symlink entries, so its digest and its refusals are those of the directory.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use serde_json::json;
use sha2::{Digest as _, Sha256};
use toolcage_kit::{
    run_suite, zip_package, AdapterFailure, ConformanceRuntime, Request, Response, RunOptions,
    RuntimeInfo, Suite, Verdict, ZipError,
};

const MODULE: &str = "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";

/// One zip entry as the test reads it back.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Dir,
    File(Vec<u8>),
    Symlink(String),
}

fn read_zip(path: &Path) -> BTreeMap<String, Entry> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut entries = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        assert_eq!(file.compression(), zip::CompressionMethod::Stored);
        let name = String::from_utf8(file.name_raw().to_vec()).unwrap();
        let mode = file.unix_mode().unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let entry = match mode & 0o170000 {
            0o040000 => Entry::Dir,
            0o120000 => Entry::Symlink(String::from_utf8(bytes).unwrap()),
            0o100000 => Entry::File(bytes),
            other => panic!("{name}: mode {other:o}"),
        };
        entries.insert(name, entry);
    }
    entries
}

/// The package digest of docs/CASES.md over a zip's regular-file entries.
fn zip_digest(entries: &BTreeMap<String, Entry>) -> String {
    let mut files: Vec<(&String, &Vec<u8>)> = entries
        .iter()
        .filter_map(|(name, e)| match e {
            Entry::File(bytes) => Some((name, bytes)),
            _ => None,
        })
        .collect();
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    hasher.update(b"yoi-plugin-package-digest-v1\0");
    for (name, content) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_be_bytes());
        hasher.update(Sha256::digest(content));
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// The entries of one zip, by name.
type Entries = BTreeMap<String, Entry>;

/// Answers from the zips alone, as an archive-loading host would, and records what it saw.
struct ZipHost {
    capabilities: Vec<String>,
    seen: Mutex<Vec<(Request, Vec<Entries>)>>,
}

impl ConformanceRuntime for ZipHost {
    fn describe(&self) -> Result<RuntimeInfo, AdapterFailure> {
        Ok(
            serde_json::from_value(json!({"protocol": 1, "name": "zip-host", "version": "0",
            "capabilities": self.capabilities}))
            .unwrap(),
        )
    }
    fn run(&self, request: &Request) -> Result<Response, AdapterFailure> {
        let mut zips = Vec::new();
        let mut outcomes = Vec::new();
        for call in &request.calls {
            let Some(zip) = call.package_zip.as_ref().or(request.package_zip.as_ref()) else {
                outcomes.push(json!({"status": "ok", "output": {"summary": "no zip"}}));
                continue;
            };
            let entries = read_zip(zip);
            let escapes = entries.values().any(|e| matches!(e, Entry::Symlink(_)));
            let pin = call.digest.as_ref().unwrap_or(&request.digest);
            outcomes.push(if escapes {
                json!({"status": "error", "error": {"code": "path_escape", "phase": "load",
                       "message": "m", "details": {}}})
            } else if zip_digest(&entries) != *pin {
                json!({"status": "error", "error": {"code": "digest_mismatch", "phase": "load",
                       "message": "m", "details": {}}})
            } else {
                json!({"status": "ok", "output": {"summary": "from the zip"}})
            });
            zips.push(entries);
        }
        self.seen.lock().unwrap().push((request.clone(), zips));
        Ok(serde_json::from_value(json!({"protocol": 1, "outcomes": outcomes})).unwrap())
    }
}

fn corpus(dir: &Path) -> Suite {
    fs::write(
        dir.join("guarantees.toml"),
        "[[guarantee]]\nid = \"G-1\"\narea = \"package\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    let cases = [
        ("p.plain", "[package]\nentry = \"lib/tool.wasm\"\n[expect]\noutput = { summary = \"from the zip\" }"),
        ("p.symlink", "[package]\nsymlink_entry_to = \"../../etc/passwd\"\n[expect]\ncode = \"path_escape\""),
        ("p.tampered", "[package]\ntamper_after_pin = true\nwarm_up = true\n[expect]\ncode = \"digest_mismatch\""),
    ];
    for (id, header) in cases {
        let lines: String = format!(
            "id = \"{id}\"\nguarantee = \"G-1\"\nsince = \"0.1.0\"\nsummary = \"s\"\n{header}"
        )
        .lines()
        .map(|l| format!(";;! {l}\n"))
        .collect();
        fs::write(dir.join(format!("{id}.wat")), lines + MODULE).unwrap();
    }
    Suite::load(&[dir]).unwrap()
}

#[test]
fn a_runtime_that_asks_gets_every_package_as_a_stored_zip_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = corpus(dir.path());
    let host = ZipHost {
        capabilities: vec!["package_zip".into()],
        seen: Mutex::new(vec![]),
    };
    let options = RunOptions {
        jobs: 1,
        ..Default::default()
    };
    let report = run_suite(&host, &suite, &options).unwrap();
    for result in &report.results {
        assert_eq!(result.verdict, Verdict::Pass, "{}", result.id);
    }
    let seen = host.seen.lock().unwrap();
    // p.plain: directory entries, the manifest and the module, bytes as in the directory.
    let (request, zips) = &seen[0];
    let zip = request.package_zip.as_ref().unwrap();
    assert_eq!(
        zip.parent(),
        request.package.parent(),
        "beside the directory"
    );
    let names: Vec<&str> = zips[0].keys().map(String::as_str).collect();
    assert_eq!(names, ["lib/", "lib/tool.wasm", "plugin.toml"]);
    assert_eq!(
        zips[0]["lib/tool.wasm"],
        Entry::File(wat::parse_str(MODULE).unwrap())
    );
    // p.symlink: the link itself, target unresolved.
    let (_, zips) = &seen[1];
    assert_eq!(
        zips[0]["plugin.wasm"],
        Entry::Symlink("../../etc/passwd".into())
    );
    // p.tampered: the warm-up call's zip is the original, the judged call's the tampered copy.
    let (request, zips) = &seen[2];
    assert_eq!(request.calls[0].package_zip, None);
    let tampered = request.calls[1].package_zip.as_ref().unwrap();
    assert_ne!(tampered, request.package_zip.as_ref().unwrap());
    assert_eq!(zip_digest(&zips[0]), request.digest);
    assert_ne!(zip_digest(&zips[1]), request.digest);
    drop(seen);

    // Without the capability, no zip is written or named.
    let plain = ZipHost {
        capabilities: vec![],
        seen: Mutex::new(vec![]),
    };
    let report = run_suite(&plain, &suite, &options).unwrap();
    assert_eq!(
        report.results[0].verdict.as_str(),
        "fail",
        "answered `no zip`"
    );
    for (request, _) in plain.seen.lock().unwrap().iter() {
        assert!(request.package_zip.is_none());
        assert!(request.calls.iter().all(|c| c.package_zip.is_none()));
        let beside = request.package.with_extension("zip");
        assert!(!beside.exists(), "{}", beside.display());
    }
}

#[test]
fn the_zip_helper_is_deterministic_and_refuses_what_a_zip_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    fs::create_dir_all(pkg.join("sub")).unwrap();
    fs::write(pkg.join("sub/b"), b"bee").unwrap();
    fs::write(pkg.join("sub-"), b"").unwrap();
    let (one, two) = (dir.path().join("one.zip"), dir.path().join("two.zip"));
    zip_package(&pkg, &one).unwrap();
    zip_package(&pkg, &two).unwrap();
    assert_eq!(fs::read(&one).unwrap(), fs::read(&two).unwrap());
    // Byte order of names, as the digest hashes them ('-' < '/').
    let names: Vec<String> = read_zip(&one).into_keys().collect();
    assert_eq!(names, ["sub-", "sub/", "sub/b"]);
    let entries = read_zip(&one);
    assert_eq!(
        zip_digest(&entries),
        toolcage_kit::package_digest(&pkg).unwrap()
    );

    #[cfg(unix)]
    {
        let status = std::process::Command::new("mkfifo")
            .arg(pkg.join("pipe"))
            .status()
            .unwrap();
        assert!(status.success());
        match zip_package(&pkg, &dir.path().join("three.zip")) {
            Err(ZipError::Unrepresentable(why)) => assert!(why.contains("pipe"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_zip_case_archive_is_the_package_written_entry_by_entry_then_changed() {
    use toolcage_kit::{write_case_zip, ZipEntrySpec, ZipSpec};
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    fs::create_dir_all(pkg.join("lib")).unwrap();
    fs::write(pkg.join("lib/m.wasm"), b"\0asm\x01\0\0\0").unwrap();
    fs::write(pkg.join("plugin.toml"), b"x = 1\n").unwrap();
    let out = dir.path().join("pkg.yoi-plugin");

    // Unchanged: what the zip crate reads back, and the directory's digest.
    let digest = write_case_zip(&pkg, &ZipSpec::default(), &out).unwrap();
    assert_eq!(digest, toolcage_kit::package_digest(&pkg).unwrap());
    let entries = read_zip(&out);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    assert_eq!(names, ["lib/", "lib/m.wasm", "plugin.toml"]);
    assert_eq!(entries["plugin.toml"], Entry::File(b"x = 1\n".to_vec()));

    // Without directories, with a new file: the digest covers the new file.
    let spec = ZipSpec {
        no_directories: true,
        entry: vec![ZipEntrySpec {
            name: "notes.txt".into(),
            text: Some("hi".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let with_notes = write_case_zip(&pkg, &spec, &out).unwrap();
    let entries = read_zip(&out);
    assert!(!entries.contains_key("lib/"));
    assert_eq!(entries["notes.txt"], Entry::File(b"hi".to_vec()));
    assert_eq!(with_notes, zip_digest(&entries));
    assert_ne!(with_notes, digest);

    // A lying header: the bytes the kit wrote say what the case asked, nothing else changes.
    let spec = ZipSpec {
        leading_hex: "4d5a".into(),
        entry: vec![ZipEntrySpec {
            name: "plugin.toml".into(),
            local_name: Some("plugin.tomx".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    write_case_zip(&pkg, &spec, &out).unwrap();
    let bytes = fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], b"MZ");
    assert_eq!(&bytes[2..6], b"PK\x03\x04");
    let count = |needle: &[u8]| bytes.windows(needle.len()).filter(|w| *w == needle).count();
    assert_eq!(count(b"plugin.tomx"), 1, "the local header only");
    assert_eq!(count(b"plugin.toml"), 1, "the central record only");
}
