//! One place that turns failures into a message and an exit code:
//! 0 success, 1 nothing found / ambiguous / verification failed,
//! 2 usage or environment error, 101 a bug (a panic).

use fleche_core::cache::{CollectError, CopyError, OpenError, ResolveError, WriteRefused};
use fleche_core::config::ConfigError;
use fleche_core::prefix::Kind;
use fleche_core::store::StoreError;
use std::fmt;
use std::process::ExitCode;

/// Exit codes, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Success = 0,
    /// Nothing found, ambiguous, or verification failed.
    NotFound = 1,
    /// Bad usage or a broken environment (config, files, permissions).
    Usage = 2,
    /// A bug: the program panicked (Rust's own code for a panic).
    Panic = 101,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// An error meant for the user: one `Error:` line, an optional `Hint:` line.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            exit: Exit::Usage,
            message: message.into(),
            hint: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        CliError {
            exit: Exit::NotFound,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// True when the error (or its cause) is a write to a closed pipe, as in
/// `fleche ls | head`: that is not a failure worth reporting.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(|io| io.kind()) == broken
            // JSON written straight to stdout reports the pipe in its own error.
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == broken
    })
}

pub use fleche_core::one_line;

/// The one mapping of core errors to what the user reads: the message is
/// the error with its causes, the exit code and hint depend on the kind.
impl From<&fleche_core::Error> for CliError {
    fn from(err: &fleche_core::Error) -> CliError {
        use fleche_core::Error as E;
        let message = one_line(err);
        let usage = |hint: Option<String>| CliError {
            exit: Exit::Usage,
            message: message.clone(),
            hint,
        };
        let not_found = |hint: Option<String>| CliError {
            exit: Exit::NotFound,
            message: message.clone(),
            hint,
        };
        match err {
            E::Open(e) => usage(Some(open_hint(e))),
            E::Resolve(ResolveError::NotFound(_)) => {
                not_found(Some("`fleche ls` lists the calls".into()))
            }
            E::Resolve(ResolveError::Ambiguous {
                text,
                candidates,
                unique_len,
                more,
            }) => {
                let list: Vec<String> = candidates.iter().map(describe).collect();
                let more = if *more { ", and more" } else { "" };
                CliError::not_found(format!(
                    "short digest `{text}` is ambiguous: {}{more}",
                    list.join("; ")
                ))
                .with_hint(format!("type at least {unique_len} characters"))
            }
            E::Resolve(ResolveError::NoValue(_)) => not_found(None),
            E::Resolve(ResolveError::AmbiguousValue { unique_len, .. }) => {
                not_found(Some(format!("type at least {unique_len} characters")))
            }
            E::Refused(e) => usage(Some(refused_hint(e).into())),
            E::Collect(CollectError::UnsafeRoot { .. }) => usage(Some(
                "give the cache a values directory of its own in its configuration".into(),
            )),
            E::Collect(CollectError::UnreadLog { .. }) => usage(Some(
                "open the cache once with fleche (or sqlite3) to recover the log, then run gc again"
                    .into(),
            )),
            E::Collect(CollectError::SharedUnreadable { .. }) => usage(Some(
                "gc must see every record that may use a value; fix or remove that cache first"
                    .into(),
            )),
            E::Collect(CollectError::BrokenRecords { .. }) => not_found(Some(
                "a record gc cannot read may name values; repair or remove it first".into(),
            )),
            E::Collect(CollectError::Undecodable { .. }) => not_found(Some(
                "check the secret keys (FLECHE_SECRET_KEY) or repair the file; `fleche show` on it tells more".into(),
            )),
            E::Copy(CopyError::Refused { .. }) => usage(Some(
                "copy into another cache: --to NAME (one in fleche.toml) or --to-root DIR".into(),
            )),
            E::Copy(CopyError::Hdf5Source { .. } | CopyError::Hdf5Target { .. }) => usage(Some(
                "fleche's own transfer() re-pickles values between HDF5 and pickle files; `fleche copy` copies value files as they are".into(),
            )),
            _ => usage(None),
        }
    }
}

/// A write refused, said with the verb that wanted it.
pub fn refused(err: fleche_core::Error, verb: &str) -> anyhow::Error {
    match &err {
        fleche_core::Error::Refused(e) => CliError::usage(format!("{e}; {verb} would change it"))
            .with_hint(refused_hint(e))
            .into(),
        _ => err.into(),
    }
}

/// A configured cache that failed to open, said with where the job may
/// have put it: before fleche 0.21.1 a relative path in a parent
/// directory's `fleche.toml` was relative to where the job ran, so its
/// cache may sit under the working directory `cwd` instead.
pub fn open_failed(err: fleche_core::Error, cwd: &std::path::Path) -> anyhow::Error {
    let missing = match &err {
        fleche_core::Error::Open(OpenError::Store(StoreError::NoFile { path })) => path,
        fleche_core::Error::Open(OpenError::NotACache(path)) => path,
        _ => return err.into(),
    };
    let Some(found) = moved_store(missing, cwd) else {
        return err.into();
    };
    let cli = CliError::from(&err);
    let dir = found.parent().unwrap_or(&found);
    CliError {
        hint: Some(format!(
            "{} exists: fleche before 0.21.1 read a relative path in a parent directory's fleche.toml from where the job ran; open that cache with `fleche --root {}`",
            found.display(),
            dir.display()
        )),
        ..cli
    }
    .into()
}

/// Where a store configured at `missing` would be had its relative path
/// been read from `cwd`: `cwd` joined with its path below a parent of
/// `cwd`, else `cwd/.fleche` holding a cache.
fn moved_store(missing: &std::path::Path, cwd: &std::path::Path) -> Option<std::path::PathBuf> {
    let moved = cwd.ancestors().skip(1).find_map(|parent| {
        let rel = missing.strip_prefix(parent).ok()?;
        let candidate = cwd.join(rel);
        (candidate != missing && candidate.exists()).then_some(candidate)
    });
    moved.or_else(|| {
        let local = cwd.join(".fleche");
        ["calls.db", "calls"]
            .iter()
            .map(|leaf| local.join(leaf))
            .find(|p| p.exists() && p.as_path() != missing)
    })
}

/// A write through a configuration another user controls, refused.
pub fn untrusted(foreign: &fleche_core::config::ForeignConfig, verb: &str) -> anyhow::Error {
    CliError::usage(format!("{foreign}; {verb} would write through it"))
        .with_hint(format!(
            "if you trust it, set {}={} (`*` trusts every directory), as git's safe.directory; reading needs no such setting",
            fleche_core::config::SAFE_DIRECTORIES_VAR,
            foreign.dir.display()
        ))
        .into()
}

fn refused_hint(e: &WriteRefused) -> &'static str {
    match e {
        WriteRefused::Pool(_) => "a pool never takes writes; open one member directly with --root DIR (`fleche caches` lists them)",
        WriteRefused::ReadOnly(_) => "remove read_only from its configuration if you mean to change it",
        WriteRefused::Remote { .. } => "change it through fleche on the remote machine; --cache NAME writes to a local cache",
        WriteRefused::RemoteLeftOut { .. } => "change it through fleche on the remote machine once it can be reached; --cache NAME writes to a local cache",
        WriteRefused::RemoteLayer { .. } => "--offline evicts from the local layers only (the remote one keeps its records)",
    }
}

fn open_hint(e: &OpenError) -> String {
    match e {
        OpenError::Config(ConfigError::NoConfig { cwd, .. }) => {
            let local = cwd.join(".fleche");
            if local.join("calls.db").exists() || local.join("calls").exists() {
                format!(
                    "a cache is right here: try `fleche --root {}`",
                    local.display()
                )
            } else {
                "point at a cache with --root DIR, --cache NAME, --config FILE or -C DIR".into()
            }
        }
        OpenError::Config(ConfigError::UnknownCache { .. } | ConfigError::NoDefault { .. }) => {
            "`fleche caches` lists the caches the configuration defines".into()
        }
        OpenError::NotACache(_) => {
            "--root takes the directory holding calls.db (or calls/) and values/".into()
        }
        OpenError::Remote { host, .. } => format!(
            "check that `ssh {host}` works without a prompt and that the layer's `python` there has fleche; --offline leaves remote layers out"
        ),
        OpenError::RemoteExpand { .. } => {
            "--offline leaves remote layers out (answers then come from the local ones)".into()
        }
        OpenError::RemoteCannot { .. } | OpenError::OnlyRemote { .. } => {
            "fleche on the remote machine can answer it there".into()
        }
        _ => "check the cache's configuration and files".into(),
    }
}

/// A candidate of an ambiguous prefix: kind, name or type, date.
fn describe(c: &fleche_core::cache::Candidate) -> String {
    let short: String = c.key.chars().take(12).collect();
    match (c.kind, &c.call, &c.value_type) {
        (Kind::Call, Some((name, started)), _) => {
            let when = started
                .map(|t| format!(", {}", crate::time::local(t)))
                .unwrap_or_default();
            format!("call {short} ({}{when})", crate::style::printable(name))
        }
        (Kind::Call, None, _) => format!("call {short}"),
        (Kind::Value, _, Some(ty)) => format!("value {short} ({})", crate::style::printable(ty)),
        (Kind::Value, _, None) => format!("value {short}"),
    }
}

/// What the user is told about `err`.
pub fn to_cli(err: &anyhow::Error) -> CliError {
    if let Some(core) = err.downcast_ref::<fleche_core::Error>() {
        return CliError::from(core);
    }
    let message = one_line(err.as_ref());
    match err.downcast_ref::<CliError>() {
        Some(cli) => CliError {
            exit: cli.exit,
            message,
            hint: cli.hint.clone(),
        },
        None => CliError::usage(message),
    }
}

/// Print the error as `Error: ...` (+ `Hint: ...`) on stderr and give its
/// exit code. Multi-line causes are folded into the one line.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return Exit::Success.into();
    }
    print(&to_cli(err)).into()
}

/// Print one error (`Error:`, `Hint:`) and give its exit code, for verbs
/// that report a failed item and go on with the next.
pub fn print(e: &CliError) -> Exit {
    say!("Error: {}", e.message.replace('\n', " "));
    if let Some(hint) = &e.hint {
        say!("Hint: {hint}");
    }
    e.exit
}

/// Run `main`; a panic (already reported by the hook) exits with its own
/// code, never one a script could take for an answer.
pub fn exit_on_panic(main: impl FnOnce() -> ExitCode + std::panic::UnwindSafe) -> ExitCode {
    std::panic::catch_unwind(main).unwrap_or_else(|_| Exit::Panic.into())
}

/// A bug must still end in one line, not a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        say!("Error: internal error: {msg}{at}; please report it");
    }));
}

/// clap renders usage errors over several lines; fold them into our
/// `Error:`/`Hint:` form. Help and version output pass through unchanged.
pub fn report_clap(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            return Exit::Success.into();
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return Exit::Usage.into();
        }
        _ => {}
    }
    let rendered = err.render().to_string();
    let mut lines = rendered.lines().skip_while(|l| l.trim().is_empty());
    let mut first = lines
        .next()
        .unwrap_or("invalid usage")
        .trim_start_matches("error: ")
        .to_string();
    // What clap lists below its first line (the missing arguments, the
    // possible values) belongs to the message.
    let details: Vec<&str> = lines
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .filter(|l| !l.starts_with("tip:"))
        .collect();
    if !details.is_empty() {
        first = format!("{first} {}", details.join(", "));
    }
    let usage = rendered
        .lines()
        .find_map(|l| l.strip_prefix("Usage: "))
        .map(|u| format!("usage: {u}"));
    let hint = match err.get(clap::error::ContextKind::InvalidArg) {
        // clap names only the first short flag of `-inf`; quote the whole word.
        Some(clap::error::ContextValue::String(arg))
            if err.kind() == ErrorKind::UnknownArgument && !arg.starts_with("--") =>
        {
            // `args()` would panic on an argument that is not UTF-8.
            let argv: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let at = argv.iter().position(|a| a.starts_with(arg.as_str()));
            let word = at.map_or_else(|| arg.clone(), |i| argv[i].clone());
            let option = at
                .and_then(|i| i.checked_sub(1))
                .map(|i| argv[i].as_str())
                .filter(|prev| takes_value(prev));
            match option {
                // `ls -n -1`: no `--` helps, the count must be positive.
                Some(o @ ("-n" | "--limit")) => {
                    first = format!("{o} takes a positive count of calls, not '{word}'");
                    format!("e.g. `{o} 10`; without {o} every call is listed")
                }
                // An option's value that starts with '-' goes attached.
                Some(o) => {
                    first = format!("{o} needs a value, and '{word}' reads as an option");
                    let joined = if o.starts_with("--") {
                        format!("{o}={word}")
                    } else {
                        format!("{o}{word}")
                    };
                    format!("attach a value starting with '-' to its option: `{joined}`")
                }
                None => {
                    first = format!("unexpected argument '{word}'");
                    match usage {
                        // A verb without values: `--` would not help.
                        Some(u) if u.trim_end().ends_with("[OPTIONS]") => u,
                        _ => format!(
                            "values starting with '-' go after `--`, as in `fleche ... -- {word}`"
                        ),
                    }
                }
            }
        }
        _ => rendered
            .lines()
            .find_map(|l| l.trim().strip_prefix("tip: ").map(str::to_string))
            .or(usage)
            .unwrap_or_else(|| "see `fleche --help`".to_string()),
    };
    report(&anyhow::Error::new(CliError::usage(first).with_hint(hint)))
}

/// Whether `word` is an option (of any verb) that takes a value.
fn takes_value(word: &str) -> bool {
    use clap::CommandFactory;
    fn within(cmd: &clap::Command, word: &str) -> bool {
        cmd.get_arguments().any(|a| {
            !a.is_positional()
                && a.get_action().takes_values()
                && (a
                    .get_long()
                    .is_some_and(|l| word.strip_prefix("--") == Some(l))
                    || a.get_short().is_some_and(|s| word == format!("-{s}")))
        }) || cmd.get_subcommands().any(|c| within(c, word))
    }
    word.starts_with('-') && within(&crate::cli::Cli::command(), word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_exits_with_its_own_code() {
        let code = exit_on_panic(|| panic!("a bug"));
        assert_eq!(code, ExitCode::from(101));
        assert_eq!(exit_on_panic(|| Exit::NotFound.into()), ExitCode::from(1));
    }

    #[test]
    fn core_errors_map_to_messages_hints_and_codes() {
        use fleche_core::cache::Candidate;
        let not_found = CliError::from(&fleche_core::Error::from(ResolveError::NotFound(
            "abcd".into(),
        )));
        assert_eq!(not_found.exit, Exit::NotFound);
        assert_eq!(not_found.message, "no call or value starts with `abcd`");
        assert_eq!(
            not_found.hint.as_deref(),
            Some("`fleche ls` lists the calls")
        );
        let ambiguous = CliError::from(&fleche_core::Error::from(ResolveError::Ambiguous {
            text: "a8a3".into(),
            candidates: vec![
                Candidate {
                    key: "a8a306165318aaaa".into(),
                    kind: Kind::Call,
                    call: Some(("f".into(), None)),
                    value_type: None,
                },
                Candidate {
                    key: "a8a308cf1f1abbbb".into(),
                    kind: Kind::Value,
                    call: None,
                    value_type: Some("int".into()),
                },
            ],
            unique_len: 6,
            more: true,
        }));
        assert_eq!(ambiguous.exit, Exit::NotFound);
        assert_eq!(
            ambiguous.message,
            "short digest `a8a3` is ambiguous: call a8a306165318 (f); value a8a308cf1f1a (int), and more"
        );
        assert_eq!(
            ambiguous.hint.as_deref(),
            Some("type at least 6 characters")
        );
        let refused = to_cli(&refused(
            WriteRefused::Pool("main".into()).into(),
            "tagging",
        ));
        assert_eq!(refused.exit, Exit::Usage);
        assert_eq!(
            refused.message,
            "cache `main` is a pool, which is read-only (fleche never writes to a pool); tagging would change it"
        );
        let prefix = CliError::from(&fleche_core::Error::from(ResolveError::from(
            fleche_core::prefix::Prefix::parse("zz").expect_err("not hex"),
        )));
        assert_eq!(prefix.exit, Exit::Usage);
        assert_eq!(prefix.message, "`zz` is not a hex digest prefix");
    }
}
