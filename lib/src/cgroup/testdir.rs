//! Fixture cgroup directories for unit tests: a temp dir holding fake control files, so the
//! v1/v2 logic runs against a tree we made instead of the kernel (no root, no forking).
//! Test-only. Used by: the unit tests of cgroup::v1, v2, group, kill, join.

use std::path::{Path, PathBuf};

/// A temp dir with the given files (`("pids.max", "max\n")`), removed when dropped.
pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(tag: &str, files: &[(&str, &str)]) -> TestDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ctrkit-cgtest-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create fixture dir");
        let me = TestDir(dir);
        me.write(files);
        me
    }

    /// Add or overwrite files (paths may have subdirectories).
    pub fn write(&self, files: &[(&str, &str)]) {
        for (name, content) in files {
            let path = self.0.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create fixture subdir");
            }
            std::fs::write(&path, content).expect("write fixture file");
        }
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
