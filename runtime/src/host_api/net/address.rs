//! The address policy: a name granted by the host may still resolve anywhere, so every address a
//! connection would go to is classified, and special-use ones (loopback, private, link-local,
//! unspecified, and the rest below) are reached only when the grant names them explicitly.

use super::error::{NetError, NetErrorCode};
use super::parse::Host;
use super::target::Permit;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address an address is, for the policy. IPv4-mapped IPv6 addresses are
/// classified as the IPv4 addresses they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressClass {
    /// Globally routable unicast: reachable through any granted name.
    Public,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`, `100.64/10` (shared), `fc00::/7`, `fec0::/10`.
    Private,
    /// `169.254/16`, `fe80::/10`.
    LinkLocal,
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `224/4`, `255.255.255.255`, `ff00::/8`.
    Multicast,
    /// IPv6 forms that carry an IPv4 address a gateway would reach (NAT64, 6to4, Teredo,
    /// IPv4-compatible): the IPv4 address inside is not visible to the policy, so never public.
    Translated,
    /// Documentation, benchmarking, reserved and every IPv6 address outside `2000::/3`.
    Reserved,
}

impl AddressClass {
    /// The lower-case name used in details.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Multicast => "multicast",
            AddressClass::Translated => "translated",
            AddressClass::Reserved => "reserved",
        }
    }
}

/// Classifies an address (IPv4-mapped IPv6 as its IPv4 address).
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip.to_canonical() {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    const TABLE: &[([u8; 4], u32, AddressClass)] = &[
        ([0, 0, 0, 0], 8, Unspecified),
        ([10, 0, 0, 0], 8, Private),
        ([100, 64, 0, 0], 10, Private),
        ([127, 0, 0, 0], 8, Loopback),
        ([169, 254, 0, 0], 16, LinkLocal),
        ([172, 16, 0, 0], 12, Private),
        ([192, 0, 0, 0], 24, Reserved),
        ([192, 0, 2, 0], 24, Reserved),
        ([192, 88, 99, 0], 24, Reserved),
        ([192, 168, 0, 0], 16, Private),
        ([198, 18, 0, 0], 15, Reserved),
        ([198, 51, 100, 0], 24, Reserved),
        ([203, 0, 113, 0], 24, Reserved),
        ([255, 255, 255, 255], 32, Multicast),
        ([224, 0, 0, 0], 4, Multicast),
        ([240, 0, 0, 0], 4, Reserved),
    ];
    TABLE
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map_or(Public, |(_, _, class)| *class)
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    if ip.is_unspecified() {
        return Unspecified;
    }
    if ip.is_loopback() {
        return Loopback;
    }
    const TABLE: &[([u16; 8], u32, AddressClass)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 96, Translated),
        ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96, Translated),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, Translated),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, Reserved),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, Translated),
        ([0x2001, 0x2, 0, 0, 0, 0, 0, 0], 48, Reserved),
        ([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, Reserved),
        ([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, Reserved),
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, Reserved),
        ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, Translated),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, Reserved),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, Private),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, LinkLocal),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, Private),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, Multicast),
        ([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, Public),
    ];
    TABLE
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, *net, *prefix))
        .map_or(Reserved, |(_, _, class)| *class)
}

/// An address or a CIDR range a grant names, in canonical form (IPv4 for IPv4 addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `127.0.0.1`, `127.0.0.0/8`, `::1`, `[::1]` or `fe80::/10`: strict dotted decimal
    /// (configuration is written once, by the host, so no alternative spellings), no host bits
    /// set below the prefix, and no IPv4-mapped form (write the IPv4 range).
    pub fn parse(text: &str) -> Result<IpRange, NetError> {
        let invalid = |why: &str| {
            NetError::new(
                NetErrorCode::TargetInvalid,
                format!("address {text:?}: {why}"),
            )
        };
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = addr
            .strip_prefix('[')
            .and_then(|a| a.strip_suffix(']'))
            .unwrap_or(addr);
        let base: IpAddr = addr.parse().map_err(|_| invalid("not an address"))?;
        if base.to_canonical() != base {
            return Err(invalid("an IPv4-mapped address: write the IPv4 form"));
        }
        let width = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) if p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| invalid("bad prefix length"))?
            }
            Some(_) => return Err(invalid("bad prefix length")),
        };
        if prefix > width {
            return Err(invalid("prefix longer than the address"));
        }
        let range = IpRange { base, prefix };
        if range.masked(base) != base {
            return Err(invalid("host bits set below the prefix"));
        }
        Ok(range)
    }

    fn masked(&self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
        }
    }

    /// Whether `ip` (IPv4-mapped IPv6 read as IPv4) is inside the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.base.is_ipv4() && self.masked(ip) == self.base
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// Whether a connection to `ip` is allowed under `permit`: public addresses always; special-use
/// ones only when the granted target's host is that very address literal, or a matching grant
/// target lists a range holding it.
pub fn check_address(ip: IpAddr, permit: &Permit) -> Result<(), NetError> {
    let ip = ip.to_canonical();
    let class = classify(ip);
    if class == AddressClass::Public
        || permit.host() == &Host::Ip(ip)
        || permit.addresses().iter().any(|range| range.contains(ip))
    {
        return Ok(());
    }
    Err(NetError::new(
        NetErrorCode::AddressDenied,
        format!("{ip} is {} and no grant names it", class.as_str()),
    ))
}
