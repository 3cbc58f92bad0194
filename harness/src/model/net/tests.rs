//! The network header of docs/CASES.md: every table parsed strictly, placeholders checked at
//! load and expanded per run into the input, the manifest, the grant and `[expect.net]`.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::model::error::KitError;
use crate::model::header::parse_case;

const COMPONENT: &str = "(component)";

fn source(header: &str) -> String {
    header
        .lines()
        .map(|l| format!(";;! {}\n", l.trim()))
        .collect::<String>()
        + COMPONENT
}

fn parse(header: &str) -> Result<Case, KitError> {
    let areas = BTreeMap::from([("GRANT-01".to_string(), "grants".to_string())]);
    parse_case(
        Path::new("corpus/net/case.wat"),
        &source(header),
        Some(&areas),
    )
}

const BASE: &str = r#"id = "net.case"
guarantee = "GRANT-01"
since = "0.3.0"
summary = "s"
profile = "component""#;

/// The header of the shared design, every table used once.
fn full() -> String {
    format!(
        r#"{BASE}
capabilities = ["host_api_net"]
input = "{{\"method\":\"GET\",\"url\":\"http://127.0.0.1:$HTTP_PORT/v1/a\"}}"
[package]
host_apis = ["request"]
[[package.request]]
scheme = "http"
host = "127.0.0.1"
port = "$HTTP_PORT"
methods = ["GET"]
path_prefixes = ["/v1"]
[grants]
apis = ["request"]
[[grants.request]]
scheme = "http"
host = "rebind.test"
port = 8080
methods = ["GET"]
addresses = ["127.0.0.1"]
[[grants.websocket]]
scheme = "ws"
host = "127.0.0.1"
port = "$WS_PORT"
[net]
[[net.http.routes]]
path = "/v1/a"
response = {{ status = 200, body = "hi" }}
[net.names]
"rebind.test" = ["127.0.0.1", "$SENTINEL_HOST"]
[expect]
code = "host_api_denied"
details = {{ reason = "not_granted" }}
[expect.net]
http_requests = 0
websocket_connections = 0
http_connections = 0
request_header = {{ name = "host", value = "127.0.0.1:$HTTP_PORT" }}"#
    )
}

#[test]
fn the_full_header_parses_into_its_tables() {
    let case = parse(&full()).unwrap();
    assert!(case.is_net());
    assert_eq!(case.package.host_apis, Some(vec!["request".to_string()]));
    assert_eq!(case.package.request.len(), 1);
    assert_eq!(
        case.package.request[0].port,
        Some(PortSpec::Text("$HTTP_PORT".into()))
    );
    let grants = case.grants.as_ref().unwrap();
    assert_eq!(grants.request[0].port, Some(PortSpec::Number(8080)));
    assert_eq!(
        grants.request[0].addresses,
        Some(vec!["127.0.0.1".to_string()])
    );
    assert_eq!(grants.websocket.len(), 1);
    let net = case.net.as_ref().unwrap();
    assert_eq!(net.http.routes[0].path, "/v1/a");
    assert_eq!(net.names.0["rebind.test"].len(), 2);
    assert_eq!(case.expect.net.http_requests, Some(0));
    assert_eq!(case.expect.net.http_connections, Some(0));
    assert_eq!(case.expect.net.websocket_connections, Some(0));
    assert_eq!(
        case.expect.net.request_header.as_ref().unwrap().name,
        "host"
    );
}

#[test]
fn a_case_with_the_capability_alone_is_a_network_case() {
    let case = parse(&format!(
        "{BASE}\ncapabilities = [\"host_api_net\"]\n[expect]\ncode = \"trap\""
    ))
    .unwrap();
    assert!(case.is_net() && case.net.is_none());
}

#[test]
fn unknown_keys_of_every_network_table_are_refused() {
    let full = full();
    let cases = [
        (
            "methods = [\"GET\"]\npath_prefixes",
            "path_prefix = [\"/\"]\npath_prefixes",
            "path_prefix",
        ),
        (
            "addresses = [\"127.0.0.1\"]",
            "adresses = [\"127.0.0.1\"]",
            "adresses",
        ),
        ("[net.names]", "colour = 1\n[net.names]", "colour"),
        ("response = {", "reponse = 1\nresponse = {", "reponse"),
        ("http_requests = 0", "http_request = 0", "http_request"),
    ];
    for (from, to, key) in cases {
        assert!(full.contains(from), "{from}");
        let header = full.replacen(from, to, 1);
        match parse(&header) {
            Err(KitError::UnknownHeaderKey { key: found, .. }) => assert_eq!(found, key),
            other => panic!("{key}: expected an unknown-key error, got {other:?}"),
        }
    }
}

fn load_error(header: &str) -> String {
    match parse(header) {
        Err(KitError::Header { message, .. }) => message,
        other => panic!("expected a header error, got {other:?}"),
    }
}

#[test]
fn what_no_run_could_expand_is_refused_at_load() {
    let full = full();
    let cases = [
        // A placeholder no server defines, in the input, a target, a script, a name, a header.
        ("/v1/a\\\"", "/v1/$HTTP_PROT\\\"", "$HTTP_PROT"),
        ("port = \"$WS_PORT\"", "port = \"$WSPORT\"", "$WSPORT"),
        ("body = \"hi\"", "body = \"$NOPE\"", "$NOPE"),
        ("\"$SENTINEL_HOST\"]", "\"$SENTINEL\"]", "$SENTINEL"),
        (
            "value = \"127.0.0.1:$HTTP_PORT\"",
            "value = \"$PORT\"",
            "$PORT",
        ),
        // A port that is no integer once expanded.
        (
            "port = \"$WS_PORT\"",
            "port = \"x$WS_PORT\"",
            "not an integer",
        ),
        // A name answered off loopback: the kit reaches nothing else.
        (
            "\"$SENTINEL_HOST\"]",
            "\"10.0.0.1\"]",
            "not a loopback address",
        ),
        // A script over its bounds.
        ("body = \"hi\"", "body_size = 2000000000", "over 1 GiB"),
        // Manifests cannot name addresses.
        (
            "path_prefixes = [\"/v1\"]",
            "path_prefixes = [\"/v1\"]\naddresses = [\"127.0.0.1\"]",
            "manifests cannot name addresses",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(full.contains(from), "{from}");
        let message = load_error(&full.replacen(from, to, 1));
        assert!(message.contains(expected), "{to}: {message}");
    }
}

#[test]
fn network_tables_need_the_network_capability() {
    for table in [
        "[net]",
        "[expect.net]\nhttp_requests = 0",
        "[[package.request]]\nscheme = \"http\"\nhost = \"a.test\"",
        "[grants]\napis = [\"websocket\"]",
    ] {
        let header = if table.starts_with("[expect.net]") {
            format!("{BASE}\ncapabilities = [\"host_api_fs\"]\n[expect]\ncode = \"trap\"\n{table}")
        } else {
            format!("{BASE}\ncapabilities = [\"host_api_fs\"]\n{table}\n[expect]\ncode = \"trap\"")
        };
        let message = load_error(&header);
        assert!(message.contains("host_api_net"), "{table}: {message}");
    }
    // And the file system's tables still need the file system's.
    let message = load_error(&format!(
        "{BASE}\ncapabilities = [\"host_api_net\"]\n[grants]\napis = [\"fs\"]\n[expect]\ncode = \"trap\""
    ));
    assert!(message.contains("host_api_fs"), "{message}");
}

fn run_values() -> Placeholders {
    let mut values = Placeholders::default();
    values.set("HTTP_PORT", "40001");
    values.set("WS_PORT", "40002");
    values.set("SENTINEL_PORT", "40003");
    values.set("SENTINEL_HOST", "127.0.0.2");
    values
}

#[test]
fn a_run_expands_input_targets_and_the_expected_header() {
    let case = parse(&full()).unwrap();
    let run = expand_case(&case, &run_values()).unwrap();
    assert_eq!(
        run.input,
        "{\"method\":\"GET\",\"url\":\"http://127.0.0.1:40001/v1/a\"}"
    );
    assert_eq!(run.package.request[0].port, Some(PortSpec::Number(40001)));
    let grants = run.grants.as_ref().unwrap();
    assert_eq!(grants.websocket[0].port, Some(PortSpec::Number(40002)));
    assert_eq!(
        run.expect.net.request_header.as_ref().unwrap().value,
        "127.0.0.1:40001"
    );
    // The case as loaded is untouched: every run expands its own copy.
    assert_eq!(case.input.matches("$HTTP_PORT").count(), 1);

    let wire = grants.to_wire("net.case", "sha256:00", None);
    assert_eq!(
        wire["request"],
        serde_json::json!([{
            "scheme": "http", "host": "rebind.test", "port": 8080,
            "methods": ["GET"], "addresses": ["127.0.0.1"]
        }])
    );
    assert_eq!(
        wire["websocket"],
        serde_json::json!([{"scheme": "ws", "host": "127.0.0.1", "port": 40002}])
    );
    assert_eq!(
        wire["permissions"],
        serde_json::json!([{"kind": "host_api", "api": "request"}])
    );
}

#[test]
fn an_expected_output_may_quote_a_port() {
    let header = full().replace(
        "code = \"host_api_denied\"\ndetails = { reason = \"not_granted\" }",
        "output = { summary = \"$WS_PORT\", content = \"http://$SENTINEL_HOST:$HTTP_PORT/\" }",
    );
    let run = expand_case(&parse(&header).unwrap(), &run_values()).unwrap();
    assert_eq!(
        run.expect.outcome,
        crate::model::case::ExpectedOutcome::Output {
            summary: "40002".into(),
            content: Some("http://127.0.0.2:40001/".into()),
        }
    );
    let message = load_error(&header.replace("$WS_PORT", "$WSPORT"));
    assert!(message.contains("$WSPORT"), "{message}");
}

#[test]
fn the_manifest_carries_the_expanded_targets() {
    let case = expand_case(&parse(&full()).unwrap(), &run_values()).unwrap();
    let built = crate::package::build::build(&case).unwrap();
    let text = std::fs::read_to_string(built.path.join("plugin.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(
        manifest["request"],
        toml::Value::Array(vec![toml::Value::Table(
            toml::from_str(
                "scheme = \"http\"\nhost = \"127.0.0.1\"\nport = 40001\nmethods = [\"GET\"]\n\
                 path_prefixes = [\"/v1\"]"
            )
            .unwrap()
        )])
    );
    assert!(manifest.get("websocket").is_none());
    assert_eq!(
        manifest["permissions"],
        toml::Value::Array(vec![toml::Value::Table(
            toml::from_str("kind = \"host_api\"\napi = \"request\"").unwrap()
        )])
    );
}

#[test]
fn a_grant_without_network_targets_keeps_its_fs_shape() {
    let grant = crate::model::fixture::GrantSpec {
        apis: vec!["fs".into()],
        fs_operations: Some(vec!["read".into()]),
        ..Default::default()
    };
    let wire = grant.to_wire("x", "sha256:00", None);
    assert!(wire.get("request").is_none() && wire.get("websocket").is_none());
}
