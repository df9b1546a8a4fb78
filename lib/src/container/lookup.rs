//! Finding containers the way docker does: by full id, by name, or by a unique id prefix;
//! and listing every record without letting one bad record stop the others.
//!
//! docker's order (daemon/container.go GetContainer): an exact full id wins, then an exact
//! name (a leading `/` is allowed, as docker prints names), then an id prefix that matches
//! exactly one container. A prefix matching several is an error naming how many; anything
//! that cannot be a name or an id prefix (`""`, `..`, `a/b`, `a b`, 300 characters) is
//! refused before any file is opened, so a query can never walk out of the state dir.
//!
//! Files: STATE/containers/*/state.json, STATE/names/<name> (readlink(2)).
//! Read: docker-container-inspect(1). Shell: `ls /run/ctrkit/containers | grep ^PREFIX`.
//! Used by: every lifecycle verb of ctrkit (ps, inspect, stop, kill, rm, logs, exec, …), ctr-enter -t NAME.

use super::id::{self, MAX_NAME_LEN};
use super::state::{self, State};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// One container's record and where it lives.
#[derive(Debug, Clone)]
pub struct Record {
    pub dir: PathBuf,
    pub state: State,
}

/// Every readable record, newest first, and why the others were skipped.
#[derive(Debug, Default)]
pub struct Listing {
    pub records: Vec<Record>,
    pub skipped: Vec<Error>,
}

/// Read every record under `state_root`. A record that cannot be read (garbage, a crash
/// before the first write) is reported in `skipped`, never fatal: `ps` must always work.
pub fn all(state_root: &Path) -> Result<Listing> {
    let dir = state::containers_dir(state_root);
    let mut out = Listing::default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io("read directory", dir.display(), e)),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        match state::read(&path) {
            Ok(s) => out.records.push(Record { dir: path, state: s }),
            Err(e) => out.skipped.push(e),
        }
    }
    // RFC 3339 UTC strings sort as times do; the id breaks ties so the order is stable.
    out.records.sort_by(|a, b| (&b.state.created, &b.state.id).cmp(&(&a.state.created, &a.state.id)));
    Ok(out)
}

/// Check that `query` could be a name or an id prefix; one line when not.
pub fn check_query(query: &str) -> Result<&str> {
    let q = query.strip_prefix('/').unwrap_or(query);
    let ok_char = |b: u8| b.is_ascii_alphanumeric() || b"_.-".contains(&b);
    let first_ok = q.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if q.is_empty() || q.len() > MAX_NAME_LEN.max(64) || !first_ok || !q.bytes().all(ok_char) {
        // One line, no hint: a script feeding bad names gets one clear line per name.
        return Err(Error::invalid(
            format!("container {query:?}"),
            "not a container name or id (names are [a-zA-Z0-9][a-zA-Z0-9_.-]*, ids hex)",
        ));
    }
    Ok(q)
}

/// docker's rule on plain data: the id of the container `query` names, among `ids` (every
/// container's id), `by_name` being what the name link says, if there is one.
pub fn choose(query: &str, ids: &[String], by_name: Option<&str>) -> Result<String> {
    if id::is_id(query) && ids.iter().any(|i| i == query) {
        return Ok(query.to_string());
    }
    if let Some(target) = by_name.filter(|t| ids.iter().any(|i| i == t)) {
        return Ok(target.to_string());
    }
    let hex = query.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let matching: Vec<&String> = if hex { ids.iter().filter(|i| i.starts_with(query)).collect() } else { vec![] };
    match matching.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(Error::invalid(format!("container {query}"), "no such container")
            .with_hint("see the names and ids with `ctrkit ps -a`")),
        many => Err(Error::invalid(
            format!("container {query}"),
            format!("the id prefix matches {} containers: give more digits", many.len()),
        )),
    }
}

/// The id of the container named or id-prefixed by `query`.
pub fn find_id(state_root: &Path, query: &str) -> Result<String> {
    let q = check_query(query)?;
    let containers = state::containers_dir(state_root);
    let ids: Vec<String> = match std::fs::read_dir(&containers) {
        Ok(entries) => entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io("read directory", containers.display(), e)),
    };
    let by_name = std::fs::read_link(state::name_link(state_root, q)).ok();
    choose(q, &ids, by_name.as_deref().and_then(Path::to_str))
}

/// The record of the container `query` names.
pub fn find(state_root: &Path, query: &str) -> Result<Record> {
    let id = find_id(state_root, query)?;
    let dir = state::dir_of(state_root, &id);
    let s = state::read(&dir)?;
    Ok(Record { dir, state: s })
}

/// (image id, container name) of every container record that runs a stored image — what
/// `rmi` must not pull out from under a container. Unreadable records are skipped.
pub fn images_in_use(state_root: &Path) -> Result<Vec<(String, String)>> {
    Ok(all(state_root)?
        .records
        .into_iter()
        .filter(|r| !r.state.image_id.is_empty())
        .map(|r| (r.state.image_id, r.state.name))
        .collect())
}

/// `${CTRKIT_STATE:-/run/ctrkit}`, for tools that take no --state flag (ctr-enter).
pub fn default_state_root() -> PathBuf {
    std::env::var_os("CTRKIT_STATE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| "/run/ctrkit".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        vec![format!("abc1{}", "0".repeat(60)), format!("abc2{}", "0".repeat(60)), format!("f00d{}", "1".repeat(60))]
    }

    #[test]
    fn full_id_then_name_then_unique_prefix() {
        let ids = ids();
        assert_eq!(choose(&ids[0], &ids, None).unwrap(), ids[0]);
        // A name that looks like a prefix of another container's id: the name wins.
        assert_eq!(choose("abc1", &ids, Some(&ids[2])).unwrap(), ids[2]);
        assert_eq!(choose("f0", &ids, None).unwrap(), ids[2]);
        assert!(choose("abc", &ids, None).unwrap_err().to_string().contains("matches 2"));
        assert!(choose("web", &ids, None).unwrap_err().to_string().contains("no such container"));
        // A dangling name link (its container gone) is no match.
        assert!(choose("web", &ids, Some("deadbeef")).is_err());
    }

    #[test]
    fn queries_that_cannot_be_names_are_refused_in_one_line() {
        let long = "a".repeat(300);
        for bad in ["", ".", "..", "a/b", "a b", "/", "-x", long.as_str()] {
            let e = check_query(bad).expect_err(bad).to_string();
            assert_eq!(e.lines().count(), 1, "{e}");
        }
        assert_eq!(check_query("/web").unwrap(), "web");
    }
}
