//! SavedModel directories (TF1 and TF2): `saved_model.pb`, the MetaGraph
//! chosen by tag set, SignatureDefs, and variables bound to their values
//! from the `variables/` checkpoint — TF1 `VariableV2` by the saver's
//! restore graph, TF2 `VarHandleOp` through the object graph. Nothing that
//! runs at load (init ops) is executed, and assets are never read: both
//! are reported.

use crate::checkpoint::{Checkpoint, CheckpointLimits};
use crate::dtype::type_attr;
use crate::files::{DirFiles, ModelFiles};
use crate::graphdef::{check_size, import_graph_def};
use crate::proto::{self, MetaGraphDef, SavedModel, TrackableObjectGraph};
use crate::tensor_proto::partial_shape;
use prost::Message;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use ward_graph::{Attr, AttrsExt, Model, Node, NodeId, PartialShape, TypeAttr, ValueRef, prune};
use ward_tensor::{Budget, Error, Frame, Result, ResultExt, Tensor};

/// Size limits for loading a SavedModel.
#[derive(Debug, Clone)]
pub struct SavedModelLimits {
    pub max_graph_bytes: u64,
    pub checkpoint: CheckpointLimits,
}

impl Default for SavedModelLimits {
    fn default() -> Self {
        SavedModelLimits {
            max_graph_bytes: 1 << 30,
            checkpoint: CheckpointLimits::default(),
        }
    }
}

/// One input or output of a signature.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorSpec {
    /// Tensor name in the graph, e.g. `serving_default_x:0`.
    pub name: String,
    pub dtype: TypeAttr,
    pub shape: PartialShape,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub inputs: BTreeMap<String, TensorSpec>,
    pub outputs: BTreeMap<String, TensorSpec>,
    pub method_name: String,
}

/// Where a variable node's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct VariableBinding {
    pub node: String,
    pub op: String,
    pub checkpoint_key: String,
}

/// The checkpoint of a SavedModel, relative to its root.
const VARIABLES_PREFIX: &str = "variables/variables";

impl std::fmt::Debug for LoadedSavedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedSavedModel")
            .field("location", &self.location)
            .field("tags", &self.tags)
            .field("signatures", &self.signatures.keys().collect::<Vec<_>>())
            .field("variables", &self.variables.len())
            .finish()
    }
}

/// A loaded MetaGraph, variables not yet bound.
pub struct LoadedSavedModel {
    /// Where the model came from, for messages.
    pub location: String,
    files: Arc<dyn ModelFiles>,
    pub tags: Vec<String>,
    pub model: Model,
    pub signatures: BTreeMap<String, Signature>,
    /// Ops that TensorFlow would run at load (`__saved_model_init_op`,
    /// `main_op`, `legacy_init_op`): reported, never run.
    pub init_ops: Vec<String>,
    /// Asset files the model declares: reported, never read.
    pub assets: Vec<String>,
    pub variables: Vec<VariableBinding>,
    pub tensorflow_version: String,
}

/// A signature ready to execute: the pruned model with variables bound,
/// and where each input and output lives in it.
#[derive(Debug)]
pub struct RunnableSignature {
    pub model: Model,
    pub inputs: BTreeMap<String, (ValueRef, TensorSpec)>,
    pub outputs: Vec<(String, ValueRef, TensorSpec)>,
}

/// Reads and decodes `saved_model.pb` (size-capped) from a directory.
pub fn read_saved_model(dir: &Path, limits: &SavedModelLimits) -> Result<SavedModel> {
    read_saved_model_in(&DirFiles::new(dir), limits)
}

/// Reads and decodes `saved_model.pb` (size-capped) from a model's files.
pub fn read_saved_model_in(
    files: &dyn ModelFiles,
    limits: &SavedModelLimits,
) -> Result<SavedModel> {
    let with_path = |e: Error| e.with(Frame::File(files.describe("saved_model.pb")));
    let bytes = files
        .read("saved_model.pb", limits.max_graph_bytes)
        .map_err(with_path)?;
    check_size(&bytes, limits.max_graph_bytes, "saved_model.pb").map_err(with_path)?;
    SavedModel::decode(bytes.as_slice()).map_err(|e| {
        with_path(Error::invalid_argument(format!(
            "cannot decode SavedModel: {e}"
        )))
    })
}

/// Tag sets of every MetaGraph, each sorted.
pub fn tag_sets(saved: &SavedModel) -> Vec<Vec<String>> {
    saved
        .meta_graphs
        .iter()
        .map(|m| {
            let mut tags = m
                .meta_info_def
                .as_ref()
                .map(|i| i.tags.clone())
                .unwrap_or_default();
            tags.sort();
            tags
        })
        .collect()
}

/// The MetaGraph whose tag set equals `tags` (comma-separated).
pub fn select_meta_graph<'a>(saved: &'a SavedModel, tags: &str) -> Result<&'a MetaGraphDef> {
    let wanted: BTreeSet<&str> = tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    saved
        .meta_graphs
        .iter()
        .find(|m| {
            let have: BTreeSet<&str> = m
                .meta_info_def
                .iter()
                .flat_map(|i| i.tags.iter().map(String::as_str))
                .collect();
            have == wanted
        })
        .ok_or_else(|| {
            let available: Vec<String> = tag_sets(saved).iter().map(|t| t.join(",")).collect();
            Error::not_found(format!(
                "no MetaGraph with tag set '{tags}'; available: {}",
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(" | ")
                }
            ))
        })
}

fn tensor_spec(info: &proto::TensorInfo) -> Result<TensorSpec> {
    let name = match &info.encoding {
        Some(proto::tensor_info::Encoding::Name(n)) => n.clone(),
        None => {
            return Err(Error::unimplemented(
                "sparse and composite signature tensors are not supported",
            ));
        }
    };
    Ok(TensorSpec {
        name,
        dtype: type_attr(info.dtype),
        shape: info
            .tensor_shape
            .as_ref()
            .map(partial_shape)
            .transpose()?
            .unwrap_or_default(),
    })
}

/// The signatures of a MetaGraph (including `__saved_model_init_op`).
pub fn signatures(meta: &MetaGraphDef) -> Result<BTreeMap<String, Signature>> {
    meta.signature_def
        .iter()
        .map(|(key, sig)| {
            let convert =
                |m: &BTreeMap<String, proto::TensorInfo>| -> Result<BTreeMap<String, TensorSpec>> {
                    m.iter()
                        .map(|(k, v)| Ok((k.clone(), tensor_spec(v)?)))
                        .collect()
                };
            let signature = Signature {
                inputs: convert(&sig.inputs)?,
                outputs: convert(&sig.outputs)?,
                method_name: sig.method_name.clone(),
            };
            Ok((key.clone(), signature))
        })
        .collect::<Result<_>>()
        .ctx(Frame::Note("signatures".into()))
}

/// What TensorFlow runs when it loads this MetaGraph: the init signature's
/// outputs and the init collections of TF1 models.
pub fn init_ops(meta: &MetaGraphDef, signatures: &BTreeMap<String, Signature>) -> Vec<String> {
    let mut init_ops = Vec::new();
    if let Some(init) = signatures.get("__saved_model_init_op") {
        init_ops.extend(init.outputs.values().map(|s| s.name.clone()));
    }
    for key in [
        "saved_model_main_op",
        "main_op",
        "legacy_init_op",
        "saved_model_legacy_init_op",
        "table_initializer",
    ] {
        if let Some(proto::collection_def::Kind::NodeList(list)) =
            meta.collection_def.get(key).and_then(|c| c.kind.as_ref())
        {
            init_ops.extend(list.value.iter().cloned());
        }
    }
    init_ops.sort();
    init_ops.dedup();
    init_ops
}

/// Loads the MetaGraph with tag set `tags` from a SavedModel directory.
pub fn load_saved_model(
    dir: &Path,
    tags: &str,
    limits: &SavedModelLimits,
    budget: &Budget,
) -> Result<LoadedSavedModel> {
    load_saved_model_in(
        Arc::new(DirFiles::new(dir)),
        &dir.display().to_string(),
        tags,
        limits,
        budget,
    )
}

/// Loads the MetaGraph with tag set `tags` from a SavedModel's files
/// (on disk or in memory).
pub fn load_saved_model_in(
    files: Arc<dyn ModelFiles>,
    location: &str,
    tags: &str,
    limits: &SavedModelLimits,
    budget: &Budget,
) -> Result<LoadedSavedModel> {
    let saved = read_saved_model_in(files.as_ref(), limits)?;
    let meta = select_meta_graph(&saved, tags)?;
    let graph_def = meta
        .graph_def
        .as_ref()
        .ok_or_else(|| Error::invalid_argument("MetaGraph has no graph"))?;
    let model = import_graph_def(graph_def, budget)?;
    let signatures = signatures(meta)?;
    let init_ops = init_ops(meta, &signatures);
    let assets = meta
        .asset_file_def
        .iter()
        .map(|a| a.filename.clone())
        .collect();
    let variables = bind_variables(&model, meta, files.as_ref(), limits, budget)?;
    Ok(LoadedSavedModel {
        location: location.to_string(),
        files,
        tags: meta
            .meta_info_def
            .as_ref()
            .map(|i| i.tags.clone())
            .unwrap_or_default(),
        model,
        signatures,
        init_ops,
        assets,
        variables,
        tensorflow_version: meta
            .meta_info_def
            .as_ref()
            .map(|i| i.tensorflow_version.clone())
            .unwrap_or_default(),
    })
}

fn is_variable_op(op: &str) -> bool {
    matches!(op, "VariableV2" | "Variable" | "VarHandleOp")
}

/// Finds the checkpoint key of every variable node in the top-level graph.
fn bind_variables(
    model: &Model,
    meta: &MetaGraphDef,
    files: &dyn ModelFiles,
    limits: &SavedModelLimits,
    budget: &Budget,
) -> Result<Vec<VariableBinding>> {
    let graph = &model.graph;
    let variables: Vec<&Node> = graph
        .nodes()
        .iter()
        .filter(|n| is_variable_op(&n.op))
        .collect();
    if variables.is_empty() {
        return Ok(Vec::new());
    }
    let mut keys: HashMap<String, String> = restore_graph_keys(model);
    if variables.iter().any(|n| n.op == "VarHandleOp") {
        keys.extend(object_graph_keys(model, meta, files, limits, budget)?);
    }
    Ok(variables
        .iter()
        .filter_map(|n| {
            keys.get(&n.name).map(|key| VariableBinding {
                node: n.name.clone(),
                op: n.op.clone(),
                checkpoint_key: key.clone(),
            })
        })
        .collect())
}

/// TF1: `Assign(variable, RestoreV2:i)` in the saver's restore graph names
/// the checkpoint key of each variable (`tensor_names[i]`).
fn restore_graph_keys(model: &Model) -> HashMap<String, String> {
    let graph = &model.graph;
    let mut keys = HashMap::new();
    for node in graph.nodes().iter().filter(|n| n.op == "Assign") {
        let (Some(target), Some(value)) = (node.inputs.first(), node.inputs.get(1)) else {
            continue;
        };
        let Ok(variable) = graph.node(target.node) else {
            continue;
        };
        // Follow Identity nodes back to RestoreV2.
        let mut source = *value;
        for _ in 0..16 {
            match graph.node(source.node) {
                Ok(n) if n.op == "Identity" => match n.inputs.first() {
                    Some(v) => source = *v,
                    None => break,
                },
                _ => break,
            }
        }
        let Ok(restore) = graph.node(source.node) else {
            continue;
        };
        if restore.op != "RestoreV2" {
            continue;
        }
        let Some(names_input) = restore.inputs.get(1) else {
            continue;
        };
        let Ok(names_node) = graph.node(names_input.node) else {
            continue;
        };
        let Ok(names) = names_node.attrs.tensor("value") else {
            continue;
        };
        if let Some(key) = names.as_strings().ok().and_then(|s| s.get(source.output)) {
            keys.insert(
                variable.name.clone(),
                String::from_utf8_lossy(key).to_string(),
            );
        }
    }
    // Without a restore graph, TF1 savers key variables by their node name.
    for node in graph
        .nodes()
        .iter()
        .filter(|n| n.op == "VariableV2" || n.op == "Variable")
    {
        keys.entry(node.name.clone())
            .or_insert_with(|| node.name.clone());
    }
    keys
}

/// TF2: SavedObjectGraph node i is a SavedVariable; the checkpoint's
/// TrackableObjectGraph node i holds its `VARIABLE_VALUE` key. The graph's
/// VarHandleOp whose `shared_name` is the variable's name is its handle.
fn object_graph_keys(
    model: &Model,
    meta: &MetaGraphDef,
    files: &dyn ModelFiles,
    limits: &SavedModelLimits,
    budget: &Budget,
) -> Result<HashMap<String, String>> {
    let Some(objects) = &meta.object_graph_def else {
        return Ok(HashMap::new());
    };
    let checkpoint = Checkpoint::open_in(files, VARIABLES_PREFIX, &limits.checkpoint)?;
    let serialized = checkpoint.read(files, &["_CHECKPOINTABLE_OBJECT_GRAPH"], budget)?;
    let bytes = serialized
        .first()
        .and_then(|t| t.as_strings().ok())
        .and_then(|s| s.first())
        .ok_or_else(|| Error::data_loss("checkpoint object graph is empty"))?;
    let trackable = TrackableObjectGraph::decode(bytes.as_slice())
        .map_err(|e| Error::data_loss(format!("cannot decode the checkpoint object graph: {e}")))?;
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for (i, object) in objects.nodes.iter().enumerate() {
        let Some(proto::saved_object::Kind::Variable(variable)) = &object.kind else {
            continue;
        };
        let key = trackable
            .nodes
            .get(i)
            .and_then(|t| t.attributes.iter().find(|a| a.name == "VARIABLE_VALUE"))
            .map(|a| a.checkpoint_key.clone());
        if let Some(key) = key {
            by_name.entry(variable.name.clone()).or_default().push(key);
        }
    }
    let mut keys = HashMap::new();
    for node in model.graph.nodes().iter().filter(|n| n.op == "VarHandleOp") {
        let shared = node.attrs.str_or("shared_name", "").unwrap_or_default();
        let shared = if shared.is_empty() {
            node.name.clone()
        } else {
            shared
        };
        if let Some([key]) = by_name.get(&shared).map(Vec::as_slice) {
            keys.insert(node.name.clone(), key.clone());
        }
    }
    Ok(keys)
}

impl LoadedSavedModel {
    /// Init ops that would do something in TF (anything but a bare NoOp).
    pub fn nontrivial_init_ops(&self) -> Vec<&str> {
        self.init_ops
            .iter()
            .filter(|name| {
                let node = ward_graph::split_tensor_name(name)
                    .ok()
                    .and_then(|(n, _)| self.model.graph.find(n))
                    .and_then(|id| self.model.graph.node(id).ok());
                !node.is_some_and(|n| {
                    n.op == "NoOp" && n.inputs.is_empty() && n.control_inputs.is_empty()
                })
            })
            .map(String::as_str)
            .collect()
    }

    /// Prunes the graph to one signature and binds the variables it reads
    /// to their checkpoint values (as constants: ward runs inference only).
    pub fn runnable(
        &self,
        signature_key: &str,
        limits: &SavedModelLimits,
        budget: &Budget,
    ) -> Result<RunnableSignature> {
        if signature_key == "__saved_model_init_op" {
            return Err(Error::permission_denied(
                "the init op signature is never run by ward",
            ));
        }
        let signature = self.signatures.get(signature_key).ok_or_else(|| {
            let keys: Vec<&str> = self
                .signatures
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "__saved_model_init_op")
                .collect();
            Error::not_found(format!(
                "no signature '{signature_key}'; available: {}",
                keys.join(", ")
            ))
        })?;
        let graph = &self.model.graph;
        let resolve = |spec: &TensorSpec, kind: &str, key: &str| {
            graph.resolve_tensor(&spec.name).map_err(|e| {
                e.with(Frame::Note(format!(
                    "signature '{signature_key}' {kind} '{key}'"
                )))
            })
        };
        let mut roots = Vec::new();
        let mut outputs = Vec::new();
        for (key, spec) in &signature.outputs {
            let value = resolve(spec, "output", key)?;
            roots.push(value.node);
            outputs.push((key.clone(), value, spec.clone()));
        }
        let mut inputs = BTreeMap::new();
        for (key, spec) in &signature.inputs {
            let value = resolve(spec, "input", key)?;
            inputs.insert(key.clone(), (value, spec.clone()));
        }
        let (mut model, map) = prune(&self.model, &roots)?;
        let remap = |v: ValueRef| {
            map.get(v.node)
                .copied()
                .flatten()
                .map(|n| ValueRef::new(n, v.output))
        };
        let outputs = outputs
            .into_iter()
            .map(|(k, v, s)| {
                remap(v)
                    .map(|v| (k, v, s))
                    .ok_or_else(|| Error::internal("pruned away an output"))
            })
            .collect::<Result<Vec<_>>>()?;
        // Inputs the outputs do not depend on are dropped, as TF does.
        let inputs = inputs
            .into_iter()
            .filter_map(|(k, (v, s))| remap(v).map(|v| (k, (v, s))))
            .collect();
        self.bind_constants(&mut model, limits, budget)?;
        Ok(RunnableSignature {
            model,
            inputs,
            outputs,
        })
    }

    /// Replaces each variable node of the pruned graph with a constant
    /// holding its checkpoint value, checking dtype and shape.
    fn bind_constants(
        &self,
        model: &mut Model,
        limits: &SavedModelLimits,
        budget: &Budget,
    ) -> Result<()> {
        let needed: Vec<(NodeId, &VariableBinding)> = model
            .graph
            .nodes()
            .iter()
            .enumerate()
            .filter(|(_, n)| is_variable_op(&n.op))
            .map(|(id, n)| {
                self.variables
                    .iter()
                    .find(|b| b.node == n.name)
                    .map(|b| (id, b))
                    .ok_or_else(|| {
                        Error::failed_precondition("variable has no value in the checkpoint")
                            .at_node(&n.name, &n.op)
                    })
            })
            .collect::<Result<_>>()?;
        if needed.is_empty() {
            return Ok(());
        }
        let checkpoint =
            Checkpoint::open_in(self.files.as_ref(), VARIABLES_PREFIX, &limits.checkpoint)?;
        let keys: Vec<&str> = needed
            .iter()
            .map(|(_, b)| b.checkpoint_key.as_str())
            .collect();
        let values = checkpoint.read(self.files.as_ref(), &keys, budget)?;
        for ((id, binding), value) in needed.into_iter().zip(values) {
            let node = model.graph.node_mut(id)?;
            check_variable(node, &value).at_node(&binding.node, &binding.op)?;
            let mut constant = Node::new(node.name.clone(), "Const");
            constant.control_inputs = std::mem::take(&mut node.control_inputs);
            constant
                .attrs
                .insert("dtype".into(), Attr::Type(TypeAttr::Data(value.dtype())));
            constant.attrs.insert("value".into(), Attr::Tensor(value));
            // Recorded so later passes (the scanner) know where it came from.
            constant.attrs.insert(
                "_ward_variable".into(),
                Attr::Str(binding.checkpoint_key.clone().into_bytes()),
            );
            *node = constant;
        }
        Ok(())
    }
}

/// The checkpoint value must have the variable's declared dtype and shape.
fn check_variable(node: &Node, value: &Tensor) -> Result<()> {
    let dtype = node.attrs.dtype("dtype")?;
    if value.dtype() != dtype {
        return Err(Error::invalid_argument(format!(
            "checkpoint value is {} but the variable is {dtype}",
            value.dtype()
        )));
    }
    if let Some(shape) = node.attrs.shape_attr("shape")?
        && !shape.accepts(value.dims())
    {
        return Err(Error::invalid_argument(format!(
            "checkpoint value has shape {} but the graph declares {shape}",
            value.shape()
        )));
    }
    Ok(())
}
