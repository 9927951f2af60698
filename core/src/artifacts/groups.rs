//! The `groups` module deals with the resource and FTS groups of a run:
//! Trisul's built-in ones (`weir_plugin_api::guid`) and those plugins
//! register, and which of them a monitor's subscription names.
//!
//! Shared by every instance's host handle (registration may come from any
//! thread) and the coordinator (names for records and outputs).

use std::sync::RwLock;

use weir_plugin_api::{guid, ApiError, ArtifactSubscription, Guid};

/// Which stream a group belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Resource groups.
    Resource,
    /// FTS groups.
    Fts,
}

impl GroupKind {
    /// `resource` / `FTS`, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            GroupKind::Resource => "resource",
            GroupKind::Fts => "FTS",
        }
    }
}

/// The groups of both streams, in registration order (built-in first).
#[derive(Debug)]
pub struct ArtifactGroups {
    resource: RwLock<Vec<(Guid, String)>>,
    fts: RwLock<Vec<(Guid, String)>>,
}

impl Default for ArtifactGroups {
    fn default() -> Self {
        ArtifactGroups::with_builtins()
    }
}

impl ArtifactGroups {
    /// Trisul's built-in groups.
    pub fn with_builtins() -> ArtifactGroups {
        let list = |l: &[(Guid, &str)]| l.iter().map(|(g, n)| (*g, n.to_string())).collect();
        let mut resource: Vec<(Guid, String)> = list(&guid::BUILTIN_RESOURCE_GROUPS);
        // weir's own groups, for what Trisul has no group for.
        resource.push((crate::app::ssh::RG_SSH, crate::app::ssh::RG_SSH_NAME.into()));
        resource.push((crate::app::tls::RG_TLS, crate::app::tls::RG_TLS_NAME.into()));
        ArtifactGroups {
            resource: RwLock::new(resource),
            fts: RwLock::new(list(&guid::BUILTIN_FTS_GROUPS)),
        }
    }

    fn list(&self, kind: GroupKind) -> &RwLock<Vec<(Guid, String)>> {
        match kind {
            GroupKind::Resource => &self.resource,
            GroupKind::Fts => &self.fts,
        }
    }

    /// Registers `guid` as `name`: fine when already registered with the
    /// same name, [`ApiError::GroupConflict`] with another, and
    /// [`ApiError::InvalidArgument`] for an empty name.
    pub fn register(&self, kind: GroupKind, guid: Guid, name: &str) -> Result<(), ApiError> {
        if name.trim().is_empty() {
            return Err(ApiError::InvalidArgument);
        }
        let mut list = self.list(kind).write().unwrap_or_else(|e| e.into_inner());
        match list.iter().find(|(g, _)| *g == guid) {
            Some((_, n)) if n == name => Ok(()),
            Some(_) => Err(ApiError::GroupConflict),
            None => {
                list.push((guid, name.to_string()));
                Ok(())
            }
        }
    }

    /// The name of group `guid`, if known.
    pub fn name(&self, kind: GroupKind, guid: &Guid) -> Option<String> {
        self.list(kind)
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(g, _)| g == guid)
            .map(|(_, n)| n.clone())
    }

    /// Every group of `kind`, in order.
    pub fn all(&self, kind: GroupKind) -> Vec<(Guid, String)> {
        self.list(kind)
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The groups `sub` names (by GUID, or a name substring in any case),
    /// in group order; an error naming what matched nothing.
    pub fn resolve(
        &self,
        kind: GroupKind,
        sub: &ArtifactSubscription,
    ) -> Result<Vec<Guid>, String> {
        let all = self.all(kind);
        for g in sub.guids.iter() {
            if !all.iter().any(|(a, _)| a == g) {
                return Err(format!("subscribes to unknown {} group {g}", kind.noun()));
            }
        }
        let wanted: Vec<String> = sub.name_match.iter().map(|n| n.to_lowercase()).collect();
        for w in &wanted {
            if !all
                .iter()
                .any(|(_, n)| n.to_lowercase().contains(w.as_str()))
            {
                return Err(format!(
                    "subscribes to {} groups named like {w:?}, and there is none",
                    kind.noun()
                ));
            }
        }
        let out: Vec<Guid> = all
            .iter()
            .filter(|(g, n)| {
                sub.guids.contains(g)
                    || wanted.iter().any(|w| n.to_lowercase().contains(w.as_str()))
            })
            .map(|(g, _)| *g)
            .collect();
        if out.is_empty() {
            return Err(format!("subscribes to no {} group", kind.noun()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_resolve_by_guid_and_name_and_unknowns_are_named() {
        let g = ArtifactGroups::with_builtins();
        let sub = ArtifactSubscription::guid(guid::RG_FILE_HASHES).or_name_match("url");
        assert_eq!(
            g.resolve(GroupKind::Resource, &sub).unwrap(),
            vec![guid::RG_URL, guid::RG_FILE_HASHES]
        );
        assert_eq!(
            g.resolve(GroupKind::Fts, &ArtifactSubscription::name_match(""))
                .unwrap()
                .len(),
            3
        );
        let bad = ArtifactSubscription::guid(guid::RG_URL);
        assert!(g
            .resolve(GroupKind::Fts, &bad)
            .unwrap_err()
            .contains("unknown FTS group"));
        assert!(g
            .resolve(
                GroupKind::Resource,
                &ArtifactSubscription::name_match("nope")
            )
            .unwrap_err()
            .contains("\"nope\""));
        assert!(g
            .resolve(GroupKind::Resource, &ArtifactSubscription::default())
            .is_err());
        let mine = Guid::from_u128(7);
        g.register(GroupKind::Resource, mine, "Mine").unwrap();
        assert_eq!(
            g.register(GroupKind::Resource, mine, "Other"),
            Err(ApiError::GroupConflict)
        );
        assert_eq!(g.name(GroupKind::Resource, &mine).as_deref(), Some("Mine"));
        assert_eq!(g.name(GroupKind::Fts, &mine), None);
    }
}
