//! Scan policy (TOML): which capabilities and ops may run, which finding
//! kinds are accepted, and the severity at which findings fail the scan.
//!
//! ```toml
//! allow_capabilities = ["pure", "variable-read"]   # the default
//! allow_ops = ["PrintV2"]                          # allowed whatever their capability
//! deny_ops = ["Pow"]                               # denied whatever their capability
//! allow_findings = ["input-controlled-allocation"] # finding kinds accepted
//! severity_threshold = "low"                       # info | low | medium | high | critical
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use ward_graph::Capability;
use ward_tensor::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    allow_capabilities: Option<Vec<String>>,
    #[serde(default)]
    allow_ops: Vec<String>,
    #[serde(default)]
    deny_ops: Vec<String>,
    #[serde(default)]
    allow_findings: Vec<String>,
    severity_threshold: Option<Severity>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub allowed_capabilities: BTreeSet<Capability>,
    pub allow_ops: BTreeSet<String>,
    pub deny_ops: BTreeSet<String>,
    pub allowed_findings: BTreeSet<String>,
    pub threshold: Severity,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_capabilities: [Capability::Pure, Capability::VariableRead]
                .into_iter()
                .collect(),
            allow_ops: BTreeSet::new(),
            deny_ops: BTreeSet::new(),
            allowed_findings: BTreeSet::new(),
            threshold: Severity::Low,
        }
    }
}

/// Finding kinds a policy may name.
pub const FINDING_KINDS: &[&str] = &[
    "denied-op",
    "unknown-op",
    "checkpoint-steerable",
    "input-steerable",
    "input-controlled-allocation",
    "checkpoint-controlled-allocation",
    "input-controlled-loop",
    "checkpoint-controlled-loop",
    "input-controlled-path",
    "load-time-effect",
];

fn capability_named(name: &str) -> Option<Capability> {
    [
        Capability::Pure,
        Capability::VariableRead,
        Capability::VariableWrite,
        Capability::Control,
        Capability::FileRead,
        Capability::FileWrite,
        Capability::Network,
        Capability::Process,
        Capability::CustomCode,
        Capability::Unknown,
    ]
    .into_iter()
    .find(|c| c.name() == name)
}

impl Policy {
    /// Parses a TOML policy; errors name the line.
    pub fn from_toml(text: &str) -> Result<Policy> {
        let file: PolicyFile = toml::from_str(text)
            .map_err(|e| Error::invalid_argument(format!("invalid policy: {e}")))?;
        let mut policy = Policy::default();
        if let Some(caps) = file.allow_capabilities {
            policy.allowed_capabilities = caps
                .iter()
                .map(|c| {
                    capability_named(c).ok_or_else(|| {
                        Error::invalid_argument(format!("invalid policy: unknown capability '{c}'"))
                    })
                })
                .collect::<Result<_>>()?;
        }
        for kind in &file.allow_findings {
            if !FINDING_KINDS.contains(&kind.as_str()) {
                return Err(Error::invalid_argument(format!(
                    "invalid policy: unknown finding kind '{kind}'"
                )));
            }
        }
        policy.allow_ops = file.allow_ops.into_iter().collect();
        policy.deny_ops = file.deny_ops.into_iter().collect();
        policy.allowed_findings = file.allow_findings.into_iter().collect();
        if let Some(t) = file.severity_threshold {
            policy.threshold = t;
        }
        Ok(policy)
    }

    /// Whether an op of this capability may be reachable. Control ops are
    /// judged by what they call, which the scanner inspects separately.
    pub fn allows_op(&self, op: &str, capability: Capability) -> bool {
        if self.deny_ops.contains(op) {
            return false;
        }
        self.allow_ops.contains(op)
            || capability == Capability::Control
            || self.allowed_capabilities.contains(&capability)
    }
}
