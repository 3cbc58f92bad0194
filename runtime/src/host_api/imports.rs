//! Which host imports a component may have, and the linker that provides them.
//!
//! A component may import exactly the three instances of `yoi:host@1.0.0`, each only when the
//! manifest asks for it and the bound grant gives it, and each with only the interface's
//! functions at their exact types (it may import fewer, as component tooling does when a guest
//! uses only some). The linker defines all three for every component: what a component may
//! import is decided by the check before linking, per load, never by what happens to be defined.

use super::bind::{Apis, Granted};
use crate::package::HostApi;
use wasmtime::component::types::{ComponentInstance, ComponentItem};
use wasmtime::component::Type;
use wasmtime::Engine;

/// A parameter type of the interfaces' functions (every result is one `string`).
#[derive(Clone, Copy)]
pub(crate) enum Param {
    U32,
    Str,
}

impl Param {
    pub(crate) fn ty(self) -> Type {
        match self {
            Param::U32 => Type::U32,
            Param::Str => Type::String,
        }
    }
}

/// Each interface's functions, as the host's WIT declares them.
pub(crate) fn functions(api: HostApi) -> &'static [(&'static str, &'static [Param])] {
    use Param::{Str, U32};
    match api {
        HostApi::Fs => &[("read", &[Str]), ("list", &[Str]), ("write", &[Str])],
        HostApi::Request => &[("request", &[Str])],
        HostApi::Websocket => &[
            ("open", &[Str]),
            ("send-text", &[U32, Str]),
            ("recv", &[U32, U32]),
            ("close", &[U32]),
        ],
    }
}

/// Whether the import `name` of type `item` is one this package may have.
pub(crate) fn allowed(name: &str, item: &ComponentItem, engine: &Engine, apis: Apis) -> bool {
    let Some(api) = HostApi::ALL.into_iter().find(|a| a.instance() == name) else {
        return false;
    };
    let ComponentItem::ComponentInstance(instance) = item else {
        return false;
    };
    apis.contains(api) && typed(api, instance, engine)
}

/// Whether every function `instance` imports is one of `api`'s at exactly its WIT type.
pub(crate) fn typed(api: HostApi, instance: &ComponentInstance, engine: &Engine) -> bool {
    instance.exports(engine).all(|(export, item)| {
        let Some((_, params)) = functions(api).iter().find(|(n, _)| *n == export) else {
            return false;
        };
        matches!(item.ty, ComponentItem::ComponentFunc(f)
            if !f.async_()
                && f.params().map(|(_, t)| t).eq(params.iter().map(|p| p.ty()))
                && f.results().eq([Type::String]))
    })
}

/// Informative details of `import_denied` for host imports: why each was not given.
pub(crate) fn refused_detail(names: &[String], granted: &Granted) -> Vec<String> {
    granted
        .refused
        .iter()
        .filter(|(api, _)| names.iter().any(|n| n == api.instance()))
        .map(|(api, why)| format!("{}: {why}", api.as_str()))
        .collect()
}
