//! The `artifacts` module deals with what resource monitors and full-text
//! (FTS) monitors see and feed back (API 1.3): the group a callback is about
//! ([`ArtifactGroupRef`]), the flow an artifact came from ([`ArtifactFlow`]),
//! a resource ([`ResourceRecord`], Trisul's "log line": a `uri` and a
//! `label`) with its group's typed fields ([`UrlFields`], [`FileHashFields`]),
//! a full-text document ([`FtsRecord`]), what a monitor listens to
//! ([`ArtifactSubscription`]), and what a plugin adds ([`NewResource`],
//! [`NewFtsDocument`]).
//!
//! Typed fields ride on the record's extension chain, one block per group
//! kind, so that a later minor adds groups (DNS, TLS, ...) by adding blocks:
//! [`ResourceRecord::url`] is `None` for a resource of another group.

use abi_stable::std_types::{RSlice, RStr, RString, RVec};
use abi_stable::StableAbi;

use crate::abi::ext::{ExtHeader, Extension, Extensions};
use crate::records::{FlowHandle, FlowRecord, Guid, IpBytes, Timestamp};

/// The group a resource or FTS callback is about. One monitor may receive
/// several groups (its subscription matched them): compare `guid`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct ArtifactGroupRef<'a> {
    /// The group's GUID.
    pub guid: Guid,
    /// The group's name (`"URL Resources (HTTP)"`).
    pub name: RStr<'a>,
    /// Later fields (none in 1.3).
    pub ext: Extensions<'a>,
}

impl<'a> ArtifactGroupRef<'a> {
    /// The group's name.
    pub fn name(&self) -> &'a str {
        self.name.as_str()
    }
}

/// The flow an artifact came from. `source` is the client (the side that
/// sent the request), `dest` the server; all zero (and `id` empty) for an
/// artifact that belongs to no flow.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct ArtifactFlow<'a> {
    /// Trisul flow id (`06A:C0.A8.01.02:p-0B94_D1.D8.F9.3A:p-0050`), or empty.
    pub id: RStr<'a>,
    /// The flow's handle, for feedback calls (0: none).
    pub handle: FlowHandle,
    /// IP protocol number (0: no flow).
    pub proto: u8,
    /// The client's address.
    pub source_ip: IpBytes,
    /// The client's port.
    pub source_port: u16,
    /// The server's address.
    pub dest_ip: IpBytes,
    /// The server's port.
    pub dest_port: u16,
}

impl<'a> ArtifactFlow<'a> {
    /// No flow.
    pub const NONE: ArtifactFlow<'static> = ArtifactFlow {
        id: RStr::from_str(""),
        handle: FlowHandle(0),
        proto: 0,
        source_ip: IpBytes {
            bytes: [0; 16],
            version: 0,
        },
        source_port: 0,
        dest_ip: IpBytes {
            bytes: [0; 16],
            version: 0,
        },
        dest_port: 0,
    };

    /// The flow of `flow`, with its A end as the source.
    pub fn of_flow(flow: &FlowRecord<'a>) -> ArtifactFlow<'a> {
        ArtifactFlow {
            id: flow.id,
            handle: flow.handle,
            proto: flow.proto,
            source_ip: flow.a_ip,
            source_port: flow.a_port,
            dest_ip: flow.z_ip,
            dest_port: flow.z_port,
        }
    }

    /// The flow id (empty when none).
    pub fn id(&self) -> &'a str {
        self.id.as_str()
    }

    /// Whether the artifact belongs to a flow.
    pub fn is_some(&self) -> bool {
        !self.id.is_empty()
    }

    /// The flow as Trisul's `to_s()` prints it, like
    /// [`FlowRecord::to_s`]: protocol name, client address and port,
    /// server address and port, in padded columns; `-` for no flow.
    pub fn to_s(&self) -> String {
        if !self.is_some() {
            return "-".to_string();
        }
        format!(
            "{:<5} {:<15} {:<6} {:<15} {:<6}",
            crate::records::protocol_name(self.proto),
            self.source_ip,
            self.source_port,
            self.dest_ip,
            self.dest_port
        )
    }
}

/// A resource: Trisul's resource object. `uri` is the group's summary
/// (for URL: `METHOD HOST PATH`; for File Hashes: the hash), `label` the
/// detail (for URL: the status and `usec:<latency>`; for File Hashes: the
/// file name and content type). Typed fields of the built-in groups are on
/// `ext` ([`ResourceRecord::url`], [`ResourceRecord::file_hash`]).
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct ResourceRecord<'a> {
    /// The resource group.
    pub group: ArtifactGroupRef<'a>,
    /// Stream time the artifact was complete (a response's headers, a
    /// body's last byte).
    pub ts: Timestamp,
    /// The flow it came from.
    pub flow: ArtifactFlow<'a>,
    /// The summary ("key") of the resource.
    pub uri: RStr<'a>,
    /// The detail.
    pub label: RStr<'a>,
    /// The group's typed fields, as extension blocks.
    pub ext: Extensions<'a>,
}

impl<'a> ResourceRecord<'a> {
    /// The summary.
    pub fn uri(&self) -> &'a str {
        self.uri.as_str()
    }
    /// The detail.
    pub fn label(&self) -> &'a str {
        self.label.as_str()
    }
    /// The URL group's fields (`None` for another group).
    pub fn url(&self) -> Option<&'a UrlFields<'a>> {
        self.ext.get::<UrlFields<'a>>()
    }
    /// The File Hashes group's fields (`None` for another group, and for a
    /// hash a plugin added).
    pub fn file_hash(&self) -> Option<&'a FileHashFields<'a>> {
        self.ext.get::<FileHashFields<'a>>()
    }
}

/// Extension kind of [`UrlFields`] (`"RU13"`); never reused.
pub const URL_FIELDS_KIND: u32 = 0x5255_3133;
/// Extension kind of [`FileHashFields`] (`"RF13"`); never reused.
pub const FILE_HASH_FIELDS_KIND: u32 = 0x5246_3133;

/// One HTTP request and its response, the typed fields of a URL resource.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct UrlFields<'a> {
    /// `kind` [`URL_FIELDS_KIND`].
    pub header: ExtHeader,
    /// Request method (`GET`).
    pub method: RStr<'a>,
    /// `Host` header, else the authority of an absolute request target.
    pub host: RStr<'a>,
    /// Request target as sent (path and query).
    pub target: RStr<'a>,
    /// Response status; 0 when no response was seen.
    pub status: u16,
    /// Response latency (response headers minus request headers),
    /// microseconds; `u64::MAX` when no response was seen.
    pub latency_us: u64,
    /// Time of the request's headers.
    pub request_ts: Timestamp,
    /// `User-Agent` (may be empty).
    pub user_agent: RStr<'a>,
    /// The response's `Content-Type` (may be empty).
    pub content_type: RStr<'a>,
}

/// An HTTP body's hashes, the typed fields of a File Hashes resource.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct FileHashFields<'a> {
    /// `kind` [`FILE_HASH_FIELDS_KIND`].
    pub header: ExtHeader,
    /// MD5 of the body, de-chunked and content-decoded.
    pub md5: [u8; 16],
    /// SHA-256 of the same bytes.
    pub sha256: [u8; 32],
    /// Bytes hashed.
    pub size: u64,
    /// Bytes as sent (de-chunked, still content-encoded).
    pub wire_size: u64,
    /// Whether every byte of the body was seen and decoded (false: the
    /// hashes are of a part only).
    pub complete: bool,
    /// 0: a response body (a download); 1: a request body (an upload).
    pub direction: u8,
    /// File name (`Content-Disposition`, else the last path segment).
    pub file_name: RStr<'a>,
    /// `Content-Type` (may be empty).
    pub content_type: RStr<'a>,
    /// `Content-Encoding` as sent (may be empty).
    pub content_encoding: RStr<'a>,
    /// The request's method, host and target (`GET example.com /a.zip`).
    pub url: RStr<'a>,
    /// Why the body is not complete (`gap`, `cut by close`, ...); empty
    /// when it is.
    pub incomplete_reason: RStr<'a>,
    /// Where the body was written with `--extract-files`, relative to that
    /// directory; empty when it was not.
    pub extracted: RStr<'a>,
}

// SAFETY: repr(C), the first field is an ExtHeader, frozen once published.
unsafe impl Extension for UrlFields<'_> {
    const KIND: u32 = URL_FIELDS_KIND;
}
// SAFETY: as above.
unsafe impl Extension for FileHashFields<'_> {
    const KIND: u32 = FILE_HASH_FIELDS_KIND;
}

fn ext_header<E>(kind: u32) -> ExtHeader {
    ExtHeader {
        kind,
        size: std::mem::size_of::<E>() as u32,
        next: std::ptr::null(),
    }
}

impl<'a> UrlFields<'a> {
    /// A header for a block with no successor.
    pub fn header() -> ExtHeader {
        ext_header::<UrlFields<'static>>(URL_FIELDS_KIND)
    }
    /// Whether a response was seen.
    pub fn answered(&self) -> bool {
        self.status != 0
    }
}

impl<'a> FileHashFields<'a> {
    /// A header for a block with no successor.
    pub fn header() -> ExtHeader {
        ext_header::<FileHashFields<'static>>(FILE_HASH_FIELDS_KIND)
    }
    /// The MD5 in lower-case hex.
    pub fn md5_hex(&self) -> String {
        hex(&self.md5)
    }
    /// The SHA-256 in lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A full-text document (Trisul's FTS object): the HTTP header block of a
/// request or response, a certificate chain's text, a DNS dump.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct FtsRecord<'a> {
    /// The FTS group.
    pub group: ArtifactGroupRef<'a>,
    /// Stream time of the document.
    pub ts: Timestamp,
    /// The flow it came from.
    pub flow: ArtifactFlow<'a>,
    /// The document's id, unique in the run.
    pub key: RStr<'a>,
    /// The document.
    pub text: RStr<'a>,
    /// Indexed attributes (for HTTP headers: `CODE`, `URI`).
    pub attributes: RSlice<'a, FtsAttribute<'a>>,
    /// Later fields (none in 1.3).
    pub ext: Extensions<'a>,
}

impl<'a> FtsRecord<'a> {
    /// The document's id.
    pub fn key(&self) -> &'a str {
        self.key.as_str()
    }
    /// The document.
    pub fn text(&self) -> &'a str {
        self.text.as_str()
    }
    /// The value of attribute `name` (exact name), if present.
    pub fn attribute(&self, name: &str) -> Option<&'a str> {
        self.attributes
            .as_slice()
            .iter()
            .find(|a| a.name.as_str() == name)
            .map(|a| a.value.as_str())
    }
}

/// A named attribute of an FTS document.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct FtsAttribute<'a> {
    /// Name (`CODE`).
    pub name: RStr<'a>,
    /// Value (`200`).
    pub value: RStr<'a>,
}

/// A resource a plugin adds with [`crate::HostHandle::add_resource`]
/// (Trisul's `add_resource`). Its time is the stream time of the call.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct NewResource<'a> {
    /// The group: built in, or registered by a plugin.
    pub group: Guid,
    /// The flow it belongs to ([`ArtifactFlow::NONE`]: none); copy it from
    /// the record being handled, or make it with [`ArtifactFlow::of_flow`].
    pub flow: ArtifactFlow<'a>,
    /// The summary (at most 4 KiB).
    pub uri: RStr<'a>,
    /// The detail (at most 32 KiB, Trisul's limit).
    pub label: RStr<'a>,
    /// Later fields (none in 1.3).
    pub ext: Extensions<'a>,
}

/// A full-text document a plugin adds with
/// [`crate::HostHandle::add_fts_document`]. Its time is the stream time of
/// the call; its key is the plugin's (the host makes one when empty).
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct NewFtsDocument<'a> {
    /// The group: built in, or registered by a plugin.
    pub group: Guid,
    /// The flow it belongs to ([`ArtifactFlow::NONE`]: none).
    pub flow: ArtifactFlow<'a>,
    /// The document's id (empty: the host makes one).
    pub key: RStr<'a>,
    /// The document (at most 1 MiB).
    pub text: RStr<'a>,
    /// Indexed attributes.
    pub attributes: RSlice<'a, FtsAttribute<'a>>,
    /// Later fields (none in 1.3).
    pub ext: Extensions<'a>,
}

/// Bit set of resource-monitor and FTS-monitor callbacks.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct ArtifactEvents(pub u32);

impl ArtifactEvents {
    /// `on_new_resource` / `on_new_document`: each item within a second of
    /// stream time of its extraction.
    pub const NEW: ArtifactEvents = ArtifactEvents(1 << 0);
    /// `on_begin_flush`, `on_flush`, `on_end_flush`.
    pub const FLUSH: ArtifactEvents = ArtifactEvents(1 << 1);
    /// `flush_filter` (a vote per item).
    pub const FLUSH_FILTER: ArtifactEvents = ArtifactEvents(1 << 2);
    /// `on_metronome`.
    pub const METRONOME: ArtifactEvents = ArtifactEvents(1 << 3);
    /// Everything.
    pub const ALL: ArtifactEvents = ArtifactEvents(0xF);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: ArtifactEvents) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union.
    pub const fn union(self, other: ArtifactEvents) -> ArtifactEvents {
        ArtifactEvents(self.0 | other.0)
    }
}

impl std::ops::BitOr for ArtifactEvents {
    type Output = ArtifactEvents;
    fn bitor(self, rhs: ArtifactEvents) -> ArtifactEvents {
        self.union(rhs)
    }
}

/// What a resource or FTS monitor listens to: the union of the groups
/// named by GUID and by name substring (any case). Resolved once, when the
/// run starts, against the built-in groups and those plugins registered; a
/// subscription that matches no group stops the run before any packet is
/// read.
///
/// `ArtifactSubscription::guid(guid::RG_FILE_HASHES).new_items()`.
#[repr(C)]
#[derive(StableAbi, Clone, PartialEq, Eq, Debug, Default)]
pub struct ArtifactSubscription {
    /// Callbacks wanted.
    pub events: ArtifactEvents,
    /// Groups by GUID.
    pub guids: RVec<Guid>,
    /// Groups whose name contains one of these, without regard to case
    /// (`""`: every group of the monitor's kind).
    pub name_match: RVec<RString>,
}

impl ArtifactSubscription {
    /// The group `guid`, no callbacks yet.
    pub fn guid(guid: Guid) -> ArtifactSubscription {
        ArtifactSubscription::default().or_guid(guid)
    }

    /// Groups whose name contains `name` (any case; `""`: every group).
    pub fn name_match(name: &str) -> ArtifactSubscription {
        ArtifactSubscription::default().or_name_match(name)
    }

    /// Every group of the kind, every callback.
    pub fn everything() -> ArtifactSubscription {
        ArtifactSubscription::name_match("").with(ArtifactEvents::ALL)
    }

    /// Also the group `guid`.
    pub fn or_guid(mut self, guid: Guid) -> Self {
        self.guids.push(guid);
        self
    }

    /// Also groups whose name contains `name`.
    pub fn or_name_match(mut self, name: &str) -> Self {
        self.name_match.push(name.into());
        self
    }

    /// Adds `events`.
    pub fn with(mut self, events: ArtifactEvents) -> Self {
        self.events = self.events.union(events);
        self
    }

    /// Adds `on_new_resource` / `on_new_document`.
    pub fn new_items(self) -> Self {
        self.with(ArtifactEvents::NEW)
    }
    /// Adds the flush callbacks.
    pub fn flush(self) -> Self {
        self.with(ArtifactEvents::FLUSH)
    }
    /// Adds the flush filter.
    pub fn filter(self) -> Self {
        self.with(ArtifactEvents::FLUSH_FILTER)
    }
    /// Adds `on_metronome`.
    pub fn metronome(self) -> Self {
        self.with(ArtifactEvents::METRONOME)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_are_read_from_the_chain_by_kind() {
        let url = UrlFields {
            header: UrlFields::header(),
            method: "GET".into(),
            host: "example.com".into(),
            target: "/a?b".into(),
            status: 200,
            latency_us: 1500,
            request_ts: Timestamp::from_secs(1),
            user_agent: "".into(),
            content_type: "text/html".into(),
        };
        let mut r = ResourceRecord {
            group: ArtifactGroupRef {
                guid: crate::guid::RG_URL,
                name: "URL".into(),
                ext: Extensions::NONE,
            },
            ts: Timestamp::from_secs(2),
            flow: ArtifactFlow::NONE,
            uri: "GET example.com /a?b".into(),
            label: "200 usec:1500".into(),
            ext: Extensions::NONE,
        };
        assert!(r.url().is_none() && r.file_hash().is_none());
        r.ext = Extensions::single(&url);
        assert_eq!(r.url().map(|u| (u.status, u.answered())), Some((200, true)));
        assert!(
            r.file_hash().is_none(),
            "another kind is not mistaken for it"
        );
        assert!(!r.flow.is_some());
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn subscriptions_compose() {
        let s = ArtifactSubscription::guid(crate::guid::RG_FILE_HASHES)
            .or_name_match("url")
            .new_items()
            .filter();
        assert!(s
            .events
            .contains(ArtifactEvents::NEW | ArtifactEvents::FLUSH_FILTER));
        assert!(!s.events.contains(ArtifactEvents::FLUSH));
        assert_eq!(s.guids.len(), 1);
        assert!(ArtifactSubscription::everything()
            .events
            .contains(ArtifactEvents::ALL));
    }
}
