-- Responses without a rowid: SQLite's hidden rowid would number them in the order they came
-- in. The id is random (see the portable file), so the table's order says nothing either.
CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id),
    submitted_on TEXT NOT NULL,
    answers TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX survey_responses_wave ON survey_responses(wave_id);
CREATE TRIGGER survey_responses_no_change BEFORE UPDATE ON survey_responses
BEGIN SELECT RAISE(ABORT, 'survey responses are append-only'); END;
CREATE TRIGGER survey_responses_no_delete BEFORE DELETE ON survey_responses
BEGIN SELECT RAISE(ABORT, 'survey responses are append-only'); END;
