//! askama page templates, one struct per page (templates/).

use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    /// Where the form posts: the login prompt, or the account page's sign-in.
    pub action: &'a str,
    /// What signing in continues to (the client's display name).
    pub continue_to: &'a str,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Offer "Create an account" (`accounts.registration`).
    pub registration: bool,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub client_name: &'a str,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    /// Each scope with what it means in plain words (itself when unknown).
    pub scopes: Vec<(&'a str, &'a str)>,
}

/// The user-code form (RFC 8628 §3.3).
#[derive(Template)]
#[template(path = "device.html")]
pub struct DevicePage<'a> {
    pub csrf_token: &'a str,
    pub user_code: &'a str,
    /// The code came with the link: ask the user to compare it (§5.4).
    pub confirm: bool,
    pub error: Option<&'a str>,
}

/// "Allow this device?"
#[derive(Template)]
#[template(path = "device_approve.html")]
pub struct DeviceApprovePage<'a> {
    pub client_name: &'a str,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub scopes: Vec<(&'a str, &'a str)>,
    pub user_code: &'a str,
    pub username: &'a str,
}

#[derive(Template)]
#[template(path = "device_done.html")]
pub struct DeviceDonePage<'a> {
    pub approved: bool,
    pub client_name: &'a str,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub csrf_token: &'a str,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    pub sessions: Vec<SessionRow>,
    pub apps: Vec<AppRow>,
    pub min_password: usize,
}

/// One session as the account page lists it.
pub struct SessionRow {
    pub sid: String,
    pub device: String,
    pub ip: String,
    pub last_seen: String,
    pub signed_in: String,
    pub current: bool,
}

/// One app the user consented to.
pub struct AppRow {
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub error: &'a str,
    pub description: &'a str,
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
pub struct LogoutConfirmPage<'a> {
    pub client_name: Option<&'a str>,
    pub csrf_token: &'a str,
    /// The end-session parameters, posted back with the answer.
    pub fields: Vec<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
pub struct LoggedOutPage<'a> {
    pub client_name: Option<&'a str>,
    pub redirect: Option<&'a str>,
    pub frontchannel: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_user_input() {
        let page = LoginPage {
            action: "/login",
            continue_to: "app",
            challenge: "c",
            csrf_token: "t",
            username: "<script>",
            error: Some("Invalid username or password."),
            registration: false,
        };
        let html = page.render().unwrap();
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"name="challenge" value="c""#));
        assert!(html.contains(r#"name="csrf_token" value="t""#));
    }

    #[test]
    fn the_logged_out_page_frames_each_frontchannel_url_and_escapes_it() {
        let frames = ["https://a.example/fc?iss=x&sid=\"s\"".to_string()];
        let page = LoggedOutPage {
            client_name: Some("App"),
            redirect: Some("https://a.example/bye"),
            frontchannel: &frames,
        };
        let html = page.render().unwrap();
        assert_eq!(html.matches("<iframe").count(), 1);
        assert!(html.contains("&#34;s&#34;") || html.contains("&quot;s&quot;"), "{html}");
        assert!(
            html.contains(r#"content="2;url=https://a.example/bye""#) || html.contains("url=https:&#x2f;"),
            "{html}"
        );
    }
}

/// The auto-submitting form of the Form Post Response Mode (§2).
#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage<'a> {
    /// The client's redirect URI.
    pub action: &'a str,
    pub fields: Vec<(&'a str, &'a str)>,
    /// The inline script, allowed by its hash in the page's CSP.
    pub script: &'a str,
}
