//! Layer 1, the case model: what a case is and what crosses the wire. The error vocabulary, the
//! adapter protocol's documents, the kit's own errors, a case and its header, the tables that say
//! how its package is built, and the corpus (cases, guarantee lists, expectations files).
//!
//! Imports nothing of the kit: every layer above reads these types, and none of them knows how a
//! package is built, how a runtime is run or how an answer is judged.

pub mod case;
pub mod corpus;
pub mod error;
pub mod fixture;
pub mod header;
pub mod net;
pub mod protocol;
pub mod spec;
pub mod vocab;
