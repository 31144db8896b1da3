//! `oxidp keys …` as a real process on a temp SQLite database and keys dir:
//! listing, rotating and importing signing keys; refused commands change
//! nothing, and listing never creates a key set.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use oxidp::protocol::KeyState;
use serde_json::Value;

use crate::helpers::*;

const ACTIVE: &str = KeyState::Active.as_str();
const NEXT: &str = KeyState::Next.as_str();
const RETIRED: &str = KeyState::Retired.as_str();

/// `oxidp keys …` on a key set that a server start created.
struct KeysCli {
    dir: tempfile::TempDir,
}

impl KeysCli {
    fn database_url(dir: &std::path::Path) -> String {
        format!("sqlite://{}/db.sqlite", dir.display())
    }

    /// A temp dir whose database and key set were made by a server start
    /// (the way an operator's first `oxidp serve` makes them).
    fn new() -> KeysCli {
        let dir = tempfile::Builder::new().prefix("oxidp-keys-cli-").tempdir().unwrap();
        let mut settings = oxidp::config::Settings::default();
        settings.database.url = KeysCli::database_url(dir.path());
        settings.keys.dir = dir.path().join("keys");
        settings.keys.algorithms = vec![oxidp::jose::SigningAlg::Rs256];
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime
            .block_on(oxidp::app::build_services(&settings, &oxidp::clock::Clock::System))
            .unwrap_or_else(|e| panic!("first start: {e:#}"));
        KeysCli { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_oxidp"))
            .arg("keys")
            .args(args)
            .current_dir(self.dir.path())
            .env("OXIDP__DATABASE__URL", KeysCli::database_url(self.dir.path()))
            .env("OXIDP__KEYS__DIR", self.dir.path().join("keys"))
            .env("OXIDP__KEYS__ALGORITHMS", "RS256")
            .env_remove("OXIDP__REDIS__URL")
            .env_remove("OXIDP_ENV")
            .stdin(Stdio::null())
            .output()
            .expect("run oxidp")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "keys {args:?}: {}", describe(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Exit status 2 and exactly one line on stderr.
    fn usage_error(&self, args: &[&str]) {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(2), "keys {args:?}: {}", describe(&out));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.trim_end_matches('\n').lines().count(), 1, "one line on stderr: {stderr:?}");
        assert!(!stderr.trim().is_empty());
    }

    /// `keys list --json`, checked for key material.
    fn list(&self) -> Vec<Value> {
        let out = self.ok(&["list", "--json"]);
        for leak in ["\"d\"", "\"p\"", "PRIVATE", "private", "sealed"] {
            assert!(!out.contains(leak), "keys list shows {leak}: {out}");
        }
        let keys: Vec<Value> = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"));
        for key in &keys {
            assert!(key["kid"].as_str().is_some_and(|k| k.len() == 43), "{key}");
            assert_eq!(key["alg"], "RS256", "{key}");
        }
        keys
    }

    /// `(state, kid)` of every key, sorted.
    fn states(&self) -> Vec<(String, String)> {
        let mut states: Vec<(String, String)> = self
            .list()
            .iter()
            .map(|k| (k["state"].as_str().expect("state").into(), k["kid"].as_str().unwrap().into()))
            .collect();
        states.sort();
        states
    }

    fn kid(&self, state: &str) -> String {
        let kids: Vec<String> =
            self.states().into_iter().filter(|(s, _)| s == state).map(|(_, kid)| kid).collect();
        assert_eq!(kids.len(), 1, "exactly one {state} key: {kids:?}");
        kids[0].clone()
    }

    fn write(&self, name: &str, contents: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }
}

fn describe(out: &Output) -> String {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    format!("exit {:?}\nstdout: {stdout}\nstderr: {stderr}", out.status.code())
}

/// An RSA private key (PKCS#8 PEM) and its RFC 7638 thumbprint.
fn rsa_key(bits: u32) -> (Vec<u8>, String) {
    let rsa = openssl::rsa::Rsa::generate(bits).expect("generate RSA key");
    let (n, e) = (b64url(rsa.n().to_vec()), b64url(rsa.e().to_vec()));
    let thumbprint =
        b64url(openssl::sha::sha256(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#).as_bytes()));
    let pem = openssl::pkey::PKey::from_rsa(rsa).unwrap().private_key_to_pem_pkcs8().unwrap();
    (pem, thumbprint)
}

#[test]
fn cli_lists_and_rotates_keys() {
    let cli = KeysCli::new();
    let states = cli.states();
    let kinds: Vec<&str> = states.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(kinds, [ACTIVE, NEXT], "{states:?}");
    let kek = cli.dir.path().join("keys").join("kek");
    assert_eq!(std::fs::metadata(&kek).expect("KEK file").permissions().mode() & 0o777, 0o600);
    let (active, next) = (cli.kid(ACTIVE), cli.kid(NEXT));

    // The first next key may sign at once.
    cli.ok(&["rotate"]);
    assert_eq!((cli.kid(ACTIVE), cli.kid(RETIRED)), (next.clone(), active));
    let new_next = cli.kid(NEXT);

    // The new next key has not been published for jwks_max_age yet.
    let before = cli.states();
    cli.usage_error(&["rotate"]);
    assert_eq!(cli.states(), before, "a refused rotation changed the key set");

    cli.ok(&["rotate", "--force"]);
    assert_eq!(cli.kid(ACTIVE), new_next);
    assert_eq!(kids_of(&cli.states(), RETIRED).len(), 2);
}

fn kids_of(states: &[(String, String)], state: &str) -> Vec<String> {
    states.iter().filter(|(s, _)| s == state).map(|(_, kid)| kid.clone()).collect()
}

#[test]
fn cli_imports_a_pem_key_as_next() {
    let cli = KeysCli::new();
    let (active, generated_next) = (cli.kid(ACTIVE), cli.kid(NEXT));
    let (pem, kid) = rsa_key(2048);
    let file = cli.write("k.pem", &pem);

    let out = cli.ok(&["import", "--file", &file]);
    assert!(out.contains(&kid), "import names the kid: {out}");
    assert!(!out.contains("PRIVATE"), "{out}");
    assert_eq!(cli.kid(NEXT), kid, "the imported key is the next key");
    assert_eq!(cli.kid(ACTIVE), active);
    assert!(!cli.states().iter().any(|(_, k)| *k == generated_next), "the unused generated next key stays");

    // Not a usable key, no file, a key already in the set: usage errors, nothing written.
    let before = cli.states();
    let garbage =
        cli.write("garbage.pem", b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    let (small, _) = rsa_key(1024);
    let small = cli.write("small.pem", &small);
    let missing = cli.dir.path().join("missing.pem").to_str().unwrap().to_string();
    for bad in [&garbage, &small, &missing, &file] {
        cli.usage_error(&["import", "--file", bad]);
    }
    assert_eq!(cli.states(), before);

    // The imported key signs after the next rotation.
    cli.ok(&["rotate", "--force"]);
    assert_eq!(cli.kid(ACTIVE), kid);
}
