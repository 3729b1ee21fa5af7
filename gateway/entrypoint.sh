#!/bin/sh
# Start Traefik in a container with the static config filled in from the environment.
#   SHOPDB_GATEWAY_TOKEN  required; the same value core has (letters and digits, e.g. openssl rand -hex 32)
#   SHOPDB_CORE_URL       where Traefik reaches core (default http://core:8001); also read by dynamic/*.yml
#   SHOPDB_GATEWAY_BODY_LIMIT  largest request body in bytes (default 10485760), read by dynamic/middlewares.yml
set -eu
: "${SHOPDB_GATEWAY_TOKEN:?set SHOPDB_GATEWAY_TOKEN to the token core expects}"
SHOPDB_CORE_URL="${SHOPDB_CORE_URL:-http://core:8001}"
SHOPDB_GATEWAY_DIR="${SHOPDB_GATEWAY_DIR:-$(cd "$(dirname "$0")" && pwd)}"
export SHOPDB_CORE_URL SHOPDB_GATEWAY_DIR

case "$SHOPDB_GATEWAY_TOKEN$SHOPDB_CORE_URL$SHOPDB_GATEWAY_DIR" in
  *"|"*|*"&"*|*"\\"*) echo "gateway: SHOPDB_* values must not contain '|', '&' or '\\'" >&2; exit 2 ;;
esac

out="${TRAEFIK_STATIC_CONFIG:-/tmp/traefik.yml}"
umask 077
sed -e "s|\${SHOPDB_CORE_URL}|$SHOPDB_CORE_URL|g" \
    -e "s|\${SHOPDB_GATEWAY_TOKEN}|$SHOPDB_GATEWAY_TOKEN|g" \
    -e "s|\${SHOPDB_GATEWAY_DIR}|$SHOPDB_GATEWAY_DIR|g" \
    "$SHOPDB_GATEWAY_DIR/traefik.yml.tmpl" > "$out"
exec traefik --configFile="$out" "$@"
