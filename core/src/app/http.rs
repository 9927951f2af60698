//! The `http` module deals with turning one connection's HTTP events into
//! artifacts, in Trisul's groups and formats:
//!
//! - **URL Resources (HTTP)**: one per request, when its final response's
//!   headers arrive (or when it will get none): `uri` = `METHOD HOST
//!   TARGET` (three tokens, as Trisul's url-latency sample splits them),
//!   `label` = `STATUS usec:LATENCY` (`- usec:-` when unanswered), with
//!   [`UrlInfo`] beside them.
//! - **File Hashes**: one per body with at least one byte (request bodies
//!   too): `uri` = the MD5 of the de-chunked, content-decoded body, `label`
//!   = `SHA256:<hex>` then the file name and content type, with
//!   [`FileHashInfo`]. Only when hashing is on.
//! - **HTTP Header FTS**: each request and response header block as on the
//!   wire, key `FLOW_ID/TRANSACTION/request|response`, attributes `URI`
//!   (and `CODE` for responses).

use std::collections::VecDeque;

use weir_plugin_api::artifacts::hex;
use weir_plugin_api::{guid, Timestamp};

use super::{side_of, AppParser, AppStats};
use crate::artifacts::{
    Artifact, FileHashInfo, FlowRef, FtsDoc, Resource, ResourceFields, UrlInfo,
};
use crate::proto::http::{HttpBody, HttpEvent, HttpRequest, HttpResponse, HttpSession, Side};

/// Requests remembered per connection for pairing with responses and
/// bodies; older ones are forgotten (their response, if it ever comes, is
/// reported without its request's details).
const MAX_REMEMBERED: usize = 64;

/// What a request's artifacts need later.
#[derive(Debug, Clone)]
struct RequestInfo {
    transaction: u64,
    ts: Timestamp,
    method: String,
    host: String,
    target: String,
    path: String,
    user_agent: String,
    answered: bool,
}

/// One HTTP connection: the session and what pairs its events.
pub struct HttpFlow {
    session: HttpSession,
    /// Direction index (0: A to Z, 1: Z to A) of the client.
    pub client: usize,
    /// The flow, client as source.
    flow: FlowRef,
    requests: VecDeque<RequestInfo>,
    events: Vec<HttpEvent>,
}

impl HttpFlow {
    /// A connection whose client sends in direction `client`.
    pub fn new(session: HttpSession, client: usize, flow: FlowRef) -> HttpFlow {
        HttpFlow {
            session,
            client,
            flow,
            requests: VecDeque::new(),
            events: Vec::new(),
        }
    }

    fn emit_all(&mut self, out: &mut Vec<Artifact>) {
        let mut ev = std::mem::take(&mut self.events);
        self.emit(&mut ev, out);
        self.events = ev;
    }
}

impl AppParser for HttpFlow {
    fn data(&mut self, d: usize, ts: Timestamp, bytes: &[u8], out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.data(side, ts, bytes, &mut self.events);
        self.emit_all(out);
    }

    fn gap(&mut self, d: usize, len: u64, out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.gap(side, len, &mut self.events);
        self.emit_all(out);
    }

    fn end(&mut self, d: usize, ts: Timestamp, out: &mut Vec<Artifact>) {
        let side = side_of(d, self.client);
        self.session.end(side, ts, &mut self.events);
        self.emit_all(out);
    }

    /// Requests never answered get their URL resource.
    fn close(&mut self, ts: Timestamp, out: &mut Vec<Artifact>, stats: &mut AppStats) {
        while let Some(r) = self.requests.pop_front() {
            if !r.answered {
                out.push(self.url(&r, None, ts));
            }
        }
        stats.http.add(self.session.stats());
    }
}

impl HttpFlow {
    fn emit(&mut self, events: &mut Vec<HttpEvent>, out: &mut Vec<Artifact>) {
        for e in events.drain(..) {
            match e {
                HttpEvent::Request(r) => self.request(r, out),
                HttpEvent::Response(r) => self.response(r, out),
                HttpEvent::Body(b) => self.body(b, out),
                HttpEvent::Unanswered { transaction } => {
                    if let Some(r) = self
                        .requests
                        .iter_mut()
                        .find(|r| r.transaction == transaction)
                    {
                        if !r.answered {
                            r.answered = true;
                            let r = r.clone();
                            out.push(self.url(&r, None, r.ts));
                        }
                    }
                }
            }
        }
    }

    fn request(&mut self, r: HttpRequest, out: &mut Vec<Artifact>) {
        out.push(Artifact::Fts(FtsDoc {
            group: guid::FTS_HTTP_HEADERS,
            ts: r.ts,
            flow: self.flow.clone(),
            key: format!("{}/{}/request", self.flow.id, r.transaction),
            text: r.header_block,
            attributes: vec![("URI".into(), r.target.clone())],
            origin: 0,
        }));
        if self.requests.len() >= MAX_REMEMBERED {
            if let Some(old) = self.requests.pop_front() {
                if !old.answered {
                    out.push(self.url(&old, None, r.ts));
                }
            }
        }
        self.requests.push_back(RequestInfo {
            transaction: r.transaction,
            ts: r.ts,
            method: r.method,
            host: r.host.unwrap_or_default(),
            target: r.target,
            path: r.path,
            user_agent: r.user_agent.unwrap_or_default(),
            answered: false,
        });
    }

    fn response(&mut self, r: HttpResponse, out: &mut Vec<Artifact>) {
        let info = r
            .transaction
            .and_then(|t| self.requests.iter().find(|q| q.transaction == t))
            .cloned();
        let mut attributes = vec![("CODE".to_string(), r.status.to_string())];
        if let Some(q) = &info {
            attributes.push(("URI".into(), q.target.clone()));
        }
        let key = match r.transaction {
            Some(t) => format!("{}/{t}/response", self.flow.id),
            None => format!("{}/-/response@{}", self.flow.id, r.ts.as_micros()),
        };
        out.push(Artifact::Fts(FtsDoc {
            group: guid::FTS_HTTP_HEADERS,
            ts: r.ts,
            flow: self.flow.clone(),
            key: if r.interim {
                format!("{key}/{}", r.status)
            } else {
                key
            },
            text: r.header_block.clone(),
            attributes,
            origin: 0,
        }));
        if r.interim {
            return;
        }
        if let Some(q) = r
            .transaction
            .and_then(|t| self.requests.iter_mut().find(|q| q.transaction == t))
        {
            if !q.answered {
                q.answered = true;
                let q = q.clone();
                out.push(self.url(&q, Some(&r), r.ts));
            }
        }
    }

    fn url(&self, q: &RequestInfo, r: Option<&HttpResponse>, ts: Timestamp) -> Artifact {
        let host = if q.host.is_empty() {
            "-"
        } else {
            q.host.as_str()
        };
        let latency = r.and_then(|r| r.latency_us);
        let label = match r {
            Some(r) => format!(
                "{} usec:{}",
                r.status,
                latency.map_or("-".to_string(), |l| l.to_string())
            ),
            None => "- usec:-".to_string(),
        };
        Artifact::Resource(Resource {
            group: guid::RG_URL,
            ts,
            flow: self.flow.clone(),
            uri: format!("{} {host} {}", q.method, q.target),
            label,
            fields: ResourceFields::Url(UrlInfo {
                method: q.method.clone(),
                host: q.host.clone(),
                target: q.target.clone(),
                status: r.map_or(0, |r| r.status),
                latency_us: latency,
                request_ts: q.ts,
                user_agent: q.user_agent.clone(),
                content_type: r.and_then(|r| r.content_type.clone()).unwrap_or_default(),
            }),
            origin: 0,
        })
    }

    fn body(&mut self, b: HttpBody, out: &mut Vec<Artifact>) {
        let (Some(md5), Some(sha256)) = (b.md5, b.sha256) else {
            return; // hashing is off
        };
        let q = b
            .transaction
            .and_then(|t| self.requests.iter().find(|q| q.transaction == t));
        let url = q.map_or(String::new(), |q| {
            let host = if q.host.is_empty() {
                "-"
            } else {
                q.host.as_str()
            };
            format!("{} {host} {}", q.method, q.target)
        });
        let _ = q.map(|q| &q.path);
        let file_name = b.file_name.unwrap_or_default();
        let content_type = b.content_type.unwrap_or_default();
        let mut label = format!("SHA256:{}", hex(&sha256));
        for part in [&file_name, &content_type] {
            if !part.is_empty() {
                label.push(' ');
                label.push_str(part);
            }
        }
        out.push(Artifact::Resource(Resource {
            group: guid::RG_FILE_HASHES,
            ts: b.ts_end,
            flow: self.flow.clone(),
            uri: hex(&md5),
            label,
            fields: ResourceFields::FileHash(FileHashInfo {
                md5,
                sha256,
                size: b.len,
                wire_size: b.wire_len,
                complete: b.complete,
                incomplete_reason: b.incomplete_reason,
                direction: u8::from(b.side == Side::Client),
                file_name,
                content_type,
                content_encoding: b.content_encoding.unwrap_or_default(),
                url,
                extracted: b.extracted,
            }),
            origin: 0,
        }));
    }
}
