//! The network checks of a case run against the kit's servers (docs/CASES.md, "Network
//! cases"), decided from what the servers recorded: the universal ones every such case gets
//! (nothing reached the sentinel; no connection to a kit server still open once the call
//! returned and a short grace passed) and the case's own `[expect.net]` counts.

use std::time::Duration;

use super::verdict::{Failure, FailureClass, FailureKind};
use crate::model::net::ExpectNet;
use crate::servers::{ConnectionRecord, Recording};

/// What the kit saw of one request's network traffic, taken once the call returned.
#[derive(Clone, Debug, Default)]
pub(crate) struct NetObservation {
    /// The HTTP server's recording.
    pub http: Recording,
    /// The WebSocket server's recording.
    pub websocket: Recording,
    /// The sentinel's recording: any connection is a violation.
    pub sentinel: Recording,
    /// Connections whose client end some process still held when the grace ran out, with the
    /// server's name.
    pub still_open: Vec<(&'static str, ConnectionRecord)>,
    /// How long the kit waited for those to close.
    pub grace: Duration,
}

fn fail(message: String) -> Failure {
    Failure {
        kind: FailureKind::Network,
        class: FailureClass::Safety,
        call: None,
        message,
    }
}

fn connection(record: &ConnectionRecord) -> String {
    format!("#{} from {} to {}", record.id, record.peer, record.local)
}

/// The universal checks first (the sentinel is the headline), then `[expect.net]`.
pub(crate) fn judge(expect: &ExpectNet, seen: &NetObservation) -> Result<(), Failure> {
    if !seen.sentinel.is_empty() {
        let count = seen.sentinel.connections.len() as u64 + seen.sentinel.dropped;
        let first = seen
            .sentinel
            .connections
            .first()
            .map(connection)
            .unwrap_or_default();
        let what = seen
            .sentinel
            .requests
            .first()
            .map(|r| format!(", sending `{} {}`", r.method, r.target))
            .unwrap_or_default();
        return Err(fail(format!(
            "the runtime reached the sentinel, which no case may ever reach: {count} \
             connection(s), the first {first}{what}"
        )));
    }
    if let Some((server, record)) = seen.still_open.first() {
        return Err(fail(format!(
            "{} connection(s) to the kit's servers still open {} ms after the call returned \
             (the first: {server} {}): the runtime left a socket behind",
            seen.still_open.len(),
            seen.grace.as_millis(),
            connection(record),
        )));
    }
    let counts = [
        (
            "http_requests",
            expect.http_requests,
            seen.http.requests.len() as u64,
        ),
        (
            "http_connections",
            expect.http_connections,
            seen.http.connections.len() as u64,
        ),
        (
            "websocket_connections",
            expect.websocket_connections,
            seen.websocket.connections.len() as u64,
        ),
    ];
    for (key, expected, observed) in counts {
        match expected {
            Some(expected) if expected != observed => {
                return Err(fail(format!(
                    "[expect.net] {key} = {expected}, the kit's servers recorded {observed}"
                )));
            }
            _ => {}
        }
    }
    if let Some(header) = &expect.request_header {
        let last = seen.http.requests.last();
        let carried = last.and_then(|r| r.header(&header.name));
        if carried != Some(header.value.as_str()) {
            let observed = match (last, carried) {
                (None, _) => "no request reached the HTTP server".to_string(),
                (Some(_), None) => "the last request did not carry it".to_string(),
                (Some(_), Some(value)) => format!("the last request carried {value:?}"),
            };
            return Err(fail(format!(
                "[expect.net] request_header {}: {:?} expected, {observed}",
                header.name, header.value
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::net::HeaderExpectation;
    use crate::servers::RequestRecord;
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};

    fn record(id: u64, port: u16) -> ConnectionRecord {
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        ConnectionRecord {
            id,
            local: SocketAddr::new(ip, port),
            peer: SocketAddr::new(ip, 40_000 + id as u16),
        }
    }

    fn message(result: Result<(), Failure>) -> String {
        let failure = result.expect_err("a network failure");
        assert_eq!(failure.kind, FailureKind::Network);
        assert_eq!(failure.class, FailureClass::Safety);
        failure.message
    }

    #[test]
    fn nothing_reached_and_nothing_expected_passes() {
        assert_eq!(
            judge(&ExpectNet::default(), &NetObservation::default()),
            Ok(())
        );
        let zero = ExpectNet {
            http_requests: Some(0),
            http_connections: Some(0),
            websocket_connections: Some(0),
            request_header: None,
        };
        assert_eq!(judge(&zero, &NetObservation::default()), Ok(()));
    }

    #[test]
    fn a_sentinel_visit_fails_whatever_was_expected() {
        let mut seen = NetObservation::default();
        seen.sentinel.connections.push(record(1, 9));
        let m = message(judge(&ExpectNet::default(), &seen));
        assert!(m.contains("reached the sentinel"), "{m}");
        assert!(m.contains("#1 from 127.0.0.1:40001 to 127.0.0.1:9"), "{m}");
    }

    #[test]
    fn a_connection_left_open_fails() {
        let seen = NetObservation {
            still_open: vec![("http", record(2, 8))],
            grace: Duration::from_millis(500),
            ..NetObservation::default()
        };
        let m = message(judge(&ExpectNet::default(), &seen));
        assert!(m.contains("still open 500 ms after"), "{m}");
        assert!(m.contains("http #2"), "{m}");
    }

    #[test]
    fn counts_are_exact_and_the_header_is_the_last_requests() {
        let mut seen = NetObservation::default();
        seen.http.connections.push(record(1, 8));
        let expect = ExpectNet {
            http_requests: Some(0),
            ..ExpectNet::default()
        };
        assert_eq!(judge(&expect, &seen), Ok(()));
        let expect = ExpectNet {
            http_connections: Some(0),
            ..ExpectNet::default()
        };
        let m = message(judge(&expect, &seen));
        assert_eq!(
            m,
            "[expect.net] http_connections = 0, the kit's servers recorded 1"
        );
        let expect = ExpectNet {
            websocket_connections: Some(1),
            ..ExpectNet::default()
        };
        assert!(message(judge(&expect, &seen)).contains("websocket_connections = 1"));
        let expect = ExpectNet {
            request_header: Some(HeaderExpectation {
                name: "Host".into(),
                value: "127.0.0.1:8".into(),
            }),
            ..ExpectNet::default()
        };
        assert!(message(judge(&expect, &seen)).contains("no request reached"));
        let request = |host: &str| RequestRecord {
            connection: 1,
            method: "GET".into(),
            target: "/v1/a".into(),
            version: "HTTP/1.1".into(),
            headers: vec![("Host".into(), host.into())],
            body_len: 0,
            complete: true,
        };
        seen.http.requests = vec![request("127.0.0.1:9"), request("127.0.0.1:8")];
        assert_eq!(judge(&expect, &seen), Ok(()), "the last request's Host");
        seen.http.requests.reverse();
        assert!(message(judge(&expect, &seen)).contains("carried \"127.0.0.1:9\""));
    }
}
