//! What each op declares about itself: arity, type constraints, capability.
//! The ops crate fills a registry of these; validation checks every node
//! against its op's spec before any op code runs.

use crate::attr::{Attr, AttrsExt, TypeAttr};
use crate::graph::Node;
use ward_tensor::{DType, Error, Result};

/// What an op can do to the world. The scanner and the policy use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Computes outputs from inputs only.
    Pure,
    /// Reads model state (variables).
    VariableRead,
    /// Writes model state.
    VariableWrite,
    /// Control flow and function calls: as capable as what they call.
    Control,
    FileRead,
    FileWrite,
    Network,
    Process,
    CustomCode,
    Unknown,
}

impl Capability {
    pub fn name(self) -> &'static str {
        match self {
            Capability::Pure => "pure",
            Capability::VariableRead => "variable-read",
            Capability::VariableWrite => "variable-write",
            Capability::Control => "control",
            Capability::FileRead => "file-read",
            Capability::FileWrite => "file-write",
            Capability::Network => "network",
            Capability::Process => "process",
            Capability::CustomCode => "custom-code",
            Capability::Unknown => "unknown",
        }
    }
}

/// How many inputs or outputs an op has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Exact(usize),
    /// Inclusive range.
    Between(usize, usize),
    AtLeast(usize),
    /// `base` plus the int attribute `attr` (e.g. AddN's `N`).
    IntAttr {
        attr: &'static str,
        base: usize,
    },
    /// `base` plus the length of the list attribute `attr` (e.g. `T`, `Tout`).
    ListAttrLen {
        attr: &'static str,
        base: usize,
    },
}

/// Values a type attribute may take.
#[derive(Debug, Clone, Copy)]
pub struct TypeConstraint {
    pub attr: &'static str,
    pub allowed: &'static [DType],
    /// Whether the attribute may be absent (the op then uses a default).
    pub optional: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct OpSpec {
    pub name: &'static str,
    pub inputs: Arity,
    pub outputs: Arity,
    pub types: &'static [TypeConstraint],
    pub capability: Capability,
}

/// Looks op specs up by TF op name.
pub trait SpecRegistry {
    fn spec(&self, op: &str) -> Option<&OpSpec>;
}

impl Arity {
    /// Resolves the count for a node.
    pub fn resolve(&self, node: &Node) -> Result<ArityRange> {
        Ok(match *self {
            Arity::Exact(n) => ArityRange {
                min: n,
                max: Some(n),
            },
            Arity::Between(a, b) => ArityRange {
                min: a,
                max: Some(b),
            },
            Arity::AtLeast(n) => ArityRange { min: n, max: None },
            Arity::IntAttr { attr, base } => {
                let v = node.attrs.int(attr)?;
                let n = usize::try_from(v).map_err(|_| {
                    Error::invalid_argument(format!(
                        "attribute '{attr}' must be non-negative, got {v}"
                    ))
                })?;
                let n = n
                    .checked_add(base)
                    .ok_or_else(|| Error::overflow(format!("arity from '{attr}'")))?;
                ArityRange {
                    min: n,
                    max: Some(n),
                }
            }
            Arity::ListAttrLen { attr, base } => {
                let len = match node.attrs.get(attr) {
                    Some(Attr::TypeList(v)) => v.len(),
                    Some(Attr::IntList(v)) => v.len(),
                    Some(Attr::ShapeList(v)) => v.len(),
                    Some(Attr::FuncList(v)) => v.len(),
                    Some(other) => {
                        return Err(Error::invalid_argument(format!(
                            "attribute '{attr}' must be a list but holds {}",
                            other.kind()
                        )));
                    }
                    None => {
                        return Err(Error::invalid_argument(format!(
                            "missing attribute '{attr}'"
                        )));
                    }
                };
                let n = len
                    .checked_add(base)
                    .ok_or_else(|| Error::overflow(format!("arity from '{attr}'")))?;
                ArityRange {
                    min: n,
                    max: Some(n),
                }
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArityRange {
    pub min: usize,
    pub max: Option<usize>,
}

impl ArityRange {
    pub fn contains(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }
    /// The single count, when exact.
    pub fn exact(&self) -> Option<usize> {
        (Some(self.min) == self.max).then_some(self.min)
    }
}

impl std::fmt::Display for ArityRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(m) if m == self.min => write!(f, "{m}"),
            Some(m) => write!(f, "{} to {m}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

impl OpSpec {
    /// Checks a node's input count and type attributes against this spec.
    pub fn check(&self, node: &Node) -> Result<()> {
        let inputs = self.inputs.resolve(node)?;
        if !inputs.contains(node.inputs.len()) {
            return Err(Error::invalid_argument(format!(
                "{} expects {inputs} inputs but has {}",
                self.name,
                node.inputs.len()
            )));
        }
        self.outputs.resolve(node)?;
        for constraint in self.types {
            match node.attrs.get(constraint.attr) {
                None if constraint.optional => {}
                None => {
                    return Err(Error::invalid_argument(format!(
                        "missing type attribute '{}'",
                        constraint.attr
                    )));
                }
                Some(Attr::Type(TypeAttr::Data(d))) if constraint.allowed.contains(d) => {}
                Some(Attr::Type(t)) => {
                    return Err(Error::invalid_argument(format!(
                        "attribute '{}' is {t}, not one of the types {} accepts: {}",
                        constraint.attr,
                        self.name,
                        constraint
                            .allowed
                            .iter()
                            .map(|d| d.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some(other) => {
                    return Err(Error::invalid_argument(format!(
                        "attribute '{}' must be a type but holds {}",
                        constraint.attr,
                        other.kind()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The number of outputs of a node of this op.
    pub fn num_outputs(&self, node: &Node) -> Result<ArityRange> {
        self.outputs.resolve(node)
    }
}

/// Dtype groups used in specs.
pub mod dtypes {
    use ward_tensor::DType::{self, *};
    pub const FLOAT: &[DType] = &[F16, BF16, F32, F64];
    pub const INT: &[DType] = &[I8, I16, I32, I64, U8, U16, U32, U64];
    pub const INDEX: &[DType] = &[I32, I64];
    pub const NUMERIC: &[DType] = &[F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64];
    pub const ALL: &[DType] = &[
        F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool, String,
    ];
    pub const BOOL: &[DType] = &[Bool];
}
