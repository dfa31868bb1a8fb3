//! ReadFile: the contents of the file named by a scalar string. A
//! `file-read` op: the default policy refuses any model that reaches it,
//! and inside the sandbox the worker cannot open files at all, so a
//! permissive policy still ends in PermissionDenied there. Only with
//! `--sandbox off` and a policy allowing it does it read the host's file,
//! capped in size by the run's memory budget.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/ReadFile>

use crate::prelude::*;
use std::io::Read;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "ReadFile",
        inputs: Arity::Exact(1),
        outputs: Arity::Exact(1),
        types: &[],
        capability: Capability::FileRead,
    },
    build,
};

#[derive(Debug)]
struct ReadFile;

fn build(_: &Node) -> Result<Box<dyn Kernel>> {
    Ok(Box::new(ReadFile))
}

impl Kernel for ReadFile {
    fn infer(&self, _: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        Ok(vec![ValueInfo::of(
            TypeAttr::Data(DType::String),
            PartialShape::known(&[]),
        )])
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [name] = take(inputs)?;
        if name.rank() != 0 {
            return Err(Error::invalid_argument(format!(
                "filename must be a scalar, got shape {}",
                name.shape()
            )));
        }
        let path = name
            .as_strings()?
            .first()
            .ok_or_else(|| Error::invalid_argument("empty filename tensor"))?;
        let path = String::from_utf8(path.clone())
            .map_err(|_| Error::invalid_argument("filename is not UTF-8"))?;
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::from(e).with(ward_tensor::Frame::File(path.clone())))?;
        // Never read more than the budget could hold.
        let cap = ctx.budget.remaining();
        let mut contents = Vec::new();
        file.take(cap.saturating_add(1))
            .read_to_end(&mut contents)
            .map_err(Error::from)?;
        let lease = ctx.budget.try_alloc(contents.len(), "ReadFile contents")?;
        one(Tensor::from_storage(
            Shape::scalar(),
            ward_tensor::Storage::String(vec![contents]),
            Some(lease),
        )?)
    }
}
