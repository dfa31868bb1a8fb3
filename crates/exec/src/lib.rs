//! ward's planner and executor. A model is validated and compiled once into
//! an [`Executable`]; each run plans the needed nodes in a deterministic
//! order, infers shapes (refusing a run whose known peak memory cannot fit
//! its Budget before anything is allocated), then executes node by node,
//! checking the deadline and cancellation between ops and freeing each
//! intermediate as soon as its last reader has run.

mod executor;
mod plan;

pub use executor::{ExecOptions, Executable, RunRequest, build_pool};
pub use plan::{Estimate, Plan};
