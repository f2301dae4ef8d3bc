//! The stored calls worth comparing with a call that is not stored (`fleche
//! why`): calls of the same name (in any module) with all the arguments
//! given, with each one of them, with none of them; and calls of other
//! names sharing an argument's name and value (a renamed function). Each
//! criterion reads a bounded number of calls, the first by key, so that a
//! common name or value costs no more than a rare one.
//!
//! [`criteria`] says it as filters, which every store answers; the SQLite
//! store answers all of them in one statement (`sql/near.rs`), with the
//! same calls in the same order.

use super::CallFilter;

/// How many calls (the first by key) each criterion reads. The calls of
/// the name sharing no argument given are only a last resort; a few calls
/// sharing a value tell a renamed function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NearLimits {
    /// Same name, every argument given.
    pub all: u64,
    /// Same name, one of the arguments (with more than one given).
    pub per_argument: u64,
    /// Same name, whatever the arguments.
    pub same_name: u64,
    /// Any name, one of the arguments.
    pub other_names: u64,
}

impl Default for NearLimits {
    fn default() -> NearLimits {
        NearLimits {
            all: 1_000,
            per_argument: 250,
            same_name: 50,
            other_names: 100,
        }
    }
}

/// A call asked about: its function's name and its arguments as (name,
/// value digest).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NearQuery {
    pub name: String,
    pub arguments: Vec<(String, String)>,
    pub limits: NearLimits,
}

/// The criteria as filters any store answers, each with its limit, in
/// the order the calls they find are taken (a call found again later
/// keeps its first place).
pub(crate) fn filters(q: &NearQuery) -> Vec<(CallFilter, u64)> {
    let l = q.limits;
    let arg = |a: &(String, String)| (a.0.clone(), Some(a.1.clone()));
    let named = |arguments| CallFilter {
        name: Some(q.name.clone()),
        arguments,
        ..CallFilter::default()
    };
    let mut out = vec![(named(q.arguments.iter().map(arg).collect()), l.all)];
    // With one argument that is the same filter as the one above.
    if q.arguments.len() > 1 {
        for a in &q.arguments {
            out.push((named(vec![arg(a)]), l.per_argument));
        }
    }
    out.push((named(Vec::new()), l.same_name));
    for a in &q.arguments {
        let other_names = CallFilter {
            arguments: vec![arg(a)],
            ..CallFilter::default()
        };
        out.push((other_names, l.other_names));
    }
    out
}

/// Most arguments [`criteria`] can say (a bit each in a SQLite integer).
pub(crate) const MAX_MASKED: usize = 62;

/// One of [`filters`] as the SQLite store asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Criterion {
    /// Same name, with every argument whose bit is set in `mask` (none:
    /// any call of the name).
    SameName { mask: u64, limit: u64 },
    /// Any name, with argument `index`.
    Sharing { index: usize, limit: u64 },
}

/// [`filters`] as criteria on a bit mask of the arguments each call
/// shares, in the same order; None with more than [`MAX_MASKED`]
/// arguments.
pub(crate) fn criteria(q: &NearQuery) -> Option<Vec<Criterion>> {
    let n = q.arguments.len();
    if n > MAX_MASKED {
        return None;
    }
    let l = q.limits;
    let mut out = vec![Criterion::SameName {
        mask: (1u64 << n) - 1,
        limit: l.all,
    }];
    if n > 1 {
        for i in 0..n {
            out.push(Criterion::SameName {
                mask: 1 << i,
                limit: l.per_argument,
            });
        }
    }
    out.push(Criterion::SameName {
        mask: 0,
        limit: l.same_name,
    });
    for index in 0..n {
        out.push(Criterion::Sharing {
            index,
            limit: l.other_names,
        });
    }
    Some(out)
}
