//! The bound's unit tests: ordinary schemas cheap, fan-out and depth refused, references kept
//! inside, patterns noted, every subschema position marked.

use super::*;
use serde_json::json;

fn applications(schema: Value) -> Result<u64, Refusal> {
    analyse(&schema).map(|c| c.applications)
}

/// `levels` definitions, each applying the next one twice: 2^levels applications.
fn doubling(levels: usize, key: &str) -> Value {
    let mut defs = Map::new();
    for i in 0..levels {
        let next = json!({"$ref": format!("#/$defs/d{}", i + 1)});
        defs.insert(format!("d{i}"), json!({ key: [next.clone(), next] }));
    }
    defs.insert(format!("d{levels}"), json!({"type": "string"}));
    json!({"$defs": defs, "$ref": "#/$defs/d0"})
}

#[test]
fn ordinary_schemas_are_cheap() {
    assert_eq!(applications(json!({"type": "object"})), Ok(1));
    let s = json!({"type":"object","properties":{
        "a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"array","items":{"type":"string"}}
    },"required":["a"]});
    assert_eq!(applications(s), Ok(1));
    let tree = json!({"$defs":{"node":{"type":"object","properties":{
        "children":{"type":"array","items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"});
    assert_eq!(applications(tree), Ok(2));
    let wide: Map<String, Value> = (0..500)
        .map(|i| {
            (
                format!("p{i}"),
                json!({"type":"object","properties":{"x":{"type":"string"}}}),
            )
        })
        .collect();
    assert_eq!(applications(json!({"properties": wide})), Ok(1));
}

#[test]
fn fan_out_through_refs_is_refused() {
    assert_eq!(applications(doubling(8, "allOf")), Ok(1022));
    assert_eq!(applications(doubling(9, "allOf")), Err(Refusal::FanOut));
    for key in ["allOf", "anyOf", "oneOf"] {
        assert_eq!(
            applications(doubling(40, key)),
            Err(Refusal::FanOut),
            "{key}"
        );
    }
    // The same doubling, one level of the input per step: 2^k at depth k.
    let mut defs = Map::new();
    for i in 0..40 {
        let next = json!({"$ref": format!("#/$defs/d{}", i + 1)});
        defs.insert(
            format!("d{i}"),
            json!({"items": {"allOf": [next.clone(), next]}}),
        );
    }
    defs.insert("d40".into(), json!({}));
    let s = json!({"$defs": defs, "$ref": "#/$defs/d0"});
    assert_eq!(applications(s), Err(Refusal::FanOut));
    // Recursion that doubles at every level of the input.
    let s = json!({"$defs":{"t":{"items":{"allOf":[{"$ref":"#/$defs/t"},{"$ref":"#/$defs/t"}]}}},
                   "$ref":"#/$defs/t"});
    assert_eq!(applications(s), Err(Refusal::FanOut));
}

#[test]
fn references_must_stay_inside_and_resolve() {
    for r in [
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema#",
        "other.json#/a",
        "file:///etc/passwd",
    ] {
        assert_eq!(
            applications(json!({"$ref": r})),
            Err(Refusal::ExternalRef),
            "{r}"
        );
    }
    assert_eq!(
        applications(json!({"$ref": "#/nothing"})),
        Err(Refusal::UnresolvedRef)
    );
    assert_eq!(
        applications(json!({"$defs":{"a b":{"type":"string"}},"$ref":"#/$defs/a%20b"})),
        Ok(2)
    );
    assert_eq!(
        applications(json!({"$defs":{"x":{"$anchor":"x"}},"$ref":"#x"})),
        Ok(2)
    );
    assert_eq!(
        applications(json!({"$dynamicRef": "#x"})),
        Err(Refusal::DynamicRef)
    );
    assert_eq!(
        applications(json!({"$defs":{"x":{"$id":"https://e.com/x"}},"$ref":"#/$defs/x"})),
        Err(Refusal::NestedId)
    );
    assert_eq!(
        applications(json!({"$ref": "#"})),
        Err(Refusal::InPlaceCycle)
    );
    assert_eq!(
        applications(
            json!({"$defs":{"a":{"allOf":[{"$ref":"#/$defs/b"}]},"b":{"not":{"$ref":"#/$defs/a"}}},"$ref":"#/$defs/a"})
        ),
        Err(Refusal::InPlaceCycle)
    );
}

#[test]
fn deep_schemas_are_refused_without_recursion() {
    let mut s = json!({});
    for _ in 0..1000 {
        s = json!({ "not": s });
    }
    assert_eq!(applications(s), Err(Refusal::TooDeep));
}

#[test]
fn patterns_are_noted() {
    assert!(
        analyse(&json!({"properties":{"a":{"pattern":"^a"}}}))
            .unwrap()
            .patterns
    );
    assert!(!analyse(&json!({"type":"string"})).unwrap().patterns);
}

#[test]
fn every_schema_position_is_marked_and_nothing_else() {
    let mut schema = json!({
        "$defs": {"d": {"type": "integer"}},
        "definitions": {"e": {}},
        "properties": {"p": {"const": {"not": {}}}},
        "patternProperties": {"^x": {}},
        "additionalProperties": {},
        "propertyNames": {},
        "dependentSchemas": {"p": {}},
        "dependencies": {"a": ["b"], "c": {}},
        "allOf": [{}], "anyOf": [{}], "oneOf": [{}],
        "not": {"enum": [{"items": {}}]},
        "if": {}, "then": {}, "else": {},
        "prefixItems": [{}],
        "items": {"default": {"allOf": [{}]}},
        "additionalItems": {}, "contains": {}, "unevaluatedItems": {},
        "unevaluatedProperties": {},
        "examples": [{"not": {}}],
        "x-unknown": {"not": {}}
    });
    mark_subschemas(&mut schema, "m");
    let mut tuple = json!({"items": [{}, true]});
    mark_subschemas(&mut tuple, "m");
    let marked = |v: &Value| v.get("m") == Some(&Value::Bool(true));
    for pointer in [
        "",
        "/$defs/d",
        "/definitions/e",
        "/properties/p",
        "/patternProperties/^x",
        "/additionalProperties",
        "/propertyNames",
        "/dependentSchemas/p",
        "/dependencies/c",
        "/allOf/0",
        "/anyOf/0",
        "/oneOf/0",
        "/not",
        "/if",
        "/then",
        "/else",
        "/prefixItems/0",
        "/items",
        "/additionalItems",
        "/contains",
        "/unevaluatedItems",
        "/unevaluatedProperties",
    ] {
        assert!(marked(schema.pointer(pointer).unwrap()), "{pointer}");
    }
    assert!(marked(tuple.pointer("/items/0").unwrap()));
    assert_eq!(tuple.pointer("/items/1"), Some(&json!(true)));
    // Data and unknown keywords are left as they are.
    for (pointer, value) in [
        ("/properties/p/const", json!({"not": {}})),
        ("/not/enum", json!([{"items": {}}])),
        ("/items/default", json!({"allOf": [{}]})),
        ("/examples", json!([{"not": {}}])),
        ("/x-unknown", json!({"not": {}})),
        ("/dependencies/a", json!(["b"])),
    ] {
        assert_eq!(schema.pointer(pointer), Some(&value), "{pointer}");
    }
    assert!(schema.get("properties").unwrap().get("m").is_none());
}
