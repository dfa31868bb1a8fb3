//! `ward show`: what a model takes, returns and contains.

use crate::Failure;
use crate::args::parse_bytes;
use std::collections::BTreeMap;
use std::path::PathBuf;
use ward_graph::AttrsExt;
use ward_tensor::npy::read_file_capped;
use ward_tensor::{Budget, Limits};
use ward_tf::dtype::tf_name;
use ward_tf::saved_model::{
    SavedModelLimits, Signature, TensorSpec, read_saved_model, select_meta_graph, signatures,
    tag_sets,
};

#[derive(clap::Args)]
pub struct ShowArgs {
    /// SavedModel directory.
    #[arg(long, conflicts_with = "graph")]
    pub dir: Option<PathBuf>,
    /// Frozen GraphDef (.pb).
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Tensor-bundle checkpoint prefix (e.g. DIR/variables/variables): list its tensors.
    #[arg(long, conflicts_with_all = ["graph", "dir"])]
    pub checkpoint: Option<PathBuf>,
    /// Tag set of the MetaGraph to show (SavedModel), comma-separated.
    #[arg(long = "tag_set")]
    pub tag_set: Option<String>,
    /// Signature to show in detail (SavedModel; needs --tag_set).
    #[arg(long = "signature_def")]
    pub signature_def: Option<String>,
    /// Show everything: every MetaGraph and signature (SavedModel), or every op type with its count (GraphDef).
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
    if let Some(prefix) = &args.checkpoint {
        return show_checkpoint(prefix);
    }
    if let Some(dir) = &args.dir {
        return show_saved_model(args, dir);
    }
    let Some(path) = &args.graph else {
        return Err(Failure::Usage(
            "give --dir DIR, --graph FILE.pb or --checkpoint PREFIX".into(),
        ));
    };
    let budget = Budget::new(&Limits {
        memory_bytes: args.memory_limit,
        ..Limits::default()
    });
    let bytes = read_file_capped(path, args.max_model_bytes)?;
    let model = ward_tf::load_graph_def(&bytes, args.max_model_bytes, &budget)?;
    ward_graph::validate_structure(&model, &ward_graph::GraphLimits::default())?;
    let graph = &model.graph;
    say!("The given GraphDef contains the following inputs:");
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
        say!("  inputs['{}:0'] dtype: {dtype} shape: {shape}", node.name);
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
    say!("The given GraphDef contains the following outputs (nodes nothing reads):");
    for (id, node) in graph.nodes().iter().enumerate() {
        if !consumed.contains(&id) && node.op != "NoOp" {
            let dtype = node
                .attrs
                .type_attr("T")
                .map(|t| t.to_string())
                .unwrap_or_else(|_| "?".into());
            say!(
                "  outputs['{}:0'] op: {} dtype: {dtype}",
                node.name,
                node.op
            );
        }
    }
    say!("Nodes: {}  Functions: {}", graph.len(), model.library.len());
    if args.all {
        let mut ops: BTreeMap<&str, usize> = BTreeMap::new();
        let bodies = model.library.values().flat_map(|f| f.body.nodes());
        for node in graph.nodes().iter().chain(bodies) {
            let slot = ops.entry(node.op.as_str()).or_default();
            *slot = slot.saturating_add(1);
        }
        say!("Ops:");
        let registry = ward_ops::registry();
        for (op, count) in ops {
            let note = if registry.get(op).is_some() {
                ""
            } else {
                "  (not supported by ward)"
            };
            say!("  {op:<32} {count}{note}");
        }
    }
    Ok(())
}

fn show_checkpoint(prefix: &std::path::Path) -> Result<(), Failure> {
    let (checkpoint, _) = ward_tf::checkpoint::Checkpoint::open(prefix, &Default::default())?;
    say!("The given checkpoint contains the following tensors:");
    for entry in checkpoint.entries() {
        let dims: Vec<String> = entry.shape.iter().map(|d| d.to_string()).collect();
        say!(
            "  {} dtype: {} shape: [{}]",
            entry.name,
            tf_name(entry.dtype),
            dims.join(", ")
        );
    }
    Ok(())
}

fn shape_text(spec: &TensorSpec) -> String {
    match spec.shape.dims() {
        None => "unknown_rank".to_string(),
        Some(_) => spec.shape.to_string(),
    }
}

/// Prints a signature the way saved_model_cli does.
fn print_signature(signature: &Signature, indent: &str) {
    let print_tensors = |kind: &str, tensors: &std::collections::BTreeMap<String, TensorSpec>| {
        say!("{indent}The given SavedModel SignatureDef contains the following {kind}(s):");
        for (key, spec) in tensors {
            say!("{indent}  {kind}s['{key}'] tensor_info:");
            say!("{indent}      dtype: {}", tf_name(spec.dtype));
            say!("{indent}      shape: {}", shape_text(spec));
            say!("{indent}      name: {}", spec.name);
        }
    };
    print_tensors("input", &signature.inputs);
    print_tensors("output", &signature.outputs);
    say!("{indent}Method name is: {}", signature.method_name);
}

fn show_saved_model(args: &ShowArgs, dir: &std::path::Path) -> Result<(), Failure> {
    let limits = SavedModelLimits {
        max_graph_bytes: args.max_model_bytes,
        ..SavedModelLimits::default()
    };
    let saved = read_saved_model(dir, &limits)?;
    if args.all {
        for tags in tag_sets(&saved) {
            let tags = tags.join(",");
            let meta = select_meta_graph(&saved, &tags)?;
            say!("\nMetaGraphDef with tag-set: '{tags}' contains the following SignatureDefs:");
            for (key, signature) in signatures(meta)? {
                say!("\nsignature_def['{key}']:");
                print_signature(&signature, "  ");
            }
            let budget = Budget::new(&Limits {
                memory_bytes: args.memory_limit,
                ..Limits::default()
            });
            let loaded = ward_tf::saved_model::load_saved_model(dir, &tags, &limits, &budget)?;
            say!("\nward: TensorFlow version {}", loaded.tensorflow_version);
            for op in &loaded.init_ops {
                say!("ward: runs at load in TensorFlow (never run by ward): {op}");
            }
            for asset in &loaded.assets {
                say!("ward: asset (never read by ward): {asset}");
            }
            for v in &loaded.variables {
                say!(
                    "ward: variable {} ({}) <- checkpoint '{}'",
                    v.node,
                    v.op,
                    v.checkpoint_key
                );
            }
        }
        return Ok(());
    }
    let Some(tags) = &args.tag_set else {
        if args.signature_def.is_some() {
            return Err(Failure::Usage("--signature_def needs --tag_set".into()));
        }
        say!("The given SavedModel contains the following tag-sets:");
        for tags in tag_sets(&saved) {
            say!("'{}'", tags.join(","));
        }
        return Ok(());
    };
    let meta = select_meta_graph(&saved, tags)?;
    let all = signatures(meta)?;
    match &args.signature_def {
        None => {
            say!(
                "The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:"
            );
            for key in all.keys() {
                say!("SignatureDef key: \"{key}\"");
            }
        }
        Some(key) => {
            let signature = all.get(key).ok_or_else(|| {
                ward_tensor::Error::not_found(format!(
                    "no signature '{key}' in the MetaGraph with tag set '{tags}'"
                ))
            })?;
            print_signature(signature, "");
        }
    }
    Ok(())
}
