//! The grant-bound host interfaces (`yoi:host/*`): what a plugin may reach, decided by the host.
pub(crate) mod net;
