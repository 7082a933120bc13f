-- tandem platform schema, version 9: disputes and consultation as records (issue #17, part 1).
-- A case (`disputes`) belongs to a pair and optionally one of its parks; its consultation
-- rounds (`dispute_rounds`) and escalation history (`dispute_escalations`) carry the case's
-- pair and park (derived by the record service and the escalation workflow from the case,
-- kept equal by the per-engine triggers when a case moves), so each row's visibility is
-- decided from the row itself. `tandem_platform::disputes` holds the workflow: escalation
-- one level up with the next level's deadline, and closing with an outcome.

CREATE TABLE disputes (
    id {{pk}},
    pair_id TEXT NOT NULL REFERENCES pairs(id),
    park_id BIGINT REFERENCES parks(id),
    raised_by_side TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT,
    title TEXT NOT NULL,
    parties TEXT NOT NULL,
    description TEXT NOT NULL,
    amount_at_stake_fen BIGINT,
    evidence TEXT,
    raised_on TEXT NOT NULL,
    current_level TEXT NOT NULL,
    level_deadline TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome_note TEXT,
    closed_on TEXT,
    amended_agreement_row BIGINT REFERENCES agreements(id),
    compensation_fen BIGINT,
    compensation_payer TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX disputes_pair ON disputes(pair_id);
CREATE INDEX disputes_park ON disputes(park_id);
CREATE INDEX disputes_open_deadline ON disputes(status, level_deadline);

CREATE TABLE dispute_rounds (
    id {{pk}},
    dispute_id BIGINT NOT NULL REFERENCES disputes(id),
    pair_id TEXT REFERENCES pairs(id),
    park_id BIGINT REFERENCES parks(id),
    level TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL,
    minutes TEXT NOT NULL,
    next_steps TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX dispute_rounds_dispute ON dispute_rounds(dispute_id);
CREATE INDEX dispute_rounds_pair ON dispute_rounds(pair_id);
CREATE INDEX dispute_rounds_park ON dispute_rounds(park_id);

CREATE TABLE dispute_escalations (
    id {{pk}},
    dispute_id BIGINT NOT NULL REFERENCES disputes(id),
    pair_id TEXT REFERENCES pairs(id),
    park_id BIGINT REFERENCES parks(id),
    from_level TEXT NOT NULL,
    to_level TEXT NOT NULL,
    escalated_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX dispute_escalations_dispute ON dispute_escalations(dispute_id);
CREATE INDEX dispute_escalations_pair ON dispute_escalations(pair_id);
CREATE INDEX dispute_escalations_park ON dispute_escalations(park_id);
