//! numpy's `datetime64` and `timedelta64` dtypes: the unit a dtype string
//! names (`<M8[ns]`, `<m8[10s]`), and an element's text as numpy's
//! `datetime_as_string` writes it (ISO 8601 down to the unit, the year padded to
//! four characters sign included, `NaT` for the smallest int64).

/// A datetime64 or timedelta64 dtype.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeType {
    /// `M` (datetime64) rather than `m` (timedelta64).
    pub datetime: bool,
    pub big_endian: bool,
    pub unit: &'static str,
    /// How many units one step is (`10s`: 10).
    pub multiple: i64,
}

const UNITS: [&str; 13] = [
    "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as",
];

/// NaT: the smallest int64.
pub const NAT: i64 = i64::MIN;

impl TimeType {
    /// `<M8[D]`, `>m8[10s]`; None for anything else (a generic unit too).
    pub fn parse(dtype: &str) -> Option<TimeType> {
        let (big_endian, rest) = match dtype.as_bytes().first()? {
            b'>' => (true, &dtype[1..]),
            b'<' | b'=' | b'|' => (false, &dtype[1..]),
            _ => (false, dtype),
        };
        let datetime = match rest.get(..2)? {
            "M8" => true,
            "m8" => false,
            _ => return None,
        };
        let inner = rest.get(2..)?.strip_prefix('[')?.strip_suffix(']')?;
        let split = inner
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(inner.len());
        let multiple: i64 = match &inner[..split] {
            "" => 1,
            n => n.parse().ok().filter(|&n| n > 0)?,
        };
        let unit = UNITS.into_iter().find(|u| *u == &inner[split..])?;
        Some(TimeType {
            datetime,
            big_endian,
            unit,
            multiple,
        })
    }

    /// numpy's name for the dtype: `datetime64[D]`, `timedelta64[10s]`.
    pub fn name(&self) -> String {
        let kind = if self.datetime {
            "datetime64"
        } else {
            "timedelta64"
        };
        if self.multiple == 1 {
            format!("{kind}[{}]", self.unit)
        } else {
            format!("{kind}[{}{}]", self.multiple, self.unit)
        }
    }

    /// `str(dtype)`: the byte order and the short code (`>M8[D]`).
    pub fn code(&self) -> String {
        let order = if self.big_endian { '>' } else { '<' };
        let kind = if self.datetime { 'M' } else { 'm' };
        if self.multiple == 1 {
            format!("{order}{kind}8[{}]", self.unit)
        } else {
            format!("{order}{kind}8[{}{}]", self.multiple, self.unit)
        }
    }

    /// A datetime64 element as `datetime_as_string(x, unit)` writes it.
    pub fn datetime_text(&self, value: i64) -> String {
        if value == NAT {
            return "NaT".into();
        }
        let total = value as i128 * self.multiple as i128;
        match self.unit {
            "Y" => year(1970 + total),
            "M" => {
                let (y, m) = (total.div_euclid(12), total.rem_euclid(12));
                format!("{}-{:02}", year(1970 + y), m + 1)
            }
            "W" => date(total * 7),
            "D" => date(total),
            unit => {
                let (per_day, digits): (i128, usize) = match unit {
                    "h" => (24, 0),
                    "m" => (1440, 0),
                    "s" => (86_400, 0),
                    "ms" => (86_400_000, 3),
                    "us" => (86_400_000_000, 6),
                    "ns" => (86_400_000_000_000, 9),
                    "ps" => (86_400_000_000_000_000, 12),
                    "fs" => (86_400_000_000_000_000_000, 15),
                    _ => (86_400_000_000_000_000_000_000, 18),
                };
                let days = total.div_euclid(per_day);
                let rest = total.rem_euclid(per_day);
                let per_hour = per_day / 24;
                let (h, rest) = (rest / per_hour, rest % per_hour);
                let mut text = format!("{}T{h:02}", date(days));
                if unit == "h" {
                    return text;
                }
                let per_minute = per_hour / 60;
                let (m, rest) = (rest / per_minute, rest % per_minute);
                text.push_str(&format!(":{m:02}"));
                if unit == "m" {
                    return text;
                }
                let per_second = per_minute / 60;
                let (s, frac) = (rest / per_second, rest % per_second);
                text.push_str(&format!(":{s:02}"));
                if digits > 0 {
                    text.push_str(&format!(".{frac:0digits$}"));
                }
                text
            }
        }
    }
}

/// numpy's `%04lld`: at least four characters, the sign among them.
fn year(y: i128) -> String {
    format!("{y:04}")
}

/// (year, month, day) of days since 1970-01-01, proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i128) -> (i128, i128, i128) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i128::from(m <= 2), m, d)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn date(days: i128) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{}-{m:02}-{d:02}", year(y))
}
