//! Layer 2, a case's package on disk: the directory the kit builds for a case (and the request a
//! case makes of it), the kit's own package digest, and the stored zip archives a runtime that
//! loads archives is given.
//!
//! Imports the case model only: building a package runs no runtime and judges nothing.

pub mod archive;
pub mod build;
pub mod digest;
pub mod fixture;
