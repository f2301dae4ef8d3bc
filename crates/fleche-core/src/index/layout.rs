//! How a SQLite database's tables lie for a merged listing (see
//! `store::sql::merge`), remembered: finding out is a pass over every row
//! of the three tables, a third of a full listing's work, and its answer
//! (one byte) holds for as long as the database is unchanged.

use super::{event, load, place, save, Header, Pending, Reader, Stamp};
use std::path::{Path, PathBuf};

/// The layouts of one database, one file per listing order.
#[derive(Debug, Default)]
pub(crate) struct LayoutIndex {
    dir: Option<PathBuf>,
    db: PathBuf,
}

impl LayoutIndex {
    pub(crate) fn new(dir: Option<PathBuf>, db: &Path) -> LayoutIndex {
        LayoutIndex {
            dir,
            db: db.to_path_buf(),
        }
    }

    fn place(&self, order: &str) -> Option<(String, PathBuf)> {
        place(self.dir.as_ref(), "layout", Some(order), &self.db)
    }

    /// The answer kept for `order` (a runtime field, a direction, with the
    /// arguments or without), if the database is still in the state it
    /// was found in.
    pub(crate) fn known(&self, order: &str) -> Option<u8> {
        let (identity, path) = self.place(order)?;
        let current = Stamp::of_sqlite(&self.db)?;
        let bytes = load(&path)?;
        let mut r = Reader::new(&bytes);
        let header = Header::read(&mut r)?;
        if !header.current(&identity, &current) {
            event(format!("stale {}", path.display()));
            return None;
        }
        let answer = *r.take(1)?.first()?;
        if r.position() != bytes.len() {
            event(format!("damaged {}", path.display()));
            return None;
        }
        event(format!("used {}", path.display()));
        Some(answer)
    }

    /// Call just before the tables are read: the database's state then,
    /// if it is settled (an answer is kept whenever it is found: it is one
    /// byte, cheap to write).
    pub(crate) fn before_check(&self, order: &str) -> Option<Pending> {
        let (identity, file) = self.place(order)?;
        Pending::before(identity, file, &self.db, Stamp::of_sqlite)
    }

    /// Keep `answer`, found by a check begun after [`Self::before_check`],
    /// unless the database changed meanwhile.
    pub(crate) fn save(&self, pending: Pending, answer: u8) {
        if Stamp::of_sqlite(&self.db) != Some(pending.header.stamp) {
            return;
        }
        let mut out = Vec::with_capacity(256);
        pending.header.write(&mut out);
        out.push(answer);
        save(&pending.file, out);
    }
}
