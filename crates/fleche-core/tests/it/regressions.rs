//! Hostile inputs that once went wrong, and the envelope's error paths the
//! fuzz targets (`fuzz/`) exercise, kept in the normal test suite.

use fleche_core::store::files::{hmac_hex, unwrap_envelope, EnvelopeError, Signature};

#[test]
fn a_gzip_header_over_garbage_is_a_gzip_error() {
    let raw = b"\x1f\x8b\x08\x00garbage".to_vec();
    match unwrap_envelope(raw, &[]) {
        Err(EnvelopeError::Gzip(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_truncated_gzip_stream_is_a_gzip_error() {
    // gzip.compress(b"\x80\x04K\x01.", mtime=0) cut after 15 bytes.
    let full =
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03k`\xf1f\xd4\x03\x00w\x8e\xa4A\x05\x00\x00\x00";
    let whole = unwrap_envelope(full.to_vec(), &[]).expect("valid gzip");
    assert_eq!(whole.payload, b"\x80\x04K\x01.");
    assert!(whole.compressed);
    let cut = full[..15].to_vec();
    assert!(matches!(
        unwrap_envelope(cut, &[]),
        Err(EnvelopeError::Gzip(_))
    ));
}

#[test]
fn signatures_fail_with_a_reason() {
    let keys = vec![b"key".to_vec()];
    let no_stop = unwrap_envelope(b"no stop opcode here".to_vec(), &keys);
    assert!(matches!(no_stop, Err(EnvelopeError::Signature(m)) if m.to_string().contains("STOP")));
    let mut spoilt = b"\x80\x04K\x01.".to_vec();
    spoilt.extend_from_slice(hmac_hex(b"other", b"\x80\x04K\x01.").as_bytes());
    let wrong = unwrap_envelope(spoilt, &keys);
    assert!(
        matches!(wrong, Err(EnvelopeError::Signature(m)) if m.to_string().contains("does not match"))
    );
    // An empty key is a key: the HMAC under it still has to match.
    let mut signed = b"\x80\x04K\x01.".to_vec();
    signed.extend_from_slice(hmac_hex(b"", b"\x80\x04K\x01.").as_bytes());
    let env = unwrap_envelope(signed, &[Vec::new()]).expect("valid");
    assert_eq!(env.signature, Signature::Valid(0));
    assert_eq!(env.payload, b"\x80\x04K\x01.");
}

/// A Fortran-ordered object array (`np.asfortranarray` of a 2×3 object
/// array holding 0, 1, 2, 10, 11, 12), as fleche 0.22.2 stored it under
/// its digest: numpy pickles the items in C order, so they are digested in
/// the order they come (reordering them made `verify` report a mismatch).
#[test]
fn a_fortran_object_array_digests_as_fleche_does() {
    array_file_as_fleche_stores_it(
        "80049598000000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b024b03869468038c0564747970659493948c024f3894898887945294284b038c017c944e4e4e4affffffff4affffffff4b3f749462885d94284b004b014b024b0a4b0b4b0c657494622e",
        "dff46fa86f4f77d57882ba2a39ea871efd27382568d910afdc834155e0c2a127",
        "array([[0, 1, 2],\n       [10, 11, 12]], dtype=object)",
    );
}

/// `np.array(['ab', 'c'], dtype='>U2')` as fleche 0.22.2 stored it under
/// its digest, taken before pickling (big-endian); numpy byte-swaps it to
/// native when it reads the protocol-4 pickle, and that is what it shows.
#[test]
fn a_big_endian_array_is_read_as_numpy_reads_it() {
    array_file_as_fleche_stores_it(
        "80049593000000000000008c166e756d70792e5f636f72652e6d756c74696172726179948c0c5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b0085944301629487945294284b014b02859468038c0564747970659493948c02553294898887945294284b038c013e944e4e4e4b084b044b0874946289431000000061000000620000006300000000947494622e",
        "8b4147ecbf9446dfeddc8c92ab73d1fdf7b5bdeb5fbb1769cce3bf63fc81d5a2",
        "array(['ab', 'c'], dtype='<U2')",
    );
}

/// A value file holding a numpy array (`hex`, as fleche stored it): it
/// digests to the key fleche stored it under and prints as numpy prints it.
fn array_file_as_fleche_stores_it(hex: &str, key: &str, repr: &str) {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let v = fleche_core::pickle::load(&bytes).expect("an array");
    assert_eq!(fleche_core::digest(&v).expect("digestible"), key);
    let fleche_core::Value::NdArray(a) = &v else {
        panic!("{v:?}")
    };
    assert_eq!(
        fleche_core::arrayprint::array_repr(a, 1000, &fleche_core::repr::repr).as_deref(),
        Some(repr)
    );
}

/// An array over 1 KiB that a list holds twice (`[a, a]`, or the axes and
/// blocks a pandas Series' state repeats) is an array both times: its
/// buffer was moved into the first copy, leaving the second without one.
#[test]
fn an_array_held_twice_is_an_array_twice() {
    // pickle.dumps([a, a], protocol=4) of a = np.zeros(130, dtype=np.int64).
    let mut bytes = b"\x80\x04\x95\xa2\x04\x00\x00\x00\x00\x00\x00]\x94(\x8c\x16numpy._core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00\x85\x94C\x01b\x94\x87\x94R\x94(K\x01K\x82\x85\x94h\x04\x8c\x05dtype\x94\x93\x94\x8c\x02i8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x89B\x10\x04\x00\x00".to_vec();
    bytes.extend_from_slice(&[0u8; 1040]);
    bytes.extend_from_slice(b"\x94t\x94bh\ne.");
    let v = fleche_core::pickle::load(&bytes).expect("a pickle");
    let fleche_core::Value::List(items) = &v else {
        panic!("a list: {v:?}");
    };
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|x| matches!(x, fleche_core::Value::NdArray(a) if a.shape == [130])),
        "{}",
        fleche_core::repr::repr(&v)
    );
}
