//! The `config` module deals with a plugin instance's configuration: always a
//! JSON object. `key=value` pairs from the command line arrive as string
//! members; a TOML file (`@FILE`) arrives converted, with its own types.

use std::path::PathBuf;

use serde_json::{Map, Value};

/// A configuration error, reported by the engine as the reason the plugin refused to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The configuration object of one instance.
#[derive(Debug, Clone, Default)]
pub struct Config {
    map: Map<String, Value>,
}

impl Config {
    /// Parses the JSON text the engine passes (an object; empty text = empty object).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(Config { map }),
            Ok(other) => Err(ConfigError(format!(
                "configuration must be a JSON object, got {other}"
            ))),
            Err(e) => Err(ConfigError(format!("configuration is not valid JSON: {e}"))),
        }
    }

    /// The raw value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// All keys present.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// The whole object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.map
    }

    /// `key` as text (numbers and booleans are rendered as text).
    pub fn str(&self, key: &str) -> Option<String> {
        match self.map.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// `key` as an unsigned integer (a JSON number or a decimal string).
    pub fn u64(&self, key: &str) -> Result<Option<u64>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                ConfigError(format!("{key}: expected a non-negative integer, got {n}"))
            }),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| {
                ConfigError(format!("{key}: expected a non-negative integer, got {s:?}"))
            }),
            Some(other) => Err(ConfigError(format!(
                "{key}: expected a non-negative integer, got {other}"
            ))),
        }
    }

    /// `key` as a boolean (`true`/`false`, also as strings, or `1`/`0`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => match s.trim() {
                "true" | "1" | "yes" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                _ => Err(ConfigError(format!(
                    "{key}: expected true or false, got {s:?}"
                ))),
            },
            Some(other) => Err(ConfigError(format!(
                "{key}: expected true or false, got {other}"
            ))),
        }
    }

    /// `key` as a path.
    pub fn path(&self, key: &str) -> Option<PathBuf> {
        self.str(key).map(PathBuf::from)
    }

    /// Fails when a key outside `known` is present (catches typos such as `treshold`).
    pub fn deny_unknown(&self, known: &[&str]) -> Result<(), ConfigError> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(ConfigError(format!(
                "unknown key {k:?} (known: {})",
                known.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access() {
        let c = Config::parse(
            r#"{"threshold":"1500","n":3,"flag":"true","collector":"127.0.0.1:4739"}"#,
        )
        .unwrap();
        assert_eq!(c.u64("threshold").unwrap(), Some(1500));
        assert_eq!(c.u64("n").unwrap(), Some(3));
        assert_eq!(c.bool("flag").unwrap(), Some(true));
        assert_eq!(c.str("collector").as_deref(), Some("127.0.0.1:4739"));
        assert!(c.u64("collector").is_err());
        assert!(c.deny_unknown(&["threshold"]).is_err());
        assert!(Config::parse("[1]").is_err());
        assert!(Config::parse("").unwrap().keys().next().is_none());
    }
}
