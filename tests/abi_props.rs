//! Property tests of the guest ABI's pointer/length bounds: every import that takes a range, the
//! input, output and summary caps and memory growth, driven at and around their edges and
//! compared with a small model of the spec written here, independently of the runtime.
//!
//! Each case bakes its constants into a fresh guest that calls the import and then proves what
//! happened in its own output (the import's return value, a hash of its whole memory), so the
//! model is checked against what the guest saw, not only against host-side counters.

mod common;

use common::package;
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, TestCaseError};
use std::sync::OnceLock;
// The runtime under test is `crate::rt`: here, where this file is the crate root, the runtime as
// hosts build it; tests/abi_props_mutants.rs includes this file as a module and points `rt` at
// the mutant build, to show that the properties catch the bugs they are about.
use crate::rt::{CallOptions, CallOutcome, Config, ErrorCode, Limits, Runtime, ToolOutput};
#[allow(unused_imports)]
use toolcage_runtime as rt;

pub(crate) type Checked = Result<(), TestCaseError>;

const PAGE: i64 = 65536;
const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 16_777_619;

/// One runtime for every case, as a host would have: identical modules hit its memory cache.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new(Config::default()).expect("runtime"))
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/abi_props.txt"
        )))),
        ..ProptestConfig::default()
    }
}

/// Builds a package around `wat` declaring `tool`, loads it pinned, and calls it once.
fn call(rt: &Runtime, wat: &str, tool: &str, input: &str, limits: Limits) -> CallOutcome {
    let pkg = package(wat, &[tool]);
    // Through its text: the fixture's digest is the host build's type.
    let pin = pkg.digest.to_string().parse().expect("a digest");
    let plugin = rt.load(pkg.path(), Some(&pin)).expect("the guest loads");
    let options = CallOptions {
        limits: Some(limits),
        cancel: None,
    };
    plugin.call(tool, input, &options)
}

fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(FNV_OFFSET, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(FNV_PRIME)
    })
}

/// The spec's range rule: `ptr` unsigned, `len` not negative, the end computed without wrapping.
fn in_bounds(mem: i64, ptr: i32, len: i32) -> bool {
    len >= 0 && i64::from(ptr as u32) + i64::from(len) <= mem
}

/// Values at, just around, and far from the given edges; edges are taken modulo 2^32 so that
/// "2^32 - n" (a pointer whose end wraps) can be written as such.
fn near(edges: Vec<i64>) -> BoxedStrategy<i32> {
    let around = edges.clone();
    prop_oneof![
        4 => proptest::sample::select(edges).prop_map(|e| e as i32),
        4 => (proptest::sample::select(around), -3i64..=3).prop_map(|(e, d)| (e + d) as i32),
        2 => any::<i32>(),
    ]
    .boxed()
}

/// The guest helpers every generated module shares: `$put` writes `$v` as unsigned decimal at
/// `$p` and returns the end; `$fnv` hashes `[start, end)` of memory (FNV-1a, 32 bits).
const HELPERS: &str = r#"
  (func $put (param $p i32) (param $v i32) (result i32)
    (local $d i32) (local $t i32)
    (local.set $d (i32.const 1))
    (local.set $t (local.get $v))
    (block $b (loop $l
      (br_if $b (i32.lt_u (local.get $t) (i32.const 10)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br $l)))
    (local.set $t (i32.add (local.get $p) (local.get $d)))
    (loop $w
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t)
        (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $w (i32.gt_u (local.get $t) (local.get $p))))
    (i32.add (local.get $p) (local.get $d)))
  (func $fnv (param $i i32) (param $end i32) (result i32)
    (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $i)))
        (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $h))
"#;

/// Guest code that stores `text` at `$p` and advances `$p` past it.
fn emit(text: &str) -> String {
    let mut code: String = text
        .bytes()
        .enumerate()
        .map(|(k, b)| format!("(i32.store8 offset={k} (local.get $p) (i32.const {b}))\n"))
        .collect();
    code.push_str(&format!(
        "(local.set $p (i32.add (local.get $p) (i32.const {})))\n",
        text.len()
    ));
    code
}

fn expect_ok<'a>(outcome: &'a CallOutcome, context: &str) -> Result<&'a ToolOutput, TestCaseError> {
    match &outcome.result {
        Ok(output) => Ok(output),
        Err(e) => Err(TestCaseError::fail(format!(
            "{context}: expected output, got {}: {}",
            e.code().as_str(),
            e.message()
        ))),
    }
}

fn expect_code(outcome: &CallOutcome, code: ErrorCode, context: &str) -> Checked {
    match &outcome.result {
        Ok(output) => Err(TestCaseError::fail(format!(
            "{context}: expected {}, got output {output:?}",
            code.as_str()
        ))),
        Err(e) if e.code() == code => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!(
            "{context}: expected {}, got {}: {}",
            code.as_str(),
            e.code().as_str(),
            e.message()
        ))),
    }
}

fn count(map: &std::collections::BTreeMap<String, u64>, name: &str) -> u64 {
    map.get(name).copied().unwrap_or(0)
}

// --- tool_name_read and input_read ------------------------------------------------------------

/// Reads with (`ptr`, `len`) into a zeroed memory of `pages`, then reports the return value
/// and a hash of the whole memory as the summary.
fn read_guest(import: &str, pages: i64, ptr: i32, len: i32) -> String {
    let mem = pages * PAGE;
    format!(
        r#"(module
  (import "yoi:tool" "{import}" (func $read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") {pages})
  {HELPERS}
  (func (export "yoi_tool_call")
    (local $r i32) (local $h i32) (local $p i32)
    (local.set $r (call $read (i32.const {ptr}) (i32.const {len})))
    (local.set $h (call $fnv (i32.const 0) (i32.const {mem})))
    {open}
    (local.set $p (call $put (local.get $p) (local.get $r)))
    {mid}
    (local.set $p (call $put (local.get $p) (local.get $h)))
    {close}
    (drop (call $w (i32.const 0) (local.get $p)))))"#,
        open = emit(r#"{"summary":"r="#),
        mid = emit(" h="),
        close = emit(r#""}"#),
    )
}

/// ABI-01: the guest must see the model's return value and the model's memory image.
fn check_read(
    rt: &Runtime,
    import: &str,
    pages: i64,
    ptr: i32,
    len: i32,
    tool: &str,
    input: &str,
) -> Checked {
    let buffer = if import == "tool_name_read" {
        tool.as_bytes()
    } else {
        input.as_bytes()
    };
    let mem = pages * PAGE;
    let context = format!(
        "{import}(ptr={ptr}, len={len}), buffer {}, memory {mem}",
        buffer.len()
    );
    let outcome = call(
        rt,
        &read_guest(import, pages, ptr, len),
        tool,
        input,
        Limits::default(),
    );

    let copies = i64::from(len) == buffer.len() as i64 && in_bounds(mem, ptr, len);
    let mut image = vec![0u8; mem as usize];
    let returned = if copies {
        let start = ptr as u32 as usize;
        image[start..start + buffer.len()].copy_from_slice(buffer);
        len
    } else {
        -1
    };
    let summary = format!("r={} h={}", returned as u32, fnv(&image));
    let output = expect_ok(&outcome, &context)?;
    prop_assert_eq!(&output.summary, &summary, "{}", context);
    prop_assert_eq!(count(&outcome.host_calls.calls, import), 1, "{}", context);
    prop_assert_eq!(
        count(&outcome.host_calls.failures, import),
        u64::from(!copies),
        "{}",
        context
    );
    Ok(())
}

fn read_edges(mem: i64, n: i64) -> (BoxedStrategy<i32>, BoxedStrategy<i32>) {
    let two32 = 1i64 << 32;
    let ptr = near(vec![
        0,
        1,
        n,
        mem - n,
        mem - n + 1,
        mem - 1,
        mem,
        mem + 1,
        two32 - n,
        two32 - 1,
        i32::MAX as i64,
        1 << 31,
    ]);
    let len = prop_oneof![
        3 => Just(n as i32),
        7 => near(vec![0, n, n - 1, n + 1, mem, mem - 1, -1, two32 - n, i32::MAX as i64, 1 << 31]),
    ]
    .boxed();
    (ptr, len)
}

/// (pages, tool name length, ptr, len)
type ReadCase = (i64, usize, i32, i32);

pub(crate) fn tool_name_cases() -> BoxedStrategy<ReadCase> {
    (1i64..=3, 1usize..=64)
        .prop_flat_map(|(pages, n)| {
            let (ptr, len) = read_edges(pages * PAGE, n as i64);
            (Just(pages), Just(n), ptr, len)
        })
        .boxed()
}

pub(crate) fn tool_name_read_prop(rt: &Runtime, (pages, n, ptr, len): ReadCase) -> Checked {
    let tool: String = std::iter::once('t')
        .chain("abcdefghij_-0123456789".chars().cycle())
        .take(n)
        .collect();
    check_read(rt, "tool_name_read", pages, ptr, len, &tool, "{}")
}

pub(crate) fn input_cases() -> BoxedStrategy<ReadCase> {
    (
        1i64..=3,
        prop_oneof![Just(2usize), 10usize..=400, 65528usize..=65536],
    )
        .prop_flat_map(|(pages, n)| {
            let (ptr, len) = read_edges(pages * PAGE, n as i64);
            (Just(pages), Just(n), ptr, len)
        })
        .boxed()
}

pub(crate) fn input_read_prop(rt: &Runtime, (pages, n, ptr, len): ReadCase) -> Checked {
    check_read(rt, "input_read", pages, ptr, len, "run", &json_of_size(n))
}

/// A JSON object of exactly `size` bytes (at least 10, or exactly 2).
fn json_of_size(size: usize) -> String {
    if size == 2 {
        return "{}".to_string();
    }
    assert!(size >= 10, "no padded object of {size} bytes");
    format!(r#"{{"pad":"{}"}}"#, "a".repeat(size - 10))
}

// --- output_write -----------------------------------------------------------------------------

/// The output a guest writes after a failed write (and two more failed writes, one of each
/// kind, which must not replace the first failure): valid, 15 bytes (within every cap tried),
/// and it must not rescue the call.
const LATE: &str = r#"{"summary":"l"}"#;
/// What the guest stores at `ptr` when 15 bytes fit there; the rest of memory is spaces, so a
/// successful write of 15 bytes or more is this JSON followed by whitespace.
const AT_PTR: &str = r#"{"summary":"w"}"#;

fn output_guest(pages: i64, cap: i64, ptr: i32, len: i32) -> String {
    let mem = pages * PAGE;
    let template: String = AT_PTR
        .bytes()
        .enumerate()
        .map(|(k, b)| format!("(i32.store8 offset={k} (i32.const {ptr}) (i32.const {b}))\n"))
        .collect();
    format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") {pages})
  (func (export "yoi_tool_call")
    (local $r i32) (local $p i32)
    (memory.fill (i32.const 0) (i32.const 32) (i32.const {mem}))
    (if (i64.le_u (i64.add (i64.extend_i32_u (i32.const {ptr})) (i64.const {at})) (i64.const {mem}))
      (then {template}))
    (local.set $r (call $w (i32.const {ptr}) (i32.const {len})))
    (if (i32.eq (local.get $r) (i32.const {len})) (then (return)))
    (if (i32.ne (local.get $r) (i32.const -1)) (then (unreachable)))
    (drop (call $w (i32.const 0) (i32.const -1)))
    (drop (call $w (i32.const 0) (i32.const {over})))
    {late}
    (drop (call $w (i32.const 0) (local.get $p)))))"#,
        at = AT_PTR.len(),
        over = cap + 1,
        late = emit(LATE),
    )
}

/// (pages, output cap, ptr, len)
type WriteCase = (i64, i64, i32, i32);

pub(crate) fn output_cases() -> BoxedStrategy<WriteCase> {
    let caps = vec![15i64, 64, 1024, 65535, 65536, 65537, 131072, 200000];
    (1i64..=2, proptest::sample::select(caps))
        .prop_flat_map(|(pages, cap)| {
            let mem = pages * PAGE;
            let two32 = 1i64 << 32;
            let at = AT_PTR.len() as i64;
            let ptr = near(vec![
                0,
                1,
                mem - cap,
                mem - at,
                mem - 1,
                mem,
                mem + 1,
                two32 - 1,
                two32 - at,
                i32::MAX as i64,
                1 << 31,
            ]);
            let len = near(vec![
                0,
                at - 1,
                at,
                cap - 1,
                cap,
                cap + 1,
                mem - 1,
                mem,
                mem + 1,
                -1,
                two32 - at,
                i32::MAX as i64,
                1 << 31,
            ]);
            (Just(pages), Just(cap), ptr, len)
        })
        .boxed()
}

/// ABI-02, OUT-01, OUT-02: a write fails with abi_violation (negative or out of memory,
/// wrap-around included) or output_too_large (over the cap, checked first) and returns -1; the
/// call fails with that first failure's code, whatever fails or succeeds after it; any other
/// write succeeds and is the output.
pub(crate) fn output_write_prop(rt: &Runtime, (pages, cap, ptr, len): WriteCase) -> Checked {
    let mem = pages * PAGE;
    let context = format!("output_write(ptr={ptr}, len={len}), cap {cap}, memory {mem}");
    let limits = Limits {
        output_bytes: cap as usize,
        ..Limits::default()
    };
    let outcome = call(rt, &output_guest(pages, cap, ptr, len), "run", "{}", limits);

    let failure = if len < 0 {
        Some(ErrorCode::AbiViolation)
    } else if i64::from(len) > cap {
        Some(ErrorCode::OutputTooLarge)
    } else if !in_bounds(mem, ptr, len) {
        Some(ErrorCode::AbiViolation)
    } else {
        None
    };
    let returned = if failure.is_some() { -1 } else { len };
    // The guest writes again (two failing writes, then a valid one) only when it saw -1 for a
    // write that was not of length -1.
    let (writes, failures) = if returned == len {
        (1, u64::from(failure.is_some()))
    } else {
        (4, 3)
    };
    match failure {
        Some(code) => expect_code(&outcome, code, &context)?,
        None if len as usize >= AT_PTR.len() => {
            let output = expect_ok(&outcome, &context)?;
            prop_assert_eq!(output.summary.as_str(), "w", "{}", context);
            prop_assert_eq!(output.content.as_deref(), None, "{}", context);
        }
        None => expect_code(&outcome, ErrorCode::OutputMalformed, &context)?,
    }
    prop_assert_eq!(
        count(&outcome.host_calls.calls, "output_write"),
        writes,
        "{}",
        context
    );
    prop_assert_eq!(
        count(&outcome.host_calls.failures, "output_write"),
        failures,
        "{}",
        context
    );
    Ok(())
}

// --- diagnostic_write -------------------------------------------------------------------------

/// The byte the diagnostics guest stores at address `i`: where a write came from is visible in
/// what the sink received.
fn pattern(i: usize) -> u8 {
    b'a' + (i % 26) as u8
}

fn diagnostic_guest(pages: i64, ptr: i32, len: i32) -> String {
    let mem = pages * PAGE;
    format!(
        r#"(module
  (import "yoi:tool" "diagnostic_write" (func $d (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") {pages})
  {HELPERS}
  (func (export "yoi_tool_call")
    (local $i i32) (local $r i32) (local $p i32)
    (block $b (loop $l
      (br_if $b (i32.ge_u (local.get $i) (i32.const {mem})))
      (i32.store8 (local.get $i) (i32.add (i32.const 97) (i32.rem_u (local.get $i) (i32.const 26))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.set $r (call $d (i32.const {ptr}) (i32.const {len})))
    {open}
    (local.set $p (call $put (local.get $p) (local.get $r)))
    {close}
    (drop (call $w (i32.const 0) (local.get $p)))))"#,
        open = emit(r#"{"summary":"r="#),
        close = emit(r#""}"#),
    )
}

/// (pages, diagnostics cap, ptr, len)
type DiagnosticCase = (i64, i64, i32, i32);

pub(crate) fn diagnostic_cases() -> BoxedStrategy<DiagnosticCase> {
    (
        1i64..=2,
        proptest::sample::select(vec![1i64, 16, 4096, 5000]),
    )
        .prop_flat_map(|(pages, cap)| {
            let mem = pages * PAGE;
            let two32 = 1i64 << 32;
            let ptr = near(vec![
                0,
                1,
                mem - cap,
                mem - 1,
                mem,
                mem + 1,
                two32 - 1,
                two32 - 16,
                i32::MAX as i64,
                1 << 31,
            ]);
            let len = near(vec![
                0,
                1,
                cap - 1,
                cap,
                cap + 1,
                mem - 1,
                mem,
                mem + 1,
                -1,
                two32 - 16,
                i32::MAX as i64,
                1 << 31,
            ]);
            (Just(pages), Just(cap), ptr, len)
        })
        .boxed()
}

/// ABI-03, RES-03, RES-04: a bad range returns -1, adds nothing and does not fail the call; a
/// good one hands exactly those bytes to the sink (never to the result), cut at the cap with
/// the truncation marker.
pub(crate) fn diagnostic_write_prop(
    rt: &Runtime,
    (pages, cap, ptr, len): DiagnosticCase,
) -> Checked {
    let mem = pages * PAGE;
    let context = format!("diagnostic_write(ptr={ptr}, len={len}), cap {cap}, memory {mem}");
    let limits = Limits {
        diagnostic_bytes: cap as usize,
        ..Limits::default()
    };
    let outcome = call(rt, &diagnostic_guest(pages, ptr, len), "run", "{}", limits);

    let ok = in_bounds(mem, ptr, len);
    let returned = if ok { len } else { -1 };
    let diagnostics = (ok && len > 0).then(|| {
        let start = ptr as u32 as usize;
        let kept = (len as usize).min(cap as usize);
        let mut text: String = (start..start + kept).map(|i| pattern(i) as char).collect();
        if len as usize > kept {
            text.push_str(&format!("\n[truncated {} bytes]", len as usize - kept));
        }
        text
    });
    let output = expect_ok(&outcome, &context)?;
    prop_assert_eq!(
        &output.summary,
        &format!("r={}", returned as u32),
        "{}",
        context
    );
    prop_assert_eq!(output.content.as_deref(), None, "{}", context);
    prop_assert_eq!(&outcome.diagnostics, &diagnostics, "{}", context);
    prop_assert_eq!(
        count(&outcome.host_calls.calls, "diagnostic_write"),
        1,
        "{}",
        context
    );
    prop_assert_eq!(
        count(&outcome.host_calls.failures, "diagnostic_write"),
        u64::from(!ok),
        "{}",
        context
    );
    Ok(())
}

// --- sizes around the caps --------------------------------------------------------------------

/// Reads the whole input into memory and reports its length, the read's return value and a
/// hash of the bytes it received.
fn input_guest() -> String {
    format!(
        r#"(module
  (import "yoi:tool" "input_len" (func $len (result i32)))
  (import "yoi:tool" "input_read" (func $read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  {HELPERS}
  (func (export "yoi_tool_call")
    (local $n i32) (local $r i32) (local $h i32) (local $p i32)
    (local.set $n (call $len))
    (local.set $r (call $read (i32.const 0) (local.get $n)))
    (local.set $h (call $fnv (i32.const 0) (local.get $n)))
    (local.set $p (local.get $n))
    {open}
    (local.set $p (call $put (local.get $p) (local.get $n)))
    {mid1}
    (local.set $p (call $put (local.get $p) (local.get $r)))
    {mid2}
    (local.set $p (call $put (local.get $p) (local.get $h)))
    {close}
    (drop (call $w (local.get $n) (i32.sub (local.get $p) (local.get $n))))))"#,
        open = emit(r#"{"summary":"n="#),
        mid1 = emit(" r="),
        mid2 = emit(" h="),
        close = emit(r#""}"#),
    )
}

/// (cap, size)
type SizeCase = (usize, usize);

fn around(caps: Vec<usize>, delta: i64) -> BoxedStrategy<SizeCase> {
    (proptest::sample::select(caps), -delta..=delta)
        .prop_map(|(cap, d)| (cap, (cap as i64 + d).max(0) as usize))
        .boxed()
}

pub(crate) fn input_size_cases() -> BoxedStrategy<SizeCase> {
    around(vec![13, 100, 4096, 65536], 3)
}

/// IN-01, IN-06: an input of up to input_bytes reaches the guest whole and unchanged; one byte
/// more fails with input_too_large before the guest runs.
pub(crate) fn input_size_prop(rt: &Runtime, (cap, size): SizeCase) -> Checked {
    let context = format!("input of {size} bytes, cap {cap}");
    let input = json_of_size(size);
    let limits = Limits {
        input_bytes: cap,
        ..Limits::default()
    };
    let outcome = call(rt, &input_guest(), "run", &input, limits);
    if size > cap {
        expect_code(&outcome, ErrorCode::InputTooLarge, &context)?;
        prop_assert!(
            outcome.host_calls.calls.is_empty(),
            "{}: the guest ran",
            context
        );
    } else {
        let summary = format!("n={size} r={size} h={}", fnv(input.as_bytes()));
        prop_assert_eq!(
            &expect_ok(&outcome, &context)?.summary,
            &summary,
            "{}",
            context
        );
    }
    Ok(())
}

/// Writes `{"summary":"x","content":"yyy…"}` of exactly `size` bytes (28 or more).
fn sized_output_guest(size: usize) -> String {
    let prefix = r#"{"summary":"x","content":""#;
    let fill = size - prefix.len() - 2;
    format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "yoi_tool_call")
    (local $p i32)
    {open}
    (memory.fill (local.get $p) (i32.const 121) (i32.const {fill}))
    (local.set $p (i32.add (local.get $p) (i32.const {fill})))
    {close}
    (drop (call $w (i32.const 0) (local.get $p)))))"#,
        open = emit(prefix),
        close = emit(r#""}"#),
    )
}

pub(crate) fn output_size_cases() -> BoxedStrategy<SizeCase> {
    around(vec![31, 100, 1024, 65536], 3)
}

/// OUT-01: an output of exactly output_bytes is accepted whole; one byte more fails with
/// output_too_large.
pub(crate) fn output_size_prop(rt: &Runtime, (cap, size): SizeCase) -> Checked {
    let context = format!("output of {size} bytes, cap {cap}");
    let limits = Limits {
        output_bytes: cap,
        ..Limits::default()
    };
    let outcome = call(rt, &sized_output_guest(size), "run", "{}", limits);
    if size > cap {
        expect_code(&outcome, ErrorCode::OutputTooLarge, &context)?;
        prop_assert_eq!(
            count(&outcome.host_calls.failures, "output_write"),
            1,
            "{}",
            context
        );
    } else {
        let output = expect_ok(&outcome, &context)?;
        prop_assert_eq!(output.summary.as_str(), "x", "{}", context);
        prop_assert_eq!(&output.content, &Some("y".repeat(size - 28)), "{}", context);
    }
    Ok(())
}

fn summary_size_cases() -> BoxedStrategy<SizeCase> {
    around(vec![1, 16, 1024, 4096], 2)
}

/// OUT-06: a summary of 1 to summary_bytes bytes (counted in bytes: 'é' is two) is accepted;
/// an empty or longer one fails with output_schema_mismatch.
fn summary_size_prop(rt: &Runtime, (cap, bytes): SizeCase) -> Checked {
    let context = format!("summary of {bytes} bytes, cap {cap}");
    let mut summary = "é".repeat(bytes / 2);
    if bytes % 2 == 1 {
        summary.push('x');
    }
    let text = format!(r#"{{"summary":"{summary}"}}"#);
    let limits = Limits {
        summary_bytes: cap,
        ..Limits::default()
    };
    let outcome = call(rt, &common::constant(&text), "run", "{}", limits);
    if bytes == 0 || bytes > cap {
        expect_code(&outcome, ErrorCode::OutputSchemaMismatch, &context)?;
    } else {
        prop_assert_eq!(
            &expect_ok(&outcome, &context)?.summary,
            &summary,
            "{}",
            context
        );
    }
    Ok(())
}

// --- memory growth around the memory cap ------------------------------------------------------

/// Starts with `initial` pages, grows by `delta`, touches the last byte of the grown memory and
/// reports what `memory.grow` returned and the final size in pages.
fn grow_guest(initial: i64, delta: i32) -> String {
    format!(
        r#"(module
  (import "yoi:tool" "output_write" (func $w (param i32 i32) (result i32)))
  (memory (export "memory") {initial})
  {HELPERS}
  (func (export "yoi_tool_call")
    (local $r i32) (local $s i32) (local $last i32) (local $p i32)
    (local.set $r (memory.grow (i32.const {delta})))
    (local.set $s (memory.size))
    (local.set $last (i32.sub (i32.mul (local.get $s) (i32.const 65536)) (i32.const 1)))
    (i32.store8 (local.get $last) (i32.const 42))
    (if (i32.ne (i32.load8_u (local.get $last)) (i32.const 42)) (then (unreachable)))
    {open}
    (local.set $p (call $put (local.get $p) (local.get $r)))
    {mid}
    (local.set $p (call $put (local.get $p) (local.get $s)))
    {close}
    (drop (call $w (i32.const 0) (local.get $p)))))"#,
        open = emit(r#"{"summary":"r="#),
        mid = emit(" s="),
        close = emit(r#""}"#),
    )
}

/// (memory cap in bytes, initial pages, pages to grow by)
type GrowCase = (i64, i64, i32);

pub(crate) fn grow_cases() -> BoxedStrategy<GrowCase> {
    let caps = vec![
        PAGE,
        2 * PAGE,
        32 * PAGE,
        32 * PAGE + 1,
        32 * PAGE - 1,
        3 * PAGE + 100,
    ];
    proptest::sample::select(caps)
        .prop_flat_map(|cap| {
            let pages = cap / PAGE;
            (Just(cap), 1i64..=pages + 1).prop_flat_map(move |(cap, initial)| {
                let delta = near(vec![
                    0,
                    1,
                    pages - initial,
                    pages - initial + 1,
                    65536 - initial,
                    -1,
                ]);
                (Just(cap), Just(initial), delta)
            })
        })
        .boxed()
}

/// MEM-01, MEM-02: memory up to exactly memory_bytes (initial or grown) is usable to its last
/// byte; anything past it fails the call with memory_limit, never -1 to the guest.
pub(crate) fn grow_prop(rt: &Runtime, (cap, initial, delta): GrowCase) -> Checked {
    let context = format!("initial {initial} pages, grow {delta}, cap {cap} bytes");
    let limits = Limits {
        memory_bytes: cap as usize,
        ..Limits::default()
    };
    let outcome = call(rt, &grow_guest(initial, delta), "run", "{}", limits);
    let grown = initial + i64::from(delta as u32);
    if initial * PAGE > cap || grown * PAGE > cap {
        expect_code(&outcome, ErrorCode::MemoryLimit, &context)?;
    } else {
        let output = expect_ok(&outcome, &context)?;
        prop_assert_eq!(
            &output.summary,
            &format!("r={initial} s={grown}"),
            "{}",
            context
        );
    }
    Ok(())
}

// --- the properties against the reference runtime ---------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn tool_name_read_copies_exactly_when_the_model_says(case in tool_name_cases()) {
        tool_name_read_prop(runtime(), case)?;
    }

    #[test]
    fn input_read_copies_exactly_when_the_model_says(case in input_cases()) {
        input_read_prop(runtime(), case)?;
    }

    #[test]
    fn memory_growth_around_the_memory_cap(case in grow_cases()) {
        grow_prop(runtime(), case)?;
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn output_write_succeeds_or_fails_closed_as_the_model_says(case in output_cases()) {
        output_write_prop(runtime(), case)?;
    }

    #[test]
    fn diagnostic_write_fails_soft_as_the_model_says(case in diagnostic_cases()) {
        diagnostic_write_prop(runtime(), case)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn inputs_around_the_input_cap(case in input_size_cases()) {
        input_size_prop(runtime(), case)?;
    }

    #[test]
    fn outputs_around_the_output_cap(case in output_size_cases()) {
        output_size_prop(runtime(), case)?;
    }

    #[test]
    fn summaries_around_the_summary_cap(case in summary_size_cases()) {
        summary_size_prop(runtime(), case)?;
    }
}

/// The edges the guarantees name, run every time rather than left to the strategies' odds.
#[test]
fn the_named_edges_hold() {
    let rt = runtime();
    let check = |what: &str, result: Checked| {
        if let Err(e) = result {
            panic!("{what}: {e}");
        }
    };
    let cap = 32 * PAGE;
    check("grow to exactly the cap", grow_prop(rt, (cap, 1, 31)));
    check("grow one page past the cap", grow_prop(rt, (cap, 1, 32)));
    check("start at the cap", grow_prop(rt, (cap, 32, 0)));
    check("start one page over", grow_prop(rt, (cap, 33, 0)));
    check("grow by 2^32 - 1 pages", grow_prop(rt, (cap, 1, -1)));
    check("input at the cap", input_size_prop(rt, (65536, 65536)));
    check("input one byte over", input_size_prop(rt, (65536, 65537)));
    check("output at the cap", output_size_prop(rt, (65536, 65536)));
    check("output one byte over", output_size_prop(rt, (65536, 65537)));
    check("summary at the cap", summary_size_prop(rt, (1024, 1024)));
    check("summary one byte over", summary_size_prop(rt, (1024, 1025)));
    let mem = PAGE as i32;
    let two32_minus = |n: i32| n.wrapping_neg();
    for (ptr, len) in [
        (mem - 15, 15),
        (mem - 14, 15),
        (mem, 0),
        (mem + 1, 0),
        (two32_minus(15), 30),
        (0, -1),
        (i32::MAX, i32::MAX),
        (0, 65536),
        (0, 65537),
    ] {
        check("output_write", output_write_prop(rt, (1, 65536, ptr, len)));
        check(
            "diagnostic_write",
            diagnostic_write_prop(rt, (1, 4096, ptr, len)),
        );
    }
    for (ptr, len) in [
        (mem - 14, 14),
        (mem - 13, 14),
        (two32_minus(14), 14),
        (0, 13),
        (0, 15),
    ] {
        check("input_read", input_read_prop(rt, (1, 14, ptr, len)));
    }
    for (ptr, len) in [(mem - 3, 3), (mem - 2, 3), (two32_minus(3), 3), (mem, 0)] {
        check("tool_name_read", tool_name_read_prop(rt, (1, 3, ptr, len)));
    }
}
