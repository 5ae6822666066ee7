-- EduRecords: one database per service, each owned by its own login role, so a service can reach only its
-- own tables (the services share nothing but events). Run once, by the postgres image's entrypoint, when
-- the data volume is empty; the migrate job then creates the tables.
--
-- The roles' password comes from the environment (EDU_DB_PASSWORD, read with psql's \getenv); in
-- production give each role its own secret with ALTER ROLE … PASSWORD and set each service's DATABASE_URL.
\set ON_ERROR_STOP on
\getenv db_password EDU_DB_PASSWORD
\if :{?db_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'EDU_DB_PASSWORD is not set in the postgres container'; END $$;
\endif

CREATE ROLE edu_identity LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_identity OWNER edu_identity;

CREATE ROLE edu_gradebook LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_gradebook OWNER edu_gradebook;

CREATE ROLE edu_transcript LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_transcript OWNER edu_transcript;

CREATE ROLE edu_signing LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_signing OWNER edu_signing;

CREATE ROLE edu_reporting LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_reporting OWNER edu_reporting;

CREATE ROLE edu_notifications LOGIN PASSWORD :'db_password';
CREATE DATABASE edu_notifications OWNER edu_notifications;

-- Nobody but the owner connects to a service's database.
REVOKE CONNECT ON DATABASE edu_identity, edu_gradebook, edu_transcript, edu_signing, edu_reporting,
    edu_notifications FROM PUBLIC;
