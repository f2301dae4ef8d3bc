//! The fuzz targets (`fleche_core::fuzzing`, also built for libFuzzer in
//! `fuzz/`) on stable Rust, on every test run: the committed corpus
//! (`fuzz/corpus/<target>/`, every input that ever crashed included) is
//! replayed, then mutated at random for `FLECHE_FUZZ_SECS` seconds per
//! target (default 2; CI sets more). Every input must finish without a
//! panic, within `MAX_TIME`, allocating at most `MAX_BYTES` at once on the
//! thread that decodes it. A failing input is saved under
//! `target/fuzz-failures/<target>/` and named in the failure, with the seed
//! that reproduces the run (`FLECHE_FUZZ_SEED`).

use crate::alloc::{peak_since_reset, reset_peak};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// CPU time of the thread, for an unoptimised core: the inputs are at most
/// `MAX_LEN` bytes, but a destructured value may list one child thousands
/// of times (2.3 KB mending into 180,000 nodes, a 9 MB repr: 1.5-2 s here,
/// linear, 60 ms in release); a hang or a quadratic walk takes far longer.
const MAX_TIME: Duration = Duration::from_secs(5);
const MAX_BYTES: usize = 200 << 20;
const MAX_LEN: usize = 16 << 10;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo().join("fuzz/corpus").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("read a corpus file"))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "empty corpus {}", dir.display());
    out
}

/// Tokens a mutation may insert: what the target's grammar is made of.
fn dictionary(target: &str) -> &'static [&'static [u8]] {
    match target {
        "pickle" | "envelope" => &[
            b"\x80\x04",
            b"\x95",
            b"N",
            b".",
            b"(",
            b"t",
            b"l",
            b"d",
            b"}",
            b"]",
            b")",
            b"\x85",
            b"\x86",
            b"\x87",
            b"c",
            b"\x93",
            b"R",
            b"b",
            b"s",
            b"u",
            b"a",
            b"e",
            b"\x94",
            b"h",
            b"j",
            b"g",
            b"q",
            b"r",
            b"0",
            b"2",
            b"\x8c",
            b"X",
            b"B",
            b"C",
            b"\x8e",
            b"\x96",
            b"\x8a",
            b"\x8b",
            b"J",
            b"K",
            b"M",
            b"G",
            b"I",
            b"L",
            b"\x88",
            b"\x89",
            b"\x8f",
            b"\x90",
            b"\x91",
            b"\x81",
            b"\x92",
            b"\x97",
            b"\x98",
            b"\xff\xff\xff\x7f",
            b"\x00\x00\x00\x80",
            b"\xff\xff\xff\xff\xff\xff\xff\x7f",
            b"numpy.core.multiarray\n_reconstruct\n",
            b"numpy\ndtype\n",
            b"fleche.storage.destructuring",
            b"DigestedIterable",
            b"DigestedMapping",
            b"builtins\nset\n",
            b"collections\nOrderedDict\n",
            b"\xff\xfe\xfd",
            b"\x1f\x8b\x08\x00",
        ],
        "hdf5" => &[
            b"\x89HDF\r\n\x1a\n",
            b"OHDR",
            b"OCHK",
            b"FRHP",
            b"FHDB",
            b"FHIB",
            b"BTHD",
            b"BTLF",
            b"BTIN",
            b"GCOL",
            b"TREE",
            b"HEAP",
            b"SNOD",
            b"content_type",
            b"bagofholding.content.",
            b"bagofholding.content.Reference",
            b"bagofholding.content.Reducible",
            b"bagofholding.content.List",
            b"bagofholding.content.StrKeyDict",
            b"bagofholding.h5.content.Array",
            b"_bigint",
            b"_surrogate_str",
            b"object",
            b"i0",
            b"\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\x00\x00\x00\x00\x00\x00\x00\x00",
            b"\xff\xff\xff\x7f",
            b"\x00\x00\x00\x80",
        ],
        "literal" => &[
            b"(",
            b")",
            b"[",
            b"]",
            b"{",
            b"}",
            b",",
            b":",
            b"'",
            b"\"",
            b"b'",
            b"r'",
            b"1e308",
            b"-0.0",
            b"nan",
            b"inf",
            b"-",
            b"2**",
            b"**",
            b"complex(",
            b"frozenset(",
            b"set()",
            b"bytearray(",
            b"@",
            b"\\x",
            b"\\u",
            b"\\N{",
            b"None",
            b"True",
            b"=",
            b"_",
            b"0x",
            b"0o",
            b"0b",
            b"j",
            b"e-",
            b"99999999999999999999",
        ],
        _ => &[
            b"[",
            b"]",
            b"[[",
            b"]]",
            b"=",
            b"\"",
            b"'",
            b"\n",
            b"template",
            b"root",
            b"values",
            b"calls",
            b"type",
            b"\"sql\"",
            b"url",
            b"\"sqlite:///",
            b"pool",
            b"~",
            b"..",
            b"default",
            b"cache",
            b"true",
            b"secret_key",
            b"{",
            b"}",
            b",",
            b"\"pickle\"",
            b"\"dill\"",
            b"\"ssh\"",
            b"postgresql://",
            b"\x00",
        ],
    }
}

fn mutate(
    rng: &mut fastrand::Rng,
    input: &mut Vec<u8>,
    others: &[(String, Vec<u8>)],
    dict: &[&[u8]],
) {
    for _ in 0..rng.usize(1..=4) {
        let len = input.len();
        match rng.u8(0..8) {
            0 if len > 0 => {
                let i = rng.usize(0..len);
                input[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(0..len);
                let any = rng.u8(..);
                input[i] = *rng.choice(&[0u8, 0xff, 0x7f, 0x80, 1, any]).expect("one");
            }
            2 => {
                let at = rng.usize(0..=len);
                let token = rng.choice(dict).expect("a token");
                input.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.usize(0..len);
                let b = rng.usize(a..=len.min(a + 64));
                input.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.usize(0..len);
                let b = rng.usize(a..=len.min(a + 64));
                let piece: Vec<u8> = input[a..b].to_vec();
                let at = rng.usize(0..=len);
                for _ in 0..rng.usize(1..=8) {
                    input.splice(at..at, piece.iter().copied());
                }
            }
            5 if len >= 4 => {
                let at = rng.usize(0..=len - 4);
                let word: u32 = *rng
                    .choice(&[u32::MAX, 0x7fff_ffff, 0x8000_0000, 1 << 20, 1 << 30, 0])
                    .expect("one");
                input[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
            6 => {
                let (_, other) = &others[rng.usize(0..others.len())];
                if !other.is_empty() {
                    let a = rng.usize(0..other.len());
                    let b = rng.usize(a..=other.len());
                    let at = rng.usize(0..=len);
                    input.splice(at..at, other[a..b].iter().copied());
                }
            }
            _ => {
                let at = rng.usize(0..=len);
                input.insert(at, rng.u8(..));
            }
        }
    }
    input.truncate(MAX_LEN);
}

/// Run one input; `Err` says how it failed.
fn run_one(target: &str, input: &[u8], scratch: &Path) -> Result<(), String> {
    reset_peak();
    let start = thread_cpu_time();
    let outcome = catch_unwind(AssertUnwindSafe(|| match target {
        "pickle" => fleche_core::fuzzing::pickle(input),
        "envelope" => fleche_core::fuzzing::envelope(input),
        "literal" => fleche_core::fuzzing::literal(input),
        "hdf5" => fleche_core::fuzzing::hdf5(input),
        _ => fleche_core::fuzzing::config(input, scratch),
    }));
    let took = thread_cpu_time().saturating_sub(start);
    let peak = peak_since_reset();
    if let Err(panic) = outcome {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        return Err(format!("panicked: {what}"));
    }
    if took > MAX_TIME {
        return Err(format!("took {took:?} (limit {MAX_TIME:?})"));
    }
    if peak > MAX_BYTES {
        return Err(format!(
            "allocated {peak} bytes at once (limit {MAX_BYTES})"
        ));
    }
    Ok(())
}

/// CPU time of this thread: the bound on an input's work holds however
/// busy the machine is (wall time grew past it with other builds running).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn save(target: &str, input: &[u8]) -> PathBuf {
    use sha2::Digest;
    let dir = repo().join("target/fuzz-failures").join(target);
    std::fs::create_dir_all(&dir).expect("failure dir");
    let name: String = sha2::Sha256::digest(input)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, input).expect("save the failing input");
    path
}

fn fuzz(target: &str) {
    let scratch = tempfile_dir(target);
    let seeds = corpus(target);
    for (name, input) in &seeds {
        if let Err(why) = run_one(target, input, &scratch) {
            panic!("fuzz/corpus/{target}/{name} {why}");
        }
    }
    let secs: f64 = std::env::var("FLECHE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let seed: u64 = std::env::var("FLECHE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    // Said before the run, so that an abort (which no test can catch) can
    // be replayed.
    notice(&format!("fuzz {target}: FLECHE_FUZZ_SEED={seed}"));
    let mut rng = fastrand::Rng::with_seed(seed);
    let dict = dictionary(target);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut runs = 0u64;
    while Instant::now() < deadline {
        let mut input = seeds[rng.usize(0..seeds.len())].1.clone();
        mutate(&mut rng, &mut input, &seeds, dict);
        if let Err(why) = run_one(target, &input, &scratch) {
            let path = save(target, &input);
            panic!(
                "{target}: a mutated input {why}; saved as {} (FLECHE_FUZZ_SEED={seed}); \
                 once fixed, add it to fuzz/corpus/{target}/",
                path.display()
            );
        }
        runs += 1;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    notice(&format!(
        "fuzz {target}: {} corpus inputs, {runs} mutations in {secs} s",
        seeds.len()
    ));
}

/// A line on the real stderr, past the test harness's capture.
fn notice(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn tempfile_dir(target: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fleche-fuzz-{target}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn pickle() {
    fuzz("pickle");
}

#[test]
fn envelope() {
    fuzz("envelope");
}

#[test]
fn literal() {
    fuzz("literal");
}

#[test]
fn hdf5() {
    fuzz("hdf5");
}

#[test]
fn config() {
    fuzz("config");
}

/// The allocation bound itself: a pickle declaring a 2 GiB bytes object
/// that is not there fails at once, having allocated next to nothing.
#[test]
fn a_declared_size_is_not_allocated() {
    let mut input = b"\x80\x04\x8e".to_vec();
    input.extend_from_slice(&(2u64 << 30).to_le_bytes());
    input.extend_from_slice(b"tiny.");
    reset_peak();
    let start = Instant::now();
    assert!(fleche_core::pickle::load(&input).is_err());
    assert!(start.elapsed() < Duration::from_millis(500));
    let peak = peak_since_reset();
    assert!(peak < 1 << 20, "allocated {peak} bytes");
}
