//! The model fixtures of tests/fixtures/models (built with real TensorFlow
//! by tools/gen_fixtures.py): ward's outputs must match TF's within each
//! model's tolerance, frozen and as SavedModel, at 1 and 2 threads.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_tensor::npy::read_npy;
use ward_tensor::{Budget, Code};

const MUST_MATCH: &[&str] = &[
    "cnn",
    "mlp",
    "mobilenet_v2",
    "tf1_control_flow",
    "tf1_variables",
    "transformer",
];

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/models")
}

fn run_frozen(
    dir: &Path,
    meta: &Value,
    inputs_dir: &str,
    expected_dir: &str,
    threads: usize,
) -> Result<(), String> {
    let budget = Budget::unlimited();
    let bytes = std::fs::read(dir.join("frozen.pb")).unwrap();
    let model = ward_tf::load_graph_def(&bytes, 1 << 30, &budget).map_err(|e| e.to_string())?;
    let exe = Executable::new(
        model,
        ward_ops::registry(),
        &ExecOptions {
            threads,
            ..Default::default()
        },
    )
    .map_err(|e| format!("{}: {e}", e.code()))?;
    let graph = exe.graph();
    let mut feeds = Vec::new();
    for (key, info) in meta["inputs"].as_object().unwrap() {
        let tensor = read_npy(
            &std::fs::read(dir.join(inputs_dir).join(format!("{key}.npy"))).unwrap(),
            &budget,
        )
        .unwrap();
        feeds.push((
            graph
                .resolve_tensor(info["frozen_tensor"].as_str().unwrap())
                .unwrap(),
            tensor,
        ));
    }
    let outputs: Vec<(&String, &Value)> = meta["outputs"].as_object().unwrap().iter().collect();
    let fetches = outputs
        .iter()
        .map(|(_, info)| {
            graph
                .resolve_tensor(info["frozen_tensor"].as_str().unwrap())
                .unwrap()
        })
        .collect();
    let results = exe
        .run(
            &budget,
            RunRequest {
                feeds,
                fetches,
                targets: Vec::new(),
            },
        )
        .map_err(|e| format!("{}: {e}", e.code()))?;
    let rtol = meta["rtol"].as_f64().unwrap_or(1e-4);
    let atol = meta["atol"].as_f64().unwrap_or(1e-5);
    for ((key, _), got) in outputs.iter().zip(&results) {
        let want = read_npy(
            &std::fs::read(dir.join(expected_dir).join(format!("{key}.npy"))).unwrap(),
            &budget,
        )
        .unwrap();
        ward_conformance::compare(got, &want, rtol, atol)
            .map_err(|m| format!("output '{key}': {m}"))?;
    }
    Ok(())
}

/// Runs the SavedModel's `serving_default` signature on the inputs.
fn run_saved_model(
    dir: &Path,
    meta: &Value,
    inputs_dir: &str,
    expected_dir: &str,
    threads: usize,
) -> Result<(), String> {
    use ward_tf::saved_model::{SavedModelLimits, load_saved_model};
    let budget = Budget::unlimited();
    let limits = SavedModelLimits::default();
    let fail = |e: ward_tensor::Error| format!("{}: {e}", e.code());
    let loaded =
        load_saved_model(&dir.join("saved_model"), "serve", &limits, &budget).map_err(fail)?;
    let runnable = loaded
        .runnable("serving_default", &limits, &budget)
        .map_err(fail)?;
    let exe = Executable::new(
        runnable.model,
        ward_ops::registry(),
        &ExecOptions {
            threads,
            ..Default::default()
        },
    )
    .map_err(fail)?;
    let mut feeds = Vec::new();
    for (key, (value, _)) in &runnable.inputs {
        let tensor = read_npy(
            &std::fs::read(dir.join(inputs_dir).join(format!("{key}.npy"))).unwrap(),
            &budget,
        )
        .unwrap();
        feeds.push((*value, tensor));
    }
    let fetches = runnable.outputs.iter().map(|(_, v, _)| *v).collect();
    let results = exe
        .run(
            &budget,
            RunRequest {
                feeds,
                fetches,
                targets: Vec::new(),
            },
        )
        .map_err(fail)?;
    let rtol = meta["rtol"].as_f64().unwrap_or(1e-4);
    let atol = meta["atol"].as_f64().unwrap_or(1e-5);
    for ((key, _, _), got) in runnable.outputs.iter().zip(&results) {
        let want = read_npy(
            &std::fs::read(dir.join(expected_dir).join(format!("{key}.npy"))).unwrap(),
            &budget,
        )
        .unwrap();
        ward_conformance::compare(got, &want, rtol, atol)
            .map_err(|m| format!("output '{key}': {m}"))?;
    }
    Ok(())
}

#[test]
fn frozen_models_match_tensorflow() {
    let mut names: Vec<String> = std::fs::read_dir(models())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("meta.json").exists())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let dir = models().join(name);
        let meta: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
        for threads in [1, 2] {
            let mut cases = vec![("inputs".to_string(), "expected".to_string())];
            for extra in meta["extra_cases"].as_array().into_iter().flatten() {
                if let (Some(i), Some(e)) = (extra["inputs"].as_str(), extra["expected"].as_str()) {
                    let case = (i.to_string(), e.to_string());
                    if !cases.contains(&case) {
                        cases.push(case);
                    }
                }
            }
            for (inputs, expected) in &cases {
                for (format, outcome) in [
                    ("frozen", run_frozen(&dir, &meta, inputs, expected, threads)),
                    (
                        "saved_model",
                        run_saved_model(&dir, &meta, inputs, expected, threads),
                    ),
                ] {
                    let shown = outcome
                        .as_ref()
                        .map_or_else(|e| e.clone(), |_| "matches TF".into());
                    println!("{name:<18} {format:<11} threads {threads} {inputs:<10} {shown}");
                    if let Err(e) = outcome
                        && MUST_MATCH.contains(&name.as_str())
                    {
                        failures.push(format!(
                            "{name} {format} ({inputs}, {threads} threads): {e}"
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn unsupported_ops_are_reported_as_unimplemented() {
    let bytes = std::fs::read(models().join("tf1_control_flow/frozen.pb")).unwrap();
    let model = ward_tf::load_graph_def(&bytes, 1 << 30, &Budget::unlimited()).unwrap();
    if let Err(e) = Executable::new(model, ward_ops::registry(), &ExecOptions::default()) {
        assert!(
            matches!(e.code(), Code::Unimplemented | Code::InvalidArgument),
            "{e}"
        );
    }
}
