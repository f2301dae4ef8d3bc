//! Writing pickles back (protocol 4), for the few records this tool
//! rewrites: call files whose tags change. Only what those records hold is
//! supported — builtins, `Digest`, `defaultdict`/`OrderedDict`, the
//! `DigestedCall` itself, and references to classes; anything else is an
//! error, so a record is never rewritten with something lost.

use crate::pickle::{global_name, GLOBAL_CLASS};
use crate::value::{Object, Value};
use num_bigint::BigInt;
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
#[error("cannot write a `{0}` back into a pickle")]
pub struct Unsupported(pub String);

/// Classes rebuilt with `cls.__new__(cls, *args)` (NEWOBJ) when pickled,
/// as Python's default `__reduce_ex__(4)` does for them.
/// (`fleche.call.Call` is the call record of fleche 0.10's file stores.)
const NEWOBJ_CLASSES: [&str; 4] = [
    "fleche.call.DigestedCall",
    "fleche.call.Call",
    "fleche.call.QueryCall",
    "fleche.digest.Digest",
];
/// Classes rebuilt by calling them (REDUCE), then filled with SETITEMS.
const REDUCE_CLASSES: [&str; 2] = ["collections.defaultdict", "collections.OrderedDict"];

/// A protocol-4 pickle of `v`.
pub fn dumps(v: &Value) -> Result<Vec<u8>, Unsupported> {
    let mut out = vec![0x80, 4];
    write(&mut out, v, 0)?;
    out.push(b'.');
    Ok(out)
}

const MAX_DEPTH: usize = 400;

fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.len() < 256 {
        out.push(0x8c);
        out.push(b.len() as u8);
    } else if b.len() <= u32::MAX as usize {
        out.push(b'X');
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    } else {
        out.push(0x8d);
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    }
    out.extend_from_slice(b);
}

fn write_global(out: &mut Vec<u8>, qualified: &str) -> Result<(), Unsupported> {
    let (module, name) =
        split_global(qualified).ok_or_else(|| Unsupported(qualified.to_string()))?;
    write_str(out, module);
    write_str(out, name);
    out.push(0x93); // STACK_GLOBAL
    Ok(())
}

/// `module.Qual.Name` -> (`module`, `Qual.Name`) for the modules records use.
fn split_global(q: &str) -> Option<(&str, &str)> {
    for module in ["fleche.digest", "fleche.call", "collections", "builtins"] {
        if let Some(name) = q.strip_prefix(module).and_then(|r| r.strip_prefix('.')) {
            return Some((module, name));
        }
    }
    None
}

fn write_int(out: &mut Vec<u8>, n: &BigInt) {
    use num_traits::ToPrimitive;
    match n.to_i64() {
        Some(i) if (0..256).contains(&i) => {
            out.push(b'K');
            out.push(i as u8);
        }
        Some(i) if (0..65536).contains(&i) => {
            out.push(b'M');
            out.extend_from_slice(&(i as u16).to_le_bytes());
        }
        Some(i) if i32::try_from(i).is_ok() => {
            out.push(b'J');
            out.extend_from_slice(&(i as i32).to_le_bytes());
        }
        _ => {
            // LONG1/LONG4: little-endian two's complement, as pickle's encode_long.
            let bytes = crate::digest::int_bytes(n);
            let bytes = minimal_signed(bytes);
            if bytes.len() < 256 {
                out.push(0x8a);
                out.push(bytes.len() as u8);
            } else {
                out.push(0x8b);
                out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            }
            out.extend_from_slice(&bytes);
        }
    }
}

/// Drop redundant sign-extension bytes (encode_long's minimal form).
fn minimal_signed(mut b: Vec<u8>) -> Vec<u8> {
    while b.len() > 1 {
        let last = b[b.len() - 1];
        let prev = b[b.len() - 2];
        if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
            b.pop();
        } else {
            break;
        }
    }
    b
}

fn write_items(out: &mut Vec<u8>, items: &[Value], depth: usize) -> Result<(), Unsupported> {
    for item in items {
        write(out, item, depth + 1)?;
    }
    Ok(())
}

fn write_setitems(
    out: &mut Vec<u8>,
    items: &[(Value, Value)],
    depth: usize,
) -> Result<(), Unsupported> {
    if items.is_empty() {
        return Ok(());
    }
    out.push(b'(');
    for (k, v) in items {
        write(out, k, depth + 1)?;
        write(out, v, depth + 1)?;
    }
    out.push(b'u');
    Ok(())
}

fn write(out: &mut Vec<u8>, v: &Value, depth: usize) -> Result<(), Unsupported> {
    if depth > MAX_DEPTH {
        return Err(Unsupported("value nested too deeply".into()));
    }
    match v {
        Value::None => out.push(b'N'),
        Value::Bool(true) => out.push(0x88),
        Value::Bool(false) => out.push(0x89),
        Value::Int(n) => write_int(out, n),
        Value::Float(f) => {
            out.push(b'G');
            out.extend_from_slice(&f.to_be_bytes());
        }
        Value::Str(s) => write_str(out, s),
        Value::Bytes(b) => {
            if b.len() < 256 {
                out.push(b'C');
                out.push(b.len() as u8);
            } else {
                out.push(b'B');
                out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            }
            out.extend_from_slice(b);
        }
        Value::Tuple(items) => match items.len() {
            0 => out.push(b')'),
            1..=3 => {
                write_items(out, items, depth)?;
                out.push(0x84 + items.len() as u8);
            }
            _ => {
                out.push(b'(');
                write_items(out, items, depth)?;
                out.push(b't');
            }
        },
        Value::List(items) => {
            out.push(b']');
            if !items.is_empty() {
                out.push(b'(');
                write_items(out, items, depth)?;
                out.push(b'e');
            }
        }
        Value::Dict(items) => {
            out.push(b'}');
            write_setitems(out, items, depth)?;
        }
        Value::Digest(s) => {
            write_global(out, "fleche.digest.Digest")?;
            write_str(out, s);
            out.push(0x85); // TUPLE1
            out.push(0x81); // NEWOBJ
        }
        Value::Object(o) => write_object(out, o, depth)?,
        other => return Err(Unsupported(other.python_type())),
    }
    Ok(())
}

fn write_object(out: &mut Vec<u8>, o: &Object, depth: usize) -> Result<(), Unsupported> {
    if o.class == GLOBAL_CLASS {
        let wrapped = Value::Object(o.clone());
        let name = global_name(&wrapped).ok_or_else(|| Unsupported("a class reference".into()))?;
        return write_global(out, name);
    }
    let newobj = NEWOBJ_CLASSES.contains(&o.class.as_str());
    if !newobj && !REDUCE_CLASSES.contains(&o.class.as_str()) {
        return Err(Unsupported(o.class.clone()));
    }
    if !o.list_items.is_empty() {
        return Err(Unsupported(o.class.clone()));
    }
    write_global(out, &o.class)?;
    write(out, &Value::Tuple(o.args.clone()), depth + 1)?;
    out.push(if newobj { 0x81 } else { b'R' });
    write_setitems(out, &o.dict_items, depth)?;
    if let Some(state) = &o.state {
        write(out, state, depth + 1)?;
        out.push(b'b'); // BUILD
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::load;

    #[test]
    fn builtins_round_trip_through_our_reader() {
        let v = Value::Dict(vec![
            (Value::str("n"), Value::int(1)),
            (
                Value::str("big"),
                Value::Int(BigInt::from(1u64 << 40) * BigInt::from(-3)),
            ),
            (Value::str("f"), Value::Float(0.1)),
            (
                Value::str("l"),
                Value::List(vec![Value::None, Value::Bool(true), Value::str("é")]),
            ),
            (
                Value::str("t"),
                Value::Tuple(vec![Value::int(300), Value::int(-5)]),
            ),
            (Value::str("d"), Value::Digest("ab".repeat(32))),
        ]);
        assert_eq!(load(&dumps(&v).expect("dumps")).expect("load"), v);
    }

    #[test]
    fn python_longs_are_minimal() {
        // pickle.dumps(2**31, 4) uses LONG1 with 5 bytes: 00 00 00 80 00.
        let mut out = Vec::new();
        write_int(&mut out, &BigInt::from(1u64 << 31));
        assert_eq!(out, vec![0x8a, 5, 0, 0, 0, 0x80, 0]);
        let mut out = Vec::new();
        write_int(&mut out, &BigInt::from(-(1i64 << 31) - 1));
        assert_eq!(out, vec![0x8a, 5, 0xff, 0xff, 0xff, 0x7f, 0xff]);
    }

    #[test]
    fn unknown_objects_are_refused() {
        let o = Value::Object(Object {
            class: "numpy.ndarray".into(),
            ..Default::default()
        });
        assert!(dumps(&o).is_err());
    }
}
