CREATE TRIGGER agreements_no_change BEFORE UPDATE ON agreements
BEGIN SELECT RAISE(ABORT, 'agreements are append-only: record a new version'); END;
CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements
BEGIN SELECT RAISE(ABORT, 'agreements are append-only: record a new version'); END;
CREATE TRIGGER revenues_no_change BEFORE UPDATE ON revenues
BEGIN SELECT RAISE(ABORT, 'revenues are append-only: record a correction'); END;
CREATE TRIGGER revenues_no_delete BEFORE DELETE ON revenues
BEGIN SELECT RAISE(ABORT, 'revenues are append-only: record a correction'); END;
CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END;
