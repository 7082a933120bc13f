-- Version 10 has nothing specific to PostgreSQL.
SELECT 1;
