//! Every tool answers the same user-facing flags: --help, --version, --man (roff),
//! --completions SHELL — and refuses an unknown flag with one line and exit 125.
#![forbid(unsafe_code)]

use assert_cmd::Command;

const TOOLS: [&str; 10] = [
    "ns-unshare",
    "cg-limit",
    "ctr-enter",
    "ovl-mount",
    "img-unpack",
    "img-pack",
    "img-pull",
    "ctr-run",
    "ctrkit",
    "ctr-oci",
];

#[test]
fn every_tool_has_help_version_man_and_completions() {
    for tool in TOOLS {
        let help = Command::cargo_bin(tool).unwrap().arg("--help").output().unwrap();
        assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("Usage:"), "{tool} --help");
        let version = Command::cargo_bin(tool).unwrap().arg("--version").output().unwrap();
        assert!(String::from_utf8_lossy(&version.stdout).starts_with(tool), "{tool} --version");
        let man = Command::cargo_bin(tool).unwrap().arg("--man").output().unwrap();
        assert!(String::from_utf8_lossy(&man.stdout).contains(".TH"), "{tool} --man is not roff");
        for shell in ["bash", "zsh", "fish"] {
            let c = Command::cargo_bin(tool).unwrap().args(["--completions", shell]).output().unwrap();
            assert!(c.status.success() && !c.stdout.is_empty(), "{tool} --completions {shell}");
        }
    }
}

#[test]
fn every_tool_refuses_an_unknown_flag_in_one_line() {
    for tool in TOOLS {
        let out = Command::cargo_bin(tool).unwrap().arg("--no-such-flag").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{tool}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{tool}: {err}");
        assert!(err.starts_with(&format!("{tool}: ")), "{tool}: {err}");
    }
}
