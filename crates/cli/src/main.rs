//! `ward`: inspect and run untrusted TensorFlow models under strict limits.
//!
//! Exit codes: 0 success; 1 an error caused by a model, checkpoint, input
//! or budget (printed as `error: <Code>: <message>`); 2 a usage error.

/// Prints a line to stdout, ignoring a closed pipe (`ward show | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Prints a line to stderr, ignoring a closed pipe.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod args;
mod bench;
mod engine;
mod inputs;
mod run;
mod scan;
mod serve;
mod show;

use clap::{Parser, Subcommand};

/// Tensor buffers start on a cache line (see the allocator's module); the
/// sandbox worker is this binary too.
#[global_allocator]
static ALLOCATOR: ward_ops::kernels::aligned::LineAligned = ward_ops::kernels::aligned::LineAligned;
use std::process::ExitCode;

const ABOUT: &str = "ward runs untrusted machine-learning models safely.

TensorFlow's own security guidance says models are programs: a graph or
checkpoint can read and write files, reach the network, exhaust memory or
loop forever, and the TensorFlow runtime is no sandbox. ward is a
memory-safe runtime for such models: every size is checked, every
allocation is charged to a memory budget, every run has a deadline and a
loop cap, and every malformed model, checkpoint or input ends in a typed
error instead of a crash.

Exit codes: 0 success; 1 an error caused by the model, checkpoint, input or
a budget (printed as `error: <Code>: <message>`); 2 a usage error.";

#[derive(Parser)]
#[command(name = "ward", version, about = "Run untrusted TensorFlow models safely", long_about = ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show a model's inputs, outputs and ops.
    Show(show::ShowArgs),
    /// Run a model on inputs from .npy/.npz files or literals and write its outputs as .npy.
    /// The model is scanned first and refused if the policy denies what it does.
    Run(run::RunArgs),
    /// Audit a model without running it: capabilities, reachable ops, checkpoint- and
    /// input-steerable control flow, input-controlled sizes, loops and paths.
    /// Exit codes: 0 clean, 1 findings, 2 usage error, 3 the scan could not complete.
    Scan(scan::ScanArgs),
    /// Measure a model's steady-state latency, throughput, load time and peak memory
    /// (random inputs matching the signature unless given).
    Bench(bench::BenchArgs),
    /// Serve models over TF Serving's REST and gRPC APIs, safely: every request
    /// authenticated and authorized, every model scanned and run in sandboxed
    /// workers, TLS, limits and an audit log. Quick start:
    /// `ward serve --model_name NAME --model_base_path DIR` (prints a token).
    Serve(serve::ServeArgs),
    /// Manage API tokens for `ward serve`.
    Token {
        #[command(subcommand)]
        command: serve::TokenCommand,
    },
    /// Inspect the sandbox: `ward sandbox check` prints which confinement layers this
    /// machine supports and exits 0 only when strict mode can run.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Probe every confinement layer on this machine.
    Check,
}

fn sandbox_check() -> ExitCode {
    let report = ward_sandbox::check();
    say!("{report}");
    if report.strict_ok() {
        say!("strict mode: available");
        ExitCode::SUCCESS
    } else {
        say!(
            "strict mode: NOT available on this machine (use --sandbox best-effort, or fix the layers above)"
        );
        ExitCode::from(1)
    }
}

/// An error from the command line itself (exit 2) or from the model,
/// its inputs or a budget (exit 1).
pub enum Failure {
    Usage(String),
    Model(ward_tensor::Error),
}

impl From<ward_tensor::Error> for Failure {
    fn from(e: ward_tensor::Error) -> Self {
        Failure::Model(e)
    }
}

fn main() -> ExitCode {
    // The sandboxed worker: entered before anything else runs, while the
    // process is single-threaded (user namespaces require it).
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).map(String::as_str) == Some("__worker") {
        let full_width = argv.get(2).map(String::as_str) == Some(engine::FULL_WIDTH_FLAG);
        let mut handler = engine::WardHandler::new(full_width);
        let skip = if full_width { 3 } else { 2 };
        return ward_sandbox::worker_main_from_args(argv.into_iter().skip(skip), &mut handler);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Show(a) => show::show(&a),
        Command::Run(a) => run::run(&a),
        Command::Scan(a) => return scan::run(&a),
        Command::Bench(a) => bench::bench(&a),
        Command::Serve(a) => serve::serve(&a),
        Command::Token { command } => serve::token(&command),
        Command::Sandbox {
            command: SandboxCommand::Check,
        } => return sandbox_check(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            note!("error: usage: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Model(e)) => {
            note!("error: {}: {e}", e.code());
            ExitCode::from(1)
        }
    }
}
