//! `ward scan`: audits a model before anything runs it. Every op is
//! classified by capability (fail closed: unknown ops are findings),
//! everything reachable from each signature and from what runs at load is
//! followed through every function reference, and a data-flow analysis
//! follows checkpoint variables and signature inputs to control predicates,
//! allocation sizes, loop conditions and file paths. `ward run` applies the
//! same gate before it executes.

mod analysis;
pub mod capability;
pub mod policy;
mod report;

pub use analysis::{Analysis, EntryPoint, InputSource};
pub use policy::{Policy, Severity};
pub use report::{Finding, OpCount, Report, SourceRef, fails};

use std::path::Path;
use ward_graph::{GraphLimits, Model, split_tensor_name, validate_structure};
use ward_tensor::npy::read_file_capped;
use ward_tensor::{Budget, Error, Limits, Result};
use ward_tf::files::{DirFiles, ModelFiles};
use ward_tf::saved_model::{
    SavedModelLimits, init_ops, read_saved_model_in, select_meta_graph, signatures,
};

/// Limits for parsing a model during a scan.
#[derive(Debug, Clone)]
pub struct ScanLimits {
    pub max_model_bytes: u64,
    pub memory_bytes: u64,
    pub graph: GraphLimits,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_model_bytes: 1 << 30,
            memory_bytes: 4 << 30,
            graph: GraphLimits::default(),
        }
    }
}

/// What a scan looks at: the model and where execution can start.
pub struct ScanTarget {
    pub label: String,
    pub model: Model,
    pub entries: Vec<EntryPoint>,
    pub inputs: Vec<InputSource>,
}

fn node_of(model: &Model, tensor: &str) -> Result<usize> {
    let (name, _) = split_tensor_name(tensor)?;
    model
        .graph
        .find(name)
        .ok_or_else(|| Error::not_found(format!("'{tensor}' names a missing node")))
}

/// Loads a SavedModel's MetaGraph for scanning (no variable values needed).
pub fn saved_model_target(dir: &Path, tag_set: &str, limits: &ScanLimits) -> Result<ScanTarget> {
    saved_model_target_in(
        &DirFiles::new(dir),
        &dir.display().to_string(),
        tag_set,
        limits,
    )
}

/// Like [`saved_model_target`], from a SavedModel's files on disk or in memory.
pub fn saved_model_target_in(
    files: &dyn ModelFiles,
    label: &str,
    tag_set: &str,
    limits: &ScanLimits,
) -> Result<ScanTarget> {
    let sm_limits = SavedModelLimits {
        max_graph_bytes: limits.max_model_bytes,
        ..SavedModelLimits::default()
    };
    let saved = read_saved_model_in(files, &sm_limits)?;
    let meta = select_meta_graph(&saved, tag_set)?;
    let graph_def = meta
        .graph_def
        .as_ref()
        .ok_or_else(|| Error::invalid_argument("MetaGraph has no graph"))?;
    let budget = Budget::new(&Limits {
        memory_bytes: limits.memory_bytes,
        ..Limits::default()
    });
    let model = ward_tf::import_graph_def(graph_def, &budget)?;
    let sigs = signatures(meta)?;
    let mut entries = Vec::new();
    let mut inputs = Vec::new();
    for (key, sig) in sigs
        .iter()
        .filter(|(k, _)| k.as_str() != "__saved_model_init_op")
    {
        let roots = sig
            .outputs
            .values()
            .map(|s| node_of(&model, &s.name))
            .collect::<Result<Vec<_>>>()?;
        entries.push(EntryPoint {
            label: format!("signature '{key}'"),
            roots,
            load_time: false,
        });
        for (input, spec) in &sig.inputs {
            let value = model.graph.resolve_tensor(&spec.name)?;
            inputs.push(InputSource {
                value,
                label: format!("input '{input}' of signature '{key}'"),
            });
        }
    }
    for op in init_ops(meta, &sigs) {
        let root = node_of(&model, &op)?;
        entries.push(EntryPoint {
            label: format!("init op '{op}' (runs at load)"),
            roots: vec![root],
            load_time: true,
        });
    }
    Ok(ScanTarget {
        label: label.to_string(),
        model,
        entries,
        inputs,
    })
}

/// Loads a frozen GraphDef for scanning: any node may be fetched, and
/// every placeholder is an input.
pub fn graph_def_target(path: &Path, limits: &ScanLimits) -> Result<ScanTarget> {
    let bytes = read_file_capped(path, limits.max_model_bytes)?;
    graph_def_target_bytes(&bytes, &path.display().to_string(), limits)
}

/// Like [`graph_def_target`], from the serialized GraphDef.
pub fn graph_def_target_bytes(
    bytes: &[u8],
    label: &str,
    limits: &ScanLimits,
) -> Result<ScanTarget> {
    let budget = Budget::new(&Limits {
        memory_bytes: limits.memory_bytes,
        ..Limits::default()
    });
    let model = ward_tf::load_graph_def(bytes, limits.max_model_bytes, &budget)?;
    let roots = (0..model.graph.len()).collect();
    let inputs = model
        .graph
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.op == "Placeholder" || n.op == "PlaceholderWithDefault")
        .map(|(id, n)| InputSource {
            value: ward_graph::ValueRef::new(id, 0),
            label: format!("placeholder '{}'", n.name),
        })
        .collect();
    let entries = vec![EntryPoint {
        label: "graph (any node may be fetched)".into(),
        roots,
        load_time: false,
    }];
    Ok(ScanTarget {
        label: label.to_string(),
        model,
        entries,
        inputs,
    })
}

/// Scans a loaded target under a policy.
pub fn scan(target: &ScanTarget, policy: &Policy, limits: &ScanLimits) -> Result<Report> {
    validate_structure(&target.model, &limits.graph)?;
    let analysis = Analysis::new(&target.model, &target.inputs)?;
    let findings = analysis.findings(&target.entries, policy);
    let inventory = analysis
        .inventory()
        .into_iter()
        .map(|(op, (capability, count))| OpCount {
            op,
            capability: capability.name().to_string(),
            count,
        })
        .collect();
    let entries = target.entries.iter().map(|e| e.label.clone()).collect();
    Ok(Report::new(
        target.label.clone(),
        entries,
        findings,
        inventory,
        policy,
    ))
}
