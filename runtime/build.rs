//! Declares `feature = "mutants"` as an expected cfg, so `unexpected_cfgs` stays quiet about the
//! runtime's mutant switches. This crate has no such feature: a host's build never compiles a
//! switch. The `toolcage-runtime-mutants` crate compiles the same sources with the feature on.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(feature, values(\"mutants\"))");
}
