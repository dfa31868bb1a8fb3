//! The interface every op implements.

use rayon::ThreadPool;
use std::fmt::Debug;
use ward_graph::{Node, OpSpec, PartialShape, TypeAttr};
use ward_tensor::{Budget, Result, Tensor};

/// What is known about a value before running: its type, its (partial)
/// shape, and its contents when they are constant.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    pub dtype: Option<TypeAttr>,
    pub shape: PartialShape,
    pub value: Option<Tensor>,
}

impl ValueInfo {
    pub fn unknown() -> Self {
        ValueInfo {
            dtype: None,
            shape: PartialShape::unknown(),
            value: None,
        }
    }
    pub fn of(dtype: TypeAttr, shape: PartialShape) -> Self {
        ValueInfo {
            dtype: Some(dtype),
            shape,
            value: None,
        }
    }
    pub fn of_opt(dtype: Option<TypeAttr>, shape: PartialShape) -> Self {
        ValueInfo {
            dtype,
            shape,
            value: None,
        }
    }
    pub fn constant(tensor: Tensor) -> Self {
        ValueInfo {
            dtype: Some(TypeAttr::Data(tensor.dtype())),
            shape: PartialShape::known(tensor.dims()),
            value: Some(tensor),
        }
    }
}

/// Calls into library functions, for control-flow and call ops.
pub trait FunctionRunner: Sync {
    fn call(&self, function: &str, inputs: Vec<Tensor>, ctx: &EvalCtx<'_>) -> Result<Vec<Tensor>>;
}

/// Everything a kernel may use while it runs.
pub struct EvalCtx<'a> {
    pub budget: &'a Budget,
    /// The run's private intra-op pool.
    pub pool: &'a ThreadPool,
    pub functions: &'a dyn FunctionRunner,
}

impl EvalCtx<'_> {
    /// Intra-op threads available to this kernel: 1 inside a share of
    /// work already split, or a run too small to gain from splitting.
    pub fn threads(&self) -> usize {
        if crate::kernels::gemm::is_sequential() {
            1
        } else {
            self.pool.current_num_threads()
        }
    }
}

/// An op instance for one node, with its attributes parsed and checked.
pub trait Kernel: Send + Sync + Debug {
    /// Output types and shapes given what is known of the inputs. Validates
    /// what can be validated before running. The default knows nothing.
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        let _ = inputs;
        Ok(Vec::new())
    }

    /// Computes the outputs. Inputs are owned so a kernel may reuse a buffer
    /// nobody else holds.
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>>;

    /// Called once at load with the inputs that are graph constants (None
    /// for the others): the kernel may keep what it can compute once, such
    /// as its weights packed for its product, in at most `room` bytes,
    /// which it takes from `room`. The default keeps nothing.
    fn prepare(&mut self, constants: &[Option<&Tensor>], room: &mut usize) {
        let _ = (constants, room);
    }

    /// The value of a constant node (`Const`), else None.
    fn constant(&self) -> Option<&Tensor> {
        None
    }
}

/// An op: its declared spec and how to build a kernel for a node.
pub struct OpDef {
    pub spec: OpSpec,
    pub build: fn(&Node) -> Result<Box<dyn Kernel>>,
}
