//! `/admin/keys`: the signing key set (public facts only) and rotation.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};

use crate::clock::Clock;
use crate::flows::admin::Admin;
use crate::jose::SigningAlg;
use crate::protocol::key_lifecycle::Rotation;
use crate::web::Site;
use crate::web::admin_console::views::{KeyRow, KeysPage, MessagePage};
use crate::web::admin_console::{Console, Done, admin_error, done, html, notice, refused, when};

const NOTICES: [(&str, &str); 1] = [("rotated", "The keys were rotated.")];

pub async fn keys_get(console: Console, admin: Data<Admin>, query: Query<Done>) -> HttpResponse {
    let keys = match admin.list_keys().await {
        Ok(keys) => keys,
        Err(e) => return admin_error(&console, &e),
    };
    let mut algorithms: Vec<String> = keys.iter().map(|k| k.alg.to_string()).collect();
    algorithms.sort();
    algorithms.dedup();
    let keys = keys
        .into_iter()
        .map(|k| KeyRow {
            kid: k.kid,
            alg: k.alg.to_string(),
            state: k.state.to_string(),
            created: when(k.created_at),
            signs_from: when(k.signs_from),
            retired: k.retired_at.map(when).unwrap_or_default(),
        })
        .collect();
    let page = KeysPage {
        nav: console.nav("keys"),
        ui: console.ui(),
        notice: notice(query.done.as_deref(), &NOTICES),
        keys,
        algorithms,
    };
    html(StatusCode::OK, &page)
}

pub async fn rotate_post(
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
    let alg = match params.get("alg").filter(|a| !a.is_empty()).map(str::parse::<SigningAlg>).transpose() {
        Ok(alg) => alg,
        Err(e) => {
            return admin_error(
                &console,
                &crate::flows::admin::AdminError::invalid_field("alg", e.to_string()),
            );
        }
    };
    let force = params.get("force") == Some("yes");
    let now = clock.now();
    match admin.rotate_keys(&console.actor(), alg, force, now).await {
        Ok(outcomes) => {
            let waiting: Vec<String> = outcomes
                .iter()
                .filter_map(|(alg, r)| match r {
                    Rotation::NotYet { signs_from } => {
                        Some(format!("{alg}: the next key may sign from {}", when(*signs_from)))
                    }
                    Rotation::Rotated { .. } => None,
                })
                .collect();
            if waiting.is_empty() {
                return done("/admin/keys", "rotated");
            }
            let message = format!(
                "Not rotated yet, so that cached key sets can pick up the next key first ({}). Rotate with \"force\" to do it anyway.",
                waiting.join("; ")
            );
            let page = MessagePage {
                nav: console.nav("keys"),
                ui: console.ui(),
                title: "Not rotated yet",
                message: &message,
                back: "/admin/keys",
            };
            html(StatusCode::CONFLICT, &page)
        }
        Err(e) => admin_error(&console, &e),
    }
}
