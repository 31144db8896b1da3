//! Registering pairwise clients (OpenID Connect Core §8.1, Registration
//! §2 and §5) through the admin API and the CLI: a pairwise client needs
//! one redirect host or a `sector_identifier_uri` whose document lists
//! every redirect URI; a refused client is not written.

use serde_json::{Value, json};

use crate::helpers::*;

const ONE_HOST: [&str; 2] = ["https://app.example.com/cb", "https://app.example.com/cb2"];
const TWO_HOSTS: [&str; 2] = ["https://www.example.com/cb", "https://m.example.org/cb"];

fn pairwise(client_id: &str, redirect_uris: &[&str]) -> Value {
    json!({
        "client_id": client_id,
        "redirect_uris": redirect_uris,
        "subject_type": "pairwise",
    })
}

fn with_sector(mut client: Value, uri: &str) -> Value {
    client["sector_identifier_uri"] = json!(uri);
    client
}

/// A URL on a loopback server answering every request with `uris` as the
/// sector identifier document.
async fn sector_document(uris: &[&str]) -> String {
    serve_once_per_request(json!(uris).to_string()).await
}

/// A loopback URL nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}/sector.json")
}

backend_test!(a_pairwise_client_on_one_host_needs_no_sector_document, |app| async move {
    let api = app.admin_api().await;
    let created = api.post("/clients", pairwise("one-host", &ONE_HOST)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["subject_type"], "pairwise");
    assert_eq!(created.json["client"]["sector_identifier_uri"], Value::Null);
    let read = api.get("/clients/one-host").await;
    assert_eq!(read.json["subject_type"], "pairwise");

    let public = api.post("/clients", json!({"client_id": "plain", "redirect_uris": TWO_HOSTS})).await;
    assert_eq!(public.status, 201, "{}", public.json);
    assert_eq!(public.json["client"]["subject_type"], "public", "public is the default");
    let bad_word = json!({"client_id": "odd", "redirect_uris": ONE_HOST, "subject_type": "secret"});
    api.refused_client(&app, bad_word, "subject_type").await;
});

backend_test!(a_pairwise_client_on_two_hosts_needs_a_sector_document, |app| async move {
    let api = app.admin_api().await;
    let body = api.refused_client(&app, pairwise("two-hosts", &TWO_HOSTS), "subject_type").await;
    let why = body["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("sector_identifier_uri"), "says what is missing: {why}");

    let listing_both = sector_document(&TWO_HOSTS).await;
    let created = api.post("/clients", with_sector(pairwise("two-hosts", &TWO_HOSTS), &listing_both)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["subject_type"], "pairwise");
    assert_eq!(created.json["client"]["sector_identifier_uri"], listing_both.as_str());
    let read = api.get("/clients/two-hosts").await;
    assert_eq!(read.json["sector_identifier_uri"], listing_both.as_str());
});

backend_test!(a_sector_document_must_list_every_redirect_uri, |app| async move {
    let api = app.admin_api().await;
    let missing_one = sector_document(&TWO_HOSTS[..1]).await;
    let body = with_sector(pairwise("partial", &TWO_HOSTS), &missing_one);
    let answer = api.refused_client(&app, body, "sector_identifier_uri").await;
    let why = answer["error_description"].as_str().unwrap_or_default();
    assert!(why.contains(TWO_HOSTS[1]), "names the redirect URI left out: {why}");

    let not_a_list = serve_once_per_request(json!({"redirect_uris": TWO_HOSTS}).to_string()).await;
    let body = with_sector(pairwise("partial", &TWO_HOSTS), &not_a_list);
    api.refused_client(&app, body, "sector_identifier_uri").await;
});

backend_test!(a_sector_document_is_for_pairwise_clients_only, |app| async move {
    let api = app.admin_api().await;
    let listing_both = sector_document(&TWO_HOSTS).await;
    let public = json!({
        "client_id": "public-sector",
        "redirect_uris": TWO_HOSTS,
        "subject_type": "public",
        "sector_identifier_uri": listing_both,
    });
    let answer = api.refused_client(&app, public, "sector_identifier_uri").await;
    let why = answer["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("only used by pairwise clients"), "{why}");
    let defaulted = json!({"client_id": "public-sector", "redirect_uris": TWO_HOSTS, "sector_identifier_uri": listing_both});
    api.refused_client(&app, defaulted, "sector_identifier_uri").await;
    let insecure = with_sector(pairwise("insecure", &TWO_HOSTS), "http://sector.example.com/s.json");
    api.refused_client(&app, insecure, "sector_identifier_uri").await;
});

backend_test!(an_unreachable_sector_document_refuses_the_client, |app| async move {
    let api = app.admin_api().await;
    let closed = closed_port_url().await;
    let body = with_sector(pairwise("unreachable", &TWO_HOSTS), &closed);
    let answer = api.refused_client(&app, body, "sector_identifier_uri").await;
    let why = answer["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("cannot read"), "{why}");
});

backend_test!(updates_are_checked_on_the_final_client, |app| async move {
    let api = app.admin_api().await;
    let created = api.post("/clients", pairwise("shop", &ONE_HOST)).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let etag = created.etag.expect("ETag");
    let before = app.audit_count().await;

    // A second redirect host needs a sector document.
    let spread = api.patch("/clients/shop", json!({"redirect_uris": TWO_HOSTS}), Some(&etag)).await;
    assert_eq!(api_error(&spread, 400), "invalid_request");
    assert_eq!(spread.json["field"], "subject_type", "{}", spread.json);
    let missing_one = sector_document(&TWO_HOSTS[..1]).await;
    let partial = json!({"redirect_uris": TWO_HOSTS, "sector_identifier_uri": missing_one});
    let partial = api.patch("/clients/shop", partial, Some(&etag)).await;
    assert_eq!(partial.json["field"], "sector_identifier_uri", "{}", partial.json);
    let unchanged = api.get("/clients/shop").await;
    assert_eq!(unchanged.etag.as_deref(), Some(etag.as_str()), "nothing was changed");
    assert_eq!(unchanged.json["redirect_uris"], json!(ONE_HOST));
    assert_eq!(app.audit_count().await, before, "no audit record for refused input");

    let listing_both = sector_document(&TWO_HOSTS).await;
    let both = json!({"redirect_uris": TWO_HOSTS, "sector_identifier_uri": listing_both});
    let changed = api.patch("/clients/shop", both, Some(&etag)).await;
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_eq!(changed.json["client"]["sector_identifier_uri"], listing_both.as_str());
    let etag = changed.etag.expect("ETag");

    // Public again: the sector document has to go too.
    let public = api.patch("/clients/shop", json!({"subject_type": "public"}), Some(&etag)).await;
    assert_eq!(public.json["field"], "sector_identifier_uri", "{}", public.json);
    let public = json!({"subject_type": "public", "sector_identifier_uri": null});
    let public = api.patch("/clients/shop", public, Some(&etag)).await;
    assert_eq!(public.status, 200, "{}", public.json);
    assert_eq!(public.json["client"]["subject_type"], "public");
    assert_eq!(public.json["client"]["sector_identifier_uri"], Value::Null);
});

#[test]
fn the_cli_registers_pairwise_clients_and_refuses_them_without_a_sector() {
    let cli = CliProcess::new("oxidp-pairwise-cli-");
    let run = |args: &str| cli.run(&args.split_whitespace().collect::<Vec<_>>(), "");
    let [one_host, two_hosts] = [ONE_HOST[0], TWO_HOSTS[0]];
    let one = run(&format!(
        "client create --client-id one --subject-type pairwise --redirect-uri {one_host} --json"
    ));
    assert_eq!(one.status.code(), Some(0), "{}", describe(&one));
    let created: Value = serde_json::from_slice(&one.stdout).expect("JSON");
    assert_eq!(created["subject_type"], "pairwise", "{created}");

    let two = format!(
        "client create --client-id two --subject-type pairwise --redirect-uri {two_hosts} --redirect-uri {}",
        TWO_HOSTS[1]
    );
    let two = run(&two);
    assert_eq!(two.status.code(), Some(2), "{}", describe(&two));
    let stderr = String::from_utf8_lossy(&two.stderr);
    assert!(stderr.contains("sector_identifier_uri"), "says what is missing: {stderr}");
    let odd = run(&format!("client create --client-id odd --subject-type secret --redirect-uri {one_host}"));
    assert_eq!(odd.status.code(), Some(2), "only the vocabulary's words: {}", describe(&odd));

    let listed = run("client list --json");
    assert_eq!(listed.status.code(), Some(0), "{}", describe(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let ids: Vec<&str> =
        listed.as_array().expect("array").iter().filter_map(|c| c["client_id"].as_str()).collect();
    assert_eq!(ids, ["one"], "nothing refused was written");

    let public = run("client update --client-id one --subject-type public --json");
    assert_eq!(public.status.code(), Some(0), "{}", describe(&public));
    let updated: Value = serde_json::from_slice(&public.stdout).expect("JSON");
    assert_eq!(updated["subject_type"], "public", "{updated}");
}
