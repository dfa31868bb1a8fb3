//! Erf: the Gauss error function elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Erf>

use crate::util::float::Wide;

crate::float_unary_op!("Erf", Wide::erf, f32: crate::util::special::erf_f32);
