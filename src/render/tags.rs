//! What `tag` and `untag` changed (or would change).

use super::plural;
use crate::context::Context;
use crate::output::{Emitter, Format, Row};
use fleche_core::cache::TagChange;
use fleche_core::Cache;
use serde_json::{json, Map, Value as Json};
use std::io;

/// A call's tags as Python's `repr` shows the dict (`{'name': 'Zoë'}`),
/// `-` for none.
fn tags_repr(tags: &Option<Map<String, Json>>) -> String {
    match tags {
        None => "-".into(),
        Some(t) => super::json_repr(&Json::Object(t.clone())),
    }
}

/// The tags each call had and has (or would have), and a summary line on
/// stderr; calls already as asked are only counted.
pub fn tag_changes(
    ctx: &Context,
    cache: &Cache,
    changes: &[TagChange],
    dry_run: bool,
    format: Format,
) -> anyhow::Result<()> {
    let color = format == Format::Table && ctx.color();
    let mut emitter = Emitter::new(format, io::stdout().lock(), vec!["key", "before", "after"])?;
    let changed: Vec<&TagChange> = changes.iter().filter(|c| c.changed()).collect();
    let keys: Vec<&str> = changed.iter().map(|c| c.key.as_str()).collect();
    let shown = if format == Format::Table {
        ctx.short_keys(cache, &keys, color)?
    } else {
        keys.iter().map(|k| k.to_string()).collect()
    };
    for (c, key) in changed.iter().zip(shown) {
        emitter.row(Row {
            cells: vec![key, tags_repr(&c.before), tags_repr(&c.after)],
            json: json!({"key": c.key, "before": c.before, "after": c.after, "dry_run": dry_run}),
        })?;
    }
    emitter.finish()?;
    let changed = changed.len();
    let same = changes.len() - changed;
    let verb = if dry_run { "Would change" } else { "Changed" };
    let mut line = format!("{verb} the tags of {changed} call{}", plural(changed));
    if same > 0 {
        line.push_str(&format!("; {same} already as asked"));
    }
    say!("{line}");
    Ok(())
}
