//! The image config: how to run the image (Env, Cmd, Entrypoint, WorkingDir, User,
//! ExposedPorts, Volumes, Labels) and which uncompressed layers make its root file system
//! (`rootfs.diff_ids`, bottom first) — the list every unpacked layer is checked against.
//!
//! Checked here, because a runtime later turns these into paths and exec arguments:
//! `WorkingDir` and `Volumes` must be absolute and free of `..` (they must not escape the
//! root file system), every `Env` entry must be `NAME=value` with a non-empty NAME,
//! `rootfs.type` must be `layers`, the diff_ids must be valid digests.
//!
//! No syscalls. Spec: OCI image-spec config.md; docker image spec v1.2 ("Image JSON").
//! Shell equivalent: `jq .config,.rootfs config.json`; `podman inspect --format '{{.Config}}'`.
//! Used by: image::unpack; the front end (run: defaults for the process).

use super::digest::{shown, Digest};
use super::json::{self, required, At};
use super::limits::Limits;
use crate::error::Result;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageConfig {
    pub env: Vec<String>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub working_dir: String,
    pub user: String,
    pub exposed_ports: Map<String, Value>,
    pub volumes: Map<String, Value>,
    pub labels: Map<String, Value>,
    pub diff_ids: Vec<Digest>,
    pub created: Option<String>,
    pub architecture: Option<String>,
    pub os: Option<String>,
}

impl ImageConfig {
    /// Parse and check a config blob; `what` names it in errors (`config sha256:…`).
    pub fn parse(what: &str, bytes: &[u8], limits: &Limits) -> Result<ImageConfig> {
        let v = json::parse(what, bytes, limits)?;
        let at = At::root(what);
        let top = at.object(&v)?;
        let mut c = ImageConfig::default();
        let text = |key: &str| -> Result<Option<String>> {
            match top.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => Ok(Some(at.key(key).string(v)?.to_string())),
            }
        };
        c.created = text("created")?;
        c.architecture = text("architecture")?;
        c.os = text("os")?;
        if let Some(cfg) = top.get("config").filter(|v| !v.is_null()) {
            let at = at.key("config");
            let cfg = at.object(cfg)?;
            let get = |k: &str| cfg.get(k).filter(|v| !v.is_null());
            if let Some(v) = get("Env") {
                c.env = at.key("Env").strings(v)?.unwrap_or_default();
                for (i, e) in c.env.iter().enumerate() {
                    match e.split_once('=') {
                        Some((name, _)) if !name.is_empty() => {}
                        _ => return Err(at.key("Env").index(i).error(format!("{}: not NAME=value", shown(e)))),
                    }
                }
            }
            if let Some(v) = get("Cmd") {
                c.cmd = at.key("Cmd").strings(v)?;
            }
            if let Some(v) = get("Entrypoint") {
                c.entrypoint = at.key("Entrypoint").strings(v)?;
            }
            if let Some(v) = get("WorkingDir") {
                c.working_dir = at.key("WorkingDir").string(v)?.to_string();
                if !c.working_dir.is_empty() {
                    inside_root(&c.working_dir, &at.key("WorkingDir"))?;
                }
            }
            if let Some(v) = get("User") {
                c.user = at.key("User").string(v)?.to_string();
            }
            if let Some(v) = get("ExposedPorts") {
                c.exposed_ports = at.key("ExposedPorts").object(v)?.clone();
            }
            if let Some(v) = get("Volumes") {
                c.volumes = at.key("Volumes").object(v)?.clone();
                for k in c.volumes.keys() {
                    inside_root(k, &at.key("Volumes"))?;
                }
            }
            if let Some(v) = get("Labels") {
                let labels = at.key("Labels").object(v)?;
                for (k, v) in labels {
                    at.key("Labels").key(k).string(v)?;
                }
                c.labels = labels.clone();
            }
        }
        let rat = at.key("rootfs");
        let rootfs = rat.object(required(top, "rootfs", &at)?)?;
        let kind = rat.key("type").string(required(rootfs, "type", &rat)?)?;
        if kind != "layers" {
            return Err(rat.key("type").error(format!("{}: expected \"layers\"", shown(kind))));
        }
        let list_at = rat.key("diff_ids");
        for (i, d) in list_at.array(required(rootfs, "diff_ids", &rat)?)?.iter().enumerate() {
            let item = list_at.index(i);
            c.diff_ids.push(Digest::parse(item.string(d)?, &item.name())?);
        }
        Ok(c)
    }

    /// The part of `--json` output a runtime reads (docker's names and shapes).
    pub fn to_json(&self) -> Value {
        json!({
            "Env": self.env,
            "Cmd": self.cmd,
            "Entrypoint": self.entrypoint,
            "WorkingDir": self.working_dir,
            "User": self.user,
            "ExposedPorts": self.exposed_ports,
            "Volumes": self.volumes,
            "Labels": self.labels,
        })
    }
}

/// A path the runtime will use inside the root: absolute, without `..`.
fn inside_root(path: &str, at: &At) -> Result<()> {
    if !path.starts_with('/') {
        return Err(at.error(format!("{}: must be an absolute path", shown(path))));
    }
    if path.split('/').any(|c| c == "..") {
        return Err(at.error(format!("{}: path escapes the root file system", shown(path))));
    }
    if path.contains('\0') {
        return Err(at.error(format!("{}: NUL in path", shown(path))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","GREETING=hello"],
        "Entrypoint":["/bin/sh","-c"],"Cmd":["cat /data/keep/f"],"WorkingDir":"/data",
        "ExposedPorts":{"8080/tcp":{}},"Labels":{"a":"b"}},
        "rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}"#;

    #[test]
    fn a_real_config_parses() {
        let c = ImageConfig::parse("config", GOOD.as_bytes(), &Limits::default()).expect("parse");
        assert_eq!(c.env, vec!["PATH=/bin", "GREETING=hello"]);
        assert_eq!(c.entrypoint.as_deref(), Some(&["/bin/sh".to_string(), "-c".to_string()][..]));
        assert_eq!(c.working_dir, "/data");
        assert_eq!(c.diff_ids.len(), 1);
        assert_eq!(c.to_json()["ExposedPorts"], json!({"8080/tcp": {}}));
        assert_eq!(c.to_json()["Volumes"], json!({}));
    }

    #[test]
    fn bad_configs_name_the_field() {
        let l = Limits::default();
        let cases = [
            (GOOD.replace("\"/data\"", "\"data\""), "config.WorkingDir"),
            (GOOD.replace("\"/data\"", "\"/../etc\""), "config.WorkingDir"),
            (GOOD.replace("\"GREETING=hello\"", "\"GREETING\""), "config.Env[1]"),
            (GOOD.replace("\"Labels\":{\"a\":\"b\"}", "\"Volumes\":{\"../x\":{}}"), "config.Volumes"),
            (GOOD.replace("\"Cmd\":[\"cat /data/keep/f\"]", "\"Cmd\":\"ls\""), "config.Cmd"),
            (GOOD.replace("\"sha256:0000", "\"sha256:../0"), "rootfs.diff_ids[0]"),
            (GOOD.replace("\"layers\"", "\"other\""), "rootfs.type"),
        ];
        for (doc, field) in cases {
            let e = ImageConfig::parse("config", doc.as_bytes(), &l).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(field), "{field}: {e}");
        }
    }
}
