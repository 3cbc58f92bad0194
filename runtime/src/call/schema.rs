//! Tool input schemas: compiled once at registration, never allowed to reach outside the package,
//! and evaluated with a known worst case.
//!
//! A plugin's `input_schema` is untrusted. Before it is compiled, [`schema_bound`] refuses
//! references that leave the schema (bundled meta-schema URLs included: nothing is resolved
//! that the schema does not contain), nesting past 64 levels and fan-out past 1024 subschemas
//! per input value. jsonschema is built without its HTTP and file resolvers, with a retriever
//! that refuses everything, and with the `regex` crate for `pattern` and `patternProperties`:
//! it matches in time linear in the text, and refuses the look-around and back-references with
//! which a backtracking engine can be made to take exponential time.
//!
//! A validation is stopped at the call's deadline or cancel wherever it runs: every subschema is
//! compiled with one more keyword, [`STOP_KEYWORD`], which fails once the validation's
//! [`Watch`] says so, so the validator ends at its next subschema. On the caller's thread the
//! watch is the call's own budget (the call answers `timeout` or `cancelled` once the validator
//! has stopped); on a budget worker it is the worker's [`Abandoned`] flag (the call has already
//! answered, and the validation ends rather than spend the host's CPU for a result no one reads).
//!
//! [`schema_bound`]: super::schema_bound

use super::budget::{Abandoned, Budget};
use super::schema_bound::{self, Cost};
use crate::error::{Error, ErrorCode};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Keyword, PatternOptions, Retrieve, Uri, ValidationError, Validator};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Most schema errors named in a mismatch's details.
const REPORTED_ERRORS: usize = 4;
/// Compiled size of one `pattern` at most, in bytes (the regex crate's own default is 10 MiB):
/// matching time grows with it.
const PATTERN_SIZE_LIMIT: usize = 256 * 1024;
/// Inputs parsed and validated on the caller's thread are at most this long: parsing cannot be
/// stopped, and 64 KiB of JSON parses in well under the budget's stop latency (about 60 µs on
/// the benchmark machine). A longer input (a host may raise the input cap) runs on a worker.
const CALLER_INPUT: usize = 64 * 1024;
/// Inputs with `pattern`s validated on the caller's thread are at most this long: one `pattern`
/// is one keyword, matched without a stop in between, in time that grows with the text.
const INLINE_PATTERN_INPUT: usize = 4 * 1024;
/// On the caller's thread the stop keyword reads the clock once every this many subschemas
/// (the cancel token every time): a clock read costs as much as a simple subschema, and the
/// work between two reads stays small (the most one subschema does to one value is bounded by
/// the 64 KiB manifest and input caps, some tens of microseconds).
const CLOCK_EVERY: u32 = 8;

/// The keyword marked into every subschema. A schema that uses the name itself only gets this
/// meaning for it, which accepts everything until a validation is abandoned.
const STOP_KEYWORD: &str = "$toolcage-stop";

/// What stops a validation: the call's budget when it runs on the caller's thread, the
/// worker's flag when it runs on a budget worker.
pub(crate) enum Watch {
    /// On the caller's thread: stop once the deadline passed or the call was cancelled.
    Caller(Budget),
    /// On a budget worker: stop once the call stopped waiting for it.
    Worker(Abandoned),
}

/// The watch of the validation running on this thread, how many subschemas it has seen, and
/// whether it has said stop (it says so from then on).
struct Watching {
    watch: Watch,
    seen: Cell<u32>,
    halted: Cell<bool>,
}

impl Watching {
    fn stopped(&self) -> bool {
        if self.halted.get() {
            return true;
        }
        let halted = match &self.watch {
            Watch::Worker(abandoned) => abandoned.is_set(),
            Watch::Caller(budget) => {
                let seen = self.seen.get();
                self.seen.set(seen.wrapping_add(1));
                budget.cancel.as_ref().is_some_and(|c| c.is_cancelled())
                    || (seen.is_multiple_of(CLOCK_EVERY) && budget.check().is_err())
            }
        };
        self.halted.set(halted);
        halted
    }
}

thread_local! {
    /// The watch of the validation running on this thread, if any.
    static WATCH: RefCell<Option<Watching>> = const { RefCell::new(None) };
}

fn stopped() -> bool {
    WATCH.with_borrow(|watching| watching.as_ref().is_some_and(Watching::stopped))
}

/// [`STOP_KEYWORD`]'s meaning.
struct Stop;

impl<'i> Keyword<'i> for Stop {
    fn validate(&self, _: &'i Value) -> Result<(), ValidationError<'i>> {
        if stopped() {
            return Err(ValidationError::custom("the validation was stopped"));
        }
        Ok(())
    }

    fn is_valid(&self, _: &'i Value) -> bool {
        !stopped()
    }
}

#[derive(Default)]
struct RefuseAll(Arc<AtomicBool>);

impl Retrieve for RefuseAll {
    fn retrieve(
        &self,
        _uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0.store(true, Ordering::SeqCst);
        Err("external references are refused".into())
    }
}

/// A compiled input schema and what its worst case allows.
pub(crate) struct InputSchema {
    pub validator: Validator,
    cost: Cost,
}

impl InputSchema {
    /// Whether `input_bytes` of input may be parsed and validated on the caller's thread under
    /// [`Watch::Caller`]: what runs there between two looks at the budget (the parse, one
    /// keyword on one value) is short. Else it runs on a budget worker, which the call leaves at
    /// its deadline whatever the validator is doing.
    pub(crate) fn inline(&self, input_bytes: usize) -> bool {
        input_bytes <= CALLER_INPUT && (!self.cost.patterns || input_bytes <= INLINE_PATTERN_INPUT)
    }
}

/// How a schema's draft is chosen (docs/SPEC.md section 2.3). A host's runtime reads every
/// schema by [`Drafts::SPEC`]; only the kit's self-test turns a rule off, to show the corpus
/// notices (the unit test shows what each rule decides).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Drafts {
    /// The draft of a schema without `$schema`.
    pub default: Draft,
    /// A `$schema` naming a known draft is read in that draft.
    pub named_honoured: bool,
    /// A `$schema` naming no known draft is refused.
    pub unknown_refused: bool,
}

impl Drafts {
    /// The rules of section 2.3.
    pub(crate) const SPEC: Drafts = Drafts {
        default: Draft::Draft202012,
        named_honoured: true,
        unknown_refused: true,
    };
}

/// The draft a schema is read in (docs/SPEC.md section 2.3): 2020-12 without `$schema`, else the
/// draft its `$schema` names by meta-schema URI; `None` for any other `$schema`. Decided here,
/// never left to the validator, whose default and whose list of known URIs (the version-less
/// `https://json-schema.org/schema` means its newest draft) change with its version.
fn draft_of(schema: &Value, rules: Drafts) -> Option<Draft> {
    let Some(named) = schema.as_object().and_then(|o| o.get("$schema")) else {
        return Some(rules.default);
    };
    if !rules.named_honoured {
        return Some(rules.default);
    }
    let known = named.as_str().and_then(|uri| {
        let uri = uri.strip_suffix('#').unwrap_or(uri);
        let path = uri
            .strip_prefix("https://json-schema.org/")
            .or_else(|| uri.strip_prefix("http://json-schema.org/"));
        match path {
            Some("draft/2020-12/schema") => Some(Draft::Draft202012),
            Some("draft/2019-09/schema") => Some(Draft::Draft201909),
            Some("draft-07/schema") => Some(Draft::Draft7),
            Some("draft-06/schema") => Some(Draft::Draft6),
            Some("draft-04/schema") => Some(Draft::Draft4),
            _ => None,
        }
    });
    match known {
        None if !rules.unknown_refused => Some(rules.default),
        known => known,
    }
}

/// Compiles a tool's input schema as a host's runtime does.
#[cfg(test)]
pub(crate) fn compile(tool: &str, schema: &Value) -> Result<InputSchema, Error> {
    compile_with(tool, schema, Drafts::SPEC)
}

/// Compiles a tool's input schema, its draft chosen by `drafts`.
pub(crate) fn compile_with(
    tool: &str,
    schema: &Value,
    drafts: Drafts,
) -> Result<InputSchema, Error> {
    let refused = |why: &str| {
        Error::new(
            ErrorCode::ManifestInvalid,
            format!("the input_schema of tool {tool} {why}"),
        )
        .with("tool", tool)
    };
    let cost = schema_bound::analyse(schema).map_err(|r| {
        let e = refused(r.reason());
        if r.is_external() {
            e.with("reason", "external_ref")
        } else {
            e.with("reason", "unbounded")
        }
    })?;
    let draft = draft_of(schema, drafts).ok_or_else(|| {
        refused("names in $schema a JSON Schema draft this runtime does not read")
            .with("reason", "unknown_draft")
    })?;
    let asked = Arc::new(AtomicBool::new(false));
    let mut marked = schema.clone();
    schema_bound::mark_subschemas(&mut marked, STOP_KEYWORD);
    let built = jsonschema::options()
        .with_draft(draft)
        .with_retriever(RefuseAll(asked.clone()))
        .with_pattern_options(PatternOptions::regex().size_limit(PATTERN_SIZE_LIMIT))
        .with_keyword(STOP_KEYWORD, |_, _, _| Ok(Box::new(Stop)))
        .build(&marked);
    let validator = built.map_err(|e| {
        if asked.load(Ordering::SeqCst) {
            refused("refers to an external resource; only references inside the schema are allowed")
                .with("reason", "external_ref")
        } else if matches!(e.kind(), ValidationErrorKind::Format { format } if format == "regex")
        {
            // A `pattern` (or `patternProperties` key) outside the linear-time syntax: look-around,
            // back-references, or no regular expression at all (section 2.3).
            refused("uses a pattern this runtime does not run: look-around and back-references need a backtracking matcher")
                .with("reason", "unbounded")
                .with("cause", e.to_string())
        } else {
            // The compiler's text quotes the schema (package text): it goes to details only,
            // sanitized and bounded there.
            refused("is not a valid JSON Schema").with("cause", e.to_string())
        }
    })?;
    Ok(InputSchema { validator, cost })
}

/// [`check`] under `watch`: it ends early, at the next subschema, once the watch says stop;
/// the error it then returns is never reported (the caller reports its budget's `timeout` or
/// `cancelled`, a worker's result is not read).
pub(crate) fn check_until(validator: &Validator, input: &Value, watch: Watch) -> Result<(), Error> {
    /// Clears this thread's watch on every way out, a panic of the validator included.
    struct Unwatch;
    impl Drop for Unwatch {
        fn drop(&mut self) {
            WATCH.set(None);
        }
    }
    WATCH.set(Some(Watching {
        watch,
        seen: Cell::new(0),
        halted: Cell::new(false),
    }));
    let _unwatch = Unwatch;
    check(validator, input)
}

pub(crate) fn check(validator: &Validator, input: &Value) -> Result<(), Error> {
    // The boolean answer is cheaper (it stops at the first failure and caches $ref results);
    // errors are collected only for an input that fails.
    if validator.is_valid(input) {
        return Ok(());
    }
    if stopped() {
        // The call answers its budget's code instead; this value is dropped unread.
        return Err(Error::new(
            ErrorCode::InputSchemaMismatch,
            "the input validation was stopped",
        ));
    }
    let errors: Vec<_> = validator.iter_errors(input).take(REPORTED_ERRORS).collect();
    let paths: Vec<String> = errors
        .iter()
        .map(|e| e.instance_path().to_string())
        .collect();
    let first = paths.first().map_or("", String::as_str);
    // The validator's text can quote the schema (package text): details only.
    let reason = errors.first().map(ToString::to_string).unwrap_or_default();
    Err(Error::new(
        ErrorCode::InputSchemaMismatch,
        format!("the input does not match the tool's input_schema at '{first}'"),
    )
    .with("paths", paths)
    .with("reason", reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_draft_is_the_runtime_s_choice_never_the_validator_s() {
        let none = Drafts::SPEC;
        assert_eq!(draft_of(&json!({}), none), Some(Draft::Draft202012));
        assert_eq!(draft_of(&json!(true), none), Some(Draft::Draft202012));
        for (uri, draft) in [
            (
                "https://json-schema.org/draft/2020-12/schema",
                Draft::Draft202012,
            ),
            (
                "http://json-schema.org/draft/2019-09/schema#",
                Draft::Draft201909,
            ),
            ("http://json-schema.org/draft-07/schema#", Draft::Draft7),
            ("https://json-schema.org/draft-06/schema", Draft::Draft6),
            ("http://json-schema.org/draft-04/schema#", Draft::Draft4),
        ] {
            assert_eq!(
                draft_of(&json!({"$schema": uri}), none),
                Some(draft),
                "{uri}"
            );
        }
        for named in [
            json!("https://json-schema.org/schema"),
            json!("http://json-schema.org/draft-03/schema#"),
            json!("https://json-schema.org/draft/2020-12/schema/"),
            json!("https://example.com/meta"),
            json!(""),
            json!(7),
        ] {
            assert_eq!(draft_of(&json!({"$schema": named}), none), None, "{named}");
            let e = compile("t", &json!({"$schema": named})).err().unwrap();
            assert_eq!(e.code(), ErrorCode::ManifestInvalid);
            assert_eq!(e.details()["reason"], "unknown_draft", "{named}");
        }
        // Without $schema, 2020-12 meanings: prefixItems applies, an array-valued items is no
        // schema at all.
        let Ok(s) = compile("t", &json!({"prefixItems": [{"type": "string"}]})) else {
            panic!("prefixItems is 2020-12");
        };
        assert!(!s.validator.is_valid(&json!([1])));
        assert!(compile("t", &json!({"items": [{"type": "string"}]})).is_err());
    }

    #[test]
    fn external_refs_are_refused_at_compile() {
        for r in [
            "https://example.com/s.json",
            "file:///etc/passwd",
            "other.json",
        ] {
            let e = compile("t", &json!({"$ref": r})).err().unwrap();
            assert_eq!(e.code(), ErrorCode::ManifestInvalid);
            assert_eq!(
                e.details()["reason"],
                "external_ref",
                "{r}: {}",
                e.message()
            );
        }
        assert!(compile(
            "t",
            &json!({"$defs": {"a": {"type": "string"}}, "$ref": "#/$defs/a"}),
        )
        .is_ok());
    }

    #[test]
    fn mismatch_names_paths() {
        let Ok(InputSchema { validator: v, .. }) = compile(
            "t",
            &json!({"type":"object","properties":{"n":{"type":"integer"}}}),
        ) else {
            panic!("a valid schema")
        };
        check(&v, &json!({"n": 1})).unwrap();
        let e = check(&v, &json!({"n": "x"})).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InputSchemaMismatch);
        assert_eq!(e.details()["paths"], json!(["/n"]));
    }

    #[test]
    fn backtracking_patterns_are_refused_and_plain_ones_run() {
        for p in [
            "^(a+)+\\1$",
            "^(?!a)b",
            "(?<=a)b",
            "^(\\w+\\s?)+(?=x)$",
            "^(?=.*\\d)[a-z\\d]+$",
        ] {
            let r = compile("t", &json!({"type": "string", "pattern": p}));
            assert!(
                r.as_ref()
                    .is_err_and(|e| e.code() == ErrorCode::ManifestInvalid
                        && e.details()["reason"] == "unbounded"),
                "{p} was accepted, or refused without reason unbounded"
            );
        }
        // In `patternProperties` keys too.
        let keyed = compile("t", &json!({"patternProperties": {"(?<=a)b": {}}}));
        assert!(keyed.is_err_and(|e| e.details()["reason"] == "unbounded"));
        let Ok(s) = compile("t", &json!({"type": "string", "pattern": "^(a+)+$"})) else {
            panic!("a linear pattern")
        };
        let long = format!("{}!", "a".repeat(60_000));
        assert!(!s.validator.is_valid(&json!(long)));
    }

    #[test]
    fn messages_do_not_quote_the_schema() {
        let e = compile("t", &json!({"type": "SCHEMA-TEXT"})).err().unwrap();
        assert!(!e.message().contains("SCHEMA-TEXT"), "{}", e.message());
    }

    /// 1022 subschemas per item, 256 of them an `enum` of 1025 values that 0 matches last: about
    /// 30 s of validation for 32767 items in an optimised build, within section 2.3's bound.
    fn slow_schema() -> Value {
        let mut defs = serde_json::Map::new();
        for level in 0..8 {
            let next = format!("#/$defs/d{}", level + 1);
            defs.insert(
                format!("d{level}"),
                json!({"allOf": [{"$ref": next}, {"$ref": next}]}),
            );
        }
        let mut values: Vec<Value> = (0..1024).map(|i| json!(format!("s{i}"))).collect();
        values.push(json!(0));
        defs.insert("d8".into(), json!({ "enum": values }));
        json!({"type": "array", "items": {"$ref": "#/$defs/d0"}, "$defs": defs})
    }

    #[test]
    fn an_abandoned_validation_ends_at_its_next_subschema() {
        let schema = Arc::new(compile("t", &slow_schema()).unwrap());
        let input = Value::Array(vec![json!(0); 32767]);
        let budget = crate::call::budget::Budget::start(std::time::Duration::from_millis(20), None);
        let (tx, rx) = std::sync::mpsc::channel();
        let started = std::time::Instant::now();
        let worker = Arc::clone(&schema);
        let waited = budget.run(move |abandoned| {
            let checked = check_until(&worker.validator, &input, Watch::Worker(abandoned));
            let _ = tx.send((checked.is_ok(), std::time::Instant::now()));
        });
        assert_eq!(waited, Err(crate::call::budget::Over::Timeout));
        let (valid, ended) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the abandoned validation ran on");
        assert!(!valid, "an abandoned validation reports nothing valid");
        assert!(
            ended.duration_since(started) < std::time::Duration::from_secs(5),
            "the validation ended {:?} after it started",
            ended.duration_since(started)
        );
    }

    /// On the caller's thread the watch is the call's budget: the validation that would take
    /// about 30 s ends soon after a 20 ms deadline, and soon after a cancel, and nothing of it
    /// runs on (it ran on this thread).
    #[test]
    fn a_validation_on_the_caller_s_thread_ends_at_the_deadline_and_at_a_cancel() {
        use crate::call::budget::Budget;
        use std::time::{Duration, Instant};
        let schema = compile("t", &slow_schema()).unwrap();
        let input = Value::Array(vec![json!(0); 32767]);
        let budget = Budget::start(Duration::from_millis(20), None);
        let started = Instant::now();
        let checked = check_until(&schema.validator, &input, Watch::Caller(budget.clone()));
        let took = started.elapsed();
        assert!(
            checked.is_err(),
            "a stopped validation reports nothing valid"
        );
        assert!(
            budget.check().is_err(),
            "it stopped because the deadline passed"
        );
        // The bound leaves room for an unoptimised build on a loaded machine; the validation
        // itself takes seconds there.
        assert!(
            took < Duration::from_secs(2),
            "ended {took:?} after it started"
        );

        let cancel = crate::call::CancelToken::new();
        let budget = Budget::start(Duration::from_secs(60), Some(cancel.clone()));
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            cancel.cancel();
        });
        let started = Instant::now();
        let checked = check_until(&schema.validator, &input, Watch::Caller(budget));
        let took = started.elapsed();
        canceller.join().unwrap();
        assert!(checked.is_err());
        assert!(
            took < Duration::from_secs(2),
            "ended {took:?} after it started"
        );
        // The watch is this call's only: a validation after it runs unwatched to its answer.
        assert!(check(&schema.validator, &json!([0, 0])).is_ok());
    }

    #[test]
    fn the_stop_keyword_changes_no_verdict() {
        let schema = compile("t", &slow_schema()).unwrap();
        assert!(check(&schema.validator, &json!([0, 0])).is_ok());
        assert!(check(&schema.validator, &json!([0, 1])).is_err());
        let worker = Watch::Worker(Abandoned::default());
        assert!(check_until(&schema.validator, &json!([0, 0]), worker).is_ok());
        let caller = Watch::Caller(Budget::start(std::time::Duration::from_secs(60), None));
        assert!(check_until(&schema.validator, &json!([0, 0]), caller).is_ok());
        let caller = Watch::Caller(Budget::start(std::time::Duration::from_secs(60), None));
        assert!(check_until(&schema.validator, &json!([0, 1]), caller).is_err());
        // A schema using the keyword's name itself: the name gets the stop meaning, nothing else.
        let own = compile("t", &json!({"$toolcage-stop": false, "const": {"a": {}}})).unwrap();
        assert!(check(&own.validator, &json!({"a": {}})).is_ok());
        assert!(check(&own.validator, &json!({"a": {"$toolcage-stop": true}})).is_err());
    }
}
