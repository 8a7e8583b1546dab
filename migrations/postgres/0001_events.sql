-- The append-only event log and its head. Applied migrations are never edited: add a new file.
CREATE TABLE events (
    position       BIGINT  PRIMARY KEY,      -- global order, gapless from 1; never a sequence
    stream         TEXT    NOT NULL,
    stream_version BIGINT  NOT NULL,
    event_id       UUID    NOT NULL,
    kind           TEXT    NOT NULL,
    schema_version BIGINT  NOT NULL,
    occurred_on    DATE    NOT NULL,         -- business date (UTC+7 calendar)
    recorded_at    BIGINT  NOT NULL,         -- transaction time, microseconds since epoch UTC
    recorded_by    TEXT    NOT NULL,
    source_ref     TEXT,
    payload        TEXT    NOT NULL,         -- the exact bytes hashed (jsonb would reorder keys)
    hash           BYTEA   NOT NULL,         -- SHA-256 chain, 32 bytes
    UNIQUE (stream, stream_version),
    UNIQUE (event_id)
);

-- One row: the last position, its hash and its recorded_at. Every writer, in every process,
-- locks it (SELECT … FOR UPDATE) inside its transaction: that lock is what keeps positions
-- gapless and the chain whole across server processes.
CREATE TABLE ledger_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    position    BIGINT  NOT NULL,
    hash        BYTEA   NOT NULL,
    recorded_at BIGINT  NOT NULL
);
INSERT INTO ledger_head (id, position, hash, recorded_at)
VALUES (1, 0, decode(repeat('00', 32), 'hex'), 0);

-- Events are facts: corrections are new events. Refuse edits and deletes at the database too.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: record a correction instead';
END;
$$;
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
CREATE TRIGGER events_are_append_only_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
