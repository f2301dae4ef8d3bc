//! Terminal manners: colour only where it helps and is wanted.

use clap::ValueEnum;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Colour on a terminal unless `NO_COLOR` is set; `--color` overrides.
pub fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// A key shown at a stable width of 8 (or its unique length, if longer),
/// the unique part bold and the rest dim on a colour terminal.
pub fn short_id(key: &str, unique: usize, color: bool) -> String {
    // Counted in characters: a key fleche did not write may be any text.
    let width = unique.max(8).min(key.chars().count());
    let head: String = key.chars().take(unique.min(width)).collect();
    let tail: String = key.chars().take(width).skip(head.chars().count()).collect();
    if color {
        format!("\x1b[1m{head}\x1b[0m\x1b[2m{tail}\x1b[0m")
    } else {
        format!("{head}{tail}")
    }
}

/// A spinner on stderr for scans that may take a while, only when stderr
/// is a terminal (never in pipes, files or CI logs). Dropped, it clears.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    pub fn start(message: &str) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
