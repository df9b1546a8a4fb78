//! The defaults an image gives a container: img-unpack's `config` object (the OCI image
//! config's `config` field) — `Env`, `Cmd`, `Entrypoint`, `WorkingDir`, `User`.
//!
//!     {"layers":[{"dir":"/var/lib/ctrkit/layers/…"}], "config":{"Env":["PATH=…"],"Cmd":["sh"]}}
//!
//! `--image-config FILE` takes the object itself; `--layers-json FILE|-` takes img-unpack's
//! whole `--json` output and uses both its layers (overlay lowers, bottom first) and its
//! config. Unknown fields are ignored; wrong types and `Env` entries without `=` are refused.
//! No syscalls. Read: OCI image-spec config.md. Shell: `jq .config`.
//! Used by: ctr-run (--image-config, --layers-json), container::spec.

use crate::error::{Error, Result};
use serde_json::Value;

/// What an image suggests; the user's flags override each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageDefaults {
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    /// ExposedPorts' keys (`80/tcp`): what `-P` publishes.
    pub exposed_ports: Vec<String>,
}

impl ImageDefaults {
    /// Read a config object (`{"Env": …, "Cmd": …}`); `null` or a missing field is empty.
    pub fn from_value(what: &str, v: &Value) -> Result<ImageDefaults> {
        let bad = |why: String| Error::invalid(what, why);
        let obj = match v {
            Value::Null => return Ok(ImageDefaults::default()),
            Value::Object(o) => o,
            _ => return Err(bad("the image config must be a JSON object".into())),
        };
        let strings = |key: &str| -> Result<Vec<String>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string).ok_or_else(|| bad(format!("{key}: {i} is not a string"))))
                    .collect(),
                Some(other) => Err(bad(format!("{key}: {other} is not a list of strings"))),
            }
        };
        let string = |key: &str| -> Result<Option<String>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(bad(format!("{key}: {other} is not a string"))),
            }
        };
        let env = strings("Env")?;
        if let Some(e) = env.iter().find(|e| !e.contains('=') || e.starts_with('=')) {
            return Err(bad(format!("Env: {e:?} is not NAME=VALUE")));
        }
        Ok(ImageDefaults {
            env,
            cmd: strings("Cmd")?,
            entrypoint: strings("Entrypoint")?,
            working_dir: string("WorkingDir")?,
            user: string("User")?,
            exposed_ports: match obj.get("ExposedPorts") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Object(ports)) => ports.keys().cloned().collect(),
                Some(other) => return Err(bad(format!("ExposedPorts: {other} is not an object"))),
            },
        })
    }

    /// Parse `--image-config` text.
    pub fn parse(what: &str, text: &str) -> Result<ImageDefaults> {
        let v: Value = serde_json::from_str(text).map_err(|e| Error::invalid(what, format!("not valid JSON: {e}")))?;
        ImageDefaults::from_value(what, &v)
    }
}

/// Parse img-unpack's `--json` output: the layer dirs (bottom first) and the image defaults.
pub fn parse_unpack_json(what: &str, text: &str) -> Result<(Vec<std::path::PathBuf>, ImageDefaults)> {
    let dirs = crate::mount::overlay_layers::dirs_from_unpack_json(text)
        .map_err(|e| Error::invalid(what, e.to_string().replace("JSON on stdin", "layers JSON")))?;
    let v: Value = serde_json::from_str(text).map_err(|e| Error::invalid(what, format!("not valid JSON: {e}")))?;
    let defaults = ImageDefaults::from_value(what, v.get("config").unwrap_or(&Value::Null))?;
    Ok((dirs, defaults))
}

/// An image from the store under `store`: its layer dirs (bottom first) and its defaults.
/// The built-in `demo` image is built into the store the first time it is asked for.
pub fn from_store(store: &std::path::Path, reference: &str) -> Result<(Vec<std::path::PathBuf>, ImageDefaults)> {
    if crate::image::demo::is_demo(reference) {
        crate::image::demo::ensure_in_store(store)?;
    }
    let opened = crate::image::Store::open(store)
        .map_err(|e| e.with_hint("no images yet: load one (ctrkit load -i FILE) or run the built-in `demo`"))?;
    let image = crate::image::tag::find(&opened, reference)?;
    let dirs = opened.layer_dirs(&image)?;
    let config = crate::image::describe::describe(&opened, &image)?.config.to_json();
    Ok((dirs, ImageDefaults::from_value(&format!("image {reference}"), &config)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_and_ignores_others() {
        let d = ImageDefaults::parse(
            "cfg",
            r#"{"Env":["PATH=/bin","A=b=c"],"Cmd":["sh"],"Entrypoint":null,"WorkingDir":"/app","User":"app","X":1}"#,
        )
        .unwrap();
        assert_eq!(d.env, vec!["PATH=/bin", "A=b=c"]);
        assert_eq!(d.cmd, vec!["sh"]);
        assert!(d.entrypoint.is_empty());
        assert_eq!(d.working_dir.as_deref(), Some("/app"));
        assert_eq!(d.user.as_deref(), Some("app"));
    }

    #[test]
    fn refuses_wrong_types_and_bad_env() {
        for bad in ["[]", r#"{"Env":"x"}"#, r#"{"Env":["NOEQUALS"]}"#, r#"{"Cmd":[1]}"#, r#"{"User":5}"#, "{"] {
            assert!(ImageDefaults::parse("cfg", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unpack_json_gives_layers_and_config() {
        let (dirs, d) =
            parse_unpack_json("j", r#"{"layers":[{"dir":"/s/a"},{"dir":"/s/b"}],"config":{"Cmd":["true"]}}"#).unwrap();
        assert_eq!(dirs.len(), 2);
        assert_eq!(d.cmd, vec!["true"]);
    }
}
