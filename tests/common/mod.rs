//! Shared fixtures of the runtime's integration tests: packages built from WAT in temporary
//! directories, with a digest computed here independently of the runtime.
#![allow(dead_code)]

pub mod net_guest;

use sha2::{Digest as _, Sha256};
use std::path::Path;
use tempfile::TempDir;
use toolcage_runtime::Digest;

/// A guest that writes its input back as its output.
pub const ECHO: &str = r#"(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "yoi_tool_call")
    (local $n i32)
    (local.set $n (call $input_len))
    (drop (call $input_read (i32.const 0) (local.get $n)))
    (drop (call $output_write (i32.const 0) (local.get $n)))))"#;

/// A guest that never returns from its entry.
pub const LOOP: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call") (loop $l (br $l))))"#;

/// A guest whose start function never returns.
pub const LOOP_IN_START: &str = r#"(module
  (memory (export "memory") 1)
  (func $start (loop $l (br $l)))
  (start $start)
  (func (export "yoi_tool_call")))"#;

/// A guest that writes a fixed output.
pub fn constant(output: &str) -> String {
    let escaped: String = output.bytes().map(|b| format!("\\{b:02x}")).collect();
    format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{escaped}")
  (func (export "yoi_tool_call") (drop (call $w (i32.const 0) (i32.const {})))))"#,
        output.len()
    )
}

pub struct Package {
    pub dir: TempDir,
    pub digest: Digest,
}

impl Package {
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Re-computes the digest after the test changed files.
    pub fn rehash(&mut self) {
        self.digest = digest_of(self.dir.path());
    }
}

pub fn manifest(tools: &[&str]) -> String {
    let mut m = String::from(
        "schema_version = 1\nid = \"test.plugin\"\nname = \"Test\"\nversion = \"1.0.0\"\n\
         description = \"a test plugin\"\n\n[runtime]\nkind = \"wasm\"\nentry = \"plugin.wasm\"\n\
         abi = \"yoi-plugin-wasm-1\"\n",
    );
    for t in tools {
        m.push_str(&format!(
            "\n[[tools]]\nname = \"{t}\"\ndescription = \"t\"\ninput_schema = {{ type = \"object\" }}\n"
        ));
    }
    m
}

/// A package holding `wat` as `plugin.wasm` and one tool per name.
pub fn package(wat: &str, tools: &[&str]) -> Package {
    package_with_manifest(wat, &manifest(tools))
}

pub fn package_with_manifest(wat: &str, manifest: &str) -> Package {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("plugin.toml"), manifest).unwrap();
    let wasm = wat::parse_str(wat).expect("test WAT compiles");
    std::fs::write(dir.path().join("plugin.wasm"), wasm).unwrap();
    let digest = digest_of(dir.path());
    Package { dir, digest }
}

/// The brief's package digest, written again here so the runtime's is checked against it.
pub fn digest_of(dir: &Path) -> Digest {
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    let mut h = Sha256::new();
    h.update(b"yoi-plugin-package-digest-v1\0");
    for (path, content) in files {
        h.update(path.as_bytes());
        h.update([0u8]);
        h.update((content.len() as u64).to_be_bytes());
        h.update(Sha256::digest(&content));
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}").parse().unwrap()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path).unwrap()));
        }
    }
}

/// Threads of this process, for leak checks.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}
