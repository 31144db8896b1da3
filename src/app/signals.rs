//! The signals that stop the server: SIGTERM (orchestrators, systemd) and
//! SIGINT (Ctrl-C).

use tokio::signal::unix::{SignalKind, signal};

/// Waits for the first of them; its name. If a handler cannot be installed
/// the server cannot be stopped gracefully, only killed: that is logged and
/// the other signal still works.
pub async fn shutdown() -> &'static str {
    let wait = |kind: SignalKind, name: &'static str| async move {
        match signal(kind) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(e) => {
                tracing::error!(signal = name, error = %e, "cannot listen for the signal");
                std::future::pending::<()>().await;
            }
        }
        name
    };
    tokio::select! {
        name = wait(SignalKind::terminate(), "SIGTERM") => name,
        name = wait(SignalKind::interrupt(), "SIGINT") => name,
    }
}
