//! Shared parts of the 2-D image resize ops (ResizeBilinear,
//! ResizeNearestNeighbor): the `size` input, TF's `ImageResizerState`
//! checks and its coordinate math, all in f32 as TF computes it.

// Arithmetic here is on float coordinates; sizes use checked arithmetic.
#![allow(clippy::arithmetic_side_effects)]

use crate::kernel::ValueInfo;
use ward_graph::{AttrsExt, Node, PartialShape};
use ward_tensor::{Budget, DType, Error, Lease, Result, Tensor};

/// `align_corners` and `half_pixel_centers`.
#[derive(Debug, Clone, Copy)]
pub struct ResizeAttrs {
    pub align_corners: bool,
    pub half_pixel_centers: bool,
}

impl ResizeAttrs {
    pub fn parse(node: &Node) -> Result<Self> {
        let align_corners = node.attrs.bool_or("align_corners", false)?;
        let half_pixel_centers = node.attrs.bool_or("half_pixel_centers", false)?;
        if align_corners && half_pixel_centers {
            return Err(Error::invalid_argument(
                "If half_pixel_centers is True, align_corners must be False.",
            ));
        }
        Ok(ResizeAttrs {
            align_corners,
            half_pixel_centers,
        })
    }

    /// TF's `CalculateResizeScale`.
    pub fn scale(&self, in_size: usize, out_size: usize) -> f32 {
        #[allow(clippy::cast_precision_loss)]
        let (i, o) = (in_size as f32, out_size as f32);
        if self.align_corners && out_size > 1 {
            (i - 1.0) / (o - 1.0)
        } else {
            i / o
        }
    }
}

/// The requested (height, width) from the `size` input: int32, shape [2],
/// both positive.
pub fn size_of(size: &Tensor) -> Result<[usize; 2]> {
    if size.dtype() != DType::I32 {
        return Err(Error::invalid_argument(format!(
            "size must be int32, got {}",
            size.dtype()
        )));
    }
    if size.dims() != [2] {
        return Err(Error::invalid_argument(format!(
            "shape_t must be 1-D with 2 elements (new_height, new_width), got shape {:?}",
            size.dims()
        )));
    }
    let v = size.as_slice::<i32>()?;
    let (Some(&h), Some(&w)) = (v.first(), v.get(1)) else {
        return Err(Error::invalid_argument("size must have 2 elements"));
    };
    let positive = |d: i32| {
        usize::try_from(d)
            .ok()
            .filter(|&d| d > 0)
            .ok_or_else(|| Error::invalid_argument("output dimensions must be positive"))
    };
    Ok([positive(h)?, positive(w)?])
}

/// Output shape from what is known of `images` and `size`.
pub fn infer_shape(inputs: &[ValueInfo]) -> Result<PartialShape> {
    let (Some(x), Some(size)) = (inputs.first(), inputs.get(1)) else {
        return Err(Error::invalid_argument("expected 2 inputs"));
    };
    if let Some(d) = size.shape.dims() {
        if d.len() != 1 {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 1 but is rank {}",
                d.len()
            )));
        }
        if let Some(Some(n)) = d.first()
            && *n != 2
        {
            return Err(Error::invalid_argument(format!(
                "Dimension must be 2 but is {n}"
            )));
        }
    }
    let (batch, channels) = match x.shape.dims() {
        Some([n, _, _, c]) => (*n, *c),
        Some(d) => {
            return Err(Error::invalid_argument(format!(
                "Shape must be rank 4 but is rank {}",
                d.len()
            )));
        }
        None => (None, None),
    };
    let (h, w) = match &size.value {
        Some(t) => {
            let [h, w] = size_of(t)?;
            (Some(h), Some(w))
        }
        None => (None, None),
    };
    Ok(PartialShape(Some(vec![batch, h, w, channels])))
}

/// The `[N, H, W, C]` of an image batch.
pub fn image_dims(x: &Tensor) -> Result<[usize; 4]> {
    match x.dims() {
        [n, h, w, c] => Ok([*n, *h, *w, *c]),
        d => Err(Error::invalid_argument(format!(
            "input must be 4-dimensional, got rank {}",
            d.len()
        ))),
    }
}

/// Bilinear source positions of one output coordinate.
#[derive(Debug, Clone, Copy)]
pub struct Lerp {
    pub lower: usize,
    pub upper: usize,
    pub frac: f32,
}

/// TF's `compute_interpolation_weights` for every output coordinate.
pub fn bilinear_weights(
    budget: &Budget,
    attrs: &ResizeAttrs,
    in_size: usize,
    out_size: usize,
) -> Result<(Vec<Lerp>, Lease)> {
    let scale = attrs.scale(in_size, out_size);
    let last = in_size.saturating_sub(1);
    let (mut out, lease) = budget.alloc_empty::<Lerp>(out_size, "resize weights")?;
    out.extend((0..out_size).map(|i| {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f32;
        let v = if attrs.half_pixel_centers {
            (x + 0.5) * scale - 0.5
        } else {
            x * scale
        };
        let f = v.floor();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (lower, upper) = (
            if f <= 0.0 { 0 } else { f as usize },
            if v.ceil() <= 0.0 {
                0
            } else {
                v.ceil() as usize
            },
        );
        Lerp {
            lower: lower.min(last),
            upper: upper.min(last),
            frac: v - f,
        }
    }));
    Ok((out, lease))
}

/// TF's nearest-neighbor source index of every output coordinate.
pub fn nearest_indices(
    budget: &Budget,
    attrs: &ResizeAttrs,
    in_size: usize,
    out_size: usize,
) -> Result<(Vec<usize>, Lease)> {
    let scale = attrs.scale(in_size, out_size);
    let last = in_size.saturating_sub(1);
    let (mut out, lease) = budget.alloc_empty::<usize>(out_size, "resize indices")?;
    out.extend((0..out_size).map(|i| {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f32;
        let v = if attrs.half_pixel_centers {
            (x + 0.5) * scale
        } else {
            x * scale
        };
        // roundf rounds halves away from zero, as f32::round.
        let r = if attrs.align_corners {
            v.round()
        } else {
            v.floor()
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let idx = if r <= 0.0 { 0 } else { r as usize };
        idx.min(last)
    }));
    Ok((out, lease))
}
