//! One place that turns failures into a message and an exit code:
//! 0 success, 1 nothing found / ambiguous / verification failed,
//! 2 usage or environment error.

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
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Print the error as `Error: ...` (+ `Hint: ...`) on stderr and give its
/// exit code. Multi-line causes are folded into the one line.
pub fn report(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return Exit::Success.into();
    }
    let (exit, hint) = match err.downcast_ref::<CliError>() {
        Some(cli) => (cli.exit, cli.hint.clone()),
        None => (Exit::Usage, None),
    };
    let message = err
        .chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ");
    eprintln!("Error: {message}");
    if let Some(hint) = hint {
        eprintln!("Hint: {hint}");
    }
    exit.into()
}
