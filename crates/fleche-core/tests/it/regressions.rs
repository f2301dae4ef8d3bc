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
