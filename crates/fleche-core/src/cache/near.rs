//! The stored calls nearest a call that is not stored (`fleche why`).

use super::Cache;
use crate::store::near::filters;
use crate::store::{CallRecord, ListOptions, NearQuery, SortKey};
use std::collections::HashSet;
use std::ops::ControlFlow;

impl Cache {
    /// The stored calls worth comparing with `q` (see
    /// [`crate::store::near`]), each once, in the order its criteria find
    /// them (no value is decoded). A SQLite cache of one member answers in
    /// one statement; others ask each criterion as a listing.
    pub fn near_calls(&self, q: &NearQuery) -> crate::Result<Vec<CallRecord>> {
        if let [member] = self.members.as_slice() {
            if let Some(records) = member.calls.near(q)? {
                return Ok(records);
            }
        }
        self.near_by_filters(q)
    }

    /// [`Self::near_calls`] one criterion at a time, through [`Cache::list`].
    fn near_by_filters(&self, q: &NearQuery) -> crate::Result<Vec<CallRecord>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (filter, limit) in filters(q) {
            let opts = ListOptions {
                filter,
                sort: SortKey::Key,
                limit: Some(limit),
                ..ListOptions::default()
            };
            self.list(&opts, |_, rec| {
                if seen.insert(rec.key.clone()) {
                    out.push(rec);
                }
                ControlFlow::Continue(())
            })?;
        }
        Ok(out)
    }
}
