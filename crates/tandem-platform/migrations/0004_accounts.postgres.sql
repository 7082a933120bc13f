-- Version 4 has nothing specific to PostgreSQL.
SELECT 1;
