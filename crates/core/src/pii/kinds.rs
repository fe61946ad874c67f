//! What a detected value is, and the names it goes by: the token label the
//! model sees (`EMAIL`), the name audit rows and `--json` use (`email`), and
//! the `[pii] kinds` entry that switches it on (`email`, or `secret` for
//! every kind of credential).

use std::borrow::Cow;
use std::sync::Arc;

/// The `[pii] kinds` a user can switch on or off.
pub const BUILTIN_KINDS: &[&str] = &["email", "phone", "ssn", "credit_card", "iban", "secret"];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Email,
    Phone,
    Ssn,
    CreditCard,
    Iban,
    AwsKey,
    GithubToken,
    OpenAiKey,
    AnthropicKey,
    SlackToken,
    StripeKey,
    PrivateKey,
    Jwt,
    /// The value of a variable in vtcode's environment named like a secret.
    EnvSecret,
    /// A `[pii] patterns` entry, by its name.
    Custom(Arc<str>),
}

impl Kind {
    /// The upper-case label inside a token: `<<LABEL_N>>`.
    pub fn label(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Kind::Email => "EMAIL",
            Kind::Phone => "PHONE",
            Kind::Ssn => "SSN",
            Kind::CreditCard => "CARD",
            Kind::Iban => "IBAN",
            Kind::AwsKey => "AWS_KEY",
            Kind::GithubToken => "GITHUB_TOKEN",
            Kind::OpenAiKey => "OPENAI_KEY",
            Kind::AnthropicKey => "ANTHROPIC_KEY",
            Kind::SlackToken => "SLACK_TOKEN",
            Kind::StripeKey => "STRIPE_KEY",
            Kind::PrivateKey => "PRIVATE_KEY",
            Kind::Jwt => "JWT",
            Kind::EnvSecret => "SECRET",
            Kind::Custom(name) => return Cow::Owned(name.to_ascii_uppercase()),
        })
    }

    /// The name used in audit rows, metrics and `vtcode pii redact --json`.
    pub fn name(&self) -> &str {
        match self {
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Ssn => "ssn",
            Kind::CreditCard => "card",
            Kind::Iban => "iban",
            Kind::AwsKey => "aws_key",
            Kind::GithubToken => "github_token",
            Kind::OpenAiKey => "openai_key",
            Kind::AnthropicKey => "anthropic_key",
            Kind::SlackToken => "slack_token",
            Kind::StripeKey => "stripe_key",
            Kind::PrivateKey => "private_key",
            Kind::Jwt => "jwt",
            Kind::EnvSecret => "secret",
            Kind::Custom(name) => name,
        }
    }

    /// The `[pii] kinds` entry that enables it; custom patterns are always on.
    pub fn switch(&self) -> Option<&'static str> {
        match self {
            Kind::Email => Some("email"),
            Kind::Phone => Some("phone"),
            Kind::Ssn => Some("ssn"),
            Kind::CreditCard => Some("credit_card"),
            Kind::Iban => Some("iban"),
            Kind::Custom(_) => None,
            _ => Some("secret"),
        }
    }

    /// Secrets and custom patterns apply to every text; personal data only
    /// where [`Scope::All`](super::Scope::All) says so.
    pub fn is_personal(&self) -> bool {
        matches!(
            self,
            Kind::Email | Kind::Phone | Kind::Ssn | Kind::CreditCard | Kind::Iban
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_what_a_token_spells() {
        assert_eq!(Kind::Email.label(), "EMAIL");
        assert_eq!(Kind::CreditCard.label(), "CARD");
        assert_eq!(Kind::Custom("employee_id".into()).label(), "EMPLOYEE_ID");
        assert_eq!(Kind::GithubToken.switch(), Some("secret"));
        for kind in [
            Kind::Email,
            Kind::Phone,
            Kind::Ssn,
            Kind::Iban,
            Kind::AwsKey,
            Kind::GithubToken,
            Kind::OpenAiKey,
            Kind::AnthropicKey,
            Kind::SlackToken,
            Kind::StripeKey,
            Kind::PrivateKey,
            Kind::Jwt,
            Kind::EnvSecret,
        ] {
            assert_eq!(kind.label(), kind.name().to_ascii_uppercase());
        }
    }
}
