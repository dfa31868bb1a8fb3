//! Scan results and their renderings: readable text, JSON (a stable,
//! documented schema) and SARIF 2.1.0.

use crate::policy::{Policy, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where tainted data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRef {
    /// `checkpoint` or `input`.
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: String,
    pub severity: Severity,
    pub message: String,
    pub node: String,
    pub op: String,
    /// Library function holding the node; null for the top-level graph.
    pub function: Option<String>,
    /// The signature or load-time entry that reaches it (`unreachable` if none).
    pub entry_point: String,
    pub source: Option<SourceRef>,
    /// From the entry point (or the taint source) to the node.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpCount {
    pub op: String,
    pub capability: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    /// `clean`, `findings` or `unknown`.
    pub verdict: String,
    pub model: String,
    pub entry_points: Vec<String>,
    /// Findings at or above the policy's threshold that the policy does not accept.
    pub failing: usize,
    pub findings: Vec<Finding>,
    pub inventory: Vec<OpCount>,
    /// Set when the scan could not complete.
    pub error: Option<String>,
}

pub const SCHEMA: &str = "ward-scan-report/1";

impl Report {
    pub fn new(
        model: String,
        entry_points: Vec<String>,
        mut findings: Vec<Finding>,
        inventory: Vec<OpCount>,
        policy: &Policy,
    ) -> Report {
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.node.cmp(&b.node))
        });
        let failing = findings.iter().filter(|f| fails(f, policy)).count();
        Report {
            schema: SCHEMA.to_string(),
            verdict: if failing > 0 { "findings" } else { "clean" }.to_string(),
            model,
            entry_points,
            failing,
            findings,
            inventory,
            error: None,
        }
    }

    /// The report of a scan that could not complete: never `clean`.
    pub fn unknown(model: String, error: String) -> Report {
        Report {
            schema: SCHEMA.to_string(),
            verdict: "unknown".into(),
            model,
            entry_points: Vec::new(),
            failing: 0,
            findings: Vec::new(),
            inventory: Vec::new(),
            error: Some(error),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"verdict\":\"unknown\",\"error\":\"{e}\"}}"))
    }

    pub fn to_text(&self, policy: &Policy) -> String {
        let mut out = String::new();
        out.push_str(&format!("ward scan: {}\n", self.model));
        if let Some(e) = &self.error {
            out.push_str(&format!(
                "verdict: unknown (the scan could not complete: {e})\n"
            ));
            return out;
        }
        out.push_str(&format!("entry points: {}\n", self.entry_points.join(", ")));
        let mut by_severity: BTreeMap<std::cmp::Reverse<Severity>, Vec<&Finding>> = BTreeMap::new();
        for f in &self.findings {
            by_severity
                .entry(std::cmp::Reverse(f.severity))
                .or_default()
                .push(f);
        }
        for (std::cmp::Reverse(severity), findings) in by_severity {
            out.push_str(&format!(
                "\n{} ({}):\n",
                severity.name().to_uppercase(),
                findings.len()
            ));
            for f in findings {
                let accepted = if fails(f, policy) {
                    ""
                } else {
                    " [accepted by policy]"
                };
                out.push_str(&format!("  [{}] {}{accepted}\n", f.kind, f.message));
                out.push_str(&format!("      path: {}\n", f.path.join(" -> ")));
            }
        }
        let ops: usize = self.inventory.iter().map(|o| o.count).sum();
        out.push_str(&format!(
            "\nverdict: {} ({} failing finding(s), {} finding(s) in all; {} nodes of {} op types)\n",
            self.verdict,
            self.failing,
            self.findings.len(),
            ops,
            self.inventory.len()
        ));
        out
    }

    /// SARIF 2.1.0, one result per finding.
    pub fn to_sarif(&self) -> String {
        let level = |s: Severity| match s {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        };
        let kinds: Vec<&str> = crate::policy::FINDING_KINDS.to_vec();
        let rules: Vec<serde_json::Value> = kinds
            .iter()
            .map(|k| serde_json::json!({"id": k, "name": k, "shortDescription": {"text": rule_text(k)}}))
            .collect();
        let results: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                let logical = match &f.function {
                    Some(func) => format!("{func}/{}", f.node),
                    None => f.node.clone(),
                };
                serde_json::json!({
                    "ruleId": f.kind,
                    "level": level(f.severity),
                    "message": {"text": format!("{} (path: {})", f.message, f.path.join(" -> "))},
                    "locations": [{
                        "physicalLocation": {"artifactLocation": {"uri": self.model}},
                        "logicalLocations": [{"name": f.node, "fullyQualifiedName": logical, "kind": "function"}]
                    }],
                    "properties": {"severity": f.severity.name(), "op": f.op, "entryPoint": f.entry_point}
                })
            })
            .collect();
        let invocation = match &self.error {
            Some(e) => {
                serde_json::json!({"executionSuccessful": false, "toolExecutionNotifications": [{"level": "error", "message": {"text": e}}]})
            }
            None => serde_json::json!({"executionSuccessful": true}),
        };
        let sarif = serde_json::json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "ward", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
                "invocations": [invocation],
                "results": results,
                "properties": {"verdict": self.verdict}
            }]
        });
        serde_json::to_string_pretty(&sarif).unwrap_or_default()
    }
}

/// Whether a finding fails the scan under the policy.
pub fn fails(finding: &Finding, policy: &Policy) -> bool {
    finding.severity >= policy.threshold
        && finding.severity > Severity::Info
        && !policy.allowed_findings.contains(&finding.kind)
}

fn rule_text(kind: &str) -> &'static str {
    match kind {
        "denied-op" => "An op whose capability the policy does not allow is reachable",
        "unknown-op" => "An op ward cannot classify is reachable",
        "checkpoint-steerable" => {
            "A control predicate depends on a checkpoint variable and guards a non-pure op"
        }
        "input-steerable" => {
            "A control predicate depends on a signature input and guards a non-pure op"
        }
        "input-controlled-allocation" => "An allocation size depends on input values",
        "checkpoint-controlled-allocation" => "An allocation size depends on a checkpoint variable",
        "input-controlled-loop" => "A loop's trip count depends on input values",
        "checkpoint-controlled-loop" => "A loop's trip count depends on a checkpoint variable",
        "input-controlled-path" => "A file path depends on input values",
        "load-time-effect" => "Something non-pure runs when the model is loaded",
        _ => "",
    }
}
