//! `--extract-files DIR` (issue "Artifact streams, part 1", point 6): every
//! complete HTTP body is written decoded, named by its SHA-256, each file's
//! content checked with `sha256sum` (an independent tool) against its name
//! and against the bodies tshark exports (`http_objects.tsv`, made with
//! `tshark --export-objects http`); the size cap skips and counts; names
//! never come from the traffic.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

/// `sha256sum` of every file in `dir`: (name, digest).
fn digests(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let out = tool("sha256sum", &[dir.join(&n)]);
            let digest = out.split_whitespace().next().unwrap().to_string();
            (n, digest)
        })
        .collect()
}

#[test]
fn complete_bodies_are_written_as_tshark_exports_them_and_named_by_their_sha256() {
    for name in [
        "http-zip-download.pcap",
        "web-browse-2013.pcap",
        "http-bro-org.pcap",
    ] {
        let stem = name.trim_end_matches(".pcap");
        let dir = tempdir();
        let (out, files) = (dir.path().join("out"), dir.path().join("files"));
        let run = run_on(
            &[pcap(name)],
            &out,
            &["--extract-files".into(), files.display().to_string()],
        );
        expect_code(&run, 0);
        let written = digests(&files);
        assert!(!written.is_empty(), "{name}: files written");
        for (file, digest) in &written {
            assert_eq!(file, digest, "{name}: {file} is named by its SHA-256");
        }
        let on_disk: BTreeSet<String> = written.into_iter().map(|(n, _)| n).collect();
        // Every file is a body of the File Hashes stream, marked extracted.
        let hashed: Vec<serde_json::Value> = ndjson(&out.join("resources.ndjson"))
            .into_iter()
            .filter(|r| r["group"] == "File Hashes")
            .collect();
        for r in &hashed {
            let sha = r["sha256"].as_str().unwrap();
            if r["complete"] == true {
                assert_eq!(r["extracted"], sha, "{name}: complete body extracted");
                assert!(on_disk.contains(sha), "{name}: {sha} on disk");
            } else {
                assert!(r["extracted"].is_null(), "{name}: a part is not extracted");
            }
        }
        // tshark's exported objects: every one whose body is complete in
        // weir's stream is on disk (tshark writes partial bodies too).
        let complete: BTreeSet<&str> = hashed
            .iter()
            .filter(|r| r["complete"] == true)
            .map(|r| r["sha256"].as_str().unwrap())
            .collect();
        let objects = tsv(&oracle(stem).join("http_objects.tsv"));
        let mut checked = 0;
        for o in &objects {
            if complete.contains(o["sha256"].as_str()) {
                assert!(
                    on_disk.contains(&o["sha256"]),
                    "{name}: object {}",
                    o["export_filename"]
                );
                checked += 1;
            }
        }
        assert!(checked > 0, "{name}: tshark's objects checked");
        let s = summary(&out);
        assert_eq!(s["extract"]["files"].as_u64(), Some(on_disk.len() as u64));
        assert_eq!(s["extract"]["errors"], 0);
        // Nothing but the final files is left.
        assert!(
            on_disk.iter().all(|n| !n.starts_with('.')),
            "{name}: no part left"
        );
    }
}

#[test]
fn bodies_over_the_cap_are_skipped_and_counted() {
    let objects = tsv(&oracle("http-zip-download").join("http_objects.tsv"));
    let size: u64 = objects[0]["bytes"].parse().unwrap();
    let dir = tempdir();
    let (out, files) = (dir.path().join("out"), dir.path().join("files"));
    let cap = size - 1;
    let run = run_on(
        &[pcap("http-zip-download.pcap")],
        &out,
        &[
            "--extract-files".into(),
            files.display().to_string(),
            "--extract-max-bytes".into(),
            cap.to_string(),
        ],
    );
    expect_code(&run, 0);
    assert_eq!(
        std::fs::read_dir(&files).unwrap().count(),
        0,
        "nothing written"
    );
    let s = summary(&out);
    assert_eq!(s["extract"]["skipped_too_large"], 1);
    assert_eq!(s["extract"]["files"], 0);
    // The hash is still there: extraction is beside hashing, not instead.
    let hashed = ndjson(&out.join("resources.ndjson"))
        .into_iter()
        .find(|r| r["group"] == "File Hashes")
        .expect("file hash");
    assert_eq!(hashed["md5"], objects[0]["md5"].as_str());
    assert!(hashed["extracted"].is_null());
}

#[test]
fn an_extraction_directory_that_cannot_be_made_is_a_clear_error() {
    let dir = tempdir();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let run = run_on(
        &[pcap("http-zip-download.pcap")],
        &dir.path().join("out"),
        &[
            "--extract-files".into(),
            blocker.join("sub").display().to_string(),
        ],
    );
    let err = String::from_utf8_lossy(&run.stderr);
    assert_ne!(run.status.code(), Some(0));
    assert!(
        err.contains("--extract-files") && err.contains("sub"),
        "{err}"
    );
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("--extract-files"))
            .count(),
        1,
        "{err}"
    );
}
