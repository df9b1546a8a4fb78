//! `ctrkit inspect`: one container as the JSON object docker prints, built from its record
//! (state.json), its OCI spec (config.json) and the kernel's word on whether it runs.
//!
//!     {"Id", "Name": "/web", "Created", "Path", "Args",
//!      "State": {"Status", "Running", "Paused": false, "Pid", "ExitCode", "StartedAt", "FinishedAt"},
//!      "Image", "Config": {"Image", "Cmd", "Entrypoint", "Env", "WorkingDir", "User", "Hostname"},
//!      "HostConfig": {"Memory", "NanoCpus", "PidsLimit", "ReadonlyRootfs"},
//!      "NetworkSettings": {"IPAddress": "", "Ports": {}}, "Mounts": [...], "LogPath"}
//!
//! `Pid` is 0 unless the container runs (docker's rule), so `inspect -f '{{.State.Pid}}'`
//! never hands out a pid that may belong to someone else now. `Config.Cmd` is the whole
//! command as run (the image's entrypoint and cmd already merged by spec.rs), Entrypoint null.
//! Files: STATE/containers/<id>/{state.json,config.json}. Read: docker-container-inspect(1).
//! Used by: ctrkit inspect (with template.rs for -f).

use super::lookup::Record;
use super::state::Status;
use super::{liveness, log};
use crate::error::{Error, Result};
use serde_json::{json, Value};

/// The docker-shaped object for `rec`.
pub fn inspect(rec: &Record) -> Result<Value> {
    let s = &rec.state;
    let spec_path = rec.dir.join("config.json");
    let spec: Value = match std::fs::read(&spec_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::invalid(spec_path.display(), format!("not an OCI spec: {e}")))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) => return Err(Error::io("read", spec_path.display(), e)),
    };
    Ok(shape(rec, &spec, liveness::observed(s)))
}

/// The object from a record, a spec and the observed status (pure).
pub fn shape(rec: &Record, spec: &Value, status: Status) -> Value {
    let s = &rec.state;
    let running = status == Status::Running;
    let process = &spec["process"];
    let resources = &spec["linux"]["resources"];
    let (uid, gid) = (process["user"]["uid"].as_u64().unwrap_or(0), process["user"]["gid"].as_u64().unwrap_or(0));
    let user = if uid == 0 && gid == 0 { String::new() } else { format!("{uid}:{gid}") };
    let nano_cpus = match (resources["cpu"]["quota"].as_i64(), resources["cpu"]["period"].as_u64()) {
        (Some(q), Some(p)) if q > 0 && p > 0 => q * 1_000_000_000 / p as i64,
        _ => 0,
    };
    let mounts: Vec<Value> = spec["mounts"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter(|m| {
                    m["type"] == "bind" && !m["source"].as_str().unwrap_or("").starts_with(&*rec.dir.to_string_lossy())
                })
                .map(|m| {
                    let ro = m["options"].as_array().is_some_and(|o| o.iter().any(|x| x == "ro"));
                    json!({"Type": "bind", "Source": m["source"], "Destination": m["destination"], "RW": !ro})
                })
                .collect()
        })
        .unwrap_or_default();
    let image = if s.image.is_empty() { Value::String(String::new()) } else { json!(s.image) };
    json!({
        "Id": s.id,
        "Created": s.created,
        "Path": s.command.first().cloned().unwrap_or_default(),
        "Args": s.command.iter().skip(1).collect::<Vec<_>>(),
        "State": {
            "Status": match status { Status::Created => "created", Status::Running => "running", Status::Exited => "exited" },
            "Running": running,
            "Paused": false,
            "Pid": if running { s.pid } else { 0 },
            "ExitCode": s.exit_code.unwrap_or(0),
            "StartedAt": s.started.clone().unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
            "FinishedAt": s.finished.clone().unwrap_or_else(|| "0001-01-01T00:00:00Z".into()),
        },
        "Image": s.image_id,
        "Name": format!("/{}", s.name),
        "LogPath": rec.dir.join(log::LOG_FILE),
        "HostConfig": {
            "Memory": resources["memory"]["limit"].as_i64().unwrap_or(0),
            "NanoCpus": nano_cpus,
            "PidsLimit": resources["pids"]["limit"].as_i64().filter(|l| *l > 0),
            "ReadonlyRootfs": spec["root"]["readonly"].as_bool().unwrap_or(false),
            "AutoRemove": s.auto_remove,
            "NetworkMode": if s.network.mode.is_empty() { "none" } else { s.network.mode.as_str() },
        },
        "Mounts": mounts,
        "Config": {
            "Hostname": spec["hostname"].as_str().unwrap_or(""),
            "User": user,
            "Env": process["env"].clone(),
            "Cmd": s.command,
            "Entrypoint": Value::Null,
            "WorkingDir": process["cwd"].as_str().unwrap_or("/"),
            "Image": image,
        },
        "NetworkSettings": network_settings(&s.network),
    })
}

/// docker's NetworkSettings: the address while on the bridge, and `Ports` keyed `80/tcp`.
fn network_settings(n: &super::network::Record) -> Value {
    let mut ports = serde_json::Map::new();
    for p in &n.ports {
        let binding = json!({"HostIp": p.host_ip.to_string(), "HostPort": p.host_port.to_string()});
        if let Value::Array(list) = ports.entry(p.key()).or_insert_with(|| json!([])) {
            list.push(binding);
        }
    }
    let e = n.endpoint.as_ref();
    let ip = e.map(|e| e.ip.to_string()).unwrap_or_default();
    let gateway = e.map(|e| e.gateway.to_string()).unwrap_or_default();
    let prefix = e.map(|e| e.prefix).unwrap_or(0);
    let mut networks = serde_json::Map::new();
    if !n.mode.is_empty() {
        let name = if n.mode == "bridge" { "bridge".to_string() } else { n.mode.clone() };
        networks.insert(name, json!({"IPAddress": ip, "IPPrefixLen": prefix, "Gateway": gateway}));
    }
    json!({
        "IPAddress": ip,
        "IPPrefixLen": prefix,
        "Gateway": gateway,
        "Bridge": e.map(|e| e.bridge.clone()).unwrap_or_default(),
        "Ports": ports,
        "Networks": networks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_settings_are_dockers_shape() {
        let record = crate::container::network::Record {
            mode: "bridge".into(),
            endpoint: Some(crate::net::endpoint::Endpoint {
                bridge: "ctrkit0".into(),
                ip: "10.66.0.7".parse().unwrap(),
                prefix: 16,
                gateway: "10.66.0.1".parse().unwrap(),
                veth: "veth01020304".into(),
            }),
            ports: vec![crate::net::publish::PortMap::parse("8080:80").unwrap()],
        };
        let n = network_settings(&record);
        assert_eq!(n["IPAddress"], "10.66.0.7");
        assert_eq!(n["Networks"]["bridge"]["Gateway"], "10.66.0.1");
        assert_eq!(n["Ports"]["80/tcp"][0]["HostPort"], "8080");
        assert_eq!(network_settings(&Default::default())["IPAddress"], "");
    }
    use crate::container::state::State;

    #[test]
    fn docker_fields_from_record_and_spec() {
        let state = State {
            id: "a".repeat(64),
            name: "web".into(),
            status: Status::Running,
            pid: 4242,
            pid_start_time: 1,
            monitor_pid: 0,
            monitor_start_time: 0,
            exit_code: None,
            created: "2024-05-01T12:00:00Z".into(),
            started: Some("2024-05-01T12:00:01Z".into()),
            finished: None,
            command: vec!["sleep".into(), "9".into()],
            cgroup: String::new(),
            auto_remove: false,
            image: "demo".into(),
            image_id: "sha256:ff".into(),
            cgroup_dirs: vec![],
            network: Default::default(),
        };
        let rec = Record { dir: "/run/ctrkit/containers/aaa".into(), state };
        let spec = json!({"process": {"env": ["PATH=/bin"], "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000}},
            "hostname": "aaaaaaaaaaaa", "root": {"readonly": true},
            "linux": {"resources": {"memory": {"limit": 33554432}, "cpu": {"quota": 50000, "period": 100000}, "pids": {"limit": 64}}},
            "mounts": [{"type": "bind", "source": "/srv", "destination": "/data", "options": ["rbind", "ro"]}]});
        let v = shape(&rec, &spec, Status::Running);
        let f = |t: &str| crate::template::render(t, &v).unwrap();
        assert_eq!(f("{{.State.Pid}} {{.State.Status}} {{.Name}} {{.Config.Image}}"), "4242 running /web demo");
        assert_eq!(
            f("{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}"),
            "33554432 500000000 64"
        );
        assert_eq!(f("{{.Config.User}} {{.Config.WorkingDir}} {{.NetworkSettings.IPAddress}}|"), "1000:1000 /tmp |");
        assert_eq!(v["Mounts"][0]["RW"], false);
        // Not running: no pid to hand out.
        assert_eq!(shape(&rec, &spec, Status::Exited)["State"]["Pid"], 0);
    }
}
