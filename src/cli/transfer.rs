//! `oxidp export` and `oxidp import` (`flows::transfer`): the document on
//! stdout or stdin, a summary on stderr or stdout.

use std::io::{IsTerminal, Read, Write};

use super::Failure;
use crate::config::{Settings, redact_url};
use crate::flows::{keys, transfer};
use crate::store::{OpenMode, StoreError, Stores};

/// The database only (one connection, no Redis): what the documents hold.
async fn open(settings: &Settings, mode: OpenMode) -> Result<Stores, Failure> {
    let mut config = settings.store_config();
    config.max_connections = 1;
    config.redis = None;
    Stores::open(&config, mode).await.map_err(|e| match e {
        StoreError::Missing(message) => Failure::Usage(message),
        other => Failure::System(format!("database {}: {other}", redact_url(&settings.database.url))),
    })
}

fn summary(counts: &[(&str, usize)]) -> String {
    counts.iter().map(|(kind, n)| format!("{n} {kind}")).collect::<Vec<_>>().join(", ")
}

pub(super) async fn export(settings: &Settings, now: i64) -> Result<(), Failure> {
    if std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "the export holds password hashes: redirect it to a file (oxidp export > dump.json)".into(),
        ));
    }
    let stores = open(settings, OpenMode::MustExist).await?;
    let dump = transfer::export(&stores, now).await.map_err(|e| Failure::System(e.to_string()))?;
    let json = serde_json::to_string_pretty(&dump).map_err(|e| Failure::System(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{json}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::System(format!("stdout: {e}")))?;
    eprintln!(
        "exported {} (keep the file as safe as the database: it holds password hashes)",
        summary(&dump.counts())
    );
    Ok(())
}

pub(super) async fn import(settings: &Settings, merge: bool) -> Result<(), Failure> {
    let mut json = String::new();
    std::io::stdin().read_to_string(&mut json).map_err(|e| Failure::Usage(format!("stdin: {e}")))?;
    let dump = transfer::parse(&json).map_err(|e| Failure::Usage(e.to_string()))?;
    let kek_file = settings.key_policy().kek_file;
    let (kek, _) = keys::load_kek(&kek_file, false).await.map_err(|e| {
        Failure::Usage(format!(
            "key-encryption key {}: {e} (the export's keys are sealed with the source's: copy it here first)",
            kek_file.display()
        ))
    })?;
    let stores = open(settings, OpenMode::CreateIfMissing).await?;
    let imported = transfer::import(&stores, &kek, dump, merge).await.map_err(|e| {
        if e.is_user_error() { Failure::Usage(e.to_string()) } else { Failure::System(e.to_string()) }
    })?;
    println!("imported {}", summary(&imported.written));
    if !imported.skipped.is_empty() {
        println!("kept the target's own (already present): {}", summary(&imported.skipped));
    }
    Ok(())
}
