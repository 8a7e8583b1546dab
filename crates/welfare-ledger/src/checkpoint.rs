//! Signed checkpoints: the head's position and hash at a moment, signed with the ledger's
//! Ed25519 key, so an inspector who keeps one can later prove the ledger still extends it
//! unchanged (`verify --checkpoint FILE`).

use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use ledger_store::EventStore;
use serde::{Deserialize, Serialize};

use crate::cli::CheckpointArgs;

/// Hashed first in every signed message, so a signature can't be replayed as another kind.
const SIGNED_TAG: &str = "welfare-ledger/checkpoint/v1";

/// A checkpoint as printed and as read back. Hex for bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub position: u64,
    pub hash: String,
    pub time: DateTime<Utc>,
    pub public_key: String,
    pub signature: String,
}

/// The exact bytes signed.
fn message(position: u64, hash: &str, time: &DateTime<Utc>) -> String {
    format!(
        "{SIGNED_TAG}\n{position}\n{hash}\n{}",
        time.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

pub async fn signing_key(store: &EventStore) -> anyhow::Result<SigningKey> {
    Ok(SigningKey::from_bytes(&store.signing_seed().await?))
}

pub async fn run(database_url: &str, args: &CheckpointArgs) -> anyhow::Result<ExitCode> {
    let store = EventStore::open(database_url).await?;
    let outcome = async {
        let key = signing_key(&store).await?;
        if args.public_key {
            println!("{}", hex::encode(key.verifying_key().as_bytes()));
            return Ok(());
        }
        let head = store.head().await?;
        let checkpoint = sign(&key, head.position, &head.hash_hex(), Utc::now());
        println!("{}", serde_json::to_string_pretty(&checkpoint)?);
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    outcome?;
    Ok(ExitCode::SUCCESS)
}

fn sign(key: &SigningKey, position: u64, hash: &str, time: DateTime<Utc>) -> Checkpoint {
    // Signed and printed at the same (microsecond) precision, so the printed time verifies.
    let time = DateTime::from_timestamp_micros(time.timestamp_micros()).unwrap_or(time);
    let signature = key.sign(message(position, hash, &time).as_bytes());
    Checkpoint {
        position,
        hash: hash.to_owned(),
        time,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(signature.to_bytes()),
    }
}

/// What failed when a checkpoint is checked against a ledger; empty when it holds.
pub async fn check(store: &EventStore, checkpoint: &Checkpoint) -> anyhow::Result<Vec<String>> {
    let mut failures = Vec::new();
    if let Err(reason) = signature_holds(checkpoint) {
        failures.push(reason);
    }
    let ours = hex::encode(signing_key(store).await?.verifying_key().as_bytes());
    if ours != checkpoint.public_key {
        failures.push(format!(
            "the checkpoint was signed by key {}, but this ledger's key is {ours}",
            checkpoint.public_key
        ));
    }
    let page = store
        .read_page(checkpoint.position.saturating_sub(1), 1)
        .await?;
    match page.first().filter(|e| e.position == checkpoint.position) {
        Some(e) if hex::encode(e.hash) == checkpoint.hash => {}
        Some(e) => failures.push(format!(
            "the event at position {} now has hash {}, not the checkpoint's {}",
            e.position,
            hex::encode(e.hash),
            checkpoint.hash
        )),
        None if checkpoint.position == 0 => {}
        None => failures.push(format!(
            "the ledger no longer holds position {}",
            checkpoint.position
        )),
    }
    Ok(failures)
}

fn signature_holds(c: &Checkpoint) -> Result<(), String> {
    let bytes = |text: &str, what: &str| {
        hex::decode(text).map_err(|e| format!("the checkpoint's {what} is not hex: {e}"))
    };
    let key: [u8; 32] = bytes(&c.public_key, "public key")?
        .try_into()
        .map_err(|_| "the checkpoint's public key is not 32 bytes".to_owned())?;
    let signature: [u8; 64] = bytes(&c.signature, "signature")?
        .try_into()
        .map_err(|_| "the checkpoint's signature is not 64 bytes".to_owned())?;
    let key = VerifyingKey::from_bytes(&key)
        .map_err(|_| "the checkpoint's public key is not an Ed25519 key".to_owned())?;
    key.verify(
        message(c.position, &c.hash, &c.time).as_bytes(),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| "the checkpoint's signature does not match its contents".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn a_checkpoint_verifies_after_a_json_round_trip() {
        let c = sign(&key(), 5, &"ab".repeat(32), Utc::now());
        let text = serde_json::to_string(&c).unwrap();
        let back: Checkpoint = serde_json::from_str(&text).unwrap();
        assert_eq!(signature_holds(&back), Ok(()));
    }

    #[test]
    fn changing_any_signed_field_breaks_the_signature() {
        let c = sign(&key(), 5, &"ab".repeat(32), Utc::now());
        let moved = Checkpoint {
            position: 6,
            ..c.clone()
        };
        let rehashed = Checkpoint {
            hash: "cd".repeat(32),
            ..c.clone()
        };
        let later = Checkpoint {
            time: c.time + chrono::Duration::seconds(1),
            ..c.clone()
        };
        for forged in [moved, rehashed, later] {
            assert!(signature_holds(&forged).is_err(), "{forged:?}");
        }
    }
}
