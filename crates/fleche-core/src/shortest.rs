//! The shortest decimal digits that read back as a float of 16, 32 or 64
//! bits, the closest such when several qualify: what CPython's `repr` and
//! numpy's Dragon4 (unique mode) print. Shared by `repr` and `arrayprint`.

/// The shortest round-trip digits of `x` in `{:e}` form, and among those the
/// closest to `x`, as CPython's `dtoa` picks them. Rust's `{:e}` finds the
/// shortest length but not always the closest last digit
/// (167840108842343.63 where Python has ...62), so redo that length with
/// exact rounding and keep it if it still reads back as `x`.
pub fn shortest_sci<F>(x: F, parse: impl Fn(&str) -> Option<F>) -> String
where
    F: std::fmt::LowerExp + PartialEq + Copy,
{
    let shortest = format!("{x:e}");
    let (mantissa, _) = shortest.split_once('e').unwrap_or((&shortest, ""));
    let digits = mantissa.chars().filter(char::is_ascii_digit).count();
    let closest = format!("{:.*e}", digits.saturating_sub(1), x);
    if parse(&closest) == Some(x) {
        closest
    } else {
        shortest
    }
}

/// [`shortest_sci`] of a double, fast: zmij's digits where no tie can
/// make them differ from the closest ([`cannot_tie`]; zmij rounds a tie
/// to even as CPython does, but the careful way decides those), without
/// formatting twice and parsing. Three in four of a call file's floats
/// are times and durations, and the careful way was a third of a dill
/// listing's instructions.
pub fn f64_shortest_sci(x: f64) -> String {
    if x != 0.0 && cannot_tie(x) {
        let mut buf = zmij::Buffer::new();
        if let Some(sci) = as_sci(buf.format_finite(x)) {
            return sci;
        }
    }
    shortest_sci(x, |s| s.parse::<f64>().ok())
}

/// CPython's `repr` of a positive double where it is written without an
/// exponent (1e-4 <= x < 1e16) and is zmij's text as it stands (an
/// integral value with `.0`); None otherwise.
pub fn f64_positional(x: f64) -> Option<String> {
    (1e-4..1e16).contains(&x).then(|| zmij_plain(x))?
}

/// `x.to_string()`, faster where zmij's text is `Display`'s but for an
/// integral value's `.0` (a CSV listing's times: `Display` was a tenth of
/// its instructions).
pub fn display_text(x: f64) -> String {
    match zmij_plain(x) {
        Some(text) => match text.strip_suffix(".0") {
            Some(integral) => integral.to_string(),
            None => text,
        },
        None => x.to_string(),
    }
}

/// zmij's text of `x` when its digits are certain ([`cannot_tie`]) and it
/// has no exponent.
fn zmij_plain(x: f64) -> Option<String> {
    if !cannot_tie(x) {
        return None;
    }
    let mut buf = zmij::Buffer::new();
    let text = buf.format_finite(x);
    (!text.contains(['e', 'E'])).then(|| text.to_string())
}

/// zmij's text of a positive value (`123.45`, `1e16`, `6.6e-5`) in `{:e}`
/// form (`1.2345e2`).
fn as_sci(text: &str) -> Option<String> {
    let (mantissa, exp) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = || int.bytes().chain(frac.bytes());
    let zeros = all().take_while(|&b| b == b'0').count();
    let digits: Vec<u8> = all().skip(zeros).collect();
    let end = digits.iter().rposition(|&b| b != b'0')? + 1;
    let (first, rest) = digits[..end].split_first()?;
    let exp = int.len() as i64 - 1 - zeros as i64 + exp;
    let mut out = String::with_capacity(end + 8);
    out.push(char::from(*first));
    if !rest.is_empty() {
        out.push('.');
        out.push_str(std::str::from_utf8(rest).ok()?);
    }
    out.push('e');
    out.push_str(&exp.to_string());
    Some(out)
}

/// Whether the shortest digits of `x` cannot be a tie between two
/// candidates, where algorithms round differently: a tie needs the exact
/// decimal value to have at most 18 significant digits (17 and the 5
/// between the two), and a time or a duration has dozens.
pub fn cannot_tie(x: f64) -> bool {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    if biased == 0 || biased == 0x7ff {
        return false;
    }
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // x = odd * 2^exp: its decimal value has exactly -exp digits after
    // the point, the last a 5.
    let exp = biased - 1075 + i64::from(mantissa.trailing_zeros());
    if exp >= 0 {
        return false;
    }
    // 2^b <= |x| < 2^(b+1), and 0.30102 < log10(2) < 0.30103: at least
    // this many digits come before the point, or at most this many zeros
    // after it before the first significant digit.
    let b = biased - 1023;
    let significant = if b >= 0 {
        -exp + b * 30102 / 100_000 + 1
    } else {
        -exp - (-b * 30103 / 100_000 + 1)
    };
    significant > 18
}

/// The shortest digits of a single-precision float.
pub fn f32_shortest_sci(f: f32) -> String {
    shortest_sci(f.abs(), |s| s.parse::<f32>().ok())
}

/// IEEE half precision to single (exact).
pub fn f16_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (bits >> 10) & 0x1f;
    let frac = (bits & 0x3ff) as f32;
    let mag = match exp {
        0 => frac * 2f32.powi(-24),
        0x1f if frac == 0.0 => f32::INFINITY,
        0x1f => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(e as i32 - 15),
    };
    sign * mag
}

/// Shortest `{:e}` digits that read back as the same half-precision value,
/// the closest such when two qualify (numpy's `float16` repr).
pub fn f16_shortest_sci(bits: u16) -> String {
    let mag = bits & 0x7fff;
    let v = f16_to_f32(mag) as f64;
    let below = f16_to_f32(mag.saturating_sub(1)) as f64;
    // Past the largest finite half (0x7bff) the next step would be 2**16.
    let above = if mag + 1 >= 0x7c00 {
        65536.0
    } else {
        f16_to_f32(mag + 1) as f64
    };
    let even = mag & 1 == 0;
    let reads_back = |c: f64| {
        let d = (c - v).abs();
        let beats_below = mag == 0 || d < c - below || (even && d == c - below);
        let beats_above = d < above - c || (even && d == above - c);
        beats_below && beats_above
    };
    for precision in 0..5usize {
        // The correctly rounded digits and their two decimal neighbours: a
        // half-way case can round towards a value that does not read back.
        let rounded = format!("{v:.precision$e}");
        let Some((mantissa, exp)) = rounded.split_once('e') else {
            continue;
        };
        let Ok(exp) = exp.parse::<i32>() else {
            continue;
        };
        let digits: i64 = mantissa.replace('.', "").parse().unwrap_or(0);
        let scale = exp - precision as i32;
        let best = [digits, digits - 1, digits + 1]
            .into_iter()
            .filter_map(|m| {
                let c: f64 = format!("{m}e{scale}").parse().ok()?;
                reads_back(c).then_some((m, c))
            })
            .min_by(|a, b| (a.1 - v).abs().total_cmp(&(b.1 - v).abs()));
        if let Some((_, c)) = best {
            return format!("{c:.precision$e}");
        }
    }
    format!("{v:e}")
}

/// Lays out shortest digits (`{:e}` output such as `1.2345e20`) the way
/// CPython's `format_float_short` does for the 'r' format.
pub fn layout_digits(sign: &str, sci: &str, add_dot_0: bool) -> String {
    layout_digits_as(sign, sci, add_dot_0, None)
}

/// [`layout_digits`] in scientific (`Some(true)`) or positional
/// (`Some(false)`) form, or as CPython chooses (None).
pub fn layout_digits_as(
    sign: &str,
    sci: &str,
    add_dot_0: bool,
    scientific: Option<bool>,
) -> String {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // Fixed-precision forms may end in zeros; they carry no information.
    let trimmed = digits.trim_end_matches('0');
    let digits = if trimmed.is_empty() { "0" } else { trimmed };
    let n = digits.len() as i64;
    // The value is 0.DIGITS * 10**decpt, as `_Py_dg_dtoa` reports it.
    let decpt = exp + 1;
    if scientific.unwrap_or(decpt <= -4 || decpt > 16) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs())
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt < n {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{sign}{int}.{frac}")
    } else {
        let zeros = "0".repeat((decpt - n) as usize);
        let tail = if add_dot_0 { ".0" } else { "" };
        format!("{sign}{digits}{zeros}{tail}")
    }
}

/// Whether numpy prints a scalar of this magnitude in scientific form:
/// outside `[1e-4, max_positional)` (numpy's `*type_repr_either`), where
/// `max_positional` is 1e3 for float16, 1e6 for float32, 1e16 for float64.
pub fn numpy_scientific(abs: f64, max_positional: f64) -> bool {
    abs != 0.0 && !(1e-4..max_positional).contains(&abs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values both fast ways are checked on: edges of the range, a time
    /// and a duration, and a tie.
    #[allow(clippy::excessive_precision)]
    const EDGES: [f64; 12] = [
        1.0,
        0.1,
        1e-5,
        1e16,
        1e22,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        1756224078.6042824,
        0.08487742731067444,
        123.0,
        1658206780088562.25,
    ];

    fn careful(x: f64) -> String {
        shortest_sci(x, |s| s.parse::<f64>().ok())
    }

    /// `n` pairs from `seed`: a random bit pattern (any magnitude, NaNs
    /// and infinities too), and a time or a duration as fleche records
    /// them.
    fn samples(seed: u64, n: u32) -> impl Iterator<Item = (f64, f64)> {
        let mut x = seed;
        (0..n).map(move |i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            let t = if i % 2 == 0 {
                1.7e9 + unit * 1e8
            } else {
                unit * 10f64.powi((i % 12) as i32 - 6)
            };
            (f64::from_bits(x), t)
        })
    }

    #[test]
    // The ties are written exactly (their shortest digits are not).
    #[allow(clippy::excessive_precision)]
    fn display_text_is_what_display_writes() {
        let check = |f: f64| assert_eq!(display_text(f), f.to_string(), "{f:e}");
        let more = [
            0.0,
            -0.0,
            -1.0,
            1e-4,
            1e15,
            1e17,
            1e21,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9007199254740993.0,
            // Ties: zmij writes .2, Display .3.
            -1052730259603333.25,
            662936471232937.25,
            0.5,
            2.25,
        ];
        for f in EDGES.into_iter().chain(more) {
            check(f);
        }
        // Times and durations take the fast way; ties cannot.
        assert!(cannot_tie(1756224078.6042824) && cannot_tie(0.08487742731067444));
        assert!(!cannot_tie(1658206780088562.25) && !cannot_tie(0.5));
        let mut fast = 0;
        for (any, t) in samples(0x9e37_79b9_7f4a_7c15, 1_000_000) {
            check(any);
            check(t);
            fast += usize::from(cannot_tie(t));
        }
        assert!(fast > 999_000, "{fast}");
    }

    #[test]
    // The ties are written exactly (their shortest digits are not).
    #[allow(clippy::excessive_precision)]
    fn fast_digits_are_the_careful_ones() {
        let more = [
            6.6e-5,
            100.0,
            0.0,
            // Ties: Rust's `{:e}` rounds up, CPython to even.
            167840108842343.625,
        ];
        for x in EDGES.into_iter().chain(more) {
            assert_eq!(f64_shortest_sci(x), careful(x), "{x:e}");
            if let Some(text) = f64_positional(x) {
                assert_eq!(text, layout_digits("", &careful(x), true), "{x:e}");
            }
        }
        assert_eq!(
            f64_shortest_sci(167840108842343.625),
            "1.6784010884234362e14"
        );
        assert!(cannot_tie(1756224078.6042824) && !cannot_tie(167840108842343.625));
        let mut fast = 0;
        for (any, t) in samples(0x2545_f491_4f6c_dd1d, 300_000) {
            let any = any.abs();
            if any.is_finite() {
                assert_eq!(f64_shortest_sci(any), careful(any), "{any:e}");
            }
            assert_eq!(f64_shortest_sci(t), careful(t), "{t:e}");
            if let Some(text) = f64_positional(t) {
                assert_eq!(text, layout_digits("", &careful(t), true), "{t:e}");
                fast += 1;
            }
        }
        // Times and durations (all but those under 1e-4) are positional.
        assert!(fast > 270_000, "{fast}");
    }
}
