-- SQLite cannot drop a table constraint: rebuild the table with the new key. DROP TABLE drops
-- the append-only triggers before its implicit delete, so none fires; they are recreated.
CREATE TABLE agreements_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    park_id BIGINT NOT NULL REFERENCES parks(id),
    agreement_id TEXT NOT NULL,
    agreement_version BIGINT NOT NULL,
    title TEXT NOT NULL,
    source_text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (park_id, agreement_id, agreement_version)
);
INSERT INTO agreements_rebuilt (id, park_id, agreement_id, agreement_version, title, source_text,
    recorded_by, recorded_at)
SELECT id, park_id, agreement_id, agreement_version, title, source_text, recorded_by, recorded_at
FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_rebuilt RENAME TO agreements;
CREATE INDEX agreements_park ON agreements(park_id);
CREATE TRIGGER agreements_no_change BEFORE UPDATE ON agreements
BEGIN SELECT RAISE(ABORT, 'agreements are append-only: record a new version'); END;
CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements
BEGIN SELECT RAISE(ABORT, 'agreements are append-only: record a new version'); END;
