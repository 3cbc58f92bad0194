//! Where the registry meets the kit's self-test, in a host's build: nowhere. `Seam` is empty
//! and every method is the registry's own behaviour: the load as it is, the disk cache fully
//! authenticated, no compile before the pin is checked, the link checks as they are, and empty
//! seams for the package reader and the call.
//!
//! The mutant build (`toolcage-runtime-mutants`, feature `mutants`) compiles
//! `runtime/src/mutants/registry.rs` in this file's place (see `registry/mod.rs`).

use super::config::Config;
use super::plugin::Plugin;
use super::prepare;
use super::runtime::Prepared;
use crate::call::{self, HostState};
use crate::compiled::{Check, LinkPolicy};
use crate::error::Error;
use crate::host_api::Granted;
use crate::package::{self, Digest};
use wasmtime::component::{Component, InstancePre as ComponentPre, Linker as ComponentLinker};
use wasmtime::{Engine, Linker, Module};

/// What a runtime holds for the self-test: nothing.
pub(super) struct Seam;

impl Seam {
    #[inline(always)]
    pub(super) fn new(_config: &Config) -> Seam {
        Seam
    }

    /// How far disk cache entries are checked: header, checksum and MAC.
    #[inline(always)]
    pub(super) fn disk_cache_check(&self) -> Check {
        Check::Authenticated
    }

    /// Input schemas read by the drafts rule of section 2.3.
    #[inline(always)]
    pub(super) fn schema_drafts(&self) -> call::Drafts {
        call::Drafts::SPEC
    }

    /// A load: every load reads and verifies the package again.
    #[inline(always)]
    pub(super) fn load(
        &self,
        _pin: Option<&Digest>,
        load: impl FnOnce() -> Result<Plugin, Error>,
    ) -> Result<Plugin, Error> {
        load()
    }

    /// The package reader's seam.
    #[inline(always)]
    pub(super) fn package(&self) -> package::Seam {
        package::Seam
    }

    /// Nothing is compiled before the digest is compared with the pin.
    #[inline(always)]
    pub(super) fn before_pin_check(
        &self,
        _compile: impl FnOnce() -> Result<(), Error>,
    ) -> Result<(), Error> {
        Ok(())
    }

    /// The call's seam, for one plugin.
    #[inline(always)]
    pub(super) fn call(&self) -> call::Seam {
        call::Seam
    }

    /// A module's import and export checks, then its link.
    #[inline(always)]
    pub(super) fn link_module(
        &self,
        linker: &Linker<HostState>,
        module: &Module,
        policy: LinkPolicy,
    ) -> Prepared {
        prepare::link_module(linker, module, policy)
    }

    /// A component's import and export checks, then its link.
    #[inline(always)]
    pub(super) fn link_component(
        &self,
        linker: &ComponentLinker<HostState>,
        compiled: &Component,
        engine: &Engine,
        granted: &Granted,
    ) -> Result<ComponentPre<HostState>, Error> {
        prepare::link_component(linker, compiled, engine, granted)
    }

    /// A grant applies only to the exact id, version and digest it names.
    #[inline(always)]
    pub(super) fn grant_binding_ignored(&self) -> bool {
        false
    }
}
