//! The scanner's analyses over the IR: reachability from every entry point
//! (signatures and what runs at load) through every function reference,
//! and a data-flow (taint) analysis from checkpoint variables and signature
//! inputs to control predicates, allocation sizes, loop conditions and file
//! paths. Values are tracked apart from shapes: `Shape`, `Size`, `Rank` and
//! friends produce values that depend only on their input's shape.

use crate::capability::{classify, is_effectful};
use crate::policy::{Policy, Severity};
use crate::report::{Finding, SourceRef};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use ward_graph::{Attr, Capability, Graph, Model, NodeId, ValueRef};
use ward_tensor::{Error, Result};

/// Where analysis starts.
#[derive(Debug, Clone)]
pub struct EntryPoint {
    /// e.g. `signature 'serving_default'` or `init op 'main_op'`.
    pub label: String,
    pub roots: Vec<NodeId>,
    /// Runs when TensorFlow loads the model.
    pub load_time: bool,
}

/// A signature input (or a frozen graph's placeholder) that callers control.
#[derive(Debug, Clone)]
pub struct InputSource {
    pub value: ValueRef,
    pub label: String,
}

/// Scope 0 is the top-level graph, scope i+1 the i-th library function.
type Scope = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    scope: Scope,
    node: NodeId,
    output: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Input,
    Checkpoint,
}

#[derive(Debug, Clone)]
struct Source {
    label: String,
}

/// One source reaching a value, and the value it came through.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Origin {
    source: usize,
    from: Option<Key>,
}

/// Sources each value depends on, at most `MAX_ORIGINS` per kind: enough to
/// report a finding with a path while keeping the analysis linear.
#[derive(Debug, Clone, Default, PartialEq)]
struct Taint {
    input: Vec<Origin>,
    checkpoint: Vec<Origin>,
}

const MAX_ORIGINS: usize = 2;
const MAX_PASSES: usize = 64;

impl Taint {
    /// Adds `other`'s sources (reached through `via`); returns whether anything changed.
    fn absorb(&mut self, other: &Taint, via: Key) -> bool {
        let mut changed = false;
        for (mine, theirs) in [
            (&mut self.input, &other.input),
            (&mut self.checkpoint, &other.checkpoint),
        ] {
            for o in theirs {
                if mine.len() >= MAX_ORIGINS {
                    break;
                }
                if !mine.iter().any(|m| m.source == o.source) {
                    mine.push(Origin {
                        source: o.source,
                        from: Some(via),
                    });
                    changed = true;
                }
            }
        }
        changed
    }
}

struct Scopes<'a> {
    graphs: Vec<&'a Graph>,
    names: Vec<String>,
    function_scope: HashMap<&'a str, Scope>,
    /// Argument nodes of each function scope (index = arg index).
    args: Vec<Vec<NodeId>>,
    results: Vec<Vec<ValueRef>>,
}

impl<'a> Scopes<'a> {
    fn new(model: &'a Model) -> Self {
        let mut graphs = vec![&model.graph];
        let mut names = vec![String::new()];
        let mut function_scope = HashMap::new();
        let mut args = vec![Vec::new()];
        let mut results = vec![Vec::new()];
        for (i, (name, f)) in model.library.iter().enumerate() {
            graphs.push(&f.body);
            names.push(name.clone());
            function_scope.insert(name.as_str(), i.saturating_add(1));
            args.push(f.args.clone());
            results.push(f.results.iter().map(|(_, v)| *v).collect());
        }
        Scopes {
            graphs,
            names,
            function_scope,
            args,
            results,
        }
    }

    fn graph(&self, scope: Scope) -> Option<&'a Graph> {
        self.graphs.get(scope).copied()
    }

    /// Human-readable location of a node.
    fn describe(&self, scope: Scope, node: NodeId) -> String {
        let n = self.graph(scope).and_then(|g| g.node(node).ok());
        let (name, op) = n.map_or(("?", "?"), |n| (n.name.as_str(), n.op.as_str()));
        match self.names.get(scope) {
            Some(f) if scope > 0 => format!("node '{name}' ({op}) in function '{f}'"),
            _ => format!("node '{name}' ({op})"),
        }
    }

    /// Functions a node references, as scopes.
    fn callees(&self, scope: Scope, node: NodeId) -> Vec<(String, Scope)> {
        let Some(n) = self.graph(scope).and_then(|g| g.node(node).ok()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for attr in n.attrs.values() {
            for f in attr.funcs() {
                if let Some(&s) = self.function_scope.get(f.name.as_str()) {
                    out.push((f.name.clone(), s));
                }
            }
        }
        out
    }
}

/// For one node: None if unreached, Some(None) for a root, Some(Some(p))
/// when reached from p (the node that needed it, or the call that entered
/// its function).
type Parent = Option<Option<(Scope, NodeId)>>;

/// Reachability from one entry point.
struct Reach {
    parent: Vec<Vec<Parent>>,
}

/// Reports one finding: kind, severity, message, source, path, and the
/// node to report it at when not the current one.
type Push<'p> = &'p mut dyn FnMut(
    &str,
    Severity,
    String,
    Option<SourceRef>,
    Vec<String>,
    Option<(Scope, NodeId)>,
);

impl Reach {
    fn reached(&self, scope: Scope, node: NodeId) -> bool {
        matches!(
            self.parent.get(scope).and_then(|p| p.get(node)),
            Some(Some(_))
        )
    }

    fn path(&self, scopes: &Scopes<'_>, entry: &str, scope: Scope, node: NodeId) -> Vec<String> {
        let mut steps = vec![scopes.describe(scope, node)];
        let mut at = (scope, node);
        for _ in 0..256 {
            match self
                .parent
                .get(at.0)
                .and_then(|p| p.get(at.1))
                .copied()
                .flatten()
            {
                Some(Some(prev)) => {
                    if prev.0 != at.0 {
                        steps.push(format!(
                            "function '{}'",
                            scopes.names.get(at.0).map_or("?", String::as_str)
                        ));
                    }
                    steps.push(scopes.describe(prev.0, prev.1));
                    at = prev;
                }
                _ => break,
            }
        }
        steps.push(entry.to_string());
        steps.reverse();
        steps.dedup();
        steps
    }
}

fn reach(scopes: &Scopes<'_>, roots: &[NodeId]) -> Reach {
    let mut parent: Vec<Vec<Parent>> = scopes.graphs.iter().map(|g| vec![None; g.len()]).collect();
    let mut queue: VecDeque<(Scope, NodeId)> = VecDeque::new();
    for &r in roots {
        if let Some(slot) = parent.first_mut().and_then(|p| p.get_mut(r))
            && slot.is_none()
        {
            *slot = Some(None);
            queue.push_back((0, r));
        }
    }
    while let Some((scope, id)) = queue.pop_front() {
        let Some(node) = scopes.graph(scope).and_then(|g| g.node(id).ok()) else {
            continue;
        };
        let inputs = node
            .inputs
            .iter()
            .map(|v| v.node)
            .chain(node.control_inputs.iter().copied());
        for source in inputs {
            if let Some(slot) = parent.get_mut(scope).and_then(|p| p.get_mut(source))
                && slot.is_none()
            {
                *slot = Some(Some((scope, id)));
                queue.push_back((scope, source));
            }
        }
        // A called function runs as a whole: every node of it is reached.
        for (_, callee) in scopes.callees(scope, id) {
            let len = scopes.graph(callee).map_or(0, Graph::len);
            for n in 0..len {
                if let Some(slot) = parent.get_mut(callee).and_then(|p| p.get_mut(n))
                    && slot.is_none()
                {
                    *slot = Some(Some((scope, id)));
                    queue.push_back((callee, n));
                }
            }
        }
    }
    Reach { parent }
}

/// Ops whose outputs depend only on their inputs' shapes, not values.
fn shape_only(op: &str) -> bool {
    matches!(
        op,
        "Shape"
            | "ShapeN"
            | "Size"
            | "Rank"
            | "ZerosLike"
            | "OnesLike"
            | "VariableShape"
            | "TensorListElementShape"
    )
}

/// Size arguments of allocating ops: (op, input indices).
fn allocation_inputs(op: &str) -> &'static [usize] {
    match op {
        "Tile"
        | "Reshape"
        | "BroadcastTo"
        | "Pad"
        | "PadV2"
        | "MirrorPad"
        | "OneHot"
        | "ResizeBilinear"
        | "ResizeNearestNeighbor"
        | "ResizeBicubic"
        | "ResizeArea"
        | "SparseToDense"
        | "TensorListReserve" => &[1],
        "Fill"
        | "Empty"
        | "RandomUniform"
        | "RandomStandardNormal"
        | "TruncatedNormal"
        | "RandomUniformInt"
        | "StatelessRandomUniformV2"
        | "StatelessRandomNormalV2"
        | "Zeros" => &[0],
        "Range" => &[0, 1, 2],
        "ScatterNd" => &[2],
        "UnsortedSegmentSum"
        | "UnsortedSegmentMax"
        | "UnsortedSegmentMin"
        | "UnsortedSegmentProd" => &[2],
        "Bincount" => &[1],
        "MatrixDiagV3" | "MatrixDiagV2" => &[2, 3],
        _ => &[],
    }
}

/// File-name arguments: (op, input indices).
fn path_inputs(op: &str) -> &'static [usize] {
    match op {
        "ReadFile"
        | "WriteFile"
        | "MatchingFiles"
        | "SaveV2"
        | "RestoreV2"
        | "Save"
        | "Restore"
        | "RestoreSlice"
        | "SaveSlices"
        | "TextLineDataset"
        | "TFRecordDataset"
        | "TFRecordDatasetV2"
        | "FixedLengthRecordDataset"
        | "FixedLengthRecordDatasetV2"
        | "CSVDataset"
        | "CSVDatasetV2"
        | "LoadDataset"
        | "SaveDataset"
        | "SaveDatasetV2"
        | "DatasetToTFRecord"
        | "MatchingFilesDataset" => &[0],
        "MergeV2Checkpoints" => &[0, 1],
        "InitializeTableFromTextFile"
        | "InitializeTableFromTextFileV2"
        | "CreateSummaryFileWriter" => &[1],
        _ => &[],
    }
}

pub struct Analysis<'a> {
    model: &'a Model,
    scopes: Scopes<'a>,
    sources: Vec<Source>,
    values: Vec<Vec<Vec<Taint>>>,
    params: Vec<Vec<Taint>>,
    /// Per scope: the first effectful node it reaches (itself or via calls).
    effectful: Vec<Option<(Scope, NodeId)>>,
    /// Per scope: nodes in dependency order.
    orders: Vec<Vec<NodeId>>,
}

impl<'a> Analysis<'a> {
    pub fn new(model: &'a Model, inputs: &[InputSource]) -> Result<Self> {
        let scopes = Scopes::new(model);
        let values: Vec<Vec<Vec<Taint>>> = scopes
            .graphs
            .iter()
            .enumerate()
            .map(|(scope, g)| {
                output_slots(g, scopes.results.get(scope))
                    .into_iter()
                    .map(|n| vec![Taint::default(); n])
                    .collect()
            })
            .collect();
        let params = scopes
            .args
            .iter()
            .map(|a| vec![Taint::default(); a.len()])
            .collect();
        let orders = scopes.graphs.iter().map(|g| topo_order(g)).collect();
        let mut analysis = Analysis {
            model,
            scopes,
            sources: Vec::new(),
            values,
            params,
            effectful: Vec::new(),
            orders,
        };
        analysis.seed(inputs);
        analysis.propagate()?;
        analysis.effectful = analysis.effectful_scopes();
        Ok(analysis)
    }

    fn seed(&mut self, inputs: &[InputSource]) {
        for input in inputs {
            let id = self.sources.len();
            self.sources.push(Source {
                label: input.label.clone(),
            });
            if let Some(t) = self
                .values
                .first_mut()
                .and_then(|s| s.get_mut(input.value.node))
                .and_then(|o| o.get_mut(input.value.output))
            {
                t.input.push(Origin {
                    source: id,
                    from: None,
                });
            }
        }
        for (scope, graph) in self.scopes.graphs.clone().into_iter().enumerate() {
            for (id, node) in graph.nodes().iter().enumerate() {
                if matches!(
                    node.op.as_str(),
                    "VariableV2" | "Variable" | "VarHandleOp" | "_VarHandlesOp"
                ) {
                    let source = self.sources.len();
                    self.sources.push(Source {
                        label: format!("variable '{}'", node.name),
                    });
                    if let Some(outs) = self.values.get_mut(scope).and_then(|s| s.get_mut(id)) {
                        for t in outs {
                            t.checkpoint.push(Origin { source, from: None });
                        }
                    }
                }
            }
        }
    }

    fn taint(&self, key: Key) -> Taint {
        self.values
            .get(key.scope)
            .and_then(|s| s.get(key.node))
            .and_then(|o| o.get(key.output))
            .cloned()
            .unwrap_or_default()
    }

    fn set(&mut self, key: Key, add: &Taint, via: Key) -> bool {
        match self
            .values
            .get_mut(key.scope)
            .and_then(|s| s.get_mut(key.node))
            .and_then(|o| o.get_mut(key.output))
        {
            Some(t) => t.absorb(add, via),
            None => false,
        }
    }

    /// Iterates the transfer functions to a fixed point. Callees are
    /// evaluated when their parameters change, so taint crosses a chain of
    /// calls in one pass.
    fn propagate(&mut self) -> Result<()> {
        for _ in 0..MAX_PASSES {
            let mut changed = false;
            for scope in 0..self.scopes.graphs.len() {
                changed |= self.eval_scope(scope, 0);
            }
            if !changed {
                return Ok(());
            }
        }
        Err(Error::resource_exhausted(
            "data-flow analysis did not converge",
        ))
    }

    /// One sweep over a scope in dependency order.
    fn eval_scope(&mut self, scope: Scope, depth: usize) -> bool {
        // Validation bounds call depth; this guards the recursion regardless.
        if depth > 512 {
            return false;
        }
        let Some(order) = self.orders.get_mut(scope).map(std::mem::take) else {
            return false;
        };
        let mut changed = false;
        for &id in &order {
            changed |= self.transfer(scope, id, depth);
        }
        if let Some(slot) = self.orders.get_mut(scope) {
            *slot = order;
        }
        changed
    }

    fn transfer(&mut self, scope: Scope, id: NodeId, depth: usize) -> bool {
        let Some(node) = self.scopes.graph(scope).and_then(|g| g.node(id).ok()) else {
            return false;
        };
        let mut changed = false;
        let key = |output: usize| Key {
            scope,
            node: id,
            output,
        };
        if node.op == "_Arg" {
            let index = self
                .scopes
                .args
                .get(scope)
                .and_then(|a| a.iter().position(|&n| n == id));
            if let Some(p) = index
                .and_then(|i| self.params.get(scope).and_then(|ps| ps.get(i)))
                .cloned()
            {
                let via = Key {
                    scope,
                    node: id,
                    output: 0,
                };
                changed |= self.set(key(0), &p, via);
            }
            return changed;
        }
        if shape_only(&node.op) {
            return false;
        }
        let inputs: Vec<(Key, Taint)> = node
            .inputs
            .iter()
            .map(|v| {
                let k = Key {
                    scope,
                    node: v.node,
                    output: v.output,
                };
                (k, self.taint(k))
            })
            .collect();
        let callees = self.scopes.callees(scope, id);
        let outputs = self
            .values
            .get(scope)
            .and_then(|s| s.get(id))
            .map_or(0, Vec::len);
        if callees.is_empty() {
            for (k, t) in &inputs {
                for o in 0..outputs {
                    changed |= self.set(key(o), t, *k);
                }
            }
            return changed;
        }
        // Arguments: which inputs go to the callees' parameters.
        let skip = usize::from(matches!(node.op.as_str(), "If" | "StatelessIf" | "Case"));
        let control_input = if skip == 1 {
            inputs.first().cloned()
        } else {
            None
        };
        let is_loop = matches!(node.op.as_str(), "While" | "StatelessWhile");
        for (_, callee) in &callees {
            let mut params_changed = false;
            for (i, (k, t)) in inputs.iter().skip(skip).enumerate() {
                if let Some(p) = self.params.get_mut(*callee).and_then(|ps| ps.get_mut(i)) {
                    params_changed |= p.absorb(t, *k);
                }
            }
            if params_changed {
                changed = true;
                self.eval_scope(*callee, depth.saturating_add(1));
            }
        }
        // Loops feed the body's results back into every callee's parameters.
        if is_loop {
            for _ in 0..MAX_PASSES {
                let mut loop_changed = false;
                let body_name = match node.attrs.get("body") {
                    Some(Attr::Func(f)) => Some(f.name.as_str()),
                    _ => None,
                };
                for (_, body) in callees
                    .iter()
                    .filter(|(n, _)| Some(n.as_str()) == body_name)
                {
                    let results = self.scopes.results.get(*body).cloned().unwrap_or_default();
                    for (i, r) in results.iter().enumerate() {
                        let rk = Key {
                            scope: *body,
                            node: r.node,
                            output: r.output,
                        };
                        let t = self.taint(rk);
                        for (_, callee) in &callees {
                            if let Some(p) =
                                self.params.get_mut(*callee).and_then(|ps| ps.get_mut(i))
                            {
                                loop_changed |= p.absorb(&t, rk);
                            }
                        }
                    }
                }
                if !loop_changed {
                    break;
                }
                changed = true;
                for (_, callee) in &callees {
                    self.eval_scope(*callee, depth.saturating_add(1));
                }
            }
        }
        // Outputs: what the callees return, plus what decided the branch.
        let known_call = matches!(
            node.op.as_str(),
            "PartitionedCall"
                | "StatefulPartitionedCall"
                | "If"
                | "StatelessIf"
                | "Case"
                | "While"
                | "StatelessWhile"
        );
        for (_, callee) in &callees {
            let results = self
                .scopes
                .results
                .get(*callee)
                .cloned()
                .unwrap_or_default();
            for (o, r) in results.iter().enumerate() {
                let rk = Key {
                    scope: *callee,
                    node: r.node,
                    output: r.output,
                };
                let t = self.taint(rk);
                if o < outputs {
                    changed |= self.set(key(o), &t, rk);
                }
                if !known_call {
                    for all in 0..outputs {
                        changed |= self.set(key(all), &t, rk);
                    }
                }
            }
        }
        if let Some((k, t)) = control_input {
            for o in 0..outputs {
                changed |= self.set(key(o), &t, k);
            }
        }
        if matches!(node.op.as_str(), "While" | "StatelessWhile") || !known_call {
            for (k, t) in &inputs {
                for o in 0..outputs {
                    changed |= self.set(key(o), t, *k);
                }
            }
        }
        changed
    }

    /// For each scope, the first effectful op it runs (directly or through calls).
    fn effectful_scopes(&self) -> Vec<Option<(Scope, NodeId)>> {
        let n = self.scopes.graphs.len();
        let mut out: Vec<Option<(Scope, NodeId)>> = vec![None; n];
        for (scope, graph) in self.scopes.graphs.iter().enumerate() {
            if let Some(id) = graph
                .nodes()
                .iter()
                .position(|node| is_effectful(classify(&node.op)))
                && let Some(slot) = out.get_mut(scope)
            {
                *slot = Some((scope, id));
            }
        }
        // Propagate through calls until stable (bounded by the scope count).
        for _ in 0..n.max(1) {
            let mut changed = false;
            for scope in 0..n {
                if out.get(scope).is_some_and(Option::is_some) {
                    continue;
                }
                let Some(graph) = self.scopes.graph(scope) else {
                    continue;
                };
                let found = (0..graph.len())
                    .flat_map(|id| self.scopes.callees(scope, id))
                    .find_map(|(_, callee)| out.get(callee).copied().flatten());
                if let (Some(found), Some(slot)) = (found, out.get_mut(scope)) {
                    *slot = Some(found);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        out
    }

    /// The path by which a source reaches `key`, source first.
    fn taint_path(
        &self,
        key: Key,
        kind: SourceKind,
        sink: (Scope, NodeId),
    ) -> (SourceRef, Vec<String>) {
        let mut steps = vec![self.scopes.describe(sink.0, sink.1)];
        let mut at = Some(key);
        let mut source = None;
        let mut seen = BTreeSet::new();
        while let Some(k) = at {
            if !seen.insert(k) || seen.len() > 256 {
                break;
            }
            steps.push(self.scopes.describe(k.scope, k.node));
            let t = self.taint(k);
            let list = match kind {
                SourceKind::Input => &t.input,
                SourceKind::Checkpoint => &t.checkpoint,
            };
            let Some(origin) = list.first() else { break };
            source = Some(origin.source);
            at = origin.from;
        }
        steps.reverse();
        steps.dedup();
        let src = source.and_then(|s| self.sources.get(s));
        let source = SourceRef {
            kind: match kind {
                SourceKind::Input => "input".into(),
                SourceKind::Checkpoint => "checkpoint".into(),
            },
            name: src.map_or_else(|| "?".into(), |s| s.label.clone()),
        };
        if let Some(s) = src {
            steps.insert(0, s.label.clone());
        }
        (source, steps)
    }

    /// All findings for the entry points under `policy`.
    pub fn findings(&self, entries: &[EntryPoint], policy: &Policy) -> Vec<Finding> {
        let mut findings = Vec::new();
        let mut reported: BTreeSet<(String, Scope, NodeId, String)> = BTreeSet::new();
        let mut any_reach = vec![Vec::new(); self.scopes.graphs.len()];
        for (scope, g) in self.scopes.graphs.iter().enumerate() {
            if let Some(slot) = any_reach.get_mut(scope) {
                *slot = vec![false; g.len()];
            }
        }
        for entry in entries {
            let reach = reach(&self.scopes, &entry.roots);
            for (scope, graph) in self.scopes.graphs.iter().enumerate() {
                for (id, node) in graph.nodes().iter().enumerate() {
                    if !reach.reached(scope, id) {
                        continue;
                    }
                    if let Some(slot) = any_reach.get_mut(scope).and_then(|s| s.get_mut(id)) {
                        *slot = true;
                    }
                    let path = || reach.path(&self.scopes, &entry.label, scope, id);
                    let mut push =
                        |kind: &str,
                         severity: Severity,
                         message: String,
                         source: Option<SourceRef>,
                         path: Vec<String>,
                         at: Option<(Scope, NodeId)>| {
                            let (s, n) = at.unwrap_or((scope, id));
                            if reported.insert((
                                kind.to_string(),
                                s,
                                n,
                                source.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
                            )) {
                                findings.push(self.finding(
                                    kind,
                                    severity,
                                    message,
                                    s,
                                    n,
                                    &entry.label,
                                    source,
                                    path,
                                ));
                            }
                        };
                    let capability = classify(&node.op);
                    if capability == Capability::Unknown {
                        if !policy.allow_ops.contains(&node.op) {
                            push(
                                "unknown-op",
                                Severity::High,
                                format!(
                                    "op '{}' is not known to ward; it cannot be classified",
                                    node.op
                                ),
                                None,
                                path(),
                                None,
                            );
                        }
                    } else if !policy.allows_op(&node.op, capability) {
                        let severity = match capability {
                            Capability::CustomCode
                            | Capability::Process
                            | Capability::FileWrite
                            | Capability::Network => Severity::Critical,
                            _ => Severity::High,
                        };
                        push(
                            "denied-op",
                            severity,
                            format!(
                                "op '{}' ({}) is not allowed by the policy",
                                node.op,
                                capability.name()
                            ),
                            None,
                            path(),
                            None,
                        );
                    }
                    if entry.load_time
                        && (is_effectful(capability) || capability == Capability::Unknown)
                    {
                        push(
                            "load-time-effect",
                            Severity::High,
                            format!(
                                "op '{}' ({}) runs when TensorFlow loads the model",
                                node.op,
                                capability.name()
                            ),
                            None,
                            path(),
                            None,
                        );
                    }
                    self.sink_findings(scope, id, &mut push);
                }
            }
        }
        // Dangerous ops nothing reaches: reported for information, one
        // finding per op type.
        let mut unreachable: BTreeMap<String, (Scope, NodeId, usize)> = BTreeMap::new();
        for (scope, graph) in self.scopes.graphs.iter().enumerate() {
            for (id, node) in graph.nodes().iter().enumerate() {
                if any_reach.get(scope).and_then(|s| s.get(id)) == Some(&true) {
                    continue;
                }
                let capability = classify(&node.op);
                if (is_effectful(capability) || capability == Capability::Unknown)
                    && !policy.allows_op(&node.op, capability)
                {
                    let entry = unreachable.entry(node.op.clone()).or_insert((scope, id, 0));
                    entry.2 = entry.2.saturating_add(1);
                }
            }
        }
        for (op, (scope, id, count)) in unreachable {
            let capability = classify(&op);
            findings.push(self.finding(
                "denied-op",
                Severity::Info,
                format!("{count} node(s) of op '{op}' ({}) are present but unreachable from any signature or init op", capability.name()),
                scope,
                id,
                "unreachable",
                None,
                vec![self.scopes.describe(scope, id)],
            ));
        }
        findings
    }

    /// Findings where tainted data reaches a predicate, a size or a path.
    fn sink_findings(&self, scope: Scope, id: NodeId, push: Push<'_>) {
        let Some(node) = self.scopes.graph(scope).and_then(|g| g.node(id).ok()) else {
            return;
        };
        let input_key = |i: usize| {
            node.inputs.get(i).map(|v| Key {
                scope,
                node: v.node,
                output: v.output,
            })
        };
        let kinds = [
            (SourceKind::Checkpoint, "checkpoint"),
            (SourceKind::Input, "input"),
        ];
        // Control predicates and what they guard.
        let (predicate, guarded): (Option<Key>, Option<(Scope, NodeId)>) = match node.op.as_str() {
            "If" | "StatelessIf" | "Case" => {
                let guarded = self
                    .scopes
                    .callees(scope, id)
                    .iter()
                    .find_map(|(_, s)| self.effectful.get(*s).copied().flatten());
                (input_key(0), guarded)
            }
            "Switch" => (input_key(1), self.switch_guards(scope, id)),
            "While" | "StatelessWhile" => {
                let callees = self.scopes.callees(scope, id);
                let cond_name = match node.attrs.get("cond") {
                    Some(Attr::Func(f)) => Some(f.name.clone()),
                    _ => None,
                };
                let cond = callees
                    .iter()
                    .find(|(n, _)| Some(n) == cond_name.as_ref())
                    .map(|(_, s)| *s);
                let result = cond.and_then(|s| {
                    self.scopes
                        .results
                        .get(s)
                        .and_then(|r| r.first())
                        .map(|v| Key {
                            scope: s,
                            node: v.node,
                            output: v.output,
                        })
                });
                let guarded = callees
                    .iter()
                    .find_map(|(_, s)| self.effectful.get(*s).copied().flatten());
                if let Some(result) = result {
                    let t = self.taint(result);
                    for (kind, label) in kinds {
                        let present = match kind {
                            SourceKind::Input => !t.input.is_empty(),
                            SourceKind::Checkpoint => !t.checkpoint.is_empty(),
                        };
                        if present {
                            let (source, path) = self.taint_path(result, kind, (scope, id));
                            push(
                                &format!("{label}-controlled-loop"),
                                Severity::Medium,
                                format!(
                                    "the trip count of loop '{}' depends on {}",
                                    node.name, source.name
                                ),
                                Some(source),
                                path,
                                None,
                            );
                        }
                    }
                }
                (result, guarded)
            }
            _ => (None, None),
        };
        if let (Some(pred), Some(guarded)) = (predicate, guarded) {
            let t = self.taint(pred);
            for (kind, label) in kinds {
                let present = match kind {
                    SourceKind::Input => !t.input.is_empty(),
                    SourceKind::Checkpoint => !t.checkpoint.is_empty(),
                };
                if present {
                    let (source, mut path) = self.taint_path(pred, kind, (scope, id));
                    let target = self.scopes.describe(guarded.0, guarded.1);
                    path.push(target.clone());
                    let severity = if kind == SourceKind::Checkpoint {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    // Reported at the guarded op: that is what the source can switch on.
                    push(
                        &format!("{label}-steerable"),
                        severity,
                        format!(
                            "the predicate of '{}' ({}) depends on {} and guards {target}",
                            node.name, node.op, source.name
                        ),
                        Some(source),
                        path,
                        Some(guarded),
                    );
                }
            }
        }
        for &i in allocation_inputs(&node.op) {
            let Some(k) = input_key(i) else { continue };
            let t = self.taint(k);
            for (kind, label) in kinds {
                let present = match kind {
                    SourceKind::Input => !t.input.is_empty(),
                    SourceKind::Checkpoint => !t.checkpoint.is_empty(),
                };
                if present {
                    let (source, path) = self.taint_path(k, kind, (scope, id));
                    push(
                        &format!("{label}-controlled-allocation"),
                        Severity::Medium,
                        format!(
                            "size argument {i} of '{}' ({}) depends on the values of {}",
                            node.name, node.op, source.name
                        ),
                        Some(source),
                        path,
                        None,
                    );
                }
            }
        }
        for &i in path_inputs(&node.op) {
            let Some(k) = input_key(i) else { continue };
            if !self.taint(k).input.is_empty() {
                let (source, path) = self.taint_path(k, SourceKind::Input, (scope, id));
                push(
                    "input-controlled-path",
                    Severity::High,
                    format!(
                        "file path argument {i} of '{}' ({}) depends on {}",
                        node.name, node.op, source.name
                    ),
                    Some(source),
                    path,
                    None,
                );
            }
        }
    }

    /// The first effectful op downstream of a Switch's outputs (up to the
    /// Merges that end its branches), including through calls.
    fn switch_guards(&self, scope: Scope, id: NodeId) -> Option<(Scope, NodeId)> {
        let graph = self.scopes.graph(scope)?;
        let mut consumers: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        for (n, node) in graph.nodes().iter().enumerate() {
            for s in node
                .inputs
                .iter()
                .map(|v| v.node)
                .chain(node.control_inputs.iter().copied())
            {
                consumers.entry(s).or_default().push(n);
            }
        }
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<NodeId> = consumers.get(&id).cloned().unwrap_or_default().into();
        while let Some(n) = queue.pop_front() {
            if !seen.insert(n) {
                continue;
            }
            let node = graph.node(n).ok()?;
            if node.op == "Merge" {
                continue;
            }
            if is_effectful(classify(&node.op)) {
                return Some((scope, n));
            }
            if let Some(found) = self
                .scopes
                .callees(scope, n)
                .iter()
                .find_map(|(_, s)| self.effectful.get(*s).copied().flatten())
            {
                return Some(found);
            }
            queue.extend(consumers.get(&n).cloned().unwrap_or_default());
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        kind: &str,
        severity: Severity,
        message: String,
        scope: Scope,
        id: NodeId,
        entry: &str,
        source: Option<SourceRef>,
        path: Vec<String>,
    ) -> Finding {
        let node = self.scopes.graph(scope).and_then(|g| g.node(id).ok());
        Finding {
            kind: kind.to_string(),
            severity,
            message,
            node: node.map(|n| n.name.clone()).unwrap_or_default(),
            op: node.map(|n| n.op.clone()).unwrap_or_default(),
            function: (scope > 0)
                .then(|| self.scopes.names.get(scope).cloned().unwrap_or_default()),
            entry_point: entry.to_string(),
            source,
            path,
        }
    }

    /// Every op type in the model with its capability and count.
    pub fn inventory(&self) -> BTreeMap<String, (Capability, usize)> {
        let mut out: BTreeMap<String, (Capability, usize)> = BTreeMap::new();
        let bodies = self.model.library.values().map(|f| &f.body);
        for graph in std::iter::once(&self.model.graph).chain(bodies) {
            for node in graph.nodes() {
                let entry = out
                    .entry(node.op.clone())
                    .or_insert((classify(&node.op), 0));
                entry.1 = entry.1.saturating_add(1);
            }
        }
        out
    }
}

/// How many outputs of each node anything reads (at least one).
fn output_slots(graph: &Graph, results: Option<&Vec<ValueRef>>) -> Vec<usize> {
    let mut slots = vec![1usize; graph.len()];
    let reads = graph
        .nodes()
        .iter()
        .flat_map(|n| n.inputs.iter())
        .chain(results.into_iter().flatten());
    for v in reads {
        if let Some(s) = slots.get_mut(v.node) {
            *s = (*s).max(v.output.saturating_add(1));
        }
    }
    slots
}

/// Topological order ignoring back edges (any remaining cycle's nodes are
/// appended in id order; the pass loop reaches the fixed point anyway).
fn topo_order(graph: &Graph) -> Vec<NodeId> {
    let n = graph.len();
    let mut indegree = vec![0usize; n];
    let mut users: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for (id, node) in graph.nodes().iter().enumerate() {
        for s in node
            .inputs
            .iter()
            .map(|v| v.node)
            .chain(node.control_inputs.iter().copied())
        {
            if let (Some(d), Some(u)) = (indegree.get_mut(id), users.get_mut(s)) {
                *d = d.saturating_add(1);
                u.push(id);
            }
        }
    }
    let mut ready: Vec<NodeId> = (0..n).filter(|&i| indegree.get(i) == Some(&0)).collect();
    let mut order = Vec::with_capacity(n);
    let mut done = vec![false; n];
    while let Some(id) = ready.pop() {
        order.push(id);
        if let Some(d) = done.get_mut(id) {
            *d = true;
        }
        for &u in users.get(id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(d) = indegree.get_mut(u) {
                *d = d.saturating_sub(1);
                if *d == 0 {
                    ready.push(u);
                }
            }
        }
    }
    order.extend((0..n).filter(|&i| done.get(i) == Some(&false)));
    order
}
