//! `DataFrame.to_csv()` / `Series.to_csv()`.

use crate::value::Object;

/// The CSV pandas writes for `o`, or None when it is no frame or series.
pub fn to_csv(_o: &Object) -> Option<String> {
    None
}
