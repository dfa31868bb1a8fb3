//! Every recorded TensorFlow case in tests/fixtures/ops for every op ward
//! implements: the same values, or an error where TF gave one.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use ward_conformance::{case_budget, compare, run_graph, tensor_from_record};
use ward_tensor::Code;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ops")
}

/// Error codes that count as the same failure class. TF reports a dtype
/// without a CPU kernel as NotFound or InvalidArgument; ward rejects it in
/// validation as InvalidArgument or Unimplemented.
fn same_class(tf: &str, ward: Code) -> bool {
    match tf {
        "InvalidArgument" | "NotFound" => matches!(
            ward,
            Code::InvalidArgument | Code::Unimplemented | Code::NotFound
        ),
        "Unimplemented" => matches!(ward, Code::Unimplemented | Code::InvalidArgument),
        "ResourceExhausted" => ward == Code::ResourceExhausted,
        "OutOfRange" => matches!(ward, Code::OutOfRange | Code::InvalidArgument),
        "FailedPrecondition" => matches!(ward, Code::FailedPrecondition | Code::InvalidArgument),
        _ => true,
    }
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    unimplemented: usize,
}

#[test]
fn ops_match_tensorflow() {
    let registry = ward_ops::registry();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
    {
        let op = path.file_stem().unwrap().to_string_lossy().to_string();
        let implemented = registry.get(&op).is_some();
        let tally = tallies.entry(op.clone()).or_default();
        'case: for line in std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let case: Value = serde_json::from_str(line).unwrap();
            let name = case["case"].as_str().unwrap_or("?");
            if !implemented {
                tally.unimplemented += 1;
                continue;
            }
            let graph = base64::engine::general_purpose::STANDARD
                .decode(case["graph"].as_str().unwrap())
                .unwrap();
            let strings = |v: &Value| -> Vec<String> {
                v.as_array()
                    .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default()
            };
            let fetch = strings(&case["fetch"]);
            let targets = strings(&case["targets"]);
            let rtol = case["rtol"].as_f64().unwrap_or(1e-5);
            let atol = case["atol"].as_f64().unwrap_or(0.0);
            // Each case runs as loaded and through the load-time optimizer
            // (which folds these all-constant graphs at load).
            let mut outcome: Result<(), String> = Ok(());
            for optimize in [false, true] {
                let budget = case_budget();
                let result = run_graph(&graph, &fetch, &targets, &budget, 1, optimize);
                let expect = &case["expect"];
                let this: Result<(), String> = match (&result, expect.get("error")) {
                    (Err(e), Some(tf)) => {
                        if same_class(tf.as_str().unwrap_or(""), e.code()) {
                            Ok(())
                        } else {
                            Err(format!("TF gave {tf}, ward gave {}: {e}", e.code()))
                        }
                    }
                    (Err(e), None) if e.code() == Code::Unimplemented => {
                        tally.unimplemented += 1;
                        continue 'case;
                    }
                    (Err(e), None) => Err(format!("TF succeeded, ward failed: {}: {e}", e.code())),
                    (Ok(_), Some(tf)) => Err(format!(
                        "TF failed with {tf} ({}), ward succeeded",
                        expect["tf_message"]
                    )),
                    (Ok(outputs), None) => {
                        let expected = expect["outputs"].as_array().unwrap();
                        if outputs.len() != expected.len() {
                            Err(format!(
                                "{} outputs, expected {}",
                                outputs.len(),
                                expected.len()
                            ))
                        } else {
                            outputs.iter().zip(expected).enumerate().try_for_each(
                                |(i, (got, e))| {
                                    let shape: Vec<usize> = e["shape"]
                                        .as_array()
                                        .unwrap()
                                        .iter()
                                        .map(|d| d.as_u64().unwrap() as usize)
                                        .collect();
                                    let data = base64::engine::general_purpose::STANDARD
                                        .decode(e["data"].as_str().unwrap())
                                        .unwrap();
                                    let want = tensor_from_record(
                                        e["dtype"].as_str().unwrap(),
                                        &shape,
                                        &data,
                                    )
                                    .unwrap();
                                    compare(got, &want, rtol, atol)
                                        .map_err(|m| format!("output {i}: {m}"))
                                },
                            )
                        }
                    }
                };
                if let Err(m) = this {
                    outcome = Err(if optimize {
                        format!("optimized: {m}")
                    } else {
                        m
                    });
                    break;
                }
            }
            match outcome {
                Ok(()) => tally.passed += 1,
                Err(message) => {
                    tally.failed += 1;
                    failures.push(format!("{op}/{name}: {message}"));
                }
            }
        }
    }
    let (mut passed, mut failed, mut unimplemented) = (0, 0, 0);
    for (op, t) in &tallies {
        if t.passed + t.failed > 0 {
            println!(
                "{op:<28} passed {:>4}  failed {:>3}  unimplemented {:>3}",
                t.passed, t.failed, t.unimplemented
            );
        }
        passed += t.passed;
        failed += t.failed;
        unimplemented += t.unimplemented;
    }
    println!(
        "op fixtures: {passed} cases passed, {failed} failed, {unimplemented} not run (op or case unimplemented)"
    );
    for f in failures.iter().take(60) {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} op fixture cases differ from TensorFlow",
        failures.len()
    );
}
