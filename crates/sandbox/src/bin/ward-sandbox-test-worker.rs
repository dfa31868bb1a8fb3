//! Test-only worker (feature `hostile-tests`): echoes tensors and performs
//! hostile actions on request. Never part of a release build.

use std::process::ExitCode;
use std::sync::mpsc;

use ward_sandbox::{Handler, LoadReply, LoadRequest};
use ward_tensor::{Error, Result, Tensor};

type Named = Vec<(String, Tensor)>;

/// Echo handler with a one-thread "pool" started in `prepare`, before
/// seccomp, as an embedding would start rayon.
#[derive(Default)]
struct Echo {
    pool: Option<(mpsc::Sender<Named>, mpsc::Receiver<Named>)>,
}

impl Handler for Echo {
    fn prepare(&mut self) -> Result<()> {
        let _ = std::thread::available_parallelism();
        let (to_pool, pool_in) = mpsc::channel::<Named>();
        let (pool_out, from_pool) = mpsc::channel::<Named>();
        std::thread::Builder::new()
            .name("echo-pool".into())
            .spawn(move || {
                while let Ok(v) = pool_in.recv() {
                    if pool_out.send(v).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::internal(format!("pool thread: {e}")))?;
        self.pool = Some((to_pool, from_pool));
        Ok(())
    }
    fn load(&mut self, req: LoadRequest) -> Result<LoadReply> {
        let outputs: Vec<String> = req.files.into_iter().map(|(p, _)| p).collect();
        Ok(LoadReply {
            inputs: Vec::new(),
            output_specs: vec![(None, Vec::new()); outputs.len()],
            outputs,
        })
    }
    fn run(&mut self, inputs: Named) -> Result<Named> {
        // A run that takes a while: an input named "sleep_ms" (i64 scalar).
        if let Some((_, t)) = inputs.iter().find(|(name, _)| name == "sleep_ms") {
            let ms = t.as_slice::<i64>()?.first().copied().unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(ms.unsigned_abs()));
        }
        // Through the pre-seccomp pool thread...
        let (tx, rx) = self
            .pool
            .as_ref()
            .ok_or_else(|| Error::internal("no pool"))?;
        tx.send(inputs).map_err(|_| Error::internal("pool gone"))?;
        let inputs = rx.recv().map_err(|_| Error::internal("pool gone"))?;
        // ...and a thread created under seccomp (clone3 → ENOSYS → clone).
        let handle = std::thread::spawn(move || inputs);
        handle
            .join()
            .map_err(|_| Error::internal("echo thread panicked"))
    }
}

fn main() -> ExitCode {
    ward_sandbox::worker_main_from_args(std::env::args().skip(1), &mut Echo::default())
}
