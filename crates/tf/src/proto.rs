//! Generated protobuf types (see proto/tensorflow.proto).
#![allow(clippy::all, clippy::pedantic, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/tensorflow.rs"));
