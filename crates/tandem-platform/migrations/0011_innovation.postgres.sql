-- The parts of the innovation records follow their parent's pair when it moves: an
-- institute's platforms and capabilities (and a capability its side), a need's matches (and
-- their enterprise), a match's projects, a project's milestones and patents or licences.
CREATE FUNCTION institutes_pair_to_parts() RETURNS trigger AS $$
BEGIN
    UPDATE innovation_platforms SET pair_id = NEW.pair_id WHERE institute_id = NEW.id;
    UPDATE tech_capabilities SET pair_id = NEW.pair_id, side = NEW.side
        WHERE institute_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER institutes_pair_to_parts AFTER UPDATE OF pair_id, side ON institutes
FOR EACH ROW EXECUTE FUNCTION institutes_pair_to_parts();

CREATE FUNCTION tech_needs_pair_to_matches() RETURNS trigger AS $$
BEGIN
    UPDATE tech_matches SET pair_id = NEW.pair_id, enterprise_id = NEW.enterprise_id
        WHERE need_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tech_needs_pair_to_matches AFTER UPDATE OF pair_id, enterprise_id ON tech_needs
FOR EACH ROW EXECUTE FUNCTION tech_needs_pair_to_matches();

CREATE FUNCTION tech_matches_pair_to_projects() RETURNS trigger AS $$
BEGIN
    UPDATE innovation_projects SET pair_id = NEW.pair_id WHERE match_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tech_matches_pair_to_projects AFTER UPDATE OF pair_id ON tech_matches
FOR EACH ROW EXECUTE FUNCTION tech_matches_pair_to_projects();

CREATE FUNCTION innovation_projects_pair_to_parts() RETURNS trigger AS $$
BEGIN
    UPDATE innovation_milestones SET pair_id = NEW.pair_id WHERE project_id = NEW.id;
    UPDATE ip_records SET pair_id = NEW.pair_id WHERE project_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER innovation_projects_pair_to_parts AFTER UPDATE OF pair_id ON innovation_projects
FOR EACH ROW EXECUTE FUNCTION innovation_projects_pair_to_parts();
