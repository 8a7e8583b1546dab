//! API tokens at rest: `wl_<id>_<secret>`, of which only the id and a SHA-256 of the secret
//! are stored. The store keeps them beside the log because they share its database; what a
//! role may do is the API's business.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// Random bytes in a token's secret: 256 bits, well past the 128 an attacker could not guess.
const SECRET_BYTES: usize = 32;
/// Random bytes in a token's public id: enough that ids never collide in practice.
const ID_BYTES: usize = 8;
const PREFIX: &str = "wl_";

/// A token as listed: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created; `token` is shown once and never stored.
#[derive(Clone, Debug, Serialize)]
pub struct CreatedToken {
    pub record: TokenRecord,
    pub token: String,
}

/// A presented token split into its parts; `None` when it is not of our shape.
pub(crate) fn split(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let well_formed = id.len() == ID_BYTES * 2
        && secret.len() == SECRET_BYTES * 2
        && id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit());
    well_formed.then_some((id, secret))
}

pub(crate) fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Compares two digests in time independent of where they differ.
pub(crate) fn digests_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh token: (id, secret, full token text).
pub(crate) fn generate() -> Result<(String, String, String), StoreError> {
    let mut id = [0u8; ID_BYTES];
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut id).map_err(|e| StoreError::Randomness(e.to_string()))?;
    getrandom::fill(&mut secret).map_err(|e| StoreError::Randomness(e.to_string()))?;
    let (id, secret) = (hex::encode(id), hex::encode(secret));
    let token = format!("{PREFIX}{id}_{secret}");
    Ok((id, secret, token))
}

pub(crate) fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_split_back_into_their_parts() {
        let (id, secret, token) = generate().unwrap();
        assert_eq!(split(&token), Some((id.as_str(), secret.as_str())));
        assert_eq!(secret.len() * 4, 256, "a secret carries 256 bits");
    }

    #[test]
    fn malformed_tokens_do_not_split() {
        for bad in [
            "",
            "wl_",
            "wl_abc_def",
            "xx_0011223344556677_00",
            "wl_zz11223344556677_00",
        ] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }

    #[test]
    fn digests_compare_equal_only_when_every_byte_matches() {
        assert!(digests_equal(&[1, 2, 3], &[1, 2, 3]));
        assert!(!digests_equal(&[1, 2, 3], &[1, 2, 4]));
        assert!(!digests_equal(&[1, 2], &[1, 2, 3]));
    }
}
