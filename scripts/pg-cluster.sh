#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (Debian's `postgresql`): `initdb` in a
# temporary folder, a private port on loopback and a private socket folder, run as
# `postgres` when root (the server refuses root). Sourced: `pg_cluster_start` exports
# SESAM_TEST_POSTGRES (postgresql://sesam@127.0.0.1:PORT) and `pg_cluster_stop` stops it
# and removes the folder; the caller stops it in its EXIT trap, so a failure stops it too.
# Run directly (`bash scripts/pg-cluster.sh COMMAND...`), it runs COMMAND with the cluster.

pg_cluster_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL manque : lancer scripts/setup.sh (paquet postgresql)." >&2; return 1; }
  echo "$bin"
}

pg_cluster_as() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

pg_cluster_start() {
  local bin port
  bin=$(pg_cluster_bin) || return 1
  PG_CLUSTER_DIR=$(mktemp -d /tmp/sesam-pg.XXXXXX)
  chmod 755 "$PG_CLUSTER_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_CLUSTER_DIR"
  # A free port among 55000-55999 (another run may hold one).
  for _ in $(seq 20); do
    port=$((55000 + RANDOM % 1000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  # fsync off: the cluster lives for one run (the durability tests use their own server).
  pg_cluster_as "$bin/initdb -D $PG_CLUSTER_DIR/data -A trust -U sesam -E UTF8 >$PG_CLUSTER_DIR/initdb.log 2>&1 \
    && $bin/pg_ctl -D $PG_CLUSTER_DIR/data -l $PG_CLUSTER_DIR/log -w -o \
       \"-p $port -k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" \
       start >/dev/null" || { cat "$PG_CLUSTER_DIR"/*.log >&2 2>/dev/null; return 1; }
  PG_CLUSTER_BIN=$bin
  export SESAM_TEST_POSTGRES="postgresql://sesam@127.0.0.1:$port"
}

pg_cluster_stop() {
  [ -n "${PG_CLUSTER_DIR:-}" ] || return 0
  pg_cluster_as "$PG_CLUSTER_BIN/pg_ctl -D $PG_CLUSTER_DIR/data -m immediate stop >/dev/null 2>&1" || true
  rm -rf "$PG_CLUSTER_DIR"
  PG_CLUSTER_DIR=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  trap pg_cluster_stop EXIT
  pg_cluster_start
  "$@"
fi
