//! Target `archive`: see `toolcage_fuzzing::archive` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::archive::check(data));
