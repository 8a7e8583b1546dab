-- The ledger's signing key for checkpoints: one row, created on first use. Only the 32-byte
-- secret seed is kept; the public key is derived from it. Applied migrations are never edited.
CREATE TABLE signing_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seed       BYTEA   NOT NULL,          -- 32 random bytes (an Ed25519 secret key)
    created_at BIGINT  NOT NULL           -- microseconds since epoch UTC
);
