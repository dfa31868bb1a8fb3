//! `ward serve` configuration: one TOML file, validated at start. Every
//! error names the line it comes from. Relative paths are resolved against
//! the config file's directory. See `examples/ward.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use ward_tensor::units::{parse_bytes, parse_duration};

use crate::auth::{Grant, Identity, ModelMatch, Verb, parse_sha256};

/// A configuration error, with the line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// How a model's versions are chosen from its base path (TF Serving's
/// `model_version_policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionPolicy {
    /// The N highest version numbers.
    Latest(u32),
    All,
    Specific(BTreeSet<i64>),
}

/// Where model workers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxLevel {
    /// Every confinement layer or no start.
    Strict,
    /// The layers this kernel allows.
    BestEffort,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub name: String,
    pub base_path: PathBuf,
    pub version_policy: VersionPolicy,
    pub labels: BTreeMap<String, i64>,
    pub tag_set: Vec<String>,
    pub signature: String,
    /// Scan policy (TOML text); empty = ward's default policy.
    pub policy_toml: String,
    pub workers: u32,
    pub queue: u32,
    pub max_batch: u64,
    pub max_elements: u64,
    pub memory_bytes: u64,
    pub timeout: Duration,
    pub threads: u32,
    pub max_loop_iterations: u64,
    pub max_model_bytes: u64,
    /// Rewrite the graph at load (inlining, folding, fusion).
    pub optimize: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Trust roots for client certificates (enables mTLS).
    pub client_ca: Option<PathBuf>,
    /// With a client CA: must every client present a certificate?
    pub require_client_cert: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub listen: IpAddr,
    pub grpc_port: Option<u16>,
    pub rest_port: Option<u16>,
    pub insecure: bool,
    /// Unprivileged user to switch to after binding, when started as root.
    pub user: String,
    /// Where audit lines go: a file path, or `-` for stderr; None = off.
    pub audit_log: Option<PathBuf>,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub header_timeout: Duration,
    pub shutdown_grace: Duration,
    pub max_body_bytes: u64,
    pub max_connections: u32,
    pub sandbox: SandboxLevel,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub server: ServerConfig,
    pub tls: Option<TlsConfig>,
    pub identities: Vec<Identity>,
    pub models: Vec<ModelConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: IpAddr::from([127, 0, 0, 1]),
            grpc_port: Some(8500),
            rest_port: Some(8501),
            insecure: false,
            user: "nobody".into(),
            audit_log: None,
            poll_interval: Duration::from_secs(2),
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            max_body_bytes: 64 << 20,
            max_connections: 1024,
            sandbox: SandboxLevel::Strict,
        }
    }
}

impl ModelConfig {
    /// A model with every setting at its default.
    pub fn new(name: impl Into<String>, base_path: impl Into<PathBuf>) -> Self {
        ModelConfig {
            name: name.into(),
            base_path: base_path.into(),
            version_policy: VersionPolicy::Latest(1),
            labels: BTreeMap::new(),
            tag_set: vec!["serve".into()],
            signature: "serving_default".into(),
            policy_toml: String::new(),
            workers: 1,
            queue: 64,
            max_batch: 1024,
            max_elements: 16 << 20,
            memory_bytes: 2 << 30,
            timeout: Duration::from_secs(30),
            threads: 1,
            max_loop_iterations: 1_000_000,
            max_model_bytes: 4 << 30,
            optimize: true,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    tls: Option<RawTls>,
    #[serde(default)]
    identity: Vec<RawIdentity>,
    #[serde(default)]
    model: Vec<RawModel>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<Spanned<String>>,
    grpc_port: Option<u16>,
    rest_port: Option<u16>,
    #[serde(default)]
    insecure: bool,
    user: Option<String>,
    audit_log: Option<String>,
    poll_interval: Option<Spanned<String>>,
    request_timeout: Option<Spanned<String>>,
    header_timeout: Option<Spanned<String>>,
    shutdown_grace: Option<Spanned<String>>,
    max_body: Option<Spanned<String>>,
    max_connections: Option<u32>,
    sandbox: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    cert: String,
    key: String,
    client_ca: Option<String>,
    #[serde(default = "default_true")]
    require_client_cert: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    name: Spanned<String>,
    token_sha256: Option<Spanned<String>>,
    client_cert_sha256: Option<Spanned<String>>,
    #[serde(default)]
    metrics: bool,
    #[serde(default)]
    grant: Vec<RawGrant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrant {
    models: Vec<Spanned<String>>,
    versions: Option<Vec<i64>>,
    verbs: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Spanned<String>,
    base_path: Spanned<String>,
    version_policy: Option<Spanned<String>>,
    latest: Option<u32>,
    versions: Option<Vec<i64>>,
    #[serde(default)]
    labels: BTreeMap<String, i64>,
    tag_set: Option<Vec<String>>,
    signature: Option<String>,
    policy: Option<Spanned<String>>,
    workers: Option<u32>,
    queue: Option<u32>,
    max_batch: Option<u64>,
    max_elements: Option<u64>,
    memory_limit: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    threads: Option<u32>,
    max_loop_iterations: Option<u64>,
    max_model_bytes: Option<Spanned<String>>,
    optimize: Option<bool>,
}

struct Ctx<'a> {
    file: String,
    text: &'a str,
    base: PathBuf,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text
            .get(..end)
            .map_or(0, |s| s.bytes().filter(|b| *b == b'\n').count())
            .saturating_add(1)
    }
    fn err<T>(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Result<T, ConfigError> {
        Err(ConfigError {
            file: self.file.clone(),
            line: span.map(|s| self.line(s.start)),
            message: message.into(),
        })
    }
    fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }
    fn duration(
        &self,
        v: &Option<Spanned<String>>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => parse_duration(s.get_ref()).or_else(|e| self.err(Some(s.span()), e)),
        }
    }
    fn bytes(&self, v: &Option<Spanned<String>>, default: u64) -> Result<u64, ConfigError> {
        match v {
            None => Ok(default),
            Some(s) => parse_bytes(s.get_ref()).or_else(|e| self.err(Some(s.span()), e)),
        }
    }
}

/// Model names appear in URL paths: a conservative alphabet keeps path
/// tricks (`..`, encoded slashes) from ever naming a model.
pub fn valid_model_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
}

impl Config {
    /// Reads and validates a config file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read the config: {e}"),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::from_toml(&text, &path.display().to_string(), &base)
    }

    /// Parses and validates config text; `base` resolves relative paths.
    pub fn from_toml(text: &str, file: &str, base: &Path) -> Result<Config, ConfigError> {
        let ctx = Ctx {
            file: file.to_string(),
            text,
            base: base.to_path_buf(),
        };
        let raw: RawConfig =
            toml::from_str(text).or_else(|e| ctx.err(e.span(), e.message().to_string()))?;
        let defaults = ServerConfig::default();
        let s = &raw.server;
        let listen = match &s.listen {
            None => defaults.listen,
            Some(l) => match l.get_ref().parse::<IpAddr>() {
                Ok(ip) => ip,
                Err(_) => {
                    return ctx.err(
                        Some(l.span()),
                        format!("listen: '{}' is not an IP address", l.get_ref()),
                    );
                }
            },
        };
        let sandbox = match &s.sandbox {
            None => SandboxLevel::Strict,
            Some(v) => match v.get_ref().as_str() {
                "strict" => SandboxLevel::Strict,
                "best-effort" => SandboxLevel::BestEffort,
                other => {
                    return ctx.err(
                        Some(v.span()),
                        format!("sandbox: '{other}' is not one of strict, best-effort (models always run sandboxed)"),
                    );
                }
            },
        };
        let server = ServerConfig {
            listen,
            grpc_port: s.grpc_port.or(defaults.grpc_port),
            rest_port: s.rest_port.or(defaults.rest_port),
            insecure: s.insecure,
            user: s.user.clone().unwrap_or(defaults.user),
            audit_log: s.audit_log.as_deref().map(|p| {
                if p == "-" {
                    PathBuf::from("-")
                } else {
                    ctx.path(p)
                }
            }),
            poll_interval: ctx.duration(&s.poll_interval, defaults.poll_interval)?,
            request_timeout: ctx.duration(&s.request_timeout, defaults.request_timeout)?,
            header_timeout: ctx.duration(&s.header_timeout, defaults.header_timeout)?,
            shutdown_grace: ctx.duration(&s.shutdown_grace, defaults.shutdown_grace)?,
            max_body_bytes: ctx.bytes(&s.max_body, defaults.max_body_bytes)?,
            max_connections: s.max_connections.unwrap_or(defaults.max_connections).max(1),
            sandbox,
        };
        let tls = raw.tls.as_ref().map(|t| TlsConfig {
            cert: ctx.path(&t.cert),
            key: ctx.path(&t.key),
            client_ca: t.client_ca.as_deref().map(|p| ctx.path(p)),
            require_client_cert: t.require_client_cert,
        });

        let mut models: Vec<ModelConfig> = Vec::new();
        for m in &raw.model {
            let name = m.name.get_ref();
            if !valid_model_name(name) {
                return ctx.err(
                    Some(m.name.span()),
                    format!("model name '{name}' may use only letters, digits, '_', '-' and '.'"),
                );
            }
            if models.iter().any(|x| &x.name == name) {
                return ctx.err(
                    Some(m.name.span()),
                    format!("model '{name}' is configured twice"),
                );
            }
            let mut model = ModelConfig::new(name.clone(), ctx.path(m.base_path.get_ref()));
            model.version_policy =
                match m
                    .version_policy
                    .as_ref()
                    .map(|p| (p.get_ref().as_str(), p.span()))
                {
                    None | Some(("latest", _)) => {
                        if m.versions.is_some() {
                            return ctx.err(
                                Some(m.name.span()),
                                "versions = [...] needs version_policy = \"specific\"",
                            );
                        }
                        VersionPolicy::Latest(m.latest.unwrap_or(1).max(1))
                    }
                    Some(("all", _)) => VersionPolicy::All,
                    Some(("specific", span)) => match &m.versions {
                        Some(v) if !v.is_empty() && v.iter().all(|x| *x >= 0) => {
                            VersionPolicy::Specific(v.iter().copied().collect())
                        }
                        _ => return ctx.err(
                            Some(span),
                            "version_policy \"specific\" needs versions = [N, ...] (non-negative)",
                        ),
                    },
                    Some((other, span)) => {
                        return ctx.err(
                            Some(span),
                            format!("version_policy '{other}' is not one of latest, all, specific"),
                        );
                    }
                };
            model.labels.clone_from(&m.labels);
            if let Some(t) = &m.tag_set {
                model.tag_set.clone_from(t);
            }
            if let Some(sig) = &m.signature {
                model.signature.clone_from(sig);
            }
            if let Some(p) = &m.policy {
                let path = ctx.path(p.get_ref());
                model.policy_toml = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) => {
                        return ctx.err(
                            Some(p.span()),
                            format!("cannot read policy {}: {e}", path.display()),
                        );
                    }
                };
                if let Err(e) = ward_audit_policy_check(&model.policy_toml) {
                    return ctx.err(Some(p.span()), format!("policy {}: {e}", path.display()));
                }
            }
            model.workers = m.workers.unwrap_or(model.workers).clamp(1, 64);
            model.queue = m.queue.unwrap_or(model.queue);
            model.max_batch = m.max_batch.unwrap_or(model.max_batch).max(1);
            model.max_elements = m.max_elements.unwrap_or(model.max_elements).max(1);
            model.memory_bytes = ctx.bytes(&m.memory_limit, model.memory_bytes)?;
            model.timeout = ctx.duration(&m.timeout, server.request_timeout)?;
            model.threads = m.threads.unwrap_or(model.threads).min(256);
            model.max_loop_iterations = m.max_loop_iterations.unwrap_or(model.max_loop_iterations);
            model.max_model_bytes = ctx.bytes(&m.max_model_bytes, model.max_model_bytes)?;
            model.optimize = m.optimize.unwrap_or(model.optimize);
            models.push(model);
        }

        let mut identities: Vec<Identity> = Vec::new();
        for id in &raw.identity {
            let name = id.name.get_ref();
            if identities.iter().any(|x| &x.name == name) {
                return ctx.err(
                    Some(id.name.span()),
                    format!("identity '{name}' is configured twice"),
                );
            }
            let hash = |v: &Option<Spanned<String>>,
                        what: &str|
             -> Result<Option<[u8; 32]>, ConfigError> {
                match v {
                    None => Ok(None),
                    Some(s) => match parse_sha256(s.get_ref()) {
                        Some(h) => Ok(Some(h)),
                        None => ctx.err(
                            Some(s.span()),
                            format!("{what} must be 64 hex digits (see `ward token new`)"),
                        ),
                    },
                }
            };
            let token_sha256 = hash(&id.token_sha256, "token_sha256")?;
            let client_cert_sha256 = hash(&id.client_cert_sha256, "client_cert_sha256")?;
            if token_sha256.is_none() && client_cert_sha256.is_none() {
                return ctx.err(
                    Some(id.name.span()),
                    format!("identity '{name}' has neither token_sha256 nor client_cert_sha256"),
                );
            }
            if client_cert_sha256.is_some() && tls.as_ref().is_none_or(|t| t.client_ca.is_none()) {
                return ctx.err(
                    Some(id.name.span()),
                    format!(
                        "identity '{name}' uses a client certificate but [tls] has no client_ca"
                    ),
                );
            }
            let mut grants = Vec::new();
            for g in &id.grant {
                let mut names = BTreeSet::new();
                let mut all = false;
                for m in &g.models {
                    if m.get_ref() == "*" {
                        all = true;
                    } else if models.iter().any(|x| &x.name == m.get_ref()) {
                        names.insert(m.get_ref().clone());
                    } else {
                        return ctx.err(
                            Some(m.span()),
                            format!(
                                "grant names model '{}', which is not configured",
                                m.get_ref()
                            ),
                        );
                    }
                }
                let mut verbs = BTreeSet::new();
                for v in &g.verbs {
                    match Verb::parse(v.get_ref()) {
                        Some(verb) => {
                            verbs.insert(verb);
                        }
                        None => {
                            return ctx.err(
                                Some(v.span()),
                                format!(
                                    "unknown verb '{}' (predict, metadata, status)",
                                    v.get_ref()
                                ),
                            );
                        }
                    }
                }
                grants.push(Grant {
                    models: if all {
                        ModelMatch::All
                    } else {
                        ModelMatch::Named(names)
                    },
                    versions: g.versions.as_ref().map(|v| v.iter().copied().collect()),
                    verbs,
                });
            }
            identities.push(Identity {
                name: name.clone(),
                token_sha256,
                client_cert_sha256,
                metrics: id.metrics,
                grants,
            });
        }
        for (i, a) in identities.iter().enumerate() {
            let clash = identities.iter().skip(i.saturating_add(1)).any(|b| {
                (a.token_sha256.is_some() && a.token_sha256 == b.token_sha256)
                    || (a.client_cert_sha256.is_some()
                        && a.client_cert_sha256 == b.client_cert_sha256)
            });
            if clash {
                return ctx.err(
                    None,
                    format!(
                        "identity '{}' shares a token or certificate with another identity",
                        a.name
                    ),
                );
            }
        }
        let config = Config {
            server,
            tls,
            identities,
            models,
        };
        config
            .check_exposure()
            .or_else(|m| ctx.err(raw.server.listen.as_ref().map(Spanned::span), m))?;
        Ok(config)
    }

    /// Safe defaults: a non-loopback address needs TLS and authentication,
    /// unless `insecure` says otherwise explicitly.
    pub fn check_exposure(&self) -> Result<(), String> {
        if self.server.listen.is_loopback() || self.server.insecure {
            return Ok(());
        }
        if self.tls.is_none() {
            return Err(format!(
                "refusing to listen on {} without [tls]: set up TLS, or set insecure = true (not recommended)",
                self.server.listen
            ));
        }
        if self.identities.is_empty() {
            return Err(format!(
                "refusing to listen on {} with no [[identity]]: nobody could authenticate",
                self.server.listen
            ));
        }
        Ok(())
    }
}

/// The scan policy must parse now, not when the first version loads.
fn ward_audit_policy_check(text: &str) -> Result<(), String> {
    ward_audit::Policy::from_toml(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const H: &str = "abababababababababababababababababababababababababababababababab";

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, "t.toml", Path::new("/base"))
    }

    #[test]
    fn the_commented_example_is_valid() {
        let text = include_str!("../../../examples/ward.toml");
        let c = Config::from_toml(text, "ward.toml", Path::new("/repo/examples")).unwrap();
        assert_eq!(c.server.listen, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.identities.len(), 2);
        assert_eq!(c.models[0].workers, 2);
        assert_eq!(c.models[0].memory_bytes, 1 << 30);
        assert_eq!(c.models[0].timeout, Duration::from_secs(10));
        assert_eq!(
            c.models[0].base_path,
            Path::new("/repo/examples/../tests/fixtures/models/mlp/versions")
        );
        assert!(!c.identities[1].may("other", Verb::Predict));
        assert!(c.identities[1].may_version("mlp", 2, Verb::Predict));
        assert!(!c.identities[1].may_version("mlp", 3, Verb::Predict));
        assert!(c.models[0].optimize);
    }

    #[test]
    fn the_optimizer_can_be_turned_off_per_model() {
        let c = parse(
            "[[model]]\nname = \"a\"\nbase_path = \"/m\"\noptimize = false\n\n[[model]]\nname = \"b\"\nbase_path = \"/n\"\n",
        )
        .unwrap();
        assert!(!c.models[0].optimize);
        assert!(c.models[1].optimize);
        assert!(parse("[[model]]\nname = \"a\"\nbase_path = \"/m\"\noptimize = 1\n").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "[server]\nlisten = \"127.0.0.1\"\nbogus = 1\n",
                3,
                "unknown field",
            ),
            ("[server]\n\nrequest_timeout = \"5 parsecs\"\n", 3, "unit"),
            (
                "[server]\nlisten = \"example.com\"\n",
                2,
                "not an IP address",
            ),
            ("[server]\nsandbox = \"off\"\n", 2, "strict"),
            (
                "[[model]]\nname = \"a/b\"\nbase_path = \"x\"\n",
                2,
                "may use only",
            ),
            (
                "[[model]]\nname = \"m\"\nbase_path = \"x\"\nversion_policy = \"specific\"\n",
                4,
                "versions",
            ),
            (
                "[[model]]\nname = \"m\"\nbase_path = \"x\"\n[[model]]\nname = \"m\"\nbase_path = \"y\"\n",
                5,
                "twice",
            ),
            ("[[identity]]\nname = \"a\"\n", 2, "neither"),
            (
                "[[identity]]\nname = \"a\"\ntoken_sha256 = \"xyz\"\n",
                3,
                "64 hex",
            ),
            (
                &format!(
                    "[[identity]]\nname = \"a\"\ntoken_sha256 = \"{H}\"\n[[identity.grant]]\nmodels = [\"ghost\"]\nverbs = [\"predict\"]\n"
                ),
                5,
                "not configured",
            ),
            (
                &format!(
                    "[[identity]]\nname = \"a\"\ntoken_sha256 = \"{H}\"\n[[identity.grant]]\nmodels = [\"*\"]\nverbs = [\"delete\"]\n"
                ),
                6,
                "unknown verb",
            ),
            (
                "[[model]]\nname = \"m\"\nbase_path = \"x\"\npolicy = \"/no/such/policy.toml\"\n",
                4,
                "cannot read policy",
            ),
        ];
        for (text, line, needle) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.message.contains(needle), "{text}: {e}");
            assert!(
                e.to_string().starts_with(&format!("t.toml:{line}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn exposure_needs_tls_and_identities() {
        let e = parse("[server]\nlisten = \"0.0.0.0\"\n").unwrap_err();
        assert!(e.message.contains("without [tls]"), "{e}");
        assert_eq!(e.line, Some(2));
        let tls = "[tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n";
        let e = parse(&format!("[server]\nlisten = \"0.0.0.0\"\n{tls}")).unwrap_err();
        assert!(e.message.contains("no [[identity]]"), "{e}");
        let ok = format!(
            "[server]\nlisten = \"0.0.0.0\"\n{tls}[[identity]]\nname = \"a\"\ntoken_sha256 = \"{H}\"\n"
        );
        assert!(parse(&ok).is_ok());
        // Explicitly insecure is allowed (and warned about at start).
        assert!(parse("[server]\nlisten = \"0.0.0.0\"\ninsecure = true\n").is_ok());
        // A certificate identity needs a client CA.
        let e = parse(&format!(
            "[[identity]]\nname = \"a\"\nclient_cert_sha256 = \"{H}\"\n"
        ))
        .unwrap_err();
        assert!(e.message.contains("client_ca"), "{e}");
        // Two identities may not share a token.
        let two = format!(
            "[[identity]]\nname = \"a\"\ntoken_sha256 = \"{H}\"\n[[identity]]\nname = \"b\"\ntoken_sha256 = \"{H}\"\n"
        );
        assert!(parse(&two).unwrap_err().message.contains("shares"));
    }
}
