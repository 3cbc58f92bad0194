//! Target `manifest`: see `toolcage_fuzzing::manifest` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::manifest::check(data));
