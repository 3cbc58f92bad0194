//! The spec's error-code table and the runtime's are one table: this test fails when either
//! gains, loses or re-phases a code without the other.

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
    assert_eq!(rows, code_rows);
}
