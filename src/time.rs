//! Times for people: local dates and ages in, local times and human
//! durations out. The zone is the system's, or `TZ`.

use jiff::{civil, tz::TimeZone, Timestamp};

/// `--since`/`--until`: an age (`45s`, `30m`, `2h`, `3d`, `1w`) before
/// `now`, or a local date or date-time, as UNIX seconds.
pub fn parse_when(text: &str, now: Timestamp) -> Result<f64, String> {
    let t = text.trim();
    if let Some(unit) = t.chars().last().filter(|c| c.is_ascii_alphabetic()) {
        let number = &t[..t.len() - 1];
        if let Ok(n) = number.parse::<f64>() {
            let secs = match unit {
                's' => 1.0,
                'm' => 60.0,
                'h' => 3600.0,
                'd' => 86400.0,
                'w' => 7.0 * 86400.0,
                _ => {
                    return Err(format!(
                        "`{text}`: unknown unit `{unit}` (use s, m, h, d or w)"
                    ))
                }
            };
            return Ok(now.as_millisecond() as f64 / 1000.0 - n * secs);
        }
    }
    let tz = TimeZone::system();
    let civil = t
        .parse::<civil::DateTime>()
        .or_else(|_| t.parse::<civil::Date>().map(|d| d.to_datetime(civil::Time::midnight())))
        .map_err(|_| format!("`{text}` is neither a date (2026-11-28, 2026-11-28T14:00) nor an age (30m, 2h, 3d)"))?;
    let zoned = civil
        .to_zoned_datetime(tz)
        .map_err(|e| format!("`{text}`: {e}"))?;
    Ok(zoned.timestamp().as_millisecond() as f64 / 1000.0)
}

/// A UNIX time as local `YYYY-MM-DD HH:MM:SS`.
pub fn local(unix: f64) -> String {
    let Ok(ts) = Timestamp::from_millisecond((unix * 1000.0).round() as i64) else {
        return format!("{unix}");
    };
    ts.to_zoned_datetime(TimeZone::system())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A duration in human units: `850 µs`, `12.3 ms`, `2.00 s`, `3m 05s`, `1h 02m`.
pub fn human_duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return format!("{secs}");
    }
    if secs < 1e-3 {
        format!("{:.0} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else if secs < 60.0 {
        format!("{secs:.2} s")
    } else if secs < 3600.0 {
        format!("{}m {:02}s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    } else {
        format!(
            "{}h {:02}m",
            (secs / 3600.0) as u64,
            ((secs % 3600.0) / 60.0) as u64
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_back_from_now() {
        let now = Timestamp::from_second(1_000_000).expect("ts");
        assert_eq!(parse_when("2h", now), Ok(1_000_000.0 - 7200.0));
        assert_eq!(parse_when("1.5d", now), Ok(1_000_000.0 - 129_600.0));
        assert!(parse_when("3y", now).is_err());
        assert!(parse_when("yesterday", now).is_err());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(2.000136), "2.00 s");
        assert_eq!(human_duration(0.000004), "4 µs");
        assert_eq!(human_duration(0.0123), "12.3 ms");
        assert_eq!(human_duration(185.0), "3m 05s");
    }
}
