//! The Go-template subset of `docker inspect -f`: `{{.State.Pid}}`, `{{.Config.Cmd}}`,
//! `{{json .Config}}`, and plain text around them.
//!
//! Values print as Go's text/template prints them: strings bare, arrays as `[a b c]`,
//! objects as `map[k:v …]`, a missing field as `<no value>`. Anything else between `{{ }}`
//! is refused with an error naming it — a partial template language would be a trap.
//! Read: docker-inspect(1) ("--format"), Go text/template. Used by: ctrkit inspect, image inspect.

use crate::error::{Error, Result};
use serde_json::Value;

/// Render `template` against `value`.
pub fn render(template: &str, value: &Value) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end =
            after.find("}}").ok_or_else(|| Error::invalid(format!("template '{template}'"), "'{{' without '}}'"))?;
        out.push_str(&action(after[..end].trim(), value, template)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out.replace("\\n", "\n").replace("\\t", "\t"))
}

fn action(inner: &str, value: &Value, template: &str) -> Result<String> {
    let unsupported = || {
        Error::invalid(
            format!("template '{template}'"),
            format!("'{{{{{inner}}}}}' is not supported: use {{{{.Field.Sub}}}} or {{{{json .Field}}}}"),
        )
    };
    let (as_json, path) = match inner.strip_prefix("json ") {
        Some(p) => (true, p.trim()),
        None => (false, inner),
    };
    if !path.starts_with('.') || path.contains(' ') {
        return Err(unsupported());
    }
    let mut v = Some(value);
    for field in path.split('.').skip(1).filter(|f| !f.is_empty()) {
        v = v.and_then(|x| x.get(field));
    }
    Ok(match (v, as_json) {
        (Some(x), true) => x.to_string(),
        (None, true) => "null".into(),
        (Some(x), false) => go_print(x),
        (None, false) => "<no value>".into(),
    })
}

/// How Go's text/template prints a value.
fn go_print(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Array(items) => format!("[{}]", items.iter().map(go_print).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => {
            format!("map[{}]", map.iter().map(|(k, x)| format!("{k}:{}", go_print(x))).collect::<Vec<_>>().join(" "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_fields_json_and_text() {
        let v =
            json!({"State": {"Pid": 42, "Status": "running"}, "Config": {"Cmd": ["sh", "-c", "x"]}, "Name": "/web"});
        assert_eq!(render("{{.State.Pid}}", &v).unwrap(), "42");
        assert_eq!(render("pid={{ .State.Pid }} {{.State.Status}}", &v).unwrap(), "pid=42 running");
        assert_eq!(render("{{.Config.Cmd}}", &v).unwrap(), "[sh -c x]");
        assert_eq!(render("{{json .Config}}", &v).unwrap(), r#"{"Cmd":["sh","-c","x"]}"#);
        assert_eq!(render("{{.Missing.Field}}", &v).unwrap(), "<no value>");
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        let v = json!({});
        for bad in ["{{range .X}}", "{{.A", "{{index .A 1}}", "{{ printf \"%s\" .A }}"] {
            assert!(render(bad, &v).is_err(), "{bad}");
        }
    }
}
