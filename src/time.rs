//! Times for people: local dates and ages in, local times and human
//! durations out. The zone is the system's, or `TZ`.

use jiff::{civil, tz::TimeZone, Timestamp};
use std::time::Duration;

/// An age or duration, the one way every option reads them: a number
/// with a unit (`90s`, `30m`, `5min`, `2h`, `1.5d`, `1w`, also spelled out:
/// `2 hours`), or a bare number of seconds.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = (t[..split].trim(), t[split..].trim());
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not an age such as 0, 30m, 2h or 1d"))?;
    let secs = match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604800.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use s, m, h, d or w)"
            ))
        }
    };
    if n.is_nan() || n < 0.0 || !n.is_finite() {
        return Err(format!("`{text}` must be zero or more"));
    }
    Duration::try_from_secs_f64(n * secs).map_err(|_| format!("`{text}` is too long an age"))
}

/// `--since`/`--until`: an age before `now` (as [`parse_age`] reads it), or
/// a local date or date-time, as UNIX seconds.
pub fn parse_when(text: &str, now: Timestamp) -> Result<f64, String> {
    let t = text.trim();
    let age_error = match parse_age(t) {
        Ok(age) => return Ok(now.as_millisecond() as f64 / 1000.0 - age.as_secs_f64()),
        Err(e) => e,
    };
    let tz = TimeZone::system();
    let civil = t.parse::<civil::DateTime>().or_else(|_| {
        t.parse::<civil::Date>()
            .map(|d| d.to_datetime(civil::Time::midnight()))
    });
    let civil = match civil {
        Ok(c) => c,
        // A number with a unit that is not one: say what units there are.
        Err(_) if age_error.contains("unknown unit") => return Err(age_error),
        Err(_) => {
            return Err(format!(
                "`{text}` is neither a date (2026-11-28, 2026-11-28T14:00) nor an age (30m, 2h, 3d)"
            ))
        }
    };
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
    fn ages_read_well() {
        assert_eq!(parse_age("0"), Ok(Duration::ZERO));
        assert_eq!(parse_age("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_age(" 2d "), Ok(Duration::from_secs(172_800)));
        assert!(parse_age("-1h").is_err());
        assert!(parse_age("1y").is_err());
        assert!(parse_age("nan").is_err());
        assert_eq!(
            parse_age("100000000000000000000w"),
            Err("`100000000000000000000w` is too long an age".to_string())
        );
    }

    #[test]
    fn since_takes_every_age_parse_age_takes() {
        let now = Timestamp::from_second(1_000_000).expect("ts");
        assert_eq!(parse_when("5min", now), Ok(1_000_000.0 - 300.0));
        assert_eq!(parse_when("90", now), Ok(1_000_000.0 - 90.0));
        assert_eq!(parse_when("2 hours", now), Ok(1_000_000.0 - 7200.0));
        assert_eq!(
            parse_when("3y", now),
            Err("`3y`: unknown unit `y` (use s, m, h, d or w)".to_string())
        );
        assert!(parse_when("2026-11-28", now).is_ok());
        assert!(parse_when("2026-11-28T14:00", now).is_ok());
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(2.000136), "2.00 s");
        assert_eq!(human_duration(0.000004), "4 µs");
        assert_eq!(human_duration(0.0123), "12.3 ms");
        assert_eq!(human_duration(185.0), "3m 05s");
    }
}
