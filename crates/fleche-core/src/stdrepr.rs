//! Python's `repr()` of standard-library objects as pickles spell them:
//! `datetime` (dates, times, timedeltas, timezones, `zoneinfo`), `Decimal`,
//! `Fraction`, `UUID`, `pathlib` paths, `range`, `slice` and compiled
//! patterns. Each is rebuilt from its pickled state exactly as CPython
//! 3.11's `__repr__` formats it; anything unexpected in the state falls back
//! to the generic object form (None here).

use crate::value::{Object, Value, ENUM_MEMBER_CLASS, NAMEDTUPLE_CLASS};
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

/// The repr of a nested value (the caller's `repr`, passed in to keep the
/// layering one way).
pub type Nested<'a> = &'a dyn Fn(&Value) -> String;

/// The member of a by-value enum class (`module.qualname`, its bases and
/// its `{name: value}` members as cloudpickle lists them) whose value is
/// `value`, as a [`ENUM_MEMBER_CLASS`] object; None when no member has it
/// (Python would have failed to load it) and the class is no flag.
pub fn enum_member(
    class: String,
    bases: &[String],
    members: &[(Value, Value)],
    value: Value,
) -> Option<Value> {
    let has = |names: &[&str]| bases.iter().any(|b| names.contains(&b.as_str()));
    let flag = has(&["enum.Flag", "enum.IntFlag"]);
    let mixin = if has(&["enum.IntEnum", "enum.IntFlag", "builtins.int"]) {
        Value::str("int")
    } else if has(&["enum.StrEnum", "builtins.str"]) {
        Value::str("str")
    } else {
        Value::None
    };
    let name = match members.iter().find(|(_, v)| v.py_eq(&value)) {
        Some((Value::Str(n), _)) => Value::str(n.clone()),
        Some(_) => return None,
        None if flag => flag_name(members, &value)?,
        None => return None,
    };
    Some(Value::Object(Object {
        class: ENUM_MEMBER_CLASS.into(),
        args: vec![Value::Str(class), name, value, mixin],
        ..Object::default()
    }))
}

/// A flag value that is no member, named as Python 3.11 names it: the
/// single-bit members it holds in definition order, then any bits no member
/// names in decimal (`R|W|8`); None (the value alone) when it holds none.
fn flag_name(members: &[(Value, Value)], value: &Value) -> Option<Value> {
    let Value::Int(n) = value else { return None };
    let mut rest = n.to_u64()?;
    let mut names = Vec::new();
    for (name, v) in members {
        let (Value::Str(name), Some(bit)) = (name, int(v).and_then(|b| b.to_u64())) else {
            return None;
        };
        if bit.is_power_of_two() && rest & bit != 0 {
            names.push(name.clone());
            rest &= !bit;
        }
    }
    if names.is_empty() {
        return Some(Value::None);
    }
    if rest != 0 {
        names.push(rest.to_string());
    }
    Some(Value::str(names.join("|")))
}

/// `<Color.BLUE: 'b'>`, `<Perm.R|W: 6>`, `<Perm: 0>`: Python 3.11's enum
/// repr (the value's repr is its mixed-in type's, which for int and str is
/// their plain repr).
fn enum_repr(args: &[Value], repr: Nested) -> Option<String> {
    let [Value::Str(class), name, value, _] = args else {
        return None;
    };
    let short = class.rsplit('.').next().unwrap_or(class);
    Some(match name {
        Value::Str(name) => format!("<{short}.{name}: {}>", repr(value)),
        _ => format!("<{short}: {}>", repr(value)),
    })
}

/// `Pair(left='l', right=None)`, as namedtuple's `__repr__`.
fn namedtuple_repr(args: &[Value], repr: Nested) -> Option<String> {
    let [Value::Str(class), Value::Tuple(fields), Value::Tuple(values)] = args else {
        return None;
    };
    let short = class.rsplit('.').next().unwrap_or(class);
    let mut parts = Vec::with_capacity(fields.len());
    for (field, value) in fields.iter().zip(values) {
        let Value::Str(field) = field else {
            return None;
        };
        parts.push(format!("{field}={}", repr(value)));
    }
    Some(format!("{short}({})", parts.join(", ")))
}

/// The repr of a known standard-library object, or None.
pub fn known(o: &Object, repr: Nested) -> Option<String> {
    match o.class.as_str() {
        ENUM_MEMBER_CLASS => return enum_repr(&o.args, repr),
        NAMEDTUPLE_CLASS => return namedtuple_repr(&o.args, repr),
        _ => {}
    }
    if o.state.is_some() && !matches!(o.class.as_str(), "uuid.UUID") {
        return None;
    }
    if !o.list_items.is_empty() || !o.dict_items.is_empty() {
        return None;
    }
    match (o.class.as_str(), o.args.as_slice()) {
        ("datetime.date", [Value::Bytes(b)]) => date(b),
        ("datetime.datetime", [Value::Bytes(b)]) => datetime(b, None, repr),
        ("datetime.datetime", [Value::Bytes(b), tz]) => datetime(b, Some(tz), repr),
        ("datetime.time", [Value::Bytes(b)]) => time(b, None, repr),
        ("datetime.time", [Value::Bytes(b), tz]) => time(b, Some(tz), repr),
        ("datetime.timedelta", [d, s, us]) => timedelta(int(d)?, int(s)?, int(us)?),
        ("datetime.timezone", [Value::Object(td)]) => timezone(td, None, repr),
        ("datetime.timezone", [Value::Object(td), Value::Str(name)]) => {
            timezone(td, Some(name), repr)
        }
        ("zoneinfo.ZoneInfo._unpickle", [Value::Str(key), _]) => Some(format!(
            "zoneinfo.ZoneInfo(key={})",
            repr(&Value::Str(key.clone()))
        )),
        ("decimal.Decimal", [Value::Str(s)]) => Some(format!("Decimal('{s}')")),
        ("fractions.Fraction", [Value::Str(s)]) => fraction(s),
        ("fractions.Fraction", [n, d]) => Some(format!("Fraction({}, {})", int(n)?, int(d)?)),
        ("uuid.UUID", []) => uuid(o.state.as_deref()?),
        ("pathlib.PurePosixPath" | "pathlib.PosixPath" | "pathlib.Path", parts) => {
            path(o.type_name(), parts, repr)
        }
        ("builtins.range", [a, b, c]) => {
            let (a, b, c) = (int(a)?, int(b)?, int(c)?);
            Some(if c == BigInt::from(1) {
                format!("range({a}, {b})")
            } else {
                format!("range({a}, {b}, {c})")
            })
        }
        ("builtins.slice", [a, b, c]) => {
            Some(format!("slice({}, {}, {})", repr(a), repr(b), repr(c)))
        }
        ("re._compile", [pattern, flags]) => compiled(pattern, int(flags)?, repr),
        // dill spells a range as the text of its repr, to be evaluated
        // (never evaluated here: only a plain range's text is shown).
        ("dill._dill._eval_repr", [Value::Str(s)]) if is_range_text(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(i.clone()),
        Value::Bool(b) => Some(BigInt::from(*b as u8)),
        _ => None,
    }
}

/// `range(a, b)` or `range(a, b, c)` with integer literals, nothing else.
fn is_range_text(s: &str) -> bool {
    let Some(inner) = s.strip_prefix("range(").and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    let parts: Vec<&str> = inner.split(", ").collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            let digits = p.strip_prefix('-').unwrap_or(p);
            !digits.is_empty() && digits.len() < 4300 && digits.bytes().all(|b| b.is_ascii_digit())
        })
}

fn date(b: &[u8]) -> Option<String> {
    let [y1, y0, m, d] = b else { return None };
    Some(format!(
        "datetime.date({}, {}, {d})",
        (*y1 as u32) << 8 | *y0 as u32,
        m & 0x7f
    ))
}

/// The timezone argument of a datetime or time repr.
fn tz_suffix(tz: Option<&Value>, repr: Nested) -> String {
    match tz {
        None | Some(Value::None) => String::new(),
        Some(tz) => format!(", tzinfo={}", repr(tz)),
    }
}

fn datetime(b: &[u8], tz: Option<&Value>, repr: Nested) -> Option<String> {
    let [y1, y0, m, d, hh, mm, ss, u2, u1, u0] = b else {
        return None;
    };
    let us = (*u2 as u32) << 16 | (*u1 as u32) << 8 | *u0 as u32;
    let mut fields = vec![
        ((*y1 as u32) << 8 | *y0 as u32).to_string(),
        (m & 0x7f).to_string(),
        d.to_string(),
        hh.to_string(),
        mm.to_string(),
    ];
    if *ss != 0 || us != 0 {
        fields.push(ss.to_string());
    }
    if us != 0 {
        fields.push(us.to_string());
    }
    let fold = if m & 0x80 != 0 { ", fold=1" } else { "" };
    Some(format!(
        "datetime.datetime({}{}{fold})",
        fields.join(", "),
        tz_suffix(tz, repr)
    ))
}

fn time(b: &[u8], tz: Option<&Value>, repr: Nested) -> Option<String> {
    let [hh, mm, ss, u2, u1, u0] = b else {
        return None;
    };
    let us = (*u2 as u32) << 16 | (*u1 as u32) << 8 | *u0 as u32;
    let rest = if us != 0 {
        format!(", {ss}, {us}")
    } else if *ss != 0 {
        format!(", {ss}")
    } else {
        String::new()
    };
    let fold = if hh & 0x80 != 0 { ", fold=1" } else { "" };
    Some(format!(
        "datetime.time({}, {mm}{rest}{}{fold})",
        hh & 0x7f,
        tz_suffix(tz, repr)
    ))
}

fn timedelta(days: BigInt, seconds: BigInt, micros: BigInt) -> Option<String> {
    let mut parts = Vec::new();
    if !days.is_zero() {
        parts.push(format!("days={days}"));
    }
    if !seconds.is_zero() {
        parts.push(format!("seconds={seconds}"));
    }
    if !micros.is_zero() {
        parts.push(format!("microseconds={micros}"));
    }
    if parts.is_empty() {
        parts.push("0".into());
    }
    Some(format!("datetime.timedelta({})", parts.join(", ")))
}

fn timezone(td: &Object, name: Option<&str>, repr: Nested) -> Option<String> {
    let [d, s, us] = td.args.as_slice() else {
        return None;
    };
    if td.class != "datetime.timedelta" {
        return None;
    }
    let (d, s, us) = (int(d)?, int(s)?, int(us)?);
    if name.is_none() && d.is_zero() && s.is_zero() && us.is_zero() {
        return Some("datetime.timezone.utc".into());
    }
    let delta = timedelta(d, s, us)?;
    Some(match name {
        Some(n) => format!(
            "datetime.timezone({delta}, {})",
            repr(&Value::Str(n.into()))
        ),
        None => format!("datetime.timezone({delta})"),
    })
}

fn fraction(s: &str) -> Option<String> {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    let n: BigInt = n.trim().parse().ok()?;
    let d: BigInt = d.trim().parse().ok()?;
    Some(format!("Fraction({n}, {d})"))
}

fn uuid(state: &Value) -> Option<String> {
    let Value::Dict(items) = state else {
        return None;
    };
    let int = items.iter().find_map(|(k, v)| match (k, v) {
        (Value::Str(k), Value::Int(i)) if k == "int" => Some(i.clone()),
        _ => None,
    })?;
    if int.is_negative() || int.bits() > 128 {
        return None;
    }
    let hex = format!("{:032x}", int.to_u128()?);
    Some(format!(
        "UUID('{}-{}-{}-{}-{}')",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

fn path(class: &str, parts: &[Value], repr: Nested) -> Option<String> {
    let mut text = String::new();
    for part in parts {
        let Value::Str(p) = part else { return None };
        if !text.is_empty() && !text.ends_with('/') {
            text.push('/');
        }
        text.push_str(p);
    }
    if text.is_empty() {
        text.push('.');
    }
    Some(format!("{class}({})", repr(&Value::Str(text))))
}

/// `re.compile('a+', re.IGNORECASE|re.MULTILINE)`, as `_sre`'s repr.
fn compiled(pattern: &Value, flags: BigInt, repr: Nested) -> Option<String> {
    let mut flags = flags.to_u32()?;
    const NAMES: [(&str, u32); 9] = [
        ("re.TEMPLATE", 1),
        ("re.IGNORECASE", 2),
        ("re.LOCALE", 4),
        ("re.MULTILINE", 8),
        ("re.DOTALL", 16),
        ("re.UNICODE", 32),
        ("re.VERBOSE", 64),
        ("re.DEBUG", 128),
        ("re.ASCII", 256),
    ];
    // A str pattern is Unicode unless said otherwise: the flag goes unsaid.
    if matches!(pattern, Value::Str(_)) && flags & (4 | 32 | 256) == 32 {
        flags &= !32;
    }
    // `%.200R`: the pattern's repr, cut at 200 characters.
    let text: String = repr(pattern).chars().take(200).collect();
    let mut out = format!("re.compile({text}");
    if flags != 0 {
        let mut names = Vec::new();
        for (name, bit) in NAMES {
            if flags & bit != 0 {
                names.push(name.to_string());
                flags &= !bit;
            }
        }
        if flags != 0 {
            names.push(format!("0x{flags:x}"));
        }
        out.push_str(", ");
        out.push_str(&names.join("|"));
    }
    out.push(')');
    Some(out)
}

/// The JSON form of the standard-library values scripts most need as data
/// rather than as text: dates, datetimes and times as ISO 8601 (what
/// `isoformat()` writes; the zone, when there is one, as its repr beside
/// it), timedeltas as their total seconds and parts, `Decimal` as its
/// exact string. None for anything else (the generic object form).
pub fn known_json(o: &Object, repr: Nested) -> Option<serde_json::Value> {
    use serde_json::json;
    if o.state.is_some() || !o.list_items.is_empty() || !o.dict_items.is_empty() {
        return None;
    }
    let zone = |tz: Option<&Value>| match tz {
        None | Some(Value::None) => serde_json::Value::Null,
        Some(tz) => repr(tz).into(),
    };
    match (o.class.as_str(), o.args.as_slice()) {
        ("datetime.date", [Value::Bytes(b)]) => {
            let [y1, y0, m, d] = b.as_slice() else {
                return None;
            };
            let y = (*y1 as u32) << 8 | *y0 as u32;
            Some(json!({"$date": format!("{y:04}-{:02}-{d:02}", m & 0x7f)}))
        }
        ("datetime.datetime", [Value::Bytes(b), tz @ ..]) if tz.len() <= 1 => {
            let [y1, y0, m, d, hh, mm, ss, u2, u1, u0] = b.as_slice() else {
                return None;
            };
            let y = (*y1 as u32) << 8 | *y0 as u32;
            let us = (*u2 as u32) << 16 | (*u1 as u32) << 8 | *u0 as u32;
            let frac = if us != 0 {
                format!(".{us:06}")
            } else {
                String::new()
            };
            let text = format!(
                "{y:04}-{:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}{frac}",
                m & 0x7f
            );
            Some(json!({"$datetime": text, "tz": zone(tz.first())}))
        }
        ("datetime.time", [Value::Bytes(b), tz @ ..]) if tz.len() <= 1 => {
            let [hh, mm, ss, u2, u1, u0] = b.as_slice() else {
                return None;
            };
            let us = (*u2 as u32) << 16 | (*u1 as u32) << 8 | *u0 as u32;
            let frac = if us != 0 {
                format!(".{us:06}")
            } else {
                String::new()
            };
            let text = format!("{:02}:{mm:02}:{ss:02}{frac}", hh & 0x7f);
            Some(json!({"$time": text, "tz": zone(tz.first())}))
        }
        ("datetime.timedelta", [d, s, us]) => {
            let (d, s, us) = (int(d)?, int(s)?, int(us)?);
            // As `total_seconds()`: whole microseconds, divided once.
            let micros: BigInt = (&d * 86_400 + &s) * 1_000_000 + &us;
            let total = micros.to_f64()? / 1e6;
            Some(json!({
                "$timedelta": total,
                "days": d.to_i64()?,
                "seconds": s.to_i64()?,
                "microseconds": us.to_i64()?,
            }))
        }
        ("decimal.Decimal", [Value::Str(s)]) => Some(json!({"$decimal": s})),
        _ => None,
    }
}
