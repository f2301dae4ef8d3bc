//! pandas' scalars as pandas 3 prints them: `Timestamp` (naive, UTC, fixed
//! offsets and `zoneinfo` zones, any unit), `Timedelta`, `Period`, `NaT`
//! and `NA`, rebuilt from their pickled reduce arguments
//! (`_unpickle_timestamp(value, freq, tz, reso)`,
//! `_timedelta_unpickle(value, reso)`, `Period(None, freq, ordinal)`).
//! Anything else (pytz zones, week and business-day periods) stays the
//! generic object form (None here).

use crate::stdrepr::Nested;
use crate::value::{Object, Value};
use num_traits::ToPrimitive;

/// The repr of a pandas scalar, or None.
pub fn known(o: &Object, repr: Nested) -> Option<String> {
    let plain = o.state.is_none() && o.list_items.is_empty() && o.dict_items.is_empty();
    if !plain {
        return None;
    }
    if o.class == crate::pickle::GLOBAL_CLASS {
        let na = matches!(o.args.as_slice(), [Value::Str(name)]
            if name == "pandas.NA" || name == "pandas._libs.missing.NA");
        return na.then(|| "<NA>".into());
    }
    match (o.class.as_str(), o.args.as_slice()) {
        ("pandas._libs.tslibs.nattype._nat_unpickle", _) => Some("NaT".into()),
        // pandas 2+: the value in units of `reso`; pandas 1: nanoseconds.
        ("pandas._libs.tslibs.timestamps._unpickle_timestamp", [value, _freq, tz, rest @ ..]) => {
            let reso = match rest {
                [] => 10,
                [r] => int(r)?,
                _ => return None,
            };
            timestamp(int(value)?, reso, tz, repr)
        }
        ("pandas._libs.tslibs.timedeltas._timedelta_unpickle", [value, reso]) => {
            timedelta(int(value)?, int(reso)?)
        }
        ("pandas._libs.tslibs.timedeltas.Timedelta", [value]) => timedelta(int(value)?, 10),
        ("pandas.Period" | "pandas._libs.tslibs.period.Period", [Value::None, freq, ordinal]) => {
            period(freq, int(ordinal)?)
        }
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => i.to_i64(),
        _ => None,
    }
}

/// Units per second of numpy's `NPY_DATETIMEUNIT` codes s, ms, us, ns.
fn per_second(reso: i64) -> Option<i64> {
    Some(match reso {
        7 => 1,
        8 => 1_000,
        9 => 1_000_000,
        10 => 1_000_000_000,
        _ => return None,
    })
}

/// (year, month, day) of days since 1970-01-01; a year of an `i64` of days
/// fits an `i64`.
fn civil(days: i64) -> (i64, i64, i64) {
    let (y, m, d) = crate::timelike::civil_from_days(i128::from(days));
    (y as i64, m as i64, d as i64)
}

/// Seconds since the epoch as `YYYY-MM-DD`, hours, minutes, seconds.
fn clock(secs: i64) -> (String, i64, i64, i64) {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        s / 3600,
        s / 60 % 60,
        s % 60,
    )
}

/// Local seconds since the epoch and nanoseconds of a second as
/// `YYYY-MM-DD HH:MM:SS[.ffffff|.fffffffff]`, as `Timestamp._repr_base`.
fn wall_time(secs: i64, nanos: i64) -> String {
    let (date, h, m, s) = clock(secs);
    let mut text = format!("{date} {h:02}:{m:02}:{s:02}");
    if nanos % 1000 != 0 {
        text.push_str(&format!(".{nanos:09}"));
    } else if nanos != 0 {
        text.push_str(&format!(".{:06}", nanos / 1000));
    }
    text
}

/// A timestamp's wall time and, with a zone, its UTC offset (seconds) and
/// the zone's name.
fn timestamp_parts(
    value: i64,
    reso: i64,
    tz: &Value,
    repr: Nested,
) -> Option<(String, Option<(i64, String)>)> {
    let per = per_second(reso)?;
    let secs = value.div_euclid(per);
    let nanos = value.rem_euclid(per) * (1_000_000_000 / per);
    match tz {
        Value::None => Some((wall_time(secs, nanos), None)),
        Value::Object(z) => {
            let (offset, zone) = zone(z, secs, repr)?;
            Some((wall_time(secs + offset, nanos), Some((offset, zone))))
        }
        _ => None,
    }
}

/// `+0200` (`sep` ""), `+02:00` (`sep` ":"), seconds when there are any.
fn offset_text(offset: i64, sep: &str) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    let mut z = format!("{sign}{:02}{sep}{:02}", a / 3600, a / 60 % 60);
    if a % 60 != 0 {
        z.push_str(&format!("{sep}{:02}", a % 60));
    }
    z
}

/// `Timestamp('2024-05-17 12:30:00')`, with a zone
/// `Timestamp('2024-05-17 08:00:00+0200', tz='Europe/Berlin')`.
fn timestamp(value: i64, reso: i64, tz: &Value, repr: Nested) -> Option<String> {
    Some(match timestamp_parts(value, reso, tz, repr)? {
        (wall, None) => format!("Timestamp('{wall}')"),
        (wall, Some((offset, zone))) => {
            format!(
                "Timestamp('{wall}{}', tz='{zone}')",
                offset_text(offset, "")
            )
        }
    })
}

/// The JSON form of a pandas scalar: a `Timestamp` as ISO 8601 text with
/// its offset and zone (`isoformat()`), a `Timedelta` as its total
/// seconds, a `Period` as its text and frequency, `NaT` as null.
pub fn known_json(o: &Object, repr: Nested) -> Option<serde_json::Value> {
    use serde_json::json;
    if o.state.is_some() || !o.list_items.is_empty() || !o.dict_items.is_empty() {
        return None;
    }
    match (o.class.as_str(), o.args.as_slice()) {
        ("pandas._libs.tslibs.nattype._nat_unpickle", _) => Some(serde_json::Value::Null),
        ("pandas._libs.tslibs.timestamps._unpickle_timestamp", [value, _freq, tz, rest @ ..]) => {
            let reso = match rest {
                [] => 10,
                [r] => int(r)?,
                _ => return None,
            };
            let (wall, zone) = timestamp_parts(int(value)?, reso, tz, repr)?;
            let iso = wall.replacen(' ', "T", 1);
            Some(match zone {
                None => json!({"$timestamp": iso, "tz": null}),
                Some((offset, zone)) => {
                    json!({"$timestamp": format!("{iso}{}", offset_text(offset, ":")), "tz": zone})
                }
            })
        }
        ("pandas._libs.tslibs.timedeltas._timedelta_unpickle", [value, reso]) => {
            let per = per_second(int(reso)?)?;
            Some(json!({"$timedelta": int(value)? as f64 / per as f64}))
        }
        ("pandas._libs.tslibs.timedeltas.Timedelta", [value]) => {
            Some(json!({"$timedelta": int(value)? as f64 / 1e9}))
        }
        ("pandas.Period" | "pandas._libs.tslibs.period.Period", [Value::None, freq, ordinal]) => {
            let text = period(freq, int(ordinal)?)?;
            let inner = text.strip_prefix("Period('")?.strip_suffix("')")?;
            let (value, freq) = inner.split_once("', '")?;
            Some(json!({"$period": value, "freq": freq}))
        }
        _ => None,
    }
}

/// The UTC offset (seconds) at `utc_secs` and the name pandas shows of a
/// `datetime.timezone` (its `str()`) or a `zoneinfo.ZoneInfo` (its key).
fn zone(z: &Object, utc_secs: i64, repr: Nested) -> Option<(i64, String)> {
    match (z.class.as_str(), z.args.as_slice()) {
        ("datetime.timezone", [Value::Object(td), rest @ ..]) => {
            let [d, s, us] = td.args.as_slice() else {
                return None;
            };
            if td.class != "datetime.timedelta" || int(us)? != 0 {
                return None;
            }
            let offset = int(d)? * 86_400 + int(s)?;
            let name = match rest {
                [Value::Str(name)] => name.clone(),
                [] if offset == 0 => "UTC".into(),
                [] => {
                    let sign = if offset < 0 { '-' } else { '+' };
                    let a = offset.abs();
                    let mut n = format!("UTC{sign}{:02}:{:02}", a / 3600, a / 60 % 60);
                    if a % 60 != 0 {
                        n.push_str(&format!(":{:02}", a % 60));
                    }
                    n
                }
                _ => return None,
            };
            Some((offset, name))
        }
        ("zoneinfo.ZoneInfo._unpickle", [Value::Str(key), _]) => {
            let tz = jiff::tz::TimeZone::get(key).ok()?;
            let at = jiff::Timestamp::from_second(utc_secs).ok()?;
            let offset = tz.to_offset(at).seconds();
            // A key is shown as its text; anything unprintable is refused.
            let quoted = repr(&Value::Str(key.clone()));
            (quoted == format!("'{key}'")).then(|| (i64::from(offset), key.clone()))
        }
        _ => None,
    }
}

/// `Timedelta('-2 days +21:00:00')`, as `Timedelta._repr_base("long")`.
fn timedelta(value: i64, reso: i64) -> Option<String> {
    let per = per_second(reso)?;
    let total_ns = i128::from(value) * i128::from(1_000_000_000 / per);
    let day = 86_400 * 1_000_000_000i128;
    let days = total_ns.div_euclid(day);
    let rest = total_ns.rem_euclid(day);
    let secs = rest / 1_000_000_000;
    let nanos = rest % 1_000_000_000;
    let sign = if total_ns < 0 { " +" } else { " " };
    let mut text = format!(
        "{days} days{sign}{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if nanos % 1000 != 0 {
        text.push_str(&format!(".{nanos:09}"));
    } else if nanos != 0 {
        text.push_str(&format!(".{:06}", nanos / 1000));
    }
    Some(format!("Timedelta('{text}')"))
}

/// `Period('2024-05', 'M')` for the frequencies whose ordinals count
/// calendar units from 1970: years and quarters ending in December,
/// months, days, hours, minutes and seconds.
fn period(freq: &Value, ordinal: i64) -> Option<String> {
    let Value::Object(f) = freq else { return None };
    let short = f.class.strip_prefix("pandas._libs.tslibs.offsets.")?;
    let n = match f.args.first() {
        Some(n) => int(n)?,
        None => 1,
    };
    if f.args
        .get(1)
        .is_some_and(|normalize| *normalize != Value::Bool(false))
    {
        return None;
    }
    let month = f.args.get(2).map(int);
    let (code, text) = match (short, month) {
        ("YearEnd", Some(Some(12))) => ("Y-DEC", format!("{:04}", 1970 + ordinal)),
        ("QuarterEnd", Some(Some(12))) => {
            let (y, q) = (ordinal.div_euclid(4), ordinal.rem_euclid(4));
            ("Q-DEC", format!("{:04}Q{}", 1970 + y, q + 1))
        }
        ("MonthEnd", None) => {
            let (y, m) = (ordinal.div_euclid(12), ordinal.rem_euclid(12));
            ("M", format!("{:04}-{:02}", 1970 + y, m + 1))
        }
        ("Day", None) => {
            let (y, m, d) = civil(ordinal);
            ("D", format!("{y:04}-{m:02}-{d:02}"))
        }
        ("Hour", None) => {
            let (date, h, _, _) = clock(ordinal.checked_mul(3600)?);
            ("h", format!("{date} {h:02}:00"))
        }
        ("Minute", None) => {
            let (date, h, m, _) = clock(ordinal.checked_mul(60)?);
            ("min", format!("{date} {h:02}:{m:02}"))
        }
        ("Second", None) => ("s", wall_time(ordinal, 0)),
        _ => return None,
    };
    let freqstr = if n == 1 {
        code.to_string()
    } else {
        format!("{n}{code}")
    };
    Some(format!("Period('{text}', '{freqstr}')"))
}
