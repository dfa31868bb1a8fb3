//! `ward serve` end to end over loopback with real clients: reqwest for
//! REST, tonic for gRPC, raw TCP for exact paths, rcgen certificates for
//! TLS and mTLS. Models run in strict-sandboxed `ward __worker` processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::unreachable
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use ward_serve::auth::{hex, sha256};
use ward_serve::proto::model_service_client::ModelServiceClient;
use ward_serve::proto::prediction_service_client::PredictionServiceClient;
use ward_serve::proto::{
    GetModelMetadataRequest, GetModelStatusRequest, ModelSpec, PredictRequest, ReloadConfigRequest,
    SignatureDefMap,
};
use ward_serve::{Config, ServeOptions, bind};
use ward_tf::proto::{TensorProto, TensorShapeProto, tensor_shape_proto};

const ADMIN: &str = "tok-admin-0123456789";
const OTHER: &str = "tok-other-0123456789";
const STATUS_ONLY: &str = "tok-status-0123456789";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn npy_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let budget = ward_tensor::Budget::unlimited();
    let bytes = std::fs::read(path).unwrap();
    let t = ward_tensor::npy::read_npy(&bytes, &budget).unwrap();
    (t.dims().to_vec(), t.as_slice::<f32>().unwrap().to_vec())
}

/// A base path holding the given versions, each a link to `saved_model`.
fn model_base(root: &Path, name: &str, saved_model: &Path, versions: &[i64]) -> PathBuf {
    let base = root.join(name);
    std::fs::create_dir_all(&base).unwrap();
    for v in versions {
        std::os::unix::fs::symlink(saved_model, base.join(v.to_string())).unwrap();
    }
    base
}

fn identities() -> String {
    format!(
        r#"
[[identity]]
name = "admin"
token_sha256 = "{}"
metrics = true
[[identity.grant]]
models = ["*"]
verbs = ["predict", "metadata", "status"]

[[identity]]
name = "other"
token_sha256 = "{}"
[[identity.grant]]
models = ["other"]
verbs = ["predict", "metadata", "status"]

[[identity]]
name = "watcher"
token_sha256 = "{}"
[[identity.grant]]
models = ["mlp"]
verbs = ["status"]
"#,
        hex(&sha256(ADMIN.as_bytes())),
        hex(&sha256(OTHER.as_bytes())),
        hex(&sha256(STATUS_ONLY.as_bytes())),
    )
}

struct Server {
    rest: SocketAddr,
    grpc: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
    dir: tempfile::TempDir,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.rest)
    }
    /// Stops the server; returns its directory (still on disk).
    async fn shutdown(mut self) -> tempfile::TempDir {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        self.dir
    }
}

async fn start(dir: tempfile::TempDir, toml: &str) -> Server {
    let config = Config::from_toml(toml, "test.toml", dir.path()).unwrap();
    let bound = bind(
        config,
        ServeOptions {
            worker_exe: env!("CARGO_BIN_EXE_ward").into(),
            worker_args: vec!["__worker".into()],
        },
    )
    .unwrap();
    let rest = bound.rest_addr().unwrap();
    let grpc = bound.grpc_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(async move {
        let _ = rx.await;
    }));
    Server {
        rest,
        grpc,
        stop: Some(tx),
        task,
        dir,
    }
}

/// The server section, the given models plus "other" (the MLP again, for
/// the identity that may use only it), and the identities.
fn server_toml(extra_server: &str, models: &str) -> String {
    format!(
        "[server]\nrest_port = 0\ngrpc_port = 0\npoll_interval = \"200ms\"\nsandbox = \"strict\"\n{extra_server}\n{models}\n[[model]]\nname = \"other\"\nbase_path = \"{}\"\n{}",
        other_base().display(),
        identities()
    )
}

fn other_base() -> PathBuf {
    static BASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        model_base(
            &dir,
            "other",
            &fixtures().join("models/mlp/saved_model"),
            &[1],
        )
    })
    .clone()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post(url: &str, token: Option<&str>, body: String) -> (u16, Value) {
    let mut req = client().post(url).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Waits until `model` reports `version` in `state`.
async fn wait_state(s: &Server, model: &str, version: i64, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = get(&s.url(&format!("/v1/models/{model}")), Some(ADMIN)).await;
        if code == 200 {
            let hit = body["model_version_status"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["version"] == version.to_string() && v["state"] == state);
            if let Some(v) = hit {
                return v.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{model} v{version} never reached {state}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends exactly these bytes (no client-side path normalization) and
/// returns the HTTP status.
async fn raw_http(addr: SocketAddr, request: &str) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn mlp_rows() -> (Value, Vec<f32>) {
    let (dims, x) = npy_f32(&fixtures().join("models/mlp/inputs/x.npy"));
    let rows: Vec<Vec<f32>> = x.chunks(dims[1]).map(<[f32]>::to_vec).collect();
    let (_, expected) = npy_f32(&fixtures().join("models/mlp/expected/probs.npy"));
    (json!(rows), expected)
}

fn flat(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap() as f32],
        other => panic!("not a number: {other}"),
    }
}

fn assert_close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5 + 1e-4 * w.abs(), "{g} vs {w}");
    }
}

fn f32_proto(dims: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        dtype: 1,
        tensor_shape: Some(TensorShapeProto {
            dim: dims
                .iter()
                .map(|&d| tensor_shape_proto::Dim {
                    size: d as i64,
                    name: String::new(),
                })
                .collect(),
            unknown_rank: false,
        }),
        tensor_content: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

fn spec(name: &str) -> Option<ModelSpec> {
    Some(ModelSpec {
        name: name.into(),
        ..Default::default()
    })
}

async fn channel(addr: SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_grpc_serve_the_mlp_like_tf() {
    let dir = tempfile::tempdir().unwrap();
    let base = model_base(
        dir.path(),
        "mlp",
        &fixtures().join("models/mlp/saved_model"),
        &[1],
    );
    let audit = dir.path().join("audit.jsonl");
    let toml = server_toml(
        &format!("audit_log = \"{}\"", audit.display()),
        &format!(
            "[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\n",
            base.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "mlp", 1, "AVAILABLE").await;

    // REST: status, metadata, both predict layouts.
    let (code, status) = get(&s.url("/v1/models/mlp/versions/1"), Some(ADMIN)).await;
    assert_eq!(code, 200);
    assert_eq!(
        status["model_version_status"][0]["status"]["error_code"],
        "OK"
    );
    let (code, meta) = get(&s.url("/v1/models/mlp/metadata"), Some(ADMIN)).await;
    assert_eq!(code, 200, "{meta}");
    let sig = &meta["metadata"]["signature_def"]["signature_def"]["serving_default"];
    assert_eq!(sig["inputs"]["x"]["dtype"], "DT_FLOAT");
    assert_eq!(
        sig["outputs"]["probs"]["tensor_shape"]["dim"][1]["size"],
        "10"
    );
    let (rows, expected) = mlp_rows();
    let (code, out) = post(
        &s.url("/v1/models/mlp:predict"),
        Some(ADMIN),
        json!({"instances": rows}).to_string(),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_close(&flat(&out["predictions"]), &expected);
    let (code, out) = post(
        &s.url("/v1/models/mlp/versions/1:predict"),
        Some(ADMIN),
        json!({"signature_name": "serving_default", "inputs": {"x": rows}}).to_string(),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_close(&flat(&out["outputs"]), &expected);
    let (code, out) = post(&s.url("/v1/models/mlp:classify"), Some(ADMIN), "{}".into()).await;
    assert_eq!(code, 501, "{out}");
    let (code, out) = post(
        &s.url("/v1/models/mlp/versions/7:predict"),
        Some(ADMIN),
        "{}".into(),
    )
    .await;
    assert_eq!(code, 404, "{out}");
    let (code, out) = post(
        &s.url("/v1/models/mlp:predict"),
        Some(ADMIN),
        json!({"signature_name": "other", "instances": rows}).to_string(),
    )
    .await;
    assert_eq!(code, 400, "{out}");

    // gRPC: Predict, GetModelMetadata, GetModelStatus, health; reload refused.
    let ch = channel(s.grpc).await;
    let mut predict = PredictionServiceClient::new(ch.clone());
    let (dims, x) = npy_f32(&fixtures().join("models/mlp/inputs/x.npy"));
    let resp = predict
        .predict(authed(
            PredictRequest {
                model_spec: spec("mlp"),
                inputs: [("x".to_string(), f32_proto(&dims, &x))].into(),
                output_filter: vec![],
            },
            ADMIN,
        ))
        .await
        .unwrap()
        .into_inner();
    let probs = &resp.outputs["probs"];
    let got: Vec<f32> = probs
        .tensor_content
        .chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_close(&got, &expected);
    assert_eq!(resp.model_spec.unwrap().name, "mlp");
    let meta = predict
        .get_model_metadata(authed(
            GetModelMetadataRequest {
                model_spec: spec("mlp"),
                metadata_field: vec!["signature_def".into()],
            },
            ADMIN,
        ))
        .await
        .unwrap()
        .into_inner();
    let any = &meta.metadata["signature_def"];
    assert!(any.type_url.ends_with("tensorflow.serving.SignatureDefMap"));
    let map: SignatureDefMap = prost::Message::decode(any.value.as_slice()).unwrap();
    assert!(
        map.signature_def["serving_default"]
            .inputs
            .contains_key("x")
    );
    let mut models = ModelServiceClient::new(ch.clone());
    let st = models
        .get_model_status(authed(
            GetModelStatusRequest {
                model_spec: spec("mlp"),
            },
            ADMIN,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(st.model_version_status[0].version, 1);
    assert_eq!(st.model_version_status[0].state, 30);
    let e = models
        .handle_reload_config_request(authed(ReloadConfigRequest {}, ADMIN))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::PermissionDenied);
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch);
    let h = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(h.status, 1); // SERVING

    // Metrics (admin may), audit lines (no tensor values).
    let resp = client()
        .get(s.url("/monitoring/prometheus/metrics"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains(
            "ward_requests_total{protocol=\"grpc\",model=\"mlp\",verb=\"predict\",code=\"OK\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("ward_request_duration_seconds_bucket"));
    let (code, _) = get(&s.url("/monitoring/prometheus/metrics"), Some(OTHER)).await;
    assert_eq!(code, 403);
    let dir = s.shutdown().await;
    let audit_path = dir.path().join("audit.jsonl");
    let lines: Vec<Value> = std::fs::read_to_string(audit_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 10);
    let p = lines
        .iter()
        .find(|l| l["protocol"] == "grpc" && l["verb"] == "predict")
        .unwrap();
    assert_eq!(p["identity"], "admin");
    assert_eq!(p["model"], "mlp");
    assert_eq!(p["version"], 1);
    assert_eq!(p["status"], "OK");
    assert!(p["request_bytes"].as_u64().unwrap() > 160);
    let raw = serde_json::to_string(&lines).unwrap();
    assert!(
        !raw.contains(&format!("{}", x[0])),
        "tensor values leaked into the audit log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_runs_without_the_right_identity() {
    let dir = tempfile::tempdir().unwrap();
    let base = model_base(
        dir.path(),
        "mlp",
        &fixtures().join("models/mlp/saved_model"),
        &[1],
    );
    let toml = server_toml(
        "",
        &format!(
            "[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\n",
            base.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "mlp", 1, "AVAILABLE").await;
    let (rows, _) = mlp_rows();
    let body = json!({"instances": rows}).to_string();
    let predict = s.url("/v1/models/mlp:predict");

    // No token, bad token, malformed header: 401 before anything else.
    assert_eq!(post(&predict, None, body.clone()).await.0, 401);
    assert_eq!(post(&predict, Some("tok-wrong"), body.clone()).await.0, 401);
    assert_eq!(
        post(&s.url("/no/such/route"), None, body.clone()).await.0,
        401
    );
    let resp = client()
        .post(&predict)
        .header("authorization", format!("Basic {ADMIN}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A token for another model: 403, and the same for a model that does
    // not exist (no probing beyond one's grants).
    assert_eq!(post(&predict, Some(OTHER), body.clone()).await.0, 403);
    assert_eq!(
        post(
            &s.url("/v1/models/ghost:predict"),
            Some(OTHER),
            body.clone()
        )
        .await
        .0,
        403
    );
    assert_eq!(
        post(
            &s.url("/v1/models/ghost:predict"),
            Some(ADMIN),
            body.clone()
        )
        .await
        .0,
        404
    );
    // The wrong verb: status-only may read status, not predict; the body
    // (deliberately invalid) is never even parsed.
    assert_eq!(
        get(&s.url("/v1/models/mlp"), Some(STATUS_ONLY)).await.0,
        200
    );
    assert_eq!(
        get(&s.url("/v1/models/mlp/metadata"), Some(STATUS_ONLY))
            .await
            .0,
        403
    );
    assert_eq!(
        post(&predict, Some(STATUS_ONLY), "not json".into()).await.0,
        403
    );

    // gRPC: the same rules.
    let mut g = PredictionServiceClient::new(channel(s.grpc).await);
    let req = || PredictRequest {
        model_spec: spec("mlp"),
        ..Default::default()
    };
    assert_eq!(
        g.predict(tonic::Request::new(req()))
            .await
            .unwrap_err()
            .code(),
        tonic::Code::Unauthenticated
    );
    assert_eq!(
        g.predict(authed(req(), "nope")).await.unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
    assert_eq!(
        g.predict(authed(req(), OTHER)).await.unwrap_err().code(),
        tonic::Code::PermissionDenied
    );
    assert_eq!(
        g.predict(authed(req(), STATUS_ONLY))
            .await
            .unwrap_err()
            .code(),
        tonic::Code::PermissionDenied
    );
    let mut m = ModelServiceClient::new(channel(s.grpc).await);
    let e = m
        .handle_reload_config_request(tonic::Request::new(ReloadConfigRequest {}))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unauthenticated);

    // Path tricks cannot reach another model: exact bytes on the wire.
    for path in [
        "/v1/models/other/../mlp:predict",
        "/v1/models/other%2F..%2Fmlp:predict",
        "/v1/models/other/%2e%2e/mlp:predict",
        "/v1/models/MLP:predict",
        "/v1/models/mlp/:predict",
        "/V1/models/mlp:predict",
        "/v1/models/mlp:predict/",
    ] {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OTHER}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let code = raw_http(s.rest, &req).await;
        assert!(code == 404 || code == 403, "{path} -> {code}");
        // Even the admin gets nothing but 404 for these.
        let req = req.replace(OTHER, ADMIN);
        let code = raw_http(s.rest, &req).await;
        assert!(code == 404 || code == 400, "{path} -> {code} for admin");
    }
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_refuse_oversized_requests() {
    let dir = tempfile::tempdir().unwrap();
    let base = model_base(
        dir.path(),
        "mlp",
        &fixtures().join("models/mlp/saved_model"),
        &[1],
    );
    let toml = server_toml(
        "max_body = \"64KiB\"",
        &format!(
            "[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\nmax_elements = 400\nmax_batch = 16\n",
            base.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "mlp", 1, "AVAILABLE").await;
    let predict = s.url("/v1/models/mlp:predict");
    let row: Vec<f32> = vec![0.5; 20];
    // 413: over max_body (by Content-Length, and streamed without one).
    let big = json!({"instances": vec![row.clone(); 2000]}).to_string();
    assert!(big.len() > 64 * 1024);
    assert_eq!(post(&predict, Some(ADMIN), big.clone()).await.0, 413);
    let chunked: String = big
        .as_bytes()
        .chunks(4096)
        .map(|c| format!("{:x}\r\n{}\r\n", c.len(), String::from_utf8_lossy(c)))
        .collect();
    let req = format!(
        "POST /v1/models/mlp:predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunked}0\r\n\r\n"
    );
    assert_eq!(raw_http(s.rest, &req).await, 413);
    // 400: too many elements (21 rows × 20 > 400) and too large a batch.
    let (code, out) = post(
        &predict,
        Some(ADMIN),
        json!({"instances": vec![row.clone(); 21]}).to_string(),
    )
    .await;
    assert_eq!(code, 400, "{out}");
    let (code, out) = post(
        &predict,
        Some(ADMIN),
        json!({"instances": vec![vec![0.5f32; 1]; 17]}).to_string(),
    )
    .await;
    assert_eq!(code, 400, "{out}");
    let (code, out) = post(
        &predict,
        Some(ADMIN),
        json!({"instances": vec![row.clone(); 3]}).to_string(),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    // gRPC: a shape claiming 2^40 elements is refused before allocation.
    let mut g = PredictionServiceClient::new(channel(s.grpc).await);
    let mut huge = f32_proto(&[1, 20], &row);
    huge.tensor_shape.as_mut().unwrap().dim[0].size = 1 << 40;
    huge.tensor_content.clear();
    huge.float_val = vec![1.0];
    let e = g
        .predict(authed(
            PredictRequest {
                model_spec: spec("mlp"),
                inputs: [("x".to_string(), huge)].into(),
                output_filter: vec![],
            },
            ADMIN,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::InvalidArgument, "{e:?}");
    s.shutdown().await;
}
