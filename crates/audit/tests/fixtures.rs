//! `ward scan` against the fixtures built with real TensorFlow in
//! tests/fixtures/scan (exact expected findings) and the clean models of
//! tests/fixtures/models (no findings at all).
#![allow(clippy::arithmetic_side_effects, clippy::unreachable)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use ward_audit::{
    Policy, Report, ScanLimits, Severity, graph_def_target, saved_model_target, scan,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn scan_dir(dir: &Path, policy: &Policy) -> Report {
    let limits = ScanLimits::default();
    let target = if dir.join("saved_model").exists() {
        saved_model_target(&dir.join("saved_model"), "serve", &limits)
    } else {
        graph_def_target(&dir.join("frozen.pb"), &limits)
    };
    scan(&target.unwrap(), policy, &limits).unwrap()
}

#[test]
fn every_scan_fixture_gets_exactly_its_findings() {
    let mut names: Vec<_> = std::fs::read_dir(root().join("scan"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    names.sort();
    assert!(names.len() >= 14);
    let mut problems = Vec::new();
    for dir in names {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let report = scan_dir(&dir, &Policy::default());
        let found: BTreeSet<(String, String)> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .map(|f| (f.kind.clone(), f.op.clone()))
            .collect();
        let found_kinds: BTreeSet<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut want_kinds = BTreeSet::new();
        for f in expected["expected_findings"].as_array().unwrap() {
            let kind = f["kind"].as_str().unwrap();
            let op = f["op"].as_str().unwrap();
            want_kinds.insert(kind);
            if !found.contains(&(kind.to_string(), op.to_string())) {
                problems.push(format!("{name}: missing {kind} on {op}; found {found:?}"));
            }
        }
        if found_kinds != want_kinds {
            problems.push(format!(
                "{name}: finding kinds {found_kinds:?}, expected {want_kinds:?}"
            ));
        }
        for kind in expected["must_not_find"].as_array().into_iter().flatten() {
            if found_kinds.contains(kind.as_str().unwrap()) {
                problems.push(format!("{name}: must not find {kind}"));
            }
        }
        let clean = want_kinds.is_empty();
        if clean != (report.verdict == "clean") {
            problems.push(format!("{name}: verdict {}", report.verdict));
        }
        // Every failing finding carries a path from an entry point or source.
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
        {
            if f.path.len() < 2 {
                problems.push(format!("{name}: finding {} has no path", f.kind));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_hostile_and_a_benign_checkpoint_scan_the_same() {
    let scan = |n: &str| {
        let r = scan_dir(&root().join("scan").join(n), &Policy::default());
        r.findings
            .iter()
            .map(|f| (f.kind.clone(), f.op.clone(), f.severity))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scan("cond_on_variable_readfile_benign"),
        scan("cond_on_variable_readfile_hostile")
    );
}

#[test]
fn the_clean_models_have_no_findings() {
    for model in [
        "mlp",
        "cnn",
        "mobilenet_v2",
        "transformer",
        "tf1_control_flow",
        "tf1_variables",
    ] {
        let dir = root().join("models").join(model);
        let report = scan_dir(&dir, &Policy::default());
        let failing: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .collect();
        assert!(failing.is_empty(), "{model}: {failing:#?}");
        assert_eq!(report.verdict, "clean");
        // The frozen graph too.
        let limits = ScanLimits::default();
        let frozen = scan(
            &graph_def_target(&dir.join("frozen.pb"), &limits).unwrap(),
            &Policy::default(),
            &limits,
        )
        .unwrap();
        assert_eq!(
            frozen.verdict, "clean",
            "{model} frozen: {:#?}",
            frozen.findings
        );
    }
}

#[test]
fn the_policy_can_allow_what_it_denies_and_deny_what_it_allows() {
    let dir = root().join("scan").join("matching_files");
    let allow =
        Policy::from_toml("allow_capabilities = [\"pure\", \"variable-read\", \"file-read\"]")
            .unwrap();
    assert_eq!(scan_dir(&dir, &allow).verdict, "clean");
    let allow_op = Policy::from_toml("allow_ops = [\"MatchingFiles\"]").unwrap();
    assert_eq!(scan_dir(&dir, &allow_op).verdict, "clean");
    let strict = Policy::from_toml("deny_ops = [\"MatMul\"]").unwrap();
    assert_eq!(
        scan_dir(&root().join("models/mlp"), &strict).verdict,
        "findings"
    );
    let tile = root().join("scan").join("tile_multiples_from_input");
    let accept = Policy::from_toml("allow_findings = [\"input-controlled-allocation\"]").unwrap();
    assert_eq!(scan_dir(&tile, &accept).verdict, "clean");
    let high_only = Policy::from_toml("severity_threshold = \"high\"").unwrap();
    assert_eq!(scan_dir(&tile, &high_only).verdict, "clean");
    for bad in [
        "allow_capabilities = [\"teleport\"]",
        "nonsense = 1",
        "severity_threshold = \"extreme\"",
        "allow_findings = [\"x\"]",
        "[[",
    ] {
        let err = Policy::from_toml(bad).unwrap_err();
        assert_eq!(err.code(), ward_tensor::Code::InvalidArgument, "{bad}");
    }
    let err = Policy::from_toml("allow_ops = [\"A\"]\nbad line here").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn reports_render_as_json_and_sarif() {
    let report = scan_dir(
        &root().join("scan").join("writefile_path_from_input"),
        &Policy::default(),
    );
    let json: Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["verdict"], "findings");
    assert_eq!(json["schema"], "ward-scan-report/1");
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "input-controlled-path" && f["source"]["kind"] == "input")
    );
    assert!(
        json["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["op"] == "WriteFile" && o["capability"] == "file-write")
    );
    let sarif: Value = serde_json::from_str(&report.to_sarif()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "denied-op" && r["level"] == "error")
    );
}

#[test]
fn malformed_models_cannot_be_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("saved_model.pb"),
        b"\x0a\xff\xff\xff\xff\x0f garbage",
    )
    .unwrap();
    assert!(saved_model_target(dir.path(), "serve", &ScanLimits::default()).is_err());
    assert!(graph_def_target(&dir.path().join("missing.pb"), &ScanLimits::default()).is_err());
}
