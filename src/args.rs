//! Arguments several verbs share — which calls (`SelectArgs`,
//! `WriteSelect`), their order (`ListArgs`) — and the readers of what is
//! typed into them: Python literals, `@PREFIX`, versions, ages, stdin.

use crate::context::Context;
use crate::error::CliError;
use crate::output::Format;
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::cache::Writer;
use fleche_core::literal::{self, Term};
use fleche_core::prefix::Kind;
use fleche_core::store::{
    json_from_value, python_json_dumps_str, CallFilter, CallRecord, ListOptions, MetaFilter,
    SortKey,
};
use fleche_core::{digest, Cache, Value};
use std::ffi::OsString;
use std::io::{self, BufRead};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    /// Start time, newest first.
    Started,
    /// Stop time, newest first.
    Stopped,
    /// Function name, A to Z.
    Name,
    /// Wall time, longest first.
    Walltime,
    /// Call key.
    Key,
}

/// Ordering and paging shared by `ls` and `query`.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Show at most N calls.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
    /// Order of the rows.
    #[arg(long, value_enum, default_value_t = Sort::Started)]
    pub sort: Sort,
    /// Reverse the order.
    #[arg(long, short = 'r')]
    pub reverse: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl ListArgs {
    pub fn options(&self, filter: CallFilter) -> ListOptions {
        ListOptions {
            filter,
            sort: match self.sort {
                Sort::Started => SortKey::Started,
                Sort::Stopped => SortKey::Stopped,
                Sort::Name => SortKey::Name,
                Sort::Walltime => SortKey::Walltime,
                Sort::Key => SortKey::Key,
            },
            reverse: self.reverse,
            limit: self.limit,
            ..ListOptions::default()
        }
    }
}

#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Calls named NAME (the function's qualified name, e.g. `fib`, `MyClass.compute`).
    #[arg(long, value_name = "NAME", help_heading = "Select")]
    pub name: Option<String>,
    /// Calls from MODULE.
    #[arg(long, value_name = "MODULE", help_heading = "Select")]
    pub module: Option<String>,
    /// Calls of this version: an int when it looks like one, else a string ('"3"' for the string 3).
    #[arg(
        long,
        value_name = "VERSION",
        help_heading = "Select",
        allow_hyphen_values = true
    )]
    pub version: Option<String>,
    /// Calls whose function has this code digest.
    #[arg(long, value_name = "DIGEST", help_heading = "Select")]
    pub code_digest: Option<String>,
    /// NAME=VALUE: an argument equal to VALUE (a Python literal, or @PREFIX of a stored value); NAME alone: has that argument.
    #[arg(
        long = "arg",
        value_name = "NAME[=VALUE]",
        help_heading = "Select",
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
    /// Calls whose result equals VALUE (a Python literal or @PREFIX).
    #[arg(
        long,
        value_name = "VALUE",
        help_heading = "Select",
        allow_hyphen_values = true
    )]
    pub result: Option<String>,
    /// KIND: has that metadata; KIND.KEY: has that key; KIND.KEY=VALUE: equal (1, 1.0 and True are equal; '1' is not).
    #[arg(
        long = "meta",
        value_name = "KIND[.KEY[=VALUE]]",
        help_heading = "Select",
        allow_hyphen_values = true
    )]
    pub meta: Vec<String>,
    /// KEY[=VALUE]: short for --meta tags.KEY[=VALUE].
    #[arg(
        long = "tag",
        value_name = "KEY[=VALUE]",
        help_heading = "Select",
        allow_hyphen_values = true
    )]
    pub tags: Vec<String>,
    /// Calls started at or after WHEN: a date (2026-11-28, 2026-11-28T14:00) or an age (30m, 2h, 3d, 1w).
    #[arg(long, value_name = "WHEN", help_heading = "Select")]
    pub since: Option<String>,
    /// Calls started at or before WHEN (same forms as --since).
    #[arg(long, value_name = "WHEN", help_heading = "Select")]
    pub until: Option<String>,
}

/// `--version`: an int when it reads as one, else the text as a string; a
/// quoted literal gives exactly the string inside.
pub fn parse_version(text: &str) -> Result<Value> {
    let trimmed = text.trim();
    if trimmed.starts_with('\'') || trimmed.starts_with('"') {
        return match literal::parse(trimmed) {
            Ok(v @ Value::Str(_)) => Ok(v),
            _ => Err(
                CliError::usage(format!("--version `{text}` is neither an int nor a string"))
                    .into(),
            ),
        };
    }
    match literal::parse(trimmed) {
        Ok(v @ Value::Int(_)) => Ok(v),
        _ => Ok(Value::Str(text.to_string())),
    }
}

/// The stored form of a version: `json.dumps(version)`.
pub fn version_json(v: &Value) -> String {
    match v {
        Value::Str(s) => python_json_dumps_str(s),
        other => fleche_core::repr::repr(other),
    }
}

/// A metadata value (a tag, a `--meta` comparison): a Python literal that
/// JSON can hold, so never a stored value (`@PREFIX`).
pub fn parse_metadata_literal(what: &str, text: &str) -> Result<Value> {
    match literal::parse_term(text).map_err(|e| bad_literal(what, text, &e))? {
        Term::Value(v) => Ok(v),
        Term::Stored(_) => Err(CliError::usage(format!(
            "{what}: metadata is JSON and cannot hold a `fleche.digest.Digest`"
        ))
        .into()),
    }
}

/// A metadata value as the JSON fleche stores; what JSON cannot hold is
/// named (nan and inf, not "a float").
pub fn metadata_json(label: &str, v: &Value) -> Result<serde_json::Value> {
    fn non_finite(v: &Value) -> Option<f64> {
        match v {
            Value::Float(f) if !f.is_finite() => Some(*f),
            Value::List(items) | Value::Tuple(items) => items.iter().find_map(non_finite),
            Value::Dict(items) => items.iter().find_map(|(_, v)| non_finite(v)),
            _ => None,
        }
    }
    if let Some(f) = non_finite(v) {
        let name = fleche_core::repr::float_repr(f);
        return Err(CliError::usage(format!(
            "{label}: metadata is JSON, which cannot hold {name} (only finite floats)"
        ))
        .with_hint("write it as a string instead, e.g. 'nan'")
        .into());
    }
    json_from_value(v).map_err(|e| CliError::usage(format!("{label}: {e}")).into())
}

/// A literal that cannot be read; `what` names where it was typed, if
/// anywhere in particular.
pub fn bad_literal(what: &str, text: &str, e: &literal::ParseError) -> CliError {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    };
    CliError::usage(format!("{what}cannot read `{text}` as a value: {e}"))
        .with_hint("write Python literals, e.g. 100, 'text', [1, 2]; quote strings with spaces")
}

/// The digest a value filter compares with; `@PREFIX` is expanded among
/// the stored values.
fn value_digest(cache: &Cache, what: &str, text: &str) -> Result<String> {
    let term = literal::parse_term(text).map_err(|e| bad_literal(what, text, &e))?;
    match term {
        Term::Stored(prefix) => Ok(cache.resolve_value(&prefix)?),
        Term::Value(value) => {
            digest_value(&value).map_err(|e| CliError::usage(format!("{what}: {e}")).into())
        }
    }
}

/// fleche's digest of a typed value, or why it has none, said precisely.
pub fn digest_value(value: &Value) -> std::result::Result<String, String> {
    digest(value).map_err(|e| match e {
        // The core names the element's type; a float (or a tuple or
        // complex holding one) is unstable only as NaN.
        digest::DigestError::UnstableSetOrder(_) if holds_unordered_nan(value) => {
            "cannot digest a set holding nan with other elements: a nan's hash is its address in memory, so the set's order, and fleche's digest of it, changes from one run to the next".to_string()
        }
        other => other.to_string(),
    })
}

/// Whether a set somewhere in `v` holds a NaN (alone or in a tuple) next to
/// other elements.
fn holds_unordered_nan(v: &Value) -> bool {
    fn is_nan(v: &Value) -> bool {
        match v {
            Value::Float(f) => f.is_nan(),
            Value::Complex(re, im) => re.is_nan() || im.is_nan(),
            Value::Tuple(items) => items.iter().any(is_nan),
            _ => false,
        }
    }
    match v {
        Value::Set(items) | Value::FrozenSet(items) => {
            (items.len() > 1 && items.iter().any(is_nan)) || items.iter().any(holds_unordered_nan)
        }
        Value::List(items) | Value::Tuple(items) => items.iter().any(holds_unordered_nan),
        Value::Dict(items) => items
            .iter()
            .any(|(k, v)| holds_unordered_nan(k) || holds_unordered_nan(v)),
        _ => false,
    }
}

/// An argument name must be there: fleche's arguments are Python names.
pub fn check_argument_name(name: &str, spec: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(
            CliError::usage(format!("`{spec}`: the argument name before `=` is empty"))
                .with_hint("write NAME=VALUE, e.g. x=100")
                .into(),
        );
    }
    Ok(())
}

fn meta_filter(spec: &str, what: &str) -> Result<MetaFilter> {
    let shown = |path: &str| {
        if what == "--tag" {
            path.trim_start_matches("tags.").to_string()
        } else {
            path.to_string()
        }
    };
    let (path, value) = match spec.split_once('=') {
        Some((p, v)) => (p, Some(v)),
        None => (spec, None),
    };
    let (kind, key) = match path.split_once('.') {
        Some((k, key)) => (k.trim(), Some(key.trim())),
        None => (path.trim(), None),
    };
    if kind.is_empty() || key.is_some_and(str::is_empty) {
        return Err(CliError::usage(format!(
            "{what} `{spec}`: expected KIND, KIND.KEY or KIND.KEY=VALUE"
        ))
        .into());
    }
    Ok(match (key, value) {
        (None, None) => MetaFilter::Has { kind: kind.into() },
        (Some(key), None) => MetaFilter::HasKey {
            kind: kind.into(),
            key: key.into(),
        },
        (Some(key), Some(text)) => {
            let label = format!("{what} {}", shown(path));
            let v = parse_metadata_literal(&label, text)?;
            if matches!(&v, Value::Int(i) if i64::try_from(i).is_err()) {
                say!(
                    "Note: {label}: fleche's own query raises OverflowError for an int beyond 64 bits; this compares exactly, as Python's == does"
                );
            }
            MetaFilter::Equals {
                kind: kind.into(),
                key: key.into(),
                value: metadata_json(&label, &v)?,
            }
        }
        (None, Some(_)) => {
            return Err(CliError::usage(format!(
                "{what} `{spec}`: a value needs a key, as in tags.project=x"
            ))
            .into())
        }
    })
}

impl SelectArgs {
    pub fn filter(&self, cache: &Cache) -> Result<CallFilter> {
        let mut f = CallFilter {
            name: self.name.clone(),
            module: self.module.clone(),
            code_digest: self.code_digest.clone(),
            ..Default::default()
        };
        if let Some(v) = &self.version {
            f.version_json = Some(version_json(&parse_version(v)?));
        }
        for spec in &self.args {
            let (name, text) = match spec.split_once('=') {
                Some((name, text)) => (name, Some(text)),
                None => (spec.as_str(), None),
            };
            check_argument_name(name, &format!("--arg {spec}"))?;
            let name = name.trim();
            let d = text
                .map(|text| value_digest(cache, &format!("--arg {name}"), text))
                .transpose()?;
            f.arguments.push((name.to_string(), d));
        }
        if let Some(text) = &self.result {
            f.result = Some(value_digest(cache, "--result", text)?);
        }
        for spec in &self.meta {
            f.metadata.push(meta_filter(spec, "--meta")?);
        }
        for spec in &self.tags {
            f.metadata
                .push(meta_filter(&format!("tags.{spec}"), "--tag")?);
        }
        let now = jiff::Timestamp::now();
        if let Some(s) = &self.since {
            f.since = Some(
                crate::time::parse_when(s, now)
                    .map_err(|e| CliError::usage(format!("--since: {e}")))?,
            );
        }
        if let Some(s) = &self.until {
            f.until = Some(
                crate::time::parse_when(s, now)
                    .map_err(|e| CliError::usage(format!("--until: {e}")))?,
            );
        }
        Ok(f)
    }
}

impl SelectArgs {
    /// When nothing matched: for each `--arg NAME=nan` (or `inf`, typed
    /// bare, which reads as the float) that would match calls as the
    /// string, a hint saying so and how to write the string.
    pub fn string_hints(&self, cache: &Cache, filter: &CallFilter) -> Result<Vec<String>> {
        let mut hints = Vec::new();
        for (i, spec) in self.args.iter().enumerate() {
            let Some((name, text)) = spec.split_once('=') else {
                continue;
            };
            let word = text.trim();
            let unsigned = word.trim_start_matches(['+', '-']).to_ascii_lowercase();
            if !matches!(unsigned.as_str(), "nan" | "inf" | "infinity") {
                continue;
            }
            let mut as_string = filter.clone();
            let Some(slot) = as_string.arguments.get_mut(i) else {
                continue;
            };
            slot.1 = Some(digest(&Value::Str(word.to_string()))?);
            let n = cache.count(&as_string)?;
            if n > 0 {
                let name = name.trim();
                let calls = if n == 1 {
                    "1 call matches".to_string()
                } else {
                    format!("{n} calls match")
                };
                hints.push(format!(
                    "--arg {name}={word} is the float {word}; {calls} the string: --arg \"{name}='{word}'\""
                ));
            }
        }
        Ok(hints)
    }
}

/// What a write command's arguments select.
pub struct Selection {
    /// The filter, with every named call among its keys.
    pub filter: CallFilter,
    /// Each named call as typed, with its full key.
    pub named: Vec<(String, String)>,
}

/// Which calls a write command changes: call prefixes, the query filters,
/// or `--all`; never everything by accident.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteSelect {
    /// Calls by (short) key.
    #[arg(value_name = "CALL")]
    pub prefixes: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Select every call in the cache.
    #[arg(long, help_heading = "Select", conflicts_with = "prefixes")]
    pub all: bool,
}

impl WriteSelect {
    fn has_filters(&self) -> bool {
        let s = &self.select;
        s.name.is_some()
            || s.module.is_some()
            || s.version.is_some()
            || s.code_digest.is_some()
            || !s.args.is_empty()
            || s.result.is_some()
            || !s.meta.is_empty()
            || !s.tags.is_empty()
            || s.since.is_some()
            || s.until.is_some()
    }

    /// The filter that selects the calls (named calls among its keys), and
    /// each named call as typed with its full key. Named calls that are no
    /// calls are an error; `None` when calls were named (on stdin) but none
    /// given, which selects nothing.
    pub fn selection(&self, cache: &Cache, verb: &str) -> Result<Option<Selection>> {
        if self.prefixes.is_empty() && !self.has_filters() && !self.all {
            return Err(CliError::usage(format!("{verb} needs calls to act on"))
                .with_hint(format!(
                    "name calls by key prefix, select them with filters such as --name or --tag, or pass --all (see `fleche {verb} --help`)"
                ))
                .into());
        }
        let mut filter = self.select.filter(cache)?;
        let mut named = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for text in with_stdin(&self.prefixes, true)? {
            if !seen.insert(text.clone()) {
                continue;
            }
            let found = cache.resolve(&text)?;
            if !found.kinds.contains(&Kind::Call) {
                return Err(
                    CliError::not_found(format!("`{text}` is not a call in this cache"))
                        .with_hint("`fleche show` tells calls and values apart")
                        .into(),
                );
            }
            filter.keys.push(found.key.clone());
            named.push((text, found.key));
        }
        if !self.prefixes.is_empty() && named.is_empty() {
            return Ok(None);
        }
        Ok(Some(Selection { filter, named }))
    }

    /// The full keys of the selected calls of the member `writer` changes,
    /// sorted; prefixes are expanded in the whole cache.
    pub fn keys(&self, cache: &Cache, writer: &Writer, verb: &str) -> Result<Vec<String>> {
        match self.writer_filter(cache, writer, verb)? {
            Some(filter) => Ok(writer.member().select_keys(&filter)?),
            None => Ok(Vec::new()),
        }
    }

    /// The records of [`Self::keys`], read in one pass, sorted by key.
    pub fn records(&self, cache: &Cache, writer: &Writer, verb: &str) -> Result<Vec<CallRecord>> {
        match self.writer_filter(cache, writer, verb)? {
            Some(filter) => {
                let mut records = writer.member().select(&filter)?;
                records.sort_by(|a, b| a.key.cmp(&b.key));
                Ok(records)
            }
            None => Ok(Vec::new()),
        }
    }

    /// The selection's filter, once every named call is known to be in the
    /// member `writer` changes.
    fn writer_filter(
        &self,
        cache: &Cache,
        writer: &Writer,
        verb: &str,
    ) -> Result<Option<CallFilter>> {
        let Some(Selection { filter, named }) = self.selection(cache, verb)? else {
            return Ok(None);
        };
        let member = writer.member();
        for (text, key) in &named {
            if member.get_call(key)?.is_none() {
                return Err(CliError::usage(format!(
                    "call `{text}` is not in `{}`, the cache writes go to",
                    member.name()
                ))
                .with_hint("in a stack, writes go to its first member")
                .into());
            }
        }
        Ok(Some(filter))
    }
}

/// Arguments, with `-` replaced by the non-empty lines of standard input
/// (trimmed when `trim`).
pub fn with_stdin(items: &[String], trim: bool) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if item == "-" {
            for line in io::stdin().lock().lines() {
                let line = line?;
                let t = line.trim();
                if !t.is_empty() {
                    out.push(if trim { t.to_string() } else { line });
                }
            }
        } else {
            out.push(item.clone());
        }
    }
    Ok(out)
}

/// Marks a word of `fleche digest` that clap would take for a flag but
/// that is a Python number (`-inf`, `-5e-324`, `-1_000`, `-0x10`, `-1j`):
/// clap's own test passes only `-1` and `-1.5`-like words. No argument can
/// hold a NUL, so the mark is never typed; `digest` removes it.
pub const NUMBER_MARK: char = '\0';

/// `argv` with every Python number literal starting with `-` among the
/// values of `fleche digest` marked with [`NUMBER_MARK`], so that clap takes
/// it as a value; option values and everything after `--` stay as typed.
pub fn mark_negative_numbers(argv: Vec<OsString>) -> Vec<OsString> {
    use clap::CommandFactory;
    if !argv.iter().any(|a| a == "digest") {
        return argv;
    }
    let cli = crate::cli::Cli::command();
    let Some(digest) = cli.find_subcommand("digest") else {
        return argv;
    };
    // The options taking a value, at the top and in `digest`.
    let takes_value: Vec<String> = cli
        .get_arguments()
        .chain(digest.get_arguments())
        .filter(|a| !a.is_positional() && a.get_action().takes_values())
        .flat_map(|a| {
            let long = a.get_long().map(|l| format!("--{l}"));
            let short = a.get_short().map(|s| format!("-{s}"));
            long.into_iter().chain(short)
        })
        .collect();
    let mut out = Vec::with_capacity(argv.len());
    let mut words = argv.into_iter();
    out.extend(words.next());
    let mut in_digest = false;
    while let Some(word) = words.next() {
        let Some(text) = word.to_str() else {
            out.push(word);
            continue;
        };
        if text == "--" {
            out.push(word);
            break;
        }
        if takes_value.iter().any(|o| o == text) {
            out.push(word);
            out.extend(words.next());
            continue;
        }
        if !in_digest {
            if !text.starts_with('-') {
                if text != "digest" {
                    // Another verb.
                    out.push(word);
                    break;
                }
                in_digest = true;
            }
            out.push(word);
            continue;
        }
        if text.len() > 1 && text.starts_with('-') && is_number(text) {
            out.push(format!("{NUMBER_MARK}{text}").into());
        } else {
            out.push(word);
        }
    }
    out.extend(words);
    out
}

/// Whether `text` is a Python number literal (`-inf` and `nan` included).
fn is_number(text: &str) -> bool {
    matches!(
        literal::parse(text),
        Ok(Value::Int(_) | Value::Float(_) | Value::Complex(..))
    )
}

/// Where `@PREFIX` values are expanded: the cache, opened when one is
/// first named (digesting literals needs none), or the one a verb opened.
pub struct Stored<'a> {
    ctx: &'a Context,
    cache: Option<Cache>,
    /// Whether the value itself is wanted too (for `--format`).
    load: bool,
}

impl<'a> Stored<'a> {
    /// Opens the cache only if a value names a stored one.
    pub fn lazy(ctx: &'a Context, load: bool) -> Stored<'a> {
        Stored {
            ctx,
            cache: None,
            load,
        }
    }

    /// Expands in a cache already open.
    pub fn opened(ctx: &'a Context, cache: Cache, load: bool) -> Stored<'a> {
        Stored {
            ctx,
            cache: Some(cache),
            load,
        }
    }

    /// The cache, once open.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// The digest of the stored value `@prefix` names — its key: fleche
    /// loads a `Digest` argument and digests the value, which gives the key
    /// it is stored under — and the value when it is wanted.
    pub fn expand(&mut self, text: &str, prefix: &str) -> Result<(String, Option<Value>)> {
        let cache = match &mut self.cache {
            Some(cache) => cache,
            slot => {
                let cache = self.ctx.open().map_err(|e| {
                    let cli = crate::error::to_cli(&e);
                    CliError::usage(format!(
                        "`{text}` names a stored value, but no cache can be opened: {}",
                        cli.message
                    ))
                    .with_hint(
                        "run in the directory of the cache's fleche.toml, or give -C DIR, --root DIR or --cache NAME",
                    )
                })?;
                slot.insert(cache)
            }
        };
        let key = cache.resolve_value(prefix)?;
        let value = if self.load {
            let loaded = cache.load_value(&key).map_err(|e| {
                CliError::usage(format!("`{text}`: {}", crate::error::one_line(&e)))
            })?;
            Some(loaded.value)
        } else {
            None
        };
        Ok((key, value))
    }
}

/// A call typed on the command line (`NAME ARG=VALUE… --module M
/// --version V --code-digest D`), as `digest --call` and `why` read it.
pub struct CallSpec {
    pub name: String,
    pub module: Option<String>,
    pub version: Option<Value>,
    pub code_digest: Option<String>,
    /// (name, value digest, the value when known) in the order typed.
    pub arguments: Vec<(String, String, Option<Value>)>,
}

impl CallSpec {
    /// What fleche digests into the call's key.
    pub fn key_input(&self) -> fleche_core::CallKeyInput {
        fleche_core::CallKeyInput {
            name: self.name.clone(),
            module: self.module.clone(),
            version: self.version.clone(),
            code_digest: self.code_digest.clone(),
            arguments: self
                .arguments
                .iter()
                .map(|(n, d, _)| (n.clone(), d.clone()))
                .collect(),
        }
    }
}

/// Reads a call's arguments (`NAME=VALUE`, `NAME=@PREFIX`) and version.
pub fn read_call(
    stored: &mut Stored,
    name: &str,
    inputs: &[String],
    module: Option<String>,
    version: Option<&str>,
    code_digest: Option<String>,
) -> Result<CallSpec> {
    let mut arguments: Vec<(String, String, Option<Value>)> = Vec::with_capacity(inputs.len());
    for text in inputs {
        let stored_arg =
            text.split_once('=')
                .and_then(|(arg, value)| match literal::parse_term(value) {
                    Ok(Term::Stored(prefix)) => Some((arg.trim().to_string(), prefix)),
                    _ => None,
                });
        let (arg, d, value) = match stored_arg {
            Some((arg, prefix)) => {
                check_argument_name(&arg, text)?;
                let (d, value) = stored.expand(text, &prefix)?;
                (arg, d, value)
            }
            None => {
                let (arg, value) = literal::parse_assignment(text).map_err(|e| {
                    CliError::usage(format!("cannot read argument `{text}`: {e}"))
                        .with_hint("write each argument as NAME=VALUE, e.g. x=100")
                })?;
                let d =
                    digest_value(&value).map_err(|e| CliError::usage(format!("`{text}`: {e}")))?;
                (arg, d, Some(value))
            }
        };
        if arguments.iter().any(|(n, _, _)| n == &arg) {
            return Err(CliError::usage(format!("argument `{arg}` is given twice")).into());
        }
        arguments.push((arg, d, value));
    }
    if let Some(text) = version {
        // A quoted version is a literal, and says so when it cannot be read.
        let trimmed = text.trim();
        if trimmed.starts_with('\'') || trimmed.starts_with('"') {
            literal::parse(trimmed).map_err(|e| bad_literal("", trimmed, &e))?;
        }
    }
    Ok(CallSpec {
        name: name.to_string(),
        module,
        version: version.map(parse_version).transpose()?,
        code_digest,
        arguments,
    })
}
