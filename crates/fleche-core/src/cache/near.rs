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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NearLimits;
    use crate::Locator;
    use std::path::{Path, PathBuf};

    fn open(root: &Path) -> Cache {
        Locator {
            root: Some(root.to_path_buf()),
            cwd: root.to_path_buf(),
            ..Default::default()
        }
        .open()
        .expect("open the cache")
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(name)
            .join(".fleche")
    }

    /// Bounds that bind on small caches, and the default ones.
    fn limits() -> Vec<NearLimits> {
        let l = |all, per_argument, same_name, other_names| NearLimits {
            all,
            per_argument,
            same_name,
            other_names,
        };
        vec![
            NearLimits::default(),
            l(1, 1, 1, 1),
            l(3, 2, 2, 1),
            l(2, 3, 1, 4),
        ]
    }

    /// The single statement gives exactly the calls, in exactly the order,
    /// of the criteria asked one by one (what `why` ranks, ties kept in
    /// this order): checked for every query made of stored names and
    /// arguments, their subsets, other digests and unknown names.
    fn same_as_by_filters(cache: &Cache, queries: &[NearQuery]) -> usize {
        let [member] = cache.members() else {
            panic!("one member")
        };
        let mut bounded = 0;
        for q in queries {
            let mut unbounded = None;
            for limits in limits() {
                let q = NearQuery {
                    limits,
                    ..q.clone()
                };
                let one = member
                    .calls
                    .near(&q)
                    .expect("one statement")
                    .expect("SQLite answers in one statement");
                let by_filters = cache.near_by_filters(&q).expect("by filters");
                let keys = |r: &[CallRecord]| r.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
                assert_eq!(keys(&one), keys(&by_filters), "{q:?}");
                assert_eq!(one, by_filters, "{q:?}");
                let n = *unbounded.get_or_insert(one.len());
                bounded += usize::from(one.len() < n);
            }
        }
        bounded
    }

    /// Queries from the stored calls: each call's name with all, each and
    /// none of its arguments, with one digest changed, under an unknown
    /// name, and an unknown name with no arguments.
    fn queries_of(cache: &Cache) -> Vec<NearQuery> {
        let mut recs = Vec::new();
        cache
            .list(&ListOptions::default(), |_, r| {
                recs.push(r);
                ControlFlow::Continue(())
            })
            .expect("list");
        let q = |name: &str, arguments: Vec<(String, String)>| NearQuery {
            name: name.to_string(),
            arguments,
            ..NearQuery::default()
        };
        let mut out = vec![q("no_such_function", Vec::new())];
        for r in &recs {
            let args = r.arguments.clone();
            out.push(q(&r.name, args.clone()));
            out.push(q("no_such_function", args.clone()));
            out.push(q(&r.name, Vec::new()));
            for (i, a) in args.iter().enumerate() {
                out.push(q(&r.name, vec![a.clone()]));
                let mut changed = args.clone();
                changed[i].1 = "0".repeat(64);
                out.push(q(&r.name, changed));
                let mut reversed = args.clone();
                reversed.reverse();
                out.push(q(&r.name, reversed));
            }
        }
        out
    }

    #[test]
    fn one_statement_finds_what_the_criteria_find_on_the_fixtures() {
        for name in ["why", "getting-started", "fleche010-sql", "signed-gzip"] {
            let cache = open(&fixture(name));
            same_as_by_filters(&cache, &queries_of(&cache));
        }
    }

    /// A generated cache where the bounds bind: three names over 600 calls,
    /// arguments from a few names and values, so that many calls share
    /// each (name, value) and each criterion finds more than it keeps.
    #[test]
    fn one_statement_finds_what_the_criteria_find_where_bounds_bind() {
        /// Removed however the test ends.
        struct Scratch(PathBuf);
        impl Drop for Scratch {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let scratch =
            Scratch(std::env::temp_dir().join(format!("fleche-near-{}", std::process::id())));
        let dir = &scratch.0;
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("values")).expect("mkdir");
        let schema: Vec<String> = {
            // Immutable: a read-only connection would leave `-wal` and
            // `-shm` files beside the committed fixture.
            let uri = format!(
                "file:{}?immutable=1",
                fixture("why").join("calls.db").display()
            );
            let src = rusqlite::Connection::open_with_flags(
                uri,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
            )
            .expect("fixture db");
            let mut stmt = src
                .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
                .expect("schema");
            let rows = stmt.query_map([], |r| r.get(0)).expect("schema rows");
            rows.collect::<Result<_, _>>().expect("schema text")
        };
        let mut rng = fastrand::Rng::with_seed(18);
        {
            let mut db = rusqlite::Connection::open(dir.join("calls.db")).expect("new db");
            for sql in &schema {
                db.execute(sql, []).expect("create");
            }
            let tx = db.transaction().expect("tx");
            let digest = |i: u32| format!("{i:064x}");
            for n in 0..600u32 {
                let key = format!("{:016x}{:048x}", rng.u64(..), n);
                let name = ["f", "g", "h"][rng.usize(..3)];
                let module = ["m", "__main__"][rng.usize(..2)];
                tx.execute(
                    "INSERT INTO calls (key, name, module, version, code_digest, result) \
                     VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
                    rusqlite::params![key, name, module, digest(100)],
                )
                .expect("call");
                for (pos, arg) in ["x", "y", "z"].iter().enumerate() {
                    if rng.u8(..4) == 0 {
                        continue;
                    }
                    tx.execute(
                        "INSERT INTO arguments (call_key, position, name, value) \
                         VALUES (?1, ?2, ?3, ?4)",
                        rusqlite::params![key, pos as i64, arg, digest(rng.u32(..4))],
                    )
                    .expect("argument");
                }
                let runtime = format!("{{\"timestart\": {}.5}}", rng.u32(..1_000_000));
                tx.execute(
                    "INSERT INTO metadata (call_key, name, data) VALUES (?1, 'runtime', ?2)",
                    rusqlite::params![key, runtime],
                )
                .expect("metadata");
            }
            tx.commit().expect("commit");
        }
        let cache = open(dir);
        let mut queries = queries_of(&cache);
        queries.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        queries.dedup();
        // A spread of them (the debug build asks each 8 times).
        let step = queries.len() / 150 + 1;
        let queries: Vec<NearQuery> = queries.into_iter().step_by(step).collect();
        let bounded = same_as_by_filters(&cache, &queries);
        // The bounds decided what was found, in many queries.
        assert!(bounded > queries.len(), "{bounded} of {}", queries.len());
        // More arguments than bits: asked filter by filter.
        let mut many = queries[queries.len() / 2].clone();
        many.arguments
            .extend((0..63).map(|i| (format!("p{i}"), format!("{i:064x}"))));
        assert!(cache.members()[0]
            .calls
            .near(&many)
            .expect("near")
            .is_none());
        assert_eq!(
            cache.near_calls(&many).expect("near calls"),
            cache.near_by_filters(&many).expect("by filters")
        );
    }
}
