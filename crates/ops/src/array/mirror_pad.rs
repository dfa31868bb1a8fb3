//! MirrorPad: pads each dim with a mirror image of the input (REFLECT
//! excludes the edge element, SYMMETRIC repeats it).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/MirrorPad>

use super::pad::{check_paddings_shape, infer_pad, padded_dims, pairs};
use crate::prelude::*;
use crate::util::layout::{ELEMENTS, folded, gather_maps, oob, strides};
use crate::util::simple::check_input;
use ward_tensor::Budget;

pub const DEF: OpDef = OpDef {
    spec: OpSpec {
        name: "MirrorPad",
        inputs: Arity::Exact(2),
        outputs: Arity::Exact(1),
        types: &[type_attr("T", ELEMENTS), type_attr("Tpaddings", INDEX)],
        capability: Capability::Pure,
    },
    build,
};

#[derive(Debug)]
struct MirrorPad {
    dtype: DType,
    tpad: DType,
    symmetric: bool,
}

fn build(node: &Node) -> Result<Box<dyn Kernel>> {
    let mode = node.attrs.str_or("mode", "")?;
    let symmetric = match mode.as_str() {
        "REFLECT" => false,
        "SYMMETRIC" => true,
        other => {
            return Err(Error::invalid_argument(format!(
                "mode must be either REFLECT or SYMMETRIC, got '{other}'"
            )));
        }
    };
    Ok(Box::new(MirrorPad {
        dtype: node.attrs.dtype("T")?,
        tpad: node.attrs.dtype_or("Tpaddings", DType::I32)?,
        symmetric,
    }))
}

impl MirrorPad {
    fn check(&self, dims: &[Option<usize>], pads: &[(usize, usize)]) -> Result<()> {
        for (i, (d, &(b, a))) in dims.iter().zip(pads).enumerate() {
            let Some(d) = *d else { continue };
            let limit = if self.symmetric {
                d
            } else {
                d.saturating_sub(1)
            };
            if b > limit || a > limit {
                return Err(Error::invalid_argument(format!(
                    "paddings must be no greater than the dimension size: {b}, {a} greater than {limit} (dim {i})"
                )));
            }
        }
        Ok(())
    }

    fn run(&self, budget: &Budget, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        let [x, paddings] = take(inputs)?;
        check_paddings_shape(paddings.dims(), x.rank())?;
        let pads = pairs(&paddings.to_i64_vec()?)?;
        let dims: Vec<Option<usize>> = x.dims().iter().map(|&d| Some(d)).collect();
        self.check(&dims, &pads)?;
        let out_dims = padded_dims(&dims, &pads)
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::invalid_argument("padded shape is too large"))?;
        let total = ward_tensor::checked_product(&out_dims)?;
        let st = strides(x.dims());
        let mut maps = Vec::with_capacity(out_dims.len());
        for (((&o, &d), &(b, _)), &s) in out_dims.iter().zip(x.dims()).zip(&pads).zip(&st) {
            if total == 0 {
                maps.push(Vec::new());
                continue;
            }
            let (mut map, _lease) = budget.alloc_empty::<usize>(o, "MirrorPad index map")?;
            for i in 0..o {
                // Position relative to the input, then mirrored into range.
                let k = if i < b {
                    let back = b.checked_sub(i).ok_or_else(oob)?;
                    if self.symmetric {
                        back.checked_sub(1)
                    } else {
                        Some(back)
                    }
                } else {
                    let k = i.checked_sub(b).ok_or_else(oob)?;
                    if k < d {
                        Some(k)
                    } else {
                        // REFLECT: 2(d-1) - k; SYMMETRIC: 2d - 1 - k.
                        let top = if self.symmetric {
                            d.checked_mul(2).and_then(|v| v.checked_sub(1))
                        } else {
                            d.checked_sub(1).and_then(|v| v.checked_mul(2))
                        };
                        top.and_then(|t| t.checked_sub(k))
                    }
                }
                .ok_or_else(oob)?;
                map.push(k.checked_mul(s).ok_or_else(oob)?);
            }
            maps.push(map);
        }
        one(
            crate::with_element!(x.dtype(), T => gather_maps::<T>(budget, x.as_slice::<T>()?, out_dims, &maps, "MirrorPad output"))?,
        )
    }
}

impl Kernel for MirrorPad {
    fn infer(&self, inputs: &[ValueInfo]) -> Result<Vec<ValueInfo>> {
        check_input(inputs, 0, Some(self.dtype))?;
        check_input(inputs, 1, Some(self.tpad))?;
        let shape = infer_pad(inputs)?;
        let info = ValueInfo::of(TypeAttr::Data(self.dtype), shape);
        Ok(folded(vec![info], inputs, |b, t| self.run(b, t)))
    }
    fn eval(&self, ctx: &EvalCtx<'_>, inputs: Vec<Tensor>) -> Result<Vec<Tensor>> {
        self.run(ctx.budget, inputs)
    }
}
