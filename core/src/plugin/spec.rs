//! The `spec` module deals with the `--plugin PATH[:CONFIG]` argument: where
//! the library is and the configuration of this instance.
//!
//! CONFIG starts after the **first** colon, so values may hold colons
//! (`collector=127.0.0.1:4739`); paths therefore cannot. It is either `@FILE`,
//! a TOML file converted to a JSON object, or comma-separated `key=value`
//! pairs, which become string members. A value cannot hold a comma: use a
//! TOML file for that. An empty CONFIG is an empty object.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// One `--plugin` argument, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginSpec {
    /// Path of the plugin library.
    pub path: PathBuf,
    /// The instance's configuration (always a JSON object).
    pub config: Map<String, Value>,
}

/// A malformed `--plugin` argument (a usage error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--plugin {arg}: {reason}")]
pub struct SpecError {
    /// The argument as given.
    pub arg: String,
    /// What is wrong with it.
    pub reason: String,
}

impl PluginSpec {
    /// Parses `PATH[:CONFIG]`.
    pub fn parse(arg: &str) -> Result<PluginSpec, SpecError> {
        let err = |reason: String| SpecError {
            arg: arg.to_string(),
            reason,
        };
        let (path, config) = match arg.split_once(':') {
            Some((p, c)) => (p, Some(c)),
            None => (arg, None),
        };
        if path.is_empty() {
            return Err(err("missing library path before the colon".into()));
        }
        let config = match config {
            None => Map::new(),
            Some(c) if c.starts_with('@') => load_toml(Path::new(&c[1..])).map_err(err)?,
            Some(c) => parse_pairs(c).map_err(err)?,
        };
        Ok(PluginSpec {
            path: PathBuf::from(path),
            config,
        })
    }

    /// The configuration as JSON text (what the plugin receives).
    pub fn config_json(&self) -> String {
        Value::Object(self.config.clone()).to_string()
    }
}

fn parse_pairs(text: &str) -> Result<Map<String, Value>, String> {
    let mut map = Map::new();
    if text.trim().is_empty() {
        return Ok(map);
    }
    for part in text.split(',') {
        let Some((key, value)) = part.split_once('=') else {
            return Err(format!("config item {part:?} is not key=value"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(format!("config item {part:?} has an empty key"));
        }
        if map
            .insert(key.to_string(), Value::String(value.to_string()))
            .is_some()
        {
            return Err(format!("config key {key:?} given twice"));
        }
    }
    Ok(map)
}

fn load_toml(path: &Path) -> Result<Map<String, Value>, String> {
    if path.as_os_str().is_empty() {
        return Err("@ must be followed by a TOML file path".into());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or("").to_string();
        format!("config file {} is not valid TOML: {first}", path.display())
    })?;
    match serde_json::to_value(table) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("config file {} is not a table", path.display())),
        Err(e) => Err(format!(
            "config file {} cannot be converted to JSON: {e}",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_only_and_pairs_with_colons() {
        let s = PluginSpec::parse("target/debug/libx.so").unwrap();
        assert!(s.config.is_empty());
        let s = PluginSpec::parse("libx.so:collector=127.0.0.1:4739,mode=fast").unwrap();
        assert_eq!(s.path, PathBuf::from("libx.so"));
        assert_eq!(s.config["collector"], "127.0.0.1:4739");
        assert_eq!(s.config["mode"], "fast");
        assert_eq!(PluginSpec::parse("libx.so:").unwrap().config.len(), 0);
    }

    #[test]
    fn malformed_configs_are_errors() {
        assert!(PluginSpec::parse("libx.so:novalue").is_err());
        assert!(PluginSpec::parse("libx.so:=v").is_err());
        assert!(PluginSpec::parse("libx.so:a=1,a=2").is_err());
        assert!(PluginSpec::parse(":a=1").is_err());
        assert!(PluginSpec::parse("libx.so:@/nonexistent/file.toml").is_err());
        assert!(PluginSpec::parse("libx.so:@").is_err());
    }

    #[test]
    fn toml_file_becomes_typed_json() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(
            &f,
            "threshold = 1500\ndir = \"/tmp/x:y\"\n[nested]\nk = true\n",
        )
        .unwrap();
        let s = PluginSpec::parse(&format!("libx.so:@{}", f.display())).unwrap();
        assert_eq!(s.config["threshold"], 1500);
        assert_eq!(s.config["dir"], "/tmp/x:y");
        assert_eq!(s.config["nested"]["k"], true);
        std::fs::write(&f, "threshold = = 3").unwrap();
        assert!(PluginSpec::parse(&format!("libx.so:@{}", f.display())).is_err());
    }
}
