//! `fleche why` on the `why` fixture, whose generator stored one call per
//! miss cause with real fleche and asked fleche, for each call a user might
//! make next (a function moved to a module, renamed, re-versioned, edited
//! under `hash_code=True`, given a new parameter, called with `1` for
//! `True`), its key and whether it is stored (`why_cases.json`).

use crate::fixture_answers::{check_expand_and_shrink, check_queries};
use crate::support::TestEnv;
use serde_json::Value as Json;

/// The part a difference names, as the cases spell it.
fn part(d: &Json) -> String {
    match d["part"].as_str() {
        Some("argument") => format!("argument {}", d["argument"].as_str().unwrap_or("?")),
        Some(p) => p.to_string(),
        None => "?".into(),
    }
}

#[test]
fn why_names_the_cause_fleche_misses_for_and_hits_what_it_stores() {
    let dir = TestEnv::fixture("why");
    let text = std::fs::read_to_string(dir.path("why_cases.json")).expect("why_cases.json");
    let cases: Vec<Json> = serde_json::from_str(&text).expect("JSON");
    assert!(cases.len() >= 12);
    for case in cases {
        let argv: Vec<&str> = case["why"]
            .as_array()
            .expect("why")
            .iter()
            .map(|a| a.as_str().expect("str"))
            .collect();
        let run = dir
            .fleche()
            .arg("why")
            .args(&argv)
            .args(["--format", "json"])
            .run();
        let stored = case["stored"].as_bool().expect("stored");
        assert_eq!(
            run.success(),
            stored,
            "why {argv:?}: {}{}",
            run.stdout,
            run.stderr
        );
        let got = run.json();
        assert_eq!(got["hit"], stored, "why {argv:?}: {got}");
        // The key fleche looks the call up by.
        assert_eq!(got["key"], case["key"], "why {argv:?}");
        if stored {
            assert_eq!(got["stored"], case["key"], "why {argv:?}: {got}");
            continue;
        }
        let nearest = &got["nearest"][0];
        let parts: Vec<String> = nearest["differences"]
            .as_array()
            .expect("differences")
            .iter()
            .map(part)
            .collect();
        let want: Vec<String> = case["differences"]
            .as_array()
            .expect("differences")
            .iter()
            .map(|p| p.as_str().expect("str").to_string())
            .collect();
        assert_eq!(parts, want, "why {argv:?}: {got}");
    }
}

#[test]
fn why_explains_in_sentences_with_the_fix() {
    let dir = TestEnv::fixture("why");
    let out = dir.run(["why", "fit", "--module", "analysis", "x=1", "lr=0.1"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("miss: no stored call is analysis.fit(x=1, lr=0.1) (key "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("module: stored under `__main__`, yours is `analysis`"),
        "{}",
        out.stdout
    );
    let out = dir.run(["why", "flag", "x=1"]);
    assert!(
        out.stdout.contains("argument x: stored True, yours 1 (equal as numbers, but fleche keys bool and int differently"),
        "{}",
        out.stdout
    );
    let out = dir.ok(["why", "fit", "x=2", "lr=0.5"]);
    assert!(
        out.stdout
            .starts_with("hit: fit(x=2, lr=0.5) is stored as call "),
        "{}",
        out.stdout
    );
    // 2 * 0.5 is 1.0, which fleche files under the digest of 1, where the
    // argument x=1 of fit(1) already is: fleche's load gives back the int.
    assert!(out.stdout.contains("  result  1\n"), "{}", out.stdout);
    // Nothing of that name nor with those arguments.
    let out = dir.run(["why", "nothing_like_it", "q=12345"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("no stored call of `nothing_like_it`"),
        "{}",
        out.stdout
    );
}

#[test]
fn why_fixture_answers() {
    check_queries("why");
    check_expand_and_shrink("why");
}

/// Every nearest call of each miss, in order, as `why` ranked them when
/// each criterion was its own query (the stores now answer them in one
/// SQLite statement): same name first, fewest differences, fewest
/// argument differences, newest.
#[test]
fn why_ranks_every_nearest_call_as_before() {
    let dir = TestEnv::fixture("why");
    let text = std::fs::read_to_string(dir.path("why_cases.json")).expect("why_cases.json");
    let cases: Vec<Json> = serde_json::from_str(&text).expect("JSON");
    let want: &[&[&str]] = &[
        &[
            "ee691449", "0b35b0fe", "f17d795e", "646e06b5", "2abaa7b6", "8c20c674",
        ],
        &["ee691449", "646e06b5", "2abaa7b6", "8c20c674", "0b35b0fe"],
        &["8c20c674", "646e06b5", "2abaa7b6", "ee691449"],
        &["2abaa7b6", "646e06b5", "8c20c674", "ee691449"],
        &["646e06b5", "2abaa7b6", "8c20c674", "ee691449"],
        &["8ba1bbc9", "646e06b5", "2abaa7b6", "8c20c674", "ee691449"],
        &[
            "ee691449", "f17d795e", "0b35b0fe", "646e06b5", "2abaa7b6", "8c20c674",
        ],
    ];
    let misses: Vec<&Json> = cases.iter().filter(|c| c["stored"] == false).collect();
    assert_eq!(misses.len(), want.len());
    for (case, want) in misses.into_iter().zip(want) {
        let argv: Vec<&str> = case["why"]
            .as_array()
            .expect("why")
            .iter()
            .map(|a| a.as_str().expect("str"))
            .collect();
        let run = dir
            .fleche()
            .arg("why")
            .args(&argv)
            .args(["--format", "json", "-n", "20"])
            .run();
        let got: Vec<String> = run.json()["nearest"]
            .as_array()
            .expect("nearest")
            .iter()
            .map(|n| n["key"].as_str().expect("key")[..8].to_string())
            .collect();
        assert_eq!(got, *want, "why {argv:?}");
    }
}
