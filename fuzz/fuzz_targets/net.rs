//! Target `net`: see `toolcage_fuzzing::net` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::net::check(data));
