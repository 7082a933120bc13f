-- tandem platform schema, version 10: the barrier register (issue #17, part 2).
-- A barrier is a rule that differs between the helper and the helped side, in one of six
-- fields (market access, qualification recognition, regulatory standards, public services,
-- data sharing, talent). It is shared across pairs: `affected_pairs` lists the ids of every
-- pair it affects, comma-joined (checked to exist by the record service), and decides who
-- sees it (`tandem_platform::auth`: the officers of a listed pair). `registered_on` is set by
-- the platform when the barrier is registered, `closed_on` when it is aligned or dropped
-- (which requires evidence; `tandem_platform::barrier_rules`).

CREATE TABLE barriers (
    id {{pk}},
    title TEXT NOT NULL,
    field TEXT NOT NULL,
    affected_pairs TEXT NOT NULL,
    helper_rule_document TEXT NOT NULL,
    helper_rule_article TEXT,
    helper_rule_link TEXT,
    helped_rule_document TEXT NOT NULL,
    helped_rule_article TEXT,
    helped_rule_link TEXT,
    effect TEXT NOT NULL,
    alignment TEXT NOT NULL,
    alignment_note TEXT,
    owner TEXT NOT NULL,
    deadline TEXT,
    status TEXT NOT NULL,
    evidence TEXT,
    evidence_document TEXT,
    evidence_link TEXT,
    registered_on TEXT NOT NULL,
    closed_on TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX barriers_field_status ON barriers(field, status);
