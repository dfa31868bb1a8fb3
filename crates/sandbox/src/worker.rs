//! The worker side: confinement first, then serve Load / Run / Shutdown
//! frames until the supervisor closes the channel.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::time::Duration;

use ward_tensor::{Error, Result, Tensor};

use crate::confine::{self, ConfineOptions, Layers, Mode};
use crate::protocol::{self, DEFAULT_MAX_FRAME, LoadReply, LoadRequest, Message};
use crate::region::Region;
use crate::{sys, wake};

/// What the embedding (the `ward` CLI) implements: parse and run models.
/// Everything here runs inside the sandbox.
pub trait Handler {
    /// Called after the namespaces are entered and before the filesystem,
    /// Landlock and seccomp are locked: read what must be read from /sys or
    /// /proc and start thread pools here (rayon spawns threads lazily; build
    /// the pool and make every thread run once). Default: nothing.
    fn prepare(&mut self) -> Result<()> {
        Ok(())
    }
    fn load(&mut self, req: LoadRequest) -> Result<LoadReply>;
    /// Scans the model without loading it for runs; returns the report.
    fn scan(&mut self, req: LoadRequest) -> Result<String> {
        let _ = req;
        Err(ward_tensor::Error::unimplemented(
            "this worker does not scan",
        ))
    }
    fn run(&mut self, inputs: Vec<(String, Tensor)>) -> Result<Vec<(String, Tensor)>>;
}

/// Exit status when confinement failed in strict mode.
pub const EXIT_CONFINEMENT_FAILED: u8 = 78;
/// Exit status for bad command-line arguments.
pub const EXIT_USAGE: u8 = 64;

/// Parsed worker command line: `--fd N --mode M [--uid U --gid G]
/// [--memory-bytes B] [--cpu-seconds S] [--tensor-fd T] [--reply-fd R] [--poll-us P]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerArgs {
    pub fd: i32,
    /// Read-only shared region the supervisor writes input tensors into.
    pub tensor_fd: Option<i32>,
    /// Shared region this worker writes run outputs into.
    pub reply_fd: Option<i32>,
    pub confine: ConfineOptions,
    /// How long to busy-poll for the next request after each reply.
    pub poll_window: Duration,
}

impl WorkerArgs {
    pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<WorkerArgs> {
        let mut fd = None;
        let mut tensor_fd = None;
        let mut reply_fd = None;
        let mut poll_window = Duration::ZERO;
        let mut confine = ConfineOptions::default();
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            let mut value = || {
                it.next()
                    .ok_or_else(|| Error::invalid_argument(format!("worker: {flag} needs a value")))
            };
            let num = |v: String| {
                v.parse::<u64>()
                    .map_err(|_| Error::invalid_argument(format!("worker: bad number '{v}'")))
            };
            match flag.as_str() {
                "--fd" | "--tensor-fd" | "--reply-fd" => {
                    let v = value()?
                        .parse::<i32>()
                        .map_err(|_| Error::invalid_argument(format!("worker: bad {flag}")))?;
                    match flag.as_str() {
                        "--fd" => fd = Some(v),
                        "--tensor-fd" => tensor_fd = Some(v),
                        _ => reply_fd = Some(v),
                    }
                }
                "--mode" => {
                    let v = value()?;
                    confine.mode = Mode::parse(&v).ok_or_else(|| {
                        Error::invalid_argument(format!("worker: bad mode '{v}'"))
                    })?;
                }
                "--uid" => {
                    confine.user.0 =
                        u32::try_from(num(value()?)?).map_err(|_| Error::invalid_argument("uid"))?
                }
                "--gid" => {
                    confine.user.1 =
                        u32::try_from(num(value()?)?).map_err(|_| Error::invalid_argument("gid"))?
                }
                "--memory-bytes" => confine.memory_bytes = num(value()?)?,
                "--cpu-seconds" => confine.cpu_seconds = num(value()?)?,
                "--poll-us" => poll_window = Duration::from_micros(num(value()?)?),
                other => {
                    return Err(Error::invalid_argument(format!(
                        "worker: unknown argument '{other}'"
                    )));
                }
            }
        }
        let fd = fd.ok_or_else(|| Error::invalid_argument("worker: --fd is required"))?;
        Ok(WorkerArgs {
            fd,
            tensor_fd,
            reply_fd,
            confine,
            poll_window,
        })
    }
}

/// Entry point with default options (uid/gid 65534, no memory or CPU limit).
pub fn worker_main(fd: i32, mode: Mode, handler: &mut dyn Handler) -> ExitCode {
    let confine = ConfineOptions {
        mode,
        ..ConfineOptions::default()
    };
    worker_main_with(
        &WorkerArgs {
            fd,
            tensor_fd: None,
            reply_fd: None,
            confine,
            poll_window: Duration::ZERO,
        },
        handler,
    )
}

/// Entry point for the hidden `__worker` subcommand: parses the arguments the
/// supervisor appended and serves.
pub fn worker_main_from_args<I: IntoIterator<Item = String>>(
    args: I,
    handler: &mut dyn Handler,
) -> ExitCode {
    match WorkerArgs::parse(args) {
        Ok(a) => worker_main_with(&a, handler),
        Err(e) => {
            eprintln!("ward-sandbox worker: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

pub fn worker_main_with(args: &WorkerArgs, handler: &mut dyn Handler) -> ExitCode {
    sys::retain_freed_heap();
    let fd = args.fd;
    let opts = &args.confine;
    // Phase 1 before the descriptor becomes a Rust object: the outer process
    // forked here never returns from enter_namespaces.
    let entered = if opts.mode == Mode::Off {
        eprintln!("ward-sandbox worker: WARNING: sandbox mode is off; model code runs unconfined");
        Ok((Layers(0), Vec::new()))
    } else {
        let inherited: Vec<i32> = std::iter::once(fd)
            .chain(args.tensor_fd)
            .chain(args.reply_fd)
            .collect();
        confine::enter_namespaces(opts, &inherited)
    };
    let owned = match sys::take_fd(fd) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ward-sandbox worker: bad --fd {fd}: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // Mapped now, before lock-down: reading inputs and writing outputs are
    // then memory copies.
    let map = |fd: Option<i32>, writable: bool, flag: &str| match fd.map(sys::take_fd).transpose() {
        Ok(r) => Ok(r.map(|fd| Region::from_file(File::from(fd), writable))),
        Err(e) => {
            eprintln!("ward-sandbox worker: bad {flag}: {e}");
            Err(ExitCode::from(EXIT_USAGE))
        }
    };
    let regions = match (
        map(args.tensor_fd, false, "--tensor-fd"),
        map(args.reply_fd, true, "--reply-fd"),
    ) {
        (Ok(inputs), Ok(outputs)) => Regions { inputs, outputs },
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let stream = UnixStream::from(owned);
    let mut writer = match stream.try_clone() {
        Ok(s) => BufWriter::new(s),
        Err(e) => {
            eprintln!("ward-sandbox worker: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let max = DEFAULT_MAX_FRAME;
    let fail = |writer: &mut BufWriter<UnixStream>, e: Error| {
        let _ = protocol::write_frame(
            writer,
            &Message::Error {
                code: e.code(),
                message: e.to_string(),
            },
            max,
        );
        note(&e.to_string());
        ExitCode::from(EXIT_CONFINEMENT_FAILED)
    };
    let (layers, mut notes) = match entered {
        Ok(x) => x,
        Err(e) => return fail(&mut writer, e),
    };
    if let Err(e) = handler.prepare() {
        return fail(
            &mut writer,
            e.with(ward_tensor::Frame::Note("worker prepare hook".into())),
        );
    }
    let layers = if opts.mode == Mode::Off {
        layers
    } else {
        match confine::lock_down(opts, layers, &mut notes) {
            Ok(l) => l,
            Err(e) => return fail(&mut writer, e),
        }
    };
    if opts.mode == Mode::BestEffort && !notes.is_empty() {
        eprintln!(
            "ward-sandbox worker: best-effort sandbox, layers off: {}",
            notes.join("; ")
        );
    }
    if protocol::write_frame(&mut writer, &Message::Started(layers.0), max).is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    serve(
        BufReader::new(stream),
        writer,
        handler,
        max,
        regions,
        args.poll_window,
    )
}

/// The worker's shared regions: inputs (read-only), outputs (writable).
struct Regions {
    inputs: Option<Region>,
    outputs: Option<Region>,
}

fn serve(
    mut reader: BufReader<UnixStream>,
    mut writer: BufWriter<UnixStream>,
    handler: &mut dyn Handler,
    max: u32,
    mut regions: Regions,
    poll_window: Duration,
) -> ExitCode {
    loop {
        // Between requests the model's threads are idle: polling takes no
        // CPU from a run.
        if reader.buffer().is_empty() && !poll_window.is_zero() {
            wake::poll_until_readable(reader.get_ref(), poll_window);
        }
        let msg = match protocol::read_frame(&mut reader, max) {
            Ok(Some(m)) => m,
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                // A malformed frame leaves the stream out of sync: report and stop.
                let _ = protocol::write_frame(&mut writer, &error_msg(&e), max);
                return ExitCode::from(EXIT_USAGE);
            }
        };
        let reply = match msg {
            Message::Load(req) => match handler.load(req) {
                Ok(r) => Message::Ready(r),
                Err(e) => error_msg(&e),
            },
            #[cfg(feature = "hostile-tests")]
            Message::Run(inputs) if crate::hostile::bogus_reply(&inputs).is_some() => {
                crate::hostile::bogus_reply(&inputs)
                    .unwrap_or_else(|| error_msg(&Error::internal("no bogus reply")))
            }
            Message::Run(inputs) => {
                match handler
                    .run(inputs)
                    .and_then(|o| outputs(&mut regions.outputs, o))
                {
                    Ok(reply) => reply,
                    Err(e) => error_msg(&e),
                }
            }
            Message::RunShared(refs) => {
                let inputs = regions.inputs.as_ref().ok_or_else(|| {
                    Error::failed_precondition(
                        "worker: run data in a shared region, but none was given",
                    )
                });
                match inputs
                    .and_then(|region| region.read(&refs))
                    .and_then(|inputs| handler.run(inputs))
                    .and_then(|o| outputs(&mut regions.outputs, o))
                {
                    Ok(reply) => reply,
                    Err(e) => error_msg(&e),
                }
            }
            Message::Scan(req) => match handler.scan(req) {
                Ok(json) => Message::Report(json),
                Err(e) => error_msg(&e),
            },
            Message::Shutdown => return ExitCode::SUCCESS,
            #[cfg(feature = "hostile-tests")]
            Message::Hostile(action) => match crate::hostile::perform(&action) {
                Ok(()) => Message::Outputs(Vec::new()),
                Err(e) => error_msg(&e),
            },
            other => error_msg(&Error::invalid_argument(format!(
                "worker: unexpected message {}",
                message_name(&other)
            ))),
        };
        // A reply that cannot be encoded (too large, a string tensor) is
        // reported as that error; only I/O failures (Internal) end the worker.
        let reply = match protocol::write_frame(&mut writer, &reply, max) {
            Err(e) if e.code() != ward_tensor::Code::Internal => {
                protocol::write_frame(&mut writer, &error_msg(&e), max)
            }
            r => r,
        };
        if reply.is_err() {
            return ExitCode::from(EXIT_USAGE);
        }
    }
}

/// The reply to a run: its outputs placed in the reply region when they
/// gain from it and fit, else sent whole through the socket.
fn outputs(region: &mut Option<Region>, outputs: Vec<(String, Tensor)>) -> Result<Message> {
    match region.as_mut().map(|r| r.place(&outputs)).transpose()? {
        Some(Some(refs)) => Ok(Message::OutputsShared(refs)),
        _ => Ok(Message::Outputs(outputs)),
    }
}

/// A diagnostic line on stderr that never panics (stderr may be closed or
/// refuse writes under RLIMIT_FSIZE).
fn note(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "ward-sandbox worker: {msg}");
}

fn error_msg(e: &Error) -> Message {
    Message::Error {
        code: e.code(),
        message: e.to_string(),
    }
}

pub(crate) fn message_name(m: &Message) -> &'static str {
    match m {
        Message::Started(_) => "Started",
        Message::Load(_) => "Load",
        Message::Ready(_) => "Ready",
        Message::Run(_) => "Run",
        Message::RunShared(_) => "RunShared",
        Message::Outputs(_) => "Outputs",
        Message::OutputsShared(_) => "OutputsShared",
        Message::Error { .. } => "Error",
        Message::Shutdown => "Shutdown",
        Message::Scan(_) => "Scan",
        Message::Report(_) => "Report",
        #[cfg(feature = "hostile-tests")]
        Message::Hostile(_) => "Hostile",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<WorkerArgs> {
        WorkerArgs::parse(args.iter().map(|a| (*a).to_string()))
    }

    #[test]
    fn every_flag_the_supervisor_passes_is_parsed() {
        let a = parse(&[
            "--fd",
            "5",
            "--mode",
            "strict",
            "--uid",
            "7",
            "--gid",
            "8",
            "--memory-bytes",
            "1024",
            "--cpu-seconds",
            "60",
            "--poll-us",
            "200",
            "--tensor-fd",
            "6",
            "--reply-fd",
            "7",
        ])
        .unwrap();
        assert_eq!((a.fd, a.tensor_fd, a.reply_fd), (5, Some(6), Some(7)));
        assert_eq!(a.confine.mode, Mode::Strict);
        assert_eq!(a.confine.user, (7, 8));
        assert_eq!((a.confine.memory_bytes, a.confine.cpu_seconds), (1024, 60));
        assert_eq!(a.poll_window, Duration::from_micros(200));
        assert_eq!(parse(&["--fd", "5"]).unwrap().poll_window, Duration::ZERO);
    }

    #[test]
    fn bad_worker_arguments_are_refused() {
        for bad in [
            &["--poll-us", "soon", "--fd", "5"][..],
            &["--fd", "5", "--reply-fd", "x"],
            &["--fd", "5", "--poll-us"],
            &["--mode", "strict"],
            &["--fd", "5", "--frobnicate", "1"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
