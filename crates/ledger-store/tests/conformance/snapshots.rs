//! Projection snapshots: opaque bodies bound to the hash of the event at their position.

use ledger_store::{EventStore, ExpectedVersion};

use crate::helpers::*;

/// Appends `n` events one per call (so times may differ) and returns their hashes by position.
async fn log_of(store: &EventStore, n: usize) -> Vec<[u8; 32]> {
    for _ in 0..n {
        store
            .append(single("household-1", ExpectedVersion::Any, events(1)))
            .await
            .unwrap();
    }
    all(store).await.iter().map(|e| e.hash).collect()
}

pub async fn snapshots_come_back_newest_at_or_before_a_position_of_their_format(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 10).await;
    for p in [3u64, 6, 9] {
        let body = format!("body-{p}").into_bytes();
        store
            .save_snapshot(p, &hashes[p as usize - 1], 1, body.clone())
            .await
            .unwrap();
    }
    store
        .save_snapshot(10, &hashes[9], 2, b"other format".to_vec())
        .await
        .unwrap();

    let newest = store.latest_snapshot(10, 1, None).await.unwrap().unwrap();
    assert_eq!(
        newest.header.position, 9,
        "the format-2 snapshot at 10 is not format 1"
    );
    assert_eq!(newest.body, b"body-9", "the body comes back byte for byte");
    assert_eq!(newest.header.format, 1);
    assert!(newest.header.matches_log());
    assert_eq!(newest.header.log_hash, hashes[8].to_vec());
    let below = store.latest_snapshot(8, 1, None).await.unwrap().unwrap();
    assert_eq!(below.header.position, 6);
    assert!(store.latest_snapshot(2, 1, None).await.unwrap().is_none());
    let other = store.latest_snapshot(10, 2, None).await.unwrap().unwrap();
    assert_eq!(
        (other.header.position, other.body.as_slice()),
        (10, &b"other format"[..])
    );
}

pub async fn a_snapshot_with_another_hash_does_not_match_the_log(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 4).await;
    store
        .save_snapshot(4, &hashes[2], 1, b"x".to_vec())
        .await
        .unwrap();
    let found = store.latest_snapshot(4, 1, None).await.unwrap().unwrap();
    assert!(
        !found.header.matches_log(),
        "hash of position 3 stored for position 4"
    );
    assert_eq!(found.header.log_hash, hashes[3].to_vec());
}

pub async fn a_snapshot_beyond_the_stored_log_is_never_returned(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 3).await;
    store
        .save_snapshot(7, &hashes[2], 1, b"ahead".to_vec())
        .await
        .unwrap();
    assert!(store.latest_snapshot(100, 1, None).await.unwrap().is_none());
}

pub async fn known_at_picks_the_newest_snapshot_recorded_by_then(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 3).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let hashes: Vec<_> = hashes
        .into_iter()
        .chain(log_of(&store, 3).await.into_iter().skip(3))
        .collect();
    let log = all(&store).await;
    assert!(
        log[2].recorded_at < log[3].recorded_at,
        "the two batches differ in time"
    );
    store
        .save_snapshot(2, &hashes[1], 1, b"two".to_vec())
        .await
        .unwrap();
    store
        .save_snapshot(5, &hashes[4], 1, b"five".to_vec())
        .await
        .unwrap();
    let then = store
        .latest_snapshot(6, 1, Some(log[2].recorded_at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        then.header.position, 2,
        "position 5 was recorded after the instant"
    );
    let now = store
        .latest_snapshot(6, 1, Some(log[5].recorded_at))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.header.position, 5);
}

pub async fn pruning_keeps_the_newest_snapshots_and_saving_again_replaces(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 6).await;
    for p in 1..=6u64 {
        store
            .save_snapshot(p, &hashes[p as usize - 1], 1, b"old".to_vec())
            .await
            .unwrap();
    }
    store
        .save_snapshot(6, &hashes[5], 1, b"new".to_vec())
        .await
        .unwrap();
    assert_eq!(store.prune_snapshots(3).await.unwrap(), 3);
    assert_eq!(
        store.prune_snapshots(3).await.unwrap(),
        0,
        "nothing more to prune"
    );
    let newest = store.latest_snapshot(6, 1, None).await.unwrap().unwrap();
    assert_eq!(
        newest.body, b"new",
        "a second save at one position replaces the first"
    );
    assert_eq!(
        store
            .latest_snapshot(5, 1, None)
            .await
            .unwrap()
            .unwrap()
            .header
            .position,
        5
    );
    assert_eq!(
        store
            .latest_snapshot(4, 1, None)
            .await
            .unwrap()
            .unwrap()
            .header
            .position,
        4
    );
    assert!(
        store.latest_snapshot(3, 1, None).await.unwrap().is_none(),
        "1–3 were pruned"
    );
    assert_eq!(store.event_hash_at(4).await.unwrap(), Some(hashes[3]));
    assert_eq!(store.event_hash_at(7).await.unwrap(), None);
    assert!(
        store.verify().await.unwrap().is_whole(),
        "pruning touches no event"
    );
}

pub async fn a_body_comes_back_whole_from_its_pieces_and_a_damaged_one_is_told(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 3).await;
    let pieces: Vec<Vec<u8>> = vec![
        b"first".to_vec(),
        vec![],
        (0..=255).collect(),
        vec![7; 9000],
    ];
    let mut writer = store.begin_snapshot(3, &hashes[2], 1).await.unwrap();
    for piece in &pieces {
        writer.write(piece.clone()).await.unwrap();
    }
    assert!(
        store.latest_snapshot(3, 1, None).await.unwrap().is_none(),
        "no reader sees a snapshot before its row is written"
    );
    let saved = writer.finish().await.unwrap();
    let whole = pieces.concat();
    assert_eq!(
        (saved.pieces, saved.bytes),
        (3, whole.len() as u64),
        "the empty piece is not stored"
    );
    let found = store.latest_snapshot(3, 1, None).await.unwrap().unwrap();
    assert!(found.body_intact && found.header.matches_log());
    assert_eq!(found.body, whole, "the pieces come back in order");

    let pieces_at_3 = "SELECT count(*) FROM projection_snapshot_pieces WHERE position = 3";
    assert_eq!(db.scalar(pieces_at_3).await, 3);
    db.sabotage(&["UPDATE projection_snapshot_pieces SET bytes = substr(bytes, 2) WHERE seq = 1"])
        .await;
    let shortened = store.latest_snapshot(3, 1, None).await.unwrap().unwrap();
    assert!(!shortened.body_intact, "a piece lost a byte");
    store
        .save_snapshot(3, &hashes[2], 1, whole.clone())
        .await
        .unwrap();
    assert!(
        store
            .latest_snapshot(3, 1, None)
            .await
            .unwrap()
            .unwrap()
            .body_intact
    );
    assert_eq!(
        db.scalar(pieces_at_3).await,
        1,
        "saving again replaces every piece"
    );
    db.sabotage(&["DELETE FROM projection_snapshot_pieces WHERE position = 3"])
        .await;
    let emptied = store.latest_snapshot(3, 1, None).await.unwrap().unwrap();
    assert!(
        !emptied.body_intact && emptied.body.is_empty(),
        "its pieces are gone"
    );
}

pub async fn an_unfinished_snapshot_is_never_read_and_its_pieces_are_pruned(db: &TestDb) {
    let store = db.open().await;
    let hashes = log_of(&store, 8).await;
    store
        .save_snapshot(2, &hashes[1], 1, b"two".to_vec())
        .await
        .unwrap();
    {
        // Given up before `finish`, as a server stopped midway would.
        let mut unfinished = store.begin_snapshot(4, &hashes[3], 1).await.unwrap();
        unfinished.write(b"half".to_vec()).await.unwrap();
    }
    let found = store.latest_snapshot(8, 1, None).await.unwrap().unwrap();
    assert_eq!(found.header.position, 2, "position 4 was never finished");
    let pieces = "SELECT count(*) FROM projection_snapshot_pieces";
    assert_eq!(db.scalar(pieces).await, 2);
    for p in [5u64, 6, 7] {
        store
            .save_snapshot(p, &hashes[p as usize - 1], 1, vec![p as u8; 10])
            .await
            .unwrap();
    }
    assert_eq!(
        store.prune_snapshots(3).await.unwrap(),
        1,
        "position 2 goes"
    );
    assert_eq!(
        db.scalar(pieces).await,
        3,
        "the pieces of 2 and the unfinished 4 went with it"
    );
    for p in [5u64, 6, 7] {
        let kept = store.latest_snapshot(p, 1, None).await.unwrap().unwrap();
        assert_eq!((kept.header.position, kept.body_intact), (p, true));
        assert_eq!(kept.body, vec![p as u8; 10]);
    }
}
