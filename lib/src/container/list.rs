//! `ctrkit ps`: the containers as rows, filtered and formatted as docker does.
//!
//! - Which: running ones by default; `-a` all; `-n N` the N newest (any state); `-l` the newest.
//! - `-f KEY=VALUE`, repeatable: `status=created|running|exited`, `name=X` (a substring, as
//!   docker's), `id=X` (a prefix). Filters of different keys must all match (AND); values of
//!   the same key any one (OR) — docker's rule.
//! - `--format`: the Go-template subset of template.rs over {{.ID}} {{.Image}} {{.Command}}
//!   {{.CreatedAt}} {{.RunningFor}} {{.Status}} {{.State}} {{.Names}} {{.Size}}; a `table `
//!   prefix prints a header line first.
//! - STATUS comes from the kernel, not just the record (liveness.rs): a container whose
//!   processes were all killed with -9 shows as exited.
//!
//! Files: STATE/containers/*/state.json; `-s`: the sizes under STATE/containers/<id>/upper.
//! Read: docker-container-ls(1). Shell: `docker ps -a -f status=exited --format '{{.Names}}'`.
//! Used by: ctrkit ps.

use super::lookup::Record;
use super::state::Status;
use super::{id, liveness, status_text};
use crate::error::{Error, Result};
use serde_json::{json, Value};

/// `-f` filters, by key.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filter {
    pub status: Vec<Status>,
    pub name: Vec<String>,
    pub id: Vec<String>,
}

impl Filter {
    /// Parse the `-f` arguments.
    pub fn parse(args: &[String]) -> Result<Filter> {
        let mut f = Filter::default();
        for a in args {
            let bad = |why: &str| Error::invalid(format!("--filter {a:?}"), why.to_string());
            let (key, value) = a.split_once('=').ok_or_else(|| bad("expected KEY=VALUE"))?;
            match key {
                "status" => f.status.push(match value {
                    "created" => Status::Created,
                    "running" => Status::Running,
                    "exited" => Status::Exited,
                    _ => return Err(bad("status is one of created, running, exited")),
                }),
                "name" => f.name.push(value.trim_start_matches('/').to_string()),
                "id" => f.id.push(value.to_string()),
                _ => return Err(bad("the keys are status, name and id")),
            }
        }
        Ok(f)
    }

    /// AND across keys, OR within one.
    pub fn matches(&self, status: Status, id: &str, name: &str) -> bool {
        (self.status.is_empty() || self.status.contains(&status))
            && (self.name.is_empty() || self.name.iter().any(|n| name.contains(n.as_str())))
            && (self.id.is_empty() || self.id.iter().any(|p| id.starts_with(p.as_str())))
    }
}

/// What `ps` was asked.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub all: bool,
    pub filter: Filter,
    pub last: Option<usize>,
    pub no_trunc: bool,
    pub size: bool,
}

/// One row, its fields named as in docker's --format.
#[derive(Debug, Clone)]
pub struct Row {
    pub fields: Value,
    pub id: String,
}

/// The rows `q` asks for, newest first.
pub fn rows(records: &[Record], q: &Query, now: u64) -> Vec<Row> {
    let mut out = Vec::new();
    // -n/-l look at every container, as docker does, then filters apply.
    let considered = match q.last {
        Some(n) => &records[..n.min(records.len())],
        None => records,
    };
    for r in considered {
        let s = &r.state;
        let status = liveness::observed(s);
        if !(q.all || q.last.is_some() || status == Status::Running) || !q.filter.matches(status, &s.id, &s.name) {
            continue;
        }
        let mut command = s.command.join(" ");
        if !q.no_trunc && command.chars().count() > 20 {
            command = format!("{}…", command.chars().take(19).collect::<String>());
        }
        let shown_id = if q.no_trunc { s.id.clone() } else { id::short(&s.id).to_string() };
        let size = if q.size { super::stats::human_bytes(dir_size(&r.dir.join("upper"))) } else { String::new() };
        let image = if s.image.is_empty() { "(rootfs)".to_string() } else { s.image.clone() };
        let fields = json!({
            "ID": shown_id,
            "Image": image,
            "Command": format!("\"{command}\""),
            "CreatedAt": s.created,
            "RunningFor": status_text::ago(&s.created, now),
            "Status": status_text::status(status, s.exit_code, s.started.as_deref(), s.finished.as_deref(), now),
            "State": match status { Status::Created => "created", Status::Running => "running", Status::Exited => "exited" },
            "Names": s.name,
            "Size": size,
            // docker's form, only while it runs: `0.0.0.0:8080->80/tcp`.
            "Ports": if status == Status::Running { ports(&s.network.ports) } else { String::new() },
        });
        out.push(Row { fields, id: shown_id });
    }
    out
}

fn ports(ports: &[crate::net::publish::PortMap]) -> String {
    let one = |p: &crate::net::publish::PortMap| {
        format!("{}->{}", std::net::SocketAddr::new(p.host_ip, p.host_port), p.key())
    };
    ports.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// The column headers docker prints for `table` templates.
fn headers() -> Value {
    json!({"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
           "RunningFor": "CREATED", "Status": "STATUS", "State": "STATE", "Names": "NAMES", "Size": "SIZE"})
}

/// The default table, or `template` per row (with a header when it starts with `table`).
pub fn render(rows: &[Row], template: Option<&str>, size: bool) -> Result<String> {
    let mut out = String::new();
    match template {
        Some(t) => {
            let (table, body) = match t.strip_prefix("table") {
                Some(rest) => (true, rest.trim_start()),
                None => (false, t),
            };
            if table {
                out.push_str(&crate::template::render(body, &headers())?);
                out.push('\n');
            }
            for r in rows {
                out.push_str(&crate::template::render(body, &r.fields)?);
                out.push('\n');
            }
        }
        None => {
            // Columns padded to the widest cell plus 3 spaces, as docker's tabwriter does.
            let mut keys = vec!["ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names"];
            if size {
                keys.push("Size");
            }
            let mut h = headers();
            h["RunningFor"] = json!("CREATED");
            h["Ports"] = json!("PORTS");
            let table: Vec<Vec<String>> = std::iter::once(&h)
                .chain(rows.iter().map(|r| &r.fields))
                .map(|f| keys.iter().map(|k| f[*k].as_str().unwrap_or("").to_string()).collect())
                .collect();
            let widths: Vec<usize> =
                (0..keys.len()).map(|i| table.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
            for row in &table {
                let mut l = String::new();
                for (i, cell) in row.iter().enumerate() {
                    l.push_str(cell);
                    l.push_str(&" ".repeat(widths[i] + 3 - cell.chars().count()));
                }
                out.push_str(l.trim_end());
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Bytes under `dir` (not following symlinks); 0 when it is missing.
pub fn dir_size(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if let Ok(m) = e.path().symlink_metadata() {
                if m.is_dir() {
                    todo.push(e.path());
                } else {
                    total += m.len();
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::state::State;

    fn rec(id: &str, name: &str, status: Status, created: &str) -> Record {
        let s = State {
            id: id.repeat(64 / id.len()),
            name: name.into(),
            status,
            pid: 0,
            pid_start_time: 0,
            monitor_pid: 0,
            monitor_start_time: 0,
            exit_code: Some(0),
            created: created.into(),
            started: Some(created.into()),
            finished: Some(created.into()),
            command: vec!["echo".into(), "hello".into(), "world, a long line".into()],
            cgroup: String::new(),
            auto_remove: false,
            image: "demo".into(),
            image_id: String::new(),
            cgroup_dirs: vec![],
            network: Default::default(),
        };
        Record { dir: "/nonexistent".into(), state: s }
    }

    #[test]
    fn filters_and_across_keys_or_within() {
        let f = Filter::parse(&["status=exited".into(), "status=created".into(), "name=web".into()]).unwrap();
        assert!(f.matches(Status::Exited, "ab", "web-1"));
        assert!(f.matches(Status::Created, "ab", "myweb"));
        assert!(!f.matches(Status::Running, "ab", "web"));
        assert!(!f.matches(Status::Exited, "ab", "db"));
        assert!(Filter::parse(&["id=ab".into()]).unwrap().matches(Status::Running, "abc", "x"));
        for bad in ["status=paused", "label=x", "status"] {
            assert!(Filter::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn rows_respect_all_last_and_truncation() {
        // No live process behind these records: a `running` record counts as exited.
        let recs = vec![
            rec("b", "new", Status::Exited, "2024-05-01T12:00:02Z"),
            rec("a", "old", Status::Created, "2024-05-01T12:00:01Z"),
        ];
        let now = 1_714_564_810;
        assert!(rows(&recs, &Query::default(), now).is_empty());
        let all = rows(&recs, &Query { all: true, ..Default::default() }, now);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, "bbbbbbbbbbbb");
        assert_eq!(all[0].fields["Command"], "\"echo hello world, a…\"");
        assert_eq!(all[0].fields["Status"], "Exited (0) 8 seconds ago");
        assert_eq!(all[1].fields["Status"], "Created");
        let last = rows(&recs, &Query { last: Some(1), ..Default::default() }, now);
        assert_eq!(last.len(), 1);
        let full = rows(&recs, &Query { all: true, no_trunc: true, ..Default::default() }, now);
        assert_eq!(full[1].id.len(), 64);
        let out = render(&all, Some("table {{.Names}}\\t{{.Status}}"), false).unwrap();
        assert_eq!(out, "NAMES\tSTATUS\nnew\tExited (0) 8 seconds ago\nold\tCreated\n");
        assert!(render(&all, None, false).unwrap().starts_with("CONTAINER ID"));
    }
}
