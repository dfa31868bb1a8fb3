//! The protocol-independent core: every REST route and every gRPC method
//! authenticates, authorizes, resolves the model and runs it through here,
//! so the security checks exist once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ward_tensor::Tensor;

use crate::audit::{AuditEntry, AuditLog, rfc3339};
use crate::auth::{Authenticator, Identity, Verb, denied};
use crate::convert::InputLimits;
use crate::error::{ServeError, ServeResult, Status};
use crate::metrics::Metrics;
use crate::models::{Loaded, ModelManager, VersionSelector, VersionStatus};

/// What the connection proved about the peer (set by the listener).
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub peer: SocketAddr,
    pub tls: bool,
    pub client_cert_sha256: Option<[u8; 32]>,
}

/// A model version a caller may use for a verb.
pub struct Resolved {
    pub model: String,
    pub loaded: Arc<Loaded>,
    pub limits: InputLimits,
    pub signature: String,
}

pub struct Core {
    pub auth: Authenticator,
    pub models: ModelManager,
    pub metrics: Arc<Metrics>,
    pub audit: AuditLog,
}

/// One request's bookkeeping for the audit log and metrics.
pub struct Call {
    pub protocol: &'static str,
    pub verb: &'static str,
    pub peer: SocketAddr,
    pub started: Instant,
    pub identity: Option<Arc<Identity>>,
    pub model: Option<String>,
    pub version: Option<i64>,
    pub request_bytes: u64,
}

impl Call {
    pub fn new(protocol: &'static str, verb: &'static str, conn: &ConnInfo) -> Self {
        Call {
            protocol,
            verb,
            peer: conn.peer,
            started: Instant::now(),
            identity: None,
            model: None,
            version: None,
            request_bytes: 0,
        }
    }
}

impl Core {
    /// Who is calling. Runs before anything else looks at the request.
    pub fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        conn: &ConnInfo,
    ) -> ServeResult<Arc<Identity>> {
        self.auth
            .authenticate(authorization, conn.client_cert_sha256.as_ref())
    }

    /// Checks the grant (before the model is looked up), then finds the
    /// version, then checks the grant for that version.
    pub fn resolve(
        &self,
        who: &Identity,
        model: &str,
        selector: &VersionSelector,
        verb: Verb,
    ) -> ServeResult<Resolved> {
        if !who.may(model, verb) {
            return Err(denied(who, model, verb));
        }
        let served = self
            .models
            .get(model)
            .ok_or_else(|| ServeError::not_found(format!("model '{model}' is not served")))?;
        let loaded = served.resolve(selector)?;
        if !who.may_version(model, loaded.version, verb) {
            return Err(ServeError::denied(format!(
                "identity '{}' may not {} version {} of model '{model}'",
                who.name,
                verb.as_str(),
                loaded.version
            )));
        }
        Ok(Resolved {
            model: model.to_string(),
            limits: InputLimits {
                max_elements: served.config.max_elements,
                max_batch: served.config.max_batch,
            },
            signature: served.config.signature.clone(),
            loaded,
        })
    }

    /// Statuses of the versions the caller may see.
    pub fn status(
        &self,
        who: &Identity,
        model: &str,
        selector: &VersionSelector,
    ) -> ServeResult<Vec<VersionStatus>> {
        if !who.may(model, Verb::Status) {
            return Err(denied(who, model, Verb::Status));
        }
        let served = self
            .models
            .get(model)
            .ok_or_else(|| ServeError::not_found(format!("model '{model}' is not served")))?;
        let all = served.statuses();
        let wanted = match selector {
            VersionSelector::Latest => None,
            VersionSelector::Number(v) => Some(*v),
            VersionSelector::Label(l) => Some(*served.config.labels.get(l).ok_or_else(|| {
                ServeError::invalid(format!("model '{model}' has no version label '{l}'"))
            })?),
        };
        let visible: Vec<VersionStatus> = all
            .into_iter()
            .filter(|s| wanted.is_none_or(|w| w == s.version))
            .filter(|s| who.may_version(model, s.version, Verb::Status))
            .collect();
        if visible.is_empty() {
            return Err(ServeError::not_found(match wanted {
                Some(v) => format!("model '{model}' has no version {v}"),
                None => format!("model '{model}' has no versions yet"),
            }));
        }
        Ok(visible)
    }

    /// Checks the requested signature, then runs the inputs in the
    /// version's worker pool.
    pub async fn predict(
        &self,
        r: &Resolved,
        signature: Option<&str>,
        inputs: Vec<(String, Tensor)>,
    ) -> ServeResult<Vec<(String, Tensor)>> {
        check_signature(r, signature)?;
        r.loaded.pool.run(inputs).await
    }

    pub fn metrics_text(&self, who: &Identity) -> ServeResult<String> {
        if !who.metrics {
            return Err(ServeError::denied(format!(
                "identity '{}' may not read metrics",
                who.name
            )));
        }
        Ok(self.metrics.render())
    }

    /// Records the outcome in the audit log and metrics.
    pub fn finish(&self, call: &Call, status: Option<Status>, code: u16, response_bytes: u64) {
        let elapsed: Duration = call.started.elapsed();
        let status_name = status.map_or("OK", Status::as_str);
        self.metrics.request(
            call.protocol,
            call.model.as_deref().unwrap_or(""),
            call.verb,
            status_name,
            elapsed,
        );
        self.audit.record(&AuditEntry {
            time: rfc3339(SystemTime::now()),
            protocol: call.protocol,
            peer: call.peer.to_string(),
            identity: call.identity.as_deref().map(|i| i.name.as_str()),
            model: call.model.as_deref(),
            version: call.version,
            verb: call.verb,
            status: status_name,
            code,
            latency_ms: elapsed.as_secs_f64() * 1000.0,
            request_bytes: call.request_bytes,
            response_bytes,
        });
    }
}

/// A request may name only the signature this model serves.
pub fn check_signature(r: &Resolved, signature: Option<&str>) -> ServeResult<()> {
    match signature {
        None | Some("") => Ok(()),
        Some(s) if s == r.signature => Ok(()),
        Some(s) => Err(ServeError::invalid(format!(
            "model '{}' serves signature '{}', not '{s}'",
            r.model, r.signature
        ))),
    }
}
