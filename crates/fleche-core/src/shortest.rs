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
