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
            "[[model]]\nname = \"slow\"\nbase_path = \"{}\"\nworkers = 1\nqueue = 0\n\n[[model]]\nname = \"slow2\"\nbase_path = \"{}\"\n\n[[model]]\nname = \"mlp\"\nbase_path = \"{}\"\n",
            base.display(),
            base.display(),
            mlp.display()
        ),
    );
    let s = start(dir, &toml).await;
    wait_state(&s, "slow", 1, "AVAILABLE").await;
    wait_state(&s, "slow2", 1, "AVAILABLE").await;
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
    let slow = tokio::spawn(async move { g2.predict(authed(mobilenet_request(256), ADMIN)).await });
    busy_worker().await;
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
    let mut g3 = g.clone();
    let doomed =
        tokio::spawn(async move { g3.predict(authed(mobilenet_request(256), ADMIN)).await });
    let victim = busy_worker().await;
    let killed = std::process::Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let Err(e) = doomed.await.unwrap() else {
        panic!("the request survived its worker being killed");
    };
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

    // Clients that hang up mid-request: their runs finish in the worker,
    // which goes back to the pool; later requests are served.
    for _ in 0..3 {
        let mut req = authed(mobilenet_request(64), ADMIN);
        req.set_timeout(one / 4);
        let e = g.predict(req).await.unwrap_err();
        assert!(
            matches!(
                e.code(),
                tonic::Code::Cancelled | tonic::Code::DeadlineExceeded
            ),
            "{e:?}"
        );
        // The abandoned run still holds the only worker until it ends.
        tokio::time::sleep(one * 2).await;
    }
    for _ in 0..3 {
        g.predict(authed(mobilenet_request(1), ADMIN))
            .await
            .unwrap();
    }
    let rows = json!([vec![vec![vec![0.0f32; 3]; 96]; 96]]);
    let (code, out) = post(
        &s.url("/v1/models/slow:predict"),
        Some(ADMIN),
        json!({"instances": rows}).to_string(),
    )
    .await;
    assert_eq!(code, 200, "{out}");

    // A model whose workers keep crashing is marked unavailable, with the
    // reason in its status, instead of being restarted forever.
    for i in 0..ward_serve::models::MAX_CONSECUTIVE_CRASHES {
        let mut gi = g.clone();
        let doomed =
            tokio::spawn(async move { gi.predict(authed(mobilenet_request(256), ADMIN)).await });
        let pid = busy_worker().await;
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap();
        assert!(doomed.await.unwrap().is_err(), "crash {i}");
    }
    let (code, out) = post(
        &s.url("/v1/models/slow:predict"),
        Some(ADMIN),
        json!({"instances": rows}).to_string(),
    )
    .await;
    assert_eq!(code, 503, "{out}");
    assert!(
        out["error"]
            .as_str()
            .unwrap()
            .contains("crashed 5 times in a row"),
        "{out}"
    );
    let st = wait_state(&s, "slow", 1, "END").await;
    assert_eq!(st["status"]["error_code"], "UNAVAILABLE");

    // Graceful shutdown: a request in flight when SIGTERM-equivalent
    // arrives still completes.
    let mut g4 = g.clone();
    let mut req = mobilenet_request(64);
    req.model_spec = spec("slow2");
    let inflight = tokio::spawn(async move { g4.predict(authed(req, ADMIN)).await });
    tokio::time::sleep(one / 2).await;
    s.shutdown().await;
    inflight.await.unwrap().unwrap();
}

/// CPU ticks of a process and its direct children (the sandbox's worker
/// is the child of a namespace init that is our child).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = |p: &str| -> Option<(u32, u64)> {
        let text = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        let after = text.rsplit_once(')')?.1;
        let f: Vec<&str> = after.split_whitespace().collect();
        let ppid = f.get(1)?.parse().ok()?;
        let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some((ppid, ticks))
    };
    let mut total = stat(&pid.to_string()).map_or(0, |(_, t)| t);
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some((ppid, t)) = stat(&name).filter(|(pp, _)| *pp == pid) {
            let _ = ppid;
            total += t;
        }
    }
    total
}

/// Waits until a worker is running a request (using CPU over a 50 ms
/// window) and returns it: the request has reached its worker.
async fn busy_worker() -> u32 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let pids = worker_pids();
        let before: Vec<u64> = pids.iter().map(|p| cpu_ticks(*p)).collect();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let best = pids
            .iter()
            .zip(before)
            .map(|(p, b)| (*p, cpu_ticks(*p).saturating_sub(b)))
            .max_by_key(|(_, d)| *d);
        if let Some((pid, delta)) = best
            && delta > 0
        {
            return pid;
        }
        assert!(std::time::Instant::now() < deadline, "no worker got busy");
    }
}
