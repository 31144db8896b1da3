//! Row mapping of clients: checked words and lists, old exports.

use super::*;

/// `subject_type` round-trips; a stored word outside the vocabulary
/// is `Corrupt`, as for the other word columns.
#[test]
fn subject_type_is_a_checked_word() {
    let pairwise = ClientRecord {
        subject_type: SubjectType::Pairwise,
        sector_identifier_uri: Some("https://app.example/sector.json".into()),
        ..ClientRecord::default()
    };
    let row = ClientRow::try_from(&pairwise).expect("row");
    assert_eq!(row.subject_type, "pairwise");
    assert_eq!(ClientRecord::try_from(row).expect("record"), pairwise);
    let mut row = ClientRow::try_from(&pairwise).expect("row");
    row.subject_type = "secret".into();
    let err = ClientRecord::try_from(row).expect_err("not a subject type");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

/// Exports made before pairwise subjects existed import as public.
#[test]
fn old_exports_read_as_public() {
    let mut json =
        serde_json::to_value(ClientRow::try_from(&ClientRecord::default()).expect("row")).expect("json");
    let members = json.as_object_mut().expect("object");
    members.remove("subject_type");
    members.remove("sector_identifier_uri");
    let row: ClientRow = serde_json::from_value(json).expect("old export");
    let record = ClientRecord::try_from(row).expect("record");
    assert_eq!((record.subject_type, record.sector_identifier_uri), (SubjectType::Public, None));
}

/// `token_exchange_from` round-trips as a JSON list like `resources`;
/// a stored value that is not one is `Corrupt`; exports made before it
/// existed import with an empty list.
#[test]
fn token_exchange_from_is_a_checked_list() {
    let service = ClientRecord {
        token_exchange_from: vec!["https://orders.example".into(), "urn:api:\"é\"".into()],
        ..ClientRecord::default()
    };
    let row = ClientRow::try_from(&service).expect("row");
    assert_eq!(row.token_exchange_from, r#"["https://orders.example","urn:api:\"é\""]"#);
    assert_eq!(ClientRecord::try_from(row).expect("record"), service);
    let mut row = ClientRow::try_from(&service).expect("row");
    row.token_exchange_from = "https://orders.example".into();
    let err = ClientRecord::try_from(row).expect_err("not a JSON list");
    assert!(matches!(err, StoreError::Corrupt(ref why) if why.contains("token_exchange_from")), "{err:?}");
    let mut json = serde_json::to_value(ClientRow::try_from(&service).expect("row")).expect("json");
    json.as_object_mut().expect("object").remove("token_exchange_from");
    let row: ClientRow = serde_json::from_value(json).expect("old export");
    assert_eq!(ClientRecord::try_from(row).expect("record").token_exchange_from, Vec::<String>::new());
}

/// Response encryption and UserInfo signing (OIDC Registration §2)
/// round-trip as their words; a stored word outside a vocabulary, or an
/// `enc` without its `alg`, is `Corrupt`; exports made before the columns
/// existed import with none set.
#[test]
fn response_encryption_is_checked_words() {
    use crate::jose::SigningAlg;
    let client = ClientRecord {
        id_token_encryption: Some(Encryption {
            alg: KeyManagementAlg::RsaOaep256,
            enc: ContentEncryption::A256Gcm,
        }),
        userinfo_signed_response_alg: Some(SigningAlg::Es256),
        userinfo_encryption: Some(Encryption {
            alg: KeyManagementAlg::EcdhEsA256kw,
            enc: ContentEncryption::A128CbcHs256,
        }),
        ..ClientRecord::default()
    };
    let row = ClientRow::try_from(&client).expect("row");
    assert_eq!(
        [
            row.id_token_encrypted_response_alg.as_deref(),
            row.id_token_encrypted_response_enc.as_deref(),
            row.userinfo_signed_response_alg.as_deref(),
            row.userinfo_encrypted_response_alg.as_deref(),
            row.userinfo_encrypted_response_enc.as_deref(),
        ],
        [Some("RSA-OAEP-256"), Some("A256GCM"), Some("ES256"), Some("ECDH-ES+A256KW"), Some("A128CBC-HS256")]
    );
    assert_eq!(ClientRecord::try_from(row).expect("record"), client);
    let corruptions: [fn(&mut ClientRow); 4] = [
        |r| r.id_token_encrypted_response_alg = Some("RSA1_5".into()),
        |r| r.userinfo_encrypted_response_enc = Some("A128GCM".into()),
        |r| r.userinfo_signed_response_alg = Some("none".into()),
        |r| r.id_token_encrypted_response_alg = None,
    ];
    for corrupt in corruptions {
        let mut row = ClientRow::try_from(&client).expect("row");
        corrupt(&mut row);
        let err = ClientRecord::try_from(row).expect_err("not a stored setting");
        assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    }
    let mut json = serde_json::to_value(ClientRow::try_from(&client).expect("row")).expect("json");
    let members = json.as_object_mut().expect("object");
    for member in [
        "id_token_encrypted_response_alg",
        "id_token_encrypted_response_enc",
        "userinfo_signed_response_alg",
        "userinfo_encrypted_response_alg",
        "userinfo_encrypted_response_enc",
    ] {
        members.remove(member).expect("exported");
    }
    let row: ClientRow = serde_json::from_value(json).expect("old export");
    let record = ClientRecord::try_from(row).expect("record");
    assert_eq!(
        (record.id_token_encryption, record.userinfo_signed_response_alg, record.userinfo_encryption),
        (None, None, None)
    );
}
