//! The literal syntax typed on the command line (`--arg x=100`, `get 'a'`):
//! Python literals as `ast.literal_eval` reads them, plus `inf`/`nan`,
//! `@PREFIX` digest references, `Digest('..')`, records `Name(f=v)` and bare
//! words. The values are digested later, so numbers and strings must come
//! out exactly as CPython 3.11 builds them from the same text.

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::collections::VecDeque;

use crate::value::{Record, Value};

/// How deeply brackets and calls may nest; CPython's parser stops at 200
/// nested parentheses too. Keeps recursion far from the stack's limit.
pub const MAX_DEPTH: usize = 200;

/// CPython's default `sys.get_int_max_str_digits()`: longer decimal int
/// literals are a SyntaxError there, so no digest could ever match them.
const INT_MAX_STR_DIGITS: usize = 4300;

/// Why a literal did not parse, at a 1-based column counted in chars.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    fn at(pos: usize, message: impl Into<String>) -> Self {
        ParseError {
            column: pos + 1,
            message: message.into(),
        }
    }
}

type Result<T> = std::result::Result<T, ParseError>;

/// Parse one value typed on the command line.
pub fn parse(input: &str) -> Result<Value> {
    let chars: Vec<char> = input.chars().collect();
    if let Some(pos) = chars.iter().position(|&c| c == '\0') {
        // CPython refuses source text with NUL characters.
        return Err(ParseError::at(pos, "input cannot contain null characters"));
    }
    let err = match Parser::new(&chars).parse_top() {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let trimmed = input.trim_matches(is_space);
    if is_bare_word(trimmed) {
        return Ok(Value::Str(trimmed.to_string()));
    }
    Err(with_quoting_hint(&chars, trimmed, err))
}

/// A value typed on the command line where a stored value may stand in
/// for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Value(Value),
    /// `@PREFIX`: the stored value whose digest starts with PREFIX
    /// (lowercase), to be resolved against a cache.
    Stored(String),
}

/// Parse a value, or `@PREFIX` alone.
pub fn parse_term(input: &str) -> Result<Term> {
    let chars: Vec<char> = input.chars().collect();
    let mut parser = Parser::new(&chars);
    if let Ok(Token {
        tok: Tok::Ref(prefix),
        ..
    }) = parser.next()
    {
        if parser.next().is_ok_and(|t| t.tok == Tok::Eof) {
            return Ok(Term::Stored(prefix));
        }
    }
    parse(input).map(Term::Value)
}

/// `NAME=VALUE` as in `--arg x=100`: NAME is everything before the first
/// `=` (trimmed, must be non-empty); VALUE is parsed with [`parse`], its
/// error columns counted from the start of the whole input.
pub fn parse_assignment(input: &str) -> Result<(String, Value)> {
    let Some(eq) = input.find('=') else {
        return Err(ParseError::at(
            0,
            format!("expected NAME=VALUE, got {}", quote_for_hint(input)),
        ));
    };
    let name = input[..eq].trim_matches(is_space);
    if name.is_empty() {
        return Err(ParseError::at(0, "missing name before '='"));
    }
    let offset = input[..=eq].chars().count();
    let value = parse(&input[eq + 1..]).map_err(|mut e| {
        e.column += offset;
        e
    })?;
    Ok((name.to_string(), value))
}

/// Whitespace between tokens (as CPython's tokenizer, plus newlines).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// `[letter or _][letters, digits, _ . - + / :]*`: text people type
/// unquoted. Not when it starts with a keyword (`True+1j`, `nan-1`): that
/// is a literal gone wrong, better reported than taken as a string.
fn is_bare_word(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    if !chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '/' | ':')) {
        return false;
    }
    let head = text.split(['.', '-', '+', '/', ':']).next().unwrap_or(text);
    head == text || keyword(head).is_none()
}

/// Unquoted text that was not a bare word usually wanted quotes: say so.
fn with_quoting_hint(chars: &[char], trimmed: &str, err: ParseError) -> ParseError {
    let starts_like_word = trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let head = trimmed
        .split(|c: char| !is_ident_continue(c))
        .next()
        .unwrap_or("");
    if !starts_like_word || keyword(head).is_some() || trimmed.contains(['\'', '"']) {
        return err;
    }
    let quoted = quote_for_hint(trimmed);
    let first_word = trimmed.split(is_space).next().unwrap_or("");
    if first_word.len() < trimmed.len() && is_bare_word(first_word) {
        // `my project`: what could not follow the first word is the word
        // after the spaces.
        let lead = chars.iter().take_while(|&&c| is_space(c)).count();
        let mut pos = lead + first_word.chars().count();
        while pos < chars.len() && is_space(chars[pos]) {
            pos += 1;
        }
        let next: String = chars[pos..].iter().take_while(|&&c| !is_space(c)).collect();
        return ParseError::at(
            pos,
            format!("unexpected '{next}'; quote strings that contain spaces: {quoted}"),
        );
    }
    if trimmed.contains(['(', ')', '[', ']', '{', '}', ',']) || trimmed.contains(is_space) {
        return err;
    }
    ParseError {
        column: err.column,
        message: format!("{}; quote strings: {quoted}", err.message),
    }
}

/// A Python-style single-quoted rendering, for hints only.
fn quote_for_hint(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(BigInt),
    Float(f64),
    /// An imaginary literal `2j`: its imaginary part.
    Imag(f64),
    Str(String),
    Bytes(Vec<u8>),
    /// An identifier, or several joined by dots without spaces.
    Name(String),
    /// `@PREFIX`, lowercased.
    Ref(String),
    Punct(char),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// Char index of the first char.
    start: usize,
    /// Char index one past the last char.
    end: usize,
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn cur(&self) -> Option<char> {
        self.at(self.pos)
    }

    fn skip_space(&mut self) {
        loop {
            match self.cur() {
                Some(c) if is_space(c) => self.pos += 1,
                // A backslash ending a line joins lines, as in Python source.
                Some('\\') if self.at(self.pos + 1) == Some('\n') => self.pos += 2,
                Some('\\')
                    if self.at(self.pos + 1) == Some('\r')
                        && self.at(self.pos + 2) == Some('\n') =>
                {
                    self.pos += 3
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Result<Token> {
        self.skip_space();
        let start = self.pos;
        let Some(c) = self.cur() else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = if c.is_ascii_digit()
            || (c == '.' && self.at(start + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number()?
        } else if c == '\'' || c == '"' {
            self.string(start, "")?
        } else if is_ident_start(c) {
            self.name_or_prefixed_string()?
        } else if c == '@' {
            self.reference()?
        } else if c.is_ascii_punctuation() {
            self.pos += 1;
            Tok::Punct(c)
        } else {
            return Err(bad_char(c, start));
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    fn name_or_prefixed_string(&mut self) -> Result<Tok> {
        let start = self.pos;
        self.pos += 1;
        while self.cur().is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        if matches!(self.cur(), Some('\'' | '"')) {
            let prefix: String = self.chars[start..self.pos].iter().collect();
            let lower = prefix.to_ascii_lowercase();
            if matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb") {
                return self.string(start, &lower);
            }
            if matches!(lower.as_str(), "f" | "fr" | "rf") {
                return Err(ParseError::at(start, "f-strings are not supported"));
            }
        }
        // Dotted names (`pkg.mod.Class`) are one token.
        while self.cur() == Some('.') && self.at(self.pos + 1).is_some_and(is_ident_start) {
            self.pos += 2;
            while self.cur().is_some_and(is_ident_continue) {
                self.pos += 1;
            }
        }
        Ok(Tok::Name(self.chars[start..self.pos].iter().collect()))
    }

    fn reference(&mut self) -> Result<Tok> {
        let start = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        while self.cur().is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        let body: String = self.chars[body_start..self.pos].iter().collect();
        if body.is_empty() {
            return Err(ParseError::at(
                start,
                "expected a digest prefix (hex digits) after '@'",
            ));
        }
        if let Some(i) = body.chars().position(|c| !c.is_ascii_hexdigit()) {
            return Err(ParseError::at(
                body_start + i,
                format!("invalid digest prefix '@{body}': use hex digits only"),
            ));
        }
        Ok(Tok::Ref(body.to_ascii_lowercase()))
    }

    /// A number token, following CPython's tokenizer (`tok_get`) rule by
    /// rule so that the same texts are accepted and rejected.
    fn number(&mut self) -> Result<Tok> {
        let start = self.pos;
        if self.cur() == Some('0') {
            let radix = match self.at(self.pos + 1) {
                Some('x' | 'X') => Some((16, "hexadecimal")),
                Some('o' | 'O') => Some((8, "octal")),
                Some('b' | 'B') => Some((2, "binary")),
                _ => None,
            };
            if let Some((radix, kind)) = radix {
                self.pos += 2;
                return self.radix_int(radix, kind);
            }
            // Leading zeros: only all-zero ints, or the integer part of a
            // float or imaginary literal.
            loop {
                if self.cur() == Some('_') {
                    self.pos += 1;
                    if !self.cur().is_some_and(|c| c.is_ascii_digit()) {
                        return Err(ParseError::at(self.pos - 1, "invalid decimal literal"));
                    }
                }
                if self.cur() != Some('0') {
                    break;
                }
                self.pos += 1;
            }
            let nonzero = self.cur().is_some_and(|c| c.is_ascii_digit());
            if nonzero {
                self.decimal_tail()?;
            }
            match self.cur() {
                Some('.') | Some('e' | 'E') | Some('j' | 'J') => {}
                _ if nonzero => {
                    return Err(ParseError::at(
                        start,
                        "leading zeros in decimal integer literals are not permitted; \
                         use an 0o prefix for octal integers",
                    ))
                }
                c => {
                    self.end_of_number(c, "decimal")?;
                    return Ok(Tok::Int(BigInt::default()));
                }
            }
        } else if self.cur() != Some('.') {
            self.decimal_tail()?;
        }
        let mut is_float = false;
        if self.cur() == Some('.') {
            is_float = true;
            self.pos += 1;
            if self.cur().is_some_and(|c| c.is_ascii_digit()) {
                self.decimal_tail()?;
            }
        }
        if matches!(self.cur(), Some('e' | 'E')) {
            let e_pos = self.pos;
            self.pos += 1;
            if matches!(self.cur(), Some('+' | '-')) {
                self.pos += 1;
                if !self.cur().is_some_and(|c| c.is_ascii_digit()) {
                    return Err(ParseError::at(self.pos, "invalid decimal literal"));
                }
            } else if !self.cur().is_some_and(|c| c.is_ascii_digit()) {
                // CPython: `1e` followed by a non-digit is `1` then a name
                // starting with `e`, which is an invalid decimal literal.
                return Err(ParseError::at(e_pos, "invalid decimal literal"));
            }
            is_float = true;
            self.decimal_tail()?;
        }
        let text: String = self.chars[start..self.pos]
            .iter()
            .filter(|&&c| c != '_')
            .collect();
        if matches!(self.cur(), Some('j' | 'J')) {
            self.pos += 1;
            self.end_of_number(self.cur(), "imaginary")?;
            return Ok(Tok::Imag(parse_decimal_float(&text, start)?));
        }
        self.end_of_number(self.cur(), "decimal")?;
        if is_float {
            return Ok(Tok::Float(parse_decimal_float(&text, start)?));
        }
        if text.len() > INT_MAX_STR_DIGITS {
            return Err(ParseError::at(
                start,
                format!(
                    "exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string \
                     conversion: value has {} digits",
                    text.len()
                ),
            ));
        }
        BigInt::parse_bytes(text.as_bytes(), 10)
            .map(Tok::Int)
            .ok_or_else(|| ParseError::at(start, "invalid decimal literal"))
    }

    /// Digits with single `_` between them (`tok_decimal_tail`).
    fn decimal_tail(&mut self) -> Result<()> {
        loop {
            while self.cur().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.cur() != Some('_') {
                return Ok(());
            }
            self.pos += 1;
            if !self.cur().is_some_and(|c| c.is_ascii_digit()) {
                return Err(ParseError::at(self.pos - 1, "invalid decimal literal"));
            }
        }
    }

    /// The digits after `0x`/`0o`/`0b`.
    fn radix_int(&mut self, radix: u32, kind: &str) -> Result<Tok> {
        let mut digits = String::new();
        loop {
            if self.cur() == Some('_') {
                self.pos += 1;
            }
            match self.cur() {
                Some(c) if c.is_digit(radix) => {}
                Some(c) if radix < 10 && c.is_ascii_digit() => {
                    return Err(ParseError::at(
                        self.pos,
                        format!("invalid digit '{c}' in {kind} literal"),
                    ))
                }
                _ => return Err(ParseError::at(self.pos, format!("invalid {kind} literal"))),
            }
            while let Some(c) = self.cur().filter(|c| c.is_digit(radix)) {
                digits.push(c);
                self.pos += 1;
            }
            if self.cur() != Some('_') {
                break;
            }
        }
        if let Some(c) = self.cur().filter(|c| radix < 10 && c.is_ascii_digit()) {
            return Err(ParseError::at(
                self.pos,
                format!("invalid digit '{c}' in {kind} literal"),
            ));
        }
        self.end_of_number(self.cur(), kind)?;
        BigInt::parse_bytes(digits.as_bytes(), radix)
            .map(Tok::Int)
            .ok_or_else(|| ParseError::at(self.pos, format!("invalid {kind} literal")))
    }

    /// CPython's `verify_end_of_number`: a number may not run into a name.
    fn end_of_number(&self, next: Option<char>, kind: &str) -> Result<()> {
        match next {
            Some(c) if !c.is_ascii() && !is_ident_continue(c) => Err(bad_char(c, self.pos)),
            Some(c) if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() => {
                Err(ParseError::at(self.pos, format!("invalid {kind} literal")))
            }
            _ => Ok(()),
        }
    }

    /// A string or bytes literal starting at `start` (its prefix, already
    /// lowercased, is `prefix`; `self.pos` is at the opening quote).
    fn string(&mut self, start: usize, prefix: &str) -> Result<Tok> {
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        let Some(quote) = self.cur() else {
            return Err(ParseError::at(start, "unterminated string literal"));
        };
        let triple = self.at(self.pos + 1) == Some(quote) && self.at(self.pos + 2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        // The body with CPython's newline translation (`\r\n`, `\r` -> `\n`)
        // and the source index of each char, for error columns.
        let mut body: Vec<(char, usize)> = Vec::new();
        loop {
            let here = self.pos;
            let Some(mut c) = self.cur() else {
                let what = if triple {
                    "unterminated triple-quoted string literal"
                } else {
                    "unterminated string literal"
                };
                return Err(ParseError::at(start, what));
            };
            self.pos += 1;
            if c == '\r' {
                c = '\n';
                if self.cur() == Some('\n') {
                    self.pos += 1;
                }
            }
            if c == '\n' && !triple {
                return Err(ParseError::at(start, "unterminated string literal"));
            }
            if c == quote {
                if !triple {
                    break;
                }
                if self.cur() == Some(quote) && self.at(self.pos + 1) == Some(quote) {
                    self.pos += 2;
                    break;
                }
            }
            body.push((c, here));
            if c == '\\' {
                // The escaped char never ends the literal.
                let here = self.pos;
                match self.cur() {
                    Some('\r') => {
                        self.pos += 1;
                        if self.cur() == Some('\n') {
                            self.pos += 1;
                        }
                        body.push(('\n', here));
                    }
                    Some(e) => {
                        self.pos += 1;
                        body.push((e, here));
                    }
                    None => {}
                }
            }
        }
        if bytes {
            if let Some(&(_, pos)) = body.iter().find(|(c, _)| !c.is_ascii()) {
                return Err(ParseError::at(
                    pos,
                    "bytes can only contain ASCII literal characters",
                ));
            }
            if raw {
                return Ok(Tok::Bytes(body.iter().map(|&(c, _)| c as u8).collect()));
            }
            return Ok(Tok::Bytes(decode_bytes_escapes(&body)?));
        }
        if raw {
            return Ok(Tok::Str(body.iter().map(|&(c, _)| c).collect()));
        }
        Ok(Tok::Str(decode_str_escapes(&body)?))
    }
}

/// A char that can start no token, in CPython's words.
fn bad_char(c: char, pos: usize) -> ParseError {
    if c.is_control() || c.is_whitespace() {
        ParseError::at(
            pos,
            format!("invalid non-printable character U+{:04X}", c as u32),
        )
    } else {
        ParseError::at(pos, format!("invalid character '{c}' (U+{:04X})", c as u32))
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || unicode_ident::is_xid_start(c)
}

fn is_ident_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c)
}

/// A float from a validated decimal literal without `_`; Rust's parser is
/// correctly rounded, as CPython's `float()` is.
fn parse_decimal_float(text: &str, start: usize) -> Result<f64> {
    text.parse::<f64>()
        .map_err(|_| ParseError::at(start, "invalid decimal literal"))
}

/// Up to `max` hex digits at `body[i..]`.
fn take_hex(body: &[(char, usize)], i: usize, count: usize) -> Option<u32> {
    let digits = body.get(i..i + count)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &(c, _)| Some(acc * 16 + c.to_digit(16)?))
}

/// Up to three octal digits at `body[i..]`: the value and how many.
fn take_octal(body: &[(char, usize)], i: usize) -> (u32, usize) {
    let mut value = 0;
    let mut n = 0;
    while n < 3 {
        match body.get(i + n).and_then(|&(c, _)| c.to_digit(8)) {
            Some(d) => value = value * 8 + d,
            None => break,
        }
        n += 1;
    }
    (value, n)
}

/// The escapes shared by str and bytes literals.
fn simple_escape(c: char) -> Option<Option<char>> {
    Some(Some(match c {
        '\n' => return Some(None),
        '\\' | '\'' | '"' => c,
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        _ => return None,
    }))
}

/// Escapes of a (non-raw) str literal, as CPython 3.11's `unicode_escape`
/// decoder: unknown escapes such as `\q` stay as written.
fn decode_str_escapes(body: &[(char, usize)]) -> Result<String> {
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let (c, pos) = body[i];
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&(e, _)) = body.get(i) else {
            out.push('\\');
            continue;
        };
        i += 1;
        if let Some(simple) = simple_escape(e) {
            out.extend(simple);
            continue;
        }
        let code = match e {
            '0'..='7' => {
                let (value, n) = take_octal(body, i - 1);
                i += n - 1;
                value
            }
            'x' | 'u' | 'U' => {
                let (count, what) = match e {
                    'x' => (2, "truncated \\xXX escape"),
                    'u' => (4, "truncated \\uXXXX escape"),
                    _ => (8, "truncated \\UXXXXXXXX escape"),
                };
                let value = take_hex(body, i, count).ok_or_else(|| ParseError::at(pos, what))?;
                i += count;
                if value > 0x10FFFF {
                    return Err(ParseError::at(pos, "illegal Unicode character"));
                }
                value
            }
            'N' => {
                let (ch, next) = named_escape(body, i, pos)?;
                i = next;
                ch as u32
            }
            _ => {
                out.push('\\');
                out.push(e);
                continue;
            }
        };
        let ch = char::from_u32(code).ok_or_else(|| {
            ParseError::at(
                pos,
                format!(
                    "lone surrogate \\u{code:04x} cannot be represented \
                     (Python allows it, this tool does not)"
                ),
            )
        })?;
        out.push(ch);
    }
    Ok(out)
}

/// `\N{NAME}` with `body[i]` just after the `N`: the char and the index
/// after the closing brace. CPython matches names case-insensitively,
/// including name aliases.
fn named_escape(body: &[(char, usize)], i: usize, pos: usize) -> Result<(char, usize)> {
    let malformed = || ParseError::at(pos, "malformed \\N character escape");
    if body.get(i).map(|&(c, _)| c) != Some('{') {
        return Err(malformed());
    }
    let close = body[i + 1..]
        .iter()
        .position(|&(c, _)| c == '}')
        .ok_or_else(malformed)?;
    if close == 0 {
        return Err(malformed());
    }
    let name: String = body[i + 1..i + 1 + close].iter().map(|&(c, _)| c).collect();
    let unknown = || ParseError::at(pos, "unknown Unicode character name");
    // unicode_names2 matches loosely (UAX44-LM2: ignoring spaces, `_` and
    // medial hyphens); CPython only ignores case. Keep to CPython's words.
    let upper = name.to_ascii_uppercase();
    // No name starts with a hyphen (and unicode_names2 underflows on one).
    let well_formed = !upper.starts_with('-')
        && upper
            .split(' ')
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !well_formed {
        return Err(unknown());
    }
    let ch = unicode_names2::character(&upper).ok_or_else(unknown)?;
    if let Some(canonical) = unicode_names2::name(ch) {
        let canonical = canonical.to_string();
        let squeezed = |s: &str| s.replace([' ', '-'], "");
        // A loose match of the canonical name with other spacing or
        // hyphens, which CPython would reject; aliases pass through.
        if canonical != upper && squeezed(&canonical) == squeezed(&upper) {
            return Err(unknown());
        }
    }
    Ok((ch, i + close + 2))
}

/// Escapes of a (non-raw) bytes literal, as CPython's
/// `_PyBytes_DecodeEscape`: no `\u`, `\U`, `\N`; octal escapes wrap at 256.
fn decode_bytes_escapes(body: &[(char, usize)]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let (c, pos) = body[i];
        i += 1;
        if c != '\\' {
            out.push(c as u8);
            continue;
        }
        let Some(&(e, _)) = body.get(i) else {
            out.push(b'\\');
            continue;
        };
        i += 1;
        if let Some(simple) = simple_escape(e) {
            out.extend(simple.map(|c| c as u8));
            continue;
        }
        match e {
            '0'..='7' => {
                let (value, n) = take_octal(body, i - 1);
                i += n - 1;
                out.push((value & 0xFF) as u8);
            }
            'x' => {
                let value = take_hex(body, i, 2)
                    .ok_or_else(|| ParseError::at(pos, "invalid \\x escape"))?;
                i += 2;
                out.push(value as u8);
            }
            _ => {
                out.push(b'\\');
                out.push(e as u8);
            }
        }
    }
    Ok(out)
}

/// What Python's `float(text)` accepts: surrounding whitespace, a sign,
/// `inf`/`infinity`/`nan` in any case, decimal digits (any Unicode decimal
/// digit) with `_` only between digits.
pub fn python_float_from_str(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(char::is_whitespace);
    let mut ascii = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            ascii.push(char::from_digit(unicode_decimal_value(c)?, 10)?);
        }
    }
    let (negative, rest) = match ascii.as_bytes().first() {
        Some(b'-') => (true, &ascii[1..]),
        Some(b'+') => (false, &ascii[1..]),
        _ => (false, ascii.as_str()),
    };
    let lower = rest.to_ascii_lowercase();
    let magnitude = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            let digits = strip_float_underscores(rest)?;
            if !is_decimal_float_syntax(&digits) {
                return None;
            }
            digits.parse::<f64>().ok()?
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// CPython's `_Py_string_to_number_with_underscores`: each `_` must sit
/// between two digits.
fn strip_float_underscores(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev_digit = i > 0 && bytes[i - 1].is_ascii_digit();
            let next_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !(prev_digit && next_digit) {
                return None;
            }
        } else {
            out.push(b as char);
        }
    }
    Some(out)
}

/// `digits [. digits] [e [+-] digits]` with at least one mantissa digit.
fn is_decimal_float_syntax(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - from
    };
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The value of a Unicode decimal digit (general category Nd). Nd chars
/// come in contiguous runs `0..9` (a Unicode stability guarantee), so the
/// value is the distance from the run's start, modulo 10.
fn unicode_decimal_value(c: char) -> Option<u32> {
    use unicode_general_category::{get_general_category, GeneralCategory};
    let is_nd = |c: char| get_general_category(c) == GeneralCategory::DecimalNumber;
    if !is_nd(c) {
        return None;
    }
    let mut steps = 0;
    let mut code = c as u32;
    while steps < 100 {
        match code.checked_sub(1).and_then(char::from_u32) {
            Some(prev) if is_nd(prev) => {
                steps += 1;
                code -= 1;
            }
            _ => break,
        }
    }
    Some(steps % 10)
}

/// `float(i)` for a Python int: correctly rounded, an error when too large
/// (CPython raises OverflowError).
fn int_to_f64(i: &BigInt) -> Option<f64> {
    i.to_f64().filter(|f| f.is_finite())
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    ahead: VecDeque<Token>,
    /// Open brackets (`(`, `[`, `{`) and their char index; its length is
    /// the nesting depth.
    open: Vec<(char, usize)>,
    /// Hash-table size of each set built so far, by the char index where
    /// its expression starts: `set(s)` copies or rebuilds `s`'s table
    /// depending on it (CPython's `set_merge`).
    set_tables: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct Arg {
    name: Option<(String, usize)>,
    value: Value,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(chars: &'a [char]) -> Self {
        Parser {
            lexer: Lexer { chars, pos: 0 },
            ahead: VecDeque::new(),
            open: Vec::new(),
            set_tables: Vec::new(),
        }
    }

    fn peek_nth(&mut self, n: usize) -> Result<&Token> {
        while self.ahead.len() <= n {
            let token = self.lexer.next_token()?;
            self.ahead.push_back(token);
        }
        Ok(&self.ahead[n])
    }

    fn peek(&mut self) -> Result<&Token> {
        self.peek_nth(0)
    }

    fn next(&mut self) -> Result<Token> {
        self.peek()?;
        self.ahead
            .pop_front()
            .ok_or_else(|| ParseError::at(self.lexer.pos, "unexpected end of input"))
    }

    fn peek_is(&mut self, c: char) -> Result<bool> {
        Ok(self.peek()?.tok == Tok::Punct(c))
    }

    fn text(&self, token: &Token) -> String {
        let text: String = self.lexer.chars[token.start..token.end].iter().collect();
        if text.chars().count() > 30 {
            let short: String = text.chars().take(27).collect();
            format!("{short}...")
        } else {
            text
        }
    }

    /// The error for a token that cannot stand where it is.
    fn unexpected(&self, token: &Token, expected: &str) -> ParseError {
        let suffix = if expected.is_empty() {
            String::new()
        } else {
            format!("; expected {expected}")
        };
        match &token.tok {
            Tok::Eof => match self.open.last() {
                Some(&(c, pos)) => ParseError::at(pos, format!("'{c}' was never closed")),
                None => ParseError::at(token.start, format!("unexpected end of input{suffix}")),
            },
            Tok::Punct(c @ (')' | ']' | '}')) => match self.open.last() {
                Some(&(open, _)) if closer(open) != *c => ParseError::at(
                    token.start,
                    format!(
                        "closing parenthesis '{c}' does not match opening parenthesis '{open}'"
                    ),
                ),
                _ => ParseError::at(token.start, format!("unexpected '{c}'{suffix}")),
            },
            Tok::Str(_) | Tok::Bytes(_) => ParseError::at(
                token.start,
                format!("unexpected string {}{suffix}", self.text(token)),
            ),
            _ => ParseError::at(
                token.start,
                format!("unexpected '{}'{suffix}", self.text(token)),
            ),
        }
    }

    fn enter(&mut self, open: usize, c: char) -> Result<()> {
        if self.open.len() >= MAX_DEPTH {
            return Err(ParseError::at(
                open,
                format!("too deeply nested (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.open.push((c, open));
        Ok(())
    }

    /// After an item inside brackets: a `,` (consumed, returns false) or the
    /// closing bracket (consumed, returns true).
    fn separator(&mut self, close: char) -> Result<bool> {
        let token = self.next()?;
        match token.tok {
            Tok::Punct(',') => Ok(false),
            Tok::Punct(c) if c == close => Ok(true),
            _ => Err(self.unexpected(&token, &format!("',' or '{close}'"))),
        }
    }

    fn parse_top(&mut self) -> Result<Value> {
        let first = self.peek()?.clone();
        if first.tok == Tok::Eof {
            return Err(ParseError::at(first.start, "expected a value"));
        }
        let value = self.top_item(&first)?;
        let value = if self.peek_is(',')? {
            // `1, 2` is a tuple, as in Python.
            let mut items = vec![value];
            while self.peek_is(',')? {
                self.next()?;
                if self.peek()?.tok == Tok::Eof {
                    break;
                }
                items.push(self.value()?);
            }
            Value::Tuple(items)
        } else {
            value
        };
        let token = self.next()?;
        if token.tok != Tok::Eof {
            return Err(self.unexpected(&token, ""));
        }
        Ok(value)
    }

    /// The first top-level value. A lone name here is a bare word that did
    /// not end the input, so the error is what follows it.
    fn top_item(&mut self, first: &Token) -> Result<Value> {
        if let Tok::Name(name) = &first.tok {
            if keyword(name).is_none() {
                let after = self.peek_nth(1)?.clone();
                if !matches!(after.tok, Tok::Eof | Tok::Punct('(' | ',')) {
                    return Err(self.unexpected(&after, ""));
                }
            }
        }
        self.value()
    }

    // The functions on the recursion path (value, primary, the containers)
    // keep their frames small: signs, complex tails, atoms and errors live
    // in separate functions, so nesting MAX_DEPTH deep stays far below a
    // 2 MiB thread stack even in debug builds.

    /// A value: a unary expression, or `REAL + IMAG` / `REAL - IMAG`.
    fn value(&mut self) -> Result<Value> {
        let start = self.peek()?.start;
        let left = match self.peek()?.tok {
            Tok::Punct('+' | '-') => self.signed()?,
            _ => self.primary()?,
        };
        match self.peek()?.tok {
            Tok::Punct('+' | '-') => self.complex_tail(left, start),
            _ => Ok(left),
        }
    }

    /// After `REAL`, at its `+` or `-`: the imaginary part.
    #[inline(never)]
    fn complex_tail(&mut self, left: Value, start: usize) -> Result<Value> {
        let op = self.next()?;
        let plus = op.tok == Tok::Punct('+');
        // Converted after the right operand parsed, so that a missing
        // imaginary part is reported before a too-large int.
        let real = match &left {
            Value::Int(i) => int_to_f64(i)
                .ok_or_else(|| ParseError::at(start, "int too large to convert to float")),
            Value::Float(f) => Ok(*f),
            _ => {
                return Err(ParseError::at(
                    op.start,
                    "'+' and '-' only join a real and an imaginary number, as in 1+2j",
                ))
            }
        };
        let right_pos = self.peek()?.start;
        let right = self.primary()?;
        let Value::Complex(re, im) = right else {
            return Err(ParseError::at(
                right_pos,
                "expected an imaginary number (like 2j) after the real part",
            ));
        };
        let real = real?;
        // CPython turns the real operand into complex(real, 0.0) and adds
        // or subtracts part by part, so signed zeros come out as Python's.
        let value = if plus {
            Value::Complex(real + re, 0.0 + im)
        } else {
            Value::Complex(real - re, 0.0 - im)
        };
        let after = self.peek()?;
        if matches!(after.tok, Tok::Punct('+' | '-')) {
            return Err(ParseError::at(
                after.start,
                "a complex literal is one real and one imaginary part, as in 1+2j",
            ));
        }
        Ok(value)
    }

    /// Any number of unary `+`/`-` (Python allows `--1`), then a primary.
    #[inline(never)]
    fn signed(&mut self) -> Result<Value> {
        let mut negate = false;
        let mut last_op = (0, '+');
        loop {
            let token = self.peek()?;
            match token.tok {
                Tok::Punct(c @ ('+' | '-')) => {
                    negate ^= c == '-';
                    last_op = (token.start, c);
                }
                _ => break,
            }
            self.next()?;
        }
        let value = self.primary()?;
        Ok(match value {
            Value::Int(i) if negate => Value::Int(-i),
            Value::Float(f) if negate => Value::Float(-f),
            Value::Complex(r, i) if negate => Value::Complex(-r, -i),
            v @ (Value::Int(_) | Value::Float(_) | Value::Complex(..)) => v,
            other => {
                return Err(ParseError::at(
                    last_op.0,
                    format!(
                        "bad operand type for unary {}: '{}'",
                        last_op.1,
                        other.type_name()
                    ),
                ))
            }
        })
    }

    fn primary(&mut self) -> Result<Value> {
        let token = self.next()?;
        match token.tok {
            Tok::Punct('(') => self.paren(token.start),
            Tok::Punct('[') => self.list(token.start),
            Tok::Punct('{') => self.brace(token.start),
            Tok::Name(name) => self.name(name, token.start),
            _ => self.atom(token),
        }
    }

    /// A primary that holds no other value.
    #[inline(never)]
    fn atom(&mut self, token: Token) -> Result<Value> {
        match token.tok {
            Tok::Int(i) => Ok(Value::Int(i)),
            Tok::Float(f) => Ok(Value::Float(f)),
            Tok::Imag(f) => Ok(Value::Complex(0.0, f)),
            Tok::Ref(prefix) => Err(ParseError::at(
                token.start,
                format!("`@{prefix}` (a stored value) cannot be part of another value"),
            )),
            Tok::Str(s) => self.concat_str(s),
            Tok::Bytes(b) => self.concat_bytes(b),
            _ => Err(self.unexpected(&token, "a value")),
        }
    }

    fn concat_str(&mut self, mut s: String) -> Result<Value> {
        loop {
            match &self.peek()?.tok {
                Tok::Str(more) => s.push_str(more),
                Tok::Bytes(_) => {
                    let pos = self.peek()?.start;
                    return Err(ParseError::at(
                        pos,
                        "cannot mix bytes and nonbytes literals",
                    ));
                }
                _ => return Ok(Value::Str(s)),
            }
            self.next()?;
        }
    }

    fn concat_bytes(&mut self, mut b: Vec<u8>) -> Result<Value> {
        loop {
            match &self.peek()?.tok {
                Tok::Bytes(more) => b.extend_from_slice(more),
                Tok::Str(_) => {
                    let pos = self.peek()?.start;
                    return Err(ParseError::at(
                        pos,
                        "cannot mix bytes and nonbytes literals",
                    ));
                }
                _ => return Ok(Value::Bytes(b)),
            }
            self.next()?;
        }
    }

    /// Before an item or the closing bracket: true (and consumed) when it
    /// is the closing bracket.
    fn at_close(&mut self, close: char) -> Result<bool> {
        if self.peek()?.tok == Tok::Punct(close) {
            self.next()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// `[a, b, ...]` after its `[`.
    fn list(&mut self, open: usize) -> Result<Value> {
        self.enter(open, '[')?;
        let mut items = Vec::new();
        while !self.at_close(']')? {
            items.push(self.value()?);
            if self.separator(']')? {
                break;
            }
        }
        self.open.pop();
        Ok(Value::List(items))
    }

    /// `()`, `(x)`, `(x,)`, `(x, y)` after the `(`.
    fn paren(&mut self, open: usize) -> Result<Value> {
        self.enter(open, '(')?;
        if self.at_close(')')? {
            self.open.pop();
            return Ok(Value::Tuple(Vec::new()));
        }
        let first = self.value()?;
        if self.separator(')')? {
            self.open.pop();
            return Ok(first);
        }
        let mut items = vec![first];
        while !self.at_close(')')? {
            items.push(self.value()?);
            if self.separator(')')? {
                break;
            }
        }
        self.open.pop();
        Ok(Value::Tuple(items))
    }

    /// `{}`, `{k: v, ...}` or `{a, b, ...}` after the `{`.
    fn brace(&mut self, open: usize) -> Result<Value> {
        self.enter(open, '{')?;
        if self.at_close('}')? {
            self.open.pop();
            return Ok(Value::Dict(Vec::new()));
        }
        let pos = self.peek()?.start;
        let first = self.value()?;
        let value = if self.peek_is(':')? {
            self.dict_items(first, pos)?
        } else {
            let set = self.set_items(first, pos)?;
            if let Value::Set(items) = &set {
                self.set_tables
                    .push((open, crate::pyhash::insertion_table_size(items.len())));
            }
            set
        };
        self.open.pop();
        Ok(value)
    }

    /// The rest of `{k: v, ...}` after its first key.
    fn dict_items(&mut self, mut key: Value, mut pos: usize) -> Result<Value> {
        let mut items = Vec::new();
        loop {
            self.dict_colon()?;
            let value = self.value()?;
            dict_insert(&mut items, key, pos, value)?;
            if self.separator('}')? || self.at_close('}')? {
                return Ok(Value::Dict(items));
            }
            pos = self.peek()?.start;
            key = self.value()?;
        }
    }

    /// The rest of `{a, b, ...}` after its first element.
    fn set_items(&mut self, mut item: Value, mut pos: usize) -> Result<Value> {
        let mut items = Vec::new();
        loop {
            set_insert(&mut items, item, pos)?;
            if self.separator('}')? || self.at_close('}')? {
                return Ok(Value::Set(crate::pyhash::order_by_insertion(items)));
            }
            pos = self.peek()?.start;
            item = self.value()?;
        }
    }

    fn dict_colon(&mut self) -> Result<()> {
        let colon = self.next()?;
        match colon.tok {
            Tok::Punct(':') => Ok(()),
            Tok::Eof => Err(self.unexpected(&colon, "")),
            _ => Err(ParseError::at(colon.start, "expected ':' after dict key")),
        }
    }

    /// A name: a keyword, or a call `set(..)`, `float(..)`, `Digest(..)`,
    /// `Record(field=..)`.
    fn name(&mut self, name: String, pos: usize) -> Result<Value> {
        if let Some(value) = keyword(&name) {
            return Ok(value);
        }
        if !self.peek_is('(')? {
            return Err(ParseError::at(
                pos,
                format!("name '{name}' is not a value (quote strings)"),
            ));
        }
        let open = self.next()?.start;
        let args = self.call_args(open)?;
        let is_set_call = matches!(name.as_str(), "set" | "frozenset");
        let source_table = match args.as_slice() {
            [Arg {
                name: None,
                value: Value::Set(_) | Value::FrozenSet(_),
                pos: at,
            }] => Some(
                self.set_tables
                    .iter()
                    .rev()
                    .find(|(p, _)| p == at)
                    .map(|(_, size)| *size)
                    .unwrap_or(crate::pyhash::SET_MINSIZE),
            ),
            _ => None,
        };
        let value = call(name, args, pos, source_table)?;
        if is_set_call {
            if let Value::Set(items) | Value::FrozenSet(items) = &value {
                let size = match source_table {
                    Some(_) => crate::pyhash::merge_table_size(items.len()),
                    None => crate::pyhash::insertion_table_size(items.len()),
                };
                self.set_tables.push((pos, size));
            }
        }
        Ok(value)
    }

    /// The arguments of a call, after its `(`.
    fn call_args(&mut self, open: usize) -> Result<Vec<Arg>> {
        self.enter(open, '(')?;
        let mut args = Vec::new();
        while !self.at_close(')')? {
            let pos = self.peek()?.start;
            let name = self.keyword_arg()?;
            let value = self.value()?;
            args.push(Arg { name, value, pos });
            if self.separator(')')? {
                break;
            }
        }
        self.open.pop();
        Ok(args)
    }

    /// `NAME =` starting an argument: the name, consumed.
    #[inline(never)]
    fn keyword_arg(&mut self) -> Result<Option<(String, usize)>> {
        let token = self.peek()?;
        let (Tok::Name(n), pos) = (&token.tok, token.start) else {
            return Ok(None);
        };
        let n = n.clone();
        if self.peek_nth(1)?.tok != Tok::Punct('=') {
            return Ok(None);
        }
        if n.contains('.') || matches!(n.as_str(), "True" | "False" | "None") {
            return Err(ParseError::at(pos, format!("invalid field name '{n}'")));
        }
        self.next()?;
        self.next()?;
        Ok(Some((n, pos)))
    }
}

/// The value of `NAME(args)`.
fn call(name: String, args: Vec<Arg>, pos: usize, source_table: Option<usize>) -> Result<Value> {
    match name.as_str() {
        "set" => Ok(Value::Set(set_call(&name, args, pos, source_table)?)),
        "frozenset" => Ok(Value::FrozenSet(set_call(&name, args, pos, source_table)?)),
        "float" => float_call(args, pos),
        "complex" => complex_call(args, pos),
        "bytearray" => bytearray_call(args, pos),
        "Digest" | "D" => match only_positional(&name, args, pos)?.pop() {
            Some(Arg {
                value: Value::Str(s),
                ..
            }) => Ok(Value::Digest(s)),
            _ => Err(ParseError::at(
                pos,
                format!("{name}() takes one string argument, as in {name}('6007...')"),
            )),
        },
        _ => record(name, args),
    }
}

fn closer(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// `True`, `False`, `None`, and the float extensions `inf`, `infinity`,
/// `nan` in any case.
fn keyword(name: &str) -> Option<Value> {
    match name {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::None),
        _ => {}
    }
    match name.to_ascii_lowercase().as_str() {
        "inf" | "infinity" => Some(Value::Float(f64::INFINITY)),
        "nan" => Some(Value::Float(f64::NAN)),
        _ => None,
    }
}

/// CPython's error for an unhashable key: a tuple names the first of its
/// items that cannot be hashed (`{(1, [2]): 3}` says 'list').
fn unhashable(value: &Value, pos: usize) -> ParseError {
    let mut culprit = value;
    while let Value::Tuple(items) = culprit {
        match items.iter().find(|v| !v.is_hashable()) {
            Some(inner) => culprit = inner,
            None => break,
        }
    }
    ParseError::at(pos, format!("unhashable type: '{}'", culprit.type_name()))
}

/// Python's dict display: a key equal to an earlier one keeps the first
/// key object and takes the new value (`{1: 'a', True: 'b'}` is `{1: 'b'}`).
fn dict_insert(
    items: &mut Vec<(Value, Value)>,
    key: Value,
    pos: usize,
    value: Value,
) -> Result<()> {
    if !key.is_hashable() {
        return Err(unhashable(&key, pos));
    }
    match items.iter_mut().find(|(k, _)| k.py_eq(&key)) {
        Some(slot) => slot.1 = value,
        None => items.push((key, value)),
    }
    Ok(())
}

/// Python's set display: the first of equal elements stays.
fn set_insert(items: &mut Vec<Value>, item: Value, pos: usize) -> Result<()> {
    if !item.is_hashable() {
        return Err(unhashable(&item, pos));
    }
    if !items.iter().any(|x| x.py_eq(&item)) {
        items.push(item);
    }
    Ok(())
}

fn only_positional(name: &str, args: Vec<Arg>, pos: usize) -> Result<Vec<Arg>> {
    if let Some(arg) = args.iter().find(|a| a.name.is_some()) {
        return Err(ParseError::at(
            arg.pos,
            format!("{name}() takes no keyword arguments"),
        ));
    }
    if args.len() > 1 {
        return Err(ParseError::at(
            pos,
            format!("{name}() takes at most 1 argument ({} given)", args.len()),
        ));
    }
    Ok(args)
}

/// `set(X)` / `frozenset(X)`: a list or tuple is added element by element;
/// a set is merged (`set_merge`), which keeps or rebuilds its table
/// depending on `source_table`, the size of X's table.
fn set_call(
    name: &str,
    args: Vec<Arg>,
    pos: usize,
    source_table: Option<usize>,
) -> Result<Vec<Value>> {
    let Some(arg) = only_positional(name, args, pos)?.pop() else {
        return Ok(Vec::new());
    };
    match arg.value {
        Value::List(source) | Value::Tuple(source) => {
            let mut items = Vec::new();
            for item in source {
                set_insert(&mut items, item, arg.pos)?;
            }
            Ok(crate::pyhash::order_by_insertion(items))
        }
        Value::Set(items) | Value::FrozenSet(items) => {
            let table =
                source_table.unwrap_or_else(|| crate::pyhash::insertion_table_size(items.len()));
            Ok(crate::pyhash::order_by_merge(items, table))
        }
        other => Err(ParseError::at(
            arg.pos,
            format!(
                "{name}() takes a list, tuple or set literal here, not '{}'",
                other.type_name()
            ),
        )),
    }
}

/// `float()`, `float('nan')`, `float(' -1.5 ')`, and `float(x)` of a number.
fn float_call(args: Vec<Arg>, pos: usize) -> Result<Value> {
    let Some(arg) = only_positional("float", args, pos)?.pop() else {
        return Ok(Value::Float(0.0));
    };
    let value = match &arg.value {
        Value::Str(s) => python_float_from_str(s).ok_or_else(|| {
            ParseError::at(
                arg.pos,
                format!("could not convert string to float: {}", quote_for_hint(s)),
            )
        })?,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Int(i) => int_to_f64(i)
            .ok_or_else(|| ParseError::at(arg.pos, "int too large to convert to float"))?,
        other => {
            return Err(ParseError::at(
                arg.pos,
                format!(
                    "float() argument must be a string or a real number, not '{}'",
                    other.type_name()
                ),
            ))
        }
    };
    Ok(Value::Float(value))
}

/// `complex()`, `complex(re)`, `complex(re, im)` (also as `real=`,
/// `imag=`) of numbers, with CPython 3.11's arithmetic when an argument is
/// itself complex: `complex(1j, 1j)` is `(-1+1j)`.
fn complex_call(args: Vec<Arg>, pos: usize) -> Result<Value> {
    let given = args.len();
    if given > 2 {
        return Err(ParseError::at(
            pos,
            format!("complex() takes at most 2 arguments ({given} given)"),
        ));
    }
    let (mut real, mut imag): (Option<Arg>, Option<Arg>) = (None, None);
    for (i, arg) in args.into_iter().enumerate() {
        let slot = match arg.name.as_ref().map(|(n, _)| n.as_str()) {
            None if i == 0 => &mut real,
            None => &mut imag,
            Some("real") => &mut real,
            Some("imag") => &mut imag,
            Some(other) => {
                return Err(ParseError::at(
                    arg.pos,
                    format!("complex() got an unexpected keyword argument '{other}'"),
                ))
            }
        };
        if slot.is_some() {
            return Err(ParseError::at(
                arg.pos,
                "complex() got multiple values for one argument",
            ));
        }
        *slot = Some(arg);
    }
    /// An argument as (re, im, is_complex).
    fn number(arg: &Arg, which: &str) -> Result<(f64, f64, bool)> {
        match &arg.value {
            Value::Complex(re, im) => Ok((*re, *im, true)),
            Value::Float(f) => Ok((*f, 0.0, false)),
            Value::Bool(b) => Ok((f64::from(u8::from(*b)), 0.0, false)),
            Value::Int(i) => int_to_f64(i)
                .map(|f| (f, 0.0, false))
                .ok_or_else(|| ParseError::at(arg.pos, "int too large to convert to float")),
            Value::Str(_) => Err(ParseError::at(
                arg.pos,
                "complex() of a string is not read here: write the number itself, e.g. 1+2j",
            )),
            other => Err(ParseError::at(
                arg.pos,
                format!(
                    "complex() {which} argument must be a number, not '{}'",
                    other.type_name()
                ),
            )),
        }
    }
    let (mut re, r_imag, r_complex) = match &real {
        Some(arg) => number(arg, "first")?,
        None => (0.0, 0.0, false),
    };
    let Some(imag) = imag else {
        return Ok(Value::Complex(re, r_imag));
    };
    let (mut im, i_imag, i_complex) = number(&imag, "second")?;
    if i_complex {
        re -= i_imag;
    }
    if r_complex {
        im += r_imag;
    }
    Ok(Value::Complex(re, im))
}

/// `bytearray()`, `bytearray(b'...')` (as `repr` prints one), and
/// `bytearray([1, 2])` of ints below 256.
fn bytearray_call(args: Vec<Arg>, pos: usize) -> Result<Value> {
    let Some(arg) = only_positional("bytearray", args, pos)?.pop() else {
        return Ok(Value::ByteArray(Vec::new()));
    };
    let bytes = match arg.value {
        Value::Bytes(b) | Value::ByteArray(b) => b,
        Value::List(items) | Value::Tuple(items) => items
            .iter()
            .map(|item| match item {
                Value::Bool(b) => Ok(u8::from(*b)),
                Value::Int(i) => i
                    .to_u8()
                    .ok_or_else(|| ParseError::at(arg.pos, "byte must be in range(0, 256)")),
                other => Err(ParseError::at(
                    arg.pos,
                    format!(
                        "'{}' object cannot be interpreted as an integer",
                        other.type_name()
                    ),
                )),
            })
            .collect::<Result<Vec<u8>>>()?,
        Value::Str(_) => {
            return Err(ParseError::at(
                arg.pos,
                "bytearray() of a string needs an encoding: write bytearray(b'...')",
            ))
        }
        other => {
            return Err(ParseError::at(
                arg.pos,
                format!(
                    "bytearray() takes bytes or a list of ints here (bytearray(b'...')), not '{}'",
                    other.type_name()
                ),
            ))
        }
    };
    Ok(Value::ByteArray(bytes))
}

/// `Name(field=value, ...)`: fields in the order typed.
fn record(name: String, args: Vec<Arg>) -> Result<Value> {
    let mut fields: Vec<(String, Value)> = Vec::with_capacity(args.len());
    for arg in args {
        let Some((field, field_pos)) = arg.name else {
            return Err(ParseError::at(
                arg.pos,
                format!("positional argument in {name}(...): write field=value"),
            ));
        };
        if fields.iter().any(|(f, _)| *f == field) {
            return Err(ParseError::at(
                field_pos,
                format!("keyword argument repeated: {field}"),
            ));
        }
        fields.push((field, arg.value));
    }
    Ok(Value::Record(Record {
        class: name,
        fields,
    }))
}
