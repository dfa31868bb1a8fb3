//! Sin: sine elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Sin>

use crate::util::float::Wide;

crate::float_unary_op!("Sin", Wide::sin);
