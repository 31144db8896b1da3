//! `/admin/clients`: list and search, create (the secret shown once),
//! view and edit (optimistic concurrency through the version the form
//! carries), rotate the secret, delete.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::admin::{Admin, AdminError, ClientUpdate, NewClient};
use crate::jose::SigningAlg;
use crate::jose::jwe::{ContentEncryption, KeyManagementAlg};
use crate::protocol::{ClientAuthMethod, ClientRecord, ConsentMode, GrantType, Params, SubjectType};
use crate::web::Site;
use crate::web::admin_console::views::{
    ClientFacts, ClientForm, ClientFormPage, ClientRow, ClientsPage, FormError, GrantChoice, SecretPage,
};
use crate::web::admin_console::{
    Console, Done, ListQuery, admin_error, done, html, next_query, notice, page_request, refused, when,
};

const NOTICES: [(&str, &str); 2] =
    [("saved", "The client was saved."), ("deleted", "The client was deleted.")];

const STALE: &str = "This client was changed by someone else since you opened it. Reload the page to see the changes, then make yours again.";

pub async fn clients_get(console: Console, admin: Data<Admin>, query: Query<ListQuery>) -> HttpResponse {
    let search = query.q.clone().unwrap_or_default();
    let request = page_request(&search, query.after.clone());
    let page = match admin.list_clients(&request).await {
        Ok(page) => page,
        Err(e) => return admin_error(&console, &e),
    };
    let next = next_query(&search, page.next);
    let clients = page
        .items
        .into_iter()
        .map(|c| ClientRow {
            name: c.name.clone().unwrap_or_default(),
            kind: if c.public { "public" } else { "confidential" },
            grant_types: c.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", "),
            redirect_uris: c.redirect_uris.join(" "),
            client_id: c.client_id,
        })
        .collect();
    let page = ClientsPage {
        nav: console.nav("clients"),
        ui: console.ui(),
        notice: notice(query.done.as_deref(), &NOTICES),
        search: &search,
        clients,
        next,
    };
    html(StatusCode::OK, &page)
}

pub async fn new_get(console: Console) -> HttpResponse {
    let form = ClientForm {
        grant_types: vec![GrantType::AuthorizationCode.as_str().to_string()],
        consent: ConsentMode::Implicit.as_str().to_string(),
        subject_type: SubjectType::Public.as_str().to_string(),
        ..ClientForm::default()
    };
    form_page(&console, StatusCode::OK, form, FormError::none(), None, None)
}

pub async fn create_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match console.form(&site, &req, &body) {
        Ok(params) => params,
        Err(e) => return refused(&console, e),
    };
    let form = read_form(&params, None);
    match admin.create_client(&console.actor(), new_client(&form), clock.now()).await {
        Ok(created) => {
            let page = SecretPage {
                nav: console.nav("clients"),
                ui: console.ui(),
                title: "Client created",
                client_id: &created.client.client_id,
                secret: created.secret.as_deref(),
            };
            html(StatusCode::CREATED, &page)
        }
        Err(e) => form_error(&console, form, e, None),
    }
}

pub async fn client_get(
    console: Console,
    admin: Data<Admin>,
    client_id: Path<String>,
    query: Query<Done>,
) -> HttpResponse {
    match admin.find_client(&client_id).await {
        Ok(client) => {
            let notice = notice(query.done.as_deref(), &NOTICES);
            let (form, facts) = stored(&client);
            form_page(&console, StatusCode::OK, form, FormError::none(), Some(facts), notice)
        }
        Err(e) => admin_error(&console, &e),
    }
}

pub async fn update_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    client_id: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match console.form(&site, &req, &body) {
        Ok(params) => params,
        Err(e) => return refused(&console, e),
    };
    let current = match admin.find_client(&client_id).await {
        Ok(client) => client,
        Err(e) => return admin_error(&console, &e),
    };
    let form = read_form(&params, Some(&current));
    let update = client_update(&form);
    let expected = Some(form.version);
    match admin.update_client(&console.actor(), &client_id, update, expected, clock.now()).await {
        // A change to a method that uses a secret made one: shown once.
        Ok(updated) if updated.secret.is_some() => {
            let page = SecretPage {
                nav: console.nav("clients"),
                ui: console.ui(),
                title: "Client saved, with a new secret",
                client_id: &client_id,
                secret: updated.secret.as_deref(),
            };
            html(StatusCode::OK, &page)
        }
        Ok(_) => done(&format!("/admin/clients/{}", encode(&client_id)), "saved"),
        Err(e) => {
            let (_, facts) = stored(&current);
            form_error(&console, form, e, Some(facts))
        }
    }
}

pub async fn rotate_secret_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    client_id: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    if let Err(e) = console.form(&site, &req, &body) {
        return refused(&console, e);
    }
    match admin.rotate_client_secret(&console.actor(), &client_id, clock.now()).await {
        Ok(secret) => {
            let page = SecretPage {
                nav: console.nav("clients"),
                ui: console.ui(),
                title: "Secret rotated",
                client_id: &client_id,
                secret: Some(&secret),
            };
            html(StatusCode::OK, &page)
        }
        Err(e) => admin_error(&console, &e),
    }
}

pub async fn delete_post(
    console: Console,
    admin: Data<Admin>,
    site: Data<Site>,
    clock: Data<Clock>,
    client_id: Path<String>,
    req: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    let params = match console.form(&site, &req, &body) {
        Ok(params) => params,
        Err(e) => return refused(&console, e),
    };
    if params.get("confirm") != Some("yes") {
        return admin_error(
            &console,
            &AdminError::invalid("Tick the box to confirm the deletion. Nothing was deleted."),
        );
    }
    match admin.delete_client(&console.actor(), &client_id, clock.now()).await {
        Ok(()) => done("/admin/clients", "deleted"),
        Err(e) => admin_error(&console, &e),
    }
}

/// The form as posted. An edit keeps the stored id and type.
fn read_form(params: &Params, current: Option<&ClientRecord>) -> ClientForm {
    let text = |name: &str| params.get(name).unwrap_or_default().trim().to_string();
    ClientForm {
        client_id: current.map_or_else(|| text("client_id"), |c| c.client_id.clone()),
        name: text("name"),
        logo_uri: text("logo_uri"),
        public: current.map_or_else(|| params.get("type") == Some("public"), |c| c.public),
        redirect_uris: text("redirect_uris"),
        post_logout_redirect_uris: text("post_logout_redirect_uris"),
        grant_types: params.get_all("grant_types").into_iter().map(str::to_string).collect(),
        scopes: text("scopes"),
        consent: text("consent"),
        require_mfa: params.get("require_mfa") == Some("yes"),
        require_par: params.get("require_par") == Some("yes"),
        require_jar: params.get("require_jar") == Some("yes"),
        require_dpop: params.get("require_dpop") == Some("yes"),
        subject_type: text("subject_type"),
        sector_identifier_uri: text("sector_identifier_uri"),
        token_exchange_from: text("token_exchange_from"),
        id_token_encrypted_response_alg: text("id_token_encrypted_response_alg"),
        id_token_encrypted_response_enc: text("id_token_encrypted_response_enc"),
        userinfo_signed_response_alg: text("userinfo_signed_response_alg"),
        userinfo_encrypted_response_alg: text("userinfo_encrypted_response_alg"),
        userinfo_encrypted_response_enc: text("userinfo_encrypted_response_enc"),
        token_endpoint_auth_method: text("token_endpoint_auth_method"),
        jwks_uri: text("jwks_uri"),
        version: params.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn new_client(form: &ClientForm) -> NewClient {
    NewClient {
        client_id: form.client_id.clone(),
        redirect_uris: lines(&form.redirect_uris),
        post_logout_redirect_uris: lines(&form.post_logout_redirect_uris),
        grant_types: form.grant_types.clone(),
        scopes: words(&form.scopes),
        public: form.public,
        token_endpoint_auth_method: optional(&form.token_endpoint_auth_method),
        jwks_uri: optional(&form.jwks_uri),
        name: optional(&form.name),
        logo_uri: optional(&form.logo_uri),
        consent: optional(&form.consent),
        require_mfa: form.require_mfa,
        require_pushed_requests: form.require_par,
        require_signed_request_object: form.require_jar,
        require_dpop: form.require_dpop,
        subject_type: optional(&form.subject_type),
        sector_identifier_uri: optional(&form.sector_identifier_uri),
        token_exchange_from: lines(&form.token_exchange_from),
        id_token_encrypted_response_alg: optional(&form.id_token_encrypted_response_alg),
        id_token_encrypted_response_enc: optional(&form.id_token_encrypted_response_enc),
        userinfo_signed_response_alg: optional(&form.userinfo_signed_response_alg),
        userinfo_encrypted_response_alg: optional(&form.userinfo_encrypted_response_alg),
        userinfo_encrypted_response_enc: optional(&form.userinfo_encrypted_response_enc),
        ..NewClient::default()
    }
}

fn client_update(form: &ClientForm) -> ClientUpdate {
    ClientUpdate {
        redirect_uris: Some(lines(&form.redirect_uris)),
        post_logout_redirect_uris: Some(lines(&form.post_logout_redirect_uris)),
        grant_types: Some(form.grant_types.clone()),
        scopes: Some(words(&form.scopes)),
        token_endpoint_auth_method: optional(&form.token_endpoint_auth_method),
        jwks_uri: Some(optional(&form.jwks_uri)),
        name: Some(optional(&form.name)),
        logo_uri: Some(optional(&form.logo_uri)),
        consent: optional(&form.consent),
        require_mfa: Some(form.require_mfa),
        require_pushed_requests: Some(form.require_par),
        require_signed_request_object: Some(form.require_jar),
        require_dpop: Some(form.require_dpop),
        subject_type: optional(&form.subject_type),
        sector_identifier_uri: Some(optional(&form.sector_identifier_uri)),
        token_exchange_from: Some(lines(&form.token_exchange_from)),
        id_token_encrypted_response_alg: Some(optional(&form.id_token_encrypted_response_alg)),
        id_token_encrypted_response_enc: Some(optional(&form.id_token_encrypted_response_enc)),
        userinfo_signed_response_alg: Some(optional(&form.userinfo_signed_response_alg)),
        userinfo_encrypted_response_alg: Some(optional(&form.userinfo_encrypted_response_alg)),
        userinfo_encrypted_response_enc: Some(optional(&form.userinfo_encrypted_response_enc)),
        ..ClientUpdate::default()
    }
}

/// An optional stored word as a select's value (empty: unset).
fn word(value: Option<impl std::fmt::Display>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A stored client as its edit form.
fn stored(client: &ClientRecord) -> (ClientForm, ClientFacts) {
    let form = ClientForm {
        client_id: client.client_id.clone(),
        name: client.name.clone().unwrap_or_default(),
        logo_uri: client.logo_uri.clone().unwrap_or_default(),
        public: client.public,
        redirect_uris: client.redirect_uris.join("\n"),
        post_logout_redirect_uris: client.post_logout_redirect_uris.join("\n"),
        grant_types: client.grant_types.iter().map(|g| g.as_str().to_string()).collect(),
        scopes: client.scopes.join(" "),
        consent: client.consent.as_str().to_string(),
        require_mfa: client.require_mfa,
        require_par: client.require_pushed_requests,
        require_jar: client.require_signed_request_object,
        require_dpop: client.require_dpop,
        subject_type: client.subject_type.as_str().to_string(),
        sector_identifier_uri: client.sector_identifier_uri.clone().unwrap_or_default(),
        token_exchange_from: client.token_exchange_from.join("\n"),
        id_token_encrypted_response_alg: word(client.id_token_encryption.map(|e| e.alg)),
        id_token_encrypted_response_enc: word(client.id_token_encryption.map(|e| e.enc)),
        userinfo_signed_response_alg: word(client.userinfo_signed_response_alg),
        userinfo_encrypted_response_alg: word(client.userinfo_encryption.map(|e| e.alg)),
        userinfo_encrypted_response_enc: word(client.userinfo_encryption.map(|e| e.enc)),
        token_endpoint_auth_method: client.token_endpoint_auth_method.as_str().to_string(),
        jwks_uri: client.jwks_uri.clone().unwrap_or_default(),
        version: client.version,
    };
    let facts = ClientFacts {
        created: when(client.created_at),
        updated: when(client.updated_at),
        has_secret: client.token_endpoint_auth_method.uses_secret(),
    };
    (form, facts)
}

/// The form again with the person's input and what is wrong with it;
/// nothing was written.
fn form_error(
    console: &Console,
    form: ClientForm,
    e: AdminError,
    facts: Option<ClientFacts>,
) -> HttpResponse {
    let (status, error) = match e {
        AdminError::Invalid { field, message } => {
            (StatusCode::BAD_REQUEST, FormError::new(on_form(field), message))
        }
        AdminError::Conflict(message) => (StatusCode::CONFLICT, FormError::new(Some("client_id"), message)),
        AdminError::Stale(_) => (StatusCode::CONFLICT, FormError::new(None, STALE)),
        other => return admin_error(console, &other),
    };
    form_page(console, status, form, error, facts, None)
}

fn form_page(
    console: &Console,
    status: StatusCode,
    form: ClientForm,
    error: FormError,
    facts: Option<ClientFacts>,
    notice: Option<&str>,
) -> HttpResponse {
    let page = ClientFormPage {
        nav: console.nav("clients"),
        ui: console.ui(),
        notice,
        form,
        error,
        facts,
        grant_types: GrantType::ALL
            .iter()
            .map(|g| GrantChoice { value: g.as_str(), label: grant_label(*g) })
            .collect(),
        auth_methods: ClientAuthMethod::ALL.iter().map(|m| m.as_str()).collect(),
        consent_modes: ConsentMode::ALL.iter().map(|c| c.as_str()).collect(),
        subject_types: SubjectType::ALL.iter().map(|t| t.as_str()).collect(),
        key_management_algs: KeyManagementAlg::ALL.iter().map(|a| a.as_str()).collect(),
        content_encryptions: ContentEncryption::ALL.iter().map(|e| e.as_str()).collect(),
        signing_algs: SigningAlg::ALL.iter().map(|a| a.as_str()).collect(),
    };
    html(status, &page)
}

/// How a grant type reads on the form: its word, but the URN grants by
/// what they do.
fn grant_label(grant: GrantType) -> &'static str {
    match grant {
        GrantType::DeviceCode => "Device code (RFC 8628)",
        GrantType::TokenExchange => "Token exchange (RFC 8693)",
        other => other.as_str(),
    }
}

/// The form's inputs, named as the admin operations name fields.
const FIELDS: [&str; 18] = [
    "client_id",
    "name",
    "logo_uri",
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "scopes",
    "consent",
    "token_endpoint_auth_method",
    "jwks_uri",
    "subject_type",
    "sector_identifier_uri",
    "token_exchange_from",
    "id_token_encrypted_response_alg",
    "id_token_encrypted_response_enc",
    "userinfo_signed_response_alg",
    "userinfo_encrypted_response_alg",
    "userinfo_encrypted_response_enc",
];

/// Where the form shows an error about `field`: next to its input, or
/// above the form when it has none.
fn on_form(field: Option<&'static str>) -> Option<&'static str> {
    match field {
        Some("jwks") => Some("jwks_uri"),
        Some(f) if FIELDS.contains(&f) => Some(f),
        _ => None,
    }
}

/// A client id as a path segment.
fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}
