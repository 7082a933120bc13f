-- Responses with a random id (see the portable file); append-only by trigger.
CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY,
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id),
    submitted_on TEXT NOT NULL,
    answers TEXT NOT NULL
);
CREATE INDEX survey_responses_wave ON survey_responses(wave_id);
CREATE FUNCTION survey_responses_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'survey responses are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER survey_responses_no_change BEFORE UPDATE OR DELETE ON survey_responses
FOR EACH ROW EXECUTE FUNCTION survey_responses_append_only();
