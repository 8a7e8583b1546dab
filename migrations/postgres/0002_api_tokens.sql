-- Bearer tokens for the HTTP API. Only a SHA-256 of each token's secret is kept.
CREATE TABLE api_tokens (
    id          TEXT    PRIMARY KEY,        -- public part of the token, 16 hex digits
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    secret_hash BYTEA   NOT NULL,           -- SHA-256 of the secret part, 32 bytes
    created_at  BIGINT  NOT NULL,           -- microseconds since epoch UTC
    revoked_at  BIGINT                      -- set once; a revoked token never works again
);
