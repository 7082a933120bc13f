-- Figures follow their park's pair when the park moves.
CREATE TRIGGER parks_pair_to_figures AFTER UPDATE OF pair_id ON parks
BEGIN
    UPDATE enterprise_figures SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
    UPDATE park_figures SET pair_id = NEW.pair_id WHERE park_id = NEW.id;
END;
-- Runs and their scores are never changed: a correction is a new revision.
CREATE TRIGGER assessment_runs_no_change BEFORE UPDATE ON assessment_runs
BEGIN SELECT RAISE(ABORT, 'assessment runs are append-only: make a new revision'); END;
CREATE TRIGGER assessment_runs_no_delete BEFORE DELETE ON assessment_runs
BEGIN SELECT RAISE(ABORT, 'assessment runs are append-only: make a new revision'); END;
CREATE TRIGGER assessment_scores_no_change BEFORE UPDATE ON assessment_scores
BEGIN SELECT RAISE(ABORT, 'assessment runs are append-only: make a new revision'); END;
CREATE TRIGGER assessment_scores_no_delete BEFORE DELETE ON assessment_scores
BEGIN SELECT RAISE(ABORT, 'assessment runs are append-only: make a new revision'); END;
