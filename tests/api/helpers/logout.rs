//! RP-Initiated Logout from a test browser, and a back-channel logout
//! receiver on loopback that records the logout tokens it is sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

use super::browser::{Browser, parse_inputs};
use super::jwt::decode_jwt;

impl Browser {
    /// `GET /logout` with these parameters.
    pub async fn logout(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.client.get(self.url("/logout")).query(params).send().await.expect("GET /logout")
    }

    /// Answers the confirmation page `html` with its own fields.
    pub async fn confirm_logout(&self, html: &str) -> reqwest::Response {
        let fields: Vec<(String, String)> = parse_inputs(html)
            .into_iter()
            .filter_map(|input| {
                Some((input.get("name")?.clone(), input.get("value").cloned().unwrap_or_default()))
            })
            .collect();
        assert!(fields.iter().any(|(name, _)| name == "csrf_token"), "no CSRF token on the page: {html}");
        self.client
            .post(self.url("/logout/confirm"))
            .form(&fields)
            .send()
            .await
            .expect("POST /logout/confirm")
    }
}

/// A client's `backchannel_logout_uri`: records each `logout_token`.
pub struct LogoutReceiver {
    pub uri: String,
    tokens: Arc<Mutex<Vec<String>>>,
    handle: actix_web::dev::ServerHandle,
}

impl LogoutReceiver {
    pub async fn start() -> LogoutReceiver {
        let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = tokens.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            let seen = seen.clone();
            App::new().route(
                "/backchannel",
                web::post().to(move |form: web::Form<Vec<(String, String)>>| {
                    let seen = seen.clone();
                    async move {
                        for (name, value) in form.into_inner() {
                            if name == "logout_token" {
                                seen.lock().unwrap().push(value);
                            }
                        }
                        HttpResponse::Ok().finish()
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        LogoutReceiver { uri: format!("http://127.0.0.1:{port}/backchannel"), tokens, handle }
    }

    /// The tokens received so far.
    pub fn tokens(&self) -> Vec<String> {
        self.tokens.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for the logout token of session `sid` and returns
    /// its claims. Tokens for other sessions are passed over: a server of
    /// another test may still be retrying a delivery to a port this
    /// receiver now holds.
    pub async fn wait_for_sid(&self, sid: &str) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.tokens().iter().map(|t| decode_jwt(t).claims).find(|c| c["sid"] == sid);
            if let Some(claims) = found {
                return claims;
            }
            assert!(tokio::time::Instant::now() < deadline, "no logout token for session {sid}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (up to 10 s) until `count` tokens arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let tokens = self.tokens();
            if tokens.len() >= count {
                return tokens;
            }
            assert!(tokio::time::Instant::now() < deadline, "only {} logout tokens arrived", tokens.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for LogoutReceiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}
