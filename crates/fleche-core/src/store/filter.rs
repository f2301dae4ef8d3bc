//! Which calls to select: the filter model shared by every call storage,
//! with fleche's `query(...)` semantics, and its check on loaded records.
//! SQL stores translate what they can into SQL (see
//! [`MetaFilter::pushed_down`]) and finish the rest here, as fleche does.

use super::{CallRecord, ListOptions, SortKey};
use num_bigint::BigInt;
use serde_json::Value as Json;
use std::ops::ControlFlow;

/// A metadata condition, with fleche's `query(metadata=...)` semantics.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaFilter {
    /// The call has metadata of this kind (`{"tags": {}}`).
    Has { kind: String },
    /// The kind has this key, whatever its value (`{"tags": {"k": None}}`).
    HasKey { kind: String, key: String },
    /// The key's value equals this JSON value under Python's `==`
    /// (`1 == 1.0 == True`, `"1" != 1`).
    Equals {
        kind: String,
        key: String,
        value: Json,
    },
}

impl MetaFilter {
    /// Whether SQL alone decides this filter. Scalars are compared in the
    /// database (as Python would: `1 == 1.0 == True`, never `'1' == 1`);
    /// lists and dicts are compared after loading, as fleche does.
    pub fn pushed_down(&self) -> bool {
        match self {
            // SQL compares numbers as doubles: exact only below 2^53.
            MetaFilter::Equals {
                value: Json::Number(n),
                ..
            } => {
                !matches!(py_number(n), PyNumber::Int(i) if i.bits() > 53)
                    && !n
                        .as_f64()
                        .is_some_and(|f| f.fract() == 0.0 && f.abs() >= 2f64.powi(53))
            }
            MetaFilter::Equals { value, .. } => !matches!(value, Json::Array(_) | Json::Object(_)),
            _ => true,
        }
    }
}

/// Which calls to select; every field is a conjunction, None is a wildcard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFilter {
    /// Full keys (from expanded prefixes); empty means any.
    pub keys: Vec<String>,
    pub name: Option<String>,
    pub module: Option<String>,
    /// The version as fleche stores it: `json.dumps(version)`.
    pub version_json: Option<String>,
    pub code_digest: Option<String>,
    /// (argument name, value digest or None for "has this argument").
    pub arguments: Vec<(String, Option<String>)>,
    pub result: Option<String>,
    pub metadata: Vec<MetaFilter>,
    /// Bounds on `runtime.timestart` (UNIX seconds), inclusive.
    pub since: Option<f64>,
    pub until: Option<f64>,
}

/// The metadata filters SQL leaves to the loaded records (those not
/// [`MetaFilter::pushed_down`]).
pub(crate) struct Residual<'a>(Vec<&'a MetaFilter>);

impl<'a> Residual<'a> {
    pub fn of(filter: &'a CallFilter) -> Residual<'a> {
        Residual(
            filter
                .metadata
                .iter()
                .filter(|m| !m.pushed_down())
                .collect(),
        )
    }

    /// Whether SQL decides the whole filter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a record that SQL selected passes the rest of the filter.
    pub fn keeps(&self, record: &CallRecord) -> bool {
        self.0
            .iter()
            .all(|m| metadata_matches(record, std::slice::from_ref(*m)))
    }

    /// The options of the SQL query for a listing: without its limit when
    /// records are dropped here, which a LIMIT in SQL would count.
    pub fn sql_options(&self, opts: &ListOptions) -> ListOptions {
        ListOptions {
            limit: opts.limit.filter(|_| self.is_empty()),
            ..opts.clone()
        }
    }

    /// Hand `f` the records `next` yields that pass, up to `limit` of them.
    pub fn feed<E>(
        &self,
        limit: Option<u64>,
        mut next: impl FnMut() -> Result<Option<CallRecord>, E>,
        mut f: impl FnMut(CallRecord) -> ControlFlow<()>,
    ) -> Result<(), E> {
        let mut left = limit.unwrap_or(u64::MAX);
        while left > 0 {
            let Some(rec) = next()? else {
                break;
            };
            if !self.keeps(&rec) {
                continue;
            }
            left -= 1;
            if f(rec).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// The number of calls `filter` selects when SQL cannot count them alone
/// (see [`Residual`]): `for_each` lists them, in key order, and they are
/// counted; None when SQL can.
pub(crate) fn count_by_listing<E>(
    filter: &CallFilter,
    for_each: impl FnOnce(&ListOptions, &mut dyn FnMut(CallRecord) -> ControlFlow<()>) -> Result<(), E>,
) -> Result<Option<u64>, E> {
    if Residual::of(filter).is_empty() {
        return Ok(None);
    }
    let opts = ListOptions {
        filter: filter.clone(),
        sort: SortKey::Key,
        ..Default::default()
    };
    let mut n = 0;
    for_each(&opts, &mut |_| {
        n += 1;
        ControlFlow::Continue(())
    })?;
    Ok(Some(n))
}

/// Python's `==` between two JSON values as fleche loads them
/// (`json.loads`): numbers and bools compare numerically, containers
/// element-wise, strings exactly.
pub fn json_py_eq(a: &Json, b: &Json) -> bool {
    fn num(v: &Json) -> Option<PyNumber> {
        match v {
            Json::Bool(b) => Some(PyNumber::Int(BigInt::from(*b as u8))),
            Json::Number(n) => Some(py_number(n)),
            _ => None,
        }
    }
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::String(x), Json::String(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_py_eq(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_py_eq(v, w)))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x.py_eq(&y),
            _ => false,
        },
    }
}

/// A JSON number as Python reads it back: an int of any size, or a float.
enum PyNumber {
    Int(BigInt),
    Float(f64),
}

fn py_number(n: &serde_json::Number) -> PyNumber {
    let text = n.to_string();
    match text.parse::<BigInt>() {
        Ok(i) if super::is_int_text(&text) => PyNumber::Int(i),
        _ => PyNumber::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

impl PyNumber {
    /// Python's `==`: exact between ints, and between an int and a float.
    fn py_eq(&self, other: &PyNumber) -> bool {
        match (self, other) {
            (PyNumber::Int(a), PyNumber::Int(b)) => a == b,
            (PyNumber::Float(a), PyNumber::Float(b)) => a == b,
            (PyNumber::Int(i), PyNumber::Float(f)) | (PyNumber::Float(f), PyNumber::Int(i)) => {
                f.fract() == 0.0
                    && num_traits::FromPrimitive::from_f64(*f).is_some_and(|b: BigInt| &b == i)
            }
        }
    }
}

/// Whether a record satisfies the metadata filters (the client-side half of
/// fleche's `Sql.query`, also the whole check for file stores).
pub fn metadata_matches(record: &CallRecord, filters: &[MetaFilter]) -> bool {
    filters.iter().all(|f| match f {
        MetaFilter::Has { kind } => record.metadata.contains_key(kind),
        MetaFilter::HasKey { kind, key } => record
            .metadata
            .get(kind)
            .and_then(Json::as_object)
            .is_some_and(|m| m.contains_key(key)),
        MetaFilter::Equals { kind, key, value } => record
            .metadata
            .get(kind)
            .and_then(|m| m.get(key))
            .is_some_and(|v| json_py_eq(v, value)),
    })
}

/// Whether `record` passes the whole of `filter` (file stores, which load
/// every record, and tests).
pub fn record_matches(record: &CallRecord, filter: &CallFilter) -> bool {
    let eq = |want: &Option<String>, have: Option<&String>| {
        want.as_ref().is_none_or(|w| have == Some(w))
    };
    (filter.keys.is_empty() || filter.keys.contains(&record.key))
        && eq(&filter.name, Some(&record.name))
        && eq(&filter.module, record.module.as_ref())
        && eq(&filter.code_digest, record.code_digest.as_ref())
        && eq(&filter.result, record.result.as_ref())
        && filter.version_json.as_ref().is_none_or(|v| {
            record.version.as_ref().is_some_and(|rv| {
                serde_json::from_str::<Json>(v)
                    .is_ok_and(|want| json_py_eq(&want, rv) && want.is_string() == rv.is_string())
            })
        })
        && filter.arguments.iter().all(|(name, value)| {
            record
                .arguments
                .iter()
                .any(|(n, d)| n == name && value.as_ref().is_none_or(|v| v == d))
        })
        && metadata_matches(record, &filter.metadata)
        && filter
            .since
            .is_none_or(|s| record.started().is_some_and(|t| t >= s))
        && filter
            .until
            .is_none_or(|u| record.started().is_some_and(|t| t <= u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_equality_of_json() {
        assert!(json_py_eq(&json!(1), &json!(1.0)));
        assert!(json_py_eq(&json!(1), &json!(true)));
        assert!(!json_py_eq(&json!("1"), &json!(1)));
        assert!(json_py_eq(
            &json!([1, {"a": false}]),
            &json!([1.0, {"a": 0}])
        ));
        assert!(!json_py_eq(&json!(null), &json!(0)));
    }
}
