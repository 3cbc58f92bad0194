//! The spec's error-code table, the runtime's and the kit's are one table: this test fails when
//! any of them gains, loses or re-phases a code without the others.

use toolcage_runtime::ErrorCode;

#[test]
fn spec_error_table_matches_the_runtime() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/SPEC.md"))
        .expect("docs/SPEC.md");
    let table = spec
        .split("<!-- The table below is checked")
        .nth(1)
        .expect("the marked table");
    let rows: Vec<(String, String)> = table
        .lines()
        .skip_while(|l| !l.starts_with("| `"))
        .take_while(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_owned(), cells[2].to_owned())
        })
        .collect();
    let code_rows: Vec<(String, String)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.phase().as_str().to_owned()))
        .collect();
    assert_eq!(
        rows, code_rows,
        "docs/SPEC.md and runtime/src/error.rs disagree"
    );
    let kit_rows: Vec<(String, String)> = toolcage_kit::VOCABULARY
        .iter()
        .map(|c| (c.code.to_owned(), c.phase.to_owned()))
        .collect();
    assert_eq!(
        rows, kit_rows,
        "docs/SPEC.md and harness/src/vocab.rs disagree"
    );
}
