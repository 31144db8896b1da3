//! `oxidp check-config` as an operator runs it: the configuration printed
//! with secrets redacted, an invalid one refused (exit 2, naming the key),
//! and `--connect` reaching the database and Redis without changing
//! anything (exit 1 when one cannot be reached).

use crate::helpers::*;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_valid_configuration_is_printed_with_its_secrets_redacted() {
    let cli = CliProcess::new("oxidp-check-");
    let env = [("OXIDP__MAIL__SMTP_URL", "smtp://mailer:hunter2-secret@127.0.0.1:2525")];
    let out = cli.run_with(&["check-config"], "", &env);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let printed = stdout(&out);
    assert!(printed.contains("configuration ok") && printed.contains("issuer"), "{printed}");
    assert!(printed.contains("smtp://mailer:redacted@127.0.0.1:2525"), "{printed}");
    assert!(!printed.contains("hunter2"), "no secret printed: {printed}");
}

#[test]
fn an_invalid_configuration_exits_2_naming_the_key() {
    let cli = CliProcess::new("oxidp-check-");
    let out = cli.run_with(&["check-config"], "", &[("OXIDP__ISSUER", "ftp://idp.example")]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("issuer"), "{stderr}");
}

#[test]
fn a_misspelt_key_is_refused_not_ignored() {
    // A typo would otherwise leave a default silently in force.
    let cli = CliProcess::new("oxidp-check-");
    std::fs::write(cli.dir().join("oxidp.toml"), "[rate_limits]\ntokne = 5\n").unwrap();
    let out = cli.run(&["check-config"], "");
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tokne") && stderr.contains("rate_limits"), "{stderr}");

    std::fs::remove_file(cli.dir().join("oxidp.toml")).unwrap();
    let out = cli.run_with(&["check-config"], "", &[("OXIDP__SERVER__METRICS_BUND", "127.0.0.1:9100")]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("metrics_bund"), "{stderr}");
}

#[test]
fn connect_reaches_the_database_without_creating_it_and_fails_on_an_unreachable_redis() {
    let cli = CliProcess::new("oxidp-check-");
    let out = cli.run(&["check-config", "--connect"], "");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(stdout(&out).contains("does not exist yet"), "{}", describe(&out));
    assert!(!cli.database().exists(), "a check creates no database");

    let created = cli.run(&["user", "create", "--username", "bob"], "a long enough password\n");
    assert_eq!(created.status.code(), Some(0), "{}", describe(&created));
    let out = cli.run(&["check-config", "--connect"], "");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(stdout(&out).contains("reachable, up to date"), "{}", describe(&out));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = format!("redis://127.0.0.1:{port}");
    let out = cli.run_with(&["check-config", "--connect"], "", &[("OXIDP__REDIS__URL", &nowhere)]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("redis"), "{}", describe(&out));
}
