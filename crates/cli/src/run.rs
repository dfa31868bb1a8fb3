//! `ward run`: run a model on given inputs and write its outputs as .npy.

use crate::Failure;
use crate::args::{parse_bytes, parse_duration};
use crate::engine::Engine;
use crate::inputs::{literal_tensor, parse_expr_inputs, parse_file_inputs, read_file_input};
use std::path::PathBuf;
use std::time::Duration;
use ward_sandbox::{LoadReply, LoadRequest, ModelKind, WorkerLimits};
use ward_tensor::npy::{read_file_capped, write_npy};
use ward_tensor::{Budget, DType, Error, Frame, Limits, Tensor};

/// What to load and how: shared by `run` and `bench`.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// SavedModel directory.
    #[arg(long, conflicts_with = "graph")]
    pub dir: Option<PathBuf>,
    /// Frozen GraphDef (.pb) instead of a SavedModel.
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Tag set of the MetaGraph to load (SavedModel).
    #[arg(long = "tag_set", default_value = "serve")]
    pub tag_set: String,
    /// Signature to run (SavedModel).
    #[arg(long = "signature_def", default_value = "serving_default")]
    pub signature_def: String,
    /// Inputs from files: 'key=x.npy;key2=y.npz[name]'. Keys are signature input keys (--dir) or placeholder names such as 'x:0' (--graph).
    #[arg(long)]
    pub inputs: Option<String>,
    /// Inputs as literals: 'key=[[1.0,2.0]]'.
    #[arg(long = "input_exprs")]
    pub input_exprs: Option<String>,
    /// Tensors to fetch, comma-separated (required with --graph), e.g. 'Identity:0'. With --dir every signature output is written.
    #[arg(long)]
    pub outputs: Option<String>,
    /// Memory budget for the model's constants, inputs and the run.
    #[arg(long, default_value = "4GiB", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Wall-clock limit for the run.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Cap on loop iterations across the run.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_loop_iterations: u64,
    /// Intra-op threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Largest model file accepted.
    #[arg(long, default_value = "1GiB", value_parser = parse_bytes)]
    pub max_model_bytes: u64,
    /// Scan policy (TOML). The model is scanned before it runs and refused
    /// (PermissionDenied) if the scan has failing findings under this policy.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Where the model is parsed and run: `strict` (default; a confined worker
    /// process, every sandbox layer required), `best-effort` (the layers this
    /// kernel allows, listed on stderr) or `off` (in-process; debugging only).
    #[arg(long, value_enum, default_value = "strict")]
    pub sandbox: SandboxMode,
    /// Run the graph exactly as loaded: no call inlining, constant folding
    /// or layer fusion (to tell an optimizer difference from a model one).
    #[arg(long)]
    pub no_optimize: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxMode {
    Strict,
    BestEffort,
    Off,
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Directory for the outputs, one .npy per output.
    #[arg(long)]
    pub outdir: PathBuf,
    /// Replace output files that already exist.
    #[arg(long)]
    pub overwrite: bool,
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let m = &args.model;
    // Usage errors first, before any model byte is read.
    let file_inputs = m
        .inputs
        .as_deref()
        .map(parse_file_inputs)
        .transpose()?
        .unwrap_or_default();
    let expr_inputs = m
        .input_exprs
        .as_deref()
        .map(parse_expr_inputs)
        .transpose()?
        .unwrap_or_default();
    let mut backend = Backend::open(m)?;
    let budget = m.budget();
    let mut named: Vec<(String, Tensor)> = Vec::new();
    for input in &file_inputs {
        named.push((
            input.key.clone(),
            read_file_input(input, m.memory_limit, &budget)?,
        ));
    }
    for (key, literal) in &expr_inputs {
        let dtype = backend.input_dtype(key)?;
        let tensor = literal_tensor(literal, dtype, &budget)
            .map_err(|e| e.with(Frame::Note(format!("input '{key}'"))))?;
        named.push((key.clone(), tensor));
    }
    let results = backend.run(named)?;
    write_outputs(args, &results)
}

impl ModelArgs {
    /// The budget for reading inputs on the supervisor side.
    pub fn budget(&self) -> Budget {
        Budget::new(&Limits {
            memory_bytes: self.memory_limit,
            timeout: Some(self.timeout),
            max_loop_iterations: self.max_loop_iterations,
        })
    }

    fn limits(&self) -> WorkerLimits {
        WorkerLimits {
            memory_bytes: self.memory_limit,
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            max_loop_iterations: self.max_loop_iterations,
            threads: u32::try_from(self.threads).unwrap_or(u32::MAX),
        }
    }

    /// Reads the model's files (size-capped) and the policy into a request.
    fn load_request(&self) -> Result<LoadRequest, Failure> {
        let policy_toml = match &self.policy {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Failure::Usage(format!("cannot read policy {}: {e}", path.display()))
                })?;
                ward_audit::Policy::from_toml(&text)
                    .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
                text
            }
            None => String::new(),
        };
        let (files, kind) = match (&self.graph, &self.dir) {
            (Some(graph), None) => {
                let Some(outputs) = &self.outputs else {
                    return Err(Failure::Usage("--outputs is required with --graph".into()));
                };
                let outputs: Vec<String> = outputs
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                if outputs.is_empty() {
                    return Err(Failure::Usage("--outputs names no tensor".into()));
                }
                let bytes = read_file_capped(graph, self.max_model_bytes)?;
                (
                    vec![("model.pb".to_string(), bytes)],
                    ModelKind::GraphDef {
                        path: "model.pb".into(),
                        outputs,
                    },
                )
            }
            (None, Some(dir)) => {
                let files = ward_tf::files::collect_saved_model(dir, self.max_model_bytes)?;
                let tag_set = self
                    .tag_set
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect();
                (
                    files,
                    ModelKind::SavedModel {
                        tag_set,
                        signature: self.signature_def.clone(),
                    },
                )
            }
            _ => {
                return Err(Failure::Usage(
                    "give either --dir DIR (SavedModel) or --graph FILE.pb".into(),
                ));
            }
        };
        Ok(LoadRequest {
            files,
            kind,
            policy_toml,
            limits: self.limits(),
            optimize: !self.no_optimize,
        })
    }
}

/// Where the model runs: in a sandboxed worker or in this process.
pub enum Backend {
    InProcess(Box<Engine>, LoadReply),
    Sandboxed(Box<ward_sandbox::Worker>, LoadReply, std::time::Duration),
}

impl Backend {
    /// Reads, scans (refusing what the policy denies), loads and compiles
    /// the model — inside a confined worker unless `--sandbox off`.
    pub fn open(m: &ModelArgs) -> Result<Backend, Failure> {
        let req = m.load_request()?;
        let mode = match m.sandbox {
            SandboxMode::Off => {
                note!(
                    "warning: --sandbox off: the model is parsed and run in this process, unconfined"
                );
                let engine = Engine::load(req, None)?;
                let reply = engine.reply();
                return Ok(Backend::InProcess(Box::new(engine), reply));
            }
            SandboxMode::Strict => ward_sandbox::Mode::Strict,
            SandboxMode::BestEffort => ward_sandbox::Mode::BestEffort,
        };
        let exe = std::env::current_exe()
            .map_err(|e| Error::internal(format!("cannot find the ward executable: {e}")))?;
        // A model run on every CPU gets a worker whose main thread is pinned
        // like its pool's other threads (2-3% off MobileNetV2 at 2 threads
        // on the benchmark VM). One-thread models keep it free to move.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut worker_args = vec!["__worker".to_string()];
        if cpus > 1 && (m.threads == 0 || m.threads == cpus) {
            worker_args.push(crate::engine::FULL_WIDTH_FLAG.into());
        }
        let mut config = ward_sandbox::SandboxConfig::new(exe, worker_args);
        config.mode = mode;
        config.memory_bytes = m.memory_limit;
        // The CPU cap backs up the wall-clock limit for a worker that spins.
        config.cpu_seconds = m.timeout.as_secs().saturating_mul(4).saturating_add(60);
        let mut worker = ward_sandbox::Worker::spawn(&config)?;
        if mode == ward_sandbox::Mode::BestEffort {
            let layers: Vec<&str> = worker.layers().list().iter().map(|l| l.name()).collect();
            note!("note: sandbox layers on: {}", layers.join(", "));
        }
        // Loading gets the run's time limit plus a margin for parsing.
        let timeout = m.timeout.saturating_add(std::time::Duration::from_secs(5));
        let reply = worker.load(req, timeout.saturating_add(m.timeout))?;
        Ok(Backend::Sandboxed(Box::new(worker), reply, timeout))
    }

    /// The sandboxed worker's process id (the namespace's first process).
    pub fn worker_pid(&self) -> Option<u32> {
        match self {
            Backend::InProcess(..) => None,
            Backend::Sandboxed(w, _, _) => Some(w.pid()),
        }
    }

    pub fn reply(&self) -> &LoadReply {
        match self {
            Backend::InProcess(_, r) | Backend::Sandboxed(_, r, _) => r,
        }
    }

    /// The dtype of an input, for literal inputs.
    pub fn input_dtype(&self, key: &str) -> ward_tensor::Result<DType> {
        let inputs = &self.reply().inputs;
        inputs
            .iter()
            .find(|(k, _, _)| k == key || k.strip_suffix(":0") == Some(key))
            .map(|(_, d, _)| *d)
            .ok_or_else(|| {
                let known: Vec<&str> = inputs.iter().map(|(k, _, _)| k.as_str()).collect();
                Error::not_found(format!(
                    "the model has no input '{key}' (inputs: {})",
                    known.join(", ")
                ))
            })
    }

    /// The model's inputs: key, dtype and dims (-1 unknown).
    pub fn inputs(&self) -> &[(String, DType, Vec<i64>)] {
        &self.reply().inputs
    }

    pub fn run(
        &mut self,
        inputs: Vec<(String, Tensor)>,
    ) -> ward_tensor::Result<Vec<(String, Tensor)>> {
        match self {
            Backend::InProcess(engine, _) => engine.run(inputs),
            Backend::Sandboxed(worker, _, timeout) => worker.run(inputs, *timeout),
        }
    }
}

fn write_outputs(args: &RunArgs, results: &[(String, Tensor)]) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.outdir)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", args.outdir.display())))?;
    for (name, tensor) in results {
        let file = args
            .outdir
            .join(format!("{}.npy", name.replace([':', '/'], "_")));
        if file.exists() && !args.overwrite {
            return Err(Failure::Usage(format!(
                "{} exists; pass --overwrite to replace it",
                file.display()
            )));
        }
        let bytes = write_npy(tensor)?;
        std::fs::write(&file, bytes)
            .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", file.display())))?;
        say!(
            "{name}: {} {} -> {}",
            tensor.dtype(),
            tensor.shape(),
            file.display()
        );
    }
    Ok(())
}
