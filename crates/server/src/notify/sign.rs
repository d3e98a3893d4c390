//! Standard Webhooks signatures: `v1,` and the base64 of HMAC-SHA256 over
//! `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed with the secret's bytes (the base64
//! after `whsec_`).

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The `webhook-signature` header's value for one message.
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

#[cfg(test)]
mod tests {
    use super::sign;
    use closedloop_app::notify::Secret;

    /// The example the Standard Webhooks reference libraries test against (their
    /// `testSignFunctionWorks`): secret, id, timestamp and body give exactly this signature.
    #[test]
    fn the_published_standard_webhooks_example_signs_the_same() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                secret.bytes(),
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn any_change_changes_the_signature() {
        let s = sign(b"0123456789abcdef01234567", "msg_1", 1, b"{}");
        assert_ne!(s, sign(b"0123456789abcdef01234568", "msg_1", 1, b"{}"));
        assert_ne!(s, sign(b"0123456789abcdef01234567", "msg_2", 1, b"{}"));
        assert_ne!(s, sign(b"0123456789abcdef01234567", "msg_1", 2, b"{}"));
        assert_ne!(s, sign(b"0123456789abcdef01234567", "msg_1", 1, b"{ }"));
    }
}
