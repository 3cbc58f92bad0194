//! `runtime.entry` (or `runtime.component`): a relative path inside the package, checked as
//! written, before any file is looked up by it.

use crate::error::{Error, ErrorCode};

/// The entry must name a file inside the package by plain components, split on `/` exactly as
/// written: `Path::components` would drop `.` and empty components and a trailing slash, so
/// `sub/./plugin.wasm` would pass as `sub/plugin.wasm` and then name no listed file.
pub(crate) fn check_entry(entry: &str) -> Result<(), Error> {
    let escape = |why: &str| escape(entry, why);
    check_characters(entry)?;
    if entry.starts_with('/') {
        return Err(escape("it is absolute"));
    }
    for component in entry.split('/') {
        match component {
            "" => return Err(escape("it has an empty component ('//' or a trailing '/')")),
            "." => return Err(escape("it contains '.'")),
            ".." => return Err(escape("it contains '..'")),
            _ => {}
        }
    }
    Ok(())
}

/// An entry that is empty or holds a backslash or NUL names no file on any system.
pub(crate) fn check_characters(entry: &str) -> Result<(), Error> {
    if entry.is_empty() {
        return Err(escape(entry, "it is empty"));
    }
    if entry.contains('\\') || entry.contains('\0') {
        return Err(escape(entry, "it contains a backslash or NUL"));
    }
    Ok(())
}

/// The error of an entry that does not stay inside the package, and why.
pub(crate) fn escape(entry: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::PathEscape,
        format!("runtime.entry must be a relative path inside the package: {why}"),
    )
    .with("entry", entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_that_escape_are_refused() {
        for bad in [
            "",
            "../x.wasm",
            "/etc/passwd",
            "a/../../b",
            "./a.wasm",
            "a\\b",
            "sub/./plugin.wasm",
            "sub//plugin.wasm",
            "plugin.wasm/",
            "sub/.",
            "/",
            "//plugin.wasm",
        ] {
            let e = check_entry(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::PathEscape, "{bad}");
        }
        check_entry("lib/plugin.wasm").unwrap();
        check_entry("lib/.plugin.wasm").unwrap();
        check_entry("lib/..plugin.wasm").unwrap();
    }
}
