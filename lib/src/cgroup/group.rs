//! A cgroup we made (or found by name), whatever the host's layout: one directory per
//! hierarchy it spans, created under the caller's own cgroup in each.
//!
//! | step        | what it does                                             | syscalls / files            |
//! |-------------|----------------------------------------------------------|-----------------------------|
//! | create      | plan (plan.rs), enable v2 controllers, mkdir, write limits | mkdir(2), write(2)         |
//! | add_process | move a pid in, in every hierarchy                        | write cgroup.procs          |
//! | processes   | every pid inside, sub-cgroups included                   | read cgroup.procs           |
//! | stats       | usage and events (stats.rs)                              | read v1.rs/v2.rs files      |
//! | kill_all, remove, delete | see kill.rs                                 | kill(2), cgroup.kill, rmdir(2) |
//!
//! We never move or change a cgroup we did not create: new cgroups go *under* our own (the
//! one exception, enabling a v2 controller in our own cgroup.subtree_control, is explained
//! in v2.rs). If create fails halfway, the directories made so far are removed again.
//! Read: cgroups(7). Shell equivalent: `cgcreate -g memory,pids:NAME`, then `cgexec`.
//! Used by: cg-limit.

use super::hierarchy::{Layout, Version};
use super::limits::Limits;
use super::mode::Mode;
use super::name::check_name;
use super::plan::{self, Placement};
use super::stats::Stats;
use super::{files, v1, v2};
use crate::error::{Error, Result};
use crate::explain::{self, Op};
use nix::errno::Errno;
use nix::sys::stat::Mode as Perms;
use std::path::{Path, PathBuf};

/// A cgroup spanning one directory per hierarchy.
#[derive(Debug, Clone)]
pub struct Cgroup {
    name: String,
    mode: Mode,
    parts: Vec<Part>,
}

/// The cgroup's directory in one hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub version: Version,
    /// v1: the hierarchy's controllers; v2: the controllers usable in the directory.
    pub controllers: Vec<String>,
    pub dir: PathBuf,
}

impl Cgroup {
    /// Create cgroup `name` with `limits` under the caller's own cgroups.
    pub fn create(name: &str, limits: &Limits) -> Result<Cgroup> {
        Cgroup::create_in(&Layout::of_self()?, name, limits)
    }

    /// Create under the hierarchies of `layout` (tests pass fixture trees here).
    pub fn create_in(layout: &Layout, name: &str, limits: &Limits) -> Result<Cgroup> {
        check_name(name)?;
        limits.check()?;
        let placements = plan::plan(layout, limits)?;
        let mut cgroup = Cgroup { name: name.to_string(), mode: layout.mode, parts: Vec::new() };
        for placement in &placements {
            if let Err(e) = cgroup.make_part(placement, limits) {
                // Leave nothing behind: remove what this call created (and only that).
                let _ = cgroup.remove();
                return Err(e);
            }
        }
        Ok(cgroup)
    }

    /// mkdir one hierarchy's directory and write its limits.
    fn make_part(&mut self, placement: &Placement, limits: &Limits) -> Result<()> {
        let parent = &placement.hierarchy.dir;
        let dir = parent.join(&self.name);
        let v2 = plan::is_v2(placement);
        if v2 && !placement.controllers.is_empty() {
            v2::enable(parent, &placement.controllers)?;
        }
        let why = if v2 && placement.controllers.is_empty() {
            "a new cgroup in the v2 tree (tracks the processes; no controllers here)"
        } else {
            "a new cgroup, under our own"
        };
        let op = Op::new(format!("mkdir({dir:?}, 0755)"), why, "cgroups(7)");
        explain::change(op, &dir.display().to_string(), || nix::unistd::mkdir(&dir, Perms::from_bits_truncate(0o755)))
            .map_err(|e| match e.errno_value() {
                Some(Errno::EEXIST) => e.with_hint(format!(
                    "a cgroup named {} already exists there: choose another --name, or remove it with `cg-limit --remove {}`",
                    self.name, self.name
                )),
                _ => e,
            })?;
        // Recorded right after mkdir, before anything can fail, so cleanup finds it.
        self.parts.push(Part {
            version: placement.hierarchy.version,
            controllers: placement.controllers.clone(),
            dir: dir.clone(),
        });
        let settings = match placement.hierarchy.version {
            Version::V1 => v1::settings(&placement.controllers, limits, parent)?,
            Version::V2 => v2::settings(&placement.controllers, limits, &dir),
        };
        for setting in settings {
            setting.apply(&dir)?;
        }
        Ok(())
    }

    /// Find the existing cgroup `name` under the caller's own cgroups.
    pub fn open(name: &str) -> Result<Cgroup> {
        Cgroup::open_in(&Layout::of_self()?, name)
    }

    /// Find cgroup `name` under the hierarchies of `layout`: in every v1 hierarchy we might
    /// have created it in, and the v2 tree.
    pub fn open_in(layout: &Layout, name: &str) -> Result<Cgroup> {
        check_name(name)?;
        let ours = ["memory", "cpu", "cpuacct", "cpuset", "pids"];
        let candidates = layout
            .hierarchies
            .iter()
            .filter(|h| h.version == Version::V2 || h.controllers.iter().any(|c| ours.contains(&c.as_str())));
        let mut parts = Vec::new();
        for h in candidates {
            let dir = h.dir.join(name);
            if !dir.is_dir() {
                continue;
            }
            let controllers = match h.version {
                Version::V1 => h.controllers.clone(),
                Version::V2 => v2::available(&dir)?,
            };
            parts.push(Part { version: h.version, controllers, dir });
        }
        if parts.is_empty() {
            // One line, as for every refused input; `--explain` lists the cgroups searched.
            return Err(Error::errno("open cgroup", name, Errno::ENOENT));
        }
        Ok(Cgroup { name: name.to_string(), mode: layout.mode, parts })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The cgroup's directories, one per hierarchy.
    pub fn dirs(&self) -> Vec<PathBuf> {
        self.parts.iter().map(|p| p.dir.clone()).collect()
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Move process `pid` into the cgroup in every hierarchy. Its future children start
    /// there too, which is how a whole command tree ends up inside.
    pub fn add_process(&self, pid: i32) -> Result<()> {
        for part in &self.parts {
            let procs = part.dir.join("cgroup.procs");
            explain::write_file(&procs, &pid.to_string(), "move the process into the cgroup", "cgroups(7)")?;
        }
        Ok(())
    }

    /// Every pid in the cgroup, in any hierarchy, sub-cgroups included; sorted.
    pub fn processes(&self) -> Result<Vec<i32>> {
        let mut pids = Vec::new();
        for part in &self.parts {
            for dir in tree(&part.dir)? {
                pids.extend(files::pids(&files::read(&dir.join("cgroup.procs"))?));
            }
        }
        pids.sort_unstable();
        pids.dedup();
        Ok(pids)
    }

    /// Usage, limits and events, from every hierarchy (v1 first: on hybrid hosts the
    /// controllers are there, and v2 only fills in what v1 lacks).
    pub fn stats(&self) -> Result<Stats> {
        let mut stats = Stats::empty(&self.name, self.mode);
        stats.dirs = self.dirs();
        stats.processes = self.processes()?;
        for part in self.parts.iter().filter(|p| p.version == Version::V1) {
            v1::read_stats(&part.dir, &part.controllers, &mut stats);
        }
        for part in self.parts.iter().filter(|p| p.version == Version::V2) {
            v2::read_stats(&part.dir, &part.controllers, &mut stats);
        }
        Ok(stats)
    }
}

/// A cgroup directory and every cgroup below it, parents first.
pub(crate) fn tree(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let entries = std::fs::read_dir(&out[i]).map_err(|e| Error::io("read directory", out[i].display(), e))?;
        for entry in entries.flatten() {
            // Sub-cgroups are the only directories inside a cgroup directory.
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                out.push(entry.path());
            }
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cgroup::hierarchy::Hierarchy;
    use crate::cgroup::testdir::TestDir;

    fn v1_at(dir: &TestDir, controllers: &[&str]) -> Hierarchy {
        Hierarchy {
            version: Version::V1,
            controllers: controllers.iter().map(|c| c.to_string()).collect(),
            mount_point: dir.path().into(),
            dir: dir.path().into(),
        }
    }

    #[test]
    fn a_failed_create_leaves_nothing_behind() {
        // In a fixture tree mkdir makes a plain directory without control files, so writing
        // pids.max fails (ENOENT) after the mkdir: the directory must be removed again.
        let pids = TestDir::new("group-fail", &[]);
        let layout = Layout { mode: Mode::Legacy, hierarchies: vec![v1_at(&pids, &["pids"])] };
        let err = Cgroup::create_in(&layout, "t1", &Limits { pids: Some(32), ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("pids.max"), "{err}");
        assert!(!pids.path().join("t1").exists(), "a failed create removes its directories");
    }

    #[test]
    fn an_existing_name_is_refused_and_kept() {
        let pids = TestDir::new("group-exists", &[("taken/cgroup.procs", "")]);
        let layout = Layout { mode: Mode::Legacy, hierarchies: vec![v1_at(&pids, &["pids"])] };
        let err = Cgroup::create_in(&layout, "taken", &Limits { pids: Some(1), ..Default::default() }).unwrap_err();
        assert_eq!(err.errno_value(), Some(Errno::EEXIST));
        assert!(err.to_string().contains("cg-limit --remove taken"), "{err}");
        assert!(pids.path().join("taken").exists(), "a cgroup we did not create is left alone");
    }

    #[test]
    fn open_finds_dirs_processes_and_stats() {
        let pids = TestDir::new(
            "group-open",
            &[
                ("web/cgroup.procs", "12\n"),
                ("web/sub/cgroup.procs", "13\n12\n"),
                ("web/pids.max", "32\n"),
                ("web/pids.events", "max 2\n"),
            ],
        );
        let layout = Layout { mode: Mode::Legacy, hierarchies: vec![v1_at(&pids, &["pids"])] };
        let cg = Cgroup::open_in(&layout, "web").unwrap();
        assert_eq!(cg.dirs(), vec![pids.path().join("web")]);
        assert_eq!(cg.processes().unwrap(), vec![12, 13]);
        let stats = cg.stats().unwrap();
        assert_eq!(stats.pids.unwrap().max_events, 2);
        assert_eq!(stats.processes, vec![12, 13]);
    }

    #[test]
    fn open_of_a_missing_or_unsafe_name_fails() {
        let pids = TestDir::new("group-missing", &[]);
        let layout = Layout { mode: Mode::Legacy, hierarchies: vec![v1_at(&pids, &["pids"])] };
        let err = Cgroup::open_in(&layout, "nope").unwrap_err();
        assert_eq!(err.errno_value(), Some(Errno::ENOENT));
        assert!(Cgroup::open_in(&layout, "..").is_err());
    }

    #[test]
    fn hierarchies_we_never_use_are_not_searched() {
        let systemd = TestDir::new("group-systemd", &[("svc/cgroup.procs", "1\n")]);
        let layout = Layout { mode: Mode::Legacy, hierarchies: vec![v1_at(&systemd, &["name=systemd"])] };
        assert!(Cgroup::open_in(&layout, "svc").is_err());
    }
}
