-- tandem platform schema, version 7: enterprise satisfaction surveys in co-built parks (issue
-- #16). A wave is one park's survey of one year, with its questionnaire (JSON, checked by
-- `survey::questionnaire::parse` before it is stored) and its dates. Respondents answer
-- through a link holding a 128-bit random token; only the token's SHA-256 is stored, with
-- whether it was used. The response (per engine, below) is a separate row that does NOT
-- refer to its token: no foreign key, no shared key, no time finer than the day, and a random
-- id, so nobody, the operator who handed out the links included, can tell from the database
-- which token (and so which enterprise) gave which answers. Marking the token used and
-- inserting the response happen in one transaction (`survey::submit`).
CREATE TABLE survey_waves (
    id {{pk}},
    park_id BIGINT NOT NULL REFERENCES parks(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    questionnaire TEXT NOT NULL,
    tokens_issued BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (park_id, year)
);
CREATE TABLE survey_tokens (
    token_hash TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id),
    used BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX survey_tokens_wave ON survey_tokens(wave_id);
