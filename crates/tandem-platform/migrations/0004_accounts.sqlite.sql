-- Version 4 has nothing specific to SQLite.
SELECT 1;
