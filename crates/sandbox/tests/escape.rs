//! Escape tests: a hostile worker tries to break out; every attempt must be
//! blocked or contained, end in a typed error, and leave the sandbox able to
//! serve an echo run afterwards. Run as root:
//! `cargo test -p ward-sandbox --all-features`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use ward_sandbox::{
    HostileAction, Layer, LoadRequest, Message, Mode, ModelKind, SandboxConfig, Worker,
    WorkerLimits, check,
};
use ward_tensor::{Code, DType, Shape, Tensor};

const EXE: &str = env!("CARGO_BIN_EXE_ward-sandbox-test-worker");
const T: Duration = Duration::from_secs(10);

/// Strict if this machine supports every layer, else best effort.
fn mode() -> Mode {
    if check().strict_ok() {
        Mode::Strict
    } else {
        Mode::BestEffort
    }
}

fn config(mode: Mode) -> SandboxConfig {
    let mut c = SandboxConfig::new(EXE, vec![]);
    c.mode = mode;
    c.memory_bytes = 1 << 30;
    c.cpu_seconds = 30;
    c
}

fn load_req() -> LoadRequest {
    LoadRequest {
        files: vec![("model.pb".into(), vec![1, 2, 3])],
        kind: ModelKind::GraphDef {
            path: "model.pb".into(),
            outputs: vec!["y".into()],
        },
        policy_toml: String::new(),
        limits: WorkerLimits {
            memory_bytes: 1 << 28,
            timeout_ms: 1000,
            max_loop_iterations: 1000,
            threads: 1,
        },
        optimize: true,
    }
}

fn tensor() -> Tensor {
    Tensor::from_vec(
        Shape::new(vec![2, 3]).unwrap(),
        vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0],
        None,
    )
    .unwrap()
}

fn echo_ok(w: &mut Worker) {
    let out = w.run(vec![("x".into(), tensor())], T).expect("echo run");
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].1.as_slice::<f32>().unwrap(),
        tensor().as_slice::<f32>().unwrap()
    );
}

fn spawn() -> Worker {
    let mut w = Worker::spawn(&config(mode())).expect("spawn worker");
    w.load(load_req(), T).expect("load");
    w
}

/// Runs one hostile action and returns the error; then checks that the
/// sandbox still serves (the same worker if it survived, else a new one).
fn attempt(action: HostileAction, timeout: Duration) -> ward_tensor::Error {
    let mut w = spawn();
    let err = w
        .request(&Message::Hostile(action.clone()), timeout, "hostile")
        .expect_err("hostile action must fail");
    assert!(
        !err.to_string().contains("ESCAPE"),
        "{action:?} escaped: {err}"
    );
    if w.is_alive() {
        echo_ok(&mut w);
    } else {
        let mut fresh = spawn();
        echo_ok(&mut fresh);
    }
    eprintln!("{action:?} -> {:?}: {err}", err.code());
    err
}

#[test]
fn machine_report() {
    let r = check();
    eprintln!("{r}");
    let w = Worker::spawn(&config(mode())).unwrap();
    eprintln!("active layers: {}", w.layers());
    // Seccomp, namespaces and the empty root are what the escape tests
    // rely on; they must be on here.
    for l in [
        Layer::Seccomp,
        Layer::UserNs,
        Layer::PidNs,
        Layer::NetNs,
        Layer::MountNs,
        Layer::EmptyRoot,
        Layer::NoNewPrivs,
    ] {
        assert!(w.layers().contains(l), "layer {l:?} is off");
    }
}

#[test]
fn strict_mode_fails_cleanly_or_starts_fully() {
    let r = check();
    match Worker::spawn(&config(Mode::Strict)) {
        Ok(w) => {
            assert!(
                r.strict_ok(),
                "strict started although check() reports missing layers"
            );
            assert_eq!(w.layers().missing(), Vec::<Layer>::new());
        }
        Err(e) => {
            assert!(!r.strict_ok());
            assert_eq!(e.code(), Code::FailedPrecondition, "{e}");
            let missing = r.missing.first().unwrap().0.name();
            assert!(e.to_string().contains("strict sandbox: layer"), "{e}");
            eprintln!("strict refused (check says {missing} missing): {e}");
        }
    }
}

#[test]
fn strict_refuses_when_a_layer_cannot_apply() {
    // Dropping "to" root is no drop: strict mode must refuse and say which
    // layer is missing, as a typed error, not a crash.
    let mut c = config(Mode::Strict);
    c.user = Some((0, 0));
    let e = Worker::spawn(&c).unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "{e}");
    assert!(e.to_string().contains("uid-drop"), "{e}");
    // Best effort starts anyway, without that layer.
    let mut c = config(Mode::BestEffort);
    c.user = Some((0, 0));
    let mut w = Worker::spawn(&c).unwrap();
    assert!(!w.layers().contains(Layer::UidDrop));
    w.load(load_req(), T).unwrap();
    echo_ok(&mut w);
}

#[test]
fn echo_roundtrip_and_clean_shutdown() {
    let mut w = spawn();
    echo_ok(&mut w);
    // The normal exit path must not trip seccomp either.
    w.shutdown().unwrap();
}

#[test]
fn back_to_back_runs_with_and_without_polling() {
    // threads 1 leaves a CPU free on a multi-CPU machine: both sides poll
    // (poll and sched_yield under seccomp); a zero window never polls.
    for window in [Duration::ZERO, SandboxConfig::new(EXE, vec![]).poll_window] {
        let mut c = config(mode());
        c.poll_window = window;
        let mut w = Worker::spawn(&c).expect("spawn worker");
        w.load(load_req(), T).expect("load");
        for _ in 0..50 {
            echo_ok(&mut w);
        }
        // A pause longer than the worker's window: it has gone to sleep.
        std::thread::sleep(window + Duration::from_millis(5));
        echo_ok(&mut w);
        w.shutdown().unwrap();
    }
}

#[test]
fn a_run_is_cut_at_its_timeout_even_while_the_supervisor_polls() {
    let sleep = |ms: i64| {
        let t = Tensor::from_vec(Shape::new(vec![]).unwrap(), vec![ms], None).unwrap();
        vec![("sleep_ms".to_string(), t)]
    };
    let mut w = spawn();
    // Teach the supervisor to expect 95 ms runs: it then sleeps about 89 ms
    // after sending and polls until about 107 ms, all within the timeout.
    for _ in 0..3 {
        w.run(sleep(95), T).expect("a 95 ms run");
    }
    let start = Instant::now();
    let err = w
        .run(sleep(5_000), Duration::from_millis(100))
        .expect_err("a run past its timeout");
    let took = start.elapsed();
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(180),
        "{took:?}"
    );
}

#[test]
fn cannot_read_files() {
    let err = attempt(HostileAction::ReadFile("/etc/hostname".into()), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::NotFound),
        "{err}"
    );
    let err = attempt(HostileAction::ReadFile("/proc/1/environ".into()), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::NotFound),
        "{err}"
    );
}

#[test]
fn cannot_create_files() {
    let path = format!("/tmp/ward-sandbox-escape-{}", std::process::id());
    let _ = std::fs::remove_file(&path);
    let err = attempt(HostileAction::CreateFile(path.clone()), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::NotFound),
        "{err}"
    );
    assert!(!Path::new(&path).exists(), "file was created");
}

#[test]
fn cannot_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = attempt(HostileAction::ConnectTcp(port), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::Internal),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(listener.accept().is_err(), "the listener saw a connection");
}

#[test]
fn cannot_exec() {
    let err = attempt(HostileAction::ExecShell, T);
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
}

#[test]
fn cannot_fork() {
    let err = attempt(HostileAction::Fork, T);
    assert_eq!(err.code(), Code::PermissionDenied, "{err}");
}

#[test]
fn cannot_ptrace_or_signal_the_parent() {
    let me = i32::try_from(std::process::id()).unwrap();
    let err = attempt(HostileAction::Ptrace(me), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::NotFound),
        "{err}"
    );
    let err = attempt(HostileAction::Kill(me), T);
    assert!(
        matches!(err.code(), Code::PermissionDenied | Code::NotFound),
        "{err}"
    );
    // We are still alive to assert this.
}

#[test]
fn huge_allocation_is_contained() {
    let err = attempt(HostileAction::Allocate(64 << 30), T);
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
}

#[test]
fn spinning_hits_the_deadline() {
    let start = Instant::now();
    let err = attempt(HostileAction::Spin, Duration::from_millis(500));
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err}");
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn abort_is_a_clean_error() {
    let err = attempt(HostileAction::Abort, T);
    assert_eq!(err.code(), Code::Internal, "{err}");
}

#[test]
fn panic_is_a_clean_error() {
    let err = attempt(HostileAction::Panic, T);
    assert_eq!(err.code(), Code::Internal, "{err}");
    assert!(err.to_string().contains("status 101"), "{err}");
}

#[test]
fn cpu_rlimit_kills_a_spinner() {
    let mut c = config(mode());
    c.cpu_seconds = 1;
    let mut w = Worker::spawn(&c).unwrap();
    let err = w
        .request(&Message::Hostile(HostileAction::Spin), T, "hostile")
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err}");
}

#[test]
fn supervisor_restarts_and_reloads() {
    let mut s = ward_sandbox::Supervisor::new(config(mode()), ward_sandbox::Backoff::default());
    s.load(load_req(), T).unwrap();
    s.run(vec![("x".into(), tensor())], T).unwrap();
    let err = s.run(vec![], T).map(|_| ());
    assert!(err.is_ok());
    // Kill the worker from outside; the next run respawns and reloads.
    let pid = s.worker().unwrap().pid();
    std::process::Command::new("kill")
        .arg("-9")
        .arg(pid.to_string())
        .status()
        .unwrap();
    // The confined child dies asynchronously (parent-death signal).
    std::thread::sleep(Duration::from_millis(300));
    let e = s.run(vec![("x".into(), tensor())], T).unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e}");
    let out = s.run(vec![("x".into(), tensor())], T).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(s.restarts(), 1);
}

/// Large numeric inputs go through the shared region, small or non-numeric
/// sets and sets larger than the region through the socket; every path
/// returns exactly what was sent.
#[test]
fn inputs_arrive_intact_through_the_region_and_the_socket() {
    let n = 300_000usize;
    let big = Tensor::from_vec(
        Shape::new(vec![3, n / 3]).unwrap(),
        (0..n).map(|i| i as f32 * 0.25 - 7.0).collect::<Vec<f32>>(),
        None,
    )
    .unwrap();
    let ids = Tensor::from_vec(
        Shape::new(vec![n / 10]).unwrap(),
        (0..n / 10).map(|i| i as i64 - 5).collect::<Vec<i64>>(),
        None,
    )
    .unwrap();
    let flags = Tensor::from_vec(
        Shape::new(vec![5]).unwrap(),
        vec![true, false, true, true, false],
        None,
    )
    .unwrap();
    let sets = [
        vec![
            ("x".to_string(), big.clone()),
            ("ids".to_string(), ids.clone()),
        ],
        vec![
            ("x".to_string(), big.clone()),
            ("flags".to_string(), flags.clone()),
        ],
        vec![("x".to_string(), tensor())],
    ];
    for region_bytes in [0, 1 << 20, 64 << 20] {
        let mut c = config(mode());
        c.shared_region_bytes = region_bytes;
        let mut w = Worker::spawn(&c).expect("spawn worker");
        w.load(load_req(), T).expect("load");
        for _ in 0..2 {
            for inputs in &sets {
                let out = w.run(inputs.clone(), T).expect("echo run");
                let contents =
                    |v: &[(String, Tensor)]| -> Vec<(String, DType, Vec<usize>, Vec<u8>)> {
                        v.iter()
                            .map(|(k, t)| {
                                (
                                    k.clone(),
                                    t.dtype(),
                                    t.dims().to_vec(),
                                    t.to_le_bytes().unwrap(),
                                )
                            })
                            .collect()
                    };
                assert!(
                    contents(&out) == contents(inputs),
                    "region of {region_bytes} bytes"
                );
            }
        }
    }
}

/// Large outputs come back through the reply region: a run's outputs of a
/// few MB arrive intact, and quickly.
#[test]
fn large_outputs_come_back_through_the_reply_region() {
    let n = 1 << 20;
    let big = Tensor::from_vec(
        Shape::new(vec![n]).unwrap(),
        (0..n)
            .map(|i| (i % 977) as f32 - 300.5)
            .collect::<Vec<f32>>(),
        None,
    )
    .unwrap();
    for region_bytes in [0, 64 << 20] {
        let mut c = config(mode());
        c.shared_region_bytes = region_bytes;
        let mut w = Worker::spawn(&c).expect("spawn worker");
        w.load(load_req(), T).expect("load");
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let started = std::time::Instant::now();
            let out = w.run(vec![("x".into(), big.clone())], T).expect("echo run");
            best = best.min(started.elapsed());
            assert_eq!(out.len(), 1);
            assert_eq!(out[0].1.shape(), big.shape());
            assert!(
                out[0].1.as_slice::<f32>().unwrap() == big.as_slice::<f32>().unwrap(),
                "region of {region_bytes} bytes"
            );
        }
        eprintln!("4 MB in and out, region of {region_bytes} bytes: best {best:?}");
    }
}

/// A hostile worker naming output ranges past the reply region, the same
/// bytes over and over, or lengths that do not match the shape gets a clean
/// InvalidArgument, and the sandbox keeps serving.
#[test]
fn bogus_output_ranges_are_refused() {
    let mut w = spawn();
    for kind in [1i64, 2, 3] {
        let err = w
            .run(vec![("bogus_shared_reply".into(), Tensor::scalar(kind))], T)
            .expect_err("bogus ranges must fail");
        assert_eq!(err.code(), ward_tensor::Code::InvalidArgument, "{err}");
        assert!(err.to_string().contains("region"), "{err}");
        echo_ok(&mut w);
    }
}

/// Prints spawn-to-ready and per-run overhead (echo of a small tensor).
#[test]
fn timings() {
    let mut starts = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let w = Worker::spawn(&config(mode())).unwrap();
        starts.push(t.elapsed());
        drop(w);
    }
    starts.sort();
    let mut w = spawn();
    let n = 1000;
    let t = Instant::now();
    for _ in 0..n {
        w.run(vec![("x".into(), tensor())], T).unwrap();
    }
    let per = t.elapsed() / n;
    let big = Tensor::from_vec(
        Shape::new(vec![256, 1024]).unwrap(),
        vec![0.5f32; 256 * 1024],
        None,
    )
    .unwrap();
    let m = 50;
    let t = Instant::now();
    for _ in 0..m {
        w.run(vec![("x".into(), big.clone())], T).unwrap();
    }
    let per_big = t.elapsed() / m;
    eprintln!("TIMING echo round-trip of a 1 MiB f32 tensor {per_big:?}");
    eprintln!(
        "TIMING spawn-to-ready median {:?} (min {:?}, max {:?}); echo round-trip of a 2x3 f32 tensor {:?}",
        starts[starts.len() / 2],
        starts[0],
        starts[starts.len() - 1],
        per
    );
}

fn status_field(pid: u32, field: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn ns(pid: u32, kind: &str) -> std::path::PathBuf {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}")).unwrap()
}

/// Looks at the confined process from the host: unprivileged uid, its own
/// namespaces, no_new_privs and a seccomp filter.
#[test]
fn worker_is_confined_as_seen_from_the_host() {
    let w = Worker::spawn(&config(mode())).unwrap();
    let outer = w.pid();
    let children = std::fs::read_to_string(format!("/proc/{outer}/task/{outer}/children")).unwrap();
    let inner: u32 = children
        .split_whitespace()
        .next()
        .expect("confined child")
        .parse()
        .unwrap();
    let me = std::process::id();
    for pid in [outer, inner] {
        let uid = status_field(pid, "Uid");
        assert!(
            uid.split_whitespace().all(|u| u == "65534"),
            "pid {pid} uid {uid}"
        );
        assert_eq!(status_field(pid, "Groups"), "", "pid {pid} keeps groups");
        assert_ne!(ns(pid, "user"), ns(me, "user"));
    }
    for kind in ["pid", "net", "ipc", "uts", "mnt"] {
        assert_ne!(ns(inner, kind), ns(me, kind), "{kind} namespace shared");
    }
    assert_eq!(status_field(inner, "NoNewPrivs"), "1");
    assert_eq!(status_field(inner, "Seccomp"), "2");
    assert_eq!(
        status_field(inner, "CapEff"),
        "0000000000000000",
        "capabilities in the host view"
    );
    eprintln!("outer {outer}, confined {inner}: uid 65534, own namespaces, seccomp filter mode");
}
