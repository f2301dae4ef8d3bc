//! Every call key in the user's Getting Started notebook
//! (`shared/seed/getting-started-with-fleche.txt`) that depends only on its
//! arguments, reproduced by `fleche digest --call`. The expected keys are the
//! notebook's own output, i.e. real fleche answers. The two `compute` keys
//! come from an older fleche that stored the bare method name.

use crate::support::fleche;

fn call_key(name: &str, args: &[&str]) -> String {
    fleche()
        .args(["digest", "--call", name, "--module", "__main__"])
        .args(args)
        .ok()
        .stdout
        .trim()
        .to_string()
}

#[test]
fn notebook_call_keys() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "long_running_calculation",
            &["x=2"],
            "4435e2927c194eff1bb90270ab3f353f0db1a8b50ec04932de88f7a4e5745953",
        ),
        (
            "long_running_calculation",
            &["x=100"],
            "cb9db168b7a8eb99bda637a54241ad5d4e2726b5cd67ad4cfb21baa5874c2b9e",
        ),
        (
            "long_running_calculation",
            &["x=10"],
            "a7ce6824785adc406ca3561dcf98b3c64ddf1539d2467e1b9e6318e4a97368e8",
        ),
        (
            "double",
            &["x=100"],
            "3fb9bd0ba9c388530e4a0f5fbb789aaf7b5c598c1fae748de84aad8f244a2d8f",
        ),
        (
            "another_calculation",
            &["a=1", "b=2"],
            "a8a3061653183cff08e5c414f9a4087550ab5e33cc186ae7a2e91aa1fbac8c80",
        ),
        (
            "another_calculation",
            &["a=3", "b=4"],
            "1e352b538b9219d4e5fcaf429882a4b3587f3bc6358ef0feca453b301b40156a",
        ),
        (
            "compute",
            &["self=Digest('10')", "x=5"],
            "81d4df70836ded7d8a0dd70348976c431210ff824d870acb2932b984e7936e14",
        ),
        (
            "compute",
            &["self=Digest('20')", "x=5"],
            "e9f9ca077d0566f335e54df480d202815d7b5b5ac5e7ccf7ba47c5bf2fa219ae",
        ),
    ];
    for (name, args, expected) in cases {
        assert_eq!(&call_key(name, args), expected, "{name}{args:?}");
    }
}

#[test]
fn notebook_fib_keys() {
    // fib(20) and every fib(n) it recursed into, n = 0..=20.
    let mut expected = vec![
        "18e77dab7a4a0385a66512547336e7a02ee62803634fd801e6dd49c6e5444e2f",
        "24231d9bc47f7abc0ea485d178fc8457dce8082790f8c948b936ebe906352225",
        "2b7c9e8c5e0a73afddb28a49d47415462b3c84adc05c35567b81514b90c053f2",
        "34814b3262b7920c7cef43eaf8a1e86e849611ed0d0317c4342b29231a8213ea",
        "405dfbadf453a9d5bbe3482fbb05251a6fc18b90045f8b4edeafb1c6f236fc80",
        "60bf26e7cdec62d1a8f9ebfbebb336850cf588d547badc7a18a0001fd0b65cf9",
        "698e29f05ba00ee23503848cd166215f62cd976d54431594036979d8d56f254f",
        "6fbe26ceafe80276c7714b2aae14c25bd38e24683d6624f01322946f5e53e7cf",
        "9214caae9e9819230882f7e9f0f1970fd5f2fc354c3404d1fd7ef30aa2c75873",
        "981a54293b3027931a47d21c275955d6dab2fe6d8fa4c2f4fcd3190b6187b0ac",
        "9b23a905e639149d35169118ffefadec03a181cbd290006620e671655b1499c3",
        "bc7f8b67d293d9fbdec343f49c44d46e655516537cc492ba3a990edb7f86f176",
        "c5a5bb6cf5b69c7eb5e244ed540af44391dff12a77fcecf19505cc660b50e6d9",
        "cd94bda61e484ca82c470b6ab50c0f1b98055e6a905d82f18b57abc5e07b6457",
        "dabebddba19859bdb1a075e422b1842dde433c7d6ca51c2b9a284dc1bb743d79",
        "db6b5632c77a01a692e13c486c54536a0c46907972d93900a60a1eab59110b93",
        "e1a78503325bcbb94116e03febed590b14bdd7f955c4f15b8649e613fbd6bf5c",
        "e2b3a4eaf9036f83560677b9bad64cbb8263cf3496ba6faeefc15b4231178912",
        "f3cefd42fd07119792c38084ecbb33f1955ccd83d8021e1bd078db3377cca4c3",
        "f4efb0e68400d195d8d57051088964d98b9ae4f7dbb78dad4feb055b56fd47de",
        "fdb0a9b8b1df91293924ad8fc03bcf041f3e50f924e9d199b8606eed60579d91",
    ];
    let mut got: Vec<String> = (0..=20)
        .map(|n| call_key("fib", &[&format!("n={n}")]))
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(
        call_key("fib", &["n=20"]),
        "c5a5bb6cf5b69c7eb5e244ed540af44391dff12a77fcecf19505cc660b50e6d9"
    );
}
