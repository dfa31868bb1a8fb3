//! Ops that touch the host (files). Their capabilities make the default
//! policy refuse them; the sandbox blocks them at the OS level regardless.

pub mod read_file;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[&read_file::DEF];
