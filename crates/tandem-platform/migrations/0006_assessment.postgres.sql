-- Figures follow their park's pair when the park moves.
CREATE FUNCTION parks_pair_to_figures() RETURNS trigger AS $$
BEGIN
    UPDATE enterprise_figures SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
    UPDATE park_figures SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER parks_pair_to_figures AFTER UPDATE OF pair_id ON parks
FOR EACH ROW EXECUTE FUNCTION parks_pair_to_figures();
-- Runs and their scores are never changed: a correction is a new revision.
CREATE FUNCTION assessment_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: make a new revision', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER assessment_runs_no_change BEFORE UPDATE OR DELETE ON assessment_runs
FOR EACH ROW EXECUTE FUNCTION assessment_append_only();
CREATE TRIGGER assessment_scores_no_change BEFORE UPDATE OR DELETE ON assessment_scores
FOR EACH ROW EXECUTE FUNCTION assessment_append_only();
