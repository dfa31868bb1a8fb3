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

mod serve_support;
use serve_support::*;

use serde_json::{Value, json};
use std::time::{Duration, Instant};
use ward_serve::auth::{hex, sha256};
use ward_serve::proto::model_service_client::ModelServiceClient;
use ward_serve::proto::prediction_service_client::PredictionServiceClient;
use ward_serve::proto::{
    GetModelMetadataRequest, GetModelStatusRequest, PredictRequest, ReloadConfigRequest,
    SignatureDefMap,
};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_versions_are_picked_up_and_refused_models_are_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let mlp = fixtures().join("models/mlp/saved_model");
    let base = model_base(dir.path(), "mlp", &mlp, &[1]);
    let bad = model_base(
        dir.path(),
        "bad",
        &fixtures().join("scan/print_to_file/saved_model"),
        &[3],
    );
    let toml = server_toml(
        "",
        &format!(
            "[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\nlabels = {{ stable = 1, canary = 2 }}\n\n[[model]]\nname = \"bad\"\nbase_path = \"{}\"\n",
            base.display(),
            bad.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "mlp", 1, "AVAILABLE").await;
    let (rows, expected) = mlp_rows();
    let body = json!({"instances": rows}).to_string();

    // A model that fails the scan: END with the reason; predict is 503.
    let st = wait_state(&s, "bad", 3, "END").await;
    let why = st["status"]["error_message"].as_str().unwrap();
    assert!(why.contains("scan refused"), "{why}");
    assert_eq!(st["status"]["error_code"], "PERMISSION_DENIED");
    let (code, out) = post(&s.url("/v1/models/bad:predict"), Some(ADMIN), body.clone()).await;
    assert_eq!(code, 503, "{out}");

    // Add version 2 while running: served after the next poll; with the
    // default policy (latest 1) version 1 is then unloaded.
    std::os::unix::fs::symlink(&mlp, s.dir.path().join("mlp/2")).unwrap();
    wait_state(&s, "mlp", 2, "AVAILABLE").await;
    wait_state(&s, "mlp", 1, "END").await;
    let (code, out) = post(
        &s.url("/v1/models/mlp/labels/canary:predict"),
        Some(ADMIN),
        body.clone(),
    )
    .await;
    assert_eq!(code, 200, "{out}");
    assert_close(&flat(&out["predictions"]), &expected);
    let (code, _) = post(
        &s.url("/v1/models/mlp/labels/stable:predict"),
        Some(ADMIN),
        body.clone(),
    )
    .await;
    assert_eq!(code, 503);
    let (code, _) = post(
        &s.url("/v1/models/mlp/labels/nope:predict"),
        Some(ADMIN),
        body,
    )
    .await;
    assert_eq!(code, 400);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_and_mtls() {
    let dir = tempfile::tempdir().unwrap();
    let p = pki();
    for (name, text) in [
        ("ca.pem", &p.ca_pem),
        ("server.pem", &p.server_cert),
        ("server.key", &p.server_key),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let base = model_base(
        dir.path(),
        "mlp",
        &fixtures().join("models/mlp/saved_model"),
        &[1],
    );
    let toml = server_toml(
        "listen = \"127.0.0.1\"",
        &format!(
            r#"[tls]
cert = "server.pem"
key = "server.key"
client_ca = "ca.pem"
require_client_cert = false

[[identity]]
name = "alice-cert"
client_cert_sha256 = "{}"
[[identity.grant]]
models = ["mlp"]
verbs = ["status", "predict"]

[[model]]
name = "mlp"
base_path = "{}"
"#,
            hex(&sha256(&p.client_der)),
            base.display()
        ),
    );
    let s = start(dir, &toml).await;
    let ca = reqwest::Certificate::from_pem(p.ca_pem.as_bytes()).unwrap();
    let tls_client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca.clone())
        .build()
        .unwrap();
    let url = format!("https://{}/v1/models/mlp", s.rest);
    // Wait for the model over TLS with a token.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = tls_client
            .get(&url)
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 200 && r.text().await.unwrap().contains("AVAILABLE") {
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Without a token and without a client certificate: 401.
    assert_eq!(
        tls_client.get(&url).send().await.unwrap().status().as_u16(),
        401
    );
    // mTLS: the client certificate alone is the identity.
    let identity =
        reqwest::Identity::from_pem(format!("{}{}", p.client_cert, p.client_key).as_bytes())
            .unwrap();
    let mtls_client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .identity(identity)
        .build()
        .unwrap();
    assert_eq!(
        mtls_client
            .get(&url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let meta = format!("https://{}/v1/models/mlp/metadata", s.rest);
    assert_eq!(
        mtls_client
            .get(&meta)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    // Plaintext to the TLS port gets no HTTP answer.
    let plain = client()
        .get(format!("http://{}/v1/models/mlp", s.rest))
        .bearer_auth(ADMIN)
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status().as_u16() != 200);
    // A client that does not trust the server's CA cannot connect.
    let untrusting = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    assert!(
        untrusting
            .get(&url)
            .bearer_auth(ADMIN)
            .send()
            .await
            .is_err()
    );
    // gRPC over TLS.
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&p.ca_pem))
        .domain_name("localhost");
    let ch =
        tonic::transport::Endpoint::from_shared(format!("https://localhost:{}", s.grpc.port()))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut m = ModelServiceClient::new(ch);
    let st = m
        .get_model_status(authed(
            GetModelStatusRequest {
                model_spec: spec("mlp"),
            },
            ADMIN,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(st.model_version_status[0].state, 30);
    // Plaintext gRPC to the TLS port fails.
    let plain = tonic::transport::Endpoint::from_shared(format!("http://{}", s.grpc))
        .unwrap()
        .connect()
        .await;
    if let Ok(ch) = plain {
        let mut m = ModelServiceClient::new(ch);
        assert!(
            m.get_model_status(authed(
                GetModelStatusRequest {
                    model_spec: spec("mlp")
                },
                ADMIN
            ))
            .await
            .is_err()
        );
    }

    // SIGHUP reloads the certificate: new connections get the new one.
    let fresh = pki();
    std::fs::write(s.dir.path().join("server.pem"), &fresh.server_cert).unwrap();
    std::fs::write(s.dir.path().join("server.key"), &fresh.server_key).unwrap();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let new_ca = reqwest::Certificate::from_pem(fresh.ca_pem.as_bytes()).unwrap();
    let new_client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(new_ca)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match new_client.get(&url).bearer_auth(ADMIN).send().await {
            Ok(r) if r.status().as_u16() == 200 => break,
            _ => {
                assert!(
                    Instant::now() < deadline,
                    "the new certificate was not picked up"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    let old_client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(p.ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    assert!(
        old_client
            .get(&url)
            .bearer_auth(ADMIN)
            .send()
            .await
            .is_err()
    );
    s.shutdown().await;
}
