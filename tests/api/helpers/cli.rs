//! The `oxidp` binary as an operator runs it: a real process on a temp
//! SQLite database and key directory, with stdin piped in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub struct CliProcess {
    dir: tempfile::TempDir,
}

impl CliProcess {
    pub fn new(prefix: &str) -> CliProcess {
        CliProcess { dir: tempfile::Builder::new().prefix(prefix).tempdir().unwrap() }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn database(&self) -> PathBuf {
        self.dir.path().join("db.sqlite")
    }

    /// Runs `oxidp <args>` with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, stdin, &[])
    }

    /// [`run`](Self::run) with extra environment variables.
    pub fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_oxidp"))
            .args(args)
            .current_dir(self.dir.path())
            .env("OXIDP__DATABASE__URL", format!("sqlite://{}", self.database().display()))
            .env("OXIDP__KEYS__DIR", self.dir.path().join("keys"))
            .env_remove("OXIDP__REDIS__URL")
            .env_remove("OXIDP__KEYS__ALGORITHMS")
            .env_remove("OXIDP_ENV")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oxidp");
        let mut pipe = child.stdin.take().unwrap();
        // The process may exit before reading stdin; ignore a broken pipe.
        let _ = pipe.write_all(stdin.as_bytes());
        drop(pipe);
        child.wait_with_output().expect("wait for oxidp")
    }
}

/// Exit status and both streams, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
