//! The supervisor side: spawn a confined worker, talk to it over the framed
//! socket, enforce wall-clock limits from outside, and turn the worker's
//! death into a typed error naming the cause.

use std::io::{self, BufWriter, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use ward_tensor::{Code, Error, Result, Tensor};

use crate::confine::{Layers, Mode};
use crate::protocol::{self, DEFAULT_MAX_FRAME, LoadReply, LoadRequest, Message, SharedTensor};
use crate::region::Region;
use crate::worker::message_name;
use crate::{sys, wake};

/// Default size of each shared region, inputs and outputs (64 MiB).
pub const DEFAULT_SHARED_REGION_BYTES: u64 = 64 << 20;
/// Covers the gap between a reply and a client's next request in a loop
/// (60-80 µs for MobileNetV2's input) with room to spare.
pub const DEFAULT_POLL_WINDOW: Duration = Duration::from_micros(200);

/// How to start workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// The executable to run (the embedding's own binary, e.g. `ward`).
    pub worker_exe: PathBuf,
    /// Leading arguments, e.g. `["__worker"]`; `--fd N --mode M --uid U
    /// --gid G --memory-bytes B --cpu-seconds S` are appended.
    pub worker_args: Vec<String>,
    pub mode: Mode,
    /// uid/gid to drop to when the supervisor runs as root (default 65534).
    pub user: Option<(u32, u32)>,
    /// Address-space limit of the worker (plus a fixed headroom); 0 = none.
    pub memory_bytes: u64,
    /// CPU-time limit of the worker process over its whole life; 0 = none.
    pub cpu_seconds: u64,
    /// Frame cap in both directions.
    pub max_frame: u32,
    /// Size of each of the two shared regions that carry large run inputs
    /// to the worker and its outputs back without streaming them through
    /// the socket; 0 = none. Their pages exist only once written, so this
    /// bounds the extra memory each holds (the largest input or output set
    /// sent through it). The worker writes only the output region.
    pub shared_region_bytes: u64,
    /// How long the worker may take to confine itself and say Started.
    pub start_timeout: Duration,
    /// How long each side busy-polls the socket when a message is due
    /// (see the `wake` module): the worker after each reply, the supervisor
    /// around the time a run's reply is expected. Zero sleeps at once.
    pub poll_window: Duration,
}

impl SandboxConfig {
    pub fn new(worker_exe: impl Into<PathBuf>, worker_args: Vec<String>) -> Self {
        SandboxConfig {
            worker_exe: worker_exe.into(),
            worker_args,
            mode: Mode::Strict,
            user: None,
            memory_bytes: 0,
            cpu_seconds: 0,
            max_frame: DEFAULT_MAX_FRAME,
            shared_region_bytes: DEFAULT_SHARED_REGION_BYTES,
            start_timeout: Duration::from_secs(10),
            poll_window: DEFAULT_POLL_WINDOW,
        }
    }
}

/// A running, confined worker process.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    stream: UnixStream,
    /// The shared input region (written here, read-only for the worker).
    region: Option<Region>,
    /// The shared output region (written by the worker, read-only here).
    replies: Option<Region>,
    layers: Layers,
    max_frame: u32,
    startup: Duration,
    poll_window: Duration,
    /// The last run's round trip: when the next reply is expected.
    last_run: Option<Duration>,
    /// Whether the loaded model's runs leave a CPU idle; only then does
    /// polling for the reply not take time from the run itself.
    spare_cpu: bool,
    /// Set once the worker died or was killed; further requests fail.
    dead: Option<Error>,
}

/// Reads with an overall deadline; remembers whether it ran out.
struct DeadlineReader<'a> {
    stream: &'a UnixStream,
    deadline: Instant,
    timed_out: bool,
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            self.timed_out = true;
            return Err(io::Error::new(io::ErrorKind::TimedOut, "deadline"));
        }
        self.stream.set_read_timeout(Some(left))?;
        match (&*self.stream).read(buf) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                self.timed_out = true;
                Err(io::Error::new(io::ErrorKind::TimedOut, "deadline"))
            }
            r => r,
        }
    }
}

impl Worker {
    /// Starts a worker and waits until it has confined itself (or refused
    /// to, in strict mode: then the error names the missing layer).
    pub fn spawn(config: &SandboxConfig) -> Result<Worker> {
        let started = Instant::now();
        let (ours, theirs) = UnixStream::pair()?;
        let fd = theirs.as_raw_fd();
        let (uid, gid) = config.user.unwrap_or((65534, 65534));
        let mut cmd = Command::new(&config.worker_exe);
        cmd.args(&config.worker_args)
            .arg("--fd")
            .arg(fd.to_string())
            .arg("--mode")
            .arg(config.mode.as_str())
            .arg("--uid")
            .arg(uid.to_string())
            .arg("--gid")
            .arg(gid.to_string())
            .arg("--memory-bytes")
            .arg(config.memory_bytes.to_string())
            .arg("--cpu-seconds")
            .arg(config.cpu_seconds.to_string())
            .arg("--poll-us")
            .arg(config.poll_window.as_micros().to_string())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A pipe, not our stderr: the worker runs with RLIMIT_FSIZE=0,
            // which would make writes to a regular file fail.
            .stderr(Stdio::piped());
        sys::keep_fd_on_exec(&mut cmd, fd);
        // Without the regions (no memfd, no /proc) tensors use the socket.
        // Each region's writer holds the read-write descriptor, its reader
        // the read-only one.
        let new_region = || match config.shared_region_bytes {
            0 => None,
            bytes => sys::shared_region(bytes).ok(),
        };
        let region = new_region();
        if let Some((_, theirs)) = &region {
            let tensor_fd = theirs.as_raw_fd();
            cmd.arg("--tensor-fd").arg(tensor_fd.to_string());
            sys::keep_fd_on_exec(&mut cmd, tensor_fd);
        }
        let replies = new_region();
        if let Some((theirs, _)) = &replies {
            let reply_fd = theirs.as_raw_fd();
            cmd.arg("--reply-fd").arg(reply_fd.to_string());
            sys::keep_fd_on_exec(&mut cmd, reply_fd);
        }
        let child = cmd.spawn().map_err(|e| {
            Error::internal(format!(
                "cannot start worker {}: {e}",
                config.worker_exe.display()
            ))
        })?;
        drop(theirs);
        let region = region.map(|(ours, _theirs)| Region::from_file(ours, true));
        let replies = replies.map(|(_theirs, ours)| Region::from_file(ours, false));
        let mut child = child;
        if let Some(err) = child.stderr.take() {
            forward_stderr(err, child.id());
        }
        let mut w = Worker {
            child,
            stream: ours,
            region,
            replies,
            layers: Layers(0),
            max_frame: config.max_frame,
            startup: Duration::ZERO,
            poll_window: config.poll_window,
            last_run: None,
            spare_cpu: false,
            dead: None,
        };
        match w.receive(config.start_timeout, "start")? {
            Message::Started(bits) => {
                w.layers = Layers(bits);
                w.startup = started.elapsed();
                Ok(w)
            }
            other => Err(w.unexpected(&other, "start")),
        }
    }

    /// The confinement layers the worker reported as active.
    pub fn layers(&self) -> Layers {
        self.layers
    }
    /// Spawn-to-ready time (process start + confinement + Started frame).
    pub fn startup_time(&self) -> Duration {
        self.startup
    }
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    pub fn is_alive(&self) -> bool {
        self.dead.is_none()
    }

    /// Sends the model and waits for its signature.
    pub fn load(&mut self, req: LoadRequest, timeout: Duration) -> Result<LoadReply> {
        self.spare_cpu = wake::leaves_a_cpu_free(req.limits.threads, wake::usable_cpus());
        self.last_run = None;
        match self.request(&Message::Load(req), timeout, "load")? {
            Message::Ready(r) => Ok(r),
            other => Err(self.unexpected(&other, "load")),
        }
    }

    /// Scans a model inside the worker; returns the report it produced.
    pub fn scan(&mut self, req: LoadRequest, timeout: Duration) -> Result<String> {
        match self.request(&Message::Scan(req), timeout, "scan")? {
            Message::Report(r) => Ok(r),
            other => Err(self.unexpected(&other, "scan")),
        }
    }

    /// Runs the loaded model on `inputs`.
    pub fn run(
        &mut self,
        inputs: Vec<(String, Tensor)>,
        timeout: Duration,
    ) -> Result<Vec<(String, Tensor)>> {
        let started = Instant::now();
        let msg = match self.place_in_region(&inputs)? {
            Some(refs) => Message::RunShared(refs),
            None => Message::Run(inputs),
        };
        self.send(&msg, timeout, "run")?;
        let sent = Instant::now();
        if let Some(expected) = self.last_run.take()
            && self.spare_cpu
            && !self.poll_window.is_zero()
            && expected < timeout
        {
            wake::await_reply(
                &self.stream,
                wake::plan_reply_wait(expected, self.poll_window),
            );
        }
        // The timeout counts from the send, waiting included.
        match self.receive(timeout.saturating_sub(sent.elapsed()), "run")? {
            Message::Outputs(o) => {
                self.last_run = Some(started.elapsed());
                Ok(o)
            }
            Message::OutputsShared(refs) => {
                let outputs = self
                    .replies
                    .as_ref()
                    .ok_or_else(|| {
                        Error::invalid_argument(
                            "protocol: worker sent outputs in a shared region it was not given",
                        )
                    })?
                    .read(&refs)?;
                self.last_run = Some(started.elapsed());
                Ok(outputs)
            }
            other => Err(self.unexpected(&other, "run")),
        }
    }

    /// Writes the inputs into the shared region when they gain from it and
    /// fit; `None` sends them through the socket.
    fn place_in_region(
        &mut self,
        inputs: &[(String, Tensor)],
    ) -> Result<Option<Vec<SharedTensor>>> {
        match &mut self.region {
            Some(region) => region.place(inputs),
            None => Ok(None),
        }
    }

    /// Sends any message and returns the reply (worker `Error` frames become
    /// `Err` with the worker's code).
    pub fn request(&mut self, msg: &Message, timeout: Duration, what: &str) -> Result<Message> {
        self.send(msg, timeout, what)?;
        self.receive(timeout, what)
    }

    fn send(&mut self, msg: &Message, timeout: Duration, what: &str) -> Result<()> {
        if let Some(e) = &self.dead {
            return Err(Error::failed_precondition(format!(
                "worker is not running ({e})"
            )));
        }
        let mut w = BufWriter::new(&self.stream);
        self.stream
            .set_write_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let sent = protocol::write_frame(&mut w, msg, self.max_frame);
        drop(w);
        if let Err(e) = sent {
            // Oversized frame: nothing was written, the worker is fine.
            if e.code() == Code::ResourceExhausted {
                return Err(e);
            }
            return Err(self.death(what, false));
        }
        Ok(())
    }

    fn receive(&mut self, timeout: Duration, what: &str) -> Result<Message> {
        let mut r = DeadlineReader {
            stream: &self.stream,
            deadline: deadline_after(timeout),
            timed_out: false,
        };
        let got = protocol::read_frame(&mut r, self.max_frame);
        let timed_out = r.timed_out;
        match got {
            Ok(Some(Message::Error { code, message })) => {
                let e = Error::msg(code, message);
                if what == "start" {
                    // The worker refused to start (strict confinement).
                    self.kill();
                    self.dead = Some(e.clone());
                }
                Err(e)
            }
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(self.death(what, false)),
            Err(_) if timed_out => Err(self.death(what, true)),
            Err(e) if e.code() == Code::InvalidArgument || e.code() == Code::ResourceExhausted => {
                // A worker that sends garbage is compromised or broken.
                self.kill();
                let e =
                    Error::internal(format!("worker sent a malformed reply during {what}: {e}"));
                self.dead = Some(e.clone());
                Err(e)
            }
            Err(_) => Err(self.death(what, false)),
        }
    }

    fn unexpected(&mut self, m: &Message, what: &str) -> Error {
        self.kill();
        let e = Error::internal(format!(
            "worker sent an unexpected {} during {what}",
            message_name(m)
        ));
        self.dead = Some(e.clone());
        e
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The worker stopped answering: kill it if `timed_out`, else collect its
    /// exit status, and describe the cause.
    fn death(&mut self, what: &str, timed_out: bool) -> Error {
        let err = if timed_out {
            self.kill();
            Error::msg(
                Code::DeadlineExceeded,
                format!("worker exceeded the wall-clock limit during {what} and was killed"),
            )
        } else {
            let status = self.wait_briefly();
            describe_exit(status, what)
        };
        self.dead = Some(err.clone());
        err
    }

    fn wait_briefly(&mut self) -> Option<ExitStatus> {
        let until = deadline_after(Duration::from_secs(2));
        while Instant::now() < until {
            match self.child.try_wait() {
                Ok(Some(s)) => return Some(s),
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(_) => break,
            }
        }
        self.kill();
        None
    }

    /// Asks the worker to exit and reaps it; an error if it did not exit
    /// cleanly within 2 s (then it is killed).
    pub fn shutdown(mut self) -> Result<()> {
        if self.dead.is_some() {
            return Ok(());
        }
        let mut w = BufWriter::new(&self.stream);
        let _ = protocol::write_frame(&mut w, &Message::Shutdown, self.max_frame);
        drop(w);
        let status = self.wait_briefly();
        self.dead = Some(Error::failed_precondition("worker was shut down"));
        match status {
            Some(s) if s.success() => Ok(()),
            other => Err(describe_exit(other, "shutdown")),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `now + d`, saturating at a year from now.
fn deadline_after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Copies the worker's diagnostics to our stderr, one prefixed line at a
/// time, until the worker exits. Lines are capped at 4 KiB.
fn forward_stderr(err: std::process::ChildStderr, pid: u32) {
    use std::io::{BufRead, Write};
    let _ = std::thread::Builder::new()
        .name(format!("ward-worker-{pid}-stderr"))
        .spawn(move || {
            let mut r = io::BufReader::new(err);
            let mut line = Vec::new();
            loop {
                line.clear();
                match (&mut r).take(4096).read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        let _ = writeln!(io::stderr(), "[worker {pid}] {}", text.trim_end());
                    }
                }
            }
        });
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGSYS => "SIGSYS".into(),
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGXCPU => "SIGXCPU".into(),
        libc::SIGXFSZ => "SIGXFSZ".into(),
        libc::SIGFPE => "SIGFPE".into(),
        libc::SIGTERM => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// Turns a worker's exit status into a typed error naming the cause.
pub fn describe_exit(status: Option<ExitStatus>, what: &str) -> Error {
    let Some(status) = status else {
        return Error::internal(format!(
            "worker closed the channel during {what} without replying (killed)"
        ));
    };
    if let Some(sig) = status.signal() {
        let name = signal_name(sig);
        return match sig {
            libc::SIGSYS => Error::permission_denied(format!(
                "worker attempted a forbidden system call during {what} (killed by {name})"
            )),
            libc::SIGKILL => Error::resource_exhausted(format!(
                "worker was killed by {name} during {what} (out of memory, CPU-time limit, or killed externally)"
            )),
            libc::SIGXCPU | libc::SIGXFSZ => Error::resource_exhausted(format!(
                "worker hit a resource limit during {what} (killed by {name})"
            )),
            libc::SIGABRT => {
                Error::internal(format!("worker aborted during {what} (killed by {name})"))
            }
            _ => Error::internal(format!("worker crashed during {what} (killed by {name})")),
        };
    }
    match status.code() {
        Some(code) => Error::internal(format!(
            "worker exited with status {code} during {what} without a reply"
        )),
        None => Error::internal(format!("worker ended during {what} without a reply")),
    }
}

/// Exponential backoff for restarting workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(5),
            attempts: 5,
        }
    }
}

/// Spawns a worker, retrying with exponential backoff. Strict-mode refusals
/// (FailedPrecondition) are not retried: they will not change.
pub fn restart_with_backoff(config: &SandboxConfig, backoff: Backoff) -> Result<Worker> {
    let mut delay = backoff.initial;
    let mut last = Error::internal("no attempt made");
    for attempt in 0..backoff.attempts.max(1) {
        if attempt > 0 {
            std::thread::sleep(delay);
            delay = delay.saturating_mul(2).min(backoff.max);
        }
        match Worker::spawn(config) {
            Ok(w) => return Ok(w),
            Err(e) if e.code() == Code::FailedPrecondition => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// One model in one worker, respawned (and reloaded) after the worker dies.
#[derive(Debug)]
pub struct Supervisor {
    config: SandboxConfig,
    backoff: Backoff,
    worker: Option<Worker>,
    model: Option<LoadRequest>,
    restarts: u64,
}

impl Supervisor {
    pub fn new(config: SandboxConfig, backoff: Backoff) -> Self {
        Supervisor {
            config,
            backoff,
            worker: None,
            model: None,
            restarts: 0,
        }
    }
    /// How many times a dead worker was replaced.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    fn live_worker(&mut self, timeout: Duration) -> Result<&mut Worker> {
        let alive = self.worker.as_ref().is_some_and(Worker::is_alive);
        if !alive {
            if self.worker.take().is_some() {
                self.restarts = self.restarts.saturating_add(1);
            }
            let mut w = restart_with_backoff(&self.config, self.backoff)?;
            if let Some(req) = &self.model {
                w.load(req.clone(), timeout)?;
            }
            self.worker = Some(w);
        }
        self.worker
            .as_mut()
            .ok_or_else(|| Error::internal("worker missing after restart"))
    }

    pub fn load(&mut self, req: LoadRequest, timeout: Duration) -> Result<LoadReply> {
        self.model = None;
        let reply = self.live_worker(timeout)?.load(req.clone(), timeout)?;
        self.model = Some(req);
        Ok(reply)
    }

    pub fn run(
        &mut self,
        inputs: Vec<(String, Tensor)>,
        timeout: Duration,
    ) -> Result<Vec<(String, Tensor)>> {
        self.live_worker(timeout)?.run(inputs, timeout)
    }

    pub fn worker(&self) -> Option<&Worker> {
        self.worker.as_ref()
    }
}
