//! The host side of a tool call: built-in and plugin tools behind one interface, and one code
//! path that turns any tool's reply into a result in the model's history.
//!
//! Plugin diagnostics never pass through here: they go to the runtime's operator sink. What the
//! model sees is exactly the tool result (summary, content, error flag), nothing hidden.

use super::config::CallOptions;
use super::plugin::Plugin;
use crate::call::{CancelToken, ToolOutput};
use crate::error::{Error, ToolErrorKind};
use crate::package::valid_tool_name;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A tool the host can call: built in, or a plugin's.
pub trait Tool: Send + Sync {
    /// The name the model calls it by.
    fn name(&self) -> &str;
    /// What it does, for the model.
    fn description(&self) -> &str;
    /// The JSON Schema of its input.
    fn input_schema(&self) -> &Value;
    /// Runs it. Errors carry a stable code and a message safe to show the model: a built-in
    /// tool builds its own with [`Error::new`], and the registry turns them into a tool result
    /// exactly as it does a plugin's.
    fn call(&self, input: &str, cancel: Option<&CancelToken>) -> Result<ToolOutput, Error>;
}

/// One entry of the model's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryEntry {
    /// The model asked for a tool call.
    ToolCall {
        /// Pairs the call with its result.
        tool_use_id: String,
        /// The tool called.
        name: String,
        /// The raw input.
        input: String,
    },
    /// The result of that call.
    ToolResult(ToolResult),
}

/// A tool result as the model sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolResult {
    /// The id of the call this answers.
    pub tool_use_id: String,
    /// One line.
    pub summary: String,
    /// The body, if any.
    pub content: Option<String>,
    /// Whether the call failed.
    pub is_error: bool,
    /// For a failure: whether the caller can fix it (invalid argument) or not.
    pub error_kind: Option<ToolErrorKind>,
    /// For a failure: the stable code.
    pub error_code: Option<String>,
}

impl ToolResult {
    /// The one conversion every tool's reply goes through.
    pub fn from_reply(tool_use_id: &str, reply: Result<ToolOutput, Error>) -> ToolResult {
        match reply {
            Ok(output) => ToolResult {
                tool_use_id: tool_use_id.to_owned(),
                summary: output.summary,
                content: output.content,
                is_error: false,
                error_kind: None,
                error_code: None,
            },
            Err(error) => {
                let kind = error.tool_error_kind();
                let label = match kind {
                    ToolErrorKind::InvalidArgument => "invalid argument",
                    ToolErrorKind::ExecutionFailed => "execution failed",
                };
                ToolResult {
                    tool_use_id: tool_use_id.to_owned(),
                    summary: format!("{label}: {}", error.message()),
                    content: Some(error.to_json().to_string()),
                    is_error: true,
                    error_kind: Some(kind),
                    error_code: Some(error.code().as_str().to_owned()),
                }
            }
        }
    }
}

/// The model's view of the conversation's tool traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<HistoryEntry>,
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[HistoryEntry] {
        &self.entries
    }
}

/// Why a tool could not be registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// The name breaks the tool-name rule of `docs/SPEC.md` §2: 1 to 128 bytes, no whitespace,
    /// no control or bidirectional formatting character.
    InvalidName(String),
    /// A tool of that name is already registered.
    Duplicate(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::InvalidName(n) => write!(f, "invalid tool name {n:?}"),
            RegistryError::Duplicate(n) => write!(f, "a tool named {n:?} is already registered"),
        }
    }
}

impl std::error::Error for RegistryError {}

/// A plugin's tool, as a [`Tool`].
struct PluginTool {
    plugin: Plugin,
    index: usize,
}

impl Tool for PluginTool {
    fn name(&self) -> &str {
        &self.plugin.manifest().tools[self.index].name
    }

    fn description(&self) -> &str {
        &self.plugin.manifest().tools[self.index].description
    }

    fn input_schema(&self) -> &Value {
        &self.plugin.manifest().tools[self.index].input_schema
    }

    fn call(&self, input: &str, cancel: Option<&CancelToken>) -> Result<ToolOutput, Error> {
        let options = CallOptions {
            limits: None,
            cancel: cancel.cloned(),
        };
        self.plugin.call(self.name(), input, &options).result
    }
}

/// The host's tools by name.
#[derive(Default)]
pub struct ToolRegistry {
    tools: BTreeMap<String, Arc<dyn Tool>>,
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> ToolRegistry {
        ToolRegistry::default()
    }

    /// Registers one tool.
    pub fn register(&mut self, tool: Arc<dyn Tool>) -> Result<(), RegistryError> {
        let name = tool.name().to_owned();
        self.check(&name)?;
        self.tools.insert(name, tool);
        Ok(())
    }

    fn check(&self, name: &str) -> Result<(), RegistryError> {
        if !valid_tool_name(name) {
            return Err(RegistryError::InvalidName(name.to_owned()));
        }
        if self.tools.contains_key(name) {
            return Err(RegistryError::Duplicate(name.to_owned()));
        }
        Ok(())
    }

    /// Registers every tool of a plugin, or none of them.
    pub fn register_plugin(&mut self, plugin: &Plugin) -> Result<(), RegistryError> {
        for tool in &plugin.manifest().tools {
            self.check(&tool.name)?;
        }
        for index in 0..plugin.manifest().tools.len() {
            self.register(Arc::new(PluginTool {
                plugin: plugin.clone(),
                index,
            }))?;
        }
        Ok(())
    }

    /// The registered tool names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tools.keys().map(String::as_str)
    }

    /// Calls a tool and appends the call and its result to the history, by the same code for
    /// every kind of tool; returns the result appended.
    pub fn invoke<'h>(
        &self,
        history: &'h mut History,
        tool_use_id: &str,
        name: &str,
        input: &str,
        cancel: Option<&CancelToken>,
    ) -> &'h ToolResult {
        history.entries.push(HistoryEntry::ToolCall {
            tool_use_id: tool_use_id.to_owned(),
            name: name.to_owned(),
            input: input.to_owned(),
        });
        let reply = match self.tools.get(name) {
            Some(tool) => tool.call(input, cancel),
            None => Err(Error::new(
                crate::error::ErrorCode::ToolUnknown,
                format!("no tool named {name} is registered"),
            )
            .with("tool", name)),
        };
        history
            .entries
            .push(HistoryEntry::ToolResult(ToolResult::from_reply(
                tool_use_id,
                reply,
            )));
        match history.entries.last() {
            Some(HistoryEntry::ToolResult(result)) => result,
            _ => unreachable!("a result was pushed just above"),
        }
    }
}
