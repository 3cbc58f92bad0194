//! The pure policy of `yoi:host/request` and `yoi:host/websocket`: everything decided before a
//! byte leaves the host. A guest's URL is parsed and normalised ([`parse_url`]), matched against
//! the manifest's and the grant's targets ([`check_target`]), its headers checked
//! ([`check_headers`]), its host resolved once through the host's [`Resolver`] and every address
//! checked ([`checked_addresses`]); the wire client (not here yet) connects only to those
//! [`CheckedAddrs`]. The normative text is docs/SPEC.md section 15.

mod address;
mod error;
mod headers;
mod parse;
mod resolve;
mod target;
pub(crate) mod wire;

#[cfg(test)]
mod tests;

pub use address::{check_address, classify, AddressClass, IpRange};
pub use error::{NetError, NetErrorCode};
pub use headers::{
    check_headers, HeaderEntry, HEADER_COUNT_CAP, HEADER_NAME_CAP, HEADER_VALUE_CAP,
};
pub use parse::{parse_url, Host, Interface, NetUrl, Scheme, URL_CAP};
pub use resolve::{checked_addresses, CheckedAddrs, Resolver, SystemResolver, TableResolver};
pub use target::{check_target, Method, Permit, Side, Target, TargetSpec};
