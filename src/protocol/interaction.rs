//! The interaction policy: what the user must do before a code is issued,
//! as an ordered list of prompts, each made of named checks (the shape of
//! node-oidc-provider's `interaction_policy`). A check says whether its
//! prompt is required; the first prompt with a check that says so is the
//! next step. `prompt=none` turns a required prompt into that prompt's
//! error (OpenID Connect Core §3.1.2.1, §3.1.2.6).
//!
//! Prompts: login, a second factor (step-up of a session that has one
//! factor when the request needs two: `protocol::mfa::required`), consent.
//! A user with a second factor gives it as part of the login itself
//! (`flows::interaction`), so the MFA prompt's own check is the step-up.
//! `prompt=select_account` is answered by the login form: a browser holds
//! one session, and the form lets the user pick the account to use.

use crate::protocol::OAuthError;
use crate::protocol::Scope;
use crate::protocol::authorize::AuthorizationRequest;
use crate::protocol::entries::SsoSession;
pub use crate::protocol::vocabulary::PromptName;
use crate::protocol::vocabulary::{AuthLevel, ConsentMode, Prompt};

impl PromptName {
    /// The error a `prompt=none` request gets when this prompt is required.
    pub fn error(self) -> OAuthError {
        match self {
            PromptName::Login => OAuthError::login_required("the user must log in"),
            PromptName::Consent => OAuthError::consent_required("the user must consent"),
            PromptName::Mfa => OAuthError::interaction_required("the user must give a second factor"),
        }
    }
}

/// What the checks look at: the request, the browser's live session, and
/// the prompts the user completed in this interaction. The session has a
/// lifetime of its own: a decision hands it on without holding the request.
pub struct Context<'a, 's> {
    pub request: &'a AuthorizationRequest,
    pub session: Option<&'s SsoSession>,
    pub completed: &'a [PromptName],
    pub consent: Consent<'a>,
    /// The request needs a second factor (`protocol::mfa::required`).
    pub mfa_required: bool,
    pub now: i64,
}

/// The client's consent mode, and what the session's user granted it.
#[derive(Debug, Clone, Copy)]
pub struct Consent<'a> {
    pub mode: ConsentMode,
    pub granted: Option<&'a Scope>,
}

impl Consent<'_> {
    /// A client that never asks.
    pub const IMPLICIT: Consent<'static> = Consent { mode: ConsentMode::Implicit, granted: None };
}

impl Context<'_, '_> {
    fn completed(&self, prompt: PromptName) -> bool {
        self.completed.contains(&prompt)
    }
}

/// One named reason to ask for a prompt.
pub struct Check {
    pub name: &'static str,
    pub required: fn(&Context<'_, '_>) -> bool,
}

pub struct PromptPolicy {
    pub name: PromptName,
    pub checks: Vec<Check>,
}

/// The prompts, in the order they are asked for.
pub struct Policy {
    prompts: Vec<PromptPolicy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'s> {
    /// Nothing is required: the code may be issued, to this session's user.
    Done(&'s SsoSession),
    /// The user must complete `prompt`; `reasons` are the checks that asked.
    Interact { prompt: PromptName, reasons: Vec<&'static str> },
    /// Interaction is required but the client asked for none.
    Refuse(OAuthError),
}

impl Policy {
    /// The policy every authorization request goes through.
    pub fn standard() -> Policy {
        Policy { prompts: vec![login(), mfa(), consent()] }
    }

    pub fn evaluate<'s>(&self, ctx: &Context<'_, 's>) -> Decision<'s> {
        for prompt in &self.prompts {
            let reasons: Vec<&'static str> =
                prompt.checks.iter().filter(|check| (check.required)(ctx)).map(|check| check.name).collect();
            if !reasons.is_empty() {
                return required(ctx, prompt.name, reasons);
            }
        }
        match ctx.session {
            Some(session) => Decision::Done(session),
            // A code is always issued to someone: whatever a policy's
            // prompts say, without a session the user logs in first.
            None => required(ctx, PromptName::Login, vec!["no_session"]),
        }
    }
}

/// `prompt` must be completed: an interaction, or its error for `prompt=none`.
fn required<'s>(ctx: &Context<'_, 's>, prompt: PromptName, reasons: Vec<&'static str>) -> Decision<'s> {
    if ctx.request.prompts_for(Prompt::None) {
        Decision::Refuse(prompt.error())
    } else {
        Decision::Interact { prompt, reasons }
    }
}

/// Login: no session, a session older than `max_age` (`max_age=0` is
/// `prompt=login`), `prompt=login` or `prompt=select_account` not yet
/// honoured in this interaction, or an `id_token_hint` naming another user
/// than the session's (OIDC Core §3.1.2.1).
fn login() -> PromptPolicy {
    PromptPolicy {
        name: PromptName::Login,
        checks: vec![
            Check { name: "no_session", required: |ctx| ctx.session.is_none() },
            Check {
                name: "max_age",
                required: |ctx| match (ctx.request.max_age, ctx.session) {
                    (Some(0), Some(_)) => !ctx.completed(PromptName::Login),
                    (Some(max), Some(session)) => ctx.now - session.auth_time() > max,
                    _ => false,
                },
            },
            Check {
                name: "prompt_login",
                required: |ctx| ctx.request.prompts_for(Prompt::Login) && !ctx.completed(PromptName::Login),
            },
            Check {
                name: "prompt_select_account",
                required: |ctx| {
                    ctx.request.prompts_for(Prompt::SelectAccount) && !ctx.completed(PromptName::Login)
                },
            },
            Check {
                name: "claims_sub",
                required: |ctx| match (&ctx.request.claims_user, ctx.session) {
                    (Some(user_id), Some(session)) => {
                        *user_id != session.user_id && !ctx.completed(PromptName::Login)
                    }
                    _ => false,
                },
            },
            Check {
                name: "id_token_hint",
                required: |ctx| match (&ctx.request.id_token_hint, ctx.session) {
                    (Some(hint), Some(session)) => {
                        hint.sub != session.user_id && !ctx.completed(PromptName::Login)
                    }
                    _ => false,
                },
            },
        ],
    }
}

/// A second factor: the request needs one and the session has only one
/// factor (its `acr`), unless given in this interaction.
fn mfa() -> PromptPolicy {
    PromptPolicy {
        name: PromptName::Mfa,
        checks: vec![Check {
            name: "mfa_required",
            required: |ctx| {
                ctx.mfa_required
                    && ctx.session.is_some_and(|s| s.authentication.acr != AuthLevel::MultiFactor)
                    && !ctx.completed(PromptName::Mfa)
            },
        }],
    }
}

/// Consent (OIDC Core §3.1.2.4): a client that requires it asks for
/// scopes the user has not granted it yet; `prompt=consent` always asks.
fn consent() -> PromptPolicy {
    PromptPolicy {
        name: PromptName::Consent,
        checks: vec![
            Check {
                name: "consent_missing",
                required: |ctx| {
                    ctx.consent.mode == ConsentMode::Required
                        && ctx.session.is_some()
                        && !ctx
                            .consent
                            .granted
                            .is_some_and(|granted| ctx.request.consent_scope().is_covered_by(granted))
                        && !ctx.completed(PromptName::Consent)
                },
            },
            Check {
                name: "prompt_consent",
                required: |ctx| {
                    ctx.request.prompts_for(Prompt::Consent)
                        && ctx.session.is_some()
                        && !ctx.completed(PromptName::Consent)
                },
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Scope;
    use crate::protocol::entries::Authentication;
    use crate::protocol::logout::IdTokenHint;

    fn request(prompts: &[Prompt], max_age: Option<i64>) -> AuthorizationRequest {
        AuthorizationRequest {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:9000/cb".into(),
            redirect_uri_given: true,
            scope: Scope::parse("openid").unwrap(),
            state: None,
            nonce: None,
            code_challenge: None,
            prompts: prompts.to_vec(),
            max_age,
            login_hint: None,
            id_token_hint: None,
            acr_values: vec![],
            response_mode: crate::protocol::ResponseMode::Query,
            resources: vec![],
            device: None,
            ui_locales: Vec::new(),
            dpop_jkt: None,
            claims: Default::default(),
            claims_user: None,
        }
    }

    fn session(auth_time: i64) -> SsoSession {
        SsoSession {
            sid: "s".into(),
            user_id: "u".into(),
            secret_hash: String::new(),
            authentication: Authentication { auth_time, amr: vec![], acr: AuthLevel::SingleFactor },
            created_at: auth_time,
            last_seen: auth_time,
            expires_at: auth_time + 3600,
            idle_expires_at: auth_time + 3600,
            device: Default::default(),
            clients: vec![],
        }
    }

    fn decide<'s>(
        req: &AuthorizationRequest,
        session: Option<&'s SsoSession>,
        completed: &[PromptName],
    ) -> Decision<'s> {
        Policy::standard().evaluate(&Context {
            request: req,
            session,
            completed,
            consent: Consent::IMPLICIT,
            mfa_required: false,
            now: 1100,
        })
    }

    fn login(reason: &'static str) -> Decision<'static> {
        Decision::Interact { prompt: PromptName::Login, reasons: vec![reason] }
    }

    #[test]
    fn a_live_session_needs_no_interaction() {
        let s = session(1000);
        assert_eq!(decide(&request(&[], None), Some(&s), &[]), Decision::Done(&s));
        assert_eq!(decide(&request(&[Prompt::None], None), Some(&s), &[]), Decision::Done(&s));
        assert_eq!(decide(&request(&[], Some(100)), Some(&s), &[]), Decision::Done(&s));
    }

    #[test]
    fn each_check_names_itself() {
        let s = session(1000);
        assert_eq!(decide(&request(&[], None), None, &[]), login("no_session"));
        assert_eq!(decide(&request(&[Prompt::Login], None), Some(&s), &[]), login("prompt_login"));
        assert_eq!(decide(&request(&[], Some(50)), Some(&s), &[]), login("max_age"));
        assert_eq!(
            decide(&request(&[], Some(0)), Some(&s), &[]),
            login("max_age"),
            "max_age=0 is prompt=login"
        );
    }

    #[test]
    fn a_login_in_this_interaction_satisfies_prompt_login_and_max_age_zero() {
        let fresh = session(1100);
        let done = [PromptName::Login];
        assert_eq!(decide(&request(&[Prompt::Login], None), Some(&fresh), &done), Decision::Done(&fresh));
        assert_eq!(decide(&request(&[], Some(0)), Some(&fresh), &done), Decision::Done(&fresh));
        assert_eq!(decide(&request(&[Prompt::Login], None), None, &done), login("no_session"));
    }

    #[test]
    fn select_account_and_a_hint_for_someone_else_ask_for_a_login() {
        let s = session(1000);
        assert_eq!(
            decide(&request(&[Prompt::SelectAccount], None), Some(&s), &[]),
            login("prompt_select_account")
        );
        assert_eq!(
            decide(&request(&[Prompt::SelectAccount], None), Some(&s), &[PromptName::Login]),
            Decision::Done(&s)
        );
        let hinted = |sub: &str| AuthorizationRequest {
            id_token_hint: Some(IdTokenHint {
                sub: sub.into(),
                audience: vec!["app".into()],
                ..IdTokenHint::default()
            }),
            ..request(&[], None)
        };
        assert_eq!(decide(&hinted("u"), Some(&s), &[]), Decision::Done(&s), "the session's own user");
        assert_eq!(decide(&hinted("bob"), Some(&s), &[]), login("id_token_hint"));
        assert_eq!(
            decide(&hinted("bob"), Some(&s), &[PromptName::Login]),
            Decision::Done(&s),
            "whoever logged in then is the user"
        );
        let none = AuthorizationRequest { prompts: vec![Prompt::None], ..hinted("bob") };
        assert!(
            matches!(decide(&none, Some(&s), &[]), Decision::Refuse(e) if e.code.as_str() == "login_required")
        );
    }

    #[test]
    fn consent_is_asked_for_what_was_not_granted_or_when_prompted() {
        let s = session(1000);
        let req = request(&[], None); // scope: openid
        let decide_with = |req: &AuthorizationRequest, granted: Option<&Scope>, completed: &[PromptName]| {
            let consent = Consent { mode: ConsentMode::Required, granted };
            let ctx = Context {
                request: req,
                session: Some(&s),
                completed,
                consent,
                mfa_required: false,
                now: 1100,
            };
            Policy::standard().evaluate(&ctx)
        };
        let ask = |reason| Decision::Interact { prompt: PromptName::Consent, reasons: vec![reason] };
        assert_eq!(decide_with(&req, None, &[]), ask("consent_missing"));
        let (openid, email) = (Scope::parse("openid").unwrap(), Scope::parse("email").unwrap());
        assert_eq!(decide_with(&req, Some(&openid), &[]), Decision::Done(&s), "remembered");
        assert_eq!(decide_with(&req, Some(&email), &[]), ask("consent_missing"), "a new scope asks again");
        assert_eq!(decide_with(&req, None, &[PromptName::Consent]), Decision::Done(&s));
        let prompted = request(&[Prompt::Consent], None);
        assert_eq!(
            decide_with(&prompted, Some(&openid), &[]),
            ask("prompt_consent"),
            "prompt=consent always asks"
        );
        assert_eq!(decide(&prompted, Some(&s), &[]), ask("prompt_consent"), "even for implicit clients");
        let none = request(&[Prompt::None], None);
        assert!(
            matches!(decide_with(&none, None, &[]), Decision::Refuse(e) if e.code.as_str() == "consent_required")
        );
        // Without a session, the login comes first.
        let ctx = Context {
            request: &req,
            session: None,
            completed: &[],
            consent: Consent { mode: ConsentMode::Required, granted: None },
            mfa_required: false,
            now: 0,
        };
        assert_eq!(Policy::standard().evaluate(&ctx), login("no_session"));
    }

    #[test]
    fn prompt_none_turns_a_required_prompt_into_its_error() {
        let refused = |d: Decision<'_>| match d {
            Decision::Refuse(e) => e.code.as_str(),
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(refused(decide(&request(&[Prompt::None], None), None, &[])), "login_required");
        let old = session(1000);
        assert_eq!(refused(decide(&request(&[Prompt::None], Some(50)), Some(&old), &[])), "login_required");
    }

    #[test]
    fn a_policy_without_login_still_asks_for_one_when_nobody_is_logged_in() {
        let (request, empty) = (request(&[], None), Policy { prompts: vec![] });
        let ctx = Context {
            request: &request,
            session: None,
            completed: &[],
            consent: Consent::IMPLICIT,
            mfa_required: false,
            now: 0,
        };
        assert_eq!(empty.evaluate(&ctx), login("no_session"));
    }

    #[test]
    fn a_request_that_needs_two_factors_steps_up_a_single_factor_session() {
        let (req, one) = (request(&[], None), session(1000));
        let two = SsoSession {
            authentication: Authentication { auth_time: 1000, amr: vec![], acr: AuthLevel::MultiFactor },
            ..session(1000)
        };
        let decide_mfa = |session: Option<&SsoSession>, completed: &[PromptName], prompts: &[Prompt]| {
            let req = AuthorizationRequest { prompts: prompts.to_vec(), ..req.clone() };
            let ctx = Context {
                request: &req,
                session,
                completed,
                consent: Consent::IMPLICIT,
                mfa_required: true,
                now: 1100,
            };
            format!("{:?}", Policy::standard().evaluate(&ctx))
        };
        assert!(decide_mfa(Some(&one), &[], &[]).contains("mfa_required"));
        assert!(decide_mfa(Some(&two), &[], &[]).starts_with("Done"), "two factors already");
        assert!(decide_mfa(Some(&one), &[PromptName::Mfa], &[]).starts_with("Done"));
        assert!(decide_mfa(None, &[], &[]).contains("no_session"), "the login comes first");
        assert!(decide_mfa(Some(&one), &[], &[Prompt::None]).contains("InteractionRequired"));
    }
}
