//! Target `output`: see `toolcage_fuzzing::output` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::output::check(data));
