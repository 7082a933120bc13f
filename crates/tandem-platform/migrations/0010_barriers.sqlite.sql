-- Version 10 has nothing specific to SQLite.
SELECT 1;
