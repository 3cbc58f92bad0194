//! The package builder honours every `[package]` knob of docs/CASES.md, and its digest is the one
//! it pins: checked on disk, without any runtime.

use std::fs;
use std::path::Path;

use toolcage_kit::{build_package, package_digest, parse_case, Case};

fn case(extra: &str) -> Case {
    let header = format!(
        "id = \"pkg.case\"\nguarantee = \"G\"\nsince = \"0.1.0\"\nsummary = \"s\"\n{extra}\n[expect]\ncode = \"path_escape\""
    );
    let source: String = header
        .lines()
        .map(|l| format!(";;! {l}\n"))
        .collect::<String>()
        + "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))\n";
    parse_case(Path::new("pkg.wat"), &source, None).unwrap()
}

#[test]
fn default_package_has_manifest_and_module_and_a_matching_digest() {
    let case = case("");
    let package = build_package(&case).unwrap();
    assert!(package.path.is_absolute());
    let module = fs::read(package.path.join("plugin.wasm")).unwrap();
    assert_eq!(module, case.module);
    assert_eq!(package_digest(&package.path).unwrap(), package.digest);
    let names: Vec<_> = fs::read_dir(&package.path)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn tamper_after_pin_changes_the_bytes_not_the_pin() {
    let case = case("[package]\ntamper_after_pin = true");
    let package = build_package(&case).unwrap();
    let module = fs::read(package.path.join("plugin.wasm")).unwrap();
    assert_eq!(module.len(), case.module.len());
    assert_ne!(module, case.module);
    assert_ne!(package_digest(&package.path).unwrap(), package.digest);
}

#[test]
fn module_path_entry_and_escape_targets() {
    let package = build_package(&case("[package]\nentry = \"bin/tool.wasm\"")).unwrap();
    assert!(package.path.join("bin/tool.wasm").is_file());
    let manifest: toml::Table = fs::read_to_string(package.path.join("plugin.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(manifest["runtime"]["entry"].as_str(), Some("bin/tool.wasm"));

    let package = build_package(&case("[package]\nmodule_path = \"\"")).unwrap();
    assert!(!package.path.join("plugin.wasm").exists());

    let package = build_package(&case("[package]\nentry = \"../outside.wasm\"")).unwrap();
    assert!(package
        .path
        .parent()
        .unwrap()
        .join("outside.wasm")
        .is_file());

    // An absolute entry is only written into the manifest, never to disk.
    let package =
        build_package(&case("[package]\nentry = \"/nonexistent/toolcage/x.wasm\"")).unwrap();
    assert!(!Path::new("/nonexistent/toolcage/x.wasm").exists());
    assert_eq!(fs::read_dir(&package.path).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn symlinked_entry_is_a_symlink_and_not_hashed() {
    let package = build_package(&case(
        "[package]\nsymlink_entry_to = \"real.wasm\"\nmodule_path = \"real.wasm\"",
    ))
    .unwrap();
    let link = package.path.join("plugin.wasm");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real.wasm"));
    // Removing the symlink leaves the digest unchanged: it only covers regular files.
    fs::remove_file(&link).unwrap();
    assert_eq!(package_digest(&package.path).unwrap(), package.digest);
}

#[test]
fn manifest_knobs() {
    let package = build_package(&case(
        "[package]\nmanifest_replace = \"schema_version = 2\\n\"",
    ))
    .unwrap();
    assert_eq!(
        fs::read_to_string(package.path.join("plugin.toml")).unwrap(),
        "schema_version = 2\n"
    );

    let package = build_package(&case(
        "[package]\nmanifest_append = \"colour = 1\\n\"\ntools = [\"a\", \"b\"]\nkind = \"js\"\nabi = \"other\"",
    ))
    .unwrap();
    let text = fs::read_to_string(package.path.join("plugin.toml")).unwrap();
    assert!(text.ends_with("colour = 1\n"), "{text}");
    let manifest: toml::Table = text.parse().unwrap();
    let tools = manifest["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2);
    assert_eq!(tools[1]["name"].as_str(), Some("b"));
    assert_eq!(manifest["runtime"]["kind"].as_str(), Some("js"));
    assert_eq!(manifest["runtime"]["abi"].as_str(), Some("other"));
}

#[test]
fn padded_module_has_the_exact_size() {
    let package = build_package(&case("[package]\npad_module_to = 8388609")).unwrap();
    assert_eq!(
        fs::metadata(package.path.join("plugin.wasm"))
            .unwrap()
            .len(),
        8388609
    );
}

#[test]
fn warm_up_with_tamper_keeps_the_original_and_tampers_a_copy() {
    let case = case("[package]\ntamper_after_pin = true\nwarm_up = true");
    let package = build_package(&case).unwrap();
    assert_ne!(package.judged, package.path);
    assert_eq!(package_digest(&package.path).unwrap(), package.digest);
    assert_ne!(package_digest(&package.judged).unwrap(), package.digest);

    let request = case.request(&package);
    assert_eq!(request.calls.len(), 2);
    assert_eq!(
        request.calls[0].package, None,
        "the warm-up call loads the request's package"
    );
    assert_eq!(
        request.calls[1].package.as_deref(),
        Some(package.judged.as_path())
    );
    assert_eq!(
        request.calls[1].digest, None,
        "the judged call keeps the original pin"
    );
    let json = serde_json::to_value(&request).unwrap();
    assert!(
        json["calls"][0].get("package").is_none(),
        "absent, not null, on the wire"
    );
}
