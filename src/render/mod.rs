//! How things look: the JSON view of a call and of a decoded value, the
//! tags of a call as text, sizes and counts for people. Listings of calls
//! are in [`listing`], reports of tag changes in [`tags`].

pub mod listing;
pub mod tags;

use fleche_core::repr;
use fleche_core::store::CallRecord;
use fleche_core::Value;
use serde_json::{json, Value as Json};

/// How long a decoded value may get before it is abbreviated.
const ABBREV: usize = 200;

/// The JSON form of a call, as documented in the README, as a tree (to
/// which `show` and decoded listings add fields).
pub fn call_json(rec: &CallRecord) -> Json {
    serde_json::to_value(CallJson {
        rec,
        metadata: true,
    })
    .expect("BUG: a record serializes (every map key is a string)")
}

/// The JSON form of a call as compact text, serialized straight from the
/// record, its metadata copied in when the store gave it as text.
pub fn call_json_bytes(rec: &CallRecord) -> serde_json::Result<Vec<u8>> {
    let Some(text) = &rec.metadata_text else {
        return serde_json::to_vec(&CallJson {
            rec,
            metadata: true,
        });
    };
    let mut out = serde_json::to_vec(&CallJson {
        rec,
        metadata: false,
    })?;
    // The map's closing brace: the metadata goes last.
    out.pop();
    out.extend_from_slice(b",\"metadata\":");
    out.extend_from_slice(text.as_bytes());
    out.push(b'}');
    Ok(out)
}

/// A call's JSON form serialized straight from the record, without building
/// a JSON tree first: a third of the work per row of a long listing.
/// Without `metadata`, the map ends before it.
struct CallJson<'a> {
    rec: &'a CallRecord,
    metadata: bool,
}

impl serde::Serialize for CallJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let rec = self.rec;
        let mut m = s.serialize_map(Some(8 + usize::from(self.metadata)))?;
        m.serialize_entry("kind", "call")?;
        m.serialize_entry("key", &rec.key)?;
        m.serialize_entry("name", &rec.name)?;
        m.serialize_entry("module", &rec.module)?;
        m.serialize_entry("version", &rec.version)?;
        m.serialize_entry("code_digest", &rec.code_digest)?;
        m.serialize_entry("arguments", &Arguments(&rec.arguments))?;
        m.serialize_entry("result", &rec.result)?;
        if self.metadata {
            match &rec.metadata_text {
                // Valid JSON: the store wrote it.
                Some(text) => m.serialize_entry(
                    "metadata",
                    &serde_json::from_str::<Json>(text).map_err(serde::ser::Error::custom)?,
                )?,
                None => m.serialize_entry("metadata", &rec.metadata)?,
            }
        }
        m.end()
    }
}

/// The arguments as a JSON object (a repeated name keeps its first place
/// and its last value, as in a JSON map).
struct Arguments<'a>(&'a [(String, String)]);

impl serde::Serialize for Arguments<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let args = self.0;
        // A set, not a scan of the names before each: 40k arguments were
        // 800M comparisons (#16 item 7).
        let mut seen = std::collections::HashSet::with_capacity(args.len());
        let repeated = !args.iter().all(|(n, _)| seen.insert(n.as_str()));
        if repeated {
            // A map keeps the first position and the last value.
            let map: serde_json::Map<String, Json> = args
                .iter()
                .map(|(n, d)| (n.clone(), Json::String(d.clone())))
                .collect();
            return map.serialize(s);
        }
        let mut m = s.serialize_map(Some(args.len()))?;
        for (n, d) in args {
            m.serialize_entry(n, d)?;
        }
        m.end()
    }
}

/// `k=v, k2=v2` for the tags column, each value as Python's `repr` shows
/// it (`n='1'` is a string, `n=1` an int).
pub fn tags_text(rec: &CallRecord) -> String {
    rec.metadata_of_kind("tags")
        .as_deref()
        .and_then(Json::as_object)
        .map(|t| {
            t.iter()
                .map(|(k, v)| format!("{k}={}", json_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Python's `repr` of what `json.loads` makes of `v`: `'Zoë'`, `None`,
/// `True`, `[1, 'a']`, `{'k': 1.0}`. Strings escape what is not printable,
/// as Python's repr does, so the text is safe on a terminal; numbers keep
/// the digits stored (an int of any size stays exact).
pub fn json_repr(v: &Json) -> String {
    let mut out = String::new();
    write_json_repr(&mut out, v);
    out
}

fn write_json_repr(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("None"),
        Json::Bool(true) => out.push_str("True"),
        Json::Bool(false) => out.push_str("False"),
        Json::Number(n) => {
            let text = n.to_string();
            if text.contains(['.', 'e', 'E']) {
                // `json.loads` makes a float of it (1e400 is inf).
                let f = text.parse::<f64>().unwrap_or(f64::NAN);
                out.push_str(&repr::float_repr(f));
            } else {
                out.push_str(
                    text.strip_prefix("-")
                        .filter(|d| d.bytes().all(|b| b == b'0'))
                        .map_or(&text, |_| "0"),
                );
            }
        }
        Json::String(s) => out.push_str(&repr::repr(&Value::Str(s.clone()))),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_repr(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&repr::repr(&Value::Str(k.clone())));
                out.push_str(": ");
                write_json_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// `{"type", "repr", "value"}` of a decoded value, as in the README. The
/// repr is Python's exactly (never abbreviated: scripts compare it; numpy
/// summarises big arrays itself), every element with `full`.
pub fn decoded_json(v: &Value, full: bool) -> Json {
    let text = if full {
        repr::repr_full(v)
    } else {
        repr::repr(v)
    };
    json!({"type": v.python_type(), "repr": text, "value": repr::to_json(v)})
}

/// Python's `repr` of a value, abbreviated unless `full` (then arrays are
/// shown whole too).
pub fn value_repr(v: &Value, full: bool) -> String {
    if full {
        repr::repr_full(v)
    } else if matches!(v, Value::NdArray(_)) {
        // numpy's repr summarises past 1,000 elements itself.
        repr::repr(v)
    } else {
        repr::repr_abbrev(v, ABBREV)
    }
}

/// [`value_repr`] for a terminal beside a label: each line made printable,
/// the lines after the first (numpy's arrays) indented by `indent` so the
/// value keeps its shape.
pub fn value_lines(v: &Value, full: bool, indent: usize) -> String {
    let pad = format!("\n{}", " ".repeat(indent));
    value_repr(v, full)
        .split('\n')
        .map(|l| crate::style::printable(l).into_owned())
        .collect::<Vec<_>>()
        .join(&pad)
}

/// `1,234`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `3.4 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// `s` when `n` is not one: `1 call`, `2 calls`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(human_bytes(3_650_722_201), "3.4 GiB");
        assert_eq!(human_bytes(512), "512 B");
    }
}
