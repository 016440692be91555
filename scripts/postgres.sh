#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for tests, on loopback and a free port, in a temporary directory, with
# ssl=on and a test CA made here. Source it, then call `postgres_start`; it exports
# TESSERA_TEST_POSTGRES_URL (and _CA, the CA certificate, and _LOG, the server log) and stops and
# removes the cluster when the calling shell exits. initdb refuses root, so as root the server
# runs as the `postgres` user. Installs PostgreSQL 15 from Debian's packages when missing.

postgres_bin=/usr/lib/postgresql/15/bin

postgres_start() {
  if [ ! -x "$postgres_bin/initdb" ]; then
    echo "postgres.sh: installing postgresql-15"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
  fi
  local as_owner=()
  postgres_dir=$(mktemp -d /tmp/tessera-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$postgres_dir"
    as_owner=(runuser -u postgres --)
  fi
  postgres_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "${as_owner[@]}" "$postgres_bin/initdb" -D "$postgres_dir/data" -A trust -U postgres -E UTF8 >"$postgres_dir/initdb.log" 2>&1 \
    || { cat "$postgres_dir/initdb.log" >&2; return 1; }
  # TLS with a CA made here: the server's certificate names 127.0.0.1 and localhost.
  local tls="$postgres_dir/tls"
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Tessera test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
    -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
  chmod 600 "$tls/server.key"
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$tls"; fi
  "${as_owner[@]}" "$postgres_bin/pg_ctl" -D "$postgres_dir/data" -l "$postgres_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $postgres_port -k $postgres_dir -c fsync=on -c max_connections=200 -c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key -c log_connections=on" start >/dev/null \
    || { cat "$postgres_dir/server.log" >&2; return 1; }
  postgres_owner=("${as_owner[@]}")
  trap postgres_stop EXIT
  export TESSERA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$postgres_port/postgres"
  export TESSERA_TEST_POSTGRES_CA="$tls/ca.crt" TESSERA_TEST_POSTGRES_LOG="$postgres_dir/server.log"
  echo "postgres.sh: PostgreSQL $("$postgres_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$postgres_port"
}

postgres_stop() {
  [ -n "${postgres_dir:-}" ] || return 0
  "${postgres_owner[@]}" "$postgres_bin/pg_ctl" -D "$postgres_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$postgres_dir"
  postgres_dir=
}
