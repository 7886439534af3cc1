//! RS256 JSON Web Tokens (RFC 7519 with RSASSA-PKCS1-v1_5 SHA-256), as the Google token
//! probe's assertion and a GitHub App's JWT are signed: the PEM private key (PKCS#8
//! `BEGIN PRIVATE KEY` or PKCS#1 `BEGIN RSA PRIVATE KEY`) read with rustls' PEM reader and
//! signed with aws-lc-rs, the crates the TLS stack already builds on.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject;
use serde_json::Value;

/// Why a PEM text gives no RSA signing key. The texts never quote the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyProblem {
    #[error(
        "is not a PEM private key (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)"
    )]
    NotPem,
    #[error("is not an RSA key")]
    NotRsa,
    #[error("is not a usable RSA key ({0})")]
    Unusable(String),
}

/// The RSA key of a PEM private key, PKCS#8 or PKCS#1.
pub(crate) fn rsa_key(pem: &str) -> Result<RsaKeyPair, KeyProblem> {
    match PrivateKeyDer::from_pem_slice(pem.as_bytes()) {
        Ok(PrivateKeyDer::Pkcs8(der)) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
        Ok(PrivateKeyDer::Pkcs1(der)) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
        Ok(_) => return Err(KeyProblem::NotRsa),
        Err(_) => return Err(KeyProblem::NotPem),
    }
    .map_err(|e| match e.to_string().as_str() {
        "WrongAlgorithm" => KeyProblem::NotRsa,
        why => KeyProblem::Unusable(why.to_string()),
    })
}

/// `header.claims.signature`, each part base64url; `None` when the key cannot sign.
pub(crate) fn sign_rs256(key: &RsaKeyPair, header: &Value, claims: &Value) -> Option<String> {
    let input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .ok()?;
    Some(format!("{input}.{}", base64url(&signature)))
}

/// Unpadded base64url (RFC 4648 §5), as JWTs are written.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_follows_rfc_4648() {
        let cases: [(&[u8], &str); 8] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            (&[0xfb, 0xff, 0xbf], "-_-_"),
        ];
        for (bytes, text) in cases {
            assert_eq!(base64url(bytes), text);
        }
    }

    #[test]
    fn texts_that_are_no_rsa_pem_key_say_which() {
        assert_eq!(rsa_key("hello").err(), Some(KeyProblem::NotPem));
        assert_eq!(
            rsa_key("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").err(),
            Some(KeyProblem::NotPem)
        );
        let ec = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIm8oQ==\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(rsa_key(ec).err(), Some(KeyProblem::NotRsa));
        let garbage = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(rsa_key(garbage), Err(KeyProblem::Unusable(_))));
    }
}
