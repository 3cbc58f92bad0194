//! The header rules of docs/CASES.md, each refused with its message and hint.

use super::*;

const MODULE: &str = "(module (memory (export \"memory\") 1) (func (export \"yoi_tool_call\")))";

fn parse(header: &str) -> Result<Case, KitError> {
    let source: String = header
        .lines()
        .map(|l| format!(";;! {}\n", l.trim()))
        .collect::<String>()
        + MODULE;
    let areas = BTreeMap::from([("G-1".to_string(), "area".to_string())]);
    parse_case(Path::new("corpus/x/case.wat"), &source, Some(&areas))
}

fn header_error(header: &str) -> (String, &'static str) {
    match parse(header) {
        Err(KitError::Header {
            message,
            hint,
            path,
        }) => {
            assert_eq!(path, Path::new("corpus/x/case.wat"));
            (message, hint)
        }
        other => panic!("expected a header error, got {other:?}"),
    }
}

const BASE: &str = "id = \"x.case\"\nguarantee = \"G-1\"\nsince = \"0.1.0\"\nsummary = \"s\"";

#[test]
fn minimal_case_takes_the_defaults() {
    let case = parse(&format!(
        "{BASE}\n[expect]\ncode = \"trap\"\ndetails = {{ trap = \"unreachable\" }}"
    ))
    .unwrap();
    assert_eq!(case.tool, "run");
    assert_eq!(case.input, "{}");
    assert_eq!(case.area, "area");
    assert_eq!(case.repeat, 1);
    assert_eq!(case.input_schema, serde_json::json!({"type": "object"}));
    assert_eq!(case.message_bytes(), 512);
    assert!(case.module.starts_with(b"\0asm"));
    match case.expect.outcome {
        ExpectedOutcome::Error { code, details } => {
            assert_eq!(code, "trap");
            assert_eq!(details["trap"], "unreachable");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_key_is_refused_with_line_and_hint() {
    let cases = [
        (
            format!("{BASE}\ncolour = \"red\"\n[expect]\ncode = \"trap\""),
            "colour",
            Some("line 5"),
        ),
        (
            format!("{BASE}\n[expect]\ncode = \"trap\"\nmin_calls = {{}}"),
            "min_calls",
            None,
        ),
        (
            format!("{BASE}\n[limits]\ndeadline = 5\n[expect]\ncode = \"trap\""),
            "deadline",
            None,
        ),
        (
            format!("{BASE}\n[package]\nentyr = \"a\"\n[expect]\ncode = \"trap\""),
            "entyr",
            None,
        ),
    ];
    for (header, unknown, line) in cases {
        let error = parse(&header).unwrap_err();
        assert!(
            error.to_string().contains("unknown keys are refused"),
            "{error}"
        );
        match error {
            KitError::UnknownHeaderKey { key, message, path } => {
                assert_eq!(key, unknown);
                assert_eq!(path, Path::new("corpus/x/case.wat"));
                assert!(line.is_none_or(|line| message.contains(line)), "{message}");
            }
            other => panic!("{unknown}: expected an unknown-key error, got {other:?}"),
        }
    }
}

#[test]
fn missing_required_key_names_it() {
    let (message, hint) = header_error(
        "id = \"x.case\"\nguarantee = \"G-1\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"",
    );
    assert!(message.contains("missing field `since`"), "{message}");
    assert!(hint.contains("every case needs"));
}

#[test]
fn broken_toml_is_a_header_error() {
    let (message, _) = header_error(&format!("{BASE}\n[expect\ncode = \"trap\""));
    assert!(message.contains("line 5"), "{message}");
}

#[test]
fn no_header_is_a_header_error() {
    let err = parse_case(Path::new("a.wat"), MODULE, None).unwrap_err();
    assert!(matches!(err, KitError::Header { .. }), "{err:?}");
}

#[test]
fn expect_rules_are_enforced() {
    let cases = [
        ("code = \"trap\"\noutput = { summary = \"a\" }", "both"),
        ("min_host_calls = { input_len = 1 }", "needs one of"),
        ("code = \"Trap\"", "not in the vocabulary"),
        (
            "code = \"timeout\"\ndetails = { deadline_ms = 50 }",
            "not normative",
        ),
        (
            "code = \"trap\"\ndetails = { trap = \"oops\" }",
            "does not allow",
        ),
        (
            "code = \"export_missing\"\ndetails = { export = \"mem\" }",
            "does not allow",
        ),
        (
            "code = \"import_denied\"\ndetails = { imports = [\"env\"] }",
            "does not allow",
        ),
        (
            "output = { summary = \"a\" }\ndetails = { trap = \"unreachable\" }",
            "goes with",
        ),
        (
            "code = \"trap\"\ndiagnostics = \"x\"",
            "needs `capabilities",
        ),
    ];
    for (expect, needle) in cases {
        let (message, _) = header_error(&format!("{BASE}\n[expect]\n{expect}"));
        assert!(message.contains(needle), "{expect}: {message}");
    }
}

#[test]
fn input_rules_are_enforced() {
    let (message, _) = header_error(&format!(
        "input = \"{{}}\"\ninput_size = 20\n{BASE}\n[expect]\ncode = \"trap\""
    ));
    assert!(message.contains("both set"), "{message}");
    let (message, _) = header_error(&format!(
        "input_size = 9\n{BASE}\n[expect]\ncode = \"trap\""
    ));
    assert!(message.contains("below"), "{message}");
    let (message, _) = header_error(&format!(
        "input_schema = \"[1]\"\n{BASE}\n[expect]\ncode = \"trap\""
    ));
    assert!(message.contains("JSON object"), "{message}");
    let (message, _) = header_error(&format!(
        "input_schema = '{{\"default\": null}}'\n{BASE}\n[expect]\ncode = \"trap\""
    ));
    assert!(message.contains("TOML"), "{message}");
    let case = parse(&format!(
        "input_size = 65536\n{BASE}\n[expect]\ncode = \"trap\""
    ))
    .unwrap();
    assert_eq!(case.input.len(), 65536);
    assert!(serde_json::from_str::<serde_json::Value>(&case.input).is_ok());
}

#[test]
fn bad_id_and_unknown_guarantee_are_refused() {
    let (message, _) = header_error("id = \"X Case\"\nguarantee = \"G-1\"\nsince = \"0\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"");
    assert!(message.contains("[a-z0-9._-]"), "{message}");
    let err = parse("id = \"x.a\"\nguarantee = \"G-9\"\nsince = \"0\"\nsummary = \"s\"\n[expect]\ncode = \"trap\"").unwrap_err();
    assert!(
        matches!(err, KitError::UnknownGuarantee { ref guarantee, .. } if guarantee == "G-9"),
        "{err:?}"
    );
}

#[test]
fn module_that_does_not_compile_is_a_compile_error() {
    let source = format!(
        ";;! {}\n;;! [expect]\n;;! code = \"trap\"\n(module (func (i32.bogus)))",
        BASE.replace('\n', "\n;;! ")
    );
    let err = parse_case(Path::new("c.wat"), &source, None).unwrap_err();
    match err {
        KitError::Compile { message, .. } => {
            assert!(message.contains("c.wat:7:16"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn raw_module_hex_replaces_the_wat() {
    let source = format!(";;! {}\n;;! [package]\n;;! raw_module_hex = \"0061736d 02000000\"\n;;! [expect]\n;;! code = \"module_invalid\"\n(this is not wat)", BASE.replace('\n', "\n;;! "));
    let case = parse_case(Path::new("c.wat"), &source, None).unwrap();
    assert_eq!(case.module, b"\0asm\x02\0\0\0");
}

#[test]
fn zip_rules_are_enforced() {
    let zip = "[zip]\n[[zip.entry]]\nname = \"x\"";
    let caps = "capabilities = [\"package_zip\"]";
    for (header, want) in [
        (format!("{BASE}\n{zip}"), "needs `capabilities"),
        (
            format!("{BASE}\n{caps}\n[package]\nwarm_up = true\n{zip}"),
            "load one archive",
        ),
        (
            format!("{BASE}\n{caps}\n[zip]\nleading_hex = \"abc\""),
            "not hex",
        ),
        (
            format!("{BASE}\n{caps}\n{zip}\ntext = \"a\"\ndata_of = \"b\""),
            "exclusive",
        ),
    ] {
        let (message, _) = header_error(&format!("{header}\n[expect]\ncode = \"trap\""));
        assert!(message.contains(want), "{header}: {message}");
    }
    let case = parse(&format!(
        "{BASE}\n{caps}\n{zip}\nmode = 0o120777\n[expect]\ncode = \"path_escape\""
    ))
    .unwrap();
    let spec = case.zip.unwrap();
    assert_eq!(spec.entry[0].mode, Some(0o120777));
}

#[test]
fn warm_up_module_rules_are_enforced() {
    let module = "warm_up_module = '(module)'";
    for (package, want) in [
        (module.to_string(), "needs warm_up = true"),
        (
            format!("warm_up = true\ntamper_after_pin = true\n{module}"),
            "no tamper_after_pin",
        ),
        (
            format!("warm_up = true\nmodule_path = \"\"\n{module}"),
            "a module file to replace",
        ),
    ] {
        let (message, _) = header_error(&format!(
            "{BASE}\n[package]\n{package}\n[expect]\ncode = \"trap\""
        ));
        assert!(message.contains(want), "{package}: {message}");
    }
    let broken = "warm_up = true\nwarm_up_module = '(module (func (i32.bogus)))'";
    match parse(&format!(
        "{BASE}\n[package]\n{broken}\n[expect]\ncode = \"trap\""
    )) {
        Err(KitError::Compile { message, .. }) => {
            assert!(message.contains("warm_up_module"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let ok = format!("{BASE}\n[package]\nwarm_up = true\n{module}\n[expect]\ncode = \"trap\"");
    assert_eq!(
        parse(&ok).unwrap().package.warm_up_module.as_deref(),
        Some("(module)")
    );
}
