#!/usr/bin/env bash
# Load test on loopback with wrk: the server on CPU 0, wrk on CPU 1. Measures, in one run:
#   - tessera GET /v1/verify with a valid token in the default configuration (access log on),
#     and again with the access log off; POST /oauth/introspect of an access token by a
#     gateway client, default configuration;
#   - the peers: nginx (1 worker) returning a fixed 16-byte JSON body, and a bare SwiftNIO
#     hello-world (Benchmarks/HelloNIO) returning the same;
#   - /v1/verify again while logins keep the hashing pool saturated;
#   - each server's resident memory idle and at its peak after the runs;
#   - with BASELINE=/path/to/tessera, /v1/verify of that build beside this one, alternating.
# Prints req/s, p50/p99 latency and server CPU µs per request for each, then the ratios with
# their targets (issue #13) as `ratio NAME VALUE (target OP X)` lines, which
# scripts/perf-check.sh checks. Every run is bounded (DURATION seconds each, default 10) and
# stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-10}
connections=${CONNECTIONS:-32}

scripts/setup.sh --venv
for tool in wrk taskset; do
  command -v "$tool" >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk util-linux >/dev/null; }
done
# Both Swift servers are built as the README says to build for production: release, with the
# Swift runtime and Foundation linked in (faster and smaller than the shared libraries), in a
# build folder of their own.
static=(-c release --static-swift-stdlib --scratch-path .build-static)
swift build "${static[@]}" --product tessera
(cd Benchmarks && swift build "${static[@]}" --product HelloNIO)
tessera="$(swift build "${static[@]}" --show-bin-path)/tessera"
hello="$(cd Benchmarks && swift build "${static[@]}" --show-bin-path)/HelloNIO"

work=$(mktemp -d /tmp/tessera-load.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# run NAME PID WRK-ARGS…: one wrk run against a server process; prints one result line.
declare -A rps p50 p99 cpu
run() {
  local name=$1 pid=$2; shift 2
  local before after out
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "$@")
  after=$(cpu_ticks "$pid")
  local requests
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps[$name]=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50[$name]=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99[$name]=$(awk '$1 == "99%" {print $2}' <<<"$out")
  cpu[$name]=$(python3 -c "print(f'{($after - $before) / $ticks_per_second / max($requests, 1) * 1e6:.1f}')")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
  if [ "$non2xx" != 0 ]; then echo "warning: $name had $non2xx non-2xx answers" >&2; fi
  printf '%-34s %10s req/s   p50 %8s   p99 %8s   %6s µs CPU/req\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${cpu[$name]}"
}

# Tessera on CPU 0, SQLite, in its default configuration (access log, rate limits) but for one
# event loop thread: tessera and the SwiftNIO peer each run on one pinned core. The HMAC key
# keeps the figures comparable with the issue's; `keys generate` without --alg makes one.
export TESSERA_HTTP_THREADS=1 TESSERA_PASSWORD_ALLOW_WEAK_COST=true TESSERA_PASSWORD_SCRYPT_LN=12
# start_tessera BINARY DIR [VAR=VALUE…]: a fresh store, key ring, user and clients in DIR, the
# server on CPU 0 with the extra environment; sets server_port, server_pid, server_token and
# gateway_secret.
start_tessera() {
  local binary=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  (cd "$dir"
   "$binary" keys generate >/dev/null 2>&1
   printf 'load test password\n' | "$binary" user add loadtest >/dev/null
   "$binary" client add web --public --grant password --grant refresh_token --scope read >/dev/null)
  gateway_secret=$(cd "$dir" && "$binary" client add gateway --grant client_credentials --introspect | python3 -c 'import json, sys; print(json.load(sys.stdin)["client_secret"])')
  server_port=$(free_port)
  (cd "$dir" && exec env "$@" taskset -c 0 "$binary" serve --port "$server_port" 2>"$dir/serve.log") &
  server_pid=$!
  pids+=("$server_pid")
  until curl -sf "http://127.0.0.1:$server_port/healthz" >/dev/null; do sleep 0.1; done
  server_token=$(curl -sf -X POST "http://127.0.0.1:$server_port/oauth/token" -d grant_type=password -d client_id=web -d username=loadtest \
    --data-urlencode "password=load test password" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
}
cd "$work"
# 256 connections from loopback for the memory run: the per-address limit (64) would refuse them.
start_tessera "$tessera" "$work/tessera" TESSERA_HTTP_MAX_CONNECTIONS_PER_IP=256
port=$server_port tessera_pid=$server_pid token=$server_token secret=$gateway_secret
start_tessera "$tessera" "$work/quiet" TESSERA_HTTP_ACCESS_LOG=off
quiet_port=$server_port quiet_pid=$server_pid quiet_token=$server_token
# BASELINE=/path/to/an/older/tessera adds that build beside this one, measured in the same run.
if [ -n "${BASELINE:-}" ]; then
  start_tessera "$BASELINE" "$work/baseline"
  baseline_port=$server_port baseline_pid=$server_pid baseline_token=$server_token
fi

cat >"$work/introspect.lua" <<LUA
wrk.method = "POST"
wrk.body = "token=$token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $(printf 'gateway:%s' "$secret" | base64 -w0)"
LUA
cat >"$work/login.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=password&client_id=web&username=loadtest&password=load+test+password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

# Peers on CPU 0: nginx with one worker process, and the bare SwiftNIO server.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1;
error_log $work/nginx/error.log warn; pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$nginx_port; location / { default_type application/json; return 200 '{"hello":"ngx!"}'; } }
}
NGINX
taskset -c 0 nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!); nginx_pid=$!
hello_port=$(free_port)
taskset -c 0 "$hello" "$hello_port" 1 &
pids+=($!); hello_pid=$!
until curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null && curl -sf "http://127.0.0.1:$hello_port/" >/dev/null; do sleep 0.1; done

# rss PID FIELD: VmRSS (now) or VmHWM (peak) in MiB.
rss() { awk -v field="$2:" '$1 == field {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
declare -A idle_rss
for server in tessera:$tessera_pid nginx:$nginx_pid hello:$hello_pid; do idle_rss[${server%%:*}]=$(rss "${server#*:}" VmRSS); done

echo "wrk: 1 thread, $connections connections, ${duration}s per run; servers pinned to CPU 0, wrk to CPU 1"
run "nginx fixed JSON (peer)" "$nginx_pid" "http://127.0.0.1:$nginx_port/"
run "SwiftNIO hello-world (peer)" "$hello_pid" "http://127.0.0.1:$hello_port/"
run "tessera GET /v1/verify" "$tessera_pid" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verify"
run "tessera /v1/verify, access log off" "$quiet_pid" -H "Authorization: Bearer $quiet_token" "http://127.0.0.1:$quiet_port/v1/verify"
run "tessera POST /oauth/introspect" "$tessera_pid" -s "$work/introspect.lua" "http://127.0.0.1:$port/oauth/introspect"
introspect_errors=$non2xx

# Logins saturating the hashing pool (on CPU 0 with the server) while /v1/verify is measured.
taskset -c 1 wrk -t1 -c8 -d"$((duration + 2))s" -s "$work/login.lua" "http://127.0.0.1:$port/oauth/token" >"$work/logins.txt" &
login_pid=$!
sleep 1
run "tessera /v1/verify during logins" "$tessera_pid" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verify"
wait "$login_pid"
echo "  logins during that run: $(awk '/Requests\/sec/ {print $2}' "$work/logins.txt") req/s"

ratio() { python3 -c "print(f'{float(\"$1\") / float(\"$2\"):.3f}')"; }

# This build against the baseline, alternating three times so that drift in the machine's speed
# falls on both alike; the ratio is of the medians.
if [ -n "${BASELINE:-}" ]; then
  echo
  for round in 1 2 3; do
    run "tessera GET /v1/verify, round $round" "$tessera_pid" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verify"
    run "baseline GET /v1/verify, round $round" "$baseline_pid" -H "Authorization: Bearer $baseline_token" "http://127.0.0.1:$baseline_port/v1/verify"
  done
  median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
  this=$(median "${rps[tessera GET /v1/verify, round 1]}" "${rps[tessera GET /v1/verify, round 2]}" "${rps[tessera GET /v1/verify, round 3]}")
  base=$(median "${rps[baseline GET /v1/verify, round 1]}" "${rps[baseline GET /v1/verify, round 2]}" "${rps[baseline GET /v1/verify, round 3]}")
  echo "  /v1/verify this build / baseline (medians of 3): $(ratio "$this" "$base")"
fi
to_us() { python3 -c "
v = '$1'
import re
m = re.match(r'([0-9.]+)(us|ms|s)', v)
print(float(m.group(1)) * {'us': 1, 'ms': 1000, 's': 1e6}[m.group(2)])"; }
connections=256 run "tessera /v1/verify, 256 connections" "$tessera_pid" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/verify"
echo
echo "memory (MiB): idle RSS -> peak RSS after the runs (the last with 256 connections)"
for server in tessera:$tessera_pid nginx:$nginx_pid hello:$hello_pid; do
  printf '  %-8s %6s -> %6s\n' "${server%%:*}" "${idle_rss[${server%%:*}]}" "$(rss "${server#*:}" VmHWM)"
done
echo
echo "ratios (every figure of a ratio is from this run)"
echo "ratio verify/hello-nio           $(ratio "${rps[tessera GET /v1/verify]}" "${rps[SwiftNIO hello-world (peer)]}") (target >= 1.0)"
echo "ratio verify/nginx               $(ratio "${rps[tessera GET /v1/verify]}" "${rps[nginx fixed JSON (peer)]}") (target >= 0.6)"
echo "ratio verify-log-on/log-off      $(ratio "${rps[tessera GET /v1/verify]}" "${rps[tessera /v1/verify, access log off]}") (target >= 0.9)"
echo "ratio introspect/verify          $(ratio "${rps[tessera POST /oauth/introspect]}" "${rps[tessera GET /v1/verify]}") (target >= 0.5)"
echo "ratio introspect-non-2xx         $introspect_errors (target <= 0)"
echo "ratio verify-p99-logins/idle     $(ratio "$(to_us "${p99[tessera /v1/verify during logins]}")" "$(to_us "${p99[tessera GET /v1/verify]}")") (target <= 2)"
echo "ratio tessera-idle-rss-mib       ${idle_rss[tessera]} (target <= 32)"
echo "ratio tessera-peak-rss-mib       $(rss "$tessera_pid" VmHWM) (target <= 64)"
