//! Shared helpers for the `ward serve` integration tests.
#![allow(dead_code)]
// `ward serve` end to end over loopback with real clients: reqwest for
// REST, tonic for gRPC, raw TCP for exact paths, rcgen certificates for
// TLS and mTLS. Models run in strict-sandboxed `ward __worker` processes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use ward_serve::auth::{hex, sha256};
use ward_serve::proto::{ModelSpec, PredictRequest};
use ward_serve::{Config, ServeOptions, bind};
use ward_tf::proto::{TensorProto, TensorShapeProto, tensor_shape_proto};

pub const ADMIN: &str = "tok-admin-0123456789";
pub const OTHER: &str = "tok-other-0123456789";
pub const STATUS_ONLY: &str = "tok-status-0123456789";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn npy_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let budget = ward_tensor::Budget::unlimited();
    let bytes = std::fs::read(path).unwrap();
    let t = ward_tensor::npy::read_npy(&bytes, &budget).unwrap();
    (t.dims().to_vec(), t.as_slice::<f32>().unwrap().to_vec())
}

/// A base path holding the given versions, each a link to `saved_model`.
pub fn model_base(root: &Path, name: &str, saved_model: &Path, versions: &[i64]) -> PathBuf {
    let base = root.join(name);
    std::fs::create_dir_all(&base).unwrap();
    for v in versions {
        std::os::unix::fs::symlink(saved_model, base.join(v.to_string())).unwrap();
    }
    base
}

pub fn identities() -> String {
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

pub struct Server {
    pub rest: SocketAddr,
    pub grpc: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.rest)
    }
    /// Stops the server; returns its directory (still on disk).
    pub async fn shutdown(mut self) -> tempfile::TempDir {
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

pub async fn start(dir: tempfile::TempDir, toml: &str) -> Server {
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
pub fn server_toml(extra_server: &str, models: &str) -> String {
    format!(
        "[server]\nrest_port = 0\ngrpc_port = 0\npoll_interval = \"200ms\"\nsandbox = \"strict\"\n{extra_server}\n{models}\n[[model]]\nname = \"other\"\nbase_path = \"{}\"\n{}",
        other_base().display(),
        identities()
    )
}

pub fn other_base() -> PathBuf {
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

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

pub async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
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

pub async fn post(url: &str, token: Option<&str>, body: String) -> (u16, Value) {
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
pub async fn wait_state(s: &Server, model: &str, version: i64, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, body) = get(&s.url(&format!("/v1/models/{model}")), Some(ADMIN)).await;
        if code == 200 {
            let hit = body["model_version_status"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| {
                    v["version"].as_str() == Some(version.to_string().as_str())
                        && v["state"] == state
                });
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
pub async fn raw_http(addr: SocketAddr, request: &str) -> u16 {
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

pub fn mlp_rows() -> (Value, Vec<f32>) {
    let (dims, x) = npy_f32(&fixtures().join("models/mlp/inputs/x.npy"));
    let rows: Vec<Vec<f32>> = x.chunks(dims[1]).map(<[f32]>::to_vec).collect();
    let (_, expected) = npy_f32(&fixtures().join("models/mlp/expected/probs.npy"));
    (json!(rows), expected)
}

pub fn flat(v: &Value) -> Vec<f32> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap() as f32],
        other => panic!("not a number: {other}"),
    }
}

pub fn assert_close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-5 + 1e-4 * w.abs(), "{g} vs {w}");
    }
}

pub fn f32_proto(dims: &[usize], values: &[f32]) -> TensorProto {
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

pub fn authed<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    req.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    req
}

pub fn spec(name: &str) -> Option<ModelSpec> {
    Some(ModelSpec {
        name: name.into(),
        ..Default::default()
    })
}

pub async fn channel(addr: SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

pub fn mobilenet_request(batch: usize) -> PredictRequest {
    let (dims, x) = npy_f32(&fixtures().join("models/mobilenet_v2/inputs/image.npy"));
    let per = x.len() / dims[0];
    let x = &x[..per];
    let mut all = Vec::with_capacity(per * batch);
    for _ in 0..batch {
        all.extend_from_slice(x);
    }
    let mut shape = dims.clone();
    shape[0] = batch;
    PredictRequest {
        model_spec: spec("slow"),
        inputs: [("image".to_string(), f32_proto(&shape, &all))].into(),
        output_filter: vec![],
    }
}

/// Pids of this process's sandboxed workers.
pub fn worker_pids() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let ppid = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(str::trim);
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(me.as_str()) && String::from_utf8_lossy(&cmdline).contains("__worker") {
            out.push(pid);
        }
    }
    out
}

pub struct Pki {
    pub ca_pem: String,
    pub server_cert: String,
    pub server_key: String,
    pub client_cert: String,
    pub client_key: String,
    pub client_der: Vec<u8>,
}

pub fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "ward test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "alice");
    let client = client_params.signed_by(&client_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_cert: server.pem(),
        server_key: server_key.serialize_pem(),
        client_cert: client.pem(),
        client_key: client_key.serialize_pem(),
        client_der: client.der().to_vec(),
    }
}
