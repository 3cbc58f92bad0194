//! Target `differential`: the reference runtime against the wasmi runtime (`adapters/wasmi`), in
//! process; see `toolcage_fuzzing::differential` for the input format and what is compared.
#![no_main]

use toolcage_fuzzing::differential::{check, InProcess};

static WASMI: InProcess = InProcess {
    describe: toolcage_wasmi::describe,
    answer: |request| toolcage_wasmi::answer(request).map_err(|e| e.to_string()),
};

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data, &WASMI));
