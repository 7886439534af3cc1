#![allow(dead_code)]
//! Throwaway service-account keys for the `gcp-service-account-key` probe tests: an RSA key
//! generated for the test run, written as the JSON file `gcloud iam service-accounts keys
//! create` produces, and what a fake token endpoint needs to check the assertion it receives.

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use serde_json::{Value, json};

pub const PROJECT: &str = "acme-prod";
pub const EMAIL: &str = "deployer@acme-prod.iam.gserviceaccount.com";
pub const CLIENT_ID: &str = "104857600000000000001";
pub const KEY_ID: &str = "2f9c1e0d7b6a5948372615a4b3c2d1e0f9a8b7c6";

pub struct TestKey {
    /// PKCS#8 PEM, as `private_key` holds it.
    pub pem: String,
    /// The public key, DER (PKCS#1 `RSAPublicKey`).
    pub public_der: Vec<u8>,
}

impl TestKey {
    /// A fresh RSA 2048 key.
    pub fn generate() -> TestKey {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("an RSA key");
        TestKey {
            pem: pair.serialize_pem(),
            public_der: pair.public_key_raw().to_vec(),
        }
    }

    /// The key file of `email` / `key_id`; `token_uri` is the file's own token endpoint.
    pub fn json(&self, email: &str, key_id: &str, token_uri: &str) -> String {
        json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": key_id,
            "private_key": self.pem,
            "client_email": email,
            "client_id": CLIENT_ID,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": format!("https://www.googleapis.com/robot/v1/metadata/x509/{email}"),
            "universe_domain": "googleapis.com"
        })
        .to_string()
    }

    /// The base64 lines of the PEM body: none may reach an output.
    pub fn body_lines(&self) -> Vec<String> {
        self.pem
            .lines()
            .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Whether `jwt`'s signature verifies with this key's public key.
    pub fn verifies(&self, jwt: &str) -> bool {
        let Some((input, signature)) = jwt.rsplit_once('.') else {
            return false;
        };
        let Some(signature) = base64url_decode(signature) else {
            return false;
        };
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.public_der)
            .verify(input.as_bytes(), &signature)
            .is_ok()
    }
}

/// The `{"id"}` a probe line names the test key by.
pub fn key_name(email: &str, key_id: &str) -> String {
    format!("projects/{PROJECT}/serviceAccounts/{email}/keys/{key_id}")
}

/// Unpadded base64url (RFC 4648 §5); `None` on a character outside it.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Some(out)
}

/// The header and the claims of a JWT, decoded.
pub fn jwt_parts(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {jwt}");
    let decode = |p: &str| -> Value {
        serde_json::from_slice(&base64url_decode(p).expect("base64url")).expect("JSON")
    };
    (decode(parts[0]), decode(parts[1]))
}

/// The form fields of a request body, decoded.
pub fn form(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}
