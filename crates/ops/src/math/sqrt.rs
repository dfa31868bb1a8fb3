//! Sqrt: square root elementwise (floats); sqrt(<0) is NaN.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Sqrt>

use crate::util::float::Wide;

crate::float_unary_op!("Sqrt", Wide::sqrt);
