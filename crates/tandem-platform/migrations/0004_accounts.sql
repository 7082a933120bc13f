-- tandem platform schema, version 4: account management (issue #12). An administrator can
-- disable and enable an account, set a new password and end its sessions; these columns
-- record when, for the administrator's page (the flag `users.disabled` dates from version 1,
-- every change is also in audit_log under entity 'users'). Never the password itself.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
ALTER TABLE users ADD COLUMN last_sign_in_at TEXT;
-- Ending one user's sessions deletes by user.
CREATE INDEX sessions_user ON sessions(user_id);
