//! For the fuzz targets (`fuzz/`) and their replay tests (crate `toolcage-fuzzing`) only: not
//! API, no stability promise, hidden from the docs. Each function is a thin door into one parser
//! that reads bytes a package author controls, with the caps a load applies.

use crate::call::{self, Drafts, ToolOutput};
use crate::error::Error;
use crate::package::{self, Manifest};

/// One entry of an archive the reader accepted.
#[derive(Debug)]
pub struct ArchiveEntry<'a> {
    /// The path as the package digest names it.
    pub path: &'a str,
    /// A directory entry (no data).
    pub is_dir: bool,
    /// The entry's bytes: a slice of the archive.
    pub data: &'a [u8],
}

/// The package archive reader over `bytes` as a `.yoi-plugin` file, with a load's caps and time
/// budget.
pub fn read_archive(bytes: &[u8]) -> Result<Vec<ArchiveEntry<'_>>, Error> {
    let entries = package::fuzz_archive(bytes, crate::Limits::default().load_budget)?;
    Ok(entries
        .into_iter()
        .map(|(path, is_dir, data)| ArchiveEntry { path, is_dir, data })
        .collect())
}

/// `plugin.toml` parsed and validated, then every tool's input schema bounded and compiled, as
/// a load does before it accepts a package.
pub fn load_manifest(text: &str) -> Result<Manifest, Error> {
    let manifest = package::fuzz_manifest(text)?;
    for tool in &manifest.tools {
        call::compile_schema(&tool.name, &tool.input_schema, Drafts::SPEC)?;
    }
    Ok(manifest)
}

/// The output contract over a guest's output bytes.
pub fn parse_output(bytes: &[u8], summary_bytes: usize) -> Result<ToolOutput, Error> {
    call::parse_output(bytes, summary_bytes)
}
