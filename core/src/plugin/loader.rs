//! The `loader` module deals with opening plugin libraries and deciding
//! whether this weir can serve them (`docs/ABI.md`).
//!
//! Order of checks, each refusing with one line that names the file:
//! 1. the path is a non-empty file;
//! 2. it is a whole ELF shared library for this machine ([`super::elf`]):
//!    a truncated file would otherwise kill the process inside `dlopen`;
//! 3. it exports weir's plugin header, whose pointer-free prefix is read
//!    from the file: the magic, then the **major** (must equal ours) and
//!    the **required minor** (must not exceed ours). So a plugin this weir
//!    cannot serve is refused before the dynamic loader runs any of its code;
//! 4. the library is loaded, and its header in memory must match the file;
//! 5. abi_stable's layout check of every frozen block both sides know. Its
//!    report runs to hundreds of lines: it goes to a log file in the output
//!    directory, and the one-line message names the first differing field.
//!
//! Libraries are never unloaded (monitors and strings point into them); a
//! file loaded twice is opened once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use abi_stable::abi_stability::abi_checking::check_layout_compatibility;
use abi_stable::library::RawLibrary;
use weir_plugin_api::abi::calls::InstanceArgs;
use weir_plugin_api::abi::header::{HeaderPrefix, PluginHeader, HEADER_SYMBOL, MAGIC};
use weir_plugin_api::abi::layout::{first_difference, BLOCK_LAYOUTS, LAYOUT_FORMAT};
use weir_plugin_api::host::OwnedHostRef;
use weir_plugin_api::objects::InstanceMonitors;
use weir_plugin_api::{ApiVersion, MonitorKind, API_MAJOR, API_MINOR, API_VERSION};

use super::elf::ElfFile;

/// The symbol of abi_stable's root-module loader, which plugins built before
/// plugin API 1.0 exported instead of weir's header.
const PRE_1_0_SYMBOL: &str = "_1as_0lib_1header_0root_bmodule_bloader";

/// Why a plugin library was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file cannot be used as a library at all.
    #[error("{path}: {reason}")]
    NotLibrary {
        /// The library.
        path: PathBuf,
        /// One-line reason.
        reason: String,
    },
    /// A library, but not a weir plugin.
    #[error("{path}: not a weir plugin: {reason}")]
    NotPlugin {
        /// The library.
        path: PathBuf,
        /// One-line reason.
        reason: String,
    },
    /// Built against another API major.
    #[error("{path}: built against plugin API {plugin}, this weir has plugin API {host}: a different major version, rebuild the plugin against plugin API {major}.x", major = host.major)]
    OtherMajor {
        /// The library.
        path: PathBuf,
        /// Version the plugin was built against.
        plugin: ApiVersion,
        /// This weir's.
        host: ApiVersion,
    },
    /// Requires a newer minor than this weir has.
    #[error("{path}: requires plugin API {requires} or later (built against {built}), this weir has plugin API {host}: upgrade weir")]
    TooNew {
        /// The library.
        path: PathBuf,
        /// The oldest API the plugin runs on.
        requires: ApiVersion,
        /// Version the plugin was built against.
        built: ApiVersion,
        /// This weir's.
        host: ApiVersion,
    },
    /// A frozen block's layout differs from ours.
    #[error("{path}: plugin ABI block {block} differs from this weir's: {summary}; full report in {report}")]
    Layout {
        /// The library.
        path: PathBuf,
        /// The block.
        block: String,
        /// The first difference, naming the field.
        summary: String,
        /// Where the full report was written.
        report: PathBuf,
    },
    /// The dynamic loader refused the library.
    #[error("{path}: cannot load plugin: {reason}")]
    Load {
        /// The library.
        path: PathBuf,
        /// One-line reason.
        reason: String,
    },
}

/// A loaded plugin library: its header, checked.
#[derive(Clone, Copy)]
pub struct LoadedPlugin {
    header: &'static PluginHeader,
}

impl LoadedPlugin {
    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        self.header.name.as_str()
    }

    /// The plugin's own version.
    pub fn version(&self) -> &'static str {
        self.header.version.as_str()
    }

    /// Its one-line description.
    pub fn description(&self) -> &'static str {
        self.header.description.as_str()
    }

    /// The API version it was built against.
    pub fn built_against(&self) -> ApiVersion {
        ApiVersion::new(self.header.prefix.api_major, self.header.prefix.api_minor)
    }

    /// The oldest API version it runs on.
    pub fn requires(&self) -> ApiVersion {
        ApiVersion::new(
            self.header.prefix.api_major,
            self.header.prefix.requires_minor,
        )
    }

    /// The monitor kinds its header declares.
    pub fn monitor_kinds(&self) -> Vec<MonitorKind> {
        MonitorKind::from_bits(self.header.prefix.monitor_kinds)
    }

    /// Runs the constructor with `config` (a JSON object as text) and the
    /// host behind `host`; returns the instance's monitors or the plugin's
    /// one-line reason for refusing.
    pub fn new_instance(
        &self,
        config: &str,
        host: OwnedHostRef,
    ) -> Result<InstanceMonitors, String> {
        let args = InstanceArgs::new(config, host.raw());
        // SAFETY: the header passed every check of `Loader::load`, so its
        // constructor has this signature; `host` outlives the call.
        let entries = unsafe { (self.header.new_instance)(&args) }.into_result();
        drop(host);
        let entries = entries.map_err(|e| e.into_string())?;
        // SAFETY: entries from this plugin's constructor, owned by nobody else.
        unsafe { InstanceMonitors::from_entries(entries) }.map_err(|e| e.to_string())
    }
}

/// Loads plugin libraries, once per file.
pub struct Loader {
    report_dir: PathBuf,
    loaded: HashMap<PathBuf, LoadedPlugin>,
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
    pub fn load(&mut self, path: &Path) -> Result<LoadedPlugin, LoadError> {
        let not_library = |reason: String| LoadError::NotLibrary {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| not_library(format!("cannot open: {e}")))?;
        if meta.is_dir() {
            return Err(not_library("is a directory, not a plugin library".into()));
        }
        let canonical =
            std::fs::canonicalize(path).map_err(|e| not_library(format!("cannot open: {e}")))?;
        if let Some(plugin) = self.loaded.get(&canonical) {
            return Ok(*plugin);
        }
        let bytes =
            std::fs::read(&canonical).map_err(|e| not_library(format!("cannot read: {e}")))?;
        let prefix = read_prefix(path, &bytes)?;
        check_versions(path, &prefix)?;
        drop(bytes);

        let header = open(path, &canonical)?;
        if header.prefix != prefix {
            return Err(LoadError::NotPlugin {
                path: path.to_path_buf(),
                reason: "its header in memory differs from the file".into(),
            });
        }
        self.check_layouts(path, header)?;
        let plugin = LoadedPlugin { header };
        self.loaded.insert(canonical, plugin);
        Ok(plugin)
    }

    fn check_layouts(&self, path: &Path, header: &'static PluginHeader) -> Result<(), LoadError> {
        if header.layout_format != LAYOUT_FORMAT {
            // Layouts described some other way (a later abi_stable): the
            // frozen blocks are still guaranteed by the rules, not checked.
            return Ok(());
        }
        for theirs in header.layouts.iter() {
            let Some(ours) = BLOCK_LAYOUTS.iter().find(|b| b.name == theirs.name) else {
                continue; // a block of a later minor
            };
            // SAFETY: both lists are in LAYOUT_FORMAT (checked above for the
            // plugin's), and the plugin library is never unloaded.
            let (ours_l, theirs_l) = unsafe { (ours.type_layout(), theirs.type_layout()) };
            if let Err(errors) = check_layout_compatibility(ours_l, theirs_l) {
                let block = ours.name.as_str().to_string();
                let text = errors.to_string();
                let summary = first_difference(&block, ours_l, theirs_l).unwrap_or_else(|| {
                    text.lines()
                        .find(|l| l.trim_start().starts_with("Error:"))
                        .map_or_else(|| "layout mismatch".to_string(), |l| l.trim().to_string())
                });
                return Err(LoadError::Layout {
                    path: path.to_path_buf(),
                    block,
                    summary,
                    report: self.write_report(path, &text),
                });
            }
        }
        Ok(())
    }

    fn write_report(&self, path: &Path, text: &str) -> PathBuf {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let report = self.report_dir.join(format!("plugin-abi-{name}.log"));
        let _ = std::fs::create_dir_all(&self.report_dir);
        let _ = std::fs::write(&report, text);
        report
    }
}

/// Validates the file as a library and reads its header prefix from it.
fn read_prefix(path: &Path, bytes: &[u8]) -> Result<HeaderPrefix, LoadError> {
    let not_plugin = |reason: String| LoadError::NotPlugin {
        path: path.to_path_buf(),
        reason,
    };
    let elf = ElfFile::parse(bytes).map_err(|e| LoadError::NotLibrary {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let symbol = |name| {
        elf.symbol_bytes(name).map_err(|e| LoadError::NotLibrary {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    };
    let Some(raw) = symbol(HEADER_SYMBOL)? else {
        return Err(not_plugin(if symbol(PRE_1_0_SYMBOL)?.is_some() {
            format!(
                "built before plugin API 1.0 (it exports abi_stable's root module, not weir's header): rebuild it against plugin API {API_VERSION}"
            )
        } else {
            format!("no weir plugin header (symbol {HEADER_SYMBOL})")
        }));
    };
    let prefix = HeaderPrefix::from_bytes(raw)
        .ok_or_else(|| not_plugin(format!("its header is {} bytes, too short", raw.len())))?;
    if prefix.magic != MAGIC {
        return Err(not_plugin("its header has the wrong magic number".into()));
    }
    Ok(prefix)
}

/// The version rules of `docs/ABI.md`.
fn check_versions(path: &Path, prefix: &HeaderPrefix) -> Result<(), LoadError> {
    let built = ApiVersion::new(prefix.api_major, prefix.api_minor);
    if prefix.api_major != API_MAJOR {
        return Err(LoadError::OtherMajor {
            path: path.to_path_buf(),
            plugin: built,
            host: API_VERSION,
        });
    }
    if prefix.requires_minor > API_MINOR {
        return Err(LoadError::TooNew {
            path: path.to_path_buf(),
            requires: ApiVersion::new(prefix.api_major, prefix.requires_minor),
            built,
            host: API_VERSION,
        });
    }
    if prefix.requires_minor > prefix.api_minor {
        return Err(LoadError::NotPlugin {
            path: path.to_path_buf(),
            reason: format!(
                "its header requires plugin API 1.{} but was built against {built}",
                prefix.requires_minor
            ),
        });
    }
    Ok(())
}

/// Loads the library (never unloaded) and finds its header.
fn open(path: &Path, canonical: &Path) -> Result<&'static PluginHeader, LoadError> {
    let load_error = |e: abi_stable::library::LibraryError| LoadError::Load {
        path: path.to_path_buf(),
        reason: one_line(&e.to_string()),
    };
    let library = RawLibrary::load_at(canonical).map_err(load_error)?;
    // SAFETY: the symbol is a `PluginHeader` static: the file exports it
    // with weir's magic and a major we serve (checked before loading).
    let header: *const PluginHeader =
        unsafe { library.get::<*const PluginHeader>(HEADER_SYMBOL.as_bytes()) }
            .map(|s| *s)
            .map_err(load_error)?;
    // Plugins are never unloaded: their monitors and strings point into them.
    std::mem::forget(library);
    // SAFETY: a valid static of a library that stays loaded.
    Ok(unsafe { &*header })
}

fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = joined.join(" ");
    match line.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line,
    }
}
