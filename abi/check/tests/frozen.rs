//! The current plugin API against every frozen minor (`abi/frozen/`), and
//! proof that the comparison catches each kind of change.

use abi_stable::StableAbi;
use weir_abi_check::{items_of, problems, Item};

#[test]
fn the_current_api_keeps_everything_frozen_v1_0_publishes() {
    let frozen = items_of!(frozen_v1_0);
    let current = items_of!(weir_plugin_api);
    assert!(
        frozen.len() > 60,
        "the frozen list is not empty: {}",
        frozen.len()
    );
    let found = problems(&frozen, &current);
    assert!(
        found.is_empty(),
        "the current API breaks plugin API 1.0:\n{}",
        found.join("\n")
    );
}

/// A layout that is not the frozen one, to stand for a changed block.
#[test]
fn the_current_api_keeps_everything_frozen_v1_1_publishes() {
    let frozen = items_of!(frozen_v1_1);
    let current = items_of!(weir_plugin_api);
    let older = items_of!(frozen_v1_0);
    assert!(
        frozen.len() > older.len(),
        "1.1 publishes more than 1.0: {} vs {}",
        frozen.len(),
        older.len()
    );
    let found = problems(&frozen, &current);
    assert!(
        found.is_empty(),
        "the current API breaks plugin API 1.1:\n{}",
        found.join("\n")
    );
    // And 1.1 itself kept everything 1.0 published.
    let found = problems(&older, &frozen);
    assert!(found.is_empty(), "1.1 broke 1.0:\n{}", found.join("\n"));
}

#[test]
fn the_current_api_keeps_everything_frozen_v1_2_publishes() {
    let frozen = items_of!(frozen_v1_2);
    let current = items_of!(weir_plugin_api);
    let older = items_of!(frozen_v1_1);
    assert!(
        frozen.len() > older.len(),
        "1.2 publishes more than 1.1: {} vs {}",
        frozen.len(),
        older.len()
    );
    let found = problems(&frozen, &current);
    assert!(
        found.is_empty(),
        "the current API breaks plugin API 1.2:\n{}",
        found.join("\n")
    );
    // And 1.2 itself kept everything 1.1 published.
    let found = problems(&older, &frozen);
    assert!(found.is_empty(), "1.2 broke 1.1:\n{}", found.join("\n"));
}

#[test]
fn the_current_api_keeps_everything_frozen_v1_3_publishes() {
    let frozen = items_of!(frozen_v1_3);
    let current = items_of!(weir_plugin_api);
    let older = items_of!(frozen_v1_2);
    assert!(
        frozen.len() > older.len(),
        "1.3 publishes more than 1.2: {} vs {}",
        frozen.len(),
        older.len()
    );
    let found = problems(&frozen, &current);
    assert!(
        found.is_empty(),
        "the current API breaks plugin API 1.3:\n{}",
        found.join("\n")
    );
    // And 1.3 itself kept everything 1.2 published.
    let found = problems(&older, &frozen);
    assert!(found.is_empty(), "1.3 broke 1.2:\n{}", found.join("\n"));
}

#[repr(C)]
#[derive(StableAbi)]
struct NotATimestamp {
    secs: u64,
    usecs: u64,
}

#[test]
fn removals_and_changes_of_every_kind_are_caught_and_additions_pass() {
    let frozen = items_of!(frozen_v1_0);
    let current = items_of!(weir_plugin_api);
    let with = |edit: &dyn Fn(&mut Vec<Item>)| {
        let mut c = current.clone();
        edit(&mut c);
        problems(&frozen, &c)
    };
    // Removal.
    let p = with(&|c| c.retain(|i| i.name() != "FlowRecord"));
    assert_eq!(p, ["FlowRecord: removed"]);
    // A changed number and text.
    let p = with(&|c| {
        for i in c.iter_mut() {
            match i {
                Item::Number(n, v) if *n == "MonitorKind::Flow" => *v = 7,
                Item::Text(n, v) if *n == "HEADER_SYMBOL" => *v = "other".into(),
                _ => {}
            }
        }
    });
    assert_eq!(
        p,
        [
            "HEADER_SYMBOL: changed from \"weir_plugin_header\" to \"other\"",
            "MonitorKind::Flow: changed from 1 to 7"
        ]
    );
    // A changed block layout, named by field.
    let p = with(&|c| {
        for i in c.iter_mut() {
            if let Item::Block(n, l) = i {
                if *n == "Timestamp" {
                    *l = NotATimestamp::LAYOUT;
                }
            }
        }
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("Timestamp: changed"), "{p:?}");
    // A table whose frozen block moved.
    let p = with(&|c| {
        for i in c.iter_mut() {
            if let Item::Table(n, blocks) = i {
                if *n == "HostTable" {
                    blocks[0].2 += 8;
                }
            }
        }
    });
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("HostTable: block v1_0 (HostCallsV1_0) at offset"),
        "{p:?}"
    );
    // Additions pass: a new item, and a table with one more block.
    let p = with(&|c| {
        c.push(Item::Number("MonitorKind::Later", 99));
        for i in c.iter_mut() {
            if let Item::Table(n, blocks) = i {
                if *n == "FlowMonitorTable" {
                    blocks.push(("v1_1", "FlowMonitorCallsV1_1", 1000));
                }
            }
        }
    });
    assert!(p.is_empty(), "{p:?}");
}
