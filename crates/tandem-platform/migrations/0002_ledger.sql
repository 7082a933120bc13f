-- tandem platform schema, version 2: the benefit-sharing ledger of co-built parks.
-- Agreements and revenue records are append-only (a new version or a new record, never an
-- edit); ledger entries are append-only and hash-chained (see tandem-ledger's chain module).

CREATE TABLE agreements (
    id {{pk}},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    agreement_id TEXT NOT NULL,
    agreement_version BIGINT NOT NULL,
    title TEXT NOT NULL,
    source_text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (agreement_id, agreement_version)
);
CREATE INDEX agreements_park ON agreements(park_id);

CREATE TABLE revenues (
    id {{pk}},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    enterprise_ref TEXT NOT NULL,
    park_ref TEXT NOT NULL,
    industry TEXT NOT NULL,
    recommended_by TEXT,
    period TEXT NOT NULL,
    revenue_type TEXT NOT NULL,
    amount BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX revenues_park ON revenues(park_id, period);

CREATE TABLE ledger_entries (
    seq BIGINT PRIMARY KEY,
    park_id BIGINT NOT NULL REFERENCES parks(id),
    prev_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    hash TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX ledger_entries_park ON ledger_entries(park_id);
