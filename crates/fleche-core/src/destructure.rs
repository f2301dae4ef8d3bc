//! fleche's destructured values (format §4): a container whose children are
//! stored as separate value files is saved as a `DigestedIterable`,
//! `DigestedDict`, `DigestedDataclass` or `DigestedAttrs` wrapper holding
//! `Digest`s. This module finds those children (for garbage collection) and
//! mends the plain value back, as `DestructuringMixin.load` does
//! (fleche 0.22.2 `storage/destructuring.py`).

use crate::pickle::global_name;
use crate::value::{Object, Record, Value};
use thiserror::Error;

const ITERABLE: &str = "fleche.storage.destructuring.DigestedIterable";
const DICT: &str = "fleche.storage.destructuring.DigestedDict";
const DATACLASS: &str = "fleche.storage.destructuring.DigestedDataclass";
const ATTRS: &str = "fleche.storage.destructuring.DigestedAttrs";

/// How many destructured levels `mend` follows; deeper chains (or a cache
/// whose value files point at each other) are refused instead of
/// overflowing the stack.
pub const MAX_MEND_DEPTH: usize = 500;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum MendError {
    #[error("value `{0}` contains itself through its destructured children")]
    Cycle(String),
    #[error("destructured values nest more than {MAX_MEND_DEPTH} levels deep")]
    TooDeep,
}

/// The wrapper's kind and its pickled fields, if `v` is one.
enum Wrapper<'a> {
    Iterable(&'a Value),
    Dict(&'a [(Value, Value)]),
    Fields {
        class: &'a Value,
        fields: &'a [(Value, Value)],
    },
}

fn state_field<'a>(o: &'a Object, name: &str) -> Option<&'a Value> {
    match o.state.as_deref()? {
        Value::Dict(items) => items
            .iter()
            .find(|(k, _)| matches!(k, Value::Str(s) if s == name))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn wrapper(v: &Value) -> Option<Wrapper<'_>> {
    let Value::Object(o) = v else { return None };
    match o.class.as_str() {
        ITERABLE => match state_field(o, "items")? {
            items @ (Value::List(_) | Value::Tuple(_)) => Some(Wrapper::Iterable(items)),
            _ => None,
        },
        DICT => match state_field(o, "items")? {
            Value::Dict(items) => Some(Wrapper::Dict(items)),
            Value::Object(d) if d.class == "collections.OrderedDict" => {
                Some(Wrapper::Dict(&d.dict_items))
            }
            _ => None,
        },
        DATACLASS | ATTRS => match (state_field(o, "cls")?, state_field(o, "fields")?) {
            (class, Value::Dict(fields)) => Some(Wrapper::Fields { class, fields }),
            _ => None,
        },
        _ => None,
    }
}

/// The value digests a destructured wrapper points at directly, in order of
/// appearance without repeats: items, dict keys and values, field values.
/// Children of children are found by loading these. Empty for anything else.
pub fn children(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |x: &Value| {
        if let Value::Digest(d) = x {
            if !out.contains(d) {
                out.push(d.clone());
            }
        }
    };
    match wrapper(v) {
        Some(Wrapper::Iterable(Value::List(items) | Value::Tuple(items))) => {
            items.iter().for_each(&mut add)
        }
        Some(Wrapper::Dict(items)) => {
            for (k, x) in items {
                add(k);
                add(x);
            }
        }
        Some(Wrapper::Fields { fields, .. }) => fields.iter().for_each(|(_, x)| add(x)),
        _ => {}
    }
    out
}

/// Rebuild the plain value of a destructured wrapper by loading every
/// `Digest` child with `load` (which returns the raw stored value) and
/// mending it in turn. `DigestedIterable` keeps its list or tuple,
/// `DigestedDict` becomes a dict, dataclass/attrs wrappers a [`Record`].
/// Other values come back unchanged. Like fleche, wrappers stored *inline*
/// in a container are not mended, and every `Digest` child is loaded.
pub fn mend<E: From<MendError>>(
    v: &Value,
    load: &mut dyn FnMut(&str) -> Result<Value, E>,
) -> Result<Value, E> {
    let mut path = Vec::new();
    mend_at(v, load, &mut path)
}

fn mend_at<E: From<MendError>>(
    v: &Value,
    load: &mut dyn FnMut(&str) -> Result<Value, E>,
    path: &mut Vec<String>,
) -> Result<Value, E> {
    let Some(w) = wrapper(v) else {
        return Ok(v.clone());
    };
    let mut get = |x: &Value| -> Result<Value, E> {
        let Value::Digest(key) = x else {
            return Ok(x.clone());
        };
        if path.contains(key) {
            return Err(MendError::Cycle(key.clone()).into());
        }
        if path.len() >= MAX_MEND_DEPTH {
            return Err(MendError::TooDeep.into());
        }
        let raw = load(key)?;
        path.push(key.clone());
        let out = mend_at(&raw, load, path);
        path.pop();
        out
    };
    Ok(match w {
        Wrapper::Iterable(Value::Tuple(items)) => {
            Value::Tuple(items.iter().map(&mut get).collect::<Result<_, E>>()?)
        }
        Wrapper::Iterable(Value::List(items)) => {
            Value::List(items.iter().map(&mut get).collect::<Result<_, E>>()?)
        }
        Wrapper::Iterable(_) => v.clone(),
        Wrapper::Dict(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (k, x) in items {
                out.push((get(k)?, get(x)?));
            }
            Value::Dict(out)
        }
        Wrapper::Fields { class, fields } => {
            let class = global_name(class).unwrap_or("<unknown>").to_owned();
            let mut out = Vec::with_capacity(fields.len());
            for (name, x) in fields {
                let name = match name {
                    Value::Str(s) => s.clone(),
                    _ => return Ok(v.clone()),
                };
                out.push((name, get(x)?));
            }
            Value::Record(Record { class, fields: out })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digested_list(items: Vec<Value>) -> Value {
        Value::Object(Object {
            class: ITERABLE.into(),
            state: Some(Box::new(Value::Dict(vec![(
                Value::str("items"),
                Value::List(items),
            )]))),
            ..Object::default()
        })
    }

    #[test]
    fn cycles_between_value_files_are_refused() {
        let a = digested_list(vec![Value::Digest("b".into())]);
        let b = digested_list(vec![Value::Digest("a".into())]);
        let mut load = |k: &str| -> Result<Value, MendError> {
            Ok(if k == "a" { a.clone() } else { b.clone() })
        };
        assert_eq!(
            mend(&a, &mut load).unwrap_err(),
            MendError::Cycle("b".into())
        );
    }

    #[test]
    fn children_are_unique_and_ordered() {
        let v = digested_list(vec![
            Value::Digest("x".into()),
            Value::int(1),
            Value::Digest("y".into()),
            Value::Digest("x".into()),
        ]);
        assert_eq!(children(&v), vec!["x".to_owned(), "y".to_owned()]);
        assert!(children(&Value::List(vec![Value::Digest("x".into())])).is_empty());
    }
}
