#!/usr/bin/env bash
# Load harness for oxidp: builds the release binary, runs each backend in a
# fresh work dir on a free loopback port, drives it with wrk (bench/*.lua)
# and bench/login_driver.py, and writes a markdown report (BENCHMARKS.md).
#
#   bash bench/run.sh [--backend embedded|pg-redis|all] [--duration SECS] [--out FILE]
#
# Exit status: 0 all targets met; 2 every scenario ran cleanly but a target
# was missed (the report is still written); 1 anything else, e.g. a scenario
# with non-2xx/3xx answers or socket errors.
#
# Only 127.0.0.1 is loaded, every load run is bounded in time, and the EXIT
# trap always stops the server (by PID), drops the bench database, deletes
# the bench's Redis keys and removes the temp dirs.
#
# Testing the harness only: BENCH_ARGON2_NS=<nanoseconds> replaces the
# criterion argon2id reference (benches/crypto.rs) when that bench is absent.
set -euo pipefail
export LC_ALL=C # '.' decimals for awk/printf and $EPOCHREALTIME

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

# --- settings ---------------------------------------------------------------
backend_opt=all
duration=8
out_file="$ROOT/BENCHMARKS.md"
WARMUP=2         # unmeasured seconds before each measured run
THREADS=2        # wrk threads, every run
RATIO_CONNS=32   # one setting for /healthz and every req/s-ratio scenario
CC_CONNS=16      # client_credentials CPU and p99 figures
PEAK_CONNS=64    # client_credentials run for the peak RSS
EXCHANGE_CONNS=16
LOGIN_WORKERS=4  # the server bounds concurrent argon2 hashes itself
PG_HOST=127.0.0.1 PG_PORT=5432 PG_USER=postgres
REDIS_HOST=127.0.0.1 REDIS_PORT=6379
USERNAME=bench
PASSWORD='correct horse battery staple'
CLIENT_ID=bench
REDIRECT_URI=http://127.0.0.1:9/cb # never followed; nothing listens there
REDIRECT_URI_ENC=http%3A%2F%2F127.0.0.1%3A9%2Fcb
API_SCOPE=api.read
VERIFIER=bench-verifier-0123456789-abcdefghijklmnopqrstuvwxyz # fixed PKCE verifier
CLK_TCK=$(getconf CLK_TCK)
NOISE_CORES=0.15 # flag runs during which other processes used more CPU than this

# --- state (the EXIT trap reads these) ----------------------------------------
tmp_root=""      # everything temporary lives under here
server_pid=""
poller_pid=""
child_pid=""     # wrk or login_driver.py run by run_bounded
pg_db=""         # set once the bench database exists
redis_prefix=""  # set once the server may have written Redis keys
backend=""       # backend being measured
work="" port="" issuer="" secret="" basic="" cookie=""
declare -A R=()  # results: R[backend:scenario:field]
declare -A W=()  # fields of the last wrk run's BENCH_RESULT line
misses=()
notes=()

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

parse_args() {
  while (($#)); do
    case $1 in
      --backend) backend_opt=${2:?--backend needs a value}; shift 2 ;;
      --duration) duration=${2:?--duration needs a value}; shift 2 ;;
      --out) out_file=${2:?--out needs a value}; shift 2 ;;
      -h | --help) usage 0 ;;
      *) log "unknown option: $1"; usage 1 >&2 ;;
    esac
  done
  [[ $backend_opt =~ ^(embedded|pg-redis|all)$ ]] || die "--backend must be embedded, pg-redis or all"
  [[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration must be a whole number of seconds"
  ((duration <= 120)) || die "--duration is capped at 120 s (codes live at most 600 s)"
  [[ $out_file == /* ]] || out_file="$PWD/$out_file"
}

# --- arithmetic (bash has integers only) ------------------------------------
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; } # calc EXPR [DECIMALS]
holds() { awk "BEGIN { exit !($1) }"; }               # holds "1.2 <= 1.3"
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# --- clean-up -----------------------------------------------------------------
alive() { # PID: running and not a zombie (our own exited children stay zombies until waited for)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

stop_server() {
  [[ -n $server_pid ]] || return 0
  kill "$server_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do alive "$server_pid" || break; sleep 0.05; done
  if alive "$server_pid"; then
    log "server $server_pid ignored SIGTERM for 5 s; sending SIGKILL"
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qAtc "$1"; }
redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }

# Drops the bench database and deletes the bench's Redis keys (idempotent).
clean_stores() {
  if [[ -n $pg_db ]]; then
    psql_admin "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || log "could not drop database $pg_db"
    pg_db=""
  fi
  if [[ -n $redis_prefix ]]; then
    redis --scan --pattern "${redis_prefix}*" | xargs -r -d '\n' -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" UNLINK >/dev/null ||
      log "could not delete Redis keys ${redis_prefix}*"
    redis_prefix=""
  fi
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e # clean up as much as possible, whatever fails
  local pid
  for pid in $child_pid $poller_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  stop_server
  clean_stores
  [[ -n $tmp_root ]] && rm -rf "$tmp_root"
  exit "$rc"
}

# A failed run: say which scenario, show what wrk and the server said.
fail_scenario() { # SCENARIO REASON [LOGFILE]
  log "scenario '$1' ($backend) FAILED: $2"
  [[ -n ${3:-} && -f $3 ]] && sed 's/^/  wrk| /' "$3" >&2
  show_server_log
  exit 1
}

show_server_log() {
  [[ -n $work && -f $work/server.log ]] || return 0
  log "last lines of the server log ($work/server.log):"
  tail -n 40 "$work/server.log" | sed 's/^/  server| /' >&2
}

# --- tools, build, machine ------------------------------------------------------
ensure_tools() {
  if ! command -v wrk >/dev/null; then
    log "installing wrk"
    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } ||
      die "wrk is missing and apt-get could not install it"
  fi
  local t
  for t in python3 curl openssl awk getconf; do command -v "$t" >/dev/null || die "$t is required"; done
  if [[ $backend_opt != embedded ]]; then
    for t in psql redis-cli; do command -v "$t" >/dev/null || die "$t is required for pg-redis"; done
  fi
}

build() {
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/oxidp-target}"
  log "cargo build --release (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release) || die "cargo build --release failed"
  [[ -x $CARGO_TARGET_DIR/release/oxidp ]] || die "no binary at $CARGO_TARGET_DIR/release/oxidp"
  # A private copy: a concurrent build into the shared target dir must not
  # swap the binary between (or during) the backends' runs.
  bin="$tmp_root/oxidp"
  cp "$CARGO_TARGET_DIR/release/oxidp" "$bin"
  # The commit measured: taken right after the build (others may be editing).
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ $commit != unknown ]] && ! git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null; then commit+="-dirty"; fi
}

machine_info() {
  cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  [[ -n $cpu_model ]] || cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
  cores=$(nproc)
  ram_gib=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
  kernel=$(uname -r)
  rustc_version=$(rustc --version 2>/dev/null || echo unknown)
  wrk_version=$({ wrk -v 2>&1 || true; } | head -n 1 | awk '{ print $1, $2 }')
}

# --- references (both run while no server is up) --------------------------------
# Single-core RSA-2048 signatures per second from `openssl speed`.
ref_openssl() {
  log "reference: openssl speed -seconds 3 rsa2048"
  sign_per_s=$(openssl_sign_rate 3)
  sign_ms=$(calc "1000 / $sign_per_s" 4)
  [[ -z $backend ]] || R[$backend:sign_per_s]=$sign_per_s R[$backend:sign_ms]=$sign_ms
}

# openssl_sign_rate SECS: RSA-2048 signatures per second on one core.
openssl_sign_rate() {
  local output rate
  output=$(openssl speed -seconds "$1" rsa2048 2>/dev/null) || die "openssl speed failed"
  # Header "sign verify [encrypt decrypt] sign/s verify/s ..."; the data row
  # "rsa 2048 bits ..." has the same columns after its 3-word label.
  rate=$(awk '
    /sign\/s/ { for (i = 1; i <= NF; i++) if ($i == "sign/s") s = i }
    /^rsa 2048 bits/ && s { print $(s + 3); exit }' <<<"$output")
  [[ ${rate:-} =~ ^[0-9.]+$ ]] || die "cannot parse openssl speed output: $output"
  echo "$rate"
}

# The host's speed drifts by tens of percent within minutes (shared VM), so
# each CPU figure is divided by its reference measured right before and
# right after its own run (server idle), averaged.
# signature_ms_around NAME COMMAND...: runs COMMAND between two 2-second
# `openssl speed` runs; sets R[backend:NAME:sign_ms].
signature_ms_around() {
  local name=$1 before after
  shift
  before=$(openssl_sign_rate 2)
  "$@"
  after=$(openssl_sign_rate 2)
  R[$backend:$name:sign_ms]=$(calc "1000 * 2 / ($before + $after)" 4)
}

# argon2_ms_now: one argon2id hash in ms, a short criterion run of the
# reference bench (already built by ref_argon2).
argon2_ms_now() {
  if [[ -n ${BENCH_ARGON2_NS:-} ]]; then calc "$BENCH_ARGON2_NS / 1000000" 4; return; fi
  local crit="$tmp_root/criterion-$1"
  (cd "$ROOT" && CRITERION_HOME="$crit" timeout 300 cargo bench -q --bench crypto -- argon2id \
    --warm-up-time 1 --measurement-time 3) >>"$tmp_root/argon2-bench.log" 2>&1 || die "argon2id bench failed"
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"] / 1e6)' \
    "$crit/argon2id/hash_configured_params/new/estimates.json"
}

# One argon2id hash with the configured parameters, from the criterion bench
# benches/crypto.rs (group argon2id, function hash_configured_params). It
# runs with this shell's OXIDP__ environment, as the servers do, so its
# Settings::load sees the same argon2 parameters.
ref_argon2() {
  if [[ -n ${BENCH_ARGON2_NS:-} ]]; then
    [[ $BENCH_ARGON2_NS =~ ^[0-9.]+$ ]] || die "BENCH_ARGON2_NS must be a number of nanoseconds"
    log "reference: argon2id taken from BENCH_ARGON2_NS=$BENCH_ARGON2_NS (harness testing only)"
    argon2_ns=$BENCH_ARGON2_NS argon2_source="BENCH_ARGON2_NS override (not measured)"
    return
  fi
  local crit="$tmp_root/criterion" blog="$tmp_root/argon2-bench.log"
  local estimates="$crit/argon2id/hash_configured_params/new/estimates.json"
  log "reference: cargo bench --bench crypto -- argon2id"
  if ! (cd "$ROOT" && CRITERION_HOME="$crit" timeout 900 cargo bench --bench crypto -- argon2id) >"$blog" 2>&1 ||
    [[ ! -f $estimates ]]; then
    tail -n 15 "$blog" | sed 's/^/  cargo| /' >&2
    die "the argon2id reference needs the criterion bench 'crypto' (benches/crypto.rs, benchmark" \
      "argon2id/hash_configured_params): 'cargo bench --bench crypto -- argon2id' failed or wrote no" \
      "$estimates. Set BENCH_ARGON2_NS only to test the harness without it."
  fi
  argon2_ns=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$estimates")
  argon2_source="criterion, benches/crypto.rs argon2id/hash_configured_params (mean)"
}

# --- one backend's server -----------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Fresh work dir, port and the server's whole configuration (environment).
backend_env() {
  work=$(mktemp -d "$tmp_root/$backend.XXXXXX")
  port=$(free_port)
  issuer="http://127.0.0.1:$port"
  export OXIDP__ISSUER="$issuer" OXIDP__SERVER__BIND="127.0.0.1:$port"
  export OXIDP__KEYS__DIR="$work/keys"
  unset OXIDP__REDIS__URL OXIDP__REDIS__PREFIX
  if [[ $backend == embedded ]]; then
    export OXIDP__DATABASE__URL="sqlite://$work/oxidp.db" # absolute path: sqlite:///…
  else
    pg_db="oxidp_bench_$$"
    psql_admin "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)"
    psql_admin "CREATE DATABASE $pg_db" || die "cannot create database $pg_db on $PG_HOST:$PG_PORT"
    # Keys are "{prefix}{kind}:{id}" (prefix used verbatim): the trailing
    # colon keeps the clean-up pattern from matching another PID's keys.
    redis_prefix="oxidp-bench-$$:"
    redis PING >/dev/null || die "Redis at $REDIS_HOST:$REDIS_PORT does not answer"
    # Loopback: no TLS to PostgreSQL, as a same-host deployment would run.
    export OXIDP__DATABASE__URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$pg_db?sslmode=disable"
    export OXIDP__REDIS__URL="redis://$REDIS_HOST:$REDIS_PORT" OXIDP__REDIS__PREFIX="$redis_prefix"
  fi
  log "$backend: work dir $work, issuer $issuer"
}

# oxidp CLI_ARGS...: runs the CLI (same environment as the server); stdout
# lands in CLI_OUT, stderr in provision.log.
oxidp_cli() {
  local rc=0
  CLI_OUT=$("$bin" "$@" 2>>"$work/provision.log") || rc=$?
  if ((rc != 0)); then
    cat "$work/provision.log" >&2
    die "'oxidp $1 $2' failed with status $rc: $CLI_OUT"
  fi
}

# One user and one confidential client, through the CLI.
provision() {
  : >"$work/provision.log"
  (umask 077 && printf '%s\n' "$PASSWORD" >"$work/password")
  oxidp_cli user create --username "$USERNAME" --email bench@example.com --name "Bench User" \
    --password-file "$work/password"
  [[ $CLI_OUT == "Created user"* ]] || die "user create printed no confirmation: $CLI_OUT"
  oxidp_cli client create --client-id "$CLIENT_ID" --redirect-uri "$REDIRECT_URI" \
    --grant-type authorization_code --grant-type refresh_token --grant-type client_credentials \
    --scope openid --scope profile --scope email --scope offline_access --scope "$API_SCOPE" \
    --token-endpoint-auth-method client_secret_basic --json
  secret=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["client_secret"])' "$CLI_OUT") ||
    die "client create printed no client_secret: $CLI_OUT"
  basic=$(printf '%s:%s' "$CLIENT_ID" "$secret" | base64 -w0)
}

spawn_server() { # the server runs in its work dir; exec keeps $! = the server's PID
  (cd "$work" && exec "$bin" serve) >>"$work/server.log" 2>&1 &
  server_pid=$!
}

start_server() {
  spawn_server
  local url="$issuer/.well-known/openid-configuration" i
  for ((i = 0; i < 600; i++)); do
    curl -sf -o /dev/null "$url" && return 0
    alive "$server_pid" || { show_server_log; die "the server exited during start-up"; }
    sleep 0.1
  done
  show_server_log
  die "no 200 from $url within 60 s"
}

# --- counters --------------------------------------------------------------------------
cpu_ticks() { # utime + stime of the server (all threads), fields 14 and 15 of /proc/PID/stat
  local stat fields
  stat=$(<"/proc/$server_pid/stat")
  read -ra fields <<<"${stat##*) }" # fields[0] is field 3
  echo $((fields[11] + fields[12]))
}
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server_pid/status"; } # VmRSS, VmHWM
mb() { calc "$1 / 1024" 1; }
busy_ticks() { # CPU time of the whole machine that was not idle (user nice system irq softirq steal)
  awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}
# CPU of this shell's finished children (wrk, the login driver, ...): the
# second line of `times`, saved to FILE. `times` must run in this shell, not
# in $(...), whose subshell starts with zeroed children times.
children_ticks() { # FILE
  awk -v hz="$CLK_TCK" 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%d", n * hz }' "$1"
}

store_ticks() { # CPU of all PostgreSQL and Redis server processes on this machine
  cat /proc/[0-9]*/stat 2>/dev/null |
    awk '$2 == "(postgres)" || $2 == "(redis-server)" { n += $14 + $15 } END { print n + 0 }'
}

# sample_start / sample_stop NAME bracket a measured run. They set
# SERVER_TICKS (the server's CPU during the run), STORE_TICKS (PostgreSQL +
# Redis CPU, pg-redis only: part of that backend's cost) and
# R[backend:NAME:other]: cores used on average by anything else than the
# server, its stores and our load generator (another build or test run on
# the machine makes every figure noisy, so such runs are flagged).
sample_start() {
  s_cpu=$(cpu_ticks) s_busy=$(busy_ticks) s_store=$(store_ticks) s_time=$EPOCHREALTIME
  times >"$tmp_root/times.start"
}
sample_stop() {
  times >"$tmp_root/times.stop"
  SERVER_TICKS=$(($(cpu_ticks) - s_cpu))
  STORE_TICKS=0
  [[ $backend == pg-redis ]] && STORE_TICKS=$(($(store_ticks) - s_store))
  local busy=$(($(busy_ticks) - s_busy))
  local kids=$(($(children_ticks "$tmp_root/times.stop") - $(children_ticks "$tmp_root/times.start")))
  local other
  other=$(calc "(v = ($busy - $SERVER_TICKS - $STORE_TICKS - $kids) / $CLK_TCK / ($EPOCHREALTIME - $s_time)) < 0 ? 0 : v" 2)
  R[$backend:$1:other]=$other
  if holds "$other > $NOISE_CORES"; then
    notes+=("$backend $1: other processes used $other cores on average during the measured run: its figures are unreliable")
  fi
}

# Per-request CPU figures of the last sampled run: server, and stores (pg-redis).
record_cpu() { # NAME REQUESTS
  R[$backend:$1:cpu_ms]=$(calc "$SERVER_TICKS * 1000 / $CLK_TCK / $2" 4)
  R[$backend:$1:store_ms]="–"
  [[ $backend == pg-redis ]] && R[$backend:$1:store_ms]=$(calc "$STORE_TICKS * 1000 / $CLK_TCK / $2" 4)
  return 0
}

redis_calls() { # commands served so far, without the INFO calls that read this
  redis INFO commandstats | tr -d '\r' |
    awk -F'[:,=]' '/^cmdstat_/ && $1 != "cmdstat_info" { for (i = 2; i < NF; i++) if ($i == "calls") n += $(i + 1) } END { print n + 0 }'
}

# --- wrk -----------------------------------------------------------------------------------
# run_bounded SECONDS CMD...: CMD in the background, then wait for it. A
# foreground child would delay the INT trap until it ends, and wrk handles
# Ctrl-C itself (exit 0), which makes bash ignore the Ctrl-C altogether;
# `wait` returns as soon as a trapped signal arrives. The timeout is a
# safety net only (every command here is bounded by its own duration).
run_bounded() {
  local limit=$1 rc=0
  shift
  timeout --foreground -k 5 "$limit" "$@" &
  child_pid=$!
  wait "$child_pid" || rc=$?
  child_pid=""
  return "$rc"
}

# wrk_run LABEL CONNS SECONDS SCRIPT PATH [wrk args...]: one wrk run; its
# BENCH_RESULT fields land in W. Aborts on socket errors, statuses >= 400
# or responses the script's check rejected.
wrk_run() {
  local label=$1 conns=$2 secs=$3 script=$4 path=$5
  shift 5
  local out="$work/wrk-$label.log" rc=0
  run_bounded $((secs + 60)) wrk -t"$THREADS" -c"$conns" -d"${secs}s" -s "$BENCH_DIR/$script" "$@" "$issuer$path" >"$out" 2>&1 || rc=$?
  ((rc == 0)) || fail_scenario "$label" "wrk exited with status $rc" "$out"
  local line kv
  line=$(grep -m1 '^BENCH_RESULT ' "$out") || fail_scenario "$label" "no BENCH_RESULT line from wrk" "$out"
  W=()
  for kv in ${line#BENCH_RESULT }; do W[${kv%%=*}]=${kv#*=}; done
  local errors=$((W[connect] + W[read] + W[write] + W[timeout]))
  ((errors == 0)) || fail_scenario "$label" "$errors socket errors (connect ${W[connect]}, read ${W[read]}, write ${W[write]}, timeout ${W[timeout]})" "$out"
  ((W[status] == 0)) || fail_scenario "$label" "${W[status]} responses with status >= 400" "$out"
  ((W[bad] == 0)) || fail_scenario "$label" "${W[bad]} unexpected responses (see BENCH_BAD)" "$out"
  ((W[requests] > 0)) || fail_scenario "$label" "no completed requests" "$out"
}

# Stores the last wrk run under R[backend:NAME:*]. Requests are the checked
# successes when the script checks responses.
record_wrk() { # NAME
  local k="$backend:$1" n=${W[requests]}
  ((W[checked] == 1)) && n=${W[ok]}
  ((n > 0)) || fail_scenario "$1" "no successful requests"
  R[$k:requests]=$n
  R[$k:rps]=$(calc "$n * 1000000 / ${W[duration_us]}" 1)
  R[$k:p50]=$(calc "${W[p50_us]} / 1000" 2)
  R[$k:p99]=$(calc "${W[p99_us]} / 1000" 2)
  record_cpu "$1" "$n"
}

# measured NAME CONNS SECONDS SCRIPT PATH [wrk args]: wrk run with the
# server's CPU time sampled right before and after it.
measured() {
  local name=$1
  sample_start
  wrk_run "$@"
  sample_stop "$name"
  record_wrk "$name"
}

# measure NAME CONNS SCRIPT PATH [wrk args]: warm-up, then measured run.
measure() {
  local name=$1 conns=$2 script=$3 path=$4
  shift 4
  log "$backend: $name"
  wrk_run "$name-warmup" "$conns" "$WARMUP" "$script" "$path" "$@"
  measured "$name" "$conns" "$duration" "$script" "$path" "$@"
}

# --- scenarios -----------------------------------------------------------------------------
AUTHORIZE_PATH="/authorize?response_type=code&client_id=$CLIENT_ID&redirect_uri=$REDIRECT_URI_ENC&scope=openid%20profile%20email&state=s&code_challenge_method=S256&code_challenge="

# Median time from spawn to the first 200 on discovery, with the SQLite
# database and keys already there. The poller starts first (and says so
# with a marker file) so Python's start-up is not counted.
scenario_start_time() {
  log "$backend: start time, 5 restarts"
  stop_server
  local ms=() i t0 t1 marker="$work/poll.marker"
  for i in 1 2 3 4 5; do
    rm -f "$marker"
    python3 "$BENCH_DIR/wait_ready.py" "$issuer/.well-known/openid-configuration" \
      --timeout 20 --marker "$marker" >"$work/poll.out" &
    poller_pid=$!
    until [[ -e $marker ]]; do
      alive "$poller_pid" || die "wait_ready.py did not start"
      sleep 0.005
    done
    t0=$EPOCHREALTIME
    spawn_server
    wait "$poller_pid" || { poller_pid=""; show_server_log; die "server restart $i: no 200 on discovery"; }
    poller_pid=""
    t1=$(<"$work/poll.out")
    ms+=("$(calc "($t1 - $t0) * 1000" 1)")
    stop_server
  done
  R[$backend:start_ms]=$(median "${ms[@]}")
  notes+=("$backend start-up times (ms): ${ms[*]}")
  start_server
}

# VmRSS after one discovery request and a second of rest: right after start
# a background task briefly holds an argon2 hash's memory (the dummy hash for
# unknown users), which is not idle memory; the note keeps that peak.
scenario_idle_rss() {
  curl -sf -o /dev/null "$issuer/.well-known/openid-configuration" || die "discovery failed"
  sleep 1
  R[$backend:idle_rss_mb]=$(mb "$(status_kb VmRSS)")
  notes+=("$backend: peak RSS since start (VmHWM) when idle RSS was read: $(mb "$(status_kb VmHWM)") MB")
}

scenario_client_credentials() {
  log "$backend: client_credentials"
  export BENCH_BASIC=$basic BENCH_SCOPE=$API_SCOPE
  wrk_run client_credentials-warmup "$CC_CONNS" "$WARMUP" client_credentials.lua /token
  signature_ms_around client_credentials measured client_credentials "$CC_CONNS" "$duration" client_credentials.lua /token
  unset BENCH_BASIC BENCH_SCOPE
}

# Peak RSS: clear_refs "5" resets VmHWM to the current RSS, so VmHWM after
# the run is the peak during it.
scenario_peak_rss() {
  export BENCH_BASIC=$basic BENCH_SCOPE=$API_SCOPE
  log "$backend: client_credentials_64 (peak RSS)"
  wrk_run client_credentials_64-warmup "$PEAK_CONNS" "$WARMUP" client_credentials.lua /token
  echo 5 >"/proc/$server_pid/clear_refs"
  measured client_credentials_64 "$PEAK_CONNS" "$duration" client_credentials.lua /token
  R[$backend:peak_rss_mb]=$(mb "$(status_kb VmHWM)")
  unset BENCH_BASIC BENCH_SCOPE
}

# One browser login: the SSO cookie for the authorize runs, and a code
# exchanged for the access token the userinfo run presents.
browser_login() {
  local json code tokens
  json=$(python3 "$BENCH_DIR/login_driver.py" --issuer "$issuer" --client-id "$CLIENT_ID" \
    --redirect-uri "$REDIRECT_URI" --username "$USERNAME" --password "$PASSWORD" \
    --code-verifier "$VERIFIER" --once) || { show_server_log; die "browser login failed"; }
  cookie=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["cookie"])' "$json")
  code=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["code"])' "$json")
  tokens=$(curl -sS --fail-with-body -u "$CLIENT_ID:$secret" -d grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$REDIRECT_URI" \
    -d "code_verifier=$VERIFIER" "$issuer/token") || { echo "$tokens" >&2; die "code exchange failed"; }
  access_token=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["access_token"])' "$tokens")
}

scenario_sso_authorize() {
  local calls0=0
  export BENCH_REDIRECT_URI=$REDIRECT_URI
  log "$backend: sso_authorize"
  wrk_run sso_authorize-warmup "$RATIO_CONNS" "$WARMUP" authorize.lua "$AUTHORIZE_PATH$challenge" -H "Cookie: $cookie"
  [[ $backend == pg-redis ]] && calls0=$(redis_calls)
  measured sso_authorize "$RATIO_CONNS" "$duration" authorize.lua "$AUTHORIZE_PATH$challenge" -H "Cookie: $cookie"
  if [[ $backend == pg-redis ]]; then
    local calls=$(($(redis_calls) - calls0))
    R[$backend:redis_per_authorize]=$(calc "$calls / ${W[requests]}" 2)
    notes+=("pg-redis: $calls Redis commands for ${W[requests]} SSO authorize requests")
  fi
  unset BENCH_REDIRECT_URI
}

# Codes for the exchange run come from an unmeasured authorize run. An
# exchange is strictly more server work than a client_credentials token (one
# more signature, a refresh token written, the code taken), so at the same
# concurrency it runs no faster: the client_credentials rate x (warm-up +
# duration) x 1.2 codes are enough. The run stops at that many (codes fill
# the server's store, in process or in Redis) or after the time the measured
# SSO authorize rate needs for them, at most warm-up + duration + 4 s. Each
# code is used once; the first share feeds the warm-up.
scenario_code_exchange() {
  local dir="$work/codes" total warm needed pregen
  mkdir -p "$dir"
  needed=$(calc "${R[$backend:client_credentials:rps]} * ($WARMUP + $duration) * 1.2" 0)
  pregen=$(calc "$needed / ${R[$backend:sso_authorize:rps]} + 2.5" 0)
  ((pregen <= WARMUP + duration + 4)) || pregen=$((WARMUP + duration + 4))
  log "$backend: pre-generating up to $needed codes (SSO authorize, unmeasured, ${pregen} s at most)"
  BENCH_REDIRECT_URI=$REDIRECT_URI BENCH_CODES_OUT="$dir/raw" BENCH_CODES_MAX=$(((needed + THREADS - 1) / THREADS)) \
    wrk_run code_pregeneration "$RATIO_CONNS" "$pregen" authorize.lua "$AUTHORIZE_PATH$challenge" -H "Cookie: $cookie"
  cat "$dir"/raw.* >"$dir/all"
  total=$(wc -l <"$dir/all")
  ((total == W[ok])) || fail_scenario code_pregeneration "wrote $total codes for ${W[ok]} redirects"
  warm=$((total * WARMUP / (WARMUP + duration)))
  notes+=("$backend code_exchange: $total codes pre-generated ($needed wanted), $warm of them for the warm-up")
  head -n "$warm" "$dir/all" | split_codes "$dir/warm"
  tail -n +"$((warm + 1))" "$dir/all" | split_codes "$dir/measured"

  export BENCH_BASIC=$basic BENCH_REDIRECT_URI_ENC=$REDIRECT_URI_ENC BENCH_VERIFIER=$VERIFIER
  log "$backend: code_exchange ($total codes)"
  BENCH_CODES_IN="$dir/warm" wrk_run code_exchange-warmup "$EXCHANGE_CONNS" "$WARMUP" code_exchange.lua /token
  BENCH_CODES_IN="$dir/measured" signature_ms_around code_exchange \
    measured code_exchange "$EXCHANGE_CONNS" "$duration" code_exchange.lua /token
  if ((W[exhausted] > 0)); then
    notes+=("$backend code_exchange: ${W[exhausted]} of $THREADS wrk threads ran out of codes before the end (the CPU per exchange stays valid; req/s does not)")
  fi
  unset BENCH_BASIC BENCH_REDIRECT_URI_ENC BENCH_VERIFIER
}

split_codes() { # PREFIX: stdin round-robin into PREFIX.0 .. PREFIX.(THREADS-1), all created
  local i
  for ((i = 0; i < THREADS; i++)); do : >"$1.$i"; done
  awk -v p="$1" -v n="$THREADS" '{ print > (p "." ((NR - 1) % n)) }'
}

# Full logins (form + credentials) with bench/login_driver.py; the figure
# is server CPU per successful login.
scenario_password_login() {
  local args=(--issuer "$issuer" --client-id "$CLIENT_ID" --redirect-uri "$REDIRECT_URI"
    --username "$USERNAME" --password "$PASSWORD" --code-verifier "$VERIFIER" --concurrency "$LOGIN_WORKERS")
  log "$backend: password_login ($LOGIN_WORKERS workers)"
  login_run password_login-warmup "$WARMUP" "${args[@]}"
  local before after
  before=$(argon2_ms_now "$backend-before")
  sample_start
  login_run password_login "$duration" "${args[@]}"
  sample_stop password_login
  after=$(argon2_ms_now "$backend-after")
  R[$backend:argon2_ms]=$(calc "($before + $after) / 2" 4)
  local k="$backend:password_login" n=${J[logins]}
  R[$k:requests]=$n
  R[$k:rps]=$(calc "$n / ${J[seconds]}" 1)
  R[$k:p50]=${J[p50_ms]} R[$k:p99]=${J[p99_ms]}
  record_cpu password_login "$n"
}

declare -A J=()
login_run() { # LABEL SECONDS driver-args...: fields of the driver's JSON land in J
  local label=$1 secs=$2 out="$work/$1.json" rc=0
  shift 2
  run_bounded $((secs + 90)) python3 "$BENCH_DIR/login_driver.py" --duration "$secs" "$@" >"$out" || rc=$?
  ((rc == 0)) || fail_scenario "$label" "login_driver.py exited with status $rc" "$out"
  J=()
  local k v
  while IFS='=' read -r k v; do J[$k]=$v; done < <(python3 -c '
import json, sys
for k, v in json.load(open(sys.argv[1])).items(): print(k, str(v).replace("\n", " "), sep="=")' "$out")
  ((J[failures] == 0)) || fail_scenario "$label" "${J[failures]} failed logins; first: ${J[first_failure]}" "$out"
  ((J[logins] > 0)) || fail_scenario "$label" "no successful logins" "$out"
}

# baseline SCENARIO: /healthz req/s measured right before SCENARIO, which
# its ratio is taken against (the host's speed drifts within a run).
baseline() {
  measure "healthz_$1" "$RATIO_CONNS" plain.lua /healthz
}

run_backend() {
  backend=$1
  # The machine's speed drifts (shared host): each backend's CPU figures are
  # divided by a signature measured just before them, with no server up.
  ref_openssl
  backend_env
  provision
  log "$backend: first start (creates the signing keys)"
  start_server
  [[ $backend == embedded ]] && scenario_start_time
  scenario_idle_rss
  challenge=$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | base64 -w0 | tr '+/' '-_' | tr -d '=')
  measure healthz "$RATIO_CONNS" plain.lua /healthz
  scenario_client_credentials
  scenario_peak_rss # before anything that fills the in-process code store
  baseline jwks
  measure jwks "$RATIO_CONNS" plain.lua /.well-known/jwks.json
  baseline discovery
  measure discovery "$RATIO_CONNS" plain.lua /.well-known/openid-configuration
  browser_login
  baseline userinfo
  measure userinfo "$RATIO_CONNS" plain.lua /userinfo -H "Authorization: Bearer $access_token"
  baseline sso_authorize
  scenario_sso_authorize
  scenario_code_exchange
  scenario_password_login
  stop_server
  clean_stores
}

# --- report ------------------------------------------------------------------------------------
# figure ROW BACKEND: sets VALUE (text) and VERDICT (PASS, MISS or "" for n/a).
figure() {
  local row=$1 b=$2
  VALUE="n/a" VERDICT=""
  case $row in
    cc_cpu) ratio_cpu "${R[$b:client_credentials:cpu_ms]}" "${R[$b:client_credentials:sign_ms]}" '<= 1.3' ;;
    exchange_cpu) ratio_cpu "${R[$b:code_exchange:cpu_ms]}" "${R[$b:code_exchange:sign_ms]}" '<= 2.6' ;;
    sso) ratio_rps "$b" sso_authorize '>= 0.4' ;;
    userinfo) ratio_rps "$b" userinfo '>= 0.5' ;;
    jwks_discovery)
      local j d
      j=$(calc "${R[$b:jwks:rps]} / ${R[$b:healthz_jwks:rps]}" 2)
      d=$(calc "${R[$b:discovery:rps]} / ${R[$b:healthz_discovery:rps]}" 2)
      VALUE="jwks $j, discovery $d"
      verdict "$j >= 0.9 && $d >= 0.9" ;;
    login_cpu) ratio_cpu "${R[$b:password_login:cpu_ms]}" "${R[$b:argon2_ms]}" '<= 1.15' ;;
    p99) VALUE=${R[$b:client_credentials:p99]}; verdict "$VALUE < 10" ;;
    rss)
      VALUE="${R[$b:idle_rss_mb]} / ${R[$b:peak_rss_mb]}"
      verdict "${R[$b:idle_rss_mb]} <= 30 && ${R[$b:peak_rss_mb]} <= 60" ;;
    start) [[ -n ${R[$b:start_ms]:-} ]] && { VALUE=${R[$b:start_ms]}; verdict "$VALUE <= 200"; } ;;
    redis) [[ -n ${R[$b:redis_per_authorize]:-} ]] && { VALUE=${R[$b:redis_per_authorize]}; verdict "$VALUE <= 2"; } ;;
  esac
  return 0
}
ratio_cpu() { VALUE=$(calc "$1 / $2" 2); verdict "$VALUE $3"; }
ratio_rps() { VALUE=$(calc "${R[$1:$2:rps]} / ${R[$1:healthz_$2:rps]}" 2); verdict "$VALUE $3"; }
verdict() { if holds "$1"; then VERDICT=PASS; else VERDICT=MISS; fi; }

ROWS=(
  "cc_cpu|client_credentials POST /token (Basic auth), $CC_CONNS connections|server CPU per token ÷ one RSA-2048 signature|≤ 1.3"
  "exchange_cpu|authorization_code exchange incl. refresh token, $EXCHANGE_CONNS connections|server CPU per exchange ÷ one signature|≤ 2.6"
  "sso|SSO authorize (session cookie → 302 with code)|req/s ÷ /healthz req/s|≥ 0.4"
  "userinfo|userinfo (GET, JWT access token as Bearer)|req/s ÷ /healthz req/s|≥ 0.5"
  "jwks_discovery|JWKS and discovery (two runs)|req/s ÷ /healthz req/s|≥ 0.9 both"
  "login_cpu|password login (POST credentials), $LOGIN_WORKERS workers|server CPU per login ÷ one argon2id hash|≤ 1.15"
  "p99|p99 latency, client_credentials at $CC_CONNS connections|ms|< 10"
  "rss|idle RSS after start / peak RSS under $PEAK_CONNS-connection client_credentials|MB|≤ 30 / ≤ 60"
  "start|start to first 200 on discovery, existing SQLite db|ms, median of 5 restarts|≤ 200"
  "redis|Redis commands per SSO authorize|Δ INFO commandstats calls (without INFO) ÷ requests|≤ 2"
)
RAW=(healthz client_credentials client_credentials_64 healthz_jwks jwks healthz_discovery discovery healthz_userinfo userinfo healthz_sso_authorize sso_authorize code_exchange password_login)

render() {
  local b row key scen fig target line
  echo "# oxidp benchmarks"
  echo
  echo "Generated by \`bash bench/run.sh --backend $backend_opt --duration $duration\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$commit\`."
  echo "Reproduce with \`bash bench/run.sh\` (options: \`--backend embedded|pg-redis|all\`, \`--duration SECS\`, \`--out FILE\`)."
  echo
  echo "## Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPU | $cpu_model |"
  echo "| cores | $cores |"
  echo "| RAM | $ram_gib GiB |"
  echo "| kernel | $kernel |"
  echo "| rustc | $rustc_version |"
  echo "| wrk | $wrk_version, $THREADS threads |"
  echo
  echo "## References"
  echo
  echo "| reference | value |"
  echo "|---|---|"
  for b in "${backends[@]}"; do
    echo "| RSA-2048 sign, one core (\`openssl speed -seconds 3 rsa2048\`), before the $b run | ${R[$b:sign_per_s]} sign/s, i.e. ${R[$b:sign_ms]} ms per signature |"
  done
  echo "| argon2id hash, configured parameters ($argon2_source) | $(calc "$argon2_ns / 1000000" 2) ms |"
  for b in "${backends[@]}"; do
    echo "| RSA-2048 signature around the $b client_credentials / code_exchange runs (mean of \`openssl speed -seconds 2\` before and after; the CPU ratios use these) | ${R[$b:client_credentials:sign_ms]} / ${R[$b:code_exchange:sign_ms]} ms |"
    echo "| argon2id hash around the $b password_login run (mean of a short criterion run before and after; the login ratio uses it) | ${R[$b:argon2_ms]} ms |"
  done
  for b in "${backends[@]}"; do
    echo "| /healthz, $b, $RATIO_CONNS connections (first run; each req/s ratio uses the /healthz run just before it) | ${R[$b:healthz:rps]} req/s |"
  done
  echo
  echo "## Targets"
  echo
  line="| scenario | figure | target |"
  for b in "${backends[@]}"; do line+=" $b |"; done
  echo "$line"
  line="|---|---|---|"
  for b in "${backends[@]}"; do line+="---|"; done
  echo "$line"
  for row in "${ROWS[@]}"; do
    IFS='|' read -r key scen fig target <<<"$row"
    line="| $scen | $fig | $target |"
    for b in "${backends[@]}"; do
      figure "$key" "$b"
      line+=" $VALUE${VERDICT:+ $VERDICT} |"
      [[ $VERDICT == MISS ]] && misses+=("$b: $scen = $VALUE (target $target)")
    done
    echo "$line"
  done
  echo
  echo "## Raw figures"
  echo
  echo "Measured runs only ($duration s each, after a $WARMUP s warm-up); latency from wrk (password login: from the driver, per full login); server CPU = utime+stime of the server process during the run; PostgreSQL+Redis CPU = the same for all postgres and redis-server processes (pg-redis only); other load = cores used on average by any other process than the server, its stores and the load generator (above $NOISE_CORES the run is flagged in the notes)."
  echo
  echo "| scenario | backend | connections | requests | req/s | p50 ms | p99 ms | server CPU ms/request | PostgreSQL+Redis CPU ms/request | other load (cores) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for scen in "${RAW[@]}"; do
    for b in "${backends[@]}"; do
      [[ -n ${R[$b:$scen:requests]:-} ]] || continue
      echo "| $scen | $b | $(connections "$scen") | ${R[$b:$scen:requests]} | ${R[$b:$scen:rps]} | ${R[$b:$scen:p50]} | ${R[$b:$scen:p99]} | ${R[$b:$scen:cpu_ms]} | ${R[$b:$scen:store_ms]} | ${R[$b:$scen:other]} |"
    done
  done
  echo
  if ((${#notes[@]})); then
    echo "## Notes"
    echo
    printf -- '- %s\n' "${notes[@]}"
    echo
  fi
  method
  if ((${#misses[@]})); then
    echo "## Missed targets"
    echo
    printf -- '- %s\n' "${misses[@]}"
  else
    echo "All targets met."
  fi
}

method() {
  cat <<EOF
## Method

- Each backend runs the release binary in a fresh temp dir on a free loopback port; one user and one confidential client are created with the CLI. Every wrk run uses $THREADS threads and is preceded by a $WARMUP s unmeasured warm-up; /healthz and every req/s-ratio scenario use $RATIO_CONNS connections. A run with any socket error, any status >= 400 or (where the script checks answers) any unexpected answer aborts the harness.
- Server CPU = utime+stime from /proc/PID/stat right before and after the measured run, divided by the successful requests of that run. One signature = 1 / (openssl sign/s), the mean of `openssl speed -seconds 2 rsa2048` right before and right after that run; one argon2id hash = the mean of a short criterion run (benches/crypto.rs) right before and right after the login run. Each req/s ratio divides by the /healthz run made just before it. The host is a shared VM whose speed drifts by tens of percent within minutes, so references are taken next to what they divide.
- client_credentials: POST /token with Basic auth. Code exchange: codes pre-generated by an unmeasured SSO authorize run (each used once, split between the wrk threads); success = 200 with a refresh token. SSO authorize: GET /authorize with the session cookie of one browser login; every answer must be a 302 to the redirect URI with a code. Userinfo: GET with one JWT access token. Password login: bench/login_driver.py, GET /authorize (fresh cookies) then POST the form; success = 302/303 with a code and a session cookie.
- RSS: VmRSS 1 s after start and one discovery request; peak = VmHWM after a $PEAK_CONNS-connection client_credentials run, reset with clear_refs 5 before it. Start time: spawn to first 200 on discovery, polled every 2 ms, median of 5 restarts on the existing SQLite db. Redis: INFO commandstats calls (without INFO) before and after the SSO authorize run, divided by its requests.

EOF
}

connections() {
  case $1 in
    client_credentials) echo "$CC_CONNS" ;;
    client_credentials_64) echo "$PEAK_CONNS" ;;
    code_exchange) echo "$EXCHANGE_CONNS" ;;
    password_login) echo "$LOGIN_WORKERS workers" ;;
    *) echo "$RATIO_CONNS" ;;
  esac
}

main() {
  parse_args "$@"
  trap cleanup EXIT
  trap 'log "interrupted"; exit 130' INT
  trap 'log "terminated"; exit 143' TERM
  local started=$SECONDS
  tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/oxidp-bench.XXXXXX")
  case $backend_opt in
    all) backends=(embedded pg-redis) ;;
    *) backends=("$backend_opt") ;;
  esac
  ensure_tools
  build
  machine_info
  # Settings shared by every backend (and seen by the argon2id bench).
  # Pre-generated codes must outlive pre-generation (<= WARMUP+duration+4 s)
  # plus the exchange runs (WARMUP+duration s); no longer than that plus a
  # minute, so the codes of the authorize runs (about 2e5 in Redis, some
  # 150 MB) do not linger. The server accepts at most 600 s.
  local code_ttl=$((60 + 2 * (WARMUP + duration + 4)))
  ((code_ttl <= 600)) || code_ttl=600
  export OXIDP__TOKENS__CODE_TTL=$code_ttl OXIDP__LOG__LEVEL=warn
  if [[ -f $ROOT/oxidp.toml ]]; then
    # cargo runs the bench in the repo root, the servers run in temp dirs.
    log "note: $ROOT/oxidp.toml exists: the argon2id bench reads it, the bench servers do not"
    notes+=("$ROOT/oxidp.toml existed: the argon2id bench read it, the bench servers did not (compare its [login] settings)")
  fi
  ref_argon2
  local b
  for b in "${backends[@]}"; do run_backend "$b"; done
  # render runs in this shell (not in $(...)) so that it can collect misses.
  render >"$tmp_root/report.md"
  cp "$tmp_root/report.md" "$out_file"
  cat "$tmp_root/report.md"
  log "wrote $out_file in $((SECONDS - started)) s"
  if ((${#misses[@]})); then
    log "${#misses[@]} target(s) missed:"
    printf '  %s\n' "${misses[@]}" >&2
    exit 2
  fi
}

main "$@"
