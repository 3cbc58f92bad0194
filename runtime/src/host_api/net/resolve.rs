//! Name resolution through a resolver the host configures, and the one rule that makes the
//! address policy mean anything: a name is resolved once, every address of the answer is
//! checked, and the connection goes to a checked address ([`CheckedAddrs`]), never to a name
//! resolved again later.

use super::address::check_address;
use super::error::{NetError, NetErrorCode};
use super::parse::{Host, NetUrl};
use super::target::Permit;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Instant;

/// How host names become addresses. The host chooses: the system resolver, a fixed table (the
/// kit's, to make a name resolve differently on each lookup), or its own.
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// The addresses of `name` (canonical, without the trailing dot), answered by `deadline`.
    fn resolve(&self, name: &str, deadline: Instant) -> Result<Vec<IpAddr>, NetError>;
}

/// A fixed table: each name has a sequence of answers; lookup `n` of a name gets answer `n`, and
/// every lookup after the last gets the last. So a name can answer an allowed address first and
/// another address on the second lookup (DNS rebinding), and a runtime that resolves twice is
/// caught. Names not in the table do not resolve.
#[derive(Debug, Default)]
pub struct TableResolver {
    answers: BTreeMap<String, Vec<Vec<IpAddr>>>,
    lookups: Mutex<BTreeMap<String, usize>>,
}

impl TableResolver {
    /// A table from `(name, answers)`; names are canonicalised as URLs' hosts are.
    pub fn new<I>(entries: I) -> Result<TableResolver, NetError>
    where
        I: IntoIterator<Item = (String, Vec<Vec<IpAddr>>)>,
    {
        let mut answers = BTreeMap::new();
        for (name, sequence) in entries {
            let name = super::parse::canonical_name(&name)
                .map_err(|e| NetError::new(NetErrorCode::TargetInvalid, e.detail()))?;
            answers.insert(name, sequence);
        }
        Ok(TableResolver {
            answers,
            lookups: Mutex::new(BTreeMap::new()),
        })
    }

    /// How often `name` was looked up so far.
    pub fn lookups(&self, name: &str) -> usize {
        let lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        lookups.get(name).copied().unwrap_or(0)
    }
}

impl Resolver for TableResolver {
    fn resolve(&self, name: &str, _deadline: Instant) -> Result<Vec<IpAddr>, NetError> {
        let not_found = || NetError::new(NetErrorCode::ResolveFailed, name);
        let sequence = self.answers.get(name).ok_or_else(not_found)?;
        let n = {
            let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
            let count = lookups.entry(name.to_owned()).or_insert(0);
            *count += 1;
            *count - 1
        };
        match sequence.get(n).or(sequence.last()) {
            Some(answer) if !answer.is_empty() => Ok(answer.clone()),
            _ => Err(not_found()),
        }
    }
}

/// The system's resolver (`getaddrinfo`), asked for the canonical name as it is: an absolute
/// `name.` would skip the system's search domains but also its hosts file (glibc matches
/// `localhost.` against no entry there), and whatever name the system settles on, its addresses
/// still pass the address policy. `getaddrinfo` cannot be interrupted: it runs on a helper
/// thread, and the answer is waited for until the deadline only. A lookup past the deadline
/// fails at the deadline; its thread ends when `getaddrinfo` returns (bounded by the system's
/// resolver timeouts, not by the call).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&self, name: &str, deadline: Instant) -> Result<Vec<IpAddr>, NetError> {
        let failed =
            |why: &str| NetError::new(NetErrorCode::ResolveFailed, format!("{name}: {why}"));
        let name_owned = name.to_owned();
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("toolcage-resolve".into())
            .spawn(move || {
                let answer = (name_owned.as_str(), 0)
                    .to_socket_addrs()
                    .map(|addrs| addrs.map(|a| a.ip()).collect::<Vec<_>>());
                let _ = sender.send(answer);
            })
            .map_err(|_| failed("no thread for the lookup"))?;
        let wait = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(wait) {
            Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
            Ok(_) => Err(failed("no address")),
            Err(_) => Err(failed("no answer before the deadline")),
        }
    }
}

/// Addresses that passed the address policy, in the resolver's order. Only
/// [`checked_addresses`] makes one, so a connection made from it goes where the check looked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedAddrs(Vec<SocketAddr>);

impl CheckedAddrs {
    /// Addresses that skipped the check: only the resolved-again mutant makes these.
    pub(crate) fn unchecked(addrs: Vec<SocketAddr>) -> CheckedAddrs {
        CheckedAddrs(addrs)
    }

    /// The addresses to connect to, in order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.0
    }
}

/// Resolves `url`'s host once (an address literal is not resolved) and checks every address of
/// the answer: one special-use address that no grant names refuses the whole answer, rather
/// than trusting the rest of a mixed answer.
pub fn checked_addresses(
    url: &NetUrl,
    permit: &Permit,
    resolver: &dyn Resolver,
    deadline: Instant,
) -> Result<CheckedAddrs, NetError> {
    checked_addresses_holed(url, permit, resolver, deadline, false)
}

/// [`checked_addresses`], or with `unchecked` (the address-policy mutant) every address let
/// through.
pub(crate) fn checked_addresses_holed(
    url: &NetUrl,
    permit: &Permit,
    resolver: &dyn Resolver,
    deadline: Instant,
    unchecked: bool,
) -> Result<CheckedAddrs, NetError> {
    let ips = match url.host() {
        Host::Ip(ip) => vec![*ip],
        Host::Name(name) => resolver.resolve(name, deadline)?,
    };
    if ips.is_empty() {
        return Err(NetError::new(
            NetErrorCode::ResolveFailed,
            url.host().to_string(),
        ));
    }
    let mut addrs = Vec::with_capacity(ips.len());
    for ip in ips {
        if !unchecked {
            check_address(ip, permit)?;
        }
        addrs.push(SocketAddr::new(ip.to_canonical(), url.port()));
    }
    Ok(CheckedAddrs(addrs))
}
