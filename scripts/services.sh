#!/usr/bin/env bash
# Sourced by scripts/test and scripts/bench: installs the pinned tools when
# missing, starts stripe-mock and a throwaway PostgreSQL on free loopback
# ports, exports STRIPE_MOCK_URL and PAYMENTS_TEST_DATABASE_URL, and stops
# both on exit.
STATICCHECK_VERSION=v0.8.2   # honnef.co/go/tools
STRIPE_MOCK_VERSION=v0.203.0

export PATH="$(go env GOPATH)/bin:$PATH"
log() { printf '==> %s\n' "$*" >&2; }

work=$(mktemp -d)
chmod 755 "$work"
pids=()
pgdata=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$pgdata" ] && [ -f "$pgdata/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# free_port prints a TCP port on 127.0.0.1 that nothing listens on, below
# the kernel's ephemeral range, whose ports outgoing connections hold
# without listening (a listener could not bind them).
free_port() {
  local p lo=32768
  read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  [ "$lo" -gt 12000 ] || lo=32768
  for _ in $(seq 1 200); do
    p=$(( (RANDOM % (lo - 11000)) + 10000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; return 1
}

wait_port() { # wait_port PORT SECONDS
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# --- tools -----------------------------------------------------------------
if ! staticcheck -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
  log "installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi
if ! command -v stripe-mock >/dev/null || [ "$(cat "$(go env GOPATH)/bin/.stripe-mock-version" 2>/dev/null)" != "$STRIPE_MOCK_VERSION" ]; then
  log "installing stripe-mock $STRIPE_MOCK_VERSION"
  go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
  echo "$STRIPE_MOCK_VERSION" > "$(go env GOPATH)/bin/.stripe-mock-version"
fi

# --- stripe-mock -----------------------------------------------------------
http_port=$(free_port); https_port=$(free_port)
stripe-mock -http-addr "127.0.0.1:$http_port" -https-addr "127.0.0.1:$https_port" >"$work/stripe-mock.log" 2>&1 &
pids+=($!)
if ! wait_port "$http_port" 30; then cat "$work/stripe-mock.log" >&2; echo "stripe-mock did not start" >&2; exit 1; fi
export STRIPE_MOCK_URL="http://127.0.0.1:$http_port"
log "stripe-mock on $STRIPE_MOCK_URL"

# --- PostgreSQL ------------------------------------------------------------
find_pg_bin() {
  local d
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
}
PG_BIN=$(find_pg_bin || true)
if [ -z "$PG_BIN" ]; then
  log "installing PostgreSQL with apt-get"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
fi
# initdb refuses to run as root: run the server as the postgres user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pgdata="$work/pgdata"
mkdir -p "$pgdata" "$work/pgsock" "$work/pglog"
if [ "$(id -u)" = 0 ]; then chown postgres "$pgdata" "$work/pgsock" "$work/pglog"; fi
as_pg "$PG_BIN/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
# A port found free may be taken before the server binds it: try again
# on another.
for try in 1 2 3; do
  pg_port=$(free_port)
  if as_pg "$PG_BIN/pg_ctl" -D "$pgdata" -l "$work/pglog/pg.log" -w -t 60 \
    -o "-p $pg_port -k $work/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null; then
    break
  fi
  if [ "$try" = 3 ] || ! grep -q "could not create any TCP/IP sockets" "$work/pglog/pg.log"; then
    cat "$work/pglog/pg.log" >&2; exit 1
  fi
  log "PostgreSQL could not bind port $pg_port; trying another"
done
"$PG_BIN/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE payments_test" >/dev/null
export PAYMENTS_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/payments_test?sslmode=disable"
log "PostgreSQL on 127.0.0.1:$pg_port"

