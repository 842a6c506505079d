-- Qorgau's PostgreSQL role and database. Run as the postgres superuser:
--   sudo -u postgres psql -v password="'$(cat /etc/qorgau/credentials/db_password)'" \
--        -f /srv/qorgau/app/deploy/postgresql/create-database.sql
-- (or leave out -v and set the password after: \password qorgau).
-- The application needs no superuser right and no CREATEDB (tests run elsewhere).

CREATE ROLE qorgau LOGIN PASSWORD :password
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;

-- UTF-8 for Kazakh and Russian text; template0 so the encoding and collation can be chosen.
CREATE DATABASE qorgau OWNER qorgau ENCODING 'UTF8' TEMPLATE template0
    LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';

\connect qorgau
-- Nobody but the owner creates objects in the public schema (PostgreSQL < 15 allowed everyone).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO qorgau;
REVOKE ALL ON DATABASE qorgau FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE qorgau TO qorgau;

-- Timeouts: a forgotten transaction must not hold locks (and the audit chain) for ever.
ALTER ROLE qorgau SET idle_in_transaction_session_timeout = '5min';
ALTER ROLE qorgau SET statement_timeout = '15min';
ALTER ROLE qorgau SET timezone = 'UTC';
