//! Load-time refusal of input schemas whose validation is not bounded (SPEC §2.3): references
//! outside the schema, nesting past 64, fan-out past 1024, patterns needing backtracking.

use serde_json::Value;
use std::collections::HashMap;

/// The deepest JSON nesting a schema may have.
const MAX_NESTING: usize = 64;
/// The most subschemas that may apply to one input value at one depth.
const MAX_FAN_OUT: u64 = 1024;
/// The input depths the fan-out is counted at.
const MAX_DEPTH: usize = 128;

/// Why a schema is refused: `reason` in the error's details, and what to tell the operator.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    ExternalRef(String),
    Unbounded(String),
}

/// Keywords whose values are data, not schemas: a `$ref` or `pattern` key inside means nothing.
const DATA_KEYWORDS: [&str; 4] = ["enum", "const", "default", "examples"];

pub fn check(schema: &Value) -> Result<(), Refusal> {
    let mut anchors = HashMap::new();
    walk(schema, "", 0, &mut anchors)?;
    Counter {
        root: schema,
        anchors,
        memo: HashMap::new(),
        busy: Vec::new(),
    }
    .check()
}

fn unbounded(why: impl Into<String>) -> Refusal {
    Refusal::Unbounded(why.into())
}

/// References, `$id`s, nesting and patterns, and the anchors `$ref`s may name.
fn walk(
    value: &Value,
    pointer: &str,
    depth: usize,
    anchors: &mut HashMap<String, String>,
) -> Result<(), Refusal> {
    if depth > MAX_NESTING {
        return Err(unbounded(format!(
            "the schema nests deeper than {MAX_NESTING} levels"
        )));
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{pointer}/{i}"), depth + 1, anchors)?;
            }
        }
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), child) {
                    ("$ref", Value::String(target)) if !target.starts_with('#') => {
                        return Err(Refusal::ExternalRef(target.clone()));
                    }
                    ("$dynamicRef" | "$recursiveRef", Value::String(target)) => {
                        return Err(Refusal::ExternalRef(target.clone()));
                    }
                    ("$id" | "id", Value::String(id)) if !pointer.is_empty() => {
                        match id.strip_prefix('#') {
                            Some(name) => {
                                anchors.insert(name.to_owned(), pointer.to_owned());
                            }
                            None if key == "$id" => return Err(Refusal::ExternalRef(id.clone())),
                            None => {}
                        }
                    }
                    ("$anchor", Value::String(name)) => {
                        anchors.insert(name.clone(), pointer.to_owned());
                    }
                    ("pattern", Value::String(pattern)) => check_pattern(pattern)?,
                    ("patternProperties", Value::Object(patterns)) => {
                        for pattern in patterns.keys() {
                            check_pattern(pattern)?;
                        }
                    }
                    _ => {}
                }
                if DATA_KEYWORDS.contains(&key.as_str()) {
                    continue;
                }
                walk(child, &here, depth + 1, anchors)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A pattern must be of the `regex` crate's syntax, which has no look-around (a run of
/// `(?=…)` groups after a leading `^` included: SPEC §2.3 refuses every look-around) and no
/// back-references.
fn check_pattern(pattern: &str) -> Result<(), Refusal> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|_| {
            unbounded("a pattern needs a backtracking matcher or is not a regular expression")
        })
}

/// Counts, for every input depth `k`, the most subschemas that can apply to one value `k`
/// levels below the value a schema applies to.
struct Counter<'a> {
    root: &'a Value,
    anchors: HashMap<String, String>,
    memo: HashMap<(usize, usize), u64>,
    /// Schemas being counted at one depth: meeting one again is an in-place cycle.
    busy: Vec<(usize, usize)>,
}

/// A schema's identity: its address inside the root (the schema is borrowed for the whole count).
fn id(schema: &Value) -> usize {
    schema as *const Value as usize
}

impl<'a> Counter<'a> {
    fn check(mut self) -> Result<(), Refusal> {
        let root = self.root;
        for depth in 0..=MAX_DEPTH {
            let count = self.count(root, depth)?;
            if count > MAX_FAN_OUT {
                return Err(unbounded(format!(
                    "{count} subschemas apply to one input value at depth {depth}, over {MAX_FAN_OUT}"
                )));
            }
        }
        Ok(())
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let fragment = reference.strip_prefix('#')?;
        if fragment.is_empty() {
            return Some(self.root);
        }
        let decoded = percent_decode(fragment)?;
        if decoded.starts_with('/') {
            return self.root.pointer(&decoded);
        }
        let pointer = self.anchors.get(&decoded)?;
        if pointer.is_empty() {
            Some(self.root)
        } else {
            self.root.pointer(pointer)
        }
    }

    /// Subschemas applied to the value `depth` levels below the one `schema` applies to, at
    /// most (saturating; anything past the bound is refused anyway).
    fn count(&mut self, schema: &'a Value, depth: usize) -> Result<u64, Refusal> {
        let Value::Object(map) = schema else {
            return Ok(u64::from(depth == 0));
        };
        let key = (id(schema), depth);
        if let Some(&n) = self.memo.get(&key) {
            return Ok(n);
        }
        if self.busy.contains(&key) {
            return Err(unbounded(
                "a $ref cycle applies a schema to the same value forever",
            ));
        }
        self.busy.push(key);
        let mut total = u64::from(depth == 0);
        // In place: the same value, the same depth.
        let mut in_place: Vec<&'a Value> = Vec::new();
        for keyword in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(items)) = map.get(keyword) {
                in_place.extend(items);
            }
        }
        for keyword in ["not", "if", "then", "else"] {
            in_place.extend(map.get(keyword));
        }
        if let Some(Value::Object(entries)) = map.get("dependentSchemas") {
            in_place.extend(entries.values());
        }
        if let Some(Value::Object(entries)) = map.get("dependencies") {
            in_place.extend(entries.values().filter(|v| !v.is_array()));
        }
        if let Some(Value::String(reference)) = map.get("$ref") {
            in_place.extend(self.resolve(reference));
        }
        for child in in_place {
            total = total.saturating_add(self.count(child, depth)?);
        }
        if depth > 0 {
            let below = depth - 1;
            // One of these applies to a given member, one to a given item.
            let mut members: Vec<&'a Value> = Vec::new();
            if let Some(Value::Object(properties)) = map.get("properties") {
                members.extend(properties.values());
            }
            members.extend(map.get("additionalProperties"));
            let mut items: Vec<&'a Value> = Vec::new();
            if let Some(Value::Array(prefix)) = map.get("prefixItems") {
                items.extend(prefix);
            }
            match map.get("items") {
                Some(Value::Array(tuple)) => items.extend(tuple),
                Some(other) => items.push(other),
                None => {}
            }
            items.extend(map.get("additionalItems"));
            for alternatives in [members, items] {
                let mut most = 0u64;
                for child in alternatives {
                    most = most.max(self.count(child, below)?);
                }
                total = total.saturating_add(most);
            }
            let mut others: Vec<&'a Value> = Vec::new();
            if let Some(Value::Object(patterns)) = map.get("patternProperties") {
                others.extend(patterns.values());
            }
            for keyword in [
                "propertyNames",
                "unevaluatedProperties",
                "contains",
                "unevaluatedItems",
            ] {
                others.extend(map.get(keyword));
            }
            for child in others {
                total = total.saturating_add(self.count(child, below)?);
            }
        }
        self.busy.pop();
        self.memo.insert(key, total);
        Ok(total)
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(levels: usize) -> Value {
        let mut defs = serde_json::Map::new();
        for i in 0..levels {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"allOf": [{"$ref": next}, {"$ref": next}]}),
            );
        }
        defs.insert(format!("d{levels}"), json!({"type": "integer"}));
        json!({"type": "array", "items": {"$ref": "#/$defs/d0"}, "$defs": defs})
    }

    #[test]
    fn fan_out_is_counted_through_refs_and_bounded() {
        // 1022 subschemas per item: within the bound.
        assert_eq!(check(&chain(8)), Ok(()));
        assert!(matches!(check(&chain(9)), Err(Refusal::Unbounded(_))));
        let cycle =
            json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"});
        assert!(matches!(check(&cycle), Err(Refusal::Unbounded(_))));
        let descending =
            json!({"$defs": {"a": {"items": {"$ref": "#/$defs/a"}}}, "$ref": "#/$defs/a"});
        assert_eq!(check(&descending), Ok(()));
    }

    #[test]
    fn references_stay_inside() {
        let meta = json!({"$ref": "https://json-schema.org/draft/2020-12/schema"});
        assert!(matches!(check(&meta), Err(Refusal::ExternalRef(_))));
        let inside = json!({"properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {}}});
        assert_eq!(check(&inside), Ok(()));
        let data = json!({"enum": [{"$ref": "http://x"}]});
        assert_eq!(check(&data), Ok(()));
    }

    #[test]
    fn patterns_must_not_backtrack() {
        let pattern = |p: &str| check(&json!({"pattern": p}));
        assert_eq!(pattern("^[a-z]+$"), Ok(()));
        // SPEC §2.3 refuses every look-around, a leading run included.
        assert!(pattern("^(?=.*a)(?=.*b).*$").is_err());
        assert!(pattern("^(a|aa)+(?<!b)\\1$").is_err());
        assert!(pattern("a(?=b)").is_err());
        assert!(pattern("(?!a)").is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let mut deep = json!({});
        for _ in 0..70 {
            deep = json!({ "not": deep });
        }
        assert!(matches!(check(&deep), Err(Refusal::Unbounded(_))));
    }
}
