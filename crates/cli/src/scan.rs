//! `ward scan`: audit a model without running it.
//! Exit codes: 0 clean; 1 findings at or above the threshold; 2 usage
//! error; 3 the scan could not complete (verdict `unknown`, never `clean`).

use crate::args::parse_bytes;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ward_audit::{Policy, Report, ScanLimits, graph_def_target, saved_model_target, scan};

#[derive(clap::Args)]
pub struct ScanArgs {
    /// SavedModel directory.
    #[arg(long, conflicts_with = "graph")]
    pub dir: Option<PathBuf>,
    /// Frozen GraphDef (.pb).
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Tag set of the MetaGraph to scan (SavedModel).
    #[arg(long = "tag_set", default_value = "serve")]
    pub tag_set: String,
    /// Policy file (TOML); the default allows only pure and variable-read ops.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Largest model file accepted.
    #[arg(long, default_value = "1GiB", value_parser = parse_bytes)]
    pub max_model_bytes: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Reads a policy file; problems with it are usage errors.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, String> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read policy {}: {e}", path.display()))?;
    Policy::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(args: &ScanArgs) -> ExitCode {
    let policy = match load_policy(args.policy.as_deref()) {
        Ok(p) => p,
        Err(message) => {
            note!("error: usage: {message}");
            return ExitCode::from(2);
        }
    };
    let limits = ScanLimits {
        max_model_bytes: args.max_model_bytes,
        ..ScanLimits::default()
    };
    let (label, target) = match (&args.dir, &args.graph) {
        (Some(dir), None) => (
            dir.display().to_string(),
            saved_model_target(dir, &args.tag_set, &limits),
        ),
        (None, Some(graph)) => (
            graph.display().to_string(),
            graph_def_target(graph, &limits),
        ),
        _ => {
            note!("error: usage: give either --dir DIR (SavedModel) or --graph FILE.pb");
            return ExitCode::from(2);
        }
    };
    let report = target.and_then(|t| scan(&t, &policy, &limits));
    let (report, code) = match report {
        Ok(r) => {
            let code = if r.failing > 0 { 1 } else { 0 };
            (r, code)
        }
        Err(e) => {
            note!("error: {}: {e}", e.code());
            (Report::unknown(label, format!("{}: {e}", e.code())), 3)
        }
    };
    match args.format {
        Format::Text => say!("{}", report.to_text(&policy).trim_end()),
        Format::Json => say!("{}", report.to_json()),
        Format::Sarif => say!("{}", report.to_sarif()),
    }
    ExitCode::from(code)
}
