CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agreements_no_change BEFORE UPDATE OR DELETE ON agreements
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER revenues_no_change BEFORE UPDATE OR DELETE ON revenues
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
