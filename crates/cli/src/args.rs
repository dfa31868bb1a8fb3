//! Parsers for sizes and durations given on the command line.

pub use ward_tensor::units::{parse_bytes, parse_duration};
