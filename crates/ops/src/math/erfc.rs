//! Erfc: the complementary error function `1 - erf(x)` elementwise (floats),
//! accurate in the tail.
//! <https://www.tensorflow.org/api_docs/python/tf/raw_ops/Erfc>

use crate::util::float::Wide;

crate::float_unary_op!("Erfc", Wide::erfc, f32: crate::util::special::erfc_f32);
