//! `fleche why`: whether a call is stored and, when it is not, which stored
//! calls come nearest and exactly what differs — module, name, version, code
//! digest, an argument's value or type, an argument on one side only — with
//! the fix where there is one. Stored values are decoded only for the calls
//! shown.

use crate::args::{read_call, version_json, CallSpec, Stored};
use crate::context::Context;
use crate::error::Exit;
use crate::render::{json_repr, plural, value_repr};
use crate::style::printable;
use crate::time::local;
use anyhow::Result;
use clap::{Args, ValueEnum};
use fleche_core::store::{CallRecord, NearQuery};
use fleche_core::{call_key, Cache, Value};
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};

#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    about = "Explain a cache miss: is this call stored, and if not, what differs in the nearest stored calls",
    after_help = "The call is typed as for `fleche digest --call`: NAME, then ARG=VALUE in Python literal syntax \
(`@PREFIX` names a stored value). A part not given (--module, --version, --code-digest) matches any stored one.\n\n\
Exit status: 0 when the call is stored (a hit), 1 when it is not.\n\n\
Examples:\n  fleche why fib n=20\n  fleche why long_running_calculation --module analysis x=100.0"
)]
pub struct WhyArgs {
    /// The function's qualified name (`fib`, `MyClass.compute`).
    #[arg(value_name = "NAME")]
    name: String,
    /// The call's arguments as NAME=VALUE, in the function's parameter order.
    #[arg(value_name = "ARG=VALUE")]
    arguments: Vec<String>,
    /// The module the function is defined in (`__main__` in a notebook or script).
    #[arg(long, value_name = "MODULE")]
    module: Option<String>,
    /// The decorator's version: an int when it looks like one, else a string.
    #[arg(long, value_name = "VERSION", allow_hyphen_values = true)]
    version: Option<String>,
    /// The function's code digest (`hash_code=True`).
    #[arg(long, value_name = "DIGEST")]
    code_digest: Option<String>,
    /// How many of the nearest stored calls to show on a miss.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 5)]
    limit: usize,
    #[arg(long, value_enum, default_value = "text")]
    format: WhyFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum WhyFormat {
    /// Sentences for people.
    Text,
    /// One JSON object.
    Json,
}

/// One way a stored call differs from the call asked about.
#[derive(Debug)]
enum Diff {
    Module {
        stored: Option<String>,
    },
    Name {
        stored: String,
    },
    Version {
        stored: Option<Json>,
    },
    CodeDigest {
        stored: Option<String>,
    },
    /// The same argument with another value (digest).
    Value {
        arg: String,
        stored: String,
    },
    /// An argument only the stored call has.
    OnlyStored {
        arg: String,
        stored: String,
    },
    /// An argument only the call asked about has.
    OnlyGiven {
        arg: String,
    },
}

impl Diff {
    fn is_argument(&self) -> bool {
        matches!(
            self,
            Diff::Value { .. } | Diff::OnlyStored { .. } | Diff::OnlyGiven { .. }
        )
    }
}

pub fn run(ctx: &Context, args: WhyArgs) -> Result<Exit> {
    let cache = ctx.open()?;
    let mut stored = Stored::opened(ctx, cache, true);
    let mut spec = read_call(
        &mut stored,
        &args.name,
        &args.arguments,
        args.module.clone(),
        args.version.as_deref(),
        args.code_digest.clone(),
    )?;
    let Some(cache) = stored.cache() else {
        unreachable!("Stored::opened keeps its cache")
    };
    // A hit by key needs no search (when the arguments are typed in the
    // function's order).
    let find = || -> Result<Vec<Candidate>> {
        let direct = match &spec.module {
            Some(_) => {
                let key = call_key(&spec.key_input()).map_err(fleche_core::Error::from)?;
                cache
                    .find_call(&key)?
                    .into_iter()
                    .next()
                    .map(|(_, rec)| rec)
            }
            None => None,
        };
        match direct {
            Some(rec) => Ok(vec![Candidate::of(&spec, rec)]),
            None => candidates(cache, &spec),
        }
    };
    // Text shows short keys, which need the value directory listed: that
    // runs while the calls are searched.
    let mut ranked = match args.format {
        WhyFormat::Text => cache.while_listing_value_files(find)?,
        WhyFormat::Json => find()?,
    };
    in_parameter_order(&mut spec, &ranked);
    // The key fleche looks up, when the parts it digests are all given.
    let key = match &spec.module {
        Some(_) => Some(call_key(&spec.key_input()).map_err(fleche_core::Error::from)?),
        None => None,
    };
    // Same name first, then fewest differences; among equals, the call
    // with the same arguments (the same computation filed elsewhere: the
    // notebook-to-script move), then the newest.
    ranked.sort_by(|a, b| {
        let rank = |c: &Candidate| {
            let renamed = c.diffs.iter().any(|d| matches!(d, Diff::Name { .. }));
            let args = c.diffs.iter().filter(|d| d.is_argument()).count();
            (renamed, c.diffs.len(), args)
        };
        rank(a).cmp(&rank(b)).then(b.started.total_cmp(&a.started))
    });
    let hit = ranked.first().filter(|c| c.diffs.is_empty());
    let shown: Vec<&Candidate> = match hit {
        Some(c) => vec![c],
        None => ranked.iter().take(args.limit).collect(),
    };
    let exit = if hit.is_some() {
        Exit::Success
    } else {
        Exit::NotFound
    };
    let keys: Vec<&str> = shown.iter().map(|c| c.rec.key.as_str()).collect();
    let color = ctx.color() && matches!(args.format, WhyFormat::Text);
    // JSON carries full keys: the listing short keys need is not read.
    let shorts = match args.format {
        WhyFormat::Text => ctx.short_keys(cache, &keys, color)?,
        WhyFormat::Json => Vec::new(),
    };
    let mut loaded = Loaded {
        cache,
        reprs: BTreeMap::new(),
    };
    let given: BTreeMap<&str, (&str, Option<&Value>)> = spec
        .arguments
        .iter()
        .map(|(n, d, v)| (n.as_str(), (d.as_str(), v.as_ref())))
        .collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.format {
        WhyFormat::Json => {
            let nearest: Vec<Json> = shown
                .iter()
                .map(|c| {
                    let diffs: Vec<Json> = c
                        .diffs
                        .iter()
                        .map(|d| diff_json(d, &spec, &given, &mut loaded))
                        .collect();
                    json!({
                        "key": c.rec.key,
                        "name": c.rec.name,
                        "module": c.rec.module,
                        "started": c.started_json(),
                        "differences": diffs,
                    })
                })
                .collect();
            let doc = json!({
                "hit": hit.is_some(),
                "key": key,
                "call": call_json(&spec),
                "stored": hit.map(|c| c.rec.key.clone()),
                "result": hit.and_then(|c| c.rec.result.as_deref()).map(|r| loaded.repr(r)),
                "nearest": if hit.is_some() { Json::Array(Vec::new()) } else { Json::Array(nearest) },
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        WhyFormat::Text => {
            let call = printable(&call_text(&spec)).into_owned();
            if let Some(c) = hit {
                let result = c.rec.result.as_deref().map(|r| loaded.repr(r));
                writeln!(
                    out,
                    "hit: {call} is stored as call {} ({}{})",
                    shorts[0],
                    where_text(&c.rec),
                    c.started_text()
                )?;
                if let Some(result) = result {
                    writeln!(out, "  result  {}", printable(&result))?;
                }
            } else {
                match &key {
                    Some(k) => writeln!(out, "miss: no stored call is {call} (key {k})")?,
                    None => writeln!(out, "miss: no stored call is {call}")?,
                }
                if shown.is_empty() {
                    writeln!(
                        out,
                        "  no stored call of `{}` nor any with one of these arguments",
                        printable(&spec.name)
                    )?;
                } else {
                    writeln!(out, "nearest stored calls, best first:")?;
                }
                let mut explained = HashSet::new();
                for (c, short) in shown.iter().zip(&shorts) {
                    let n = c.diffs.len();
                    writeln!(
                        out,
                        "  {short}  {}{}  {n} difference{}",
                        where_text(&c.rec),
                        c.started_text(),
                        plural(n)
                    )?;
                    for d in &c.diffs {
                        let explain = explained.insert(std::mem::discriminant(d));
                        let line = diff_text(d, &spec, &given, &mut loaded, explain);
                        writeln!(out, "    {}", printable(&line))?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(exit)
}

/// A stored call and how it differs from the one asked about.
struct Candidate {
    rec: CallRecord,
    diffs: Vec<Diff>,
    started: f64,
}

impl Candidate {
    fn of(spec: &CallSpec, rec: CallRecord) -> Candidate {
        let started = rec
            .metadata
            .get("runtime")
            .and_then(|r| r.get("timestart"))
            .and_then(Json::as_f64)
            .unwrap_or(f64::NEG_INFINITY);
        let diffs = differences(spec, &rec);
        Candidate {
            rec,
            diffs,
            started,
        }
    }

    fn started_json(&self) -> Json {
        self.rec
            .metadata
            .get("runtime")
            .and_then(|r| r.get("timestart"))
            .cloned()
            .unwrap_or(Json::Null)
    }

    fn started_text(&self) -> String {
        if self.started.is_finite() {
            format!(", {}", local(self.started))
        } else {
            String::new()
        }
    }
}

/// The stored calls worth comparing, found by the stores' own filters (no
/// value is decoded here; see [`fleche_core::store::near`]).
fn candidates(cache: &Cache, spec: &CallSpec) -> Result<Vec<Candidate>> {
    let q = NearQuery {
        name: spec.name.clone(),
        arguments: spec
            .arguments
            .iter()
            .map(|(n, d, _)| (n.clone(), d.clone()))
            .collect(),
        ..NearQuery::default()
    };
    Ok(cache
        .near_calls(&q)?
        .into_iter()
        .map(|rec| Candidate::of(spec, rec))
        .collect())
}

/// Puts the typed arguments in the order fleche keys them — the function's
/// parameter order — as a stored call of the same function with the same
/// argument names has them (the order typed is otherwise kept).
fn in_parameter_order(spec: &mut CallSpec, candidates: &[Candidate]) {
    let same_function = |rec: &CallRecord| {
        rec.name == spec.name
            && spec
                .module
                .as_ref()
                .is_none_or(|m| rec.module.as_ref() == Some(m))
            && rec.arguments.len() == spec.arguments.len()
            && rec
                .arguments
                .iter()
                .all(|(n, _)| spec.arguments.iter().any(|(a, _, _)| a == n))
    };
    let Some(order) = candidates.iter().map(|c| &c.rec).find(|r| same_function(r)) else {
        return;
    };
    let position = |name: &str| order.arguments.iter().position(|(n, _)| n == name);
    spec.arguments.sort_by_key(|(n, _, _)| position(n));
}

/// What differs between the call asked about and a stored one. Arguments
/// compare by name: the order typed is not the order fleche keys (the
/// function's parameter order), which the stored call has.
fn differences(spec: &CallSpec, rec: &CallRecord) -> Vec<Diff> {
    let mut diffs = Vec::new();
    if let Some(module) = &spec.module {
        if rec.module.as_deref() != Some(module.as_str()) {
            diffs.push(Diff::Module {
                stored: rec.module.clone(),
            });
        }
    }
    if rec.name != spec.name {
        diffs.push(Diff::Name {
            stored: rec.name.clone(),
        });
    }
    if let Some(v) = &spec.version {
        let stored = rec.version.as_ref().map(Json::to_string);
        if stored.as_deref() != Some(version_json(v).as_str()) {
            diffs.push(Diff::Version {
                stored: rec.version.clone(),
            });
        }
    }
    if let Some(code) = &spec.code_digest {
        if rec.code_digest.as_deref() != Some(code.as_str()) {
            diffs.push(Diff::CodeDigest {
                stored: rec.code_digest.clone(),
            });
        }
    }
    for (arg, d, _) in &spec.arguments {
        match rec.arguments.iter().find(|(n, _)| n == arg) {
            Some((_, stored)) if stored == d => {}
            Some((_, stored)) => diffs.push(Diff::Value {
                arg: arg.clone(),
                stored: stored.clone(),
            }),
            None => diffs.push(Diff::OnlyGiven { arg: arg.clone() }),
        }
    }
    for (arg, stored) in &rec.arguments {
        if !spec.arguments.iter().any(|(n, _, _)| n == arg) {
            diffs.push(Diff::OnlyStored {
                arg: arg.clone(),
                stored: stored.clone(),
            });
        }
    }
    diffs
}

/// Stored values' reprs, each decoded once, for the calls shown only.
struct Loaded<'a> {
    cache: &'a Cache,
    reprs: BTreeMap<String, (String, Option<Value>)>,
}

impl Loaded<'_> {
    fn get(&mut self, digest: &str) -> &(String, Option<Value>) {
        let cache = self.cache;
        self.reprs
            .entry(digest.to_string())
            .or_insert_with(|| match cache.load_value(digest) {
                Ok(v) => (value_repr(&v.value, false), Some(v.value)),
                Err(_) => (
                    format!("<value {} not readable>", &digest[..digest.len().min(8)]),
                    None,
                ),
            })
    }

    fn repr(&mut self, digest: &str) -> String {
        self.get(digest).0.clone()
    }
}

/// `NAME(a=1, b='x')` as typed, with its module and version when given.
fn call_text(spec: &CallSpec) -> String {
    let args: Vec<String> = spec
        .arguments
        .iter()
        .map(|(n, d, v)| match v {
            Some(v) => format!("{n}={}", value_repr(v, false)),
            None => format!("{n}=@{}", &d[..d.len().min(8)]),
        })
        .collect();
    let mut text = format!("{}({})", spec.name, args.join(", "));
    if let Some(m) = &spec.module {
        text = format!("{m}.{text}");
    }
    if let Some(v) = &spec.version {
        text.push_str(&format!(" version {}", fleche_core::repr::repr(v)));
    }
    text
}

fn call_json(spec: &CallSpec) -> Json {
    let arguments: serde_json::Map<String, Json> = spec
        .arguments
        .iter()
        .map(|(n, d, v)| {
            (
                n.clone(),
                json!({"digest": d, "repr": v.as_ref().map(|v| value_repr(v, false))}),
            )
        })
        .collect();
    json!({
        "name": spec.name,
        "module": spec.module,
        "version": spec.version.as_ref().map(fleche_core::repr::to_json),
        "code_digest": spec.code_digest,
        "arguments": arguments,
    })
}

fn where_text(rec: &CallRecord) -> String {
    match &rec.module {
        Some(m) => format!("{m}.{}", rec.name),
        None => rec.name.clone(),
    }
}

/// Why a stored value and a typed one differ when their reprs alone do
/// not say (`1` and `1.0`, `1` and `True`, `'1'` and `1`).
fn type_note(stored: Option<&Value>, given: Option<&Value>) -> Option<String> {
    let (s, g) = (stored?, given?);
    let number = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Int(_) => fleche_core::repr::repr(v).parse::<f64>().ok(),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    let (ts, tg) = (s.python_type(), g.python_type());
    if ts == tg {
        return None;
    }
    Some(match (number(s), number(g)) {
        (Some(a), Some(b)) if a == b => format!(
            "equal as numbers, but fleche keys {ts} and {tg} differently: pass the argument as the {ts} the stored call had"
        ),
        _ => format!("a {ts} is stored, yours is a {tg}"),
    })
}

/// One line for a difference; `explain` adds what it means and the fix
/// (said once per kind in text, always in JSON).
fn diff_text(
    d: &Diff,
    spec: &CallSpec,
    given: &BTreeMap<&str, (&str, Option<&Value>)>,
    loaded: &mut Loaded,
    explain: bool,
) -> String {
    let why = |text: &str| {
        if explain {
            format!(" ({text})")
        } else {
            String::new()
        }
    };
    let given_repr = |arg: &str| match given.get(arg) {
        Some((_, Some(v))) => value_repr(v, false),
        Some((d, None)) => format!("@{}", &d[..d.len().min(8)]),
        None => String::new(),
    };
    match d {
        Diff::Module { stored } => {
            let stored = stored.as_deref().unwrap_or("None");
            let yours = spec.module.as_deref().unwrap_or("None");
            let fix = format!(
                "fleche keys the module: call it from `{stored}` — a notebook or \
                 `python script.py` is `__main__` — or store it again"
            );
            format!(
                "module: stored under `{stored}`, yours is `{yours}`{}",
                why(&fix)
            )
        }
        Diff::Name { stored } => {
            format!(
                "name: stored as `{stored}`, yours is `{}`{}",
                spec.name,
                why("renamed since? fleche keys the name")
            )
        }
        Diff::Version { stored } => {
            let stored = stored.as_ref().map_or("None".to_string(), json_repr);
            let yours = spec
                .version
                .as_ref()
                .map_or("None".to_string(), fleche_core::repr::repr);
            format!(
                "version: stored with {stored}, yours is {yours}{}",
                why("the decorator's version changed since")
            )
        }
        Diff::CodeDigest { stored } => format!(
            "code digest: stored {}, yours {}{}",
            stored.as_deref().unwrap_or("None"),
            spec.code_digest.as_deref().unwrap_or("None"),
            why("the function's code changed since; hash_code=True keys it")
        ),
        Diff::Value { arg, stored } => {
            let (stored_repr, stored_value) = loaded.get(stored).clone();
            let yours = given_repr(arg);
            let mut line = format!("argument {arg}: stored {stored_repr}, yours {yours}");
            if let Some(note) = type_note(
                stored_value.as_ref(),
                given.get(arg.as_str()).and_then(|g| g.1),
            ) {
                line.push_str(&format!(" ({note})"));
            }
            line
        }
        Diff::OnlyStored { arg, stored } => format!(
            "argument {arg}: the stored call has {arg}={}, yours has none{}",
            loaded.repr(stored),
            why("a parameter removed or renamed since?")
        ),
        Diff::OnlyGiven { arg } => format!(
            "argument {arg}: yours is {arg}={}, the stored call has none{}",
            given_repr(arg),
            why("a parameter or default added since?")
        ),
    }
}

fn diff_json(
    d: &Diff,
    spec: &CallSpec,
    given: &BTreeMap<&str, (&str, Option<&Value>)>,
    loaded: &mut Loaded,
) -> Json {
    let text = diff_text(d, spec, given, loaded, true);
    let given_digest = |arg: &str| given.get(arg).map(|g| g.0.to_string());
    let mut j = match d {
        Diff::Module { stored } => {
            json!({"part": "module", "stored": stored, "given": spec.module})
        }
        Diff::Name { stored } => json!({"part": "name", "stored": stored, "given": spec.name}),
        Diff::Version { stored } => json!({"part": "version", "stored": stored,
            "given": spec.version.as_ref().map(fleche_core::repr::to_json)}),
        Diff::CodeDigest { stored } => {
            json!({"part": "code_digest", "stored": stored, "given": spec.code_digest})
        }
        Diff::Value { arg, stored } => json!({"part": "argument", "argument": arg,
            "stored": stored, "stored_repr": loaded.repr(stored), "given": given_digest(arg)}),
        Diff::OnlyStored { arg, stored } => json!({"part": "argument", "argument": arg,
            "stored": stored, "stored_repr": loaded.repr(stored), "given": null}),
        Diff::OnlyGiven { arg } => {
            json!({"part": "argument", "argument": arg, "stored": null, "given": given_digest(arg)})
        }
    };
    j["text"] = Json::String(text);
    j
}
