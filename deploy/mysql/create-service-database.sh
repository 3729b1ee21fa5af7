#!/bin/sh
# Create one service's database and its user, granted that database and nothing else.
#
# docker-compose.yml runs this in a one-shot container (the mysql image, for its client)
# before the service's migration, on every `docker compose up`: it is idempotent, so a service
# enabled later gets its database, and a changed password in .env is applied.
#
#   SERVICE                the service name: database and user are both shopdb_<SERVICE>
#   <SERVICE>_DB_PASSWORD  that user's password, e.g. CORE_DB_PASSWORD (URL-safe characters
#                          only, it goes into SHOPDB_DATABASE_URL: openssl rand -hex 24)
#   MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_PWD  the server and the admin password (mysql client)
#   MYSQL_ADMIN_USER       the admin user (default root)
set -eu

case "${SERVICE:-}" in
  "" | *[!a-z0-9_]* | [!a-z]*)
    echo "shopdb: SERVICE must be a service name (lower-case letters, digits, _), got '${SERVICE:-}'" >&2
    exit 2 ;;
esac

password_var="$(echo "$SERVICE" | tr 'a-z' 'A-Z')_DB_PASSWORD"
eval "password=\${$password_var:-}"
if [ -z "$password" ]; then
  echo "shopdb: $password_var is empty: set it in deploy/.env to run $SERVICE (e.g. openssl rand -hex 24)" >&2
  exit 1
fi
case "$password" in
  *[!A-Za-z0-9._~-]*)
    echo "shopdb: $password_var may hold only letters, digits and . _ ~ - (it is part of a database URL)" >&2
    exit 1 ;;
esac
if [ "${#password}" -lt 16 ]; then
  echo "shopdb: $password_var is weak: use at least 16 random characters" >&2
  exit 1
fi

name="shopdb_$SERVICE"
# In GRANT, '_' in a database name is a wildcard: escape it so the grant is this database only.
grant_name="$(echo "$name" | sed 's/_/\\_/g')"
mysql --protocol=TCP -h "${MYSQL_HOST:-mysql}" -P "${MYSQL_TCP_PORT:-3306}" -u "${MYSQL_ADMIN_USER:-root}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$name'@'%' IDENTIFIED BY '$password';
ALTER USER '$name'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`$grant_name\`.* TO '$name'@'%';
SQL
echo "shopdb: database $name and user $name ready"
