//! TensorFlow's security-advisory proofs of concept (tests/advisories,
//! copied from the shared corpus): each GraphDef is imported and run
//! in-process under a small budget and must end in a clean error or a
//! result — never a panic, abort, hang, or memory past the budget.
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ward_conformance::run_graph;
use ward_tensor::{Budget, Code, Limits};

const MEMORY_LIMIT: u64 = 256 << 20;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/advisories")
}

#[test]
fn every_advisory_case_ends_cleanly() {
    let manifest = std::fs::read_to_string(corpus().join("manifest.jsonl")).unwrap();
    let (mut results, mut errors, mut unsupported, mut reached_kernel) = (0, 0, 0, 0);
    let mut total = 0;
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap().to_string();
        let bytes = std::fs::read(corpus().join(case["file"].as_str().unwrap())).unwrap();
        let outputs: Vec<String> = case["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let (fetches, targets) = if case["fetch"] == "tensor" {
            (
                outputs.iter().map(|o| format!("{o}:0")).collect(),
                Vec::new(),
            )
        } else {
            (Vec::new(), outputs.clone())
        };
        let budget = Budget::new(&Limits {
            memory_bytes: MEMORY_LIMIT,
            timeout: Some(Duration::from_secs(10)),
            max_loop_iterations: 100_000,
        });
        let start = Instant::now();
        // A panic here fails the test: that is the property under test.
        let result = run_graph(&bytes, &fetches, &targets, &budget, 1, true);
        let elapsed = start.elapsed();
        assert!(elapsed < Duration::from_secs(15), "{id}: took {elapsed:?}");
        assert!(
            budget.peak() <= MEMORY_LIMIT,
            "{id}: peak {} over the budget",
            budget.peak()
        );
        total += 1;
        match result {
            Ok(_) => {
                results += 1;
                reached_kernel += 1;
            }
            Err(e) => {
                errors += 1;
                // Ops and dtypes ward does not implement stop at the lookup.
                let not_supported = e.code() == Code::Unimplemented;
                if not_supported {
                    unsupported += 1;
                } else {
                    reached_kernel += 1;
                }
                println!(
                    "{id:<16} {:<32} {}: {e}",
                    case["op"].as_str().unwrap(),
                    e.code()
                );
            }
        }
    }
    println!(
        "advisory corpus: {total} cases, {results} results, {errors} clean errors ({unsupported} Unimplemented: op or dtype), {reached_kernel} reached validation or a kernel beyond the op lookup"
    );
    assert!(total >= 137);
}
