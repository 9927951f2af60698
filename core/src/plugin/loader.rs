//! The `loader` module deals with opening plugin libraries and checking that
//! they were built against this weir's plugin API.
//!
//! Order of checks, each refusing with one line that names the file:
//! 1. the file opens and exports weir's root-module header;
//! 2. **exact API version**: the library's `weir-plugin-api` version must equal
//!    ours (abi_stable alone would accept newer minor versions, and a plugin
//!    built against an older one is refused anyway once the interface grows);
//! 3. abi_stable's layout check of every type reachable from the root module.
//!    Its report runs to hundreds of lines: it goes to a log file in the output
//!    directory, and the one-line message points there.
//!
//! abi_stable's `RootModule::load_from_file` caches one module per type and
//! would return the first plugin for every path, so each file goes through
//! `lib_header_from_path` + `init_root_module` instead. Libraries are never
//! unloaded (abi_stable leaks them on purpose); a file loaded twice is opened once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use abi_stable::library::{lib_header_from_path, LibraryError};
use weir_plugin_api::{PluginModRef, API_VERSION};

/// Why a plugin library was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be opened as a weir plugin.
    #[error("{path}: cannot load plugin: {reason}")]
    Open {
        /// The library.
        path: PathBuf,
        /// One-line reason.
        reason: String,
    },
    /// Built against another weir-plugin-api version.
    #[error("{path}: plugin built against weir-plugin-api {plugin_version}, this weir uses {host_version}: rebuild the plugin against {host_version}")]
    Version {
        /// The library.
        path: PathBuf,
        /// Version the plugin was built against.
        plugin_version: String,
        /// Version of this weir.
        host_version: String,
    },
    /// The layout check failed.
    #[error("{path}: plugin types do not match this weir's ({summary}); full report in {report}")]
    Layout {
        /// The library.
        path: PathBuf,
        /// First line of the mismatch.
        summary: String,
        /// Where the full report was written.
        report: PathBuf,
    },
}

/// Loads plugin libraries, once per file.
pub struct Loader {
    report_dir: PathBuf,
    loaded: HashMap<PathBuf, PluginModRef>,
}

impl Loader {
    /// A loader that writes layout reports into `report_dir`.
    pub fn new(report_dir: impl Into<PathBuf>) -> Loader {
        Loader {
            report_dir: report_dir.into(),
            loaded: HashMap::new(),
        }
    }

    /// Opens and checks the library at `path`.
    pub fn load(&mut self, path: &Path) -> Result<PluginModRef, LoadError> {
        let canonical = std::fs::canonicalize(path).map_err(|e| LoadError::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        if let Some(module) = self.loaded.get(&canonical) {
            return Ok(*module);
        }
        let header = lib_header_from_path(&canonical).map_err(|e| LoadError::Open {
            path: path.to_path_buf(),
            reason: one_line(&e.to_string()),
        })?;
        let plugin_version = header.version_strings().version.as_str().to_string();
        if plugin_version != API_VERSION {
            return Err(LoadError::Version {
                path: path.to_path_buf(),
                plugin_version,
                host_version: API_VERSION.to_string(),
            });
        }
        let module = header
            .init_root_module::<PluginModRef>()
            .map_err(|e| self.layout_error(path, e))?;
        self.loaded.insert(canonical, module);
        Ok(module)
    }

    fn layout_error(&self, path: &Path, e: LibraryError) -> LoadError {
        let text = e.to_string();
        match e {
            LibraryError::AbiInstability(_) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let report = self.report_dir.join(format!("plugin-abi-{name}.log"));
                let _ = std::fs::create_dir_all(&self.report_dir);
                let _ = std::fs::write(&report, &text);
                let summary = text
                    .lines()
                    .find(|l| l.trim_start().starts_with("Error:"))
                    .map(|l| l.trim().to_string())
                    .unwrap_or_else(|| "layout mismatch".into());
                LoadError::Layout {
                    path: path.to_path_buf(),
                    summary,
                    report,
                }
            }
            _ => LoadError::Open {
                path: path.to_path_buf(),
                reason: one_line(&text),
            },
        }
    }
}

fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = joined.join(" ");
    if line.len() > 300 {
        format!(
            "{}...",
            &line[..line.char_indices().nth(300).map_or(line.len(), |(i, _)| i)]
        )
    } else {
        line
    }
}
