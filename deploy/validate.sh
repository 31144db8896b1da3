#!/usr/bin/env bash
# Validates the deploy kit offline; exits nonzero on any error.
#
#   deploy/validate.sh [DIR]     # DIR: a deploy folder (default: this script's)
#
# Validators come from PyPI only, pinned, into a venv that later runs reuse:
#   kubernetes-validate  every Kubernetes manifest, --strict (unknown fields are
#                        errors), against bundled schemas of K8S_VERSIONS
#   check-jsonschema     compose.yaml against its bundled Compose Specification
#                        schema (after Compose's ${VAR} interpolation)
#   dockerfile-parse     the Dockerfile (validate.py: stages, USER, HEALTHCHECK)
# validate.py also cross-checks the oxidp settings (issuer, bind address,
# database, Redis, KEK location) against README.md's configuration table.
# Used when found, never installed: kubectl or kustomize (renders
# kustomization.yaml, validated too), caddy (the Caddyfile), and an oxidp
# binary (OXIDP_BIN, or target/release/oxidp) for `oxidp check-config`.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(cd "${1:-$here}" && pwd) || exit 2
readme=${OXIDP_README:-$here/../README.md}
venv=${OXIDP_DEPLOY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/oxidp-deploy-venv}
k8s_versions=${K8S_VERSIONS:-1.30.0 1.37.0}
requirements="kubernetes-validate==1.37.0 check-jsonschema==0.39.0 dockerfile-parse==2.0.1 PyYAML==6.0.3"

if [[ "$(cat "$venv/.requirements" 2>/dev/null)" != "$requirements" ]]; then
  echo "installing validators into $venv"
  python3 -m venv --clear "$venv" &&
    "$venv/bin/pip" install --quiet --disable-pip-version-check $requirements &&
    printf '%s' "$requirements" >"$venv/.requirements" || { echo "FAIL: could not install the validators"; exit 2; }
fi
py=$venv/bin/python
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "FAIL: validate.py needs Python 3.11+ (tomllib)"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
# Runs a step, indenting its output; a failing step fails the script.
step() {
  local title=$1; shift
  echo "== $title"
  if ! "$@" 2>&1 | sed 's/^/  /'; then status=1; echo "  -> FAILED"; fi
}
versions=$("$py" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("kubernetes-validate", "check-jsonschema", "dockerfile-parse")))')
echo "validating $dir with $versions"
cd "$dir" || exit 2

step "Dockerfile (dockerfile-parse)" "$py" "$here/validate.py" dockerfile "$dir"

step "compose.yaml: project checks" "$py" "$here/validate.py" compose "$dir" "$tmp/compose.json"
step "compose.yaml: Compose Specification schema (check-jsonschema vendor.compose-spec)" \
  "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$tmp/compose.json"

manifests=()
for f in "$dir"/kubernetes/*.yaml; do [[ $(basename "$f") == kustomization.yaml ]] || manifests+=("$f"); done
for v in $k8s_versions; do
  step "Kubernetes manifests, strict, against $v (kubernetes-validate)" \
    "$venv/bin/kubernetes-validate" --strict -k "$v" "${manifests[@]#"$dir/"}"
done

render=()
if command -v kustomize >/dev/null; then render=(kustomize build); elif command -v kubectl >/dev/null; then render=(kubectl kustomize); fi
if ((${#render[@]})); then
  render_and_validate() {
    "${render[@]}" "$dir/kubernetes" >"$tmp/rendered.yaml" || return 1
    for v in $k8s_versions; do "$venv/bin/kubernetes-validate" --strict -k "$v" "$tmp/rendered.yaml" || return 1; done
  }
  step "kustomization.yaml rendered with ${render[*]}, strict" render_and_validate
else
  echo "== kustomization.yaml: skipped rendering (no kubectl or kustomize on PATH)"
fi

if command -v caddy >/dev/null; then
  caddy_validate() {
    # The health checker may log failed lookups of oxidp-1/-2: only the verdict matters.
    OXIDP_HOST=localhost XDG_DATA_HOME=$tmp/caddy XDG_CONFIG_HOME=$tmp/caddy \
      caddy validate --config "$dir/Caddyfile" --adapter caddyfile >"$tmp/caddy.log" 2>&1
    local rc=$?; tail -1 "$tmp/caddy.log"; return $rc
  }
  step "Caddyfile (caddy validate, $(caddy version | cut -d' ' -f1))" caddy_validate
else
  echo "== Caddyfile: skipped (no caddy on PATH; e.g. apt-get install caddy)"
fi

oxidp_bin=${OXIDP_BIN:-$here/../target/release/oxidp}
[[ -x $oxidp_bin ]] || oxidp_bin=
[[ -n $oxidp_bin ]] || echo "== note: no oxidp binary (OXIDP_BIN or target/release/oxidp): oxidp check-config skipped"
step "oxidp settings across compose and Kubernetes (README.md table${oxidp_bin:+, oxidp check-config})" \
  "$py" "$here/validate.py" config "$dir" "$readme" $oxidp_bin

if ((status)); then echo "deploy kit: INVALID"; else echo "deploy kit: valid"; fi
exit $status
