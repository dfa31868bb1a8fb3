#!/usr/bin/env python3
"""Writes docs/scan-comparison.md from real runs: `ward scan` (run now) and
the recorded outputs of `saved_model_cli scan` and ModelScan in
tests/fixtures/scan/*/reference/ (refreshed by tools/run_reference_scanners.sh).

Usage: python3 tools/scan_comparison.py [--ward target/release/ward]
"""
import argparse, json, pathlib, re, subprocess, datetime

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "scan"


def summarize_smc(text):
    if "not run" in text:
        return "cannot read a bare GraphDef"
    if "does not contain" in text:
        return "nothing flagged"
    m = re.search(r"contains the following denylisted ops: \{([^}]*)\}", text)
    if m:
        return "flags " + m.group(1).replace("'", "")
    return "error"


def summarize_modelscan(text):
    flagged = sorted(set(re.findall(r"Use of unsafe operator '(\w+)'", text)))
    if flagged:
        return "flags " + ", ".join(flagged)
    if "No issues found" in text:
        return "no issues found"
    return "error"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ward", default=str(ROOT / "target" / "release" / "ward"))
    args = ap.parse_args()
    rows = []
    for d in sorted(p for p in FIX.iterdir() if (p / "expected.json").exists()):
        exp = json.loads((d / "expected.json").read_text())
        target = ["--dir", str(d / "saved_model")] if (d / "saved_model").exists() else ["--graph", str(d / "frozen.pb")]
        out = subprocess.run([args.ward, "scan", *target, "--format", "json"], capture_output=True, text=True)
        report = json.loads(out.stdout)
        found = sorted({f"{f['kind']} ({f['op']})" for f in report["findings"] if f["severity"] != "info"})
        expected = sorted({f"{f['kind']} ({f['op']})" for f in exp["expected_findings"]})
        smc = (d / "reference" / "saved_model_cli.txt").read_text() if (d / "reference" / "saved_model_cli.txt").exists() else "not run"
        ms = (d / "reference" / "modelscan.txt").read_text() if (d / "reference" / "modelscan.txt").exists() else "not run"
        rows.append((d.name, ", ".join(expected) or "none (clean)", f"{report['verdict']} (exit {out.returncode}): " + (", ".join(found) or "no findings"), summarize_smc(smc), summarize_modelscan(ms)))
    lines = [
        "# `ward scan` compared with `saved_model_cli scan` and ModelScan",
        "",
        f"Generated {datetime.date.today()} by `tools/scan_comparison.py` from real runs on the fixtures in",
        "`tests/fixtures/scan/` (built with TensorFlow 2.21.0 by `tools/gen_scan_fixtures.py`). The",
        "`saved_model_cli` (TensorFlow 2.21.0) and ModelScan (0.8.8) outputs are recorded verbatim in each",
        "fixture's `reference/` folder by `tools/run_reference_scanners.sh`.",
        "",
        "| fixture | expected | ward scan | saved_model_cli scan | ModelScan |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    lines += [
        "",
        "Why they differ:",
        "- `saved_model_cli scan` checks a short denylist of op names and follows only function calls,",
        "  not If/While/Case branch functions, so a ReadFile or WriteFile inside a `tf.cond` branch is",
        "  missed; it cannot read a bare GraphDef and has no notion of data flow.",
        "- ModelScan checks a few op names as a flat set over the graph and its functions; it has no",
        "  data flow either, so checkpoint-steered branches, input-sized allocations, input-bounded loops",
        "  and input-controlled paths are not reported, and it reads 0 ops from a bare GraphDef.",
        "- ward classifies every op (unknown ops are findings: fail closed), follows every function",
        "  reference from each signature and from what runs at load, and tracks values from checkpoint",
        "  variables and signature inputs to predicates, sizes, loop conditions and file paths, apart from",
        "  shapes (sizes computed from an input's shape are not findings). The benign and hostile",
        "  checkpoints of the same graph get the same findings: the graph, not the checkpoint, decides.",
        "",
    ]
    (ROOT / "docs" / "scan-comparison.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
