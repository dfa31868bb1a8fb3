//! ward-sandbox: untrusted model bytes are parsed and executed only inside a
//! confined worker process.
//!
//! - [`protocol`]: the framed, size-capped, fully validated IPC messages.
//! - [`worker`]: the worker entry point and the [`Handler`] an embedding
//!   implements.
//! - [`confine`]: namespaces, uid drop, empty root, Landlock, rlimits,
//!   no_new_privs, seccomp; [`check`] reports what this machine supports.
//! - [`supervisor`]: spawning, timeouts, death → typed errors, restarts.
//! - `region`: run inputs and outputs through shared memory, checked.
//! - `wake`: bounded busy-polling of the socket when a message is due.
//!
//! See README.md for the threat model and the syscall allowlist.

pub mod confine;
#[cfg(feature = "hostile-tests")]
pub mod hostile;
pub mod protocol;
mod region;
pub mod supervisor;
mod sys;
mod wake;
pub mod worker;

pub use confine::{CheckReport, ConfineOptions, Layer, Layers, Mode, check};
#[cfg(feature = "hostile-tests")]
pub use protocol::HostileAction;
pub use protocol::{LoadReply, LoadRequest, Message, ModelKind, WorkerLimits, decode_message};
pub use supervisor::{Backoff, SandboxConfig, Supervisor, Worker, restart_with_backoff};
pub use worker::{Handler, WorkerArgs, worker_main, worker_main_from_args};
