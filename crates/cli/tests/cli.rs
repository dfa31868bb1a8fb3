//! The `ward` binary: outputs that match TensorFlow, and exit codes and
//! one-line errors for bad models, inputs and usage.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/models")
        .join(path)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn run_writes_outputs_that_match_tensorflow() {
    let out_dir = tempfile::tempdir().unwrap();
    let graph = fixture("mlp/frozen.pb");
    let input = format!("x:0={}", p(&fixture("mlp/inputs/x.npy")));
    let out = ward(&[
        "run",
        "--graph",
        p(&graph),
        "--inputs",
        &input,
        "--outputs",
        "Identity:0",
        "--outdir",
        p(out_dir.path()),
        "--threads",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Identity:0: float32 [2,10]"), "{stdout}");
    let budget = ward_tensor::Budget::unlimited();
    let got = ward_tensor::npy::read_npy(
        &std::fs::read(out_dir.path().join("Identity_0.npy")).unwrap(),
        &budget,
    )
    .unwrap();
    let want = ward_tensor::npy::read_npy(
        &std::fs::read(fixture("mlp/expected/probs.npy")).unwrap(),
        &budget,
    )
    .unwrap();
    for (a, b) in got
        .as_slice::<f32>()
        .unwrap()
        .iter()
        .zip(want.as_slice::<f32>().unwrap())
    {
        assert!((a - b).abs() <= 1e-5 + 1e-4 * b.abs(), "{a} vs {b}");
    }
    // Existing outputs are not replaced without --overwrite.
    let again = ward(&[
        "run",
        "--graph",
        p(&graph),
        "--inputs",
        &input,
        "--outputs",
        "Identity:0",
        "--outdir",
        p(out_dir.path()),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    let again = ward(&[
        "run",
        "--graph",
        p(&graph),
        "--inputs",
        &input,
        "--outputs",
        "Identity:0",
        "--outdir",
        p(out_dir.path()),
        "--overwrite",
    ]);
    assert!(again.status.success());
}

#[test]
fn input_literals_work() {
    let out_dir = tempfile::tempdir().unwrap();
    let row = format!("[{}]", vec!["0.5"; 20].join(","));
    let expr = format!("x:0=[{row},{row}]");
    let out = ward(&[
        "run",
        "--graph",
        p(&fixture("mlp/frozen.pb")),
        "--input_exprs",
        &expr,
        "--outputs",
        "Identity:0",
        "--outdir",
        p(out_dir.path()),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn assert_model_error(out: &Output, code: &str) {
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(out));
    let err = stderr(out);
    assert!(err.starts_with(&format!("error: {code}: ")), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

#[test]
fn bad_models_and_inputs_exit_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let graph = fixture("mlp/frozen.pb");
    let good_input = format!("x:0={}", p(&fixture("mlp/inputs/x.npy")));
    let outdir = dir.path().join("out");
    let run = |graph: &str, inputs: &str| {
        ward(&[
            "run",
            "--graph",
            graph,
            "--inputs",
            inputs,
            "--outputs",
            "Identity:0",
            "--outdir",
            p(&outdir),
            "--overwrite",
        ])
    };

    // Truncated and random model bytes.
    let bytes = std::fs::read(&graph).unwrap();
    let truncated = dir.path().join("truncated.pb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    assert_model_error(&run(p(&truncated), &good_input), "InvalidArgument");
    let random = dir.path().join("random.pb");
    std::fs::write(
        &random,
        (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let out = run(p(&random), &good_input);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "));

    // Missing model file.
    assert_model_error(
        &run(p(&dir.path().join("nope.pb")), &good_input),
        "NotFound",
    );

    // Input of the wrong dtype and of the wrong shape.
    let wrong_dtype = dir.path().join("int.npy");
    let t = ward_tensor::Tensor::from_vec(
        ward_tensor::Shape::new(vec![2, 20]).unwrap(),
        vec![1i32; 40],
        None,
    )
    .unwrap();
    std::fs::write(&wrong_dtype, ward_tensor::npy::write_npy(&t).unwrap()).unwrap();
    assert_model_error(
        &run(p(&graph), &format!("x:0={}", p(&wrong_dtype))),
        "InvalidArgument",
    );
    let wrong_shape = dir.path().join("shape.npy");
    let t = ward_tensor::Tensor::from_vec(
        ward_tensor::Shape::new(vec![2, 7]).unwrap(),
        vec![1f32; 14],
        None,
    )
    .unwrap();
    std::fs::write(&wrong_shape, ward_tensor::npy::write_npy(&t).unwrap()).unwrap();
    assert_model_error(
        &run(p(&graph), &format!("x:0={}", p(&wrong_shape))),
        "InvalidArgument",
    );

    // Input naming a missing tensor, and a truncated .npy.
    assert_model_error(
        &run(
            p(&graph),
            &format!("nope:0={}", p(&fixture("mlp/inputs/x.npy"))),
        ),
        "NotFound",
    );
    let npy = std::fs::read(fixture("mlp/inputs/x.npy")).unwrap();
    let cut = dir.path().join("cut.npy");
    std::fs::write(&cut, &npy[..npy.len() - 5]).unwrap();
    assert_model_error(
        &run(p(&graph), &format!("x:0={}", p(&cut))),
        "InvalidArgument",
    );

    // A memory budget too small for the model.
    let out = ward(&[
        "run",
        "--graph",
        p(&graph),
        "--inputs",
        &good_input,
        "--outputs",
        "Identity:0",
        "--outdir",
        p(&outdir),
        "--overwrite",
        "--memory-limit",
        "1KiB",
    ]);
    assert_model_error(&out, "ResourceExhausted");
    // An op ward does not know.
    use prost::Message;
    let graph = ward_tf::proto::GraphDef {
        node: vec![ward_tf::proto::NodeDef {
            name: "custom".into(),
            op: "MyCustomOp".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let custom = dir.path().join("custom.pb");
    std::fs::write(&custom, graph.encode_to_vec()).unwrap();
    let out = ward(&[
        "run",
        "--graph",
        p(&custom),
        "--outputs",
        "custom:0",
        "--outdir",
        p(&outdir),
        "--overwrite",
    ]);
    assert_model_error(&out, "PermissionDenied");
    // Allowed by the policy, it is still not something ward can run.
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "allow_ops = [\"MyCustomOp\"]\n").unwrap();
    let out = ward(&[
        "run",
        "--graph",
        p(&custom),
        "--outputs",
        "custom:0",
        "--outdir",
        p(&outdir),
        "--overwrite",
        "--policy",
        p(&policy),
    ]);
    assert_model_error(&out, "Unimplemented");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(ward(&[]).status.code(), Some(2));
    assert_eq!(ward(&["run", "--bogus"]).status.code(), Some(2));
    assert_eq!(ward(&["run", "--outdir", "/tmp/x"]).status.code(), Some(2));
    let out = ward(&[
        "run",
        "--graph",
        "x.pb",
        "--outdir",
        "/tmp/x",
        "--outputs",
        "a:0",
        "--memory-limit",
        "lots",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = ward(&[
        "run",
        "--graph",
        "x.pb",
        "--outdir",
        "/tmp/x",
        "--outputs",
        "a:0",
        "--input_exprs",
        "x:0=[1,",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_explains_the_tool() {
    let out = ward(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("untrusted") && text.contains("Exit codes"),
        "{text}"
    );
}

#[test]
fn show_lists_inputs_and_ops() {
    let out = ward(&["show", "--graph", p(&fixture("mlp/frozen.pb")), "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("inputs['x:0'] dtype: float32 shape: (-1, 20)"),
        "{text}"
    );
    assert!(text.contains("MatMul"), "{text}");
}

#[test]
fn saved_models_run_by_signature() {
    // As loaded and through the optimizer, the outputs match TF's.
    for extra in [None, Some("--no-optimize")] {
        let out_dir = tempfile::tempdir().unwrap();
        let dir = fixture("mlp/saved_model");
        let input = format!("x={}", p(&fixture("mlp/inputs/x.npy")));
        let mut args = vec![
            "run",
            "--dir",
            p(&dir),
            "--tag_set",
            "serve",
            "--signature_def",
            "serving_default",
            "--inputs",
            &input,
            "--outdir",
            p(out_dir.path()),
        ];
        args.extend(extra);
        let out = ward(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("probs: float32 [2,10]"));
        let budget = ward_tensor::Budget::unlimited();
        let got = ward_tensor::npy::read_npy(
            &std::fs::read(out_dir.path().join("probs.npy")).unwrap(),
            &budget,
        )
        .unwrap();
        let want = ward_tensor::npy::read_npy(
            &std::fs::read(fixture("mlp/expected/probs.npy")).unwrap(),
            &budget,
        )
        .unwrap();
        for (a, b) in got
            .as_slice::<f32>()
            .unwrap()
            .iter()
            .zip(want.as_slice::<f32>().unwrap())
        {
            assert!((a - b).abs() <= 1e-5 + 1e-4 * b.abs(), "{extra:?}");
        }
    }
}

#[test]
fn saved_model_input_errors_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture("mlp/saved_model");
    let outdir = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--dir",
            p(&model),
            "--outdir",
            p(&outdir),
            "--overwrite",
        ];
        args.extend_from_slice(extra);
        ward(&args)
    };
    let wrong_dtype = dir.path().join("int.npy");
    let t = ward_tensor::Tensor::from_vec(
        ward_tensor::Shape::new(vec![2, 20]).unwrap(),
        vec![1i64; 40],
        None,
    )
    .unwrap();
    std::fs::write(&wrong_dtype, ward_tensor::npy::write_npy(&t).unwrap()).unwrap();
    assert_model_error(
        &run(&["--inputs", &format!("x={}", p(&wrong_dtype))]),
        "InvalidArgument",
    );
    assert_model_error(
        &run(&[
            "--inputs",
            &format!("y={}", p(&fixture("mlp/inputs/x.npy"))),
        ]),
        "NotFound",
    );
    assert_model_error(&run(&[]), "InvalidArgument");
    assert_model_error(
        &run(&["--tag_set", "gpu", "--input_exprs", "x=[[1]]"]),
        "NotFound",
    );
    assert_model_error(
        &run(&["--signature_def", "nope", "--input_exprs", "x=[[1]]"]),
        "NotFound",
    );
    let wrong_shape = format!("x=[{}]", ["[1.0]"; 2].join(","));
    assert_model_error(&run(&["--input_exprs", &wrong_shape]), "InvalidArgument");
    assert_model_error(
        &ward(&[
            "run",
            "--dir",
            p(&dir.path().join("missing")),
            "--outdir",
            p(&outdir),
        ]),
        "NotFound",
    );
}

#[test]
fn show_prints_what_saved_model_cli_shows() {
    let dir = fixture("mlp/saved_model");
    let out = ward(&["show", "--dir", p(&dir)]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "The given SavedModel contains the following tag-sets:\n'serve'\n"
    );
    let out = ward(&["show", "--dir", p(&dir), "--tag_set", "serve"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SignatureDef key: \"serving_default\""));
    let out = ward(&[
        "show",
        "--dir",
        p(&dir),
        "--tag_set",
        "serve",
        "--signature_def",
        "serving_default",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "  inputs['x'] tensor_info:",
        "      dtype: DT_FLOAT",
        "      shape: (-1, 20)",
        "      name: serving_default_x:0",
        "  outputs['probs'] tensor_info:",
        "      name: StatefulPartitionedCall:0",
        "Method name is: tensorflow/serving/predict",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let out = ward(&["show", "--dir", p(&dir), "--all"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("signature_def['serving_default']:") && text.contains("never run by ward"),
        "{text}"
    );
    let out = ward(&["show", "--checkpoint", p(&dir.join("variables/variables"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "model/_layers/1/_kernel/.ATTRIBUTES/VARIABLE_VALUE dtype: DT_FLOAT shape: [20, 32]"
        ),
        "{text}"
    );
    assert_model_error(
        &ward(&["show", "--dir", p(&dir), "--tag_set", "gpu"]),
        "NotFound",
    );
}

fn scan_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/scan")
        .join(name)
}

#[test]
fn scan_exit_codes_and_formats() {
    let clean = ward(&["scan", "--dir", p(&fixture("mlp/saved_model"))]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    assert!(String::from_utf8_lossy(&clean.stdout).contains("verdict: clean"));
    let hostile = ward(&[
        "scan",
        "--dir",
        p(&scan_fixture(
            "cond_on_variable_readfile_hostile/saved_model",
        )),
        "--format",
        "json",
    ]);
    assert_eq!(hostile.status.code(), Some(1));
    let json = String::from_utf8_lossy(&hostile.stdout);
    assert!(
        json.contains("\"verdict\": \"findings\"") && json.contains("checkpoint-steerable"),
        "{json}"
    );
    let sarif = ward(&[
        "scan",
        "--graph",
        p(&scan_fixture("pyfunc/frozen.pb")),
        "--format",
        "sarif",
    ]);
    assert_eq!(sarif.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&sarif.stdout).contains("\"version\": \"2.1.0\""));
    // A malformed model: exit 3, verdict unknown, never clean.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pb");
    std::fs::write(&bad, b"\x0a\x05\x0a\x01").unwrap();
    let out = ward(&["scan", "--graph", p(&bad), "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"verdict\": \"unknown\""));
    // A bad policy is a usage error.
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "allow_capabilities = [\"everything\"]\n").unwrap();
    let out = ward(&[
        "scan",
        "--dir",
        p(&fixture("mlp/saved_model")),
        "--policy",
        p(&policy),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_applies_the_scan_policy_first() {
    let dir = tempfile::tempdir().unwrap();
    let model = scan_fixture("matching_files/saved_model");
    let out = ward(&["run", "--dir", p(&model), "--outdir", p(dir.path())]);
    assert_model_error(&out, "PermissionDenied");
    assert!(stderr(&out).contains("MatchingFiles"));
    // Allowed by policy, it gets past the gate (and then fails: ward has no file-reading kernels).
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "allow_ops = [\"MatchingFiles\"]\n").unwrap();
    let out = ward(&[
        "run",
        "--dir",
        p(&model),
        "--outdir",
        p(dir.path()),
        "--policy",
        p(&policy),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !stderr(&out).contains("PermissionDenied: the scan"),
        "{}",
        stderr(&out)
    );
    // Hostile checkpoint steering a ReadFile: refused before anything runs.
    let out = ward(&[
        "run",
        "--dir",
        p(&scan_fixture(
            "cond_on_variable_readfile_hostile/saved_model",
        )),
        "--input_exprs",
        "x=1.0",
        "--outdir",
        p(dir.path()),
    ]);
    assert_model_error(&out, "PermissionDenied");
}

#[test]
fn bench_reports_latency_as_json() {
    let out = ward(&[
        "bench",
        "--dir",
        p(&fixture("mlp/saved_model")),
        "--iterations",
        "5",
        "--warmup",
        "1",
        "--format",
        "json",
        "--threads",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for key in [
        "\"median_ms\"",
        "\"p10_ms\"",
        "\"p90_ms\"",
        "\"min_ms\"",
        "\"load_ms\"",
        "\"peak_rss_bytes\"",
    ] {
        assert!(text.contains(key), "{key} missing in {text}");
    }
    assert_eq!(
        ward(&[
            "bench",
            "--dir",
            p(&fixture("mlp/saved_model")),
            "--iterations",
            "0"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn sandbox_check_reports_the_layers() {
    let out = ward(&["sandbox", "check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("seccomp") && text.contains("strict mode"),
        "{text}"
    );
    // CI runs as root on a kernel with every layer: strict mode is available.
    assert_eq!(out.status.code(), Some(0), "{text}");
}

#[test]
fn the_sandbox_contains_what_a_permissive_policy_lets_through() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("permissive.toml");
    std::fs::write(
        &policy,
        "allow_ops = [\"ReadFile\"]\nallow_findings = [\"checkpoint-steerable\"]\n",
    )
    .unwrap();
    let hostile = scan_fixture("cond_on_variable_readfile_hostile/saved_model");
    // The checkpoint steers the graph into ReadFile; the worker may not open files.
    let out = ward(&[
        "run",
        "--dir",
        p(&hostile),
        "--input_exprs",
        "x=1.0",
        "--outdir",
        p(dir.path()),
        "--policy",
        p(&policy),
    ]);
    assert_model_error(&out, "PermissionDenied");
    assert!(
        stderr(&out).contains("forbidden system call"),
        "{}",
        stderr(&out)
    );
    // The same model and inputs, sandboxed or not, give the same results otherwise.
    let model = fixture("cnn/saved_model");
    let input = format!("image={}", p(&fixture("cnn/inputs/image.npy")));
    for mode in ["strict", "best-effort", "off"] {
        let out_dir = dir.path().join(mode);
        let out = ward(&[
            "run",
            "--dir",
            p(&model),
            "--inputs",
            &input,
            "--outdir",
            p(&out_dir),
            "--sandbox",
            mode,
        ]);
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
    }
    let read = |mode: &str| std::fs::read(dir.path().join(mode).join("logits.npy")).unwrap();
    assert_eq!(read("strict"), read("off"));
    assert_eq!(read("best-effort"), read("off"));
}

#[test]
fn budgets_hold_inside_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("loops.toml");
    std::fs::write(&policy, "allow_findings = [\"input-controlled-loop\"]\n").unwrap();
    let model = scan_fixture("while_bounded_by_input/saved_model");
    let base = [
        "run",
        "--dir",
        p(&model),
        "--input_exprs",
        "n=2000000000",
        "--outdir",
        p(dir.path()),
        "--policy",
        p(&policy),
    ];
    let mut args = base.to_vec();
    args.extend(["--timeout", "1s", "--max-loop-iterations", "100000000000"]);
    assert_model_error(&ward(&args), "DeadlineExceeded");
    let mut args = base.to_vec();
    args.extend(["--max-loop-iterations", "1000"]);
    assert_model_error(&ward(&args), "ResourceExhausted");
    // And the next run is fine.
    let ok = ward(&[
        "run",
        "--dir",
        p(&model),
        "--input_exprs",
        "n=5",
        "--outdir",
        p(dir.path()),
        "--policy",
        p(&policy),
        "--overwrite",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn token_new_prints_a_token_and_its_hash() {
    let out = ward(&["token", "new"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .unwrap();
    let hash = text
        .lines()
        .find_map(|l| l.strip_prefix("token_sha256: "))
        .unwrap();
    assert!(token.starts_with("ward_") && token.len() >= 48);
    assert_eq!(
        hash,
        ward_serve::auth::hex(&ward_serve::auth::sha256(token.as_bytes()))
    );
}

#[test]
fn serve_refuses_bad_configs_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("ward.toml");
    std::fs::write(&cfg, "[server]\nlisten = \"0.0.0.0\"\n").unwrap();
    let out = ward(&["serve", "--config", p(&cfg)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ward.toml:2: refusing to listen on 0.0.0.0 without [tls]"),
        "{err}"
    );
    std::fs::write(&cfg, "[server]\nrest_port = \"x\"\n").unwrap();
    let out = ward(&["serve", "--config", p(&cfg)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ward.toml:2:"), "{}", stderr(&out));
    let out = ward(&["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ward(&[
        "serve",
        "--model_name",
        "a/b",
        "--model_base_path",
        p(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn serve_quick_start_prints_a_token_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let base = fixture("mlp/versions");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args([
            "serve",
            "--model_name",
            "mlp",
            "--model_base_path",
            p(&base),
            "--port",
            "0",
            "--rest_api_port",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let token = line.trim().strip_prefix("token: ").unwrap().to_string();
    let mut stderr_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let rest = loop {
        let l = stderr_lines.next().unwrap().unwrap();
        if let Some(addr) = l.split("REST on ").nth(1) {
            break addr.trim().to_string();
        }
    };
    assert!(
        rest.starts_with("127.0.0.1:"),
        "quick start must bind loopback: {rest}"
    );
    let get = |auth: &str| {
        let mut s = std::net::TcpStream::connect(&rest).unwrap();
        write!(
            s,
            "GET /v1/models/mlp HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get("").starts_with("HTTP/1.1 401"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let r = get(&format!("Authorization: Bearer {token}\r\n"));
        if r.starts_with("HTTP/1.1 200") && r.contains("AVAILABLE") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{r}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}
