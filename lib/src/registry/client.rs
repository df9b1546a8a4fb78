//! One registry, spoken to over HTTP: the scheme (https, or plain http only to this machine
//! or with --insecure), timeouts, the `/v2/` check, and authentication that follows the
//! registry's 401 challenges (registry::challenge, registry::auth).
//!
//! | request                         | answer | we do                                        |
//! |---------------------------------|--------|----------------------------------------------|
//! | GET /v2/                        | 200    | an open registry: send no Authorization      |
//! |                                 | 401    | read WWW-Authenticate: get a Bearer token, or use Basic |
//! | GET /v2/<name>/… (with auth)    | 401    | once more: a new token for the scope the challenge names |
//! | any                             | 3xx    | followed (at most 5; Authorization is not sent to another host) |
//!
//! Timeouts: 30 s to connect and 30 s per socket read or write — a slow but moving download
//! of a large layer is never cut, a stalled one ends with an error. No retries: a registry
//! that is down gives one clear error (`connect 127.0.0.1:5000: Connection refused`).
//! No proxy is read from the environment.
//!
//! Syscalls: socket(2), connect(2), read(2), write(2) (through ureq). Spec: OCI
//! distribution-spec ("Determining support", "Pulling"), RFC 9110 (HTTP semantics).
//! Shell equivalent: `curl -sSf --connect-timeout 30 http://127.0.0.1:5000/v2/`.
//! Used by: registry::pull, registry::fetch.

use super::auth::{self, Credentials};
use super::challenge::{self, Scheme};
use super::document::registry_errors;
use super::reference::Reference;
use crate::error::{Error, Result};
use crate::explain;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    agent: ureq::Agent,
    /// `http://127.0.0.1:5000` or `https://registry-1.docker.io`.
    pub base: String,
    /// The host as shown in messages: `127.0.0.1:5000`.
    pub host: String,
    repository: String,
    insecure: bool,
    credentials: Option<Credentials>,
    /// The Authorization header value in use, once a challenge said which.
    authorization: Mutex<Option<String>>,
    max_json: u64,
}

/// Hosts that are this machine: plain http to them never leaves it.
pub fn is_loopback(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || host.ends_with(".localhost")
}

impl Client {
    /// Decide the scheme and build the HTTP agent; nothing is sent yet.
    pub fn new(r: &Reference, insecure: bool, credentials: Option<Credentials>, max_json: u64) -> Client {
        let host = r.api_host().to_string();
        let scheme = if insecure || is_loopback(&host) { "http" } else { "https" };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(TIMEOUT)
            .timeout_read(TIMEOUT)
            .timeout_write(TIMEOUT)
            .redirects(5)
            .user_agent(concat!("ctrkit/", env!("CARGO_PKG_VERSION")))
            .build();
        explain::note(&format!(
            "registry {host} over {scheme}   # {} — distribution-spec",
            match scheme {
                "http" if !insecure => "plain http: the registry is on this machine (loopback)",
                "http" => "plain http: --insecure",
                _ => "https: plain http only for loopback or with --insecure",
            }
        ));
        Client {
            agent,
            base: format!("{scheme}://{host}"),
            host,
            repository: r.repository.clone(),
            insecure,
            credentials,
            authorization: Mutex::new(None),
            max_json,
        }
    }

    /// May we send a request (with credentials or tokens) to this URL?
    fn allowed(&self, url: &str) -> Result<()> {
        if url.starts_with("https://") {
            return Ok(());
        }
        let host = url.strip_prefix("http://").map(|rest| rest.split(['/', '?']).next().unwrap_or(""));
        match host {
            Some(h) if self.insecure || is_loopback(h) => Ok(()),
            _ => Err(Error::invalid(url, "plain http to another machine is refused")
                .with_hint("use an https registry, or --insecure if you trust the network")),
        }
    }

    /// GET /v2/: is this a registry, and does it want authentication?
    pub fn ping(&self) -> Result<()> {
        let (status, response) = self.send("/v2/", None, false)?;
        explain::note(&format!(
            "GET {}/v2/ = {status}   # is there a registry API v2 here? — distribution-spec",
            self.base
        ));
        match status {
            200 => Ok(()),
            401 => self.answer_challenge(response.header("WWW-Authenticate")),
            404 => Err(Error::invalid(
                format!("{}/v2/", self.base),
                "not found: this server is not an OCI/docker registry",
            )),
            other => Err(self.status_error("GET /v2/", other, response)),
        }
    }

    /// GET a path of the registry API, authenticated as the registry asked; a 401 is
    /// answered once (a token for a new scope). The caller reads the status and body.
    pub fn get(&self, path: &str, accept: Option<&str>) -> Result<(u16, ureq::Response)> {
        let (status, response) = self.send(path, accept, true)?;
        if status != 401 {
            return Ok((status, response));
        }
        explain::note(&format!("GET {path} = 401   # the registry wants (new) credentials — distribution-spec"));
        self.answer_challenge(response.header("WWW-Authenticate"))?;
        self.send(path, accept, true)
    }

    fn send(&self, path: &str, accept: Option<&str>, with_auth: bool) -> Result<(u16, ureq::Response)> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.get(&url);
        if let Some(a) = accept {
            request = request.set("Accept", a);
        }
        let auth = self.authorization.lock().map(|a| a.clone()).unwrap_or(None);
        if let (true, Some(a)) = (with_auth, auth) {
            request = request.set("Authorization", &a);
        }
        match request.call() {
            Ok(r) => Ok((r.status(), r)),
            Err(ureq::Error::Status(code, r)) => Ok((code, r)),
            Err(ureq::Error::Transport(t)) => Err(transport_error(&self.host, t)),
        }
    }

    /// Act on a 401's WWW-Authenticate: get a token, or use Basic credentials.
    fn answer_challenge(&self, header: Option<&str>) -> Result<()> {
        let Some(c) = header.and_then(challenge::parse) else {
            return Err(Error::invalid(&self.host, "answered 401 without a readable WWW-Authenticate challenge"));
        };
        let value = match (&c.scheme, &self.credentials) {
            (Scheme::Bearer, creds) => {
                let allowed = |url: &str| self.allowed(url);
                auth::fetch_token(&self.agent, &c, &self.repository, creds.as_ref(), allowed, self.max_json)?
            }
            (Scheme::Basic, Some(creds)) => {
                self.allowed(&self.base)?;
                creds.basic()
            }
            (Scheme::Basic, None) => {
                return Err(Error::invalid(&self.host, "wants a user name and password (Basic authentication)")
                    .with_hint(format!("give --user-pass USER:PASS or set ${}", auth::AUTH_ENV)))
            }
            (Scheme::Other(s), _) => {
                return Err(Error::invalid(&self.host, format!("wants {s:?} authentication, which is not supported")))
            }
        };
        if let Ok(mut a) = self.authorization.lock() {
            *a = Some(value);
        }
        Ok(())
    }

    /// An unexpected status, with the registry's own error text when it sent one.
    pub fn status_error(&self, what: &str, status: u16, response: ureq::Response) -> Error {
        let mut body = Vec::new();
        let _ = response.into_reader().take(64 << 10).read_to_end(&mut body);
        let detail = registry_errors(&body).map(|d| format!(" ({d})")).unwrap_or_default();
        let e = Error::invalid(format!("{what} on {}", self.host), format!("the registry answered {status}{detail}"));
        match status {
            401 | 403 => e.with_hint(format!("this needs credentials: --user-pass USER:PASS or ${}", auth::AUTH_ENV)),
            429 => e.with_hint("the registry limits how often you may pull; try again later"),
            _ => e,
        }
    }
}

/// A failure below HTTP, as one line naming the operation and the host: the io::Error
/// ureq wraps carries the errno (`connect 127.0.0.1:5000: Connection refused (ECONNREFUSED)`).
pub fn transport_error(host: &str, t: ureq::Transport) -> Error {
    let mut io_error = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&t);
    while let Some(s) = source {
        if let Some(e) = s.downcast_ref::<std::io::Error>() {
            io_error = Some(e);
            break;
        }
        source = s.source();
    }
    let text = t.message().unwrap_or("").to_string();
    let op = match t.kind() {
        ureq::ErrorKind::Dns => "resolve",
        ureq::ErrorKind::ConnectionFailed => "connect",
        ureq::ErrorKind::InvalidUrl | ureq::ErrorKind::UnknownScheme => "url",
        ureq::ErrorKind::TooManyRedirects => "redirect",
        _ => "request",
    };
    let mut e = match io_error.map(|io| (io.raw_os_error(), io.kind(), io)) {
        Some((Some(code), _, _)) => Error::io(op, host, std::io::Error::from_raw_os_error(code)),
        Some((None, std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock, _)) => {
            Error::invalid(host, format!("no answer within {} s", TIMEOUT.as_secs()))
        }
        Some((None, _, io)) => Error::invalid(host, io.to_string()),
        None if text.is_empty() => Error::invalid(host, t.kind().to_string()),
        None => Error::invalid(host, format!("{}: {text}", t.kind())),
    };
    if e.op == "invalid" {
        e.op = op.to_string();
    }
    match t.kind() {
        ureq::ErrorKind::ConnectionFailed => {
            e.with_hint("is the registry running, and on this address and port? (curl http://HOST:PORT/v2/)")
        }
        ureq::ErrorKind::Dns => e.with_hint("check the registry's host name; this machine may not reach it"),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for h in ["localhost", "localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["registry-1.docker.io", "10.0.0.1:5000", "localhost.example.com", "[::2]:5000"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
