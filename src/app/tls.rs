//! The HTTPS listener's TLS settings (`server.tls_cert_file`, `server.tls_key_file`).

use crate::config::Settings;

/// TLS with Mozilla's intermediate profile (TLS 1.2+), when configured.
pub fn acceptor(settings: &Settings) -> anyhow::Result<Option<openssl::ssl::SslAcceptorBuilder>> {
    use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};
    let (Some(cert), Some(key)) = (&settings.server.tls_cert_file, &settings.server.tls_key_file) else {
        return Ok(None);
    };
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    acceptor
        .set_private_key_file(key, SslFiletype::PEM)
        .map_err(|e| anyhow::anyhow!("TLS key {}: {e}", key.display()))?;
    acceptor
        .set_certificate_chain_file(cert)
        .map_err(|e| anyhow::anyhow!("TLS certificate {}: {e}", cert.display()))?;
    acceptor
        .check_private_key()
        .map_err(|e| anyhow::anyhow!("TLS key does not match the certificate: {e}"))?;
    Ok(Some(acceptor))
}
