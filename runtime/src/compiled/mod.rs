//! The compiled-code boundary: verified module bytes in, code the engine may run out.
//!
//! **Trusts** the bytes it is handed only as far as the package boundary verified them (they
//! are the bytes hashed for the digest); it trusts nothing about what they contain, and nothing
//! found on disk. **Guarantees to the next boundary** (the registry, which links the guest with
//! the call's imports):
//!
//! - the engine (`engine`) runs WebAssembly 2.0 only, with the pooling allocator, epoch
//!   interruption and a bounded wasm stack; a module or component was validated with exactly
//!   the allowed features and refused, with its own limit code, when it could never fit the
//!   pool (`link::scan`, `component::scan`);
//! - every import was checked against the `yoi:tool` allowlist with its type and every offender
//!   named, and the exports were checked with their types (`link::check`); a component imports
//!   nothing and exports `call` of the world's type (`component::check`);
//! - compiled code is cached by content (module SHA-256 plus the engine's compatibility hash),
//!   never by path or plugin id; `Module::deserialize` runs only bytes whose HMAC, keyed by the
//!   host's secret, covers both hashes and the bytes (`cache`), read from a directory that passed
//!   ssh-style ownership and permission checks (`trust`). A refused entry costs a compile, never
//!   the call.

mod cache;
pub(crate) mod component;
pub(crate) mod engine;
pub(crate) mod link;
mod trust;

pub use cache::{CacheKey, CacheSource};
pub(crate) use cache::{Check, DiskCache, ModuleHash, Notify};
pub(crate) use component::{MAX_CORE_INSTANCES, MAX_MEMORIES, MAX_TABLES};
pub use engine::EngineConfig;
pub(crate) use engine::{Ticker, TABLE_CEILING};
pub(crate) use link::{Import, LinkPolicy};
