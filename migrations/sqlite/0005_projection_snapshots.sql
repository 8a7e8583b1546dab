-- Snapshots of the in-memory projections, so start-up and historical queries need not replay
-- the whole log. A snapshot is a cache, not a fact: rows may be replaced and deleted (no
-- append-only trigger). `event_hash` is the chain hash of the event at `position`, binding the
-- snapshot to this log: a snapshot whose hash differs from the stored event's is ignored.
CREATE TABLE projection_snapshots (
    position   INTEGER NOT NULL,      -- the last log position folded into the body
    event_hash BLOB    NOT NULL,      -- SHA-256 chain hash of the event at `position`
    format     INTEGER NOT NULL,      -- the domain's SNAPSHOT_FORMAT when written
    created_at INTEGER NOT NULL,      -- microseconds since epoch UTC
    body       BLOB    NOT NULL,      -- the serialized projection state
    PRIMARY KEY (position, format)
);
