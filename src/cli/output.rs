//! What the commands print: one line per item for people, `--json` for
//! scripts. Secrets appear only in the output of the command that made them.

use serde_json::{Value, json};

use crate::flows::admin::KeyInfo;
use crate::protocol::{ClientRecord, ResourceRecord, SubjectType, UserRecord};

pub fn created_user(user: &UserRecord) {
    println!("Created user {:?} (sub {}).", user.username, user.id);
}

fn client_json(c: &ClientRecord, secret: Option<&str>) -> Value {
    let mut value = json!({
        "client_id": c.client_id,
        "public": c.public,
        "token_endpoint_auth_method": c.token_endpoint_auth_method,
        "jwks_uri": c.jwks_uri,
        "resources": c.resources,
        "token_exchange_from": c.token_exchange_from,
        "access_token_ttl": c.access_token_ttl,
        "refresh_token_idle_ttl": c.refresh_token_idle_ttl,
        "refresh_token_absolute_ttl": c.refresh_token_absolute_ttl,
        "id_token_signed_response_alg": c.id_token_signed_response_alg,
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types,
        "scopes": c.scopes,
        "web_origins": c.web_origins,
        "pkce": c.pkce,
        "refresh_reuse_leeway": c.refresh_reuse_leeway,
        "role_claim": c.role_claim,
        "require_mfa": c.require_mfa,
        "require_pushed_authorization_requests": c.require_pushed_requests,
        "require_signed_request_object": c.require_signed_request_object,
        "dpop_bound_access_tokens": c.require_dpop,
        "subject_type": c.subject_type,
        "sector_identifier_uri": c.sector_identifier_uri,
        "id_token_encrypted_response_alg": c.id_token_encryption.map(|e| e.alg),
        "id_token_encrypted_response_enc": c.id_token_encryption.map(|e| e.enc),
        "userinfo_signed_response_alg": c.userinfo_signed_response_alg,
        "userinfo_encrypted_response_alg": c.userinfo_encryption.map(|e| e.alg),
        "userinfo_encrypted_response_enc": c.userinfo_encryption.map(|e| e.enc),
        "consent": c.consent,
        "name": c.name,
        "logo_uri": c.logo_uri,
        "created_at": c.created_at,
    });
    if let Some(secret) = secret {
        value["client_secret"] = json!(secret);
    }
    value
}

pub fn created_client(c: &ClientRecord, secret: Option<&str>, as_json: bool) {
    if as_json {
        println!("{}", client_json(c, secret));
        return;
    }
    let kind = if c.public { "public" } else { "confidential" };
    println!("Created {kind} client {:?} ({}).", c.client_id, c.token_endpoint_auth_method);
    println!("client_id:     {}", c.client_id);
    if c.subject_type == SubjectType::Pairwise {
        println!("subject_type:  pairwise{}", sector_note(c));
    }
    encryption_lines(c);
    if !c.token_exchange_from.is_empty() {
        println!("token_exchange_from: {}", c.token_exchange_from.join(" "));
    }
    if let Some(secret) = secret {
        println!("client_secret: {secret}");
        println!("Store the secret now: it is shown only once (only its hash is kept).");
    }
}

pub fn updated_client(c: &ClientRecord, as_json: bool) {
    if as_json {
        println!("{}", client_json(c, None));
        return;
    }
    let name = c.name.as_deref().unwrap_or(&c.client_id);
    let logo = c.logo_uri.as_deref().unwrap_or("none");
    println!("Updated client {:?}: shown as {name:?}, logo {logo}.", c.client_id);
    if c.subject_type == SubjectType::Pairwise {
        println!("subject_type: pairwise{}", sector_note(c));
    }
    encryption_lines(c);
    if !c.token_exchange_from.is_empty() {
        println!("token_exchange_from: {}", c.token_exchange_from.join(" "));
    }
}

/// Where a pairwise client's sector comes from, when it has a document.
fn sector_note(c: &ClientRecord) -> String {
    c.sector_identifier_uri
        .as_deref()
        .map(|uri| format!(" (sector_identifier_uri {uri})"))
        .unwrap_or_default()
}

/// How the client's ID tokens and UserInfo responses are protected
/// (OIDC Registration §2), when they are.
fn encryption_lines(c: &ClientRecord) {
    if let Some(e) = c.id_token_encryption {
        println!("id_token_encrypted_response: {} {}", e.alg, e.enc);
    }
    if let Some(alg) = c.userinfo_signed_response_alg {
        println!("userinfo_signed_response_alg: {alg}");
    }
    if let Some(e) = c.userinfo_encryption {
        println!("userinfo_encrypted_response: {} {}", e.alg, e.enc);
    }
}

pub fn clients(clients: &[ClientRecord], as_json: bool) {
    if as_json {
        let list: Vec<_> = clients.iter().map(|c| client_json(c, None)).collect();
        println!("{}", Value::Array(list));
        return;
    }
    for c in clients {
        let kind = if c.public { "public" } else { "confidential" };
        println!("{}\t{kind}\t{}", c.client_id, c.redirect_uris.join(" "));
    }
}

fn resource_json(r: &ResourceRecord, secret: Option<&str>) -> Value {
    let mut value = json!({
        "identifier": r.identifier,
        "scopes": r.scopes,
        "access_token_ttl": r.access_token_ttl,
        "signing_alg": r.signing_alg,
        "introspection_auth": if r.jwks.is_some() { "private_key_jwt" } else { "client_secret_basic" },
        "access_token_encrypted_response_alg": r.access_token_encryption.map(|e| e.alg),
        "access_token_encrypted_response_enc": r.access_token_encryption.map(|e| e.enc),
        "created_at": r.created_at,
    });
    if let Some(secret) = secret {
        value["secret"] = json!(secret);
    }
    value
}

pub fn created_resource(r: &ResourceRecord, secret: Option<&str>, as_json: bool) {
    if as_json {
        println!("{}", resource_json(r, secret));
        return;
    }
    println!("Created resource {:?}.", r.identifier);
    if let Some(secret) = secret {
        println!("secret: {secret}");
        println!("The API introspects with HTTP Basic: the identifier (form-urlencoded) and this secret.");
        println!("Store the secret now: it is shown only once (only its hash is kept).");
    }
}

pub fn resources(resources: &[ResourceRecord], as_json: bool) {
    if as_json {
        let list: Vec<_> = resources.iter().map(|r| resource_json(r, None)).collect();
        println!("{}", Value::Array(list));
        return;
    }
    for r in resources {
        println!("{}\t{}", r.identifier, r.scopes.join(" "));
    }
}

pub fn rotated_secret(client_id: &str, secret: &str, as_json: bool) {
    if as_json {
        println!("{}", json!({ "client_id": client_id, "client_secret": secret }));
    } else {
        println!("New secret for client {client_id:?} (the old one no longer works):");
        println!("client_secret: {secret}");
    }
}

pub fn keys(keys: &[KeyInfo], as_json: bool) {
    if as_json {
        let list: Vec<_> = keys
            .iter()
            .map(|k| {
                json!({
                    "kid": k.kid, "alg": k.alg, "state": k.state, "created_at": k.created_at,
                    "signs_from": k.signs_from, "activated_at": k.activated_at,
                    "retired_at": k.retired_at, "delete_after": k.delete_after,
                })
            })
            .collect();
        println!("{}", Value::Array(list));
        return;
    }
    println!(
        "{:<44} {:<6} {:<8} {:<11} {:<11} {:<11}",
        "KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED"
    );
    let t = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
    for k in keys {
        println!(
            "{:<44} {:<6} {:<8} {:<11} {:<11} {:<11}",
            k.kid,
            k.alg.as_str(),
            k.state.as_str(),
            k.created_at,
            t(k.activated_at),
            t(k.retired_at)
        );
    }
}
