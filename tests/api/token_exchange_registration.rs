//! Registering the clients that may use token exchange (RFC 8693) through
//! the admin API and the CLI: `token_exchange_from` lists the resources
//! (the APIs the client implements) whose access tokens it may exchange;
//! it needs the token-exchange grant, which public clients never get, and
//! its entries are resource indicators (RFC 8707 §2). A refused client or
//! change is not written.

use serde_json::{Value, json};

use crate::helpers::*;

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ORDERS: &str = "https://orders.example";
const STOCK: &str = "https://stock.example";

/// A confidential service client with the token-exchange grant.
fn service(client_id: &str, from: &[&str]) -> Value {
    json!({
        "client_id": client_id,
        "grant_types": ["client_credentials", GRANT],
        "token_exchange_from": from,
    })
}

backend_test!(a_service_with_the_grant_lists_the_apis_it_implements, |app| async move {
    app.with_api(ORDERS, &["orders:read"]).await;
    let api = app.admin_api().await;
    let created = api.post("/clients", service("orders-svc", &[ORDERS, ORDERS])).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["client"]["grant_types"], json!(["client_credentials", GRANT]));
    assert_eq!(created.json["client"]["token_exchange_from"], json!([ORDERS]), "de-duplicated");
    let read = api.get("/clients/orders-svc").await;
    assert_eq!(read.json["grant_types"], json!(["client_credentials", GRANT]));
    assert_eq!(read.json["token_exchange_from"], json!([ORDERS]), "stored");
    let stored = app.services.admin.find_client("orders-svc").await.expect("stored");
    assert_eq!(stored.token_exchange_from, [ORDERS]);

    // The grant alone is enough: tokens issued to the client itself may
    // always be exchanged. Other clients show an empty list.
    let alone = json!({"client_id": "alone", "grant_types": [GRANT]});
    let alone = api.post("/clients", alone).await;
    assert_eq!(alone.status, 201, "{}", alone.json);
    assert_eq!(alone.json["client"]["token_exchange_from"], json!([]));
    let web = json!({"client_id": "web", "redirect_uris": ["https://web.example/cb"]});
    assert_eq!(api.post("/clients", web).await.json["client"]["token_exchange_from"], json!([]));
});

backend_test!(the_list_needs_the_token_exchange_grant, |app| async move {
    let api = app.admin_api().await;
    let body = json!({
        "client_id": "no-grant",
        "grant_types": ["client_credentials"],
        "token_exchange_from": [ORDERS],
    });
    let answer = api.refused_client(&app, body, "token_exchange_from").await;
    let why = answer["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("needs the token-exchange grant") && why.contains(GRANT), "{why}");
    // The default grant (authorization_code) is not it either.
    let body = json!({
        "client_id": "web",
        "redirect_uris": ["https://web.example/cb"],
        "token_exchange_from": [ORDERS],
    });
    api.refused_client(&app, body, "token_exchange_from").await;
});

backend_test!(a_public_client_never_gets_the_grant, |app| async move {
    let api = app.admin_api().await;
    let body = json!({
        "client_id": "spa",
        "public": true,
        "redirect_uris": ["https://spa.example/cb"],
        "grant_types": ["authorization_code", GRANT],
    });
    let answer = api.refused_client(&app, body.clone(), "grant_types").await;
    let why = answer["error_description"].as_str().unwrap_or_default();
    assert!(why.contains("public client") && why.contains(GRANT), "names the grant: {why}");
    let mut with_list = body;
    with_list["token_exchange_from"] = json!([ORDERS]);
    api.refused_client(&app, with_list, "grant_types").await;
});

backend_test!(entries_are_resource_indicators, |app| async move {
    let api = app.admin_api().await;
    for bad in ["not a uri", "/relative", "https://orders.example/#fragment"] {
        let answer = api.refused_client(&app, service("svc", &[ORDERS, bad]), "token_exchange_from").await;
        let why = answer["error_description"].as_str().unwrap_or_default();
        assert!(why.contains("token_exchange_from") && why.contains("absolute URI"), "{bad}: {why}");
    }
    let urn = api.post("/clients", service("svc", &["urn:example:orders"])).await;
    assert_eq!(urn.status, 201, "any absolute URI, as for resources: {}", urn.json);
});

backend_test!(changes_are_checked_on_the_final_client, |app| async move {
    let api = app.admin_api().await;
    let created = api.post("/clients", service("svc", &[ORDERS])).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let etag = created.etag.expect("ETag");
    let before = app.audit_count().await;

    let ungranted = json!({"grant_types": ["client_credentials"]});
    let answer = api.patch("/clients/svc", ungranted.clone(), Some(&etag)).await;
    assert_eq!(api_error(&answer, 400), "invalid_request");
    assert_eq!(answer.json["field"], "token_exchange_from", "{}", answer.json);
    let bad = api.patch("/clients/svc", json!({"token_exchange_from": ["not a uri"]}), Some(&etag)).await;
    assert_eq!(bad.json["field"], "token_exchange_from", "{}", bad.json);
    let unchanged = api.get("/clients/svc").await;
    assert_eq!(unchanged.etag.as_deref(), Some(etag.as_str()), "nothing was changed");
    assert_eq!(unchanged.json["grant_types"], json!(["client_credentials", GRANT]));
    assert_eq!(unchanged.json["token_exchange_from"], json!([ORDERS]));
    assert_eq!(app.audit_count().await, before, "no audit record for refused input");

    // A PATCH replaces the list; the grant may go with an empty one.
    let replaced =
        api.patch("/clients/svc", json!({"token_exchange_from": [STOCK, ORDERS]}), Some(&etag)).await;
    assert_eq!(replaced.status, 200, "{}", replaced.json);
    assert_eq!(replaced.json["client"]["token_exchange_from"], json!([STOCK, ORDERS]));
    let etag = replaced.etag.expect("ETag");
    let mut both = ungranted;
    both["token_exchange_from"] = json!([]);
    let cleared = api.patch("/clients/svc", both, Some(&etag)).await;
    assert_eq!(cleared.status, 200, "{}", cleared.json);
    assert_eq!(cleared.json["client"]["grant_types"], json!(["client_credentials"]));
    assert_eq!(cleared.json["client"]["token_exchange_from"], json!([]));
});

#[test]
fn the_cli_allows_and_denies_token_exchange() {
    let cli = CliProcess::new("oxidp-token-exchange-cli-");
    let run = |args: &str| cli.run(&args.split_whitespace().collect::<Vec<_>>(), "");
    let json_of = |out: &std::process::Output| -> Value {
        assert_eq!(out.status.code(), Some(0), "{}", describe(out));
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let create = "client create --client-id svc --redirect-uri https://svc.example/cb --token-exchange allow";
    let created = json_of(&run(&format!("{create} --token-exchange-from {ORDERS} --json")));
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", GRANT]),
        "the default is kept: {created}"
    );
    assert_eq!(created["token_exchange_from"], json!([ORDERS]));
    let given = json_of(&run(
        "client create --client-id m2m --grant-type client_credentials --token-exchange allow --json",
    ));
    assert_eq!(given["grant_types"], json!(["client_credentials", GRANT]), "{given}");
    let text =
        run(&format!("client create --client-id svc2 --grant-type {GRANT} --token-exchange-from {STOCK}"));
    assert_eq!(text.status.code(), Some(0), "{}", describe(&text));
    assert!(
        String::from_utf8_lossy(&text.stdout).contains(&format!("token_exchange_from: {STOCK}")),
        "{}",
        describe(&text)
    );

    let ungranted = run(&format!(
        "client create --client-id nope --grant-type client_credentials --token-exchange-from {ORDERS}"
    ));
    assert_eq!(ungranted.status.code(), Some(2), "{}", describe(&ungranted));
    assert!(
        String::from_utf8_lossy(&ungranted.stderr).contains("token_exchange_from"),
        "{}",
        describe(&ungranted)
    );

    // Denying the grant while the list is set changes nothing.
    let denied = run("client update --client-id svc --token-exchange deny");
    assert_eq!(denied.status.code(), Some(2), "{}", describe(&denied));
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(stderr.contains("token_exchange_from needs the token-exchange grant"), "{stderr}");
    let listed = json_of(&run("client list --json"));
    let svc =
        listed.as_array().expect("array").iter().find(|c| c["client_id"] == "svc").expect("svc").clone();
    assert_eq!(
        (svc["grant_types"].clone(), svc["token_exchange_from"].clone()),
        (created["grant_types"].clone(), json!([ORDERS]))
    );
    let ids: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|c| c["client_id"].as_str()).collect();
    assert_eq!(ids, ["m2m", "svc", "svc2"], "nothing refused was written");

    let replaced =
        json_of(&run(&format!("client update --client-id svc --token-exchange-from {STOCK} --json")));
    assert_eq!(replaced["token_exchange_from"], json!([STOCK]), "the list is replaced");
    let both =
        json_of(&run("client update --client-id svc --token-exchange deny --no-token-exchange-from --json"));
    assert_eq!(
        (both["grant_types"].clone(), both["token_exchange_from"].clone()),
        (json!(["authorization_code"]), json!([]))
    );
    let again = json_of(&run("client update --client-id svc --token-exchange allow --json"));
    assert_eq!(again["grant_types"], json!(["authorization_code", GRANT]), "{again}");
    let odd = run("client update --client-id svc --token-exchange maybe");
    assert_eq!(odd.status.code(), Some(2), "allow or deny only: {}", describe(&odd));
}
