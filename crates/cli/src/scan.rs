//! `ward scan`: audit a model without running it.
//! Exit codes: 0 clean; 1 findings at or above the threshold; 2 usage
//! error; 3 the scan could not complete (verdict `unknown`, never `clean`).

use crate::args::parse_bytes;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use ward_audit::{Policy, Report};

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
    /// Memory budget for parsing the model.
    #[arg(long, default_value = "4GiB", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Where the model is parsed: a confined worker (`strict`, the default, or
    /// `best-effort`) or this process (`off`).
    #[arg(long, value_enum, default_value = "strict")]
    pub sandbox: crate::run::SandboxMode,
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
    let label = args
        .dir
        .as_ref()
        .or(args.graph.as_ref())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let (report, code) = match scan_model(args) {
        Ok(mut r) => {
            r.model.clone_from(&label);
            let code = if r.failing > 0 { 1 } else { 0 };
            (r, code)
        }
        Err(ScanFailure::Usage(message)) => {
            note!("error: usage: {message}");
            return ExitCode::from(2);
        }
        Err(ScanFailure::Model(e)) => {
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

enum ScanFailure {
    Usage(String),
    Model(ward_tensor::Error),
}

impl From<ward_tensor::Error> for ScanFailure {
    fn from(e: ward_tensor::Error) -> Self {
        ScanFailure::Model(e)
    }
}

/// Reads the model (size-capped) and scans it, in a sandboxed worker unless
/// `--sandbox off`.
fn scan_model(args: &ScanArgs) -> Result<Report, ScanFailure> {
    let (files, kind) = match (&args.dir, &args.graph) {
        (Some(dir), None) => {
            let files = ward_tf::files::collect_saved_model(dir, args.max_model_bytes)?;
            let tag_set = args
                .tag_set
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
            (
                files,
                ward_sandbox::ModelKind::SavedModel {
                    tag_set,
                    signature: String::new(),
                },
            )
        }
        (None, Some(graph)) => {
            let bytes = ward_tensor::npy::read_file_capped(graph, args.max_model_bytes)?;
            let kind = ward_sandbox::ModelKind::GraphDef {
                path: "model.pb".into(),
                outputs: Vec::new(),
            };
            (vec![("model.pb".to_string(), bytes)], kind)
        }
        _ => {
            return Err(ScanFailure::Usage(
                "give either --dir DIR (SavedModel) or --graph FILE.pb".into(),
            ));
        }
    };
    let policy_toml = match &args.policy {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| ScanFailure::Usage(format!("cannot read policy: {e}")))?,
        None => String::new(),
    };
    let limits = ward_sandbox::WorkerLimits {
        memory_bytes: args.memory_limit,
        timeout_ms: 0,
        max_loop_iterations: 0,
        threads: 1,
    };
    let req = ward_sandbox::LoadRequest {
        files,
        kind,
        policy_toml,
        limits,
        // A scan reads the graph as written and never runs it.
        optimize: false,
    };
    let mode = match args.sandbox {
        crate::run::SandboxMode::Off => return Ok(crate::engine::scan_request(req)?),
        crate::run::SandboxMode::Strict => ward_sandbox::Mode::Strict,
        crate::run::SandboxMode::BestEffort => ward_sandbox::Mode::BestEffort,
    };
    let exe = std::env::current_exe().map_err(|e| {
        ward_tensor::Error::internal(format!("cannot find the ward executable: {e}"))
    })?;
    let mut config = ward_sandbox::SandboxConfig::new(exe, vec!["__worker".into()]);
    config.mode = mode;
    config.memory_bytes = args.memory_limit;
    config.cpu_seconds = 600;
    let mut worker = ward_sandbox::Worker::spawn(&config)?;
    let json = worker.scan(req, std::time::Duration::from_secs(600))?;
    serde_json::from_str(&json).map_err(|e| {
        ScanFailure::Model(ward_tensor::Error::internal(format!(
            "malformed report from the worker: {e}"
        )))
    })
}
