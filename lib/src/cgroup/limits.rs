//! Limits: what a cgroup's processes may use, parsed from the user's words ("32M", "0.5",
//! "0-1,3") and checked *before* anything is created, so bad input leaves nothing behind.
//!
//! Pure code: no syscalls. CPU lists (`--cpuset-cpus`) are parsed in cpulist.rs.
//! The rules follow the kernel, and docker where docker chose a meaning:
//! - sizes are binary (1k = 1024), like `docker run --memory`; the kernel takes an int64;
//! - `--memory-swap` is memory + swap *together* (docker), `-1` for unlimited swap;
//! - `--cpus` becomes a CFS quota per 100 ms period; the kernel refuses quotas under 1 ms;
//! - `--cpu-shares` is v1's 2..=262144 scale, converted to v2's cpu.weight when needed;
//! - `--pids` must fit pids.max (at most PID_MAX_LIMIT, 4194304).
//!
//! Read: Documentation/admin-guide/cgroup-v1/memory.rst, cgroup-v2.rst ("cpu.max"),
//! sched-bwc.rst (CFS bandwidth).
//! Shell equivalent: the numbers you would `echo` into the cgroup files by hand.
//! Used by: cg-limit (flag parsing), cgroup::v1 and cgroup::v2 (what to write).

use super::cpulist::CpuList;
use crate::error::{Error, Result};
use serde::Serialize;

/// The CFS period we use: 100 ms, the kernel's and docker's default.
pub const CPU_PERIOD_US: u64 = 100_000;
/// The kernel refuses a CFS quota below 1 ms (kernel/sched/core.c, min_cfs_quota_period).
pub const MIN_CPU_QUOTA_US: u64 = 1_000;
/// cpu.shares bounds in cgroup v1 (MIN_SHARES, MAX_SHARES in kernel/sched/sched.h).
pub const MIN_SHARES: u64 = 2;
pub const MAX_SHARES: u64 = 262_144;
/// pids.max refuses values >= PIDS_MAX = PID_MAX_LIMIT + 1 (kernel/cgroup/pids.c).
pub const MAX_PIDS: u64 = 4_194_304;

/// Everything a cgroup can be limited to; `None` means "no limit of this kind".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Limits {
    /// Memory in bytes (memory.limit_in_bytes / memory.max).
    pub memory: Option<u64>,
    /// Memory + swap in bytes, docker's meaning of `--memory-swap`.
    pub memory_swap: Option<Swap>,
    /// CPU time per period (cpu.cfs_quota_us / cpu.max).
    pub cpus: Option<CpuQuota>,
    /// Relative CPU weight on the v1 scale (cpu.shares / cpu.weight).
    pub cpu_shares: Option<u64>,
    /// The CPUs the processes may run on (cpuset.cpus).
    pub cpuset_cpus: Option<CpuList>,
    /// How many processes and threads may exist at once (pids.max).
    pub pids: Option<u64>,
}

/// `--memory-swap`: a total of memory and swap, or unlimited swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Swap {
    Total(u64),
    Unlimited,
}

/// A CFS bandwidth limit: `quota_us` of CPU time in every `period_us` of wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CpuQuota {
    pub quota_us: u64,
    pub period_us: u64,
}

impl Limits {
    /// True when no limit was asked for.
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }

    /// The rules that involve more than one flag (each flag alone was checked when parsed).
    pub fn check(&self) -> Result<()> {
        match (self.memory, self.memory_swap) {
            (None, Some(_)) => {
                Err(Error::invalid("--memory-swap", "needs --memory: it is the total of memory and swap, as in docker"))
            }
            (Some(mem), Some(Swap::Total(total))) if total < mem => Err(Error::invalid(
                "--memory-swap",
                format!(
                    "{} is less than --memory {}: it is memory + swap, so it must be at least --memory",
                    format_size(total),
                    format_size(mem)
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The memory + swap total to apply: the flag, or docker's default of twice --memory.
    pub fn swap_total(&self) -> Option<Swap> {
        match (self.memory, self.memory_swap) {
            (Some(_), Some(swap)) => Some(swap),
            (Some(mem), None) => Some(Swap::Total(mem.saturating_mul(2))),
            (None, _) => None,
        }
    }
}

/// Parse a size: a number of bytes, optionally with a binary unit and a fraction:
/// `4096`, `512k`, `32M`, `1.5g`, `2GiB`. Refuses negatives, 0, overflow and exponents.
pub fn parse_size(text: &str) -> Result<u64> {
    let bad = |why: &str| Error::invalid(format!("size {text:?}"), why.to_string());
    if text.starts_with('-') {
        return Err(bad("a size cannot be negative"));
    }
    let digits_end = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        "p" | "pb" | "pib" => 50,
        _ => return Err(bad("not a size: use bytes or a number with k, M, G or T (e.g. 32M)")),
    };
    let (whole, fraction) = match number.split_once('.') {
        Some((w, f)) if !w.is_empty() && !f.is_empty() && !f.contains('.') => (w, f),
        None if !number.is_empty() => (number, ""),
        _ => return Err(bad("not a size: use bytes or a number with k, M, G or T (e.g. 32M)")),
    };
    // u128 arithmetic: an int64 limit times 2^50 still fits, so overflow shows up as "too big".
    let too_big = || bad("too large: the kernel takes at most 8E (2^63-1 bytes)");
    let whole: u128 = whole.parse().map_err(|_| too_big())?;
    let mut bytes = whole.checked_shl(shift).filter(|b| *b >> shift == whole).ok_or_else(too_big)?;
    if !fraction.is_empty() {
        let digits = &fraction[..fraction.len().min(18)];
        let scale = 10u128.pow(digits.len() as u32);
        let part: u128 = digits.parse().map_err(|_| too_big())?;
        bytes += (part << shift) / scale;
    }
    if bytes > i64::MAX as u128 {
        return Err(too_big());
    }
    if bytes == 0 {
        return Err(bad("must be more than 0 bytes"));
    }
    Ok(bytes as u64)
}

/// Parse `--memory-swap`: a size, or `-1` for unlimited swap.
pub fn parse_swap(text: &str) -> Result<Swap> {
    if text == "-1" {
        return Ok(Swap::Unlimited);
    }
    parse_size(text).map(Swap::Total)
}

/// Parse `--cpus`: a positive decimal number of CPUs, at most `online`, at least 0.01.
pub fn parse_cpus(text: &str, online: usize) -> Result<CpuQuota> {
    let bad = |why: String| Error::invalid(format!("cpus {text:?}"), why);
    let cpus: f64 = text.parse().map_err(|_| bad("not a number of CPUs (e.g. 0.5 or 2)".into()))?;
    if !cpus.is_finite() || cpus <= 0.0 {
        return Err(bad("must be a finite number above 0".into()));
    }
    if cpus > online as f64 {
        return Err(bad(format!("more than the {online} CPUs online")));
    }
    let quota_us = (cpus * CPU_PERIOD_US as f64).round() as u64;
    if quota_us < MIN_CPU_QUOTA_US {
        return Err(bad("below 0.01: the kernel's smallest quota is 1 ms per 100 ms period".into()));
    }
    Ok(CpuQuota { quota_us, period_us: CPU_PERIOD_US })
}

/// Parse `--cpu-shares`: an integer in 2..=262144.
pub fn parse_shares(text: &str) -> Result<u64> {
    match text.parse::<u64>() {
        Ok(n) if (MIN_SHARES..=MAX_SHARES).contains(&n) => Ok(n),
        _ => Err(Error::invalid(format!("cpu shares {text:?}"), "must be an integer from 2 to 262144 (default 1024)")),
    }
}

/// Parse `--pids`: an integer in 1..=4194304.
pub fn parse_pids(text: &str) -> Result<u64> {
    match text.parse::<u64>() {
        Ok(n) if (1..=MAX_PIDS).contains(&n) => Ok(n),
        _ => Err(Error::invalid(format!("pids {text:?}"), "must be an integer from 1 to 4194304")),
    }
}

/// v1 cpu.shares (2..=262144, default 1024) as v2 cpu.weight (1..=10000, default 100), by
/// the formula runc, crun and systemd share.
pub fn shares_to_weight(shares: u64) -> u64 {
    let shares = shares.clamp(MIN_SHARES, MAX_SHARES);
    1 + ((shares - 2) * 9999) / 262_142
}

/// A byte count the way a user typed it: `32M` when it is a whole number of MiB, else bytes.
pub fn format_size(bytes: u64) -> String {
    for (shift, unit) in [(40, "T"), (30, "G"), (20, "M"), (10, "k")] {
        if bytes >= 1 << shift && (bytes >> shift) << shift == bytes {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units_and_fractions() {
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("32M").unwrap(), 32 << 20);
        assert_eq!(parse_size("32mb").unwrap(), 32 << 20);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        assert!(parse_size("7E").is_err());
    }

    #[test]
    fn bad_sizes_are_refused_with_a_reason() {
        for (text, why) in [
            ("-5", "negative"),
            ("0", "more than 0"),
            ("0k", "more than 0"),
            ("1e30", "not a size"),
            ("99999999999999999999999", "too large"),
            ("9000000T", "too large"),
            ("", "not a size"),
            ("M", "not a size"),
            ("1.", "not a size"),
            ("1..2", "not a size"),
            (" 5", "not a size"),
            ("5 M", "not a size"),
        ] {
            let err = parse_size(text).expect_err(text).to_string();
            assert!(err.contains(why), "{text:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn swap_minus_one_is_unlimited() {
        assert_eq!(parse_swap("-1").unwrap(), Swap::Unlimited);
        assert_eq!(parse_swap("64M").unwrap(), Swap::Total(64 << 20));
        assert!(parse_swap("-2").is_err());
    }

    #[test]
    fn swap_rules_follow_docker() {
        let only_swap = Limits { memory_swap: Some(Swap::Total(1 << 20)), ..Default::default() };
        assert!(only_swap.check().is_err());
        let less = Limits { memory: Some(2 << 20), memory_swap: Some(Swap::Total(1 << 20)), ..Default::default() };
        assert!(less.check().unwrap_err().to_string().contains("at least --memory"));
        let mem = Limits { memory: Some(32 << 20), ..Default::default() };
        assert!(mem.check().is_ok());
        assert_eq!(mem.swap_total(), Some(Swap::Total(64 << 20)));
        assert_eq!(Limits::default().swap_total(), None);
    }

    #[test]
    fn cpus_become_a_quota_per_100ms() {
        assert_eq!(parse_cpus("0.2", 2).unwrap(), CpuQuota { quota_us: 20_000, period_us: 100_000 });
        assert_eq!(parse_cpus("2", 2).unwrap().quota_us, 200_000);
        assert_eq!(parse_cpus("0.01", 2).unwrap().quota_us, 1_000);
        for bad in ["NaN", "nan", "inf", "-inf", "0", "-1", "0.001", "3", "", "one"] {
            assert!(parse_cpus(bad, 2).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn shares_and_pids_have_kernel_bounds() {
        assert_eq!(parse_shares("1024").unwrap(), 1024);
        assert!(parse_shares("1").is_err());
        assert!(parse_shares("262145").is_err());
        assert_eq!(parse_pids("32").unwrap(), 32);
        assert!(parse_pids("0").is_err());
        assert!(parse_pids("-3").is_err());
        assert!(parse_pids("4194305").is_err());
    }

    #[test]
    fn shares_convert_to_weight_like_runc() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
    }

    #[test]
    fn sizes_print_as_typed() {
        assert_eq!(format_size(32 << 20), "32M");
        assert_eq!(format_size(1 << 30), "1G");
        assert_eq!(format_size(1536), "1536");
        assert_eq!(format_size(3 << 29), "1536M");
    }
}
