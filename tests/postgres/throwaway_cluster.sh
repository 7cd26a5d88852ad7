#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL cluster, then stops and removes the cluster.
#
#   tests/postgres/throwaway_cluster.sh COMMAND [ARGS...]
#
# PostgreSQL comes from the operating system's packages (Debian `postgresql`), installed when no
# /usr/lib/postgresql/*/bin/initdb exists (needs root, as in CI). The cluster lives in a temporary
# folder, listens on 127.0.0.1 on a free port with its unix socket in that folder, and runs as the
# `postgres` system user when started by root (initdb refuses root). The command gets
# PM_POSTGRES_DSN=postgresql://USER:PASSWORD@127.0.0.1:PORT/postgres, a superuser with a password
# made for this run; tests/postgres uses it to create one database per test.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# The newest installed major version's bin folder, or nothing (no failure: the caller installs then).
PG_ROOT=/usr/lib/postgresql
pg_bin() { { find "$PG_ROOT" -maxdepth 3 -path '*/bin/initdb' 2>/dev/null || true; } | sort -V | tail -n 1 | xargs -r dirname; }

PG_BIN="$(pg_bin)"
if [[ -z "$PG_BIN" ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "PostgreSQL is not installed: install the 'postgresql' package (apt-get install postgresql) and retry" >&2
        exit 1
    fi
    echo "Installing PostgreSQL from the Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    PG_BIN="$(pg_bin)"
    [[ -n "$PG_BIN" ]] || { echo "apt-get installed no initdb under $PG_ROOT" >&2; exit 1; }
fi

WORK="$(mktemp -d -t pm-postgres.XXXXXX)"
RUN_AS=()
if [[ "$(id -u)" -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$WORK"
    RUN_AS=(runuser -u postgres --)
fi

cleanup() {
    "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
USER_NAME=migration
PASSWORD="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
printf '%s\n' "$PASSWORD" > "$WORK/pwfile"
[[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$WORK/pwfile"

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$WORK/data" -U "$USER_NAME" --pwfile="$WORK/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
rm -f "$WORK/pwfile"
mkdir -p "$WORK/socket"
[[ ${#RUN_AS[@]} -eq 0 ]] || chown postgres "$WORK/socket"
# fsync off: the cluster is thrown away after the run, durability buys nothing here.
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 120 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$WORK/socket -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (cluster in $WORK)"

export PM_POSTGRES_DSN="postgresql://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/postgres"
"$@"
