//! The one portable diesel schema for both backends: only `Text`, `BigInt`,
//! `Bool` and their `Nullable` forms, so every query runs through
//! `AnyConnection` unchanged. Keep in step with `migrations/{sqlite,postgres}`.

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        email -> Nullable<Text>,
        email_verified -> Bool,
        name -> Nullable<Text>,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
        verify_before_login -> Bool,
        profile -> Text,
    }
}

diesel::table! {
    account_links (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        user_id -> Text,
        bound_to -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    clients (client_id) {
        client_id -> Text,
        secret_hash -> Nullable<Text>,
        public -> Bool,
        redirect_uris -> Text,
        post_logout_redirect_uris -> Text,
        grant_types -> Text,
        scopes -> Text,
        token_endpoint_auth_method -> Text,
        jwks -> Nullable<Text>,
        jwks_uri -> Nullable<Text>,
        resources -> Text,
        access_token_ttl -> Nullable<BigInt>,
        refresh_token_idle_ttl -> Nullable<BigInt>,
        refresh_token_absolute_ttl -> Nullable<BigInt>,
        id_token_signed_response_alg -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        name -> Nullable<Text>,
        backchannel_logout_uri -> Nullable<Text>,
        backchannel_logout_session_required -> Bool,
        frontchannel_logout_uri -> Nullable<Text>,
        frontchannel_logout_session_required -> Bool,
        consent -> Text,
        web_origins -> Text,
        pkce -> Text,
        refresh_reuse_leeway -> BigInt,
        role_claim -> Nullable<Text>,
        version -> BigInt,
        require_mfa -> Bool,
        logo_uri -> Nullable<Text>,
        require_par -> Bool,
        require_jar -> Bool,
        require_dpop -> Bool,
        subject_type -> Text,
        sector_identifier_uri -> Nullable<Text>,
        token_exchange_from -> Text,
        id_token_encrypted_response_alg -> Nullable<Text>,
        id_token_encrypted_response_enc -> Nullable<Text>,
        userinfo_signed_response_alg -> Nullable<Text>,
        userinfo_encrypted_response_alg -> Nullable<Text>,
        userinfo_encrypted_response_enc -> Nullable<Text>,
    }
}

diesel::table! {
    resources (identifier) {
        identifier -> Text,
        secret_hash -> Nullable<Text>,
        jwks -> Nullable<Text>,
        scopes -> Text,
        access_token_ttl -> Nullable<BigInt>,
        signing_alg -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        access_token_encrypted_response_alg -> Nullable<Text>,
        access_token_encrypted_response_enc -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        token_hash -> Text,
        family_id -> Text,
        client_id -> Text,
        user_id -> Text,
        scope -> Text,
        sid -> Nullable<Text>,
        auth_time -> BigInt,
        access_token_jti -> Nullable<Text>,
        access_token_exp -> Nullable<BigInt>,
        created_at -> BigInt,
        expires_at -> BigInt,
        family_expires_at -> BigInt,
        rotated_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        offline -> Bool,
        resources -> Text,
        dpop_jkt -> Nullable<Text>,
        requested_claims -> Nullable<Text>,
    }
}

diesel::table! {
    consents (user_id, client_id) {
        user_id -> Text,
        client_id -> Text,
        scopes -> Text,
        granted_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        at -> BigInt,
        kind -> Text,
        client_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        detail -> Text,
        actor -> Nullable<Text>,
    }
}

diesel::table! {
    user_groups (name) {
        name -> Text,
        description -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    group_members (group_name, user_id) {
        group_name -> Text,
        user_id -> Text,
        added_at -> BigInt,
    }
}

diesel::joinable!(group_members -> user_groups (group_name));
diesel::joinable!(group_members -> users (user_id));

diesel::table! {
    denied_access_tokens (jti) {
        jti -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        alg -> Text,
        state -> Text,
        private_key -> Text,
        created_at -> BigInt,
        signs_from -> BigInt,
        activated_at -> Nullable<BigInt>,
        retired_at -> Nullable<BigInt>,
        delete_after -> Nullable<BigInt>,
    }
}

diesel::table! {
    key_set_lock (id) {
        id -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    revisions (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    totp_factors (user_id) {
        user_id -> Text,
        secret_sealed -> Text,
        last_step -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> Text,
        code_hash -> Text,
        created_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}
diesel::table! {
    passkeys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        passkey -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    initial_access_tokens (id) {
        id -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        uses_left -> Nullable<BigInt>,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    client_registrations (client_id) {
        client_id -> Text,
        registration_token_hash -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(account_links -> users (user_id));
diesel::joinable!(passkeys -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    account_links,
    clients,
    resources,
    refresh_tokens,
    consents,
    audit_events,
    user_groups,
    group_members,
    denied_access_tokens,
    signing_keys,
    key_set_lock,
    revisions,
    totp_factors,
    recovery_codes,
    passkeys,
    initial_access_tokens,
    client_registrations
);
