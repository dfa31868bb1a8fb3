//! Floor: largest integer not above x, elementwise (floats).
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Floor>

use crate::util::float::Wide;

crate::float_unary_op!("Floor", Wide::floor);
