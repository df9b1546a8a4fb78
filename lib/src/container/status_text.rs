//! docker's human words for times: the STATUS column (`Up 3 seconds`, `Exited (0) 5 minutes
//! ago`, `Created`) and CREATED (`2 hours ago`), from RFC 3339 records.
//!
//! The duration wording follows docker's go-units HumanDuration: "Less than a second",
//! "1 second", "N seconds", "About a minute", "N minutes", "About an hour", "N hours",
//! "N days", "N weeks", "N months", "N years".
//! No syscalls (the caller passes "now"). Read: docker-container-ls(1).
//! Used by: container::list (ps), ctrkit inspect's neighbours.

use super::state::Status;

/// Seconds since the epoch of an RFC 3339 UTC time as timestamp.rs writes it
/// (`2024-05-01T12:00:00Z`); None for anything else.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's days_from_civil, the inverse of timestamp.rs's civil_from_days.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// go-units HumanDuration.
pub fn human_duration(secs: u64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    match secs {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        _ if m == 1 => "About a minute".into(),
        _ if m < 60 => format!("{m} minutes"),
        _ if h == 1 => "About an hour".into(),
        _ if h < 48 => format!("{h} hours"),
        _ if h < 24 * 7 * 2 => format!("{d} days"),
        _ if h < 24 * 30 * 2 => format!("{} weeks", d / 7),
        _ if h < 24 * 365 * 2 => format!("{} months", d / 30),
        _ => format!("{} years", d / 365),
    }
}

/// Seconds from `then` (RFC 3339) to `now`; 0 when `then` is unreadable or in the future.
fn since(then: Option<&str>, now: u64) -> u64 {
    then.and_then(parse_rfc3339).map_or(0, |t| now.saturating_sub(t))
}

/// The STATUS column.
pub fn status(
    status: Status,
    exit_code: Option<i32>,
    started: Option<&str>,
    finished: Option<&str>,
    now: u64,
) -> String {
    match status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", human_duration(since(started, now))),
        Status::Exited => {
            let code = exit_code.map_or_else(|| "unknown".to_string(), |c| c.to_string());
            match finished {
                Some(f) => format!("Exited ({code}) {} ago", human_duration(since(Some(f), now))),
                // The monitor died before writing the end (kill -9): no time to show.
                None => format!("Exited ({code})"),
            }
        }
    }
}

/// The CREATED column: `5 seconds ago`.
pub fn ago(then: &str, now: u64) -> String {
    format!("{} ago", human_duration(since(Some(then), now)))
}

/// Now, in seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::rfc3339;

    #[test]
    fn rfc3339_round_trips() {
        for secs in [0, 951_782_400, 1_714_564_800, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn docker_words() {
        let t = 1_714_564_800;
        let at = rfc3339(t);
        assert_eq!(status(Status::Running, None, Some(&at), None, t + 3), "Up 3 seconds");
        assert_eq!(status(Status::Running, None, Some(&at), None, t + 90), "Up About a minute");
        assert_eq!(status(Status::Exited, Some(0), Some(&at), Some(&at), t + 5), "Exited (0) 5 seconds ago");
        assert_eq!(status(Status::Exited, Some(137), Some(&at), Some(&at), t + 7200), "Exited (137) 2 hours ago");
        assert_eq!(status(Status::Exited, None, Some(&at), None, t), "Exited (unknown)");
        assert_eq!(status(Status::Created, None, None, None, t), "Created");
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(3600), "About an hour");
        assert_eq!(human_duration(86_400 * 3), "3 days");
        assert_eq!(ago(&at, t + 120), "2 minutes ago");
    }
}
