//! fleche's destructured values (format §4): a container whose children are
//! stored as separate value files is saved as a `DigestedIterable`,
//! `DigestedDict`, `DigestedDataclass` or `DigestedAttrs` wrapper holding
//! `Digest`s. This module finds those children (for garbage collection) and
//! mends the plain value back, as `DestructuringMixin.load` does
//! (fleche 0.22.2 `storage/destructuring.py`).

use crate::pickle::global_name;
use crate::value::{Object, Record, Value};
use std::collections::HashMap;
use thiserror::Error;

const ITERABLE: &str = "fleche.storage.destructuring.DigestedIterable";
const DICT: &str = "fleche.storage.destructuring.DigestedDict";
const DATACLASS: &str = "fleche.storage.destructuring.DigestedDataclass";
const ATTRS: &str = "fleche.storage.destructuring.DigestedAttrs";

/// How many destructured levels `mend` follows; deeper chains (or a cache
/// whose value files point at each other) are refused instead of
/// overflowing the stack. fleche destructures `remaining_depth` levels
/// (1 by default); each level here is several frames of recursion, on
/// threads with small stacks (`verify`).
pub const MAX_MEND_DEPTH: usize = 32;

/// Values a mended tree may hold beyond four times those of the distinct
/// files it is made of: only a wrapper listing the same child many times
/// (at every level of a chain: 1,000 × 1,000 × 1,000) makes it larger.
pub const MEND_NODE_FLOOR: u64 = 1 << 18;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum MendError {
    #[error("value `{0}` contains itself through its destructured children")]
    Cycle(String),
    #[error("destructured values nest more than {MAX_MEND_DEPTH} levels deep")]
    TooDeep,
    #[error("destructured children repeat so often that the value would hold more than {limit} values (its files hold {stored})")]
    TooLarge { limit: u64, stored: u64 },
    #[error("the value rebuilt from its destructured children would nest more than {MAX_MENDED_DEPTH} levels deep")]
    NestedTooDeep,
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

/// Whether `v` is a destructured wrapper, which [`mend`] rebuilds.
pub fn is_wrapper(v: &Value) -> bool {
    wrapper(v).is_some()
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
/// in a container are not mended, and every `Digest` child is used.
///
/// A child listed again is copied (fleche loads it every time): what the
/// copies cost is counted, and more than [`MEND_NODE_FLOOR`] values plus
/// four times those stored is refused ([`MendError::TooLarge`]). The
/// rebuilt value may nest no deeper than one pickle may
/// ([`MendError::NestedTooDeep`]): a chain of wrappers each holding the
/// next would otherwise overflow the stack of whatever walks it.
pub fn mend<E: From<MendError>>(
    v: &Value,
    load: &mut dyn FnMut(&str) -> Result<Value, E>,
) -> Result<Value, E> {
    let mut m = Mender {
        load,
        path: Vec::new(),
        seen: HashMap::new(),
        stored: v.node_count(),
        built: 0,
    };
    m.mend(v).map(|(value, _)| value)
}

/// How deep a rebuilt value may nest: as deep as a pickle may
/// ([`crate::pickle::Limits`]).
pub const MAX_MENDED_DEPTH: usize = 500;

/// A child already mended: its size and depth, and its value once it has
/// been asked for twice (a child listed once is not kept twice).
struct Seen {
    nodes: u64,
    depth: usize,
    value: Option<Value>,
}

struct Mender<'a, E> {
    load: &'a mut dyn FnMut(&str) -> Result<Value, E>,
    /// The children being mended, outermost first (to find cycles).
    path: Vec<String>,
    seen: HashMap<String, Seen>,
    /// Values in the files loaded.
    stored: u64,
    /// Values copied for children listed more than once.
    built: u64,
}

impl<E: From<MendError>> Mender<'_, E> {
    fn charge(&mut self, nodes: u64) -> Result<(), E> {
        self.built = self.built.saturating_add(nodes);
        let limit = MEND_NODE_FLOOR.saturating_add(self.stored.saturating_mul(4));
        if self.built > limit {
            return Err(MendError::TooLarge {
                limit,
                stored: self.stored,
            }
            .into());
        }
        Ok(())
    }

    /// An item of a wrapper, mended if it is a `Digest`, with its depth.
    fn child(&mut self, x: &Value) -> Result<(Value, usize), E> {
        let Value::Digest(key) = x else {
            return Ok((x.clone(), x.depth()));
        };
        if let Some(seen) = self.seen.get(key) {
            // Asked for again: a copy, paid for before it is made.
            let (nodes, depth) = (seen.nodes, seen.depth);
            self.charge(nodes)?;
            if let Some(value) = self.seen.get(key).and_then(|s| s.value.clone()) {
                return Ok((value, depth));
            }
            let (value, depth) = self.mend_file(key)?;
            if let Some(seen) = self.seen.get_mut(key) {
                seen.value = Some(value.clone());
            }
            return Ok((value, depth));
        }
        let (value, depth) = self.mend_file(key)?;
        self.seen.insert(
            key.clone(),
            Seen {
                nodes: value.node_count(),
                depth,
                value: None,
            },
        );
        Ok((value, depth))
    }

    fn mend_file(&mut self, key: &str) -> Result<(Value, usize), E> {
        if self.path.iter().any(|k| k == key) {
            return Err(MendError::Cycle(key.to_owned()).into());
        }
        if self.path.len() >= MAX_MEND_DEPTH {
            return Err(MendError::TooDeep.into());
        }
        let raw = (self.load)(key)?;
        // Every level above adds one: refuse before going deeper.
        if self.path.len() + raw.depth() > MAX_MENDED_DEPTH {
            return Err(MendError::NestedTooDeep.into());
        }
        if !self.seen.contains_key(key) {
            self.stored = self.stored.saturating_add(raw.node_count());
        }
        self.path.push(key.to_owned());
        let out = self.mend(&raw);
        self.path.pop();
        out
    }

    fn mend(&mut self, v: &Value) -> Result<(Value, usize), E> {
        let Some(w) = wrapper(v) else {
            return Ok((v.clone(), v.depth()));
        };
        let mut deepest = 0;
        let value = match w {
            Wrapper::Iterable(Value::Tuple(items)) => {
                Value::Tuple(self.children(items, &mut deepest)?)
            }
            Wrapper::Iterable(Value::List(items)) => {
                Value::List(self.children(items, &mut deepest)?)
            }
            Wrapper::Iterable(_) => return Ok((v.clone(), v.depth())),
            Wrapper::Dict(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (k, x) in items {
                    let (k, dk) = self.child(k)?;
                    let (x, dx) = self.child(x)?;
                    deepest = deepest.max(dk).max(dx);
                    out.push((k, x));
                }
                Value::Dict(out)
            }
            Wrapper::Fields { class, fields } => {
                let class = global_name(class).unwrap_or("<unknown>").to_owned();
                let mut out = Vec::with_capacity(fields.len());
                for (name, x) in fields {
                    let name = match name {
                        Value::Str(s) => s.clone(),
                        _ => return Ok((v.clone(), v.depth())),
                    };
                    let (x, depth) = self.child(x)?;
                    deepest = deepest.max(depth);
                    out.push((name, x));
                }
                Value::Record(Record { class, fields: out })
            }
        };
        let depth = deepest + 1;
        if depth > MAX_MENDED_DEPTH {
            return Err(MendError::NestedTooDeep.into());
        }
        Ok((value, depth))
    }

    fn children(&mut self, items: &[Value], deepest: &mut usize) -> Result<Vec<Value>, E> {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            let (value, depth) = self.child(x)?;
            *deepest = (*deepest).max(depth);
            out.push(value);
        }
        Ok(out)
    }
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

    /// Issue #15, H3: four wrappers, each listing the next 1,000 times,
    /// meant 10**9 loads. Each file is loaded at most twice (a child is
    /// kept once it is asked for again); the copies are counted and
    /// refused past the budget.
    #[test]
    fn repeated_children_are_loaded_at_most_twice_and_their_copies_counted() {
        let leaf = Value::int(7);
        let level = |child: &str| digested_list(vec![Value::Digest(child.into()); 1000]);
        let files = [
            ("d0", leaf),
            ("d1", level("d0")),
            ("d2", level("d1")),
            ("d3", level("d2")),
        ];
        let mut loads = 0;
        let mut load = |k: &str| -> Result<Value, MendError> {
            loads += 1;
            Ok(files.iter().find(|(n, _)| *n == k).unwrap().1.clone())
        };
        let err = mend(&level("d3"), &mut load).unwrap_err();
        assert!(matches!(err, MendError::TooLarge { .. }), "{err}");
        assert!(loads <= 8, "{loads} loads");
        // A child listed 1,000 times: loaded twice, copied 999 times.
        let mut loads = 0;
        let mut load = |k: &str| -> Result<Value, MendError> {
            loads += 1;
            Ok(files.iter().find(|(n, _)| *n == k).unwrap().1.clone())
        };
        let v = mend(&level("d0"), &mut load).unwrap();
        assert_eq!(v, Value::List(vec![Value::int(7); 1000]));
        assert_eq!(loads, 2);
    }

    /// A chain of wrappers each holding the next nests one level per file:
    /// the rebuilt value may nest no deeper than a pickle may, and the
    /// chain no longer than [`MAX_MEND_DEPTH`] files.
    #[test]
    fn chains_of_wrappers_are_bounded_in_depth() {
        let deep_leaf = {
            let mut v = Value::List(Vec::new());
            for _ in 0..480 {
                v = Value::List(vec![v]);
            }
            v
        };
        let mut files: Vec<(String, Value)> = vec![("k0".into(), deep_leaf)];
        for i in 1..40 {
            files.push((
                format!("k{i}"),
                digested_list(vec![Value::Digest(format!("k{}", i - 1))]),
            ));
        }
        let mut load = |k: &str| -> Result<Value, MendError> {
            Ok(files.iter().find(|(n, _)| n == k).unwrap().1.clone())
        };
        let top = |i: usize| digested_list(vec![Value::Digest(format!("k{i}"))]);
        assert_eq!(mend(&top(10), &mut load).unwrap().depth(), 481 + 11);
        assert_eq!(
            mend(&top(30), &mut load).unwrap_err(),
            MendError::NestedTooDeep
        );
        assert_eq!(mend(&top(39), &mut load).unwrap_err(), MendError::TooDeep);
    }
}
