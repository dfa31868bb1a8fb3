//! Dtype sets of TF's CPU kernel registrations that the shared groups in
//! `ward_graph::spec::dtypes` don't cover.

use ward_tensor::DType::{self, *};

/// Floats and signed integers (Neg, Abs, Sign, Pow).
pub const FLOAT_SIGNED: &[DType] = &[F16, BF16, F32, F64, I8, I16, I32, I64];
/// Floats, int32 and int64 (SquaredDifference, Round).
pub const FLOAT_I32_I64: &[DType] = &[F16, BF16, F32, F64, I32, I64];
/// Every numeric type and bool (Equal, NotEqual, Select).
pub const NUMERIC_BOOL: &[DType] = &[
    F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool,
];
/// ClipByValue: TF has no CPU kernel for uint32 and uint64.
pub const CLIP: &[DType] = &[F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16];
/// Add: TF has no CPU kernel for uint16, uint32 and uint64 (AddV2 does).
pub const ADD: &[DType] = &[F16, BF16, F32, F64, I8, I16, I32, I64, U8];
