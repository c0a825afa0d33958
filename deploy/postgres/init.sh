#!/usr/bin/env bash
# One database and one role per data service, each role owning its database and nothing else.
#
# The postgres image runs this once, on an empty data directory (it is mounted into
# /docker-entrypoint-initdb.d by deploy/compose.yaml). It is also safe to run again against a
# running cluster, e.g. after adding a service or to rotate the passwords:
#   docker compose -f deploy/compose.yaml exec postgres /docker-entrypoint-initdb.d/10-cmdi-databases.sh
#
# CMDI_DATABASES: the data services, space-separated (compose sets it from scripts/services.py's
# list, which tests/deploy/test_image_and_compose.py keeps in step); <NAME>_DB_PASSWORD: each
# role's password. POSTGRES_USER and POSTGRES_DB are the image's own variables (the superuser).
set -euo pipefail

: "${CMDI_DATABASES:?CMDI_DATABASES names the databases to create}"
superuser="${POSTGRES_USER:-postgres}"
maintenance_db="${POSTGRES_DB:-$superuser}"

for name in $CMDI_DATABASES; do
  if [[ ! "$name" =~ ^[a-z][a-z0-9_]{0,62}$ ]]; then
    echo "cmdi-databases: not a database name: '$name'" >&2
    exit 1
  fi
  password_variable="${name^^}_DB_PASSWORD"
  if [[ -z "${!password_variable:-}" ]]; then
    echo "cmdi-databases: $password_variable is not set" >&2
    exit 1
  fi
  # The password reaches psql through its environment (\getenv), never its command line, and is
  # quoted by psql (:'password'), so any character is safe.
  CMDI_DB_PASSWORD="${!password_variable}" psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
    --username "$superuser" --dbname "$maintenance_db" --set=name="$name" <<'SQL'
\getenv password CMDI_DB_PASSWORD
SELECT format('CREATE ROLE %I', :'name')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
  PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
-- Only the owner (and the superuser) may connect: no service reads another's data.
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "cmdi-databases: $name ready (role $name owns database $name)"
done

# The maintenance database is the superuser's only.
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 --username "$superuser" --dbname "$maintenance_db" \
  --set=db="$maintenance_db" <<'SQL'
REVOKE CONNECT ON DATABASE :"db" FROM PUBLIC;
SQL
