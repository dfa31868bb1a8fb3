//! TLS with rustls (ring provider): server certificate, optional client
//! certificate verification (mTLS), and reload on SIGHUP — each new
//! connection uses the configuration current when it arrives.

use std::sync::{Arc, RwLock};

use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsConfig;

pub struct TlsReloader {
    config: TlsConfig,
    alpn: Vec<Vec<u8>>,
    current: RwLock<Arc<rustls::ServerConfig>>,
}

fn read_certs(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate", path.display()));
    }
    Ok(certs)
}

fn build(config: &TlsConfig, alpn: &[Vec<u8>]) -> Result<Arc<rustls::ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(&config.cert)?;
    let key = PrivateKeyDer::from_pem_file(&config.key)
        .map_err(|e| format!("{}: {e}", config.key.display()))?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &config.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: {e}", ca.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if config.require_client_cert {
                verifier
            } else {
                verifier.allow_unauthenticated()
            };
            builder.with_client_cert_verifier(verifier.build().map_err(|e| e.to_string())?)
        }
    };
    let mut server = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("{}: {e}", config.cert.display()))?;
    server.alpn_protocols = alpn.to_vec();
    Ok(Arc::new(server))
}

impl TlsReloader {
    pub fn new(config: TlsConfig, alpn: Vec<Vec<u8>>) -> Result<Self, String> {
        let current = build(&config, &alpn)?;
        Ok(TlsReloader {
            config,
            alpn,
            current: RwLock::new(current),
        })
    }

    /// Re-reads the certificate, key and client CA; on error the previous
    /// configuration stays in use.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = build(&self.config, &self.alpn)?;
        let mut cur = self
            .current
            .write()
            .map_err(|_| "TLS lock poisoned".to_string())?;
        *cur = fresh;
        Ok(())
    }

    pub fn acceptor(&self) -> Option<TlsAcceptor> {
        self.current
            .read()
            .ok()
            .map(|c| TlsAcceptor::from(Arc::clone(&c)))
    }
}
