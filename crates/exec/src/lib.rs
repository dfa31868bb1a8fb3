//! ward's planner and executor. A model is validated and compiled once into
//! an [`Executable`]; each run plans the needed nodes in a deterministic
//! order, infers shapes (refusing a run whose known peak memory cannot fit
//! its Budget before anything is allocated), then executes node by node,
//! checking the deadline and cancellation between ops and freeing each
//! intermediate as soon as its last reader has run. At load the main graph
//! is optimized ([`optimize`]): calls inlined, constants folded, BatchNorm,
//! bias and activation folded into the convolution before them.

mod executor;
pub mod optimize;
mod plan;

pub use executor::{ExecOptions, Executable, RunRequest, build_pool, build_pool_on_this_thread};
pub use optimize::OptimizeStats;
pub use plan::{Estimate, Plan};
