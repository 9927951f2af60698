//! Reads every real capture listed in the shared `MANIFEST.tsv` and checks
//! the packet count and first/last packet times against the `capinfos -M`
//! output stored next to it in `oracle/<name>/capinfos.txt`.
//!
//! The captures live outside the repository (they are never committed):
//! `$WEIR_SHARED/pcaps`, or `<workspace>/../shared/pcaps` by default. A missing
//! directory fails the test rather than skipping it, so that a misconfigured
//! machine cannot pass silently.

use std::fs;
use std::path::{Path, PathBuf};

use weir_capture::{FileSource, PacketSource, SourceItem, SourceWarning, Timestamp};

fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("WEIR_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    };
    assert!(
        dir.join("pcaps/MANIFEST.tsv").is_file(),
        "real captures not found: {} has no pcaps/MANIFEST.tsv \
         (set WEIR_SHARED to the directory holding pcaps/)",
        dir.display()
    );
    dir
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a UTC time "YYYY-MM-DD HH:MM:SS.ffffff".
fn parse_time(text: &str) -> Timestamp {
    let bad = || -> ! { panic!("unexpected time format {text:?}") };
    let (date, time) = text.trim().split_once(' ').unwrap_or_else(|| bad());
    let ymd: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().unwrap_or_else(|_| bad()))
        .collect();
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let hms: Vec<i64> = hms
        .split(':')
        .map(|p| p.parse().unwrap_or_else(|_| bad()))
        .collect();
    let (&[y, mo, d], &[h, mi, s]) = (ymd.as_slice(), hms.as_slice()) else {
        bad()
    };
    // Pad or cut the fraction to exactly six digits of microseconds.
    let micros: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s;
    Timestamp {
        secs: u64::try_from(secs).unwrap_or_else(|_| bad()),
        usecs: micros.parse().unwrap_or_else(|_| bad()),
    }
}

/// The value after `key` on the line starting with it.
fn field<'a>(capinfos: &'a str, key: &str) -> &'a str {
    capinfos
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key:?} line in capinfos output"))
        .trim()
}

struct Summary {
    packets: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    warnings: Vec<SourceWarning>,
    // Index (in packets read) at which each warning came.
    warned_after: Vec<u64>,
}

fn read(path: &Path) -> Summary {
    let mut source = FileSource::open(&[path]).unwrap_or_else(|e| panic!("{e}"));
    let mut s = Summary {
        packets: 0,
        first: None,
        last: None,
        warnings: Vec::new(),
        warned_after: Vec::new(),
    };
    while let Some(item) = source.next_item().unwrap_or_else(|e| panic!("{e}")) {
        match item {
            SourceItem::Packet(p) => {
                s.packets += 1;
                // capinfos reports the earliest and latest times, not those
                // of the first and last records.
                s.first = Some(s.first.map_or(p.ts, |t| t.min(p.ts)));
                s.last = Some(s.last.map_or(p.ts, |t| t.max(p.ts)));
                assert!(p.data.len() as u64 <= u64::from(p.wire_len) || p.wire_len == 0);
            }
            SourceItem::Warning(w) => {
                s.warned_after.push(s.packets);
                s.warnings.push(w);
            }
        }
    }
    assert_eq!(source.packets_read(), s.packets);
    s
}

#[test]
fn real_captures_match_capinfos() {
    let shared = shared_dir();
    let pcaps = shared.join("pcaps");
    let manifest = fs::read_to_string(pcaps.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().expect("empty manifest").split('\t').collect();
    let name_col = header
        .iter()
        .position(|&c| c == "name")
        .expect("no name column");

    let mut checked = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let name = line.split('\t').nth(name_col).expect("short manifest line");
        let stem = Path::new(name).file_stem().unwrap().to_str().unwrap();
        let capinfos_path = pcaps.join("oracle").join(stem).join("capinfos.txt");
        let capinfos = fs::read_to_string(&capinfos_path)
            .unwrap_or_else(|e| panic!("{}: {e}", capinfos_path.display()));
        let packets: u64 = field(&capinfos, "Number of packets:").parse().unwrap();
        let first = parse_time(field(&capinfos, "First packet time:"));
        let last = parse_time(field(&capinfos, "Last packet time:"));

        let got = read(&pcaps.join(name));
        assert_eq!(got.packets, packets, "{name}: packet count");
        assert_eq!(got.first, Some(first), "{name}: first packet time");
        assert_eq!(got.last, Some(last), "{name}: last packet time");
        // capinfos says so when a file is cut short; weir must warn exactly
        // then, once, after the last whole packet.
        if capinfos.contains("cut short") {
            assert_eq!(
                got.warned_after,
                vec![packets],
                "{name}: {:?}",
                got.warnings
            );
            assert!(
                got.warnings[0].message.contains("cut short"),
                "{name}: {}",
                got.warnings[0]
            );
        } else {
            assert!(got.warnings.is_empty(), "{name}: {:?}", got.warnings);
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} captures in the manifest");
}

#[test]
fn truncated_capture_gives_2696_packets_then_one_warning() {
    let path = shared_dir().join("pcaps/truncated-http-mime.pcap");
    let got = read(&path);
    assert_eq!(got.packets, 2696);
    assert_eq!(got.warned_after, vec![2696]);
    let w = &got.warnings[0];
    assert_eq!(w.path, path);
    // The file (pinned by its sha256 in the manifest) ends one byte into the
    // header of a 2697th record, which starts at byte 2,715,459.
    assert_eq!(w.message, "file cut short in the middle of a record header");
    assert_eq!(w.offset, 2_715_459);
    assert_eq!(fs::metadata(&path).unwrap().len(), 2_715_460);
}

#[test]
fn all_captures_as_one_stream() {
    let pcaps = shared_dir().join("pcaps");
    let manifest = fs::read_to_string(pcaps.join("MANIFEST.tsv")).unwrap();
    let paths: Vec<PathBuf> = manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|n| !n.is_empty())
        .map(|n| pcaps.join(n))
        .collect();
    let expected: u64 = paths.iter().map(|p| read(p).packets).sum();
    let mut source = FileSource::open(&paths).unwrap();
    let mut warnings = 0;
    while let Some(item) = source.next_item().unwrap() {
        if let SourceItem::Warning(_) = item {
            warnings += 1;
        }
    }
    assert_eq!(source.packets_read(), expected);
    assert_eq!(warnings, 1);
    let per_file: u64 = source.inputs().iter().map(|f| f.packets_read()).sum();
    assert_eq!(per_file, expected);
}

#[test]
fn civil_dates() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(
        parse_time("2017-03-31 16:00:22.526783"),
        Timestamp {
            secs: 1_490_976_022,
            usecs: 526_783
        }
    );
    assert_eq!(
        parse_time("1970-01-01 00:00:01.5"),
        Timestamp {
            secs: 1,
            usecs: 500_000
        }
    );
}
