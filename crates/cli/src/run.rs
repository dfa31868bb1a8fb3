//! `ward run`: run a model on given inputs and write its outputs as .npy.

use crate::Failure;
use crate::args::{parse_bytes, parse_duration};
use crate::inputs::{literal_tensor, parse_expr_inputs, parse_file_inputs, read_file_input};
use std::path::PathBuf;
use std::time::Duration;
use ward_exec::{ExecOptions, Executable, RunRequest};
use ward_graph::{AttrsExt, ValueRef};
use ward_tensor::npy::{read_file_capped, write_npy};
use ward_tensor::{Budget, Error, Limits, Tensor};

#[derive(clap::Args)]
pub struct RunArgs {
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
    /// Inputs from files: 'key=x.npy;key2=y.npz[name]'. For --graph, keys are tensor names such as 'x:0'.
    #[arg(long)]
    pub inputs: Option<String>,
    /// Inputs as literals: 'key=[[1.0,2.0]]'.
    #[arg(long = "input_exprs")]
    pub input_exprs: Option<String>,
    /// Tensors to fetch, comma-separated (required with --graph), e.g. 'Identity:0'.
    #[arg(long)]
    pub outputs: Option<String>,
    /// Directory for the outputs, one .npy per output.
    #[arg(long)]
    pub outdir: PathBuf,
    /// Replace output files that already exist.
    #[arg(long)]
    pub overwrite: bool,
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
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let Some(graph_path) = &args.graph else {
        if args.dir.is_some() {
            return Err(Error::unimplemented(
                "SavedModel directories are not supported yet; use --graph with a frozen GraphDef",
            )
            .into());
        }
        return Err(Failure::Usage("give --graph FILE.pb (or --dir DIR)".into()));
    };
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
    let file_inputs = args
        .inputs
        .as_deref()
        .map(parse_file_inputs)
        .transpose()?
        .unwrap_or_default();
    let expr_inputs = args
        .input_exprs
        .as_deref()
        .map(parse_expr_inputs)
        .transpose()?
        .unwrap_or_default();

    let budget = Budget::new(&Limits {
        memory_bytes: args.memory_limit,
        timeout: Some(args.timeout),
        max_loop_iterations: args.max_loop_iterations,
    });
    let bytes = read_file_capped(graph_path, args.max_model_bytes)?;
    let model = ward_tf::load_graph_def(&bytes, args.max_model_bytes, &budget)?;
    drop(bytes);
    let exe = Executable::new(
        model,
        ward_ops::registry(),
        &ExecOptions {
            threads: args.threads,
            ..Default::default()
        },
    )?;
    let graph = exe.graph();

    let mut feeds: Vec<(ValueRef, Tensor)> = Vec::new();
    let mut feed = |key: &str,
                    make: &dyn Fn(&ward_graph::Node) -> ward_tensor::Result<Tensor>|
     -> Result<(), Failure> {
        let value = graph.resolve_tensor(key)?;
        let node = graph.node(value.node)?;
        if node.op != "Placeholder" && node.op != "PlaceholderWithDefault" {
            return Err(Error::invalid_argument(format!(
                "input '{key}' is not a placeholder (op {})",
                node.op
            ))
            .into());
        }
        let tensor =
            make(node).map_err(|e| e.with(ward_tensor::Frame::Note(format!("input '{key}'"))))?;
        check_feed(node, &tensor)
            .map_err(|e| e.with(ward_tensor::Frame::Note(format!("input '{key}'"))))?;
        feeds.push((value, tensor));
        Ok(())
    };
    for input in &file_inputs {
        feed(&input.key, &|_| {
            read_file_input(input, args.memory_limit, &budget)
        })?;
    }
    for (key, literal) in &expr_inputs {
        feed(key, &|node| {
            literal_tensor(literal, node.attrs.dtype("dtype")?, &budget)
        })?;
    }
    let fetches = fetch_names
        .iter()
        .map(|name| graph.resolve_tensor(name))
        .collect::<ward_tensor::Result<Vec<_>>>()?;

    let results = exe.run(
        &budget,
        RunRequest {
            feeds,
            fetches,
            targets: Vec::new(),
        },
    )?;
    write_outputs(args, &fetch_names, &results)
}

/// Checks a fed tensor against the placeholder's declared dtype and shape.
fn check_feed(node: &ward_graph::Node, tensor: &Tensor) -> ward_tensor::Result<()> {
    let dtype = node.attrs.dtype("dtype")?;
    if tensor.dtype() != dtype {
        return Err(Error::invalid_argument(format!(
            "expected {dtype} but the value is {}",
            tensor.dtype()
        )));
    }
    if let Some(shape) = node.attrs.shape_attr("shape")?
        && !shape.accepts(tensor.dims())
    {
        return Err(Error::invalid_argument(format!(
            "expected shape {shape} but the value has shape {}",
            tensor.shape()
        )));
    }
    Ok(())
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
        println!(
            "{name}: {} {} -> {}",
            tensor.dtype(),
            tensor.shape(),
            file.display()
        );
    }
    Ok(())
}
