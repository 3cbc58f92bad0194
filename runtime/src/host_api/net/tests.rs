//! The policy, case by case: each table row is one URL, target, address or header and what the
//! SPEC says about it. A property test then checks the matcher against a second, deliberately
//! naive model written from the SPEC's words.

use super::*;
use std::net::IpAddr;
use std::time::{Duration, Instant};

fn url(text: &str) -> Result<NetUrl, NetErrorCode> {
    parse_url(text, Interface::Request).map_err(|e| e.code())
}

fn target(
    scheme: &str,
    host: &str,
    port: Option<u16>,
    methods: &[&str],
    prefixes: &[&str],
) -> Target {
    try_target(scheme, host, port, methods, prefixes, &[]).expect("a valid target")
}

fn try_target(
    scheme: &str,
    host: &str,
    port: Option<u16>,
    methods: &[&str],
    prefixes: &[&str],
    addresses: &[&str],
) -> Result<Target, NetErrorCode> {
    let spec = TargetSpec {
        scheme: scheme.into(),
        host: host.into(),
        port,
        methods: methods.iter().map(|m| m.to_string()).collect(),
        path_prefixes: Some(prefixes.iter().map(|p| p.to_string()).collect()),
        addresses: addresses.iter().map(|a| a.to_string()).collect(),
    };
    let interface = if scheme.starts_with("ws") {
        Interface::WebSocket
    } else {
        Interface::Request
    };
    Target::new(&spec, interface, Side::Grant).map_err(|e| e.code())
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn urls_normalise_to_one_canonical_host_port_and_path() {
    // (url, host, port, request target)
    let rows: &[(&str, &str, u16, &str)] = &[
        ("http://api.test/v1", "api.test", 80, "/v1"),
        ("http://API.Test/v1", "api.test", 80, "/v1"),
        ("http://api.test./v1", "api.test", 80, "/v1"),
        ("http://api.test:80/v1", "api.test", 80, "/v1"),
        ("http://api.test:0080/v1", "api.test", 80, "/v1"),
        ("https://api.test/", "api.test", 443, "/"),
        ("https://api.test:8443", "api.test", 8443, "/"),
        ("http://127.0.0.1/", "127.0.0.1", 80, "/"),
        ("http://127.1/", "127.0.0.1", 80, "/"),
        ("http://2130706433/", "127.0.0.1", 80, "/"),
        ("http://0x7f.1/", "127.0.0.1", 80, "/"),
        ("http://0177.0.0.1/", "127.0.0.1", 80, "/"),
        ("http://127.0.0.1./", "127.0.0.1", 80, "/"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1", 80, "/"),
        ("http://[0:0::1]/", "[::1]", 80, "/"),
        ("http://api.test/v1/../admin", "api.test", 80, "/admin"),
        ("http://api.test/v1/%2e%2e/admin", "api.test", 80, "/admin"),
        ("http://api.test/v1/%2E%2e/admin", "api.test", 80, "/admin"),
        ("http://api.test/v1/.%2e/admin", "api.test", 80, "/admin"),
        ("http://api.test/v1/./x", "api.test", 80, "/v1/x"),
        ("http://api.test/v1\\..\\admin", "api.test", 80, "/admin"),
        ("http://api.test/v1?a=1#frag", "api.test", 80, "/v1?a=1"),
        ("http://api.test/../../etc", "api.test", 80, "/etc"),
        ("http://@api.test/", "api.test", 80, "/"),
        ("http://b\u{fc}cher.test/", "xn--bcher-kva.test", 80, "/"),
    ];
    for (text, host, port, request_target) in rows {
        let parsed = url(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(parsed.host().to_string(), *host, "{text}");
        assert_eq!(parsed.port(), *port, "{text}");
        assert_eq!(parsed.request_target(), *request_target, "{text}");
        assert!(
            !parsed.as_str().contains('#'),
            "{text}: the fragment is never sent"
        );
    }
}

#[test]
fn urls_are_refused_with_the_code_of_their_cause() {
    use NetErrorCode::*;
    let long = format!("http://api.test/{}", "a".repeat(URL_CAP));
    let rows: &[(&str, NetErrorCode)] = &[
        ("api.test/v1", UrlInvalid),
        ("/v1", UrlInvalid),
        ("http://", UrlInvalid),
        ("http://a..test/", UrlInvalid),
        ("http://.test/", UrlInvalid),
        ("http://api.test../", UrlInvalid),
        ("http://a$b.test/", UrlInvalid),
        ("http://a*b.test/", UrlInvalid),
        (&long, UrlInvalid),
        ("http://999.1.1.1/", UrlInvalid),
        ("ftp://api.test/", SchemeDenied),
        ("file:///etc/passwd", SchemeDenied),
        ("ws://api.test/", SchemeDenied),
        ("data:text/plain,x", SchemeDenied),
        ("http://user@api.test/", UserinfoDenied),
        ("http://user:pw@api.test/", UserinfoDenied),
        ("http://:pw@api.test/", UserinfoDenied),
        ("http://api.test:0/", PortInvalid),
        ("http://api.test:65536/", UrlInvalid),
        ("http://api.test/v1%2f..%2fadmin", PathAmbiguous),
        ("http://api.test/v1%2Fx", PathAmbiguous),
        ("http://api.test/v1%5c..%5cadmin", PathAmbiguous),
        ("http://api.test/v1/..;/admin", PathAmbiguous),
        ("http://api.test/v1;jsessionid=1", PathAmbiguous),
        ("http://api.test/v1%3bx", PathAmbiguous),
        ("http://api.test/v1%00", PathAmbiguous),
        ("http://api.test/v1%0d%0aX:1", PathAmbiguous),
        ("http://api.test/v1/%252e%252e/admin", PathAmbiguous),
        ("http://api.test/%25%32%65%25%32%65/x", PathAmbiguous),
    ];
    for (text, code) in rows {
        assert_eq!(url(text).map(|_| ()), Err(*code), "{text}");
    }
}

#[test]
fn websocket_urls_take_ws_and_wss_only() {
    let ws = parse_url("ws://api.test/chat", Interface::WebSocket).unwrap();
    assert_eq!((ws.scheme(), ws.port()), (Scheme::Ws, 80));
    let wss = parse_url("wss://api.test/chat", Interface::WebSocket).unwrap();
    assert_eq!((wss.scheme(), wss.port()), (Scheme::Wss, 443));
    for text in ["http://api.test/", "https://api.test/"] {
        let error = parse_url(text, Interface::WebSocket).unwrap_err();
        assert_eq!(error.code(), NetErrorCode::SchemeDenied, "{text}");
    }
}

#[test]
fn methods_are_exactly_the_five_upper_case_names() {
    for name in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert_eq!(Method::parse(name).unwrap().as_str(), name);
    }
    for name in [
        "get", "Get", "CONNECT", "TRACE", "OPTIONS", "HEAD", "", "GET ", "G\u{0}ET",
    ] {
        assert_eq!(
            Method::parse(name).unwrap_err().code(),
            NetErrorCode::MethodDenied,
            "{name:?}"
        );
    }
}

#[test]
fn a_target_matches_scheme_host_port_method_and_whole_segments() {
    let t = target("http", "api.test", None, &["GET"], &["/v1"]);
    let rows: &[(&str, &str, bool)] = &[
        ("http://api.test/v1", "GET", true),
        ("http://api.test/v1/", "GET", true),
        ("http://api.test/v1/x/y", "GET", true),
        ("http://api.test/v1?q=/v2", "GET", true),
        ("http://API.TEST./v1", "GET", true),
        ("http://api.test:80/v1", "GET", true),
        ("http://api.test/%76%31/x", "GET", true),
        ("http://api.test/v10", "GET", false),
        ("http://api.test/v1admin", "GET", false),
        ("http://api.test/V1", "GET", false),
        ("http://api.test/", "GET", false),
        ("http://api.test/v2/../v1", "GET", true),
        ("http://api.test/v1/../admin", "GET", false),
        ("http://api.test/v1/%2e%2e/admin", "GET", false),
        ("http://api.test:8080/v1", "GET", false),
        ("http://api.test:443/v1", "GET", false),
        ("https://api.test/v1", "GET", false),
        ("http://api.test.evil/v1", "GET", false),
        ("http://evil.api.test/v1", "GET", false),
        ("http://api.tes/v1", "GET", false),
        ("http://api.test/v1", "POST", false),
    ];
    for (text, method, expected) in rows {
        let parsed = url(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let method = Method::parse(method).unwrap();
        assert_eq!(
            t.matches(&parsed, Some(method)),
            *expected,
            "{method:?} {text}"
        );
    }
}

#[test]
fn a_target_port_is_the_one_written_or_the_default_and_nothing_else() {
    let default = target("https", "api.test", None, &["GET"], &["/"]);
    let explicit = target("https", "api.test", Some(8443), &["GET"], &["/"]);
    let get = Some(Method::Get);
    let on = |text: &str| url(text).unwrap();
    assert!(default.matches(&on("https://api.test/"), get));
    assert!(default.matches(&on("https://api.test:443/"), get));
    assert!(!default.matches(&on("https://api.test:8443/"), get));
    assert!(!default.matches(&on("https://api.test:1/"), get));
    assert!(explicit.matches(&on("https://api.test:8443/"), get));
    assert!(!explicit.matches(&on("https://api.test/"), get));
}

#[test]
fn address_hosts_match_as_addresses_and_never_as_names() {
    let t = target("http", "127.0.0.1", Some(8080), &["GET"], &["/"]);
    let get = Some(Method::Get);
    for text in [
        "http://127.0.0.1:8080/",
        "http://127.1:8080/",
        "http://2130706433:8080/",
        "http://0x7f.1:8080/",
        "http://[::ffff:127.0.0.1]:8080/",
    ] {
        assert!(t.matches(&url(text).unwrap(), get), "{text}");
    }
    for text in [
        "http://localhost:8080/",
        "http://127.0.0.2:8080/",
        "http://[::1]:8080/",
    ] {
        assert!(!t.matches(&url(text).unwrap(), get), "{text}");
    }
    let v6 = target("http", "::1", None, &["GET"], &["/"]);
    assert!(v6.matches(&url("http://[::1]/").unwrap(), get));
    assert!(v6.matches(&url("http://[0::0:1]/").unwrap(), get));
    let named = target("http", "localhost", None, &["GET"], &["/"]);
    assert!(!named.matches(&url("http://127.0.0.1/").unwrap(), get));
}

#[test]
fn path_prefixes_are_normalised_like_paths() {
    let get = Some(Method::Get);
    let on = |text: &str| url(text).unwrap();
    let slash = target("http", "api.test", None, &["GET"], &["/v1/"]);
    assert!(slash.matches(&on("http://api.test/v1"), get));
    assert!(slash.matches(&on("http://api.test/v1/x"), get));
    assert!(!slash.matches(&on("http://api.test/v10"), get));
    let root = target("http", "api.test", None, &["GET"], &["/"]);
    assert!(root.matches(&on("http://api.test/anything/at/all"), get));
    let deep = target("http", "api.test", None, &["GET"], &["/v1/users"]);
    assert!(deep.matches(&on("http://api.test/v1/users/7"), get));
    assert!(!deep.matches(&on("http://api.test/v1/users7"), get));
    assert!(!deep.matches(&on("http://api.test/v1"), get));
    let several = target("http", "api.test", None, &["GET", "POST"], &["/a", "/b"]);
    assert!(several.matches(&on("http://api.test/b/x"), Some(Method::Post)));
    assert!(!several.matches(&on("http://api.test/c"), Some(Method::Post)));
}

/// scheme, host, methods, path prefixes, addresses.
type TargetRow<'a> = (
    &'a str,
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
    &'a [&'a str],
);

#[test]
fn malformed_targets_are_refused_as_configuration_errors() {
    use NetErrorCode::TargetInvalid;
    let rows: &[TargetRow] = &[
        ("ftp", "api.test", &["GET"], &["/"], &[]),
        ("ws", "api.test", &["GET"], &["/"], &[]),
        ("http", "api.test", &[], &["/"], &[]),
        ("http", "api.test", &["get"], &["/"], &[]),
        ("http", "api.test", &["TRACE"], &["/"], &[]),
        ("http", "", &["GET"], &["/"], &[]),
        ("http", "api.test:80", &["GET"], &["/"], &[]),
        ("http", "api.test/v1", &["GET"], &["/"], &[]),
        ("http", "user@api.test", &["GET"], &["/"], &[]),
        ("http", "a..test", &["GET"], &["/"], &[]),
        ("http", "api.test", &["GET"], &[], &[]),
        ("http", "api.test", &["GET"], &["v1"], &[]),
        ("http", "api.test", &["GET"], &["/v1?x"], &[]),
        ("http", "api.test", &["GET"], &["/v1%2fx"], &[]),
        ("http", "api.test", &["GET"], &["/v1;x"], &[]),
        ("http", "api.test", &["GET"], &["/"], &["127.1"]),
        ("http", "api.test", &["GET"], &["/"], &["127.0.0.1/8"]),
        ("http", "api.test", &["GET"], &["/"], &["10.0.0.0/33"]),
        ("http", "api.test", &["GET"], &["/"], &["::ffff:127.0.0.1"]),
        ("http", "api.test", &["GET"], &["/"], &["localhost"]),
    ];
    for (scheme, host, methods, prefixes, addresses) in rows {
        let result = try_target(scheme, host, None, methods, prefixes, addresses);
        assert_eq!(
            result.map(|_| ()),
            Err(TargetInvalid),
            "{scheme} {host} {methods:?} {prefixes:?} {addresses:?}"
        );
    }
    assert_eq!(
        try_target("http", "api.test", Some(0), &["GET"], &["/"], &[]).map(|_| ()),
        Err(TargetInvalid)
    );
    assert_eq!(
        try_target("ws", "api.test", None, &[], &["/"], &[]).map(|_| ()),
        Ok(())
    );
    let spec = TargetSpec {
        scheme: "http".into(),
        host: "api.test".into(),
        methods: vec!["GET".into()],
        addresses: vec!["127.0.0.1".into()],
        ..TargetSpec::default()
    };
    assert_eq!(
        Target::new(&spec, Interface::Request, Side::Manifest)
            .unwrap_err()
            .code(),
        TargetInvalid
    );
    assert!(Target::new(&spec, Interface::Request, Side::Grant).is_ok());
}

#[test]
fn a_target_spec_reads_from_toml_with_unknown_keys_refused() {
    let spec: TargetSpec = toml::from_str(
        "scheme = \"https\"\nhost = \"api.test\"\nmethods = [\"GET\"]\npath_prefixes = [\"/v1\"]\n",
    )
    .unwrap();
    assert_eq!(spec.port, None);
    assert!(
        toml::from_str::<TargetSpec>("scheme = \"https\"\nhost = \"a\"\nmethod = [\"GET\"]\n")
            .is_err()
    );
    let open: TargetSpec =
        toml::from_str("scheme = \"https\"\nhost = \"api.test\"\nmethods = [\"GET\"]\n").unwrap();
    let t = Target::new(&open, Interface::Request, Side::Grant).unwrap();
    assert!(t.matches(&url("https://api.test/x/y").unwrap(), Some(Method::Get)));
}

#[test]
fn both_sides_must_match() {
    let manifest = [target("http", "api.test", None, &["GET", "POST"], &["/v1"])];
    let grant = [target("http", "api.test", None, &["GET"], &["/v1/public"])];
    let check = |text: &str, method| {
        check_target(&manifest, &grant, &url(text).unwrap(), Some(method))
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(check("http://api.test/v1/public/x", Method::Get), Ok(()));
    assert_eq!(
        check("http://api.test/v1/private", Method::Get),
        Err(NetErrorCode::NotGranted)
    );
    assert_eq!(
        check("http://api.test/v1/public", Method::Post),
        Err(NetErrorCode::NotGranted)
    );
    assert_eq!(
        check("http://api.test/v2", Method::Get),
        Err(NetErrorCode::NotInManifest)
    );
    assert_eq!(
        check_target(
            &[],
            &grant,
            &url("http://api.test/v1/public").unwrap(),
            Some(Method::Get)
        )
        .unwrap_err()
        .code(),
        NetErrorCode::NotInManifest
    );
    assert_eq!(
        check_target(
            &manifest,
            &[],
            &url("http://api.test/v1").unwrap(),
            Some(Method::Get)
        )
        .unwrap_err()
        .code(),
        NetErrorCode::NotGranted
    );
    let ws = [try_target("ws", "api.test", None, &[], &["/chat"], &[]).unwrap()];
    let chat = parse_url("ws://api.test/chat/room", Interface::WebSocket).unwrap();
    assert!(check_target(&ws, &ws, &chat, None).is_ok());
    assert_eq!(
        check_target(
            &manifest,
            &manifest,
            &url("http://api.test/v1").unwrap(),
            None
        )
        .unwrap_err()
        .code(),
        NetErrorCode::NotInManifest
    );
}

#[test]
fn addresses_are_classified_with_mapped_forms_as_ipv4() {
    use AddressClass::*;
    let rows: &[(&str, AddressClass)] = &[
        ("127.0.0.1", Loopback),
        ("127.255.0.9", Loopback),
        ("::1", Loopback),
        ("::ffff:127.0.0.1", Loopback),
        ("10.1.2.3", Private),
        ("172.16.0.1", Private),
        ("172.31.255.255", Private),
        ("172.32.0.1", Public),
        ("192.168.1.1", Private),
        ("100.64.0.1", Private),
        ("::ffff:10.0.0.1", Private),
        ("fc00::1", Private),
        ("fd12:3456::1", Private),
        ("169.254.169.254", LinkLocal),
        ("fe80::1", LinkLocal),
        ("0.0.0.0", Unspecified),
        ("0.1.2.3", Unspecified),
        ("::", Unspecified),
        ("224.0.0.1", Multicast),
        ("255.255.255.255", Multicast),
        ("ff02::1", Multicast),
        ("64:ff9b::7f00:1", Translated),
        ("2002:7f00:1::", Translated),
        ("2001::1", Translated),
        ("::127.0.0.1", Translated),
        ("192.0.2.1", Reserved),
        ("240.0.0.1", Reserved),
        ("2001:db8::1", Reserved),
        ("4000::1", Reserved),
        ("8.8.8.8", Public),
        ("1.1.1.1", Public),
        ("2606:4700::1111", Public),
        ("::ffff:8.8.8.8", Public),
    ];
    for (text, class) in rows {
        assert_eq!(classify(ip(text)), *class, "{text}");
    }
}

#[test]
fn ranges_parse_strictly_and_contain_mapped_forms() {
    let loopback = IpRange::parse("127.0.0.0/8").unwrap();
    assert!(loopback.contains(ip("127.9.9.9")));
    assert!(loopback.contains(ip("::ffff:127.0.0.1")));
    assert!(!loopback.contains(ip("128.0.0.1")));
    assert!(!loopback.contains(ip("::1")));
    let one = IpRange::parse("127.0.0.1").unwrap();
    assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
    assert!(IpRange::parse("[::1]").unwrap().contains(ip("::1")));
    assert!(IpRange::parse("fe80::/10")
        .unwrap()
        .contains(ip("fe80::99")));
    assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    for bad in [
        "127.1",
        "127.0.0.1/8",
        "10.0.0.0/33",
        "::1/129",
        "10.0.0.0/+8",
        "10.0.0.0/",
        "::ffff:127.0.0.1",
        "x",
        "",
    ] {
        assert!(IpRange::parse(bad).is_err(), "{bad}");
    }
}

fn permit_for(grant_host: &str, addresses: &[&str], url_text: &str) -> Permit {
    let grant = [try_target("http", grant_host, None, &["GET"], &["/"], addresses).unwrap()];
    check_target(&grant, &grant, &url(url_text).unwrap(), Some(Method::Get)).unwrap()
}

#[test]
fn special_addresses_need_a_grant_that_names_them() {
    let by_name = permit_for("api.test", &[], "http://api.test/");
    assert!(check_address(ip("93.184.216.34"), &by_name).is_ok());
    for special in [
        "127.0.0.1",
        "::1",
        "10.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
    ] {
        let error = check_address(ip(special), &by_name).unwrap_err();
        assert_eq!(error.code(), NetErrorCode::AddressDenied, "{special}");
    }
    let literal = permit_for("127.0.0.1", &[], "http://127.1/");
    assert!(check_address(ip("127.0.0.1"), &literal).is_ok());
    assert!(check_address(ip("127.0.0.2"), &literal).is_err());
    let ranged = permit_for("api.test", &["127.0.0.1"], "http://api.test/");
    assert!(check_address(ip("127.0.0.1"), &ranged).is_ok());
    assert!(check_address(ip("::ffff:127.0.0.1"), &ranged).is_ok());
    assert!(check_address(ip("127.0.0.2"), &ranged).is_err());
    assert!(check_address(ip("::1"), &ranged).is_err());
}

#[test]
fn a_name_is_resolved_once_and_every_address_of_the_answer_is_checked() {
    let table = TableResolver::new([
        (
            "rebind.test".to_owned(),
            vec![vec![ip("127.0.0.1")], vec![ip("127.0.0.2")]],
        ),
        (
            "MIXED.test.".to_owned(),
            vec![vec![ip("127.0.0.1"), ip("10.0.0.1")]],
        ),
        ("empty.test".to_owned(), vec![vec![]]),
    ])
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(1);
    let rebind_url = url("http://rebind.test:8080/").unwrap();
    let permit = permit_for_port("rebind.test", 8080, &["127.0.0.1"], &rebind_url);
    let checked = checked_addresses(&rebind_url, &permit, &table, deadline).unwrap();
    assert_eq!(checked.addrs(), &["127.0.0.1:8080".parse().unwrap()]);
    assert_eq!(table.lookups("rebind.test"), 1);
    // A second lookup answers the other address, which the policy refuses: a runtime that
    // resolved again after the check would have connected there unchecked.
    let again = checked_addresses(&rebind_url, &permit, &table, deadline).unwrap_err();
    assert_eq!(again.code(), NetErrorCode::AddressDenied);
    assert_eq!(table.lookups("rebind.test"), 2);

    let mixed_url = url("http://mixed.test:8080/").unwrap();
    let permit = permit_for_port("mixed.test", 8080, &["127.0.0.1"], &mixed_url);
    assert_eq!(
        checked_addresses(&mixed_url, &permit, &table, deadline)
            .unwrap_err()
            .code(),
        NetErrorCode::AddressDenied
    );

    let empty_url = url("http://empty.test:8080/").unwrap();
    let permit = permit_for_port("empty.test", 8080, &[], &empty_url);
    assert_eq!(
        checked_addresses(&empty_url, &permit, &table, deadline)
            .unwrap_err()
            .code(),
        NetErrorCode::ResolveFailed
    );
    let unknown_url = url("http://unknown.test:8080/").unwrap();
    let permit = permit_for_port("unknown.test", 8080, &[], &unknown_url);
    assert_eq!(
        checked_addresses(&unknown_url, &permit, &table, deadline)
            .unwrap_err()
            .code(),
        NetErrorCode::ResolveFailed
    );

    // An address literal is never handed to the resolver.
    let literal_url = url("http://[::ffff:127.0.0.1]:8080/").unwrap();
    let permit = permit_for_port("127.0.0.1", 8080, &[], &literal_url);
    let checked = checked_addresses(&literal_url, &permit, &table, deadline).unwrap();
    assert_eq!(checked.addrs(), &["127.0.0.1:8080".parse().unwrap()]);
}

fn permit_for_port(host: &str, port: u16, addresses: &[&str], on: &NetUrl) -> Permit {
    let grant = [try_target("http", host, Some(port), &["GET"], &["/"], addresses).unwrap()];
    check_target(&grant, &grant, on, Some(Method::Get)).unwrap()
}

#[test]
fn the_system_resolver_answers_localhost_within_the_deadline() {
    let answer = SystemResolver
        .resolve("localhost", Instant::now() + Duration::from_secs(5))
        .unwrap();
    assert!(answer.iter().all(|a| a.is_loopback()), "{answer:?}");
    let late = SystemResolver
        .resolve("localhost", Instant::now())
        .map(|_| ());
    // An expired deadline may still see an answer that was instant; it never waits past it.
    assert!(late.is_ok() || late.unwrap_err().code() == NetErrorCode::ResolveFailed);
}

fn header(name: &str, value: &str) -> HeaderEntry {
    HeaderEntry {
        name: name.into(),
        value: value.into(),
    }
}

#[test]
fn headers_a_guest_may_set() {
    let ok = [
        header("Accept", "application/json"),
        header("content-type", "application/json"),
        header("X-Request-Id", "abc"),
        header("User-Agent", "plugin/1.0"),
        header("If-None-Match", "\"etag\""),
        header("x-empty", ""),
        header("x-tab", "a\tb"),
        header(&"x".repeat(HEADER_NAME_CAP), &"v".repeat(HEADER_VALUE_CAP)),
    ];
    assert_eq!(check_headers(&ok), Ok(()));
    let sixteen: Vec<HeaderEntry> = (0..HEADER_COUNT_CAP)
        .map(|i| header(&format!("x-h{i}"), "v"))
        .collect();
    assert_eq!(check_headers(&sixteen), Ok(()));
}

#[test]
fn headers_a_guest_may_not_set() {
    use NetErrorCode::*;
    let rows: &[(&str, &str, NetErrorCode)] = &[
        ("Host", "evil.test", HeaderDenied),
        ("host", "evil.test", HeaderDenied),
        ("Content-Length", "0", HeaderDenied),
        ("Transfer-Encoding", "chunked", HeaderDenied),
        ("Connection", "keep-alive", HeaderDenied),
        ("Upgrade", "websocket", HeaderDenied),
        ("TE", "trailers", HeaderDenied),
        ("Expect", "100-continue", HeaderDenied),
        ("Authorization", "Bearer x", HeaderDenied),
        ("Proxy-Authorization", "Basic x", HeaderDenied),
        ("Cookie", "a=b", HeaderDenied),
        ("X-API-Key", "k", HeaderDenied),
        ("x-auth-token", "t", HeaderDenied),
        ("X-Amz-Security-Token", "t", HeaderDenied),
        ("x-session-id", "s", HeaderDenied),
        ("X-Forwarded-For", "127.0.0.1", HeaderDenied),
        ("Forwarded", "for=1.2.3.4", HeaderDenied),
        ("Sec-WebSocket-Key", "k", HeaderDenied),
        ("Accept", "text/event-stream", HeaderDenied),
        (
            "accept",
            "application/json, TEXT/Event-Stream;q=0.5",
            HeaderDenied,
        ),
        ("", "v", HeaderInvalid),
        ("x y", "v", HeaderInvalid),
        ("x:y", "v", HeaderInvalid),
        ("x\r\ny", "v", HeaderInvalid),
        ("x\u{0}", "v", HeaderInvalid),
        ("caf\u{e9}", "v", HeaderInvalid),
        ("x-a", "a\r\nHost: evil", HeaderInvalid),
        ("x-a", "a\nb", HeaderInvalid),
        ("x-a", "a\u{0}b", HeaderInvalid),
        ("x-a", "a\u{7f}", HeaderInvalid),
    ];
    for (name, value, code) in rows {
        let result = check_headers(&[header(name, value)]).map_err(|e| e.code());
        assert_eq!(result, Err(*code), "{name:?}: {value:?}");
    }
    let long_name = "x".repeat(HEADER_NAME_CAP + 1);
    assert_eq!(
        check_headers(&[header(&long_name, "v")])
            .unwrap_err()
            .code(),
        HeaderInvalid
    );
    let long_value = "v".repeat(HEADER_VALUE_CAP + 1);
    assert_eq!(
        check_headers(&[header("x-a", &long_value)])
            .unwrap_err()
            .code(),
        HeaderInvalid
    );
    let seventeen: Vec<HeaderEntry> = (0..=HEADER_COUNT_CAP)
        .map(|i| header(&format!("x-h{i}"), "v"))
        .collect();
    assert_eq!(
        check_headers(&seventeen).unwrap_err().code(),
        TooManyHeaders
    );
    let denied = check_headers(&[header("Authorization", "Bearer secret-value")]).unwrap_err();
    assert!(
        !denied.detail().contains("secret-value"),
        "a detail never carries a header value"
    );
}

#[test]
fn header_entries_read_from_json_with_unknown_fields_refused() {
    let entries: Vec<HeaderEntry> = serde_json::from_str(r#"[{"name":"a","value":"b"}]"#).unwrap();
    assert_eq!(entries, [header("a", "b")]);
    assert!(
        serde_json::from_str::<Vec<HeaderEntry>>(r#"[{"name":"a","value":"b","x":1}]"#).is_err()
    );
}

mod model {
    //! A second matcher, written from the SPEC's words without the `url` crate: URLs are built
    //! from parts whose canonical meaning is known by construction, and the model decides from
    //! those meanings. The property: both matchers agree on every generated URL and target.

    use super::super::*;
    use proptest::prelude::*;

    /// Host spellings and the canonical host each one means.
    const HOSTS: &[(&str, &str)] = &[
        ("api.test", "api.test"),
        ("API.Test", "api.test"),
        ("api.test.", "api.test"),
        ("api.test.evil", "api.test.evil"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
        ("[::1]", "::1"),
        ("[0:0::1]", "::1"),
    ];
    const TARGET_HOSTS: &[&str] = &["api.test", "localhost", "127.0.0.1", "::1"];

    #[derive(Clone, Copy, Debug)]
    enum Seg {
        Plain(&'static str),
        Dot,
        DotDot,
        Ambiguous,
    }

    /// Path segment spellings and what each one is.
    const SEGMENTS: &[(&str, Seg)] = &[
        ("v1", Seg::Plain("v1")),
        ("%76%31", Seg::Plain("v1")),
        ("v10", Seg::Plain("v10")),
        ("v1admin", Seg::Plain("v1admin")),
        ("V1", Seg::Plain("V1")),
        ("x", Seg::Plain("x")),
        ("", Seg::Plain("")),
        (".", Seg::Dot),
        ("%2e", Seg::Dot),
        ("..", Seg::DotDot),
        ("%2e%2e", Seg::DotDot),
        (".%2E", Seg::DotDot),
        ("a%2fb", Seg::Ambiguous),
        ("a;b", Seg::Ambiguous),
        ("%252e%252e", Seg::Ambiguous),
    ];
    const PREFIXES: &[(&str, &[&str])] = &[
        ("/", &[]),
        ("/v1", &["v1"]),
        ("/v1/", &["v1"]),
        ("/v1/x", &["v1", "x"]),
        ("/x", &["x"]),
    ];
    const SCHEMES: &[(&str, Option<&str>)] = &[
        ("http", Some("http")),
        ("HTTP", Some("http")),
        ("https", Some("https")),
        ("ftp", None),
    ];
    const PORTS: &[(&str, Option<u16>)] = &[
        ("", None),
        (":80", Some(80)),
        (":0080", Some(80)),
        (":443", Some(443)),
        (":8080", Some(8080)),
    ];
    const METHODS: &[&str] = &["GET", "POST", "DELETE", "get", "TRACE"];

    #[derive(Debug, Clone)]
    struct Case {
        scheme: usize,
        userinfo: bool,
        host: usize,
        port: usize,
        segments: Vec<usize>,
        method: usize,
        t_scheme: bool,
        t_host: usize,
        t_port: Option<u16>,
        t_methods: Vec<usize>,
        t_prefixes: Vec<usize>,
    }

    fn cases() -> impl Strategy<Value = Case> {
        (
            (
                0..SCHEMES.len(),
                prop::bool::weighted(0.05),
                0..HOSTS.len(),
                0..PORTS.len(),
            ),
            prop::collection::vec(0..SEGMENTS.len(), 0..5),
            0..METHODS.len(),
            (
                any::<bool>(),
                0..TARGET_HOSTS.len(),
                prop::option::of(prop::sample::select(vec![80u16, 443, 8080])),
            ),
            prop::collection::vec(0..3usize, 1..3),
            prop::collection::vec(0..PREFIXES.len(), 1..3),
        )
            .prop_map(
                |(
                    (scheme, userinfo, host, port),
                    segments,
                    method,
                    (t_scheme, t_host, t_port),
                    t_methods,
                    t_prefixes,
                )| Case {
                    scheme,
                    userinfo,
                    host,
                    port,
                    segments,
                    method,
                    t_scheme,
                    t_host,
                    t_port,
                    t_methods,
                    t_prefixes,
                },
            )
    }

    fn url_text(case: &Case) -> String {
        let path: Vec<&str> = case.segments.iter().map(|&i| SEGMENTS[i].0).collect();
        format!(
            "{}://{}{}{}/{}",
            SCHEMES[case.scheme].0,
            if case.userinfo { "u@" } else { "" },
            HOSTS[case.host].0,
            PORTS[case.port].0,
            path.join("/"),
        )
    }

    /// `None`: refused before matching. `Some(matched)` otherwise.
    fn model(case: &Case) -> Option<bool> {
        let scheme = SCHEMES[case.scheme].1?;
        if case.userinfo {
            return None;
        }
        let method = METHODS[case.method];
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method) {
            return None;
        }
        // Dot segments as RFC 3986 / WHATWG remove them; a dot segment last leaves a `/`.
        let count = case.segments.len();
        let mut path: Vec<Seg> = Vec::new();
        for (n, &i) in case.segments.iter().enumerate() {
            let last = n + 1 == count;
            match SEGMENTS[i].1 {
                Seg::Dot => {}
                Seg::DotDot => {
                    path.pop();
                }
                seg => path.push(seg),
            }
            if last && matches!(SEGMENTS[i].1, Seg::Dot | Seg::DotDot) {
                path.push(Seg::Plain(""));
            }
        }
        if path.is_empty() {
            path.push(Seg::Plain(""));
        }
        let mut plain = Vec::new();
        for seg in path {
            match seg {
                Seg::Plain(text) => plain.push(text),
                _ => return None,
            }
        }
        let port = PORTS[case.port]
            .1
            .unwrap_or(if scheme == "http" { 80 } else { 443 });
        let t_scheme = if case.t_scheme { "http" } else { "https" };
        let t_port = case
            .t_port
            .unwrap_or(if t_scheme == "http" { 80 } else { 443 });
        let methods: Vec<&str> = case.t_methods.iter().map(|&m| METHODS[m]).collect();
        let prefix_ok = case.t_prefixes.iter().any(|&p| {
            let prefix = PREFIXES[p].1;
            prefix.len() <= plain.len() && prefix.iter().zip(&plain).all(|(a, b)| a == b)
        });
        Some(
            scheme == t_scheme
                && HOSTS[case.host].1 == TARGET_HOSTS[case.t_host]
                && port == t_port
                && methods.contains(&method)
                && prefix_ok,
        )
    }

    fn implementation(case: &Case) -> Option<bool> {
        let spec = TargetSpec {
            scheme: if case.t_scheme { "http" } else { "https" }.into(),
            host: TARGET_HOSTS[case.t_host].into(),
            port: case.t_port,
            methods: case
                .t_methods
                .iter()
                .map(|&m| METHODS[m].to_string())
                .collect(),
            path_prefixes: Some(
                case.t_prefixes
                    .iter()
                    .map(|&p| PREFIXES[p].0.to_string())
                    .collect(),
            ),
            addresses: Vec::new(),
        };
        let target = Target::new(&spec, Interface::Request, Side::Grant)
            .expect("generated targets are valid");
        let url = parse_url(&url_text(case), Interface::Request).ok()?;
        let method = Method::parse(METHODS[case.method]).ok()?;
        Some(target.matches(&url, Some(method)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn the_matcher_agrees_with_the_naive_model(case in cases()) {
            prop_assert_eq!(implementation(&case), model(&case), "{}", url_text(&case));
        }
    }
}
