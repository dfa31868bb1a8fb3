//! `ward run`: run a model on given inputs and write its outputs as .npy.

use crate::Failure;
use crate::args::{parse_bytes, parse_duration};
use crate::inputs::{literal_tensor, parse_expr_inputs, parse_file_inputs, read_file_input};
use std::path::PathBuf;
use std::time::Duration;
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{AttrsExt, PartialShape, TypeAttr, ValueRef};
use ward_tensor::npy::{read_file_capped, write_npy};
use ward_tensor::{Budget, DType, Error, Frame, Limits, ResultExt, Tensor};
use ward_tf::saved_model::{SavedModelLimits, load_saved_model};

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
    let budget = m.budget();
    let session = Session::open(m, &budget)?;
    let mut feeds: Vec<(ValueRef, Tensor)> = Vec::new();
    for input in &file_inputs {
        let target = session.input(&input.key)?;
        let tensor = read_file_input(input, m.memory_limit, &budget)?;
        feeds.push((target.value, check_feed(target, tensor)?));
    }
    for (key, literal) in &expr_inputs {
        let target = session.input(key)?;
        let tensor = literal_tensor(literal, target.dtype, &budget)
            .map_err(|e| e.with(Frame::Note(format!("input '{key}'"))))?;
        feeds.push((target.value, check_feed(target, tensor)?));
    }
    let results = session.run(&budget, feeds)?;
    let names: Vec<&str> = session.outputs.iter().map(|(k, _)| k.as_str()).collect();
    write_outputs(args, &names, &results)
}

impl ModelArgs {
    /// The budget for one model load and run.
    pub fn budget(&self) -> Budget {
        Budget::new(&Limits {
            memory_bytes: self.memory_limit,
            timeout: Some(self.timeout),
            max_loop_iterations: self.max_loop_iterations,
        })
    }
}

/// A model loaded, scanned and compiled, ready to run.
pub struct Session {
    exe: Executable,
    pub inputs: Vec<Input>,
    /// Output file key and value.
    pub outputs: Vec<(String, ValueRef)>,
}

impl Session {
    /// Scans (refusing what the policy denies), loads and compiles.
    pub fn open(m: &ModelArgs, budget: &Budget) -> Result<Session, Failure> {
        let policy = crate::scan::load_policy(m.policy.as_deref()).map_err(Failure::Usage)?;
        gate(m, &policy)?;
        let prepared = match (&m.graph, &m.dir) {
            (Some(graph), None) => prepare_graph(m, graph, budget)?,
            (None, Some(dir)) => prepare_saved_model(m, dir, budget)?,
            _ => {
                return Err(Failure::Usage(
                    "give either --dir DIR (SavedModel) or --graph FILE.pb".into(),
                ));
            }
        };
        let exe = Executable::new(
            prepared.model,
            ward_ops::registry(),
            &ExecOptions {
                threads: m.threads,
                ..Default::default()
            },
        )?;
        Ok(Session {
            exe,
            inputs: prepared.inputs,
            outputs: prepared.outputs,
        })
    }

    pub fn input(&self, key: &str) -> ward_tensor::Result<&Input> {
        self.inputs.iter().find(|i| i.key == key).ok_or_else(|| {
            let known: Vec<&str> = self.inputs.iter().map(|i| i.key.as_str()).collect();
            Error::not_found(format!(
                "the model has no input '{key}' (inputs: {})",
                known.join(", ")
            ))
        })
    }

    /// Runs once; every required input must be fed.
    pub fn run(
        &self,
        budget: &Budget,
        feeds: Vec<(ValueRef, Tensor)>,
    ) -> ward_tensor::Result<Vec<Tensor>> {
        for input in &self.inputs {
            if input.required && !feeds.iter().any(|(v, _)| *v == input.value) {
                return Err(Error::invalid_argument(format!(
                    "no value given for input '{}'",
                    input.key
                )));
            }
        }
        let fetches = self.outputs.iter().map(|(_, v)| *v).collect();
        self.exe.run(
            budget,
            RunRequest {
                feeds,
                fetches,
                targets: Vec::new(),
            },
        )
    }
}

/// An input the run can feed.
pub struct Input {
    pub key: String,
    pub value: ValueRef,
    pub dtype: DType,
    pub shape: PartialShape,
    /// Signature inputs must be fed; a frozen graph's placeholders only if used.
    pub required: bool,
}

struct Prepared {
    model: ward_graph::Model,
    inputs: Vec<Input>,
    /// Output file key and value.
    outputs: Vec<(String, ValueRef)>,
}

fn prepare_graph(
    args: &ModelArgs,
    path: &std::path::Path,
    budget: &Budget,
) -> Result<Prepared, Failure> {
    let Some(outputs) = &args.outputs else {
        return Err(Failure::Usage("--outputs is required with --graph".into()));
    };
    let fetch_names: Vec<&str> = outputs
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if fetch_names.is_empty() {
        return Err(Failure::Usage("--outputs names no tensor".into()));
    }
    let bytes = read_file_capped(path, args.max_model_bytes)?;
    let full = ward_tf::load_graph_def(&bytes, args.max_model_bytes, budget)?;
    drop(bytes);
    let fetches = fetch_names
        .iter()
        .map(|n| full.graph.resolve_tensor(n))
        .collect::<ward_tensor::Result<Vec<_>>>()?;
    // Only what the fetches need is validated and run, as in TF.
    let roots: Vec<usize> = fetches.iter().map(|v| v.node).collect();
    let (model, map) = ward_graph::prune(&full, &roots)?;
    let remap = |v: ValueRef| {
        map.get(v.node)
            .copied()
            .flatten()
            .map(|n| ValueRef::new(n, v.output))
    };
    let mut inputs = Vec::new();
    for (id, node) in full.graph.nodes().iter().enumerate() {
        if node.op != "Placeholder" && node.op != "PlaceholderWithDefault" {
            continue;
        }
        let Some(value) = remap(ValueRef::new(id, 0)) else {
            continue;
        };
        inputs.push(Input {
            key: format!("{}:0", node.name),
            value,
            dtype: node.attrs.dtype("dtype").at_node(&node.name, &node.op)?,
            shape: node
                .attrs
                .shape_attr("shape")
                .at_node(&node.name, &node.op)?
                .unwrap_or_default(),
            required: node.op == "Placeholder",
        });
    }
    let outputs = fetch_names
        .iter()
        .zip(fetches)
        .map(|(name, v)| {
            remap(v)
                .map(|v| (name.to_string(), v))
                .ok_or_else(|| Error::internal("output pruned"))
        })
        .collect::<ward_tensor::Result<Vec<_>>>()?;
    // Inputs named as `node` also match `node:0`.
    for input in &mut inputs {
        if file_or_expr_uses_bare_name(args, &input.key) {
            input.key = input.key.trim_end_matches(":0").to_string();
        }
    }
    Ok(Prepared {
        model,
        inputs,
        outputs,
    })
}

fn file_or_expr_uses_bare_name(args: &ModelArgs, key: &str) -> bool {
    let bare = key.trim_end_matches(":0");
    [&args.inputs, &args.input_exprs]
        .iter()
        .filter_map(|s| s.as_deref())
        .any(|spec| {
            spec.split(';')
                .filter_map(|e| e.split_once('='))
                .any(|(k, _)| k.trim() == bare)
        })
}

fn prepare_saved_model(
    args: &ModelArgs,
    dir: &std::path::Path,
    budget: &Budget,
) -> Result<Prepared, Failure> {
    let limits = SavedModelLimits {
        max_graph_bytes: args.max_model_bytes,
        ..SavedModelLimits::default()
    };
    let loaded = load_saved_model(dir, &args.tag_set, &limits, budget)?;
    for op in loaded.nontrivial_init_ops() {
        note!("note: the model asks to run '{op}' at load; ward does not run it");
    }
    for asset in &loaded.assets {
        note!("note: the model declares asset '{asset}'; ward does not read it");
    }
    let runnable = loaded.runnable(&args.signature_def, &limits, budget)?;
    let inputs = runnable
        .inputs
        .iter()
        .map(|(key, (value, spec))| {
            let TypeAttr::Data(dtype) = spec.dtype else {
                return Err(Error::unimplemented(format!(
                    "input '{key}' has type {}",
                    spec.dtype
                )));
            };
            Ok(Input {
                key: key.clone(),
                value: *value,
                dtype,
                shape: spec.shape.clone(),
                required: true,
            })
        })
        .collect::<ward_tensor::Result<Vec<_>>>()?;
    let outputs = runnable
        .outputs
        .iter()
        .map(|(k, v, _)| (k.clone(), *v))
        .collect();
    Ok(Prepared {
        model: runnable.model,
        inputs,
        outputs,
    })
}

/// Checks a fed tensor against the input's declared dtype and shape.
fn check_feed(input: &Input, tensor: Tensor) -> ward_tensor::Result<Tensor> {
    let in_input = |e: Error| e.with(Frame::Note(format!("input '{}'", input.key)));
    if tensor.dtype() != input.dtype {
        return Err(in_input(Error::invalid_argument(format!(
            "expected {} but the value is {}",
            input.dtype,
            tensor.dtype()
        ))));
    }
    if !input.shape.accepts(tensor.dims()) {
        return Err(in_input(Error::invalid_argument(format!(
            "expected shape {} but the value has shape {}",
            input.shape,
            tensor.shape()
        ))));
    }
    Ok(tensor)
}

fn write_outputs(args: &RunArgs, names: &[&str], results: &[Tensor]) -> Result<(), Failure> {
    std::fs::create_dir_all(&args.outdir)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", args.outdir.display())))?;
    for (name, tensor) in names.iter().zip(results) {
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

/// The scan `ward scan` would run, restricted to what this run executes:
/// the chosen signature (init ops are never run by ward) or the fetched
/// tensors. Failing findings refuse the run.
fn gate(args: &ModelArgs, policy: &ward_audit::Policy) -> Result<(), Failure> {
    let limits = ward_audit::ScanLimits {
        max_model_bytes: args.max_model_bytes,
        memory_bytes: args.memory_limit,
        ..Default::default()
    };
    let mut target = match (&args.graph, &args.dir) {
        (Some(graph), None) => {
            let mut target = ward_audit::graph_def_target(graph, &limits)?;
            let fetches = args
                .outputs
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let roots = fetches
                .map(|f| target.model.graph.resolve_tensor(f).map(|v| v.node))
                .collect::<ward_tensor::Result<Vec<_>>>()?;
            for entry in &mut target.entries {
                entry.roots.clone_from(&roots);
                entry.label = "the fetched tensors".into();
            }
            target
        }
        (None, Some(dir)) => ward_audit::saved_model_target(dir, &args.tag_set, &limits)?,
        _ => {
            return Err(Failure::Usage(
                "give either --dir DIR (SavedModel) or --graph FILE.pb".into(),
            ));
        }
    };
    let signature = format!("signature '{}'", args.signature_def);
    if args.dir.is_some() {
        target.entries.retain(|e| e.label == signature);
        let wanted = format!("of signature '{}'", args.signature_def);
        target.inputs.retain(|i| i.label.ends_with(&wanted));
    }
    let report = ward_audit::scan(&target, policy, &limits)?;
    if report.failing == 0 {
        return Ok(());
    }
    let failing: Vec<String> = report
        .findings
        .iter()
        .filter(|f| ward_audit::fails(f, policy))
        .take(3)
        .map(|f| format!("[{}] {}", f.kind, f.message))
        .collect();
    Err(Error::permission_denied(format!(
        "the scan refused this model ({} failing finding(s): {}{}); see `ward scan`, or allow them with --policy",
        report.failing,
        failing.join("; "),
        if report.failing > 3 { "; ..." } else { "" }
    ))
    .into())
}
