//! Loads one or more corpus directories (cases plus each corpus's `guarantees.toml`) and the
//! expectations file, and enforces the corpus-wide rules: unique ids, known guarantees, no
//! guarantee without a case. All errors are gathered so one run shows every broken case.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::case::Case;
use super::error::{KitError, KitErrors};
use super::header::parse_case;
use super::protocol::Profile;

/// One entry of a guarantee list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guarantee {
    /// Stable id, such as `OUT-04`.
    pub id: String,
    /// The area it belongs to; reports group by it.
    pub area: String,
    /// What breaking it means; required, so no guarantee is counted on the wrong side of the
    /// safety verdict by default.
    pub class: GuaranteeClass,
    /// The MUST statement.
    pub must: String,
    /// The guest profiles it applies to (docs/SPEC.md section 13); each needs a case of its
    /// own. Absent: `core` only.
    #[serde(default = "core_only")]
    pub profiles: Vec<Profile>,
}

/// What breaking a guarantee means to a host, so a report can lead with whether the sandbox held
/// apart from how the runtime reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeClass {
    /// Authority, bounds, stopping, isolation, integrity of what runs: the sandbox itself.
    Safety,
    /// Codes, details, the output contract: what a host is told.
    Contract,
    /// The feature set: which modules run at all.
    Portability,
}

impl GuaranteeClass {
    /// The name used in guarantees.toml and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            GuaranteeClass::Safety => "safety",
            GuaranteeClass::Contract => "contract",
            GuaranteeClass::Portability => "portability",
        }
    }
}

fn core_only() -> Vec<Profile> {
    vec![Profile::Core]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuaranteeFile {
    #[serde(default)]
    guarantee: Vec<Guarantee>,
}

/// Every case of every corpus given, ready to run.
#[derive(Debug, Clone, Default)]
pub struct Suite {
    /// Cases sorted by id.
    pub cases: Vec<Case>,
    /// Guarantees of all corpora, in file order.
    pub guarantees: Vec<Guarantee>,
}

impl Suite {
    /// Loads the corpora side by side. Each case's guarantee is resolved in its own corpus's list.
    pub fn load<P: AsRef<Path>>(dirs: &[P]) -> Result<Suite, KitErrors> {
        let mut errors = Vec::new();
        let mut suite = Suite::default();
        for dir in dirs {
            match load_corpus(dir.as_ref()) {
                Ok((cases, guarantees)) => {
                    suite.cases.extend(cases);
                    suite.guarantees.extend(guarantees);
                }
                Err(KitErrors(more)) => errors.extend(more),
            }
        }
        let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
        for case in &suite.cases {
            if let Some(first) = seen.insert(&case.id, &case.path) {
                errors.push(KitError::DuplicateId {
                    id: case.id.clone(),
                    first: first.to_path_buf(),
                    second: case.path.clone(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(KitErrors(errors));
        }
        suite.cases.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(suite)
    }
}

fn load_corpus(dir: &Path) -> Result<(Vec<Case>, Vec<Guarantee>), KitErrors> {
    let list = dir.join("guarantees.toml");
    let text = fs::read_to_string(&list).map_err(|e| KitError::Io {
        path: list.clone(),
        message: e.to_string(),
    })?;
    let file: GuaranteeFile = toml::from_str(&text).map_err(|e| KitError::Guarantees {
        path: list.clone(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut areas = BTreeMap::new();
    for g in &file.guarantee {
        if g.profiles.is_empty() {
            return Err(KitError::Guarantees {
                path: list,
                message: format!("guarantee `{}` applies to no profile", g.id),
            }
            .into());
        }
        if areas.insert(g.id.clone(), g.area.clone()).is_some() {
            return Err(KitError::Guarantees {
                path: list,
                message: format!("guarantee `{}` is listed twice", g.id),
            }
            .into());
        }
    }

    let mut files = Vec::new();
    walk_wat(dir, &mut files).map_err(|e| KitError::Io {
        path: dir.into(),
        message: e.to_string(),
    })?;
    files.sort();
    let mut errors = Vec::new();
    let mut cases = Vec::new();
    for path in files {
        let source = match fs::read_to_string(&path) {
            Ok(source) => source,
            Err(e) => {
                errors.push(KitError::Io {
                    path,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match parse_case(&path, &source, Some(&areas)) {
            Ok(case) => cases.push(case),
            Err(e) => errors.push(e),
        }
    }
    // A case checks its guarantee for its own profile only: the guarantee must apply to it.
    for case in &cases {
        let applies = file
            .guarantee
            .iter()
            .any(|g| g.id == case.guarantee && g.profiles.contains(&case.profile));
        if !applies {
            errors.push(KitError::Header {
                path: case.path.clone(),
                message: format!(
                    "guarantee `{}` does not apply to profile `{}`",
                    case.guarantee,
                    case.profile.as_str()
                ),
                hint:
                    "a guarantee's `profiles` in guarantees.toml lists the profiles it applies to",
            });
        }
    }
    // Only judge coverage when every case parsed: a broken case should not also be reported as
    // a guarantee without a case.
    if errors.is_empty() {
        let covered: BTreeSet<(&str, Profile)> = cases
            .iter()
            .map(|c| (c.guarantee.as_str(), c.profile))
            .collect();
        for g in &file.guarantee {
            for profile in &g.profiles {
                if !covered.contains(&(g.id.as_str(), *profile)) {
                    errors.push(KitError::GuaranteeWithoutCase {
                        path: list.clone(),
                        guarantee: g.id.clone(),
                        profile: profile.as_str(),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok((cases, file.guarantee))
    } else {
        Err(KitErrors(errors))
    }
}

fn walk_wat(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk_wat(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wat") {
            out.push(path);
        }
    }
    Ok(())
}

/// The xfail list of a runtime: case id to reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// Listed cases and why they are expected to fail.
    pub xfail: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectationsFile {
    #[serde(default)]
    xfail: Vec<XfailEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct XfailEntry {
    id: String,
    reason: String,
}

impl Expectations {
    /// Loads an expectations file and checks every listed id exists in `suite`.
    pub fn load(path: &Path, suite: &Suite) -> Result<Expectations, KitError> {
        let bad = |message: String| KitError::Expectations {
            path: path.to_path_buf(),
            message,
        };
        let text = fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let file: ExpectationsFile =
            toml::from_str(&text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
        let mut xfail = BTreeMap::new();
        for entry in file.xfail {
            if entry.reason.trim().is_empty() {
                return Err(bad(format!("xfail `{}` has an empty reason", entry.id)));
            }
            if !suite.cases.iter().any(|c| c.id == entry.id) {
                return Err(bad(format!(
                    "xfail `{}` names no case of the corpora",
                    entry.id
                )));
            }
            if xfail.insert(entry.id.clone(), entry.reason).is_some() {
                return Err(bad(format!("xfail `{}` is listed twice", entry.id)));
            }
        }
        Ok(Expectations { xfail })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODULE: &str =
        "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";

    fn write_case(dir: &Path, file: &str, id: &str, guarantee: &str) {
        let path = dir.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            path,
            format!(
                ";;! id = \"{id}\"\n;;! guarantee = \"{guarantee}\"\n;;! since = \"0.1.0\"\n\
                 ;;! summary = \"s\"\n;;! [expect]\n;;! code = \"trap\"\n{MODULE}\n"
            ),
        )
        .unwrap();
    }

    fn guarantees(dir: &Path, ids: &[&str]) {
        let text: String = ids
            .iter()
            .map(|id| format!("[[guarantee]]\nid = \"{id}\"\narea = \"a\"\nclass = \"safety\"\nmust = \"m\"\n"))
            .collect();
        fs::write(dir.join("guarantees.toml"), text).unwrap();
    }

    #[test]
    fn loads_two_corpora_side_by_side() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        guarantees(one.path(), &["G-1"]);
        guarantees(two.path(), &["G-1"]); // same id, own list: no clash
        write_case(one.path(), "x/b.wat", "x.b", "G-1");
        write_case(one.path(), "x/a.wat", "x.a", "G-1");
        write_case(two.path(), "ext.wat", "ext.a", "G-1");
        let suite = Suite::load(&[one.path(), two.path()]).unwrap();
        let ids: Vec<_> = suite.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ext.a", "x.a", "x.b"]);
    }

    #[test]
    fn corpus_rules_are_kit_errors() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        guarantees(one.path(), &["G-1", "G-2"]);
        write_case(one.path(), "a.wat", "x.a", "G-1");
        guarantees(two.path(), &["G-1"]);
        write_case(two.path(), "a.wat", "x.a", "G-1");
        write_case(two.path(), "b.wat", "x.b", "G-7");
        let KitErrors(errors) = Suite::load(&[one.path(), two.path()]).unwrap_err();
        assert!(errors.iter().any(|e| matches!(e, KitError::GuaranteeWithoutCase { guarantee, .. } if guarantee == "G-2")), "{errors:?}");
        assert!(
            errors.iter().any(
                |e| matches!(e, KitError::UnknownGuarantee { guarantee, .. } if guarantee == "G-7")
            ),
            "{errors:?}"
        );

        let three = tempfile::tempdir().unwrap();
        guarantees(three.path(), &["G-1"]);
        write_case(three.path(), "a.wat", "x.a", "G-1");
        write_case(three.path(), "b.wat", "x.a", "G-1");
        let KitErrors(errors) = Suite::load(&[three.path()]).unwrap_err();
        assert!(
            matches!(&errors[..], [KitError::DuplicateId { id, .. }] if id == "x.a"),
            "{errors:?}"
        );
    }

    #[test]
    fn each_profile_of_a_guarantee_needs_its_own_case() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("guarantees.toml"),
            "[[guarantee]]\nid = \"G-1\"\narea = \"a\"\nclass = \"safety\"\nmust = \"m\"\n\
             profiles = [\"core\", \"component\"]\n\
             [[guarantee]]\nid = \"C-1\"\narea = \"a\"\nclass = \"safety\"\nmust = \"m\"\nprofiles = [\"component\"]\n",
        )
        .unwrap();
        // A core case only: G-1 lacks its component case, C-1 any case, and a core case of C-1
        // checks nothing C-1 says.
        write_case(dir.path(), "a.wat", "x.a", "G-1");
        write_case(dir.path(), "b.wat", "x.b", "C-1");
        let KitErrors(errors) = Suite::load(&[dir.path()]).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| matches!(e, KitError::Header { message, .. }
                if message.contains("does not apply to profile `core`"))),
            "{errors:?}"
        );
        fs::remove_file(dir.path().join("b.wat")).unwrap();
        let KitErrors(errors) = Suite::load(&[dir.path()]).unwrap_err();
        let missing: Vec<_> = errors
            .iter()
            .filter_map(|e| match e {
                KitError::GuaranteeWithoutCase {
                    guarantee, profile, ..
                } => Some((guarantee.as_str(), *profile)),
                _ => None,
            })
            .collect();
        assert_eq!(missing, [("G-1", "component"), ("C-1", "component")]);

        // A component case for each: the corpus loads, and the case carries its profile.
        for (file, id, guarantee) in [("c.wat", "x.c", "G-1"), ("d.wat", "x.d", "C-1")] {
            let path = dir.path().join(file);
            fs::write(
                &path,
                format!(
                    ";;! id = \"{id}\"\n;;! guarantee = \"{guarantee}\"\n;;! since = \"0.1.0\"\n\
                     ;;! summary = \"s\"\n;;! profile = \"component\"\n;;! [expect]\n\
                     ;;! code = \"trap\"\n(component)\n"
                ),
            )
            .unwrap();
        }
        let suite = Suite::load(&[dir.path()]).unwrap();
        let profiles: Vec<_> = suite
            .cases
            .iter()
            .map(|c| (c.id.as_str(), c.profile))
            .collect();
        assert_eq!(
            profiles,
            [
                ("x.a", Profile::Core),
                ("x.c", Profile::Component),
                ("x.d", Profile::Component)
            ]
        );
    }

    #[test]
    fn every_guarantee_has_a_known_class() {
        let dir = tempfile::tempdir().unwrap();
        write_case(dir.path(), "a.wat", "x.a", "G-1");
        let list = |class: &str| {
            fs::write(
                dir.path().join("guarantees.toml"),
                format!("[[guarantee]]\nid = \"G-1\"\narea = \"a\"\n{class}must = \"m\"\n"),
            )
            .unwrap();
            Suite::load(&[dir.path()])
        };
        for refused in ["", "class = \"sandbox\"\n", "class = \"Safety\"\n"] {
            let KitErrors(errors) = list(refused).unwrap_err();
            assert!(
                matches!(&errors[..], [KitError::Guarantees { message, .. }] if message.contains("class")),
                "{refused:?}: {errors:?}"
            );
        }
        for (text, class) in [
            ("safety", GuaranteeClass::Safety),
            ("contract", GuaranteeClass::Contract),
            ("portability", GuaranteeClass::Portability),
        ] {
            let suite = list(&format!("class = \"{text}\"\n")).unwrap();
            assert_eq!(suite.guarantees[0].class, class);
            assert_eq!(class.as_str(), text);
        }
    }

    #[test]
    fn missing_or_duplicate_guarantee_list_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            &Suite::load(&[dir.path()]).unwrap_err().0[..],
            [KitError::Io { .. }]
        ));
        guarantees(dir.path(), &["G-1", "G-1"]);
        assert!(matches!(
            &Suite::load(&[dir.path()]).unwrap_err().0[..],
            [KitError::Guarantees { .. }]
        ));
    }

    #[test]
    fn expectations_must_name_real_cases() {
        let dir = tempfile::tempdir().unwrap();
        guarantees(dir.path(), &["G-1"]);
        write_case(dir.path(), "a.wat", "x.a", "G-1");
        let suite = Suite::load(&[dir.path()]).unwrap();
        let file = dir.path().join("xfail.toml");
        fs::write(&file, "[[xfail]]\nid = \"x.a\"\nreason = \"tracking #1\"\n").unwrap();
        assert_eq!(
            Expectations::load(&file, &suite).unwrap().xfail["x.a"],
            "tracking #1"
        );
        fs::write(&file, "[[xfail]]\nid = \"x.zz\"\nreason = \"r\"\n").unwrap();
        assert!(matches!(
            Expectations::load(&file, &suite),
            Err(KitError::Expectations { .. })
        ));
        fs::write(&file, "[[xfail]]\nid = \"x.a\"\n").unwrap();
        assert!(matches!(
            Expectations::load(&file, &suite),
            Err(KitError::Expectations { .. })
        ));
    }
}
