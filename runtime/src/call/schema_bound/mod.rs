//! A bound, computed at load, on the work of validating one input against an `input_schema`.
//!
//! A schema is package text: small, but through `$ref` and the in-place applicators (`allOf`,
//! `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, dependent schemas) a few hundred bytes can apply
//! the same subschema to one input value 2^40 times. Such a schema is refused at load
//! (`manifest_invalid`), before any call; what is accepted has a known worst case that decides,
//! per call, whether validation may run inline (docs/SPEC.md §2 and §6).
//!
//! The bound: for every instance depth `k` up to serde_json's nesting limit, an upper bound on
//! how many subschemas are applied to one input value at depth `k`. Among `properties` (and
//! among `prefixItems`) only one applies to a given member, so they count by their maximum;
//! everything else counts by its sum.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Most subschema applications allowed for any one input value.
pub(crate) const MAX_APPLICATIONS: u64 = 1024;
/// Deepest schema accepted, counted in JSON nesting levels.
pub(crate) const MAX_SCHEMA_DEPTH: usize = 64;
/// serde_json's nesting limit: no input value is deeper.
const INPUT_DEPTH: usize = 128;

/// What is known about a schema's worst case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cost {
    /// At most this many subschemas are applied to any one input value.
    pub applications: u64,
    /// Whether `pattern` or `patternProperties` occurs (their cost grows with the text matched).
    pub patterns: bool,
}

/// Why a schema is refused; each is a fixed sentence that quotes nothing of the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    TooDeep,
    ExternalRef,
    DynamicRef,
    NestedId,
    UnresolvedRef,
    InPlaceCycle,
    FanOut,
}

impl Refusal {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Refusal::TooDeep => "is nested more than 64 levels deep",
            Refusal::ExternalRef => {
                "refers to a resource outside the schema ($ref must be \"#\" or start with \"#\"); only references inside the schema are allowed"
            }
            Refusal::DynamicRef => "uses $dynamicRef or $recursiveRef, which this runtime does not bound",
            Refusal::NestedId => "declares $id below its root, which this runtime does not resolve",
            Refusal::UnresolvedRef => "has a $ref that names nothing in the schema",
            Refusal::InPlaceCycle => "refers to itself without descending into the input",
            Refusal::FanOut => {
                "could apply more than 1024 subschemas to one input value ($ref and allOf/anyOf/oneOf fan-out)"
            }
        }
    }

    /// A refusal for a reference the schema compiler would have fetched; reported as such.
    pub(crate) fn is_external(self) -> bool {
        self == Refusal::ExternalRef
    }
}

/// Deepest nesting of a JSON value, computed without recursion (the schema is untrusted and may
/// be nested deeper than the host's stack allows).
pub(crate) fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((value, d)) = stack.pop() {
        deepest = deepest.max(d);
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|v| (v, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// Checks the schema's references and nesting and bounds its fan-out.
pub(crate) fn analyse(root: &Value) -> Result<Cost, Refusal> {
    if depth(root) > MAX_SCHEMA_DEPTH {
        return Err(Refusal::TooDeep);
    }
    let mut graph = Graph::new(root);
    graph.node(root, true)?;
    let mut i = 0;
    while i < graph.pending.len() {
        let (value, id) = graph.pending[i];
        graph.nodes[id] = graph.edges(value)?;
        i += 1;
    }
    let order = graph.in_place_order()?;
    let applications = graph.worst_case(&order);
    if applications > MAX_APPLICATIONS {
        return Err(Refusal::FanOut);
    }
    Ok(Cost {
        applications,
        patterns: graph.patterns,
    })
}

/// Keywords whose value is one subschema (`items` too when it is not an array).
const ONE_SUBSCHEMA: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "additionalProperties",
    "propertyNames",
    "unevaluatedProperties",
    "items",
    "additionalItems",
    "contains",
    "unevaluatedItems",
];
/// Keywords whose value is an array of subschemas.
const SUBSCHEMA_LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Keywords whose value is an object whose members are subschemas (the non-schema members of
/// `dependencies`, arrays of names, are not objects and are passed over).
const SUBSCHEMA_MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "dependentSchemas",
    "dependencies",
    "$defs",
    "definitions",
];

/// Adds `keyword: true` to every object in a schema position of `root` (the root, every
/// applicator's subschemas and every definition), and to nothing else: not to `const`,
/// `enum`, `default` or `examples` values, nor to a `properties` map itself, so what the
/// schema accepts does not change unless `keyword` is given a meaning. Without recursion: the
/// schema is untrusted (it is bounded to 64 levels before this runs, but need not be).
pub(crate) fn mark_subschemas(root: &mut Value, keyword: &str) {
    let mut stack = vec![root];
    while let Some(value) = stack.pop() {
        let Value::Object(map) = value else {
            continue;
        };
        map.insert(keyword.to_owned(), Value::Bool(true));
        for (key, child) in map.iter_mut() {
            let key = key.as_str();
            if child.is_object() && ONE_SUBSCHEMA.contains(&key) {
                stack.push(child);
                continue;
            }
            match child {
                Value::Array(items) if SUBSCHEMA_LIST.contains(&key) => stack.extend(items),
                Value::Object(members) if SUBSCHEMA_MAP.contains(&key) => {
                    stack.extend(members.values_mut());
                }
                _ => {}
            }
        }
    }
}

#[derive(Default, Clone)]
struct Node {
    /// Applied to the same input value.
    in_place: Vec<usize>,
    /// Applied to a member of an object: at most one of `one_member`, all of `every_member`.
    one_member: Vec<usize>,
    every_member: Vec<usize>,
    /// Applied to an item of an array: at most one of `one_item`, all of `every_item`.
    one_item: Vec<usize>,
    every_item: Vec<usize>,
}

struct Graph<'a> {
    root: &'a Value,
    ids: HashMap<*const Value, usize>,
    nodes: Vec<Node>,
    pending: Vec<(&'a Value, usize)>,
    anchors: HashMap<&'a str, &'a Value>,
    patterns: bool,
}

impl<'a> Graph<'a> {
    fn new(root: &'a Value) -> Graph<'a> {
        let mut anchors = HashMap::new();
        let mut stack = vec![root];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(name)) = map.get("$anchor") {
                        anchors.insert(name.as_str(), value);
                    }
                    if let Some(name) = map.get("$id").and_then(Value::as_str) {
                        if let Some(name) = name.strip_prefix('#') {
                            anchors.insert(name, value);
                        }
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        Graph {
            root,
            ids: HashMap::new(),
            nodes: Vec::new(),
            pending: Vec::new(),
            anchors,
            patterns: false,
        }
    }

    /// The id of a schema node, queued for its edges when first seen.
    fn node(&mut self, value: &'a Value, is_root: bool) -> Result<usize, Refusal> {
        let key = value as *const Value;
        if let Some(&id) = self.ids.get(&key) {
            return Ok(id);
        }
        if let Value::Object(map) = value {
            if !is_root && !std::ptr::eq(value, self.root) && map.contains_key("$id") {
                let is_anchor = map
                    .get("$id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.starts_with('#'));
                if !is_anchor {
                    return Err(Refusal::NestedId);
                }
            }
        }
        let id = self.nodes.len();
        self.ids.insert(key, id);
        self.nodes.push(Node::default());
        self.pending.push((value, id));
        Ok(id)
    }

    fn resolve(&self, reference: &str) -> Result<&'a Value, Refusal> {
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(Refusal::ExternalRef);
        };
        let fragment = percent_decode(fragment).ok_or(Refusal::UnresolvedRef)?;
        if fragment.is_empty() {
            return Ok(self.root);
        }
        if fragment.starts_with('/') {
            return self.root.pointer(&fragment).ok_or(Refusal::UnresolvedRef);
        }
        self.anchors
            .get(fragment.as_str())
            .copied()
            .ok_or(Refusal::UnresolvedRef)
    }

    fn edges(&mut self, value: &'a Value) -> Result<Node, Refusal> {
        let Value::Object(map) = value else {
            return Ok(Node::default());
        };
        let mut node = Node::default();
        if map.contains_key("pattern") || map.contains_key("patternProperties") {
            self.patterns = true;
        }
        if map.contains_key("$dynamicRef") || map.contains_key("$recursiveRef") {
            return Err(Refusal::DynamicRef);
        }
        if let Some(reference) = map.get("$ref") {
            if let Some(reference) = reference.as_str() {
                let target = self.resolve(reference)?;
                node.in_place.push(self.node(target, false)?);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for item in list(map, key) {
                node.in_place.push(self.node(item, false)?);
            }
        }
        for key in ["not", "if", "then", "else"] {
            if let Some(schema) = map.get(key) {
                node.in_place.push(self.node(schema, false)?);
            }
        }
        for key in ["dependentSchemas", "dependencies"] {
            for schema in members(map, key).filter(|v| !v.is_array()) {
                node.in_place.push(self.node(schema, false)?);
            }
        }
        for schema in members(map, "properties") {
            node.one_member.push(self.node(schema, false)?);
        }
        if let Some(schema) = map.get("additionalProperties") {
            node.one_member.push(self.node(schema, false)?);
        }
        for schema in members(map, "patternProperties") {
            node.every_member.push(self.node(schema, false)?);
        }
        for key in ["propertyNames", "unevaluatedProperties"] {
            if let Some(schema) = map.get(key) {
                node.every_member.push(self.node(schema, false)?);
            }
        }
        for item in list(map, "prefixItems").chain(list(map, "items")) {
            node.one_item.push(self.node(item, false)?);
        }
        for key in ["items", "additionalItems"] {
            if let Some(schema) = map.get(key).filter(|v| !v.is_array()) {
                node.one_item.push(self.node(schema, false)?);
            }
        }
        for key in ["contains", "unevaluatedItems"] {
            if let Some(schema) = map.get(key) {
                node.every_item.push(self.node(schema, false)?);
            }
        }
        Ok(node)
    }

    /// The nodes in an order where every node comes after everything it applies in place; a
    /// cycle of in-place applications is refused.
    fn in_place_order(&self) -> Result<Vec<usize>, Refusal> {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; self.nodes.len()];
        let mut order = Vec::with_capacity(self.nodes.len());
        for start in 0..self.nodes.len() {
            if state[start] != NEW {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            state[start] = OPEN;
            while let Some((id, next)) = stack.pop() {
                match self.nodes[id].in_place.get(next) {
                    Some(&child) => {
                        stack.push((id, next + 1));
                        match state[child] {
                            NEW => {
                                state[child] = OPEN;
                                stack.push((child, 0));
                            }
                            OPEN => return Err(Refusal::InPlaceCycle),
                            _ => {}
                        }
                    }
                    None => {
                        state[id] = DONE;
                        order.push(id);
                    }
                }
            }
        }
        Ok(order)
    }

    /// The most subschemas applied to one input value at any depth, saturating just past the
    /// bound.
    fn worst_case(&self, order: &[usize]) -> u64 {
        let cap = MAX_APPLICATIONS + 1;
        let sum = |ids: &[usize], f: &[u64]| {
            ids.iter()
                .fold(0u64, |acc, &c| acc.saturating_add(f[c]))
                .min(cap)
        };
        let max = |ids: &[usize], f: &[u64]| ids.iter().map(|&c| f[c]).max().unwrap_or(0);
        // level[n]: subschemas applied to one value at the current relative depth when node n
        // is applied at depth 0.
        let mut level = vec![0u64; self.nodes.len()];
        for &id in order {
            level[id] = (1 + sum(&self.nodes[id].in_place, &level)).min(cap);
        }
        let mut worst = level[0];
        for _ in 0..INPUT_DEPTH {
            let mut next = vec![0u64; self.nodes.len()];
            for &id in order {
                let n = &self.nodes[id];
                let member =
                    max(&n.one_member, &level).saturating_add(sum(&n.every_member, &level));
                let item = max(&n.one_item, &level).saturating_add(sum(&n.every_item, &level));
                let own = member.max(item);
                next[id] = own.saturating_add(sum(&n.in_place, &next)).min(cap);
            }
            level = next;
            worst = worst.max(level[0]);
            if worst >= cap {
                break;
            }
        }
        worst
    }
}

fn list<'a>(map: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    map.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn members<'a>(map: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    map.get(key)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
}

/// `%XX` escapes of a URI fragment decoded; `None` if they do not form UTF-8.
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
mod tests;
