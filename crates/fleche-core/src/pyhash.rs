//! CPython's numeric and container hashing, and the iteration order of its
//! sets. fleche digests every non-NaN number as the digest of `hash(v)`
//! (format §5) and digests sets in iteration order, so both must be
//! reproduced exactly. Sources: CPython `Python/pyhash.c`,
//! `Objects/floatobject.c`, `Objects/tupleobject.c`, `Objects/setobject.c`
//! (unchanged in these respects from 3.8 through 3.13).

use crate::value::Value;
use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive};

/// `sys.hash_info.modulus`: 2**61 - 1 on 64-bit builds.
pub const MODULUS: u64 = (1 << 61) - 1;
const HASH_BITS: u32 = 61;
/// `sys.hash_info.inf`.
pub const HASH_INF: i64 = 314_159;
const IMAG: u64 = 1_000_003;

/// `hash(n)` for a Python int.
pub fn hash_int(n: &BigInt) -> i64 {
    let m = BigInt::from(MODULUS);
    let r = n.abs().mod_floor(&m).to_i64().expect("BUG: below 2**61");
    let h = if n.sign() == Sign::Minus { -r } else { r };
    fix_minus_one(h)
}

/// `hash(x)` for a finite or infinite float; `None` for NaN, whose hash
/// depends on the object's address.
pub fn hash_float(x: f64) -> Option<i64> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 { HASH_INF } else { -HASH_INF });
    }
    if x == 0.0 {
        return Some(0);
    }
    // x = mantissa * 2**exp exactly; hash = mantissa * 2**exp mod (2**61 - 1),
    // using 2**61 == 1 (mod P) to reduce the exponent. This is the value
    // `_Py_HashDouble` computes digit by digit.
    let (mantissa, exp) = decompose(x.abs());
    let x_mod = mantissa % MODULUS;
    let e = exp.rem_euclid(HASH_BITS as i32) as u32;
    let shifted = ((x_mod as u128) << e) % (MODULUS as u128);
    let h = shifted as i64;
    Some(fix_minus_one(if x < 0.0 { -h } else { h }))
}

/// `hash(complex(re, im))`; `None` if either part is NaN.
pub fn hash_complex(re: f64, im: f64) -> Option<i64> {
    let hr = hash_float(re)? as u64;
    let hi = hash_float(im)? as u64;
    let combined = hr.wrapping_add(IMAG.wrapping_mul(hi)) as i64;
    Some(fix_minus_one(combined))
}

fn fix_minus_one(h: i64) -> i64 {
    if h == -1 {
        -2
    } else {
        h
    }
}

/// Split a positive finite float into an integer mantissa and a power of two.
fn decompose(x: f64) -> (u64, i32) {
    let bits = x.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if exp_bits == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp_bits - 1075)
    }
}

const XXPRIME_1: u64 = 11400714785074694791;
const XXPRIME_2: u64 = 14029467366897019727;
const XXPRIME_5: u64 = 2870177450012600261;

/// `hash(v)` when CPython's answer is the same in every process. Strings and
/// bytes are salted per process (PYTHONHASHSEED) and `None` hashes by address
/// before Python 3.12, so those give `None`, as do unhashable values.
pub fn stable_hash(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(*b as i64),
        Value::Int(i) => Some(hash_int(i)),
        Value::Float(f) => hash_float(*f),
        Value::Complex(r, i) => hash_complex(*r, *i),
        Value::Tuple(items) => {
            let mut acc = XXPRIME_5;
            for item in items {
                let lane = stable_hash(item)? as u64;
                acc = acc.wrapping_add(lane.wrapping_mul(XXPRIME_2));
                acc = acc.rotate_left(31);
                acc = acc.wrapping_mul(XXPRIME_1);
            }
            acc = acc.wrapping_add((items.len() as u64) ^ (XXPRIME_5 ^ 3527539));
            if acc == u64::MAX {
                return Some(1546275796);
            }
            Some(acc as i64)
        }
        Value::FrozenSet(items) => {
            let mut hash: u64 = 0;
            for item in items {
                hash ^= shuffle_bits(stable_hash(item)? as u64);
            }
            hash ^= ((items.len() as u64) + 1).wrapping_mul(1927868237);
            hash ^= (hash >> 11) ^ (hash >> 25);
            hash = hash.wrapping_mul(69069).wrapping_add(907133923);
            if hash == u64::MAX {
                hash = 590923713;
            }
            Some(hash as i64)
        }
        _ => None,
    }
}

fn shuffle_bits(h: u64) -> u64 {
    ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167)
}

pub const SET_MINSIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

/// The order in which CPython iterates a set built by adding `hashes` one by
/// one to an empty set (`set(iterable)`, `{a, b, c}` evaluated in order, or a
/// set unpickled with ADDITEMS). Elements must already be distinct. Returns
/// indices into `hashes`.
pub fn set_iteration_order(hashes: &[i64]) -> Vec<usize> {
    insertion_order(hashes, |_, _| false, usize::MAX).unwrap_or_default()
}

/// Slots a set of `n` elements may probe while it is built before the
/// building is given up: CPython's own cost is linear unless hashes
/// collide on purpose, which makes it quadratic.
pub fn probe_budget(n: usize) -> usize {
    n.saturating_mul(64).saturating_add(1 << 20)
}

/// [`set_iteration_order`] as `set_add_entry` does it: an element equal
/// (`eq` of two indices, called only for equal hashes) to one already in
/// the table is not added, so the first of equal elements stays, as in
/// CPython. None when more than `budget` slots are probed.
fn insertion_order(
    hashes: &[i64],
    eq: impl Fn(usize, usize) -> bool,
    budget: usize,
) -> Option<Vec<usize>> {
    let mut table: Vec<Option<(usize, u64)>> = vec![None; SET_MINSIZE];
    let mut fill = 0usize;
    let mut probes = 0usize;
    for (idx, &h) in hashes.iter().enumerate() {
        let mask = table.len() - 1;
        let hash = h as u64;
        // Find `h`'s free slot, or an equal element on the way there.
        let mut perturb = hash;
        let mut i = (hash as usize) & mask;
        let slot = 'probe: loop {
            let run = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for (j, entry) in table.iter().enumerate().skip(i).take(run + 1) {
                probes += 1;
                match *entry {
                    None => break 'probe Some(j),
                    Some((other, oh)) if oh == hash && eq(other, idx) => break 'probe None,
                    Some(_) => {}
                }
            }
            if probes > budget {
                return None;
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        };
        let Some(slot) = slot else { continue };
        table[slot] = Some((idx, hash));
        fill += 1;
        if fill * 5 >= mask * 3 {
            let minused = if fill > 50000 { fill * 2 } else { fill * 4 };
            let mut newsize = SET_MINSIZE;
            while newsize <= minused {
                newsize <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; newsize]);
            for (i, hash) in old.into_iter().flatten() {
                probes += insert_clean(&mut table, newsize - 1, i, hash);
            }
            if probes > budget {
                return None;
            }
        }
    }
    Some(table.into_iter().flatten().map(|(i, _)| i).collect())
}

/// `set_insert_clean` / the probe sequence of `set_add_entry` on a table
/// without dummies.
/// Returns the number of slots probed.
fn insert_clean(table: &mut [Option<(usize, u64)>], mask: usize, idx: usize, hash: u64) -> usize {
    let mut perturb = hash;
    let mut i = (hash as usize) & mask;
    let mut probes = 1;
    loop {
        if table[i].is_none() {
            table[i] = Some((idx, hash));
            return probes;
        }
        if i + LINEAR_PROBES <= mask {
            for j in 1..=LINEAR_PROBES {
                probes += 1;
                if table[i + j].is_none() {
                    table[i + j] = Some((idx, hash));
                    return probes;
                }
            }
        }
        probes += 1;
        perturb >>= PERTURB_SHIFT;
        i = (i
            .wrapping_mul(5)
            .wrapping_add(1)
            .wrapping_add(perturb as usize))
            & mask;
    }
}

/// The first element whose hash differs between Python processes: with
/// one, a set's iteration order is not the same in every process (sets of
/// 0 or 1 elements always are).
pub fn unstable_element(items: &[Value]) -> Option<&Value> {
    if items.len() <= 1 {
        return None;
    }
    items.iter().find(|i| stable_hash(i).is_none())
}

/// Table size after adding `n` distinct elements one by one to an empty set.
pub fn insertion_table_size(n: usize) -> usize {
    let mut size = SET_MINSIZE;
    for fill in 1..=n {
        if fill * 5 >= (size - 1) * 3 {
            size = grow(if fill > 50000 { fill * 2 } else { fill * 4 });
        }
    }
    size
}

/// Table size of `set(s)` / `frozenset(s)` for a set `s` of `n` elements:
/// `set_merge` resizes once, up front.
pub fn merge_table_size(n: usize) -> usize {
    if n * 5 >= (SET_MINSIZE - 1) * 3 {
        grow(2 * n)
    } else {
        SET_MINSIZE
    }
}

/// `set_table_resize`: the smallest table larger than `minused`.
fn grow(minused: usize) -> usize {
    let mut size = SET_MINSIZE;
    while size <= minused {
        size <<= 1;
    }
    size
}

/// Distinct elements added one by one to an empty set (a set literal,
/// `set(list)`, unpickling), rearranged into CPython's iteration order.
/// Sets whose order differs between processes are left as given.
pub fn order_by_insertion(items: Vec<Value>) -> Vec<Value> {
    match order_by_insertion_within(items, usize::MAX) {
        Ok(ordered) => ordered,
        Err(items) => items,
    }
}

/// [`order_by_insertion`], dropping elements equal to an earlier one as
/// CPython does, within `budget` probed slots ([`probe_budget`]); the
/// items back unchanged when the budget does not suffice (hashes that
/// collide on purpose).
pub fn order_by_insertion_within(
    items: Vec<Value>,
    budget: usize,
) -> Result<Vec<Value>, Vec<Value>> {
    let Some(hashes) = items.iter().map(stable_hash).collect::<Option<Vec<i64>>>() else {
        return Ok(items);
    };
    match insertion_order(&hashes, |a, b| items[a].py_eq(&items[b]), budget) {
        Some(order) => Ok(reorder(items, &order)),
        None => Err(items),
    }
}

/// `set(s)` / `frozenset(s)` of a set `s` given in its iteration order with
/// a table of `source_table` slots: `set_merge` copies the table as it is
/// when the sizes agree, and otherwise re-inserts in `s`'s order.
pub fn order_by_merge(items: Vec<Value>, source_table: usize) -> Vec<Value> {
    let size = merge_table_size(items.len());
    if size == source_table {
        return items;
    }
    let Some(hashes) = items.iter().map(stable_hash).collect::<Option<Vec<i64>>>() else {
        return items;
    };
    let mut table: Vec<Option<(usize, u64)>> = vec![None; size];
    for (i, &h) in hashes.iter().enumerate() {
        let _ = insert_clean(&mut table, size - 1, i, h as u64);
    }
    let order: Vec<usize> = table.into_iter().flatten().map(|(i, _)| i).collect();
    reorder(items, &order)
}

fn reorder(items: Vec<Value>, order: &[usize]) -> Vec<Value> {
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are CPython 3.11's `hash()`.
    #[test]
    fn float_hashes_match_cpython() {
        assert_eq!(hash_float(1.5), Some(1152921504606846977));
        assert_eq!(hash_float(-1.0), Some(-2));
        assert_eq!(hash_float(2.0), Some(2));
        assert_eq!(hash_float(0.1), Some(230584300921369408));
        assert_eq!(hash_float(1e300), Some(1224995262755759164));
        assert_eq!(hash_float(5e-324), Some(16777216));
        assert_eq!(hash_float(f64::INFINITY), Some(314159));
        assert_eq!(hash_float(-0.0), Some(0));
    }

    #[test]
    fn int_hash_wraps_at_modulus() {
        assert_eq!(hash_int(&BigInt::from(-1)), -2);
        assert_eq!(hash_int(&BigInt::from(MODULUS)), 0);
        assert_eq!(hash_int(&(BigInt::from(MODULUS) + 5)), 5);
        assert_eq!(hash_int(&-(BigInt::from(MODULUS) + BigInt::from(1))), -2);
    }

    #[test]
    fn complex_and_tuple_hashes_match_cpython() {
        assert_eq!(hash_complex(1.0, 2.0), Some(2000007));
        assert_eq!(
            stable_hash(&Value::Tuple(vec![Value::int(1), Value::int(2)])),
            Some(-3550055125485641917)
        );
        assert_eq!(
            stable_hash(&Value::Tuple(vec![])),
            Some(5740354900026072187)
        );
    }

    #[test]
    fn small_int_sets_iterate_in_slot_order() {
        assert_eq!(set_iteration_order(&[3, 1, 2]), vec![1, 2, 0]);
        // 8 and 0 collide in an 8-slot table: 0 probes linearly to slot 1.
        assert_eq!(set_iteration_order(&[8, 0, 1]), vec![0, 1, 2]);
        assert_eq!(set_iteration_order(&[0, 8, 1]), vec![0, 1, 2]);
        // frozenset({1.9e18, -36047929960731323106, 7+0j}) keeps the inner
        // set's layout (same table size), as CPython's set_merge does.
        let inner = order_by_insertion(vec![
            Value::Float(1.9359690606043287e18),
            Value::Int("-36047929960731323106".parse().expect("int")),
            Value::Complex(7.0, 0.0),
        ]);
        assert_eq!(inner[1], Value::Complex(7.0, 0.0));
        assert_eq!(
            order_by_merge(inner.clone(), insertion_table_size(3)),
            inner
        );
        assert_eq!(insertion_table_size(5), 32);
        assert_eq!(merge_table_size(5), 16);
        assert_eq!(
            stable_hash(&Value::FrozenSet(vec![Value::int(1), Value::int(2)])),
            Some(-1826646154956904602)
        );
    }

    /// Issue #15, H3: elements equal to an earlier one are dropped as
    /// CPython's `set_add_entry` does (a set of 200,000 equal ints took
    /// minutes), and hashes that collide on purpose stop within a budget.
    #[test]
    fn sets_drop_equal_elements_and_bound_collisions() {
        let ints = |v: &[i64]| v.iter().map(|&i| Value::int(i)).collect::<Vec<_>>();
        let mut items = ints(&[3, 1, 3, 2]);
        items.push(Value::Float(1.0));
        items.push(Value::Bool(true));
        // {3, 1, 3, 2, 1.0, True} is {1, 2, 3}: the int 1 stays.
        assert_eq!(order_by_insertion(items), ints(&[1, 2, 3]));
        let equal = vec![Value::int(7); 200_000];
        let start = std::time::Instant::now();
        assert_eq!(order_by_insertion(equal), ints(&[7]));
        assert!(start.elapsed().as_secs() < 5);
        // Distinct ints of one hash: k * (2**61 - 1) all hash to 0.
        let colliding: Vec<Value> = (1..=20_000i64)
            .map(|k| Value::Int(BigInt::from(k) * BigInt::from(MODULUS)))
            .collect();
        let start = std::time::Instant::now();
        let budget = probe_budget(colliding.len());
        assert!(order_by_insertion_within(colliding, budget).is_err());
        assert!(start.elapsed().as_secs() < 5);
    }
}
