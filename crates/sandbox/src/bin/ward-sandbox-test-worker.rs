//! Test-only worker (feature `hostile-tests`): echoes tensors and performs
//! hostile actions on request. Never part of a release build.

use std::process::ExitCode;

use ward_sandbox::{Handler, LoadReply, LoadRequest};
use ward_tensor::{Result, Tensor};

struct Echo;

impl Handler for Echo {
    fn prepare(&mut self) -> Result<()> {
        // Start a helper thread before seccomp, as a thread pool would.
        let _ = std::thread::available_parallelism();
        Ok(())
    }
    fn load(&mut self, req: LoadRequest) -> Result<LoadReply> {
        Ok(LoadReply {
            inputs: Vec::new(),
            outputs: req.files.into_iter().map(|(p, _)| p).collect(),
        })
    }
    fn run(&mut self, inputs: Vec<(String, Tensor)>) -> Result<Vec<(String, Tensor)>> {
        // Exercise thread creation under seccomp (clone3 → ENOSYS → clone).
        let handle = std::thread::spawn(move || inputs);
        handle
            .join()
            .map_err(|_| ward_tensor::Error::internal("echo thread panicked"))
    }
}

fn main() -> ExitCode {
    ward_sandbox::worker_main_from_args(std::env::args().skip(1), &mut Echo)
}
