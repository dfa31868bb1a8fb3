//! Log1p: `ln(1 + x)` elementwise, accurate near 0 (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Log1p>

use crate::util::float::Wide;

crate::float_unary_op!("Log1p", Wide::ln_1p);
