//! A cookie-keeping user agent that never follows redirects, plus parsers for
//! the login page, redirects and `Set-Cookie` headers.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{LOCATION, SET_COOKIE};

use super::oauth::{AuthRequest, TestUser};

pub const CSRF_COOKIE: &str = "oxidp_csrf";
pub const SESSION_COOKIE: &str = "oxidp_session";

/// reqwest with a cookie jar and `redirect::Policy::none()`.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build browser");
        Browser { client, jar, base: base.to_string() }
    }

    /// The same cookie jar, pointed at another server (cookies are per host,
    /// not per port, so they are shared with every port on 127.0.0.1).
    pub fn at(&self, base: &str) -> Browser {
        Browser { client: self.client.clone(), jar: self.jar.clone(), base: base.to_string() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The value of cookie `name` the jar would send to this server.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(&self.base).expect("base url");
        let header = self.jar.cookies(&url)?;
        let header = header.to_str().ok()?.to_string();
        header.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    pub async fn get_authorize(&self, params: &[(String, String)]) -> reqwest::Response {
        self.client.get(self.url("/authorize")).query(params).send().await.expect("GET /authorize")
    }

    pub async fn post_authorize(&self, params: &[(String, String)]) -> reqwest::Response {
        self.client.post(self.url("/authorize")).form(params).send().await.expect("POST /authorize")
    }

    pub async fn authorize(&self, req: &AuthRequest) -> reqwest::Response {
        self.get_authorize(&req.params()).await
    }

    /// GET /authorize, asserting that the login page comes back.
    pub async fn login_page(&self, req: &AuthRequest) -> LoginForm {
        let resp = self.authorize(req).await;
        LoginForm::from_response(resp).await
    }

    /// POSTs the login form with the given credentials.
    pub async fn submit_login(&self, form: &LoginForm, username: &str, password: &str) -> reqwest::Response {
        self.post_login(&[
            ("challenge", form.challenge.as_str()),
            ("csrf_token", form.csrf_token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .await
    }

    pub async fn post_login(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url("/login")).form(fields).send().await.expect("POST /login")
    }

    /// authorize → login page → POST /login → 303 back to the client.
    pub async fn authorize_and_login(&self, req: &AuthRequest, user: &TestUser) -> Callback {
        let form = self.login_page(req).await;
        let resp = self.submit_login(&form, &user.username(), &user.password).await;
        assert_eq!(resp.status(), 303, "login should answer 303 See Other");
        Callback::from_redirect(&resp, &req.redirect_uri)
    }

    /// A code for `req`: through the login form the first time, then via
    /// the SSO session this browser already holds.
    pub async fn code_for(&self, req: &AuthRequest, user: &TestUser) -> Callback {
        if self.cookie(SESSION_COOKIE).is_some() {
            self.authorize_with_session(req).await
        } else {
            self.authorize_and_login(req, user).await
        }
    }

    /// GET /authorize expecting an immediate redirect with a code (SSO).
    pub async fn authorize_with_session(&self, req: &AuthRequest) -> Callback {
        let resp = self.authorize(req).await;
        assert_eq!(resp.status(), 302, "expected a direct redirect with a code (SSO session)");
        Callback::from_redirect(&resp, &req.redirect_uri)
    }
}

/// The hidden fields of the login page.
#[derive(Clone, Debug)]
pub struct LoginForm {
    pub challenge: String,
    pub csrf_token: String,
}

impl LoginForm {
    /// Asserts a 200 HTML login page and parses it.
    pub async fn from_response(resp: reqwest::Response) -> LoginForm {
        let status = resp.status();
        let location = header(&resp, LOCATION);
        let body = resp.text().await.expect("login page body");
        assert_eq!(status, 200, "expected the login page, got {status} (Location: {location:?}): {body}");
        LoginForm::parse(&body)
    }

    pub fn parse(html: &str) -> LoginForm {
        let inputs = parse_inputs(html);
        let value = |name: &str| {
            inputs
                .iter()
                .find(|i| i.get("name").map(String::as_str) == Some(name))
                .and_then(|i| i.get("value").cloned())
                .unwrap_or_else(|| panic!("login page has no `{name}` input with a value:\n{html}"))
        };
        LoginForm { challenge: value("challenge"), csrf_token: value("csrf_token") }
    }
}

/// The attributes of every `<input>` tag in `html`.
pub fn parse_inputs(html: &str) -> Vec<HashMap<String, String>> {
    let mut out = vec![];
    let mut rest = html;
    while let Some(start) = rest.find("<input") {
        let tag = &rest[start + "<input".len()..];
        let end = tag.find('>').unwrap_or(tag.len());
        out.push(parse_attributes(&tag[..end]));
        rest = &tag[end..];
    }
    out
}

fn parse_attributes(tag: &str) -> HashMap<String, String> {
    let mut attrs = HashMap::new();
    let mut chars = tag.trim_end_matches('/').char_indices().peekable();
    let s = tag.trim_end_matches('/');
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut j = i;
        while let Some(&(k, c2)) = chars.peek() {
            if c2 == '=' || c2.is_whitespace() {
                break;
            }
            j = k;
            chars.next();
        }
        let name = s[i..=j].to_ascii_lowercase();
        if let Some(&(_, '=')) = chars.peek() {
            chars.next();
            let quote = match chars.peek() {
                Some(&(_, q)) if q == '"' || q == '\'' => {
                    chars.next();
                    Some(q)
                }
                _ => None,
            };
            let mut value = String::new();
            for (_, c3) in chars.by_ref() {
                match quote {
                    Some(q) if c3 == q => break,
                    None if c3.is_whitespace() => break,
                    _ => value.push(c3),
                }
            }
            attrs.insert(name, decode_entities(&value));
        } else {
            attrs.insert(name, String::new());
        }
    }
    attrs
}

/// Decodes the HTML character references an escaper produces.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The query of a redirect back to the client.
#[derive(Clone, Debug)]
pub struct Callback {
    pub code: String,
    pub state: Option<String>,
    pub iss: Option<String>,
}

impl Callback {
    /// Parses a redirect carrying `code`, asserting it targets `redirect_uri`.
    pub fn from_redirect(resp: &reqwest::Response, redirect_uri: &str) -> Callback {
        let url = redirect_target(resp, redirect_uri);
        let params = query_map(&url);
        let code = params.get("code").cloned().unwrap_or_else(|| panic!("redirect carries no code: {url}"));
        Callback { state: params.get("state").cloned(), iss: params.get("iss").cloned(), code }
    }
}

/// The `Location` of a redirect, asserting that it starts with `redirect_uri`
/// followed by a query.
pub fn redirect_target(resp: &reqwest::Response, redirect_uri: &str) -> url::Url {
    let location =
        header(resp, LOCATION).unwrap_or_else(|| panic!("no Location header (status {})", resp.status()));
    let url = url::Url::parse(&location)
        .unwrap_or_else(|e| panic!("Location is not an absolute URL ({e}): {location}"));
    let mut base = url.clone();
    base.set_query(None);
    assert_eq!(
        base.as_str(),
        url::Url::parse(redirect_uri).expect("redirect_uri").as_str(),
        "redirect goes somewhere else: {location}"
    );
    url
}

/// Query parameters of `url` (last one wins).
pub fn query_map(url: &url::Url) -> HashMap<String, String> {
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    resp.headers().get(name).map(|v| v.to_str().expect("ASCII header").to_string())
}

/// One parsed `Set-Cookie` header.
#[derive(Clone, Debug)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Lower-cased attribute names mapped to their values ("" for flags).
    pub attrs: HashMap<String, String>,
    pub raw: String,
}

impl SetCookie {
    pub fn has(&self, attr: &str) -> bool {
        self.attrs.contains_key(&attr.to_ascii_lowercase())
    }

    pub fn attr(&self, attr: &str) -> Option<&str> {
        self.attrs.get(&attr.to_ascii_lowercase()).map(String::as_str)
    }

    /// True when the header deletes the cookie (empty value or Max-Age=0).
    pub fn is_removal(&self) -> bool {
        self.value.is_empty() || self.attr("max-age") == Some("0")
    }
}

pub fn set_cookies(resp: &reqwest::Response) -> Vec<SetCookie> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| parse_set_cookie(v.to_str().expect("ASCII Set-Cookie")))
        .collect()
}

/// The `Set-Cookie` header for `name` that sets a value, if any.
pub fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<SetCookie> {
    set_cookies(resp).into_iter().find(|c| c.name == name && !c.is_removal())
}

pub fn parse_set_cookie(raw: &str) -> SetCookie {
    let mut parts = raw.split(';');
    let (name, value) = parts
        .next()
        .and_then(|p| p.trim().split_once('='))
        .unwrap_or_else(|| panic!("malformed Set-Cookie: {raw}"));
    let attrs = parts
        .map(|p| {
            let p = p.trim();
            match p.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                None => (p.to_ascii_lowercase(), String::new()),
            }
        })
        .collect();
    SetCookie {
        name: name.trim().to_string(),
        value: value.trim().trim_matches('"').to_string(),
        attrs,
        raw: raw.to_string(),
    }
}
