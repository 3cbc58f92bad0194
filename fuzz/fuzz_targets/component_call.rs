//! Target `component_call`: see `toolcage_fuzzing::call` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::call::component(data));
