//! `ward serve` worker pools: queue limits, a worker killed mid-request,
//! graceful shutdown. Alone in its own test binary so that every sandboxed
//! worker child of this process belongs to this test.
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

use serde_json::json;
use std::time::Instant;
use ward_serve::proto::prediction_service_client::PredictionServiceClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_crashing_workers_fail_only_their_requests() {
    let dir = tempfile::tempdir().unwrap();
    let base = model_base(
        dir.path(),
        "slow",
        &fixtures().join("models/mobilenet_v2/saved_model"),
        &[1],
    );
    let mlp = model_base(
        dir.path(),
        "mlp",
        &fixtures().join("models/mlp/saved_model"),
        &[1],
    );
    let toml = server_toml(
        "",
        &format!(
            "[[model]]\nname = \"slow\"\nbase_path = \"{}\"\nworkers = 1\nqueue = 0\n\n[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\n",
            base.display(),
            mlp.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "slow", 1, "AVAILABLE").await;
    let ch = channel(s.grpc).await;
    let mut g = PredictionServiceClient::new(ch.clone());
    let t0 = Instant::now();
    g.predict(authed(mobilenet_request(64), ADMIN))
        .await
        .unwrap();
    let one = t0.elapsed();
    eprintln!("one slow run: {one:?}");

    // Queue full: one slow request holds the only worker; with no queue
    // the next is refused at once with 429 / RESOURCE_EXHAUSTED.
    let mut g2 = g.clone();
    let slow = tokio::spawn(async move { g2.predict(authed(mobilenet_request(64), ADMIN)).await });
    tokio::time::sleep(one / 2).await;
    let (rows, _) = (json!([vec![vec![vec![0.0f32; 3]; 96]; 96]]), ());
    let (code, out) = post(
        &s.url("/v1/models/slow:predict"),
        Some(ADMIN),
        json!({"instances": rows}).to_string(),
    )
    .await;
    assert_eq!(code, 429, "{out} (one run took {one:?})");
    let e = g
        .predict(authed(mobilenet_request(1), ADMIN))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::ResourceExhausted);
    slow.await.unwrap().unwrap();

    // A worker killed mid-request: that request fails cleanly, the next
    // one gets a fresh worker and succeeds.
    let before = worker_pids();
    let victim = *before.iter().max().unwrap();
    let mut g3 = g.clone();
    let doomed =
        tokio::spawn(async move { g3.predict(authed(mobilenet_request(64), ADMIN)).await });
    tokio::time::sleep(one / 2).await;
    let killed = std::process::Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let e = doomed.await.unwrap().unwrap_err();
    assert!(
        matches!(
            e.code(),
            tonic::Code::Internal | tonic::Code::Unavailable | tonic::Code::ResourceExhausted
        ),
        "{e:?}"
    );
    g.predict(authed(mobilenet_request(1), ADMIN))
        .await
        .unwrap();
    assert!(!worker_pids().contains(&victim));
    let (code, _) = get(&s.url("/v1/models/slow"), Some(ADMIN)).await;
    assert_eq!(code, 200);
    let metrics = client()
        .get(s.url("/monitoring/prometheus/metrics"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("ward_worker_restarts_total{model=\"slow\"} 1"),
        "{metrics}"
    );

    // Graceful shutdown: a request in flight when SIGTERM-equivalent
    // arrives still completes.
    let mut g4 = g.clone();
    let inflight =
        tokio::spawn(async move { g4.predict(authed(mobilenet_request(64), ADMIN)).await });
    tokio::time::sleep(one / 2).await;
    s.shutdown().await;
    inflight.await.unwrap().unwrap();
}
