//! The REST API, shaped like TF Serving's: status, metadata and `:predict`
//! under `/v1/models/...`, errors as `{"error": "..."}` with TF Serving's
//! HTTP status mapping, metrics at `/monitoring/prometheus/metrics`.
//!
//! Paths are parsed strictly and never normalized: a model name is a
//! conservative alphabet, so `..`, encoded slashes or case variants can
//! only fail to match, never reach another model.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use http::{HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};
use ward_tensor::DType;

use crate::auth::Verb;
use crate::config::valid_model_name;
use crate::convert::{parse_predict_json, predict_response_json};
use crate::core::{Call, ConnInfo, Core};
use crate::error::{ServeError, Status};
use crate::models::{VersionSelector, VersionStatus};

#[derive(Clone)]
pub struct RestState {
    pub core: Arc<Core>,
    pub max_body_bytes: u64,
}

pub fn router(state: RestState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

#[derive(Debug, PartialEq, Eq)]
enum Action {
    Status,
    Metadata,
    Predict,
    /// `:classify` / `:regress`: authorized like predict, then 501.
    Unimplemented(&'static str),
}

#[derive(Debug, PartialEq, Eq)]
enum Route {
    Model {
        name: String,
        version: VersionSelector,
        action: Action,
    },
    Metrics,
}

fn valid_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Parses a request path; None for anything that is not exactly a route.
fn parse_route(path: &str) -> Option<Route> {
    if path == "/monitoring/prometheus/metrics" {
        return Some(Route::Metrics);
    }
    let rest = path.strip_prefix("/v1/models/")?;
    let (body, verb) = match rest.rsplit_once(':') {
        Some((b, v)) if !v.contains('/') => (b, Some(v)),
        _ => (rest, None),
    };
    let mut segments: Vec<&str> = body.split('/').collect();
    let metadata = verb.is_none() && segments.last() == Some(&"metadata") && segments.len() > 1;
    if metadata {
        segments.pop();
    }
    let (name, version) = match segments.as_slice() {
        [name] => (*name, VersionSelector::Latest),
        [name, "versions", v] => {
            if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (*name, VersionSelector::Number(v.parse().ok()?))
        }
        [name, "labels", l] if valid_label(l) => (*name, VersionSelector::Label((*l).to_string())),
        _ => return None,
    };
    if !valid_model_name(name) {
        return None;
    }
    let action = match (verb, metadata) {
        (None, false) => Action::Status,
        (None, true) => Action::Metadata,
        (Some("predict"), _) => Action::Predict,
        (Some("classify"), _) => Action::Unimplemented("classify"),
        (Some("regress"), _) => Action::Unimplemented("regress"),
        _ => return None,
    };
    Some(Route::Model {
        name: name.to_string(),
        version,
        action,
    })
}

fn json_response(code: u16, body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn error_body(e: &ServeError) -> String {
    json!({ "error": e.message }).to_string()
}

async fn handle(State(st): State<RestState>, req: Request) -> Response {
    let conn = req.extensions().get::<ConnInfo>().cloned();
    let Some(conn) = conn else {
        return json_response(500, error_body(&ServeError::internal("no connection info")));
    };
    let mut call = Call::new("rest", "unknown", &conn);
    let result = serve(&st, &mut call, &conn, req).await;
    let (code, status, body) = match result {
        Ok(body) => (200, None, body),
        Err(e) => (e.status.http(), Some(e.status), error_body(&e)),
    };
    let bytes = u64::try_from(body.len()).unwrap_or(u64::MAX);
    st.core.finish(&call, status, code, bytes);
    let mut resp = json_response(code, body);
    if status == Some(Status::Unauthenticated) {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if call.verb == "metrics" && status.is_none() {
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
    }
    resp
}

async fn serve(
    st: &RestState,
    call: &mut Call,
    conn: &ConnInfo,
    req: Request,
) -> Result<String, ServeError> {
    let core = &st.core;
    // Credentials first: without an identity nothing else is looked at,
    // not even whether the route exists.
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes);
    let who = core.authenticate(authorization, conn)?;
    call.identity = Some(Arc::clone(&who));
    let route =
        parse_route(req.uri().path()).ok_or_else(|| ServeError::not_found("no such route"))?;
    let method = req.method().clone();
    match route {
        Route::Metrics => {
            call.verb = "metrics";
            expect_method(&method, &Method::GET)?;
            core.metrics_text(&who)
        }
        Route::Model {
            name,
            version,
            action,
        } => {
            call.model = Some(name.clone());
            match action {
                Action::Status => {
                    call.verb = "status";
                    expect_method(&method, &Method::GET)?;
                    let statuses = core.status(&who, &name, &version)?;
                    Ok(status_json(&statuses))
                }
                Action::Metadata => {
                    call.verb = "metadata";
                    expect_method(&method, &Method::GET)?;
                    let r = core.resolve(&who, &name, &version, Verb::Metadata)?;
                    call.version = Some(r.loaded.version);
                    Ok(metadata_json(&name, &r))
                }
                Action::Unimplemented(what) => {
                    call.verb = what;
                    expect_method(&method, &Method::POST)?;
                    core.resolve(&who, &name, &version, Verb::Predict)?;
                    Err(ServeError::new(
                        Status::Unimplemented,
                        format!(":{what} is not implemented; use :predict"),
                    ))
                }
                Action::Predict => {
                    call.verb = "predict";
                    expect_method(&method, &Method::POST)?;
                    let r = core.resolve(&who, &name, &version, Verb::Predict)?;
                    call.version = Some(r.loaded.version);
                    let body = read_body(req, st.max_body_bytes).await?;
                    call.request_bytes = u64::try_from(body.len()).unwrap_or(u64::MAX);
                    let parsed = parse_predict_json(&body, &r.loaded.reply, &r.limits)?;
                    drop(body);
                    let outputs = core
                        .predict(&r, parsed.signature_name.as_deref(), parsed.inputs)
                        .await?;
                    predict_response_json(parsed.format, &outputs)
                }
            }
        }
    }
}

fn expect_method(got: &Method, want: &Method) -> Result<(), ServeError> {
    if got == want {
        Ok(())
    } else {
        Err(ServeError::invalid(format!(
            "this route takes {want}, not {got}"
        )))
    }
}

/// Reads the body up to the limit; larger bodies are refused with 413
/// (by Content-Length before reading, or when the stream passes it).
async fn read_body(req: Request, limit: u64) -> Result<axum::body::Bytes, ServeError> {
    let too_large = || {
        ServeError::new(
            Status::PayloadTooLarge,
            format!("the request body exceeds {limit} bytes"),
        )
    };
    if let Some(len) = req.headers().get(header::CONTENT_LENGTH) {
        let len = len.to_str().ok().and_then(|s| s.parse::<u64>().ok());
        if len.is_some_and(|l| l > limit) {
            return Err(too_large());
        }
    }
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    match Limited::new(req.into_body(), limit_usize).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large())
        }
        Err(e) => Err(ServeError::invalid(format!(
            "cannot read the request body: {e}"
        ))),
    }
}

/// TF Serving's status JSON.
fn status_json(statuses: &[VersionStatus]) -> String {
    let list: Vec<Value> = statuses
        .iter()
        .map(|s| {
            let (code, message) = match &s.error {
                None => ("OK", String::new()),
                Some(e) => (canonical_code(e.status), e.message.clone()),
            };
            json!({
                "version": s.version.to_string(),
                "state": s.state.as_str(),
                "status": { "error_code": code, "error_message": message },
            })
        })
        .collect();
    json!({ "model_version_status": list }).to_string()
}

/// The canonical (upper snake case) name of a status, as TF prints it.
pub fn canonical_code(s: Status) -> &'static str {
    match s {
        Status::InvalidArgument => "INVALID_ARGUMENT",
        Status::Unauthenticated => "UNAUTHENTICATED",
        Status::PermissionDenied => "PERMISSION_DENIED",
        Status::NotFound => "NOT_FOUND",
        Status::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Status::FailedPrecondition => "FAILED_PRECONDITION",
        Status::Unimplemented => "UNIMPLEMENTED",
        Status::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Status::Unavailable => "UNAVAILABLE",
        Status::OutOfRange => "OUT_OF_RANGE",
        Status::Cancelled => "CANCELLED",
        Status::DataLoss => "DATA_LOSS",
        Status::Internal => "INTERNAL",
        Status::PayloadTooLarge => "RESOURCE_EXHAUSTED",
    }
}

/// TensorFlow's `DT_*` name of a dtype.
pub fn dt_name(d: DType) -> &'static str {
    match d {
        DType::F16 => "DT_HALF",
        DType::BF16 => "DT_BFLOAT16",
        DType::F32 => "DT_FLOAT",
        DType::F64 => "DT_DOUBLE",
        DType::I8 => "DT_INT8",
        DType::I16 => "DT_INT16",
        DType::I32 => "DT_INT32",
        DType::I64 => "DT_INT64",
        DType::U8 => "DT_UINT8",
        DType::U16 => "DT_UINT16",
        DType::U32 => "DT_UINT32",
        DType::U64 => "DT_UINT64",
        DType::Bool => "DT_BOOL",
        DType::String => "DT_STRING",
    }
}

fn tensor_info_json(key: &str, dtype: Option<DType>, dims: &[i64]) -> Value {
    let mut info = json!({
        "dtype": dtype.map_or("DT_INVALID", dt_name),
        "name": key,
    });
    if let Some(obj) = info.as_object_mut() {
        let shape = if dims.is_empty() && dtype.is_none() {
            json!({ "dim": [], "unknown_rank": true })
        } else {
            let dim: Vec<Value> = dims
                .iter()
                .map(|d| json!({ "size": d.to_string(), "name": "" }))
                .collect();
            json!({ "dim": dim, "unknown_rank": false })
        };
        obj.insert("tensor_shape".into(), shape);
    }
    info
}

/// TF Serving's metadata JSON: the served signature.
fn metadata_json(name: &str, r: &crate::core::Resolved) -> String {
    let reply = &r.loaded.reply;
    let inputs: serde_json::Map<String, Value> = reply
        .inputs
        .iter()
        .map(|(k, d, dims)| (k.clone(), tensor_info_json(k, Some(*d), dims)))
        .collect();
    let outputs: serde_json::Map<String, Value> = reply
        .outputs
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (d, dims) = reply
                .output_specs
                .get(i)
                .cloned()
                .unwrap_or((None, Vec::new()));
            (k.clone(), tensor_info_json(k, d, &dims))
        })
        .collect();
    json!({
        "model_spec": { "name": name, "signature_name": "", "version": r.loaded.version.to_string() },
        "metadata": { "signature_def": { "signature_def": {
            r.signature.clone(): {
                "inputs": inputs,
                "outputs": outputs,
                "method_name": "tensorflow/serving/predict",
            }
        } } },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn model(name: &str, version: VersionSelector, action: Action) -> Option<Route> {
        Some(Route::Model {
            name: name.into(),
            version,
            action,
        })
    }

    #[test]
    fn routes() {
        assert_eq!(
            parse_route("/v1/models/m"),
            model("m", VersionSelector::Latest, Action::Status)
        );
        assert_eq!(
            parse_route("/v1/models/m/versions/3"),
            model("m", VersionSelector::Number(3), Action::Status)
        );
        assert_eq!(
            parse_route("/v1/models/m/labels/stable/metadata"),
            model(
                "m",
                VersionSelector::Label("stable".into()),
                Action::Metadata
            )
        );
        assert_eq!(
            parse_route("/v1/models/m:predict"),
            model("m", VersionSelector::Latest, Action::Predict)
        );
        assert_eq!(
            parse_route("/v1/models/m/versions/2:predict"),
            model("m", VersionSelector::Number(2), Action::Predict)
        );
        assert_eq!(
            parse_route("/v1/models/m:regress"),
            model(
                "m",
                VersionSelector::Latest,
                Action::Unimplemented("regress")
            )
        );
        assert_eq!(
            parse_route("/monitoring/prometheus/metrics"),
            Some(Route::Metrics)
        );
    }

    #[test]
    fn path_tricks_match_nothing() {
        for path in [
            "/v1/models/a/../b:predict",
            "/v1/models/..:predict",
            "/v1/models/a%2Fb:predict",
            "/v1/models/a%2e%2e/b",
            "/v1/models//b:predict",
            "/v1/models/b/:predict",
            "/v1/models/b:predict/",
            "/v1/models/b:PREDICT",
            "/V1/models/b:predict",
            "/v1/models/b/versions/-1",
            "/v1/models/b/versions/1x",
            "/v1/models/b/labels/a.b",
            "/v1/models/b/metadata:predict",
            "/v1/models/b/versions/1/extra",
            "/v1/models/",
            "/v1/models/b;x=1:predict",
        ] {
            let r = parse_route(path);
            let reaches_other =
                matches!(&r, Some(Route::Model { name, .. }) if name != "b" && name != "a");
            assert!(r.is_none() || !reaches_other, "{path} -> {r:?}");
            assert!(r.is_none(), "{path} -> {r:?}");
        }
    }
}
