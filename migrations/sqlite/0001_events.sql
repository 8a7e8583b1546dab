-- The append-only event log and its head. Applied migrations are never edited: add a new file.
CREATE TABLE events (
    position       INTEGER PRIMARY KEY,      -- global order, gapless from 1 (rowid alias)
    stream         TEXT    NOT NULL,
    stream_version INTEGER NOT NULL,
    event_id       BLOB    NOT NULL,         -- UUID, 16 bytes
    kind           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    occurred_on    TEXT    NOT NULL,         -- business date, YYYY-MM-DD (UTC+7 calendar)
    recorded_at    INTEGER NOT NULL,         -- transaction time, microseconds since epoch UTC
    recorded_by    TEXT    NOT NULL,
    source_ref     TEXT,
    payload        TEXT    NOT NULL,         -- the exact bytes hashed
    hash           BLOB    NOT NULL,         -- SHA-256 chain, 32 bytes
    UNIQUE (stream, stream_version),
    UNIQUE (event_id)
);

-- One row: the last position, its hash and its recorded_at. The writer reads it inside its
-- write transaction, so every process appending to this file continues the same chain.
CREATE TABLE ledger_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    position    INTEGER NOT NULL,
    hash        BLOB    NOT NULL,
    recorded_at INTEGER NOT NULL
);
INSERT INTO ledger_head (id, position, hash, recorded_at) VALUES (1, 0, zeroblob(32), 0);

-- Events are facts: corrections are new events. Refuse edits and deletes at the database too.
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: record a correction instead');
END;
