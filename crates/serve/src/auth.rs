//! Authentication and authorization: the one layer every route of both
//! protocols passes through.
//!
//! Tokens are 256-bit random values (`ward token new`); the config holds
//! only their SHA-256. A presented token is hashed and compared against
//! every identity's hash in constant time, so neither timing nor order
//! reveals which identities exist. mTLS identities are bound to the SHA-256
//! of the client's leaf certificate.

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ServeError, ServeResult};

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    Predict,
    Metadata,
    Status,
}

impl Verb {
    pub fn parse(s: &str) -> Option<Verb> {
        match s {
            "predict" => Some(Verb::Predict),
            "metadata" => Some(Verb::Metadata),
            "status" => Some(Verb::Status),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Predict => "predict",
            Verb::Metadata => "metadata",
            Verb::Status => "status",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelMatch {
    All,
    Named(BTreeSet<String>),
}

/// Permission for some verbs on some models (and optionally versions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub models: ModelMatch,
    /// None = every version.
    pub versions: Option<BTreeSet<i64>>,
    pub verbs: BTreeSet<Verb>,
}

impl Grant {
    fn covers_model(&self, model: &str) -> bool {
        match &self.models {
            ModelMatch::All => true,
            ModelMatch::Named(names) => names.contains(model),
        }
    }
}

/// A configured caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub token_sha256: Option<[u8; 32]>,
    pub client_cert_sha256: Option<[u8; 32]>,
    /// May read /monitoring/prometheus/metrics.
    pub metrics: bool,
    pub grants: Vec<Grant>,
}

impl Identity {
    /// May this identity use `verb` on `model` at all (any version)?
    /// Checked before the model is looked up, so a caller cannot learn
    /// which models exist beyond its grants.
    pub fn may(&self, model: &str, verb: Verb) -> bool {
        self.grants
            .iter()
            .any(|g| g.covers_model(model) && g.verbs.contains(&verb))
    }

    /// May this identity use `verb` on this version of `model`?
    pub fn may_version(&self, model: &str, version: i64, verb: Verb) -> bool {
        self.grants.iter().any(|g| {
            g.covers_model(model)
                && g.verbs.contains(&verb)
                && g.versions.as_ref().is_none_or(|v| v.contains(&version))
        })
    }

    /// A grant to everything (the quick-start identity).
    pub fn everything(name: &str, token_sha256: [u8; 32]) -> Identity {
        Identity {
            name: name.into(),
            token_sha256: Some(token_sha256),
            client_cert_sha256: None,
            metrics: true,
            grants: vec![Grant {
                models: ModelMatch::All,
                versions: None,
                verbs: [Verb::Predict, Verb::Metadata, Verb::Status].into(),
            }],
        }
    }
}

/// A fresh API token: `ward_` + 256 random bits, base64url.
pub fn new_token() -> ServeResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServeError::internal(format!("no OS randomness: {e}")))?;
    Ok(format!(
        "ward_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Parses 64 hex digits (case-insensitive; `:` separators allowed, as
/// certificate fingerprints are often printed).
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let s = std::str::from_utf8(pair).ok()?;
        *slot = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Who may connect, and how they prove it.
#[derive(Debug, Default)]
pub struct Authenticator {
    identities: Vec<Arc<Identity>>,
}

impl Authenticator {
    pub fn new(identities: Vec<Identity>) -> Self {
        Authenticator {
            identities: identities.into_iter().map(Arc::new).collect(),
        }
    }

    /// Resolves the caller from an `Authorization` value and the
    /// connection's client certificate. A token wins; an identity that has
    /// both a token and a certificate needs both.
    pub fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        client_cert_sha256: Option<&[u8; 32]>,
    ) -> ServeResult<Arc<Identity>> {
        if let Some(header) = authorization {
            let token = bearer(header).ok_or_else(|| {
                ServeError::unauthenticated("the Authorization header must be 'Bearer <token>'")
            })?;
            let presented = sha256(token);
            let mut found: Option<&Arc<Identity>> = None;
            for id in &self.identities {
                let matches = id
                    .token_sha256
                    .as_ref()
                    .map_or(subtle::Choice::from(0), |h| h.ct_eq(&presented));
                if bool::from(matches) {
                    found = Some(id);
                }
            }
            let id = found.ok_or_else(|| ServeError::unauthenticated("invalid token"))?;
            if let Some(want) = &id.client_cert_sha256 {
                let ok = client_cert_sha256.is_some_and(|got| bool::from(got.ct_eq(want)));
                if !ok {
                    return Err(ServeError::unauthenticated(
                        "this token must be used with its client certificate",
                    ));
                }
            }
            return Ok(Arc::clone(id));
        }
        if let Some(cert) = client_cert_sha256 {
            let mut found: Option<&Arc<Identity>> = None;
            for id in &self.identities {
                let matches = id
                    .client_cert_sha256
                    .as_ref()
                    .map_or(subtle::Choice::from(0), |h| h.ct_eq(cert));
                if bool::from(matches) {
                    found = Some(id);
                }
            }
            // A certificate alone identifies only identities without a token.
            if let Some(id) = found.filter(|id| id.token_sha256.is_none()) {
                return Ok(Arc::clone(id));
            }
        }
        Err(ServeError::unauthenticated(
            "missing credentials: send 'Authorization: Bearer <token>'",
        ))
    }
}

fn bearer(header: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = header.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// The standard refusal for a verb the caller lacks. The same message
/// whether or not the model exists.
pub fn denied(identity: &Identity, model: &str, verb: Verb) -> ServeError {
    ServeError::denied(format!(
        "identity '{}' may not {} model '{}'",
        identity.name,
        verb.as_str(),
        model
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn ident(name: &str, token: &str, models: &[&str], verbs: &[Verb]) -> Identity {
        Identity {
            name: name.into(),
            token_sha256: Some(sha256(token.as_bytes())),
            client_cert_sha256: None,
            metrics: false,
            grants: vec![Grant {
                models: ModelMatch::Named(models.iter().map(|s| s.to_string()).collect()),
                versions: None,
                verbs: verbs.iter().copied().collect(),
            }],
        }
    }

    #[test]
    fn tokens_are_long_random_and_hash_round_trip() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("ward_") && a.len() == 5 + 43);
        let h = hex(&sha256(a.as_bytes()));
        assert_eq!(parse_sha256(&h), Some(sha256(a.as_bytes())));
        assert_eq!(parse_sha256("zz"), None);
    }

    #[test]
    fn authenticate_by_token() {
        let auth = Authenticator::new(vec![
            ident("alice", "tok-a", &["m"], &[Verb::Predict]),
            ident("bob", "tok-b", &["n"], &[Verb::Status]),
        ]);
        assert_eq!(
            auth.authenticate(Some(b"Bearer tok-a"), None).unwrap().name,
            "alice"
        );
        assert_eq!(
            auth.authenticate(Some(b"bearer  tok-b "), None)
                .unwrap()
                .name,
            "bob"
        );
        for bad in [&b"Bearer nope"[..], b"Basic dG9rLWE=", b"Bearer ", b"tok-a"] {
            let e = auth.authenticate(Some(bad), None).unwrap_err();
            assert_eq!(e.status, crate::Status::Unauthenticated);
        }
        assert!(auth.authenticate(None, None).is_err());
    }

    #[test]
    fn grants_limit_models_verbs_and_versions() {
        let mut id = ident("a", "t", &["m"], &[Verb::Predict]);
        assert!(id.may("m", Verb::Predict));
        assert!(!id.may("m", Verb::Status));
        assert!(!id.may("M", Verb::Predict));
        assert!(!id.may("n", Verb::Predict));
        id.grants[0].versions = Some([2].into());
        assert!(id.may_version("m", 2, Verb::Predict));
        assert!(!id.may_version("m", 1, Verb::Predict));
    }

    #[test]
    fn certificate_identities() {
        let cert = [7u8; 32];
        let mut id = ident("c", "t", &["m"], &[Verb::Predict]);
        id.token_sha256 = None;
        id.client_cert_sha256 = Some(cert);
        let mut both = ident("d", "tok-d", &["m"], &[Verb::Predict]);
        both.client_cert_sha256 = Some([9u8; 32]);
        let auth = Authenticator::new(vec![id, both]);
        assert_eq!(auth.authenticate(None, Some(&cert)).unwrap().name, "c");
        assert!(auth.authenticate(None, Some(&[1u8; 32])).is_err());
        // A token bound to a certificate needs that certificate.
        assert!(auth.authenticate(Some(b"Bearer tok-d"), None).is_err());
        assert!(
            auth.authenticate(Some(b"Bearer tok-d"), Some(&cert))
                .is_err()
        );
        assert_eq!(
            auth.authenticate(Some(b"Bearer tok-d"), Some(&[9u8; 32]))
                .unwrap()
                .name,
            "d"
        );
    }
}
