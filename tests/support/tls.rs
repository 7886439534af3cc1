//! A certificate authority made for one test, and a server certificate it signs, as PEM files
//! in a temporary directory (rcgen on aws-lc-rs: nothing to install).
//!
//! The server certificate names `db.jitgap.test` and the IP address 127.0.0.1, not
//! `localhost`: connecting to `localhost` gives a host-name mismatch with a trusted chain.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};

pub const SERVER_NAME: &str = "db.jitgap.test";

pub struct TestCa {
    /// The CA certificate clients trust (`sslrootcert` / `ssl-ca`).
    pub ca_pem: PathBuf,
    /// The server's certificate and key.
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
    dir: tempfile::TempDir,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("generate the CA key");
    CertifiedIssuer::self_signed(params, key).expect("self-sign the CA")
}

impl TestCa {
    /// A fresh CA and a server certificate signed by it.
    pub fn new() -> TestCa {
        let dir = tempfile::Builder::new()
            .prefix("jitgap-tls-")
            .tempdir()
            .expect("create a directory for the test CA");
        let issuer = ca("jitgap test CA");
        let mut params =
            CertificateParams::new(vec![SERVER_NAME.to_string()]).expect("server parameters");
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params
            .distinguished_name
            .push(DnType::CommonName, SERVER_NAME);
        let key = KeyPair::generate().expect("generate the server key");
        let cert = params
            .signed_by(&key, &issuer)
            .expect("sign the server certificate");
        let write = |name: &str, text: String| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
            p
        };
        TestCa {
            ca_pem: write("ca.pem", issuer.pem()),
            cert_pem: write("server.crt", cert.pem()),
            key_pem: write("server.key", key.serialize_pem()),
            dir,
        }
    }

    /// Another CA's certificate, which did not sign the server's.
    pub fn other_ca_pem(&self) -> PathBuf {
        let p = self.dir.path().join("other-ca.pem");
        std::fs::write(&p, ca("some other CA").pem()).expect("write the other CA");
        p
    }

    /// Copies the server's certificate and key into `dir` as `server.crt` / `server.key`, the
    /// key readable by its owner only, both owned by `owner` when given (the servers refuse
    /// a key that others can read).
    pub fn install_server_files(&self, dir: &Path, owner: Option<&str>) -> (PathBuf, PathBuf) {
        let cert = dir.join("server.crt");
        let key = dir.join("server.key");
        std::fs::copy(&self.cert_pem, &cert).expect("copy the server certificate");
        std::fs::copy(&self.key_pem, &key).expect("copy the server key");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
            .expect("chmod 0600 the server key");
        if let Some(user) = owner {
            let out = Command::new("chown")
                .arg(user)
                .arg(&cert)
                .arg(&key)
                .output()
                .expect("run chown");
            assert!(
                out.status.success(),
                "chown {user} the server's TLS files: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        (cert, key)
    }
}
