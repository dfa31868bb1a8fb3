//! `ward show`: what a model takes, returns and contains.

use crate::Failure;
use crate::args::parse_bytes;
use std::collections::BTreeMap;
use std::path::PathBuf;
use ward_graph::AttrsExt;
use ward_tensor::npy::read_file_capped;
use ward_tensor::{Budget, Error, Limits};

#[derive(clap::Args)]
pub struct ShowArgs {
    /// SavedModel directory.
    #[arg(long, conflicts_with = "graph")]
    pub dir: Option<PathBuf>,
    /// Frozen GraphDef (.pb).
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Also list every op type with its count.
    #[arg(long)]
    pub all: bool,
    /// Memory budget for decoding the model.
    #[arg(long, default_value = "4GiB", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Largest model file accepted.
    #[arg(long, default_value = "1GiB", value_parser = parse_bytes)]
    pub max_model_bytes: u64,
}

pub fn show(args: &ShowArgs) -> Result<(), Failure> {
    let Some(path) = &args.graph else {
        if args.dir.is_some() {
            return Err(Error::unimplemented(
                "SavedModel directories are not supported yet; use --graph",
            )
            .into());
        }
        return Err(Failure::Usage("give --graph FILE.pb (or --dir DIR)".into()));
    };
    let budget = Budget::new(&Limits {
        memory_bytes: args.memory_limit,
        ..Limits::default()
    });
    let bytes = read_file_capped(path, args.max_model_bytes)?;
    let model = ward_tf::load_graph_def(&bytes, args.max_model_bytes, &budget)?;
    ward_graph::validate_structure(&model, &ward_graph::GraphLimits::default())?;
    let graph = &model.graph;
    println!("The given GraphDef contains the following inputs:");
    for node in graph
        .nodes()
        .iter()
        .filter(|n| n.op == "Placeholder" || n.op == "PlaceholderWithDefault")
    {
        let dtype = node
            .attrs
            .type_attr("dtype")
            .map(|t| t.to_string())
            .unwrap_or_else(|_| "?".into());
        let shape = node
            .attrs
            .shape_attr("shape")
            .ok()
            .flatten()
            .map_or_else(|| "unknown_rank".into(), |s| s.to_string());
        println!("  inputs['{}:0'] dtype: {dtype} shape: {shape}", node.name);
    }
    let consumed: std::collections::HashSet<usize> = graph
        .nodes()
        .iter()
        .flat_map(|n| {
            n.inputs
                .iter()
                .map(|v| v.node)
                .chain(n.control_inputs.iter().copied())
        })
        .collect();
    println!("The given GraphDef contains the following outputs (nodes nothing reads):");
    for (id, node) in graph.nodes().iter().enumerate() {
        if !consumed.contains(&id) && node.op != "NoOp" {
            let dtype = node
                .attrs
                .type_attr("T")
                .map(|t| t.to_string())
                .unwrap_or_else(|_| "?".into());
            println!(
                "  outputs['{}:0'] op: {} dtype: {dtype}",
                node.name, node.op
            );
        }
    }
    println!("Nodes: {}  Functions: {}", graph.len(), model.library.len());
    if args.all {
        let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
        let bodies = model.library.values().flat_map(|f| f.body.nodes());
        for node in graph.nodes().iter().chain(bodies) {
            let slot = ops.entry(node.op.as_str()).or_default();
            *slot = slot.saturating_add(1);
        }
        println!("Ops:");
        let registry = ward_ops::registry();
        for (op, count) in ops {
            let note = if registry.get(op).is_some() {
                ""
            } else {
                "  (not supported by ward)"
            };
            println!("  {op:<32} {count}{note}");
        }
    }
    Ok(())
}
