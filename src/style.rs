//! Terminal manners: colour only where it helps and is wanted.

use clap::ValueEnum;
use std::borrow::Cow;
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
    // A key fleche did not write may hold control characters too.
    let (head, tail) = (printable(&head), printable(&tail));
    if color {
        format!("\x1b[1m{head}\x1b[0m\x1b[2m{tail}\x1b[0m")
    } else {
        format!("{head}{tail}")
    }
}

/// Text from a cache made safe for a terminal: every character Python's
/// `repr` would escape (controls such as ESC, CR, LF, DEL and the C1 range,
/// bidi overrides and other unprintables) is written as Python writes it
/// there (`\x1b`, `\n`, `\u202e`); printable text, non-ASCII included,
/// stays as it is. A call name or tag holding `ESC ] 52` (clipboard),
/// `ESC [ 2 J` (clear) or a line break must not act on the terminal or
/// forge a line. Machine formats (JSON, CSV) never go through this.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().all(fleche_core::repr::is_printable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_printable(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_printable(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        c if fleche_core::repr::is_printable(c) => out.push(c),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c => {
            let cp = c as u32;
            let _ = match cp {
                0..=0xff => write!(out, "\\x{cp:02x}"),
                0x100..=0xffff => write!(out, "\\u{cp:04x}"),
                _ => write!(out, "\\U{cp:08x}"),
            };
        }
    }
}

/// The colour sequences this program writes itself ([`short_id`]).
const OWN_STYLES: [&str; 3] = ["\x1b[0m", "\x1b[1m", "\x1b[2m"];

/// [`printable`] for a table cell, which may carry the bold and dim of a
/// short key: those three sequences pass, every other control character
/// is escaped. The last guard before a table reaches the terminal; cells
/// from a cache are made [`printable`] where they are built.
pub fn printable_cell(s: &str) -> Cow<'_, str> {
    if s.chars().all(fleche_core::repr::is_printable) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(style) = OWN_STYLES.iter().find(|st| rest.starts_with(**st)) {
            out.push_str(style);
            rest = &rest[style.len()..];
            continue;
        }
        push_printable(&mut out, c);
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_as_python_writes_them() {
        assert_eq!(printable("Zoë 日本"), "Zoë 日本");
        assert_eq!(
            printable("a\x1b]0;t\x07\r\n\t\u{9b}\x7f\u{202e}"),
            r"a\x1b]0;t\x07\r\n\t\x9b\x7f\u202e"
        );
        // Only this program's own bold, dim and reset pass in a cell.
        assert_eq!(
            printable_cell("\x1b[1mab\x1b[0m\x1b[2mcd\x1b[0m"),
            "\x1b[1mab\x1b[0m\x1b[2mcd\x1b[0m"
        );
        assert_eq!(printable_cell("\x1b[2J\x1b[31m"), r"\x1b[2J\x1b[31m");
        assert_eq!(
            short_id("ab\x1bcdefghij", 2, true),
            "\x1b[1mab\x1b[0m\x1b[2m\\x1bcdefg\x1b[0m"
        );
    }
}
