//! Control flow, function calls and variable reads. Branch and loop bodies
//! are library functions, run through the executor's `FunctionRunner`.

pub mod case;
pub mod if_op;
pub mod merge;
pub mod partitioned_call;
pub mod read_variable_op;
pub mod stateful_partitioned_call;
pub mod stateless_if;
pub mod stateless_while;
pub mod switch;
pub mod while_op;

use crate::kernel::OpDef;

/// Every op of this family, for the registry.
pub const OPS: &[&OpDef] = &[
    &case::DEF,
    &if_op::DEF,
    &merge::DEF,
    &partitioned_call::DEF,
    &read_variable_op::DEF,
    &stateful_partitioned_call::DEF,
    &stateless_if::DEF,
    &stateless_while::DEF,
    &switch::DEF,
    &while_op::DEF,
];
