//! OAuth 2.0 Form Post Response Mode (§2): the authorization response as
//! an HTML form that the browser posts to the client's redirect URI. A tiny
//! inline script submits it, allowed by its hash in this page's own CSP
//! (never `unsafe-inline`); without JavaScript a button does it. The CSP's
//! `form-action` allows the redirect URI's origin only.

use std::sync::LazyLock;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::web::pages::Ui;
use crate::web::respond;
use crate::web::views::FormPostPage;

/// Submits the page's only form as soon as it is parsed.
const SUBMIT_SCRIPT: &str = "document.forms[0].submit();";

/// CSP hash source of [`SUBMIT_SCRIPT`] (CSP Level 3 §2.3.1).
static SCRIPT_HASH: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", STANDARD.encode(openssl::sha::sha256(SUBMIT_SCRIPT.as_bytes()))));

/// The page posting `fields` to `redirect_uri` (an http(s) URI, checked
/// when the request was validated).
pub fn page(ui: &Ui, redirect_uri: &str, fields: &[(&str, &str)]) -> HttpResponse {
    let view =
        FormPostPage { ui: ui.clone(), action: redirect_uri, fields: fields.to_vec(), script: SUBMIT_SCRIPT };
    let mut resp = respond::html(StatusCode::OK, &view);
    let base = crate::web::middleware::content_security_policy(&ui.image_origins(None));
    if resp.status() == StatusCode::OK
        && let Ok(csp) = header::HeaderValue::from_str(&content_security_policy(&base, redirect_uri))
    {
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    resp
}

/// The site's policy plus the script hash and `form-action` for the
/// redirect URI's origin (a scheme source where CSP has no host syntax,
/// e.g. IPv6 literals).
fn content_security_policy(base: &str, redirect_uri: &str) -> String {
    let target = match url::Url::parse(redirect_uri) {
        Ok(url) if matches!(url.host(), Some(url::Host::Domain(_) | url::Host::Ipv4(_))) => {
            url.origin().ascii_serialization()
        }
        Ok(url) => format!("{}:", url.scheme()),
        Err(_) => "'none'".to_string(),
    };
    let script = format!("script-src {}", *SCRIPT_HASH);
    format!("{}; form-action {target}", base.replace("script-src 'self'", &script))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_the_script_by_hash_and_posts_only_to_the_client() {
        let base = crate::web::middleware::CONTENT_SECURITY_POLICY;
        let csp = content_security_policy(base, "https://app.example:8443/cb?x=1");
        assert!(csp.contains("form-action https://app.example:8443"), "{csp}");
        assert!(csp.contains("script-src 'sha256-"), "{csp}");
        assert_eq!(csp.matches("script-src").count(), 1, "one script policy, the hash only: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(content_security_policy(base, "http://[::1]:9000/cb").ends_with("form-action http:"));
        // The hash is that of the script the page carries.
        let expected = STANDARD.encode(openssl::sha::sha256(b"document.forms[0].submit();"));
        assert!(csp.contains(&expected));
    }
}
