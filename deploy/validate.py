"""Checks of the deploy kit that schemas cannot make; run by validate.sh.

  validate.py dockerfile DIR
  validate.py compose DIR OUT.json   # writes compose.yaml interpolated (as Compose does) for the schema check
  validate.py config DIR README [OXIDP_BIN]

Prints one line per check; exits 1 if any failed.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from urllib.parse import urlparse

import yaml
from dockerfile_parse import DockerfileParser

failed = False


def check(ok, what, why=""):
    global failed
    print(f"{'ok  ' if ok else 'FAIL'} {what}{'' if ok or not why else f': {why}'}")
    failed |= not ok
    return ok


def load_yaml(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


# ---- Dockerfile -------------------------------------------------------------


def dockerfile(d):
    parser = DockerfileParser(path=os.path.join(d, "Dockerfile"))
    stages, current = [], None
    for ins in parser.structure:
        if ins["instruction"] == "FROM":
            current = []
            stages.append(current)
        elif current is not None:
            current.append((ins["instruction"], ins["value"]))
    check(len(stages) >= 2, f"multi-stage ({len(stages)} stages)")
    final = stages[-1] if stages else []
    values = lambda name: [v for i, v in final if i == name]  # noqa: E731
    runs = [v for stage in stages for i, v in stage if i == "RUN"]
    check(any("cargo build --release --locked" in r for r in runs), "builder runs cargo build --release --locked")
    check(any(v.startswith("--from=") for v in values("COPY")), "final stage copies the build output from the builder")
    users = values("USER")
    user = users[-1].split(":")[0] if users else "root"
    check(user not in ("root", "0"), f"final USER is non-root ({user})")
    check(user.isdigit(), "final USER is numeric (Kubernetes runAsNonRoot can verify it)")
    health = values("HEALTHCHECK")
    check(bool(health) and health[-1].strip().upper() != "NONE", "HEALTHCHECK present")
    if health and "curl" in health[-1]:
        check(any(re.search(r"apt-get install[^&]*\bcurl\b", v) for v in values("RUN")), "curl (used by HEALTHCHECK) installed in the final stage")
    check("8080" in " ".join(values("EXPOSE")), "EXPOSE 8080")
    check(bool(values("STOPSIGNAL")), "STOPSIGNAL set")
    check(parser.envs.get("OXIDP__SERVER__BIND") == "0.0.0.0:8080", "ENV OXIDP__SERVER__BIND=0.0.0.0:8080")
    ignore = os.path.join(d, "Dockerfile.dockerignore")
    patterns = set()
    if os.path.exists(ignore):
        with open(ignore) as f:
            patterns = {l.strip().rstrip("/") for l in f if l.strip() and not l.startswith("#")}
    for needed in (".git", "target", "data", "keys", "tests/browser/node_modules"):
        check(needed in patterns, f"Dockerfile.dockerignore excludes {needed}")


# ---- Compose ----------------------------------------------------------------

VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_]\w*))")


def dotenv(d):
    env = {}
    path = os.path.join(d, ".env")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line and not line.lstrip().startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k.strip()] = v.strip().strip("'\"")
    return {**env, **os.environ}


def interpolate(value, env, missing):
    """Compose's ${VAR}, ${VAR:-default}, ${VAR:?error}, ${VAR:+alt} and $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, missing) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m):
        if m.group(1):
            return "$"
        name, op, arg = m.group(2) or m.group(5), m.group(3), m.group(4) or ""
        val = env.get(name)
        absent = val is None or (op or "").startswith(":") and val == ""
        if op in ("-", ":-"):
            return interpolate(arg, env, missing) if absent else val
        if op in ("+", ":+"):
            return "" if absent else interpolate(arg, env, missing)
        if absent:
            missing.add(name)
            return f"placeholder-{name.lower()}" if op in ("?", ":?") else ""
        return val

    return VAR.sub(sub, value)


def compose_model(d):
    with open(os.path.join(d, "compose.yaml")) as f:
        raw = yaml.safe_load(f)
    missing = set()
    model = interpolate(raw, dotenv(d), missing)
    return model, missing


def compose(d, out):
    model, missing = compose_model(d)
    if missing:
        print(f"note {', '.join(sorted(missing))} unset: placeholders used for the checks")
    with open(out, "w") as f:
        json.dump(model, f)
    services = model.get("services", {})
    for name, svc in services.items():
        check("healthcheck" in svc, f"service {name} has a healthcheck")
        deps = svc.get("depends_on", {})
        for dep, cond in (deps.items() if isinstance(deps, dict) else [(x, {}) for x in deps]):
            check(dep in services, f"{name} depends on existing service {dep}")
            if cond.get("condition") == "service_healthy":
                check("healthcheck" in services.get(dep, {}), f"{name} waits for {dep} to be healthy, and {dep} has a healthcheck")
        for secret in svc.get("secrets", []):
            secret = secret if isinstance(secret, str) else secret["source"]
            check(secret in (model.get("secrets") or {}), f"{name} uses declared secret {secret}")
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0] if isinstance(vol, str) else vol.get("source", "")
            if src.startswith((".", "/")):
                check(os.path.exists(os.path.join(d, src)), f"{name} mounts existing {src}")
            elif src:
                check(src in (model.get("volumes") or {}), f"{name} uses declared volume {src}")
        build = svc.get("build")
        if build:
            ctx = os.path.normpath(os.path.join(d, build["context"]))
            check(os.path.exists(os.path.join(ctx, build.get("dockerfile", "Dockerfile"))), f"{name} builds an existing Dockerfile")


# ---- oxidp settings across compose and Kubernetes ---------------------------


def known_keys(readme):
    with open(readme) as f:
        rows = re.findall(r"^\| `(OXIDP__\w+)` \| `([\w.]+)` \|", f.read(), re.M)
    return {env: key for env, key in rows}


def flatten(table, prefix=""):
    for k, v in table.items():
        if isinstance(v, dict):
            yield from flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def settings_checks(where, settings, kek_dirs):
    issuer = settings.get("issuer", "")
    check(issuer.startswith("https://") and not issuer.endswith("/"), f"{where}: issuer {issuer!r} is https, no trailing slash")
    check(settings.get("server.bind") == "0.0.0.0:8080", f"{where}: server.bind is 0.0.0.0:8080")
    check(str(settings.get("database.url", "")).startswith("postgres"), f"{where}: database.url is PostgreSQL")
    check(str(settings.get("redis.url", "")).startswith("redis"), f"{where}: redis.url is set")
    kek = settings.get("keys.kek_file", "")
    check(os.path.dirname(kek) in kek_dirs, f"{where}: keys.kek_file {kek!r} lies in a mounted secret")
    return issuer


def config(d, readme, binary=None):
    keys = known_keys(readme)
    check(len(keys) > 20, f"{len(keys)} configuration keys read from README.md's table")
    by_key = {v: k for k, v in keys.items()}

    # Compose: the oxidp services are those with OXIDP__ variables.
    model, _ = compose_model(d)
    services = model["services"]
    oxidp = {n: s for n, s in services.items() if any(k.startswith("OXIDP__") for k in s.get("environment", {}))}
    check(len(oxidp) >= 2, f"compose: {len(oxidp)} oxidp replicas ({', '.join(oxidp)})")
    envs = [s["environment"] for s in oxidp.values()]
    check(all(e == envs[0] for e in envs), "compose: every replica has the same environment (issuer, KEK, stores)")
    env = envs[0]
    for name in env:
        check(name in keys, f"compose: {name} is a known setting", "not in README's configuration table (the server ignores unknown keys)")
    secret_dirs = {"/run/secrets"} if all(s.get("secrets") for s in oxidp.values()) else set()
    c_settings = {keys[k]: v for k, v in env.items() if k in keys}
    c_issuer = settings_checks("compose", c_settings, secret_dirs)
    kek_secret = os.path.basename(c_settings.get("keys.kek_file", ""))
    check(all(kek_secret in s.get("secrets", []) for s in oxidp.values()), f"compose: every replica mounts the secret {kek_secret!r}")
    # The proxy: site address = issuer host; upstreams = the replicas.
    with open(os.path.join(d, "Caddyfile")) as f:
        caddy = "\n".join(l.split("#")[0] for l in f)
    site = re.search(r"^(\S+)\s*\{", caddy, re.M).group(1)
    m = re.fullmatch(r"\{\$(\w+)(?::([^}]*))?\}", site)
    caddy_env = services.get("caddy", {}).get("environment", {})
    host = (caddy_env.get(m.group(1)) or m.group(2)) if m else site
    check(host == urlparse(c_issuer).hostname, f"compose: Caddy serves the issuer's host ({host})")
    upstreams = set(re.search(r"reverse_proxy\s+([^{\n]+)", caddy).group(1).split())
    check(upstreams == {f"{n}:8080" for n in oxidp}, f"compose: Caddy balances {', '.join(sorted(upstreams))}")
    check("health_uri /readyz" in caddy, "compose: Caddy health-checks /readyz")
    check("443:443" in services.get("caddy", {}).get("ports", []), "compose: Caddy publishes 443")

    # Kubernetes: oxidp.toml from the ConfigMap, overlaid by the Deployment's env.
    k = os.path.join(d, "kubernetes")
    docs = {(doc["kind"], doc["metadata"]["name"]): doc for f in sorted(os.listdir(k)) if f.endswith(".yaml") and f != "kustomization.yaml" for doc in load_yaml(os.path.join(k, f))}
    toml_text = docs[("ConfigMap", "oxidp-config")]["data"]["oxidp.toml"]
    toml = dict(flatten(tomllib.loads(toml_text)))
    for key in toml:
        check(key in by_key, f"kubernetes: {key} is a known setting", "not in README's configuration table (the server ignores unknown keys)")
    deploy = docs[("Deployment", "oxidp")]
    pod = deploy["spec"]["template"]["spec"]
    ctr = pod["containers"][0]
    secrets = docs.get(("Secret", "oxidp"), {}).get("stringData", {})
    k_settings = dict(toml)
    for e in ctr.get("env", []):
        check(e["name"] in keys, f"kubernetes: {e['name']} is a known setting")
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        k_settings[keys.get(e["name"], e["name"])] = secrets.get(ref["key"], "") if ref else e["value"]
    mounts = {m["name"]: m["mountPath"] for m in ctr["volumeMounts"]}
    secret_dirs = {mounts[v["name"]] for v in pod["volumes"] if "secret" in v}
    k_issuer = settings_checks("kubernetes", k_settings, secret_dirs)
    ingress = docs.get(("Ingress", "oxidp"))
    if ingress:
        hosts = {r["host"] for r in ingress["spec"]["rules"]} | {h for t in ingress["spec"].get("tls", []) for h in t["hosts"]}
        check(hosts == {urlparse(k_issuer).hostname}, f"kubernetes: Ingress host and TLS host are the issuer's ({', '.join(hosts)})")
    config_mount = next(mounts[v["name"]] for v in pod["volumes"] if v.get("configMap", {}).get("name") == "oxidp-config")
    check(f"{config_mount}/oxidp.toml" in ctr.get("args", []), "kubernetes: the server is started with --config on the ConfigMap")
    check(ctr["ports"][0]["containerPort"] == 8080, "kubernetes: containerPort 8080")
    probe = lambda p: ctr.get(p, {}).get("httpGet", {}).get("path")  # noqa: E731
    check(probe("readinessProbe") == "/readyz", "kubernetes: readinessProbe /readyz")
    check(probe("livenessProbe") == "/healthz", "kubernetes: livenessProbe /healthz")
    check("startupProbe" in ctr, "kubernetes: startupProbe present")
    sleep = ctr.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop = int(sleep[-1]) if sleep[:1] == ["sleep"] else 0
    check(pod.get("terminationGracePeriodSeconds", 30) > pre_stop + 30, f"kubernetes: grace period > preStop ({pre_stop} s) + server shutdown timeout (30 s)")
    sc, psc = ctr.get("securityContext", {}), pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, "kubernetes: runAsNonRoot")
    check(sc.get("readOnlyRootFilesystem") is True, "kubernetes: readOnlyRootFilesystem")
    check(sc.get("capabilities", {}).get("drop") == ["ALL"], "kubernetes: all capabilities dropped")
    check(sc.get("allowPrivilegeEscalation") is False, "kubernetes: no privilege escalation")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "kubernetes: seccomp RuntimeDefault")
    image_user = DockerfileParser(path=os.path.join(d, "Dockerfile")).structure
    users = [i["value"].split(":")[0] for i in image_user if i["instruction"] == "USER"]
    check(users and str(psc.get("runAsUser")) == users[-1], f"kubernetes: runAsUser {psc.get('runAsUser')} is the image's USER")
    check(deploy["spec"]["replicas"] == docs[("HorizontalPodAutoscaler", "oxidp")]["spec"]["minReplicas"], "kubernetes: Deployment replicas = HPA minReplicas")
    with open(os.path.join(k, "kustomization.yaml")) as f:
        resources = yaml.safe_load(f)["resources"]
    for r in resources:
        check(os.path.exists(os.path.join(k, r)), f"kustomization lists existing {r}")

    if binary:
        oxidp_check_config(binary, env, toml_text, k_settings, keys)


def oxidp_check_config(binary, compose_env, toml_text, k_settings, keys):
    """The server's own validation (`oxidp check-config`, no connection)."""
    base = {"PATH": os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        # Not in the working directory, where the compose run would read it as ./oxidp.toml.
        os.mkdir(os.path.join(tmp, "k8s"))
        toml_path = os.path.join(tmp, "k8s", "oxidp.toml")
        with open(toml_path, "w") as f:
            f.write(toml_text)
        k_env = {name: str(k_settings[key]) for name, key in keys.items() if key in k_settings and name in ("OXIDP__SERVER__BIND", "OXIDP__DATABASE__URL")}
        for where, args, env in (("compose", [], compose_env), ("kubernetes", ["--config", toml_path], k_env)):
            run = subprocess.run([binary, *args, "check-config"], cwd=tmp, env={**base, **env}, capture_output=True, text=True)
            last = (run.stdout.strip().splitlines() or [""])[-1] if run.returncode == 0 else run.stderr.strip()
            check(run.returncode == 0, f"{where}: oxidp check-config ({last})")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    try:
        {"dockerfile": dockerfile, "compose": compose, "config": config}[cmd](*args)
    except Exception as e:  # a file too broken for the checks above
        check(False, f"{cmd} checks could not run", f"{type(e).__name__}: {e}")
    sys.exit(1 if failed else 0)
