//! The spec's error-code table, the runtime's and the kit's are one table, and the spec's guarantee
//! tags, the guarantee list and the corpus agree: these tests fail when any of them drifts.

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
        "docs/SPEC.md and runtime/src/error/mod.rs disagree"
    );
    let kit_rows: Vec<(String, String)> = toolcage_kit::VOCABULARY
        .iter()
        .map(|c| (c.code.to_owned(), c.phase.to_owned()))
        .collect();
    assert_eq!(
        rows, kit_rows,
        "docs/SPEC.md and harness/src/model/vocab.rs disagree"
    );
}

/// Every guarantee ID tagged in docs/SPEC.md (as `[ID]` or `[ID, ID]` after the sentence that
/// states the rule), with the line it is on.
fn spec_tags(spec: &str) -> Vec<(String, usize)> {
    let is_id = |s: &str| {
        let Some((area, number)) = s.split_once('-') else {
            return false;
        };
        !area.is_empty()
            && area.bytes().all(|b| b.is_ascii_uppercase())
            && number.len() == 2
            && number.bytes().all(|b| b.is_ascii_digit())
    };
    let mut tags = Vec::new();
    for (line_no, line) in spec.lines().enumerate() {
        for chunk in line.split('[').skip(1) {
            let Some((inside, _)) = chunk.split_once(']') else {
                continue;
            };
            let ids: Vec<&str> = inside.split(", ").collect();
            if ids.iter().all(|id| is_id(id)) {
                tags.extend(ids.into_iter().map(|id| (id.to_owned(), line_no + 1)));
            }
        }
    }
    tags
}

/// SPEC.md, corpus/guarantees.toml and the corpus stay in step: every guarantee is tagged in the
/// SPEC (so a reader goes from a rule to its cases), every tag names a guarantee that exists, and
/// every guarantee has a case (so a tag always leads somewhere).
#[test]
fn spec_tags_guarantees_and_cases_agree() {
    let root = env!("CARGO_MANIFEST_DIR");
    let spec = std::fs::read_to_string(format!("{root}/docs/SPEC.md")).expect("docs/SPEC.md");
    let suite = toolcage_kit::Suite::load(&[format!("{root}/corpus")]).expect("the corpus loads");
    let tags = spec_tags(&spec);
    assert!(tags.len() >= suite.guarantees.len(), "{tags:?}");
    let known: Vec<&str> = suite.guarantees.iter().map(|g| g.id.as_str()).collect();
    let unknown: Vec<_> = tags
        .iter()
        .filter(|(id, _)| !known.contains(&id.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/SPEC.md tags guarantees corpus/guarantees.toml does not define (id, line): {unknown:?}"
    );
    let untagged: Vec<&str> = known
        .iter()
        .copied()
        .filter(|id| !tags.iter().any(|(tag, _)| tag == id))
        .collect();
    assert!(
        untagged.is_empty(),
        "guarantees with no tag in docs/SPEC.md (append `[ID]` to the sentence stating the rule): \
         {untagged:?}"
    );
    // The third leg, every guarantee has a case, is `Suite::load`'s own rule (it refuses the
    // corpus with `KitError::GuaranteeWithoutCase`), so the load above already proved it.
}

/// The tag reader itself: tags are found anywhere on a line, lists split, and other brackets
/// (links, TOML tables, `[i32 i32]`) are not mistaken for tags.
#[test]
fn spec_tags_are_read_and_nothing_else() {
    let text = "A rule. [PKG-01]\n[[tools]] and [runtime] and [A-1] and [i32 i32]\n\
                two rules [CPU-01, CXL-01] and a [link](x) [MEM-04]";
    let tags = spec_tags(text);
    let expected = [("PKG-01", 1), ("CPU-01", 3), ("CXL-01", 3), ("MEM-04", 3)];
    assert_eq!(
        tags,
        expected
            .iter()
            .map(|(id, line)| (id.to_string(), *line))
            .collect::<Vec<_>>()
    );
}
