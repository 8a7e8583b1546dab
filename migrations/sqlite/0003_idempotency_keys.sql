-- Idempotency keys of appends: a retry with the same key and the same request gets the
-- original result; the same key with another request is refused. Written in the same
-- transaction as the events it answers for.
CREATE TABLE idempotency_keys (
    key          TEXT   PRIMARY KEY,          -- scoped by the caller, e.g. "token:<id>:<key>"
    request_hash BLOB  NOT NULL,             -- SHA-256 of the request as the caller defines it
    result       TEXT   NOT NULL              -- the original outcome (JSON)
);
