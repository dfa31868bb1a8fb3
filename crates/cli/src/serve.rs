//! `ward serve` (a TF-Serving-compatible server) and `ward token new`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use ward_serve::auth::{Identity, hex, new_token, sha256};
use ward_serve::config::{Config, ModelConfig, SandboxLevel, ServerConfig};
use ward_serve::{ServeOptions, bind};

use crate::Failure;

#[derive(Clone, Copy, ValueEnum)]
pub enum ServeSandbox {
    Strict,
    BestEffort,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The server's TOML config (see examples/ward.toml): listen address,
    /// ports, TLS, identities and their grants, models and their limits.
    #[arg(long, conflicts_with_all = ["model_name", "model_base_path"])]
    pub config: Option<PathBuf>,
    /// Quick start: serve one model under this name (loopback only; a
    /// fresh token is printed once as `token: <value>`).
    #[arg(long = "model_name", requires = "model_base_path")]
    pub model_name: Option<String>,
    /// Quick start: the model's base path (TF Serving layout:
    /// BASE/<version>/saved_model.pb).
    #[arg(long = "model_base_path", requires = "model_name")]
    pub model_base_path: Option<PathBuf>,
    /// gRPC port (quick start default 8500; overrides the config).
    #[arg(long)]
    pub port: Option<u16>,
    /// REST port (quick start default 8501; overrides the config).
    #[arg(long = "rest_api_port")]
    pub rest_api_port: Option<u16>,
    /// Quick start: how strictly model workers are confined.
    #[arg(long, value_enum, default_value = "strict")]
    pub sandbox: ServeSandbox,
    /// Log verbosity on stderr.
    #[arg(long, value_enum, default_value = "info")]
    pub log_level: LogLevel,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token: prints `token: <value>` (give it to the client)
    /// and `token_sha256: <hex>` (put it in the config's [[identity]]).
    New,
}

pub fn token(cmd: &TokenCommand) -> Result<(), Failure> {
    match cmd {
        TokenCommand::New => {
            let t =
                new_token().map_err(|e| Failure::Model(ward_tensor::Error::internal(e.message)))?;
            say!("token: {t}");
            say!("token_sha256: {}", hex(&sha256(t.as_bytes())));
            Ok(())
        }
    }
}

fn quick_start(
    args: &ServeArgs,
    name: &str,
    base: &std::path::Path,
) -> Result<(Config, String), Failure> {
    if !ward_serve::config::valid_model_name(name) {
        return Err(Failure::Usage(format!(
            "--model_name '{name}' may use only letters, digits, '_', '-' and '.'"
        )));
    }
    let token = new_token().map_err(|e| Failure::Model(ward_tensor::Error::internal(e.message)))?;
    let base = std::fs::canonicalize(base)
        .map_err(|e| Failure::Usage(format!("--model_base_path {}: {e}", base.display())))?;
    let server = ServerConfig {
        grpc_port: Some(args.port.unwrap_or(8500)),
        rest_port: Some(args.rest_api_port.unwrap_or(8501)),
        audit_log: Some(PathBuf::from("-")),
        sandbox: match args.sandbox {
            ServeSandbox::Strict => SandboxLevel::Strict,
            ServeSandbox::BestEffort => SandboxLevel::BestEffort,
        },
        ..ServerConfig::default()
    };
    let config = Config {
        server,
        tls: None,
        identities: vec![Identity::everything("quickstart", sha256(token.as_bytes()))],
        models: vec![ModelConfig::new(name, base)],
    };
    Ok((config, token))
}

fn init_logging(level: LogLevel) {
    let level = match level {
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut t), Ok(mut i)) => {
            tokio::select! {
                _ = t.recv() => {}
                _ = i.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}

pub fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let (mut config, token) = match (&args.config, &args.model_name, &args.model_base_path) {
        (Some(path), _, _) => {
            let c = Config::from_file(path).map_err(|e| Failure::Usage(e.to_string()))?;
            (c, None)
        }
        (None, Some(name), Some(base)) => {
            let (c, t) = quick_start(args, name, base)?;
            (c, Some(t))
        }
        _ => {
            return Err(Failure::Usage(
                "give --config FILE, or --model_name NAME --model_base_path DIR".into(),
            ));
        }
    };
    if args.config.is_some() {
        if let Some(p) = args.port {
            config.server.grpc_port = Some(p);
        }
        if let Some(p) = args.rest_api_port {
            config.server.rest_port = Some(p);
        }
    }
    init_logging(args.log_level);
    let exe = std::env::current_exe().map_err(|e| {
        ward_tensor::Error::internal(format!("cannot find the ward executable: {e}"))
    })?;
    let user = config.server.user.clone();
    let bound = bind(
        config,
        ServeOptions {
            worker_exe: exe,
            worker_args: vec!["__worker".into()],
        },
    )
    .map_err(|e| Failure::Model(ward_tensor::Error::failed_precondition(e)))?;
    // Bound as whoever started us; now give up root before any thread runs.
    match ward_serve::server::drop_privileges(&user) {
        Ok(Some(u)) => tracing::info!("dropped privileges to user '{u}'"),
        Ok(None) => {}
        Err(e) => return Err(Failure::Model(ward_tensor::Error::failed_precondition(e))),
    }
    if let Some(a) = bound.grpc_addr() {
        tracing::info!(
            "gRPC on {a}{}",
            if bound.config().tls.is_some() {
                " (TLS)"
            } else {
                ""
            }
        );
    }
    if let Some(a) = bound.rest_addr() {
        tracing::info!(
            "REST on {a}{}",
            if bound.config().tls.is_some() {
                " (TLS)"
            } else {
                ""
            }
        );
    }
    if let Some(t) = token {
        say!("token: {t}");
        let _ = std::io::stdout().flush();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ward_tensor::Error::internal(format!("cannot start the runtime: {e}")))?;
    runtime
        .block_on(bound.run(shutdown_signal()))
        .map_err(|e| Failure::Model(ward_tensor::Error::failed_precondition(e)))
}
