#!/usr/bin/env bash
# Runs the cargo-fuzz targets (README "Fuzzing"); CI runs a short one.
#
#   bash fuzz/run.sh [--seconds N | --runs N] [TARGET...]
#
# Each target (all by default) runs for N seconds (default 10) or N
# executions, one after the other, starting from its committed corpus
# (read only: new inputs go to a temporary directory, so a run leaves the
# checkout as it was; `cargo fuzz run` and `cargo fuzz cmin` grow it).
# Prints the executions per target; exits 1 on the first crash, leak or
# timeout, with the input that caused it saved under fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

limit="-max_total_time=10"
targets=()
while (($#)); do
  case "$1" in
    --seconds) limit="-max_total_time=${2:?--seconds needs a number}"; shift 2 ;;
    --runs) limit="-runs=${2:?--runs needs a number}"; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz/run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^oxidp-fuzz$')
fi

# Its own target directory: the sanitizer flags would otherwise rebuild the
# server's dependencies in the shared one on every switch.
export CARGO_TARGET_DIR="${OXIDP_FUZZ_TARGET_DIR:-$HOME/.cache/oxidp-fuzz-target}"
# cargo-fuzz passes -Zsanitizer; stable rustc ships the runtime.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install --locked cargo-fuzz --version 0.13.2
fi

echo "== building the fuzz targets"
cargo fuzz build --fuzz-dir fuzz

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p fuzz/artifacts
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target" "fuzz/artifacts/$target"
  log="$scratch/$target.log"
  echo "== fuzzing $target ($limit)"
  if ! cargo fuzz run --fuzz-dir fuzz "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
    "$limit" -timeout=10 -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "FATAL: $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  echo "$target: ${runs:-?} executions, 0 crashes"
done
