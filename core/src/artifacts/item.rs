//! The `item` module deals with one artifact as the engine holds it: a
//! [`Resource`] or an [`FtsDoc`], owned, with the flow it came from; and
//! with the borrowed ABI records ([`ResourceRecord`], [`FtsRecord`]) a
//! callback sees, built on the stack for the call.

use std::sync::Arc;

use abi_stable::std_types::RSlice;
use weir_plugin_api::abi::ext::Extensions;
use weir_plugin_api::artifacts::{hex, ArtifactFlow, ArtifactGroupRef, FileHashFields, UrlFields};
use weir_plugin_api::{
    FlowHandle, FtsAttribute, FtsRecord, Guid, IpBytes, ResourceRecord, Timestamp,
};

/// Who added an item: the engine (0), or a plugin instance (its state's
/// address, so that the item never goes back to that instance).
pub type Origin = usize;

/// The flow an artifact came from; `source` is the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRef {
    /// Trisul flow id (empty: no flow).
    pub id: Arc<str>,
    /// The flow's handle (0: none).
    pub handle: FlowHandle,
    /// IP protocol.
    pub proto: u8,
    /// Client address.
    pub source_ip: IpBytes,
    /// Client port.
    pub source_port: u16,
    /// Server address.
    pub dest_ip: IpBytes,
    /// Server port.
    pub dest_port: u16,
}

impl FlowRef {
    /// No flow.
    pub fn none() -> FlowRef {
        FlowRef::from_abi(&ArtifactFlow::NONE)
    }

    /// From a plugin's [`ArtifactFlow`].
    pub fn from_abi(f: &ArtifactFlow<'_>) -> FlowRef {
        FlowRef {
            id: Arc::from(f.id.as_str()),
            handle: f.handle,
            proto: f.proto,
            source_ip: f.source_ip,
            source_port: f.source_port,
            dest_ip: f.dest_ip,
            dest_port: f.dest_port,
        }
    }

    /// The borrowed form.
    pub fn abi(&self) -> ArtifactFlow<'_> {
        ArtifactFlow {
            id: self.id.as_ref().into(),
            handle: self.handle,
            proto: self.proto,
            source_ip: self.source_ip,
            source_port: self.source_port,
            dest_ip: self.dest_ip,
            dest_port: self.dest_port,
        }
    }
}

/// One HTTP request and its response (URL resources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlInfo {
    /// Method.
    pub method: String,
    /// Host (the `Host` header or the target's authority; may be empty).
    pub host: String,
    /// Request target as sent.
    pub target: String,
    /// Response status; 0 when unanswered.
    pub status: u16,
    /// Response latency, microseconds (`None`: unanswered).
    pub latency_us: Option<u64>,
    /// Time of the request headers.
    pub request_ts: Timestamp,
    /// `User-Agent`.
    pub user_agent: String,
    /// The response's `Content-Type`.
    pub content_type: String,
}

/// The hashes of one HTTP body (File Hashes resources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHashInfo {
    /// MD5 of the decoded body.
    pub md5: [u8; 16],
    /// SHA-256 of the decoded body.
    pub sha256: [u8; 32],
    /// Bytes hashed.
    pub size: u64,
    /// Bytes as sent (de-chunked, still encoded).
    pub wire_size: u64,
    /// Whether the whole body was seen and decoded.
    pub complete: bool,
    /// Why not, when not.
    pub incomplete_reason: Option<&'static str>,
    /// 0 response body, 1 request body.
    pub direction: u8,
    /// File name, if any.
    pub file_name: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Content-Encoding`.
    pub content_encoding: String,
    /// `METHOD HOST TARGET` of the transaction.
    pub url: String,
    /// Where the body was extracted to (`--extract-files`), relative to
    /// the extraction directory.
    pub extracted: Option<String>,
}

/// The typed fields of a resource, by group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceFields {
    /// None (a plugin's resource, or a group without typed fields).
    None,
    /// URL Resources (HTTP).
    Url(UrlInfo),
    /// File Hashes.
    FileHash(FileHashInfo),
}

/// A resource (Trisul's "log line").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its group.
    pub group: Guid,
    /// Stream time.
    pub ts: Timestamp,
    /// The flow it came from.
    pub flow: FlowRef,
    /// Summary.
    pub uri: String,
    /// Detail.
    pub label: String,
    /// Typed fields.
    pub fields: ResourceFields,
    /// Who added it.
    pub origin: Origin,
}

/// A full-text document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtsDoc {
    /// Its group.
    pub group: Guid,
    /// Stream time.
    pub ts: Timestamp,
    /// The flow it came from.
    pub flow: FlowRef,
    /// Unique id.
    pub key: String,
    /// The document.
    pub text: String,
    /// Indexed attributes, in order.
    pub attributes: Vec<(String, String)>,
    /// Who added it.
    pub origin: Origin,
}

/// An item of either stream, as it travels from a worker or a plugin to
/// the coordinator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artifact {
    /// A resource.
    Resource(Resource),
    /// An FTS document.
    Fts(FtsDoc),
}

impl Resource {
    /// Order within a batch: time, flow, content (independent of workers).
    pub fn sort_key(&self) -> (Timestamp, &str, &str, &str) {
        (self.ts, &self.flow.id, &self.uri, &self.label)
    }

    /// Calls `f` with the record a callback sees, the group named `name`.
    pub fn with_record<R>(&self, name: &str, f: impl FnOnce(&ResourceRecord<'_>) -> R) -> R {
        let group = ArtifactGroupRef {
            guid: self.group,
            name: name.into(),
            ext: Extensions::NONE,
        };
        let mut record = ResourceRecord {
            group,
            ts: self.ts,
            flow: self.flow.abi(),
            uri: self.uri.as_str().into(),
            label: self.label.as_str().into(),
            ext: Extensions::NONE,
        };
        match &self.fields {
            ResourceFields::None => f(&record),
            ResourceFields::Url(u) => {
                let block = UrlFields {
                    header: UrlFields::header(),
                    method: u.method.as_str().into(),
                    host: u.host.as_str().into(),
                    target: u.target.as_str().into(),
                    status: u.status,
                    latency_us: u.latency_us.unwrap_or(u64::MAX),
                    request_ts: u.request_ts,
                    user_agent: u.user_agent.as_str().into(),
                    content_type: u.content_type.as_str().into(),
                };
                record.ext = Extensions::single(&block);
                f(&record)
            }
            ResourceFields::FileHash(h) => {
                let block = FileHashFields {
                    header: FileHashFields::header(),
                    md5: h.md5,
                    sha256: h.sha256,
                    size: h.size,
                    wire_size: h.wire_size,
                    complete: h.complete,
                    direction: h.direction,
                    file_name: h.file_name.as_str().into(),
                    content_type: h.content_type.as_str().into(),
                    content_encoding: h.content_encoding.as_str().into(),
                    url: h.url.as_str().into(),
                    incomplete_reason: h.incomplete_reason.unwrap_or("").into(),
                    extracted: h.extracted.as_deref().unwrap_or("").into(),
                };
                record.ext = Extensions::single(&block);
                f(&record)
            }
        }
    }

    /// The `resources.ndjson` line (without the newline), fields in the
    /// order of `docs/OUTPUTS.md`.
    pub fn to_json<'a>(&'a self, group_guid: &'a str, group_name: &'a str) -> ResourceLine<'a> {
        let flow = (self.flow.proto != 0).then_some(&self.flow);
        let mut line = ResourceLine {
            group_guid,
            group: group_name,
            ts: self.ts.as_f64(),
            flow_id: (!self.flow.id.is_empty()).then_some(&*self.flow.id),
            uri: &self.uri,
            label: &self.label,
            source_ip: flow.map(|f| f.source_ip.to_ip_addr()),
            source_port: flow.map(|f| f.source_port),
            dest_ip: flow.map(|f| f.dest_ip.to_ip_addr()),
            dest_port: flow.map(|f| f.dest_port),
            url: None,
            file: None,
        };
        match &self.fields {
            ResourceFields::None => {}
            ResourceFields::Url(u) => {
                line.url = Some(UrlLine {
                    method: &u.method,
                    host: &u.host,
                    target: &u.target,
                    status: u.status,
                    latency_us: u.latency_us,
                    request_ts: u.request_ts.as_f64(),
                    user_agent: &u.user_agent,
                    content_type: &u.content_type,
                })
            }
            ResourceFields::FileHash(h) => {
                line.file = Some(FileLine {
                    md5: hex(&h.md5),
                    sha256: hex(&h.sha256),
                    size: h.size,
                    wire_size: h.wire_size,
                    complete: h.complete,
                    incomplete_reason: h.incomplete_reason,
                    direction: if h.direction == 1 {
                        "upload"
                    } else {
                        "download"
                    },
                    file_name: &h.file_name,
                    content_type: &h.content_type,
                    content_encoding: &h.content_encoding,
                    url: &h.url,
                    extracted: h.extracted.as_deref(),
                })
            }
        }
        line
    }
}

/// One `resources.ndjson` line, serialized straight to the file (no
/// intermediate JSON tree: the stream can be hundreds of thousands of
/// lines an interval).
#[derive(Debug, serde::Serialize)]
pub struct ResourceLine<'a> {
    group_guid: &'a str,
    group: &'a str,
    ts: f64,
    flow_id: Option<&'a str>,
    uri: &'a str,
    label: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_ip: Option<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_ip: Option<std::net::IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    url: Option<UrlLine<'a>>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    file: Option<FileLine<'a>>,
}

#[derive(Debug, serde::Serialize)]
struct UrlLine<'a> {
    method: &'a str,
    host: &'a str,
    target: &'a str,
    status: u16,
    latency_us: Option<u64>,
    request_ts: f64,
    user_agent: &'a str,
    content_type: &'a str,
}

#[derive(Debug, serde::Serialize)]
struct FileLine<'a> {
    md5: String,
    sha256: String,
    size: u64,
    wire_size: u64,
    complete: bool,
    incomplete_reason: Option<&'static str>,
    direction: &'static str,
    file_name: &'a str,
    content_type: &'a str,
    content_encoding: &'a str,
    url: &'a str,
    extracted: Option<&'a str>,
}

impl FtsDoc {
    /// Order within a batch.
    pub fn sort_key(&self) -> (Timestamp, &str, &str, &str) {
        (self.ts, &self.flow.id, &self.key, &self.text)
    }

    /// Calls `f` with the record a callback sees, the group named `name`.
    pub fn with_record<R>(&self, name: &str, f: impl FnOnce(&FtsRecord<'_>) -> R) -> R {
        let attributes: Vec<FtsAttribute<'_>> = self
            .attributes
            .iter()
            .map(|(n, v)| FtsAttribute {
                name: n.as_str().into(),
                value: v.as_str().into(),
            })
            .collect();
        let record = FtsRecord {
            group: ArtifactGroupRef {
                guid: self.group,
                name: name.into(),
                ext: Extensions::NONE,
            },
            ts: self.ts,
            flow: self.flow.abi(),
            key: self.key.as_str().into(),
            text: self.text.as_str().into(),
            attributes: RSlice::from_slice(&attributes),
            ext: Extensions::NONE,
        };
        f(&record)
    }

    /// The `fts.ndjson` line (without the newline).
    pub fn to_json<'a>(&'a self, group_guid: &'a str, group_name: &'a str) -> FtsLine<'a> {
        FtsLine {
            group_guid,
            group: group_name,
            ts: self.ts.as_f64(),
            flow_id: (!self.flow.id.is_empty()).then_some(&*self.flow.id),
            key: &self.key,
            attributes: Attributes(&self.attributes),
            text: &self.text,
        }
    }
}

/// One `fts.ndjson` line, serialized straight to the file.
#[derive(Debug, serde::Serialize)]
pub struct FtsLine<'a> {
    group_guid: &'a str,
    group: &'a str,
    ts: f64,
    flow_id: Option<&'a str>,
    key: &'a str,
    attributes: Attributes<'a>,
    text: &'a str,
}

/// Attributes as a JSON object, in their order.
#[derive(Debug)]
struct Attributes<'a>(&'a [(String, String)]);

impl serde::Serialize for Attributes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
