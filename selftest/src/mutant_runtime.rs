//! The reference runtime with its mutant switches compiled in (`toolcage_runtime_mutants`), for
//! the kit's self-test only: the same adapter and fuzzer as the host's build, compiled from the
//! same files against the mutant build, plus the way to switch one guarantee off.
//!
//! Nothing here reaches the runtime hosts get: [`crate::ReferenceRuntime`], the conformance run
//! and [`crate::fuzz`] use `toolcage_runtime`, which has no switch at all.

use toolcage_runtime_mutants as rt;

// Loaded a second time on purpose: the same code, against the other build of the runtime.
#[cfg(feature = "fuzz")]
#[allow(clippy::duplicate_mod)]
#[path = "fuzz/mod.rs"]
pub mod fuzz;
#[allow(clippy::duplicate_mod)]
#[path = "reference.rs"]
mod reference;

pub use reference::{apply as apply_limit_overrides, ReferenceRuntime};
pub use rt::{Config, Limits, Mutant};

impl ReferenceRuntime {
    /// The reference runtime with one guarantee switched off, for the kit's self-test
    /// (`cargo xtask conformance --mutants`): the corpus must catch it. It describes itself as
    /// `toolcage-runtime[mutant:<name>]`, so no report can mistake it for the real one.
    pub fn with_mutant(mutant: Mutant) -> Result<ReferenceRuntime, rt::Error> {
        let mut runtime = ReferenceRuntime::with_config(Config {
            mutant: Some(mutant),
            ..Config::default()
        })?;
        runtime.name = format!("{}[mutant:{}]", runtime.name, mutant.name());
        Ok(runtime)
    }

    /// The mutant this runtime carries, if any.
    pub fn mutant(&self) -> Option<Mutant> {
        self.runtime.config().mutant
    }
}
