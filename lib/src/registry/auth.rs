//! Credentials and tokens: what goes into the `Authorization` header of registry requests.
//!
//! | the registry answered 401 with | we do                                                   |
//! |--------------------------------|---------------------------------------------------------|
//! | `Basic realm=…`                | send `Basic base64(user:pass)` (credentials required)    |
//! | `Bearer realm=R,service=S`     | GET R?service=S&scope=repository:NAME:pull — anonymously, or with Basic credentials — and send `Bearer <token>` |
//!
//! The Bearer flow is what Docker Hub, ghcr.io and quay.io use even for public images: an
//! anonymous client still asks the token endpoint for a pull token first. Credentials come
//! from `--user-pass USER:PASS` or `$CTRKIT_REGISTRY_AUTH` (same form); they are only ever
//! sent over https, or plain http to this machine (loopback) or with --insecure.
//!
//! Syscalls: socket I/O through ureq. Spec: the distribution token authentication
//! specification (docs/spec/auth/token.md), RFC 7617 (Basic), RFC 6750 (Bearer), RFC 4648
//! (base64). Shell equivalent: `curl -s "https://auth.docker.io/token?service=registry.docker.io&scope=repository:library/busybox:pull" | jq -r .token`.
//! Used by: registry::client (img-pull).

use super::challenge::Challenge;
use crate::error::{Error, Result};
use std::io::Read;

/// The environment variable holding `USER:PASS` when `--user-pass` is not given.
pub const AUTH_ENV: &str = "CTRKIT_REGISTRY_AUTH";

/// A user name and password for Basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

// Never print a password, not even in a debug dump.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials {{ user: {:?}, password: (hidden) }}", self.user)
    }
}

impl Credentials {
    /// `USER:PASS` (the password may contain ':'); `what` names the source in errors.
    pub fn parse(text: &str, what: &str) -> Result<Credentials> {
        match text.split_once(':') {
            Some((user, password)) if !user.is_empty() && !text.contains(['\n', '\r']) => {
                Ok(Credentials { user: user.to_string(), password: password.to_string() })
            }
            // Do not echo the text: it holds a password.
            _ => Err(Error::invalid(what, "expected USER:PASS")),
        }
    }

    /// From `$CTRKIT_REGISTRY_AUTH`, if set and not empty.
    pub fn from_env() -> Result<Option<Credentials>> {
        match std::env::var(AUTH_ENV) {
            Ok(v) if !v.is_empty() => Credentials::parse(&v, &format!("${AUTH_ENV}")).map(Some),
            _ => Ok(None),
        }
    }

    /// The `Authorization` header value for Basic authentication.
    pub fn basic(&self) -> String {
        format!("Basic {}", base64(format!("{}:{}", self.user, self.password).as_bytes()))
    }
}

/// Standard base64 with padding (RFC 4648 section 4): 3 bytes become 4 characters.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Ask a Bearer challenge's realm for a pull token for `repository`. `allowed` says whether
/// a URL may be used (the same plain-http policy as the registry's own).
pub fn fetch_token(
    agent: &ureq::Agent,
    challenge: &Challenge,
    repository: &str,
    credentials: Option<&Credentials>,
    allowed: impl Fn(&str) -> Result<()>,
    max_bytes: u64,
) -> Result<String> {
    let Some(realm) = challenge.param("realm") else {
        return Err(Error::invalid("WWW-Authenticate", "a Bearer challenge without a realm (the token endpoint)"));
    };
    allowed(realm)?;
    // The scope the registry named in its challenge, else the one a pull needs.
    let scope = challenge.param("scope").map(str::to_string).unwrap_or_else(|| format!("repository:{repository}:pull"));
    let mut request = agent.get(realm).query("scope", &scope);
    if let Some(service) = challenge.param("service") {
        request = request.query("service", service);
    }
    if let Some(c) = credentials {
        request = request.set("Authorization", &c.basic());
    }
    let shown = request.url().to_string();
    let response = match request.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(code, _)) => {
            crate::explain::note(&format!(
                "GET {shown} = {code}   # ask for a pull token — distribution token auth spec"
            ));
            let e = Error::invalid(format!("token {realm}"), format!("the token endpoint answered {code}"));
            return Err(match (code, credentials) {
                (401 | 403, None) => e.with_hint("this registry wants a user: give --user-pass USER:PASS"),
                (401 | 403, Some(_)) => e.with_hint("check the user name and password"),
                _ => e,
            });
        }
        Err(ureq::Error::Transport(t)) => return Err(super::client::transport_error(realm, t)),
    };
    let mut body = Vec::new();
    response
        .into_reader()
        .take(max_bytes + 1)
        .read_to_end(&mut body)
        .map_err(|e| Error::io("read", format!("token {realm}"), e))?;
    crate::explain::note(&format!(
        "GET {shown} = 200 ({} bytes)   # an {} pull token — distribution token auth spec",
        body.len(),
        if credentials.is_some() { "authenticated" } else { "anonymous" }
    ));
    if body.len() as u64 > max_bytes {
        return Err(Error::invalid(format!("token {realm}"), "the answer is larger than the JSON cap"));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Error::invalid(format!("token {realm}"), format!("the answer is not JSON: {e}")))?;
    // The spec names it "token"; OAuth2-style servers send "access_token".
    let token = v.get("token").or_else(|| v.get("access_token")).and_then(|t| t.as_str()).unwrap_or("");
    // It goes into a header: printable ASCII only, so it cannot inject a header line.
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(format!("token {realm}"), "the answer holds no usable \"token\""));
    }
    Ok(format!("Bearer {token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded, "{plain}");
        }
    }

    #[test]
    fn credentials_parse_and_hide_the_password() {
        let c = Credentials::parse("alice:se:cret", "--user-pass").expect("parse");
        assert_eq!((c.user.as_str(), c.password.as_str()), ("alice", "se:cret"));
        assert_eq!(Credentials::parse("a:b", "x").map(|c| c.basic()).ok().as_deref(), Some("Basic YTpi"));
        assert!(!format!("{c:?}").contains("se:cret"));
        for bad in ["", "nocolon", ":pass", "a:b\nc"] {
            let e = Credentials::parse(bad, "--user-pass").err().map(|e| e.to_string()).unwrap_or_default();
            assert_eq!(e, "invalid --user-pass: expected USER:PASS", "{bad:?}");
        }
    }
}
