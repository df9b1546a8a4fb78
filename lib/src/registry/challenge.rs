//! The `WWW-Authenticate` header a registry answers 401 with: which scheme it wants, and
//! for a token registry, where to get the token:
//!
//!     WWW-Authenticate: Bearer realm="https://auth.docker.io/token",
//!                       service="registry.docker.io",scope="repository:library/busybox:pull"
//!     WWW-Authenticate: Basic realm="Registry Realm"
//!
//! The syntax is RFC 7235 section 4.1: a scheme, then comma-separated `key=value` parameters
//! whose values are tokens or quoted strings (`\"` escapes a quote). Parsed by hand in a few
//! lines: a pure function, tested below without any network.
//!
//! No syscalls. Spec: RFC 7235 (HTTP authentication), RFC 6750 (Bearer), the distribution
//! "token authentication specification" (docs/spec/auth/token.md).
//! Shell equivalent: `curl -si http://127.0.0.1:5000/v2/ | grep -i www-authenticate`.
//! Used by: registry::client (img-pull).

/// The authentication scheme a registry asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Get a token from `realm` (anonymously or with Basic credentials), then send it.
    Bearer,
    /// Send `Authorization: Basic base64(user:pass)` with every request.
    Basic,
    Other(String),
}

/// One parsed challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: Scheme,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter by (case-insensitive) name: `realm`, `service`, `scope`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parse one `WWW-Authenticate` value. None when it is not even a scheme.
pub fn parse(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, mut rest) = match header.find(char::is_whitespace) {
        Some(i) => (&header[..i], header[i..].trim_start()),
        None => (header, ""),
    };
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.!#$%&'*+^`|~".contains(&b)) {
        return None;
    }
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Scheme::Bearer,
        "basic" => Scheme::Basic,
        _ => Scheme::Other(scheme.to_string()),
    };
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_string();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            // A quoted string: up to the first unescaped quote; `\x` stands for `x`.
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            // An unterminated string: malformed, keep what was read and stop.
            let Some(end) = end else {
                params.push((key, out));
                break;
            };
            value = out;
            rest = &quoted[end..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        if key.is_empty() {
            return None;
        }
        params.push((key, value));
    }
    Some(Challenge { scheme, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer_challenge() {
        let c = parse(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#,
        )
        .expect("parse");
        assert_eq!(c.scheme, Scheme::Bearer);
        assert_eq!(c.param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c.param("Service"), Some("registry.docker.io"));
        assert_eq!(c.param("scope"), Some("repository:library/busybox:pull"));
    }

    #[test]
    fn basic_challenge_and_tokens_without_quotes() {
        let c = parse(r#"Basic realm="Registry Realm""#).expect("parse");
        assert_eq!(c.scheme, Scheme::Basic);
        assert_eq!(c.param("realm"), Some("Registry Realm"));
        let c = parse("bearer realm=http://127.0.0.1:1/token , service=local").expect("parse");
        assert_eq!(c.scheme, Scheme::Bearer);
        assert_eq!(c.param("realm"), Some("http://127.0.0.1:1/token"));
        assert_eq!(c.param("service"), Some("local"));
    }

    #[test]
    fn quoted_strings_keep_commas_and_escapes() {
        let c = parse(r#"Bearer realm="a,b",scope="x\"y",error="insufficient_scope""#).expect("parse");
        assert_eq!(c.param("realm"), Some("a,b"));
        assert_eq!(c.param("scope"), Some("x\"y"));
        assert_eq!(c.param("error"), Some("insufficient_scope"));
        assert_eq!(c.param("missing"), None);
    }

    #[test]
    fn malformed_headers_do_not_panic() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("   "), None);
        assert_eq!(parse("Bea(rer realm=x"), None);
        let c = parse(r#"Bearer realm="unterminated"#).expect("parse");
        assert_eq!(c.param("realm"), Some("unterminated"));
        let c = parse("Bearer").expect("parse");
        assert!(c.params.is_empty());
        assert_eq!(parse("Bearer =x"), None);
        let c = parse("Negotiate abc").expect("parse");
        assert_eq!(c.scheme, Scheme::Other("Negotiate".into()));
    }
}
