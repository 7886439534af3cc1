//! Classification helpers shared by every boundary (pure, no I/O).

mod enforcement;
mod lifetime;

pub use enforcement::{WindowVerdict, classify_window};
pub use lifetime::classify_static_credential;

use sha2::{Digest, Sha256};

/// A stable id from parts: 16 hex digits of SHA-256 over the parts joined by NUL.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(p.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(16);
    for b in h.finalize().iter().take(8) {
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 15)] as char);
    }
    id
}
