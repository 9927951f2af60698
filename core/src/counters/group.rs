//! The `group` module deals with what a counter group is: its GUID, name,
//! meters, buckets and key cap ([`GroupDef`]), independent of who feeds it.

use weir_plugin_api::{Guid, MeterType};

use super::keys::KeyFormat;

/// Default number of keys a group keeps per interval (beyond it, updates of
/// new keys are dropped, counted, and still added to `SYS:GROUP_TOTALS`).
pub const DEFAULT_MAX_KEYS: usize = 250_000;

/// Default top-N of a meter that has toppers (Trisul's toppers list 100).
pub const DEFAULT_TOP_N: u32 = 100;

/// Default topper bucket, seconds (Trisul's "Topper Bucket" of 300 s).
pub const DEFAULT_TOPPER_BUCKET_SECS: u64 = 300;

/// The special key of every group whose meters are the group's totals.
pub const GROUP_TOTALS_KEY: &str = "SYS:GROUP_TOTALS";

/// One meter of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterDef {
    /// How the interval's values combine.
    pub kind: MeterType,
    /// Short name (`"Total"`).
    pub name: String,
    /// Units of the raw volume (`"bytes"`, `"packets"`, `"connections"`).
    pub units: String,
    /// How many keys its topper list keeps per topper bucket; 0: no toppers.
    pub top_n: u32,
}

impl MeterDef {
    /// A meter with toppers of the default size.
    pub fn top(kind: MeterType, name: &str, units: &str) -> MeterDef {
        MeterDef {
            kind,
            name: name.into(),
            units: units.into(),
            top_n: DEFAULT_TOP_N,
        }
    }

    /// A meter without toppers.
    pub fn plain(kind: MeterType, name: &str, units: &str) -> MeterDef {
        MeterDef {
            top_n: 0,
            ..MeterDef::top(kind, name, units)
        }
    }
}

/// A counter group. Meter ids are indices into `meters` (0-based, as in
/// Trisul; at most [`MAX_METERS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDef {
    /// GUID (counter-group namespace).
    pub guid: Guid,
    /// Name, e.g. `"Hosts"`.
    pub name: String,
    /// One line saying what the keys are.
    pub description: String,
    /// How keys are written (built-in groups keep binary keys on the packet
    /// path and format them at the flush).
    pub key_format: KeyFormat,
    /// Meters, by id.
    pub meters: Vec<MeterDef>,
    /// Length of one topper bucket, seconds; rounded up to a multiple of the
    /// engine interval when the run starts.
    pub topper_bucket_secs: u64,
    /// Most keys kept per interval (not counting `SYS:GROUP_TOTALS`).
    pub max_keys: usize,
}

/// Most meters a group may have (Trisul documents 16 and ships 17).
pub const MAX_METERS: usize = 32;

impl GroupDef {
    /// Whether any meter keeps toppers.
    pub fn has_toppers(&self) -> bool {
        self.meters.iter().any(|m| m.top_n > 0)
    }

    /// Whether any meter is a [`MeterType::RunningCounter`] or a
    /// [`MeterType::DeltaRateCounter`] (state that outlives an interval).
    pub fn has_carried_state(&self) -> bool {
        self.meters.iter().any(|m| {
            matches!(
                m.kind,
                MeterType::RunningCounter | MeterType::DeltaRateCounter
            )
        })
    }
}

/// Per-group settings from the command line (`--counter-group
/// GROUP:top=N,topper-bucket=SECS,max-keys=N`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupOptions {
    /// Group name (case-insensitive) or GUID.
    pub group: String,
    /// Top-N of every meter that has toppers.
    pub top_n: Option<u32>,
    /// Topper bucket, seconds.
    pub topper_bucket_secs: Option<u64>,
    /// Key cap per interval.
    pub max_keys: Option<usize>,
}

impl GroupOptions {
    /// Parses `GROUP:key=value,...` (keys `top`, `topper-bucket`, `max-keys`).
    pub fn parse(text: &str) -> Result<GroupOptions, String> {
        let (group, rest) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?}: expected GROUP:key=value,... (e.g. Hosts:top=20)"))?;
        let group = group.trim();
        if group.is_empty() {
            return Err(format!("{text:?}: the group name is empty"));
        }
        let mut opts = GroupOptions {
            group: group.to_string(),
            ..GroupOptions::default()
        };
        for item in rest.split(',').filter(|s| !s.trim().is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("{text:?}: {item:?} is not key=value"))?;
            let n: u64 = v.trim().parse().map_err(|_| {
                format!(
                    "{text:?}: {}: {:?} is not a whole number",
                    k.trim(),
                    v.trim()
                )
            })?;
            match k.trim() {
                "top" => opts.top_n = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                "topper-bucket" if n > 0 => opts.topper_bucket_secs = Some(n),
                "max-keys" if n > 0 => opts.max_keys = Some(n as usize),
                "topper-bucket" | "max-keys" => {
                    return Err(format!("{text:?}: {} must be at least 1", k.trim()))
                }
                other => {
                    return Err(format!(
                        "{text:?}: unknown option {other:?} (known: top, topper-bucket, max-keys)"
                    ))
                }
            }
        }
        Ok(opts)
    }

    /// Whether these options name `def` (by GUID, or by name without regard to case).
    pub fn names(&self, def: &GroupDef) -> bool {
        Guid::parse(&self.group).map_or_else(
            || self.group.eq_ignore_ascii_case(&def.name),
            |g| g == def.guid,
        )
    }

    /// Applies the options to `def`.
    pub fn apply(&self, def: &mut GroupDef) {
        if let Some(n) = self.top_n {
            for m in def.meters.iter_mut().filter(|m| m.top_n > 0) {
                m.top_n = n;
            }
        }
        if let Some(b) = self.topper_bucket_secs {
            def.topper_bucket_secs = b;
        }
        if let Some(k) = self.max_keys {
            def.max_keys = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_refuse() {
        let o = GroupOptions::parse("Hosts:top=5,topper-bucket=600,max-keys=10").unwrap();
        assert_eq!(o.group, "Hosts");
        assert_eq!(
            (o.top_n, o.topper_bucket_secs, o.max_keys),
            (Some(5), Some(600), Some(10))
        );
        assert!(GroupOptions::parse("Hosts")
            .unwrap_err()
            .contains("GROUP:key=value"));
        assert!(GroupOptions::parse("Hosts:top=x")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(GroupOptions::parse("Hosts:colour=1")
            .unwrap_err()
            .contains("unknown option \"colour\""));
        assert!(GroupOptions::parse("Hosts:max-keys=0")
            .unwrap_err()
            .contains("at least 1"));
    }
}
