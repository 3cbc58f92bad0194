//! The kit's name-resolution table: how a case makes names resolve, handed to the runtime through
//! the adapter protocol. Each name has a sequence of answers; lookup `n` gets answer `n`, every
//! later lookup the last one. So `rebind.test = ["127.0.0.1", "$SENTINEL_HOST"]` answers an
//! allowed address first and the sentinel after, and a runtime that resolves again after its
//! check connects to the sentinel, which records the violation.

use super::script::Placeholders;
use super::ServerError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One lookup's answer: one address, or several (an empty list: the name does not resolve).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NameAnswer {
    /// One address.
    One(String),
    /// Several addresses, in the order a resolver returns them.
    Many(Vec<String>),
}

/// Names and their answers, as a case header writes them (`[names]`) and as the protocol carries
/// them. Names not in the table do not resolve.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NameTable(pub BTreeMap<String, Vec<NameAnswer>>);

impl NameTable {
    /// The table with placeholders expanded and every address parsed: name -> answers.
    pub fn resolve_placeholders(
        &self,
        values: &Placeholders,
    ) -> Result<BTreeMap<String, Vec<Vec<IpAddr>>>, ServerError> {
        let mut out = BTreeMap::new();
        for (name, answers) in &self.0 {
            if answers.is_empty() {
                return Err(ServerError::Script(format!("name {name:?} has no answer")));
            }
            let mut sequence = Vec::with_capacity(answers.len());
            for answer in answers {
                let texts = match answer {
                    NameAnswer::One(text) => std::slice::from_ref(text),
                    NameAnswer::Many(texts) => texts.as_slice(),
                };
                let mut addrs = Vec::with_capacity(texts.len());
                for text in texts {
                    let expanded = values.expand(text)?;
                    let addr: IpAddr = expanded.parse().map_err(|_| {
                        ServerError::Script(format!(
                            "name {name:?}: {expanded:?} is not an address"
                        ))
                    })?;
                    if !addr.to_canonical().is_loopback() {
                        return Err(ServerError::Script(format!(
                            "name {name:?}: {addr} is not a loopback address (the kit reaches nothing else)"
                        )));
                    }
                    addrs.push(addr);
                }
                sequence.push(addrs);
            }
            out.insert(name.to_ascii_lowercase(), sequence);
        }
        Ok(out)
    }
}
