-- Snapshot bodies in pieces. One value holds at most 1 GB on either backend, which a body
-- passes at a few million events; and a body written whole had to be whole in memory beside
-- the ledger it encodes (the peak of a server writing one). Pieces are written as they are
-- encoded, each in its own statement, and the row last: a row names a complete body, checked
-- on reading by its piece count, length and SHA-256. Earlier snapshots are dropped, not
-- converted: they are caches, and the log is replayed once instead.
DROP TABLE projection_snapshots;
CREATE TABLE projection_snapshots (
    position   BIGINT  NOT NULL,      -- the last log position folded into the body
    event_hash BYTEA   NOT NULL,      -- SHA-256 chain hash of the event at `position`
    format     BIGINT  NOT NULL,      -- the domain's SNAPSHOT_FORMAT when written
    created_at BIGINT  NOT NULL,      -- microseconds since epoch UTC
    pieces     BIGINT  NOT NULL,      -- how many rows of projection_snapshot_pieces hold the body
    length     BIGINT  NOT NULL,      -- the body's length in bytes
    body_hash  BYTEA   NOT NULL,      -- SHA-256 of the body, the pieces concatenated by seq
    PRIMARY KEY (position, format)
);
CREATE TABLE projection_snapshot_pieces (
    position BIGINT NOT NULL,
    format   BIGINT NOT NULL,
    seq      BIGINT NOT NULL,         -- 0, 1, …: the order of the pieces in the body
    bytes    BYTEA  NOT NULL,
    PRIMARY KEY (position, format, seq)
);
