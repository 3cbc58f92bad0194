//! What the kit's own tests share: a one-guarantee, one-case corpus written to a temporary
//! directory, so each test states only the case it is about.

use std::fs;
use std::path::Path;

use toolcage_kit::Suite;

/// A corpus under `dir/corpus` with guarantee `G-1` (area `a`) and one case, `case` being its
/// `;;!` header lines after `summary` and its module.
pub fn one_case_suite(dir: &Path, id: &str, case: &str) -> Suite {
    let corpus = dir.join("corpus");
    fs::create_dir(&corpus).unwrap();
    fs::write(
        corpus.join("guarantees.toml"),
        "[[guarantee]]\nid = \"G-1\"\narea = \"a\"\nclass = \"safety\"\nmust = \"m\"\n",
    )
    .unwrap();
    fs::write(
        corpus.join("case.wat"),
        format!(
            ";;! id = \"{id}\"\n;;! guarantee = \"G-1\"\n;;! since = \"0.1.0\"\n;;! summary = \"s\"\n{case}"
        ),
    )
    .unwrap();
    Suite::load(&[corpus]).unwrap()
}
