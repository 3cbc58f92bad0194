//! Target `package_dir`: see `toolcage_fuzzing::package_dir` for the input format and what is asserted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| toolcage_fuzzing::package_dir::check(data));
