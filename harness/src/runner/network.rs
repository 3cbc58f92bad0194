//! A network case's servers for one run: started before its package is built (their ports are
//! in the manifest, so the package and its digest are this run's), the case expanded with their
//! placeholders, the name table handed to the runtime, and after the call what reached them,
//! including which connections the runtime still holds open (read from the kernel's socket
//! table: the client end of a connection that some process still has open shows an inode).
//! Dropping the run stops the servers.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use crate::judge::network::NetObservation;
use crate::model::case::Case;
use crate::model::error::KitError;
use crate::model::net::expand_case;
use crate::servers::{ConnectionRecord, Ports, Recording, Servers};

/// How long after the call returned the kit waits for the runtime's connections to close: the
/// FIN of a socket closed just before the answer needs a moment to be seen.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// How long the kit lets the servers pick up connections still in their accept queues (they
/// poll every 10 ms) before it reads what reached them.
const SETTLE: Duration = Duration::from_millis(30);
const POLL: Duration = Duration::from_millis(10);

/// One run's servers and the case with their placeholders expanded. Dropping it stops the
/// servers.
pub struct NetRun {
    servers: Servers,
    pub(crate) case: Case,
    pub(crate) names: BTreeMap<String, Vec<Vec<IpAddr>>>,
}

/// Starts fresh servers for a network case ([`Case::is_net`]); `None` for any other case. A
/// runner of its own (the snapshot test) builds the package of [`NetRun::case`], not of the case
/// as loaded, and sends [`NetRun::names`].
pub fn start(case: &Case) -> Result<Option<NetRun>, KitError> {
    if !case.is_net() {
        return Ok(None);
    }
    let fail = |message: String| KitError::Package {
        id: case.id.clone(),
        message,
    };
    let spec = case.net.clone().unwrap_or_default();
    let servers = Servers::start(&spec.scripts())
        .map_err(|e| fail(format!("cannot start the kit's servers: {e}")))?;
    let expanded = expand_case(case, servers.placeholders()).map_err(&fail)?;
    let names = servers
        .names(&spec.names)
        .map_err(|e| fail(format!("[net] names: {e}")))?;
    Ok(Some(NetRun {
        servers,
        case: expanded,
        names,
    }))
}

impl NetRun {
    /// The case with this run's placeholders expanded: its package and request are this run's.
    pub fn case(&self) -> &Case {
        &self.case
    }

    /// The request's `names`: the case's name table with its addresses expanded.
    pub fn names(&self) -> &BTreeMap<String, Vec<Vec<IpAddr>>> {
        &self.names
    }

    /// The ports the servers got (what `$HTTP_PORT`, `$WS_PORT`, `$SENTINEL_PORT` stand for).
    pub fn ports(&self) -> Ports {
        self.servers.ports()
    }

    /// What reached the servers, once every connection of the runtime is closed or
    /// [`CLOSE_GRACE`] has passed since the call returned.
    pub(crate) fn observe(&self) -> NetObservation {
        std::thread::sleep(SETTLE);
        let end = Instant::now() + CLOSE_GRACE;
        loop {
            let seen = self.snapshot();
            if seen.still_open.is_empty() || Instant::now() >= end {
                return seen;
            }
            std::thread::sleep(POLL);
        }
    }

    fn snapshot(&self) -> NetObservation {
        let http = self.servers.http_recording();
        let websocket = self.servers.websocket_recording();
        let sentinel = self.servers.sentinel_recording();
        let table = socket_table();
        let mut still_open = Vec::new();
        for (name, recording) in [
            ("http", &http),
            ("websocket", &websocket),
            ("sentinel", &sentinel),
        ] {
            still_open.extend(held_open(recording, &table).map(|c| (name, c)));
        }
        NetObservation {
            http,
            websocket,
            sentinel,
            still_open,
            grace: CLOSE_GRACE,
        }
    }
}

/// The connections of `recording` whose client end is still held by a process.
fn held_open<'a>(
    recording: &'a Recording,
    table: &'a [Socket],
) -> impl Iterator<Item = ConnectionRecord> + 'a {
    recording
        .connections
        .iter()
        .filter(|c| {
            table
                .iter()
                .any(|s| s.held && same(s.local, c.peer) && same(s.remote, c.local))
        })
        .cloned()
}

fn same(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical()
}

/// One row of the kernel's TCP socket table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Socket {
    local: SocketAddr,
    remote: SocketAddr,
    /// A process holds it (its inode is not 0): closed sockets lingering in `TIME_WAIT` or
    /// `FIN_WAIT2` have none.
    held: bool,
}

/// Every TCP socket of this network namespace (`/proc/net/tcp` and `tcp6`). Empty where there
/// is no such table (not Linux): the check then finds nothing, as docs/CASES.md says.
fn socket_table() -> Vec<Socket> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|text| parse_table(&text))
        .collect()
}

/// Parses the rows of one `/proc/net/tcp*` file: `sl local_address rem_address st tx:rx tr:when
/// retrnsmt uid timeout inode ...`, addresses in hex as the kernel's words print them.
fn parse_table(text: &str) -> Vec<Socket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some(Socket {
                local: parse_addr(fields.get(1)?)?,
                remote: parse_addr(fields.get(2)?)?,
                held: fields.get(9)? != &"0",
            })
        })
        .collect()
}

/// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6): each 32-bit word printed as the
/// host's integer, so its bytes in memory order are the address's.
fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(
            u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16)
                .ok()?
                .to_ne_bytes(),
        )
    };
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_endian = "little")]
    fn the_kernels_rows_parse() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
            0: 0100007F:1F90 0200007F:A000 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000\n   \
            1: 0100007F:1F91 0100007F:A001 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000\n";
        let rows = parse_table(text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(rows[0].remote, "127.0.0.2:40960".parse().unwrap());
        assert!(rows[0].held);
        assert!(!rows[1].held, "a TIME_WAIT row has no inode");
        let v6 = "00000000000000000000000001000000:0050";
        assert_eq!(parse_addr(v6), Some("[::1]:80".parse().unwrap()));
        let mapped = "0000000000000000FFFF00000100007F:0050";
        assert_eq!(
            parse_addr(mapped),
            Some("[::ffff:127.0.0.1]:80".parse().unwrap())
        );
        assert!(same(
            "[::ffff:127.0.0.1]:80".parse().unwrap(),
            "127.0.0.1:80".parse().unwrap()
        ));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_held_connection_is_seen_and_a_closed_one_is_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let pair = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        let held = |table: &[Socket]| {
            table
                .iter()
                .any(|s| s.held && same(s.local, pair.0) && same(s.remote, pair.1))
        };
        assert!(held(&socket_table()));
        drop(client);
        assert!(!held(&socket_table()));
        drop(server);
    }
}
