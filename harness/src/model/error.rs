//! Kit errors: the corpus or the kit's own inputs are wrong, as opposed to a runtime failing a
//! case. Typed so tests can match them, and each one names the file to fix and how.

use std::fmt;
use std::path::PathBuf;

/// Something wrong with the corpus, the guarantee list, the expectations file or the run itself.
/// Any kit error fails the whole run: a broken corpus must never look like a passing runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KitError {
    /// A file or directory could not be read or written.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// A case header is not valid TOML, has an unknown key, or breaks a rule of docs/CASES.md.
    Header {
        /// The case file.
        path: PathBuf,
        /// What is wrong (TOML errors carry their line and column).
        message: String,
        /// How to fix it.
        hint: &'static str,
    },
    /// A case header has a key the format does not know (refused, never ignored).
    UnknownHeaderKey {
        /// The case file.
        path: PathBuf,
        /// The unknown key.
        key: String,
        /// The TOML error, with line, column and the keys expected there.
        message: String,
    },
    /// The WAT of a case does not compile.
    Compile {
        /// The case file.
        path: PathBuf,
        /// The compiler's message, with line and column.
        message: String,
    },
    /// Two cases, in any of the corpora run together, share an id.
    DuplicateId {
        /// The id.
        id: String,
        /// The first file using it.
        first: PathBuf,
        /// The second file using it.
        second: PathBuf,
    },
    /// A case names a guarantee its corpus's `guarantees.toml` does not list.
    UnknownGuarantee {
        /// The case file.
        path: PathBuf,
        /// The guarantee it names.
        guarantee: String,
    },
    /// A guarantee of the list has no case checking it.
    GuaranteeWithoutCase {
        /// The `guarantees.toml` listing it.
        path: PathBuf,
        /// The guarantee.
        guarantee: String,
        /// The profile it has no case of.
        profile: &'static str,
    },
    /// `guarantees.toml` is missing, malformed, or lists an id twice.
    Guarantees {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The expectations file is malformed or names a case that does not exist.
    Expectations {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The package of a case could not be built.
    Package {
        /// The case id.
        id: String,
        /// What went wrong.
        message: String,
    },
    /// No case ran (empty corpus, a filter matching nothing, or every case skipped).
    NoCases {
        /// The filter in force, if any.
        filter: Option<String>,
    },
}

impl fmt::Display for KitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KitError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            KitError::Header { path, message, hint } => {
                write!(f, "{}: bad case header: {message}\n  hint: {hint}", path.display())
            }
            KitError::UnknownHeaderKey { path, key, message } => write!(
                f,
                "{}: unknown case header key `{key}`: {message}\n  hint: unknown keys are \
                 refused; the known ones are listed in docs/CASES.md (Header keys)",
                path.display()
            ),
            KitError::Compile { path, message } => write!(
                f,
                "{}: the module does not compile: {message}\n  hint: fix the WAT, or use \
                 `[package] raw_module_hex` for a deliberately invalid binary",
                path.display()
            ),
            KitError::DuplicateId { id, first, second } => write!(
                f,
                "case id `{id}` is used by both {} and {}\n  hint: ids are unique across all \
                 corpora run together; rename one",
                first.display(),
                second.display()
            ),
            KitError::UnknownGuarantee { path, guarantee } => write!(
                f,
                "{}: guarantee `{guarantee}` is not in its corpus's guarantees.toml\n  hint: add \
                 it there, or fix the case's `guarantee`",
                path.display()
            ),
            KitError::GuaranteeWithoutCase {
                path,
                guarantee,
                profile,
            } => write!(
                f,
                "{}: guarantee `{guarantee}` has no case of profile `{profile}`\n  hint: every \
                 guarantee needs at least one case per profile it applies to",
                path.display()
            ),
            KitError::Guarantees { path, message } => write!(
                f,
                "{}: {message}\n  hint: `[[guarantee]]` tables with `id`, `area`, `class`, `must` (docs/CASES.md)",
                path.display()
            ),
            KitError::Expectations { path, message } => write!(
                f,
                "{}: {message}\n  hint: `[[xfail]]` tables with `id` and `reason` (docs/CASES.md)",
                path.display()
            ),
            KitError::Package { id, message } => {
                write!(f, "case `{id}`: cannot build its package: {message}")
            }
            KitError::NoCases { filter: Some(filter) } => {
                write!(f, "no case ran: the filter `{filter}` matches no runnable case")
            }
            KitError::NoCases { filter: None } => {
                write!(f, "no case ran: the corpora hold no runnable case")
            }
        }
    }
}

impl std::error::Error for KitError {}

/// Every kit error found while loading, so one run reports all broken cases at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitErrors(pub Vec<KitError>);

impl fmt::Display for KitErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "kit error: {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for KitErrors {}

impl From<KitError> for KitErrors {
    fn from(error: KitError) -> Self {
        KitErrors(vec![error])
    }
}
