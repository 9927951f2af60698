//! weir-abi-check: compares the current plugin API with each frozen copy of
//! an older one (`abi/frozen/v1_N`). Everything a frozen copy publishes
//! (`weir_plugin_api::abi::published::published()`) must still be published,
//! unchanged; additions pass. See `docs/ABI.md`.
//!
//! - a **block** must exist under the same name, and abi_stable must find
//!   the two layouts compatible both ways (they are then identical);
//! - a **table** must hold each frozen block at the same position and offset
//!   (it may have more blocks after them);
//! - a **number** or a **text** must have the same value.
#![deny(missing_docs)]

use abi_stable::abi_stability::abi_checking::check_layout_compatibility;
use abi_stable::type_layout::TypeLayout;

/// One published item, in a form common to every copy of the crate.
#[derive(Debug, Clone)]
pub enum Item {
    /// A frozen block.
    Block(&'static str, &'static TypeLayout),
    /// A size-tagged table: `(field, block, offset)` per block.
    Table(&'static str, Vec<(&'static str, &'static str, usize)>),
    /// A number.
    Number(&'static str, u64),
    /// A text.
    Text(&'static str, String),
}

impl Item {
    /// The item's name.
    pub fn name(&self) -> &'static str {
        match self {
            Item::Block(n, _) | Item::Table(n, _) | Item::Number(n, _) | Item::Text(n, _) => n,
        }
    }
}

/// The published items of a copy of weir-plugin-api, as [`Item`]s.
///
/// `items_of!(frozen_v1_0)`, `items_of!(weir_plugin_api)`.
#[macro_export]
macro_rules! items_of {
    ($krate:ident) => {{
        use $krate::abi::published::Published as P;
        $krate::abi::published::published()
            .into_iter()
            .map(|p| match p {
                P::Block { name, layout } => $crate::Item::Block(name, layout),
                P::Table { name, blocks } => $crate::Item::Table(name, blocks),
                P::Number { name, value } => $crate::Item::Number(name, value),
                P::Text { name, value } => $crate::Item::Text(name, value),
            })
            .collect::<Vec<$crate::Item>>()
    }};
}

/// Every way `current` removes or changes something `frozen` publishes, one
/// line each (empty: compatible).
pub fn problems(frozen: &[Item], current: &[Item]) -> Vec<String> {
    let mut out = Vec::new();
    for old in frozen {
        let name = old.name();
        let Some(new) = current.iter().find(|c| c.name() == name) else {
            out.push(format!("{name}: removed"));
            continue;
        };
        match (old, new) {
            (Item::Block(_, a), Item::Block(_, b)) => {
                let forward = check_layout_compatibility(a, b);
                let backward = check_layout_compatibility(b, a);
                if forward.is_err() || backward.is_err() {
                    let detail = weir_plugin_api::abi::layout::first_difference(name, b, a)
                        .map(|d| {
                            d.replace(" in the plugin", " frozen")
                                .replace(" in this weir", " now")
                        })
                        .unwrap_or_else(|| "layout differs".into());
                    out.push(format!("{name}: changed: {detail}"));
                }
            }
            (Item::Table(_, a), Item::Table(_, b)) => {
                for (i, block) in a.iter().enumerate() {
                    if b.get(i) != Some(block) {
                        out.push(format!(
                            "{name}: block {} ({}) at offset {} is now {:?}",
                            block.0,
                            block.1,
                            block.2,
                            b.get(i)
                        ));
                    }
                }
            }
            (Item::Number(_, a), Item::Number(_, b)) if a != b => {
                out.push(format!("{name}: changed from {a} to {b}"));
            }
            (Item::Text(_, a), Item::Text(_, b)) if a != b => {
                out.push(format!("{name}: changed from {a:?} to {b:?}"));
            }
            (Item::Number(..), Item::Number(..)) | (Item::Text(..), Item::Text(..)) => {}
            _ => out.push(format!("{name}: changed kind")),
        }
    }
    out
}
