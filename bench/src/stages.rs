//! Where a warm echo call's time goes, measured from outside the runtime: each stage of
//! `Plugin::call` done directly with the library the runtime uses for it, on the same 1 KiB
//! input and output, timed on its own in the same interleaved rounds as the call itself.
//! Together with the instruction profile in BENCHMARKS.md (callgrind on `--loop echo1`) this
//! says which host work the call adds to the engine's own.
//!
//! The stages mirror `runtime/src/runtime/call.rs` in order; they are re-enactments (the runtime
//! keeps its internals private), so their sum is an estimate, read beside the measured call.

use crate::floor::{self, PoolTuning};
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What each stage works on, built once.
pub struct Stages {
    input: String,
    validator: jsonschema::Validator,
    ticker: Arc<(Mutex<usize>, Condvar)>,
    running: AtomicUsize,
    tuned: floor::Floor,
    armed: floor::Armed,
}

/// The stages in call order: id, what the row says, the workload.
pub type Stage<'a> = (&'static str, &'static str, Box<dyn Fn() + 'a>);

/// The keyword the runtime marks into every subschema (`runtime/src/schema.rs`), with the same
/// thread-local look-up on every application.
const STOP_KEYWORD: &str = "$toolcage-stop";

thread_local! {
    static ABANDONED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct Stop;

impl<'i> jsonschema::Keyword<'i> for Stop {
    fn validate(&self, _: &'i Value) -> Result<(), jsonschema::ValidationError<'i>> {
        if ABANDONED.get() {
            return Err(jsonschema::ValidationError::custom("abandoned"));
        }
        Ok(())
    }

    fn is_valid(&self, _: &'i Value) -> bool {
        !ABANDONED.get()
    }
}

/// The runtime's two-pass output reading: syntax (and nesting) as a `Value`, then the shape as
/// a map, key by key.
struct Shape;

impl<'de> Visitor<'de> for Shape {
    type Value = (Option<Value>, Option<Value>);

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut summary, mut content) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "summary" => summary = Some(map.next_value()?),
                "content" => content = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((summary, content))
    }
}

impl Stages {
    pub fn new(echo_wasm: &[u8], input: &str) -> Stages {
        let schema = serde_json::json!({"type": "object", STOP_KEYWORD: true});
        let validator = jsonschema::options()
            .with_keyword(STOP_KEYWORD, |_, _, _| Ok(Box::new(Stop)))
            .build(&schema)
            .expect("the echo tool's schema");
        Stages {
            input: input.to_owned(),
            validator,
            ticker: Arc::default(),
            running: AtomicUsize::new(0),
            tuned: floor::Floor::tuned(echo_wasm, PoolTuning::RUNTIME).expect("tuned floor"),
            armed: floor::Armed::new(echo_wasm).expect("armed floor"),
        }
    }

    /// Every stage, each checked once to do its work before it is timed.
    pub fn all(&self) -> Vec<Stage<'_>> {
        let input = self.input.as_str();
        let value: Value = serde_json::from_str(input).expect("input");
        assert!(self.validator.is_valid(&value));
        assert_eq!(self.armed.call(input.as_bytes()), input.as_bytes());
        vec![
            (
                "stage_budget",
                "budget: clock read for the deadline, one more for the check after validation",
                Box::new(move || {
                    let deadline = Instant::now() + Duration::from_secs(30);
                    std::hint::black_box(Instant::now() >= deadline);
                }),
            ),
            (
                "stage_ticker",
                "ticker: mark a call running (lock, count, wake) and done (lock, count)",
                Box::new(move || {
                    let (state, wake) = &*self.ticker;
                    let held = self.ticker.clone();
                    {
                        let mut running = state.lock().expect("lock");
                        *running += 1;
                        if *running == 1 {
                            wake.notify_all();
                        }
                    }
                    *held.0.lock().expect("lock") -= 1;
                }),
            ),
            (
                "stage_ticker_atomic",
                "ticker, as changed: count the call in an atomic; lock only as the first to run",
                Box::new(move || {
                    if self.running.fetch_add(1, Ordering::SeqCst) == 0 {
                        // The ticker is not idle here: no wake.
                        drop(self.ticker.0.lock().expect("lock"));
                    }
                    self.running.fetch_sub(1, Ordering::SeqCst);
                }),
            ),
            (
                "stage_input_parse",
                "input parse: serde_json, 1 KiB to a Value",
                Box::new(move || drop(std::hint::black_box(serde_json::from_str::<Value>(input)))),
            ),
            (
                "stage_schema",
                "schema validation: jsonschema is_valid, the echo tool's schema",
                Box::new(move || {
                    std::hint::black_box(self.validator.is_valid(&value));
                }),
            ),
            (
                "stage_state",
                "host state: the input copied into the store's state",
                Box::new(move || drop(std::hint::black_box(input.as_bytes().to_vec()))),
            ),
            (
                "stage_floor",
                "engine: bare wasmtime, the runtime's pool (the tuned floor)",
                Box::new(move || drop(self.tuned.call(input.as_bytes()))),
            ),
            (
                "stage_armed",
                "engine + sandbox set-up: the tuned floor with epochs, limiter, deadline callback",
                Box::new(move || drop(self.armed.call(input.as_bytes()))),
            ),
            (
                "stage_output_parse",
                "output parse: serde_json twice (a Value, then the shape key by key)",
                Box::new(move || {
                    let syntax = serde_json::from_str::<Value>(input);
                    let shape = serde_json::Deserializer::from_str(input).deserialize_map(Shape);
                    std::hint::black_box((syntax.is_ok(), shape.is_ok()));
                }),
            ),
            (
                "stage_output_one_pass",
                "output parse, as changed: the shape pass alone, with the end checked",
                Box::new(move || {
                    let mut de = serde_json::Deserializer::from_str(input);
                    let shape = de.deserialize_map(Shape);
                    std::hint::black_box((shape.is_ok(), de.end().is_ok()));
                }),
            ),
            (
                "stage_outcome",
                "outcome: the host-call counts as two maps of import names",
                Box::new(move || {
                    let counts = [("input_len", 1u64), ("input_read", 1), ("output_write", 1)];
                    let calls: BTreeMap<String, u64> =
                        counts.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
                    let failures = BTreeMap::<String, u64>::new();
                    std::hint::black_box((calls, failures));
                }),
            ),
        ]
    }
}

/// `work` the way the runtime ran every validation too long for the caller's thread before the
/// change of issue 22 (`Budget::run`): a named thread spawned for it, its value sent over a
/// one-slot channel, the caller waiting on it in slices of 1 ms. The wide-input row re-enacts
/// that way beside the call as it is now.
pub fn on_worker<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("toolcage-budget".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .expect("a worker thread");
    loop {
        match rx.recv_timeout(Duration::from_millis(1)) {
            Ok(value) => return value,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => panic!("the worker ended without its value: {e}"),
        }
    }
}
