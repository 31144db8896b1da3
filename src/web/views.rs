//! askama page templates, one struct per page (templates/).

use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub client_id: &'a str,
    pub challenge: &'a str,
    pub csrf_token: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub error: &'a str,
    pub description: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_page_escapes_user_input() {
        let page = LoginPage {
            client_id: "app",
            challenge: "c",
            csrf_token: "t",
            username: "<script>",
            error: Some("Invalid username or password."),
        };
        let html = page.render().unwrap();
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"name="challenge" value="c""#));
        assert!(html.contains(r#"name="csrf_token" value="t""#));
    }
}
