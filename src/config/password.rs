//! `password.*`: what a new password must be (NIST SP 800-63B §5.1.1.2).

use serde::Deserialize;

use crate::accounts::password_policy::DEFAULT_MIN_PASSWORD_CHARS;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// Fewest characters (not bytes) a new password may have; 8 at least,
    /// as NIST requires.
    pub min_length: usize,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        PasswordSettings { min_length: DEFAULT_MIN_PASSWORD_CHARS }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    #[test]
    fn sign_in_limits_come_from_toml_and_are_validated_by_key() {
        let toml = "[login]\nmax_failures = 3\nlockout = 60\n[password]\nmin_length = 16\n";
        let s: Settings = ::config::Config::builder()
            .add_source(::config::File::from_str(toml, ::config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("parse");
        s.validate().unwrap();
        let policy = s.login_policy();
        assert_eq!((policy.account.max_failures, policy.account.lockout), (3, 60));
        assert_eq!((policy.address.max_failures, policy.max_attempts_per_page), (50, 3));
        assert_eq!(s.password_policy().min_length, 16);

        type Spoil = fn(&mut Settings);
        let bad: [(&str, Spoil); 6] = [
            ("login.max_failures", |s| s.login.max_failures = 0),
            ("login.failure_window", |s| s.login.failure_window = 0),
            ("login.lockout", |s| s.login.lockout = 0),
            ("login.max_failures_per_ip", |s| s.login.max_failures_per_ip = 0),
            ("login.max_attempts_per_page", |s| s.login.max_attempts_per_page = 0),
            ("password.min_length", |s| s.password.min_length = 7),
        ];
        for (key, spoil) in bad {
            let mut s = Settings::default();
            spoil(&mut s);
            let error = s.validate().expect_err(key).to_string();
            assert!(error.starts_with(key), "{key}: {error}");
        }
    }
}
