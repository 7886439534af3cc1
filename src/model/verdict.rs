use serde::{Deserialize, Serialize};

/// A word that names none of a kebab enum's values; the text lists the ones it takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not one of: {}", .allowed.join(", "))]
pub struct NotOneOf {
    pub given: String,
    pub allowed: &'static [&'static str],
}

macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $text)] $variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::model::NotOneOf;
            fn from_str(s: &str) -> Result<Self, $crate::model::NotOneOf> {
                match s { $($text => Ok($name::$variant),)+
                    _ => Err($crate::model::NotOneOf { given: s.to_string(), allowed: &[$($text),+] }) }
            }
        }
    };
}
pub(crate) use kebab_enum;

kebab_enum!(
    /// How much an access path allows. `unknown` is counted as privileged (fail closed).
    Privilege { Read => "read", Write => "write", Admin => "admin", Unknown => "unknown" }
);
kebab_enum!(
    /// How the entitlement lives (design.md §2).
    Enforcement { Jit => "jit", TimeBound => "time-bound", Standing => "standing", Unknown => "unknown" }
);
kebab_enum!(
    /// How the secret that exercises the path lives. `unknown` when the document that would tell is absent.
    CredentialLifetime { Ephemeral => "ephemeral", LongLived => "long-lived", None => "none", Unknown => "unknown" }
);
kebab_enum!(
    /// Whether a revocation that should have happened took effect.
    Revocation { Effective => "effective", NotEffective => "not-effective", Inconclusive => "inconclusive" }
);
kebab_enum!(
    Severity { Info => "info", Low => "low", Medium => "medium", High => "high", Critical => "critical" }
);

impl Privilege {
    /// Privileged = admin or write; `unknown` counts too, so a gap never reads as a pass.
    pub fn is_privileged(self) -> bool {
        !matches!(self, Privilege::Read)
    }
    /// Rank for "the strongest of": unknown ranks just below admin.
    pub fn rank(self) -> u8 {
        match self {
            Privilege::Read => 0,
            Privilege::Write => 1,
            Privilege::Unknown => 2,
            Privilege::Admin => 3,
        }
    }
}

impl Enforcement {
    /// Rank from most to least JIT; a combination takes the weakest.
    pub fn weakness(self) -> u8 {
        match self {
            Enforcement::Jit => 0,
            Enforcement::TimeBound => 1,
            Enforcement::Unknown => 2,
            Enforcement::Standing => 3,
        }
    }
}

impl Severity {
    /// GitHub code scanning's `security-severity` buckets (≥9 critical, ≥7 high, ≥4 medium).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "3.0",
            Severity::Info => "1.0",
        }
    }
}

/// The rule that decided a verdict and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub rule: super::Text,
    pub reason: super::Text,
}

thread_local! {
    /// Rules are a few dozen ids and most reasons repeat from path to path (the same
    /// catalogue entry, the same lifetime): each thread shares them, up to a bound.
    static DECISIONS: std::cell::RefCell<super::Interner> =
        std::cell::RefCell::new(super::Interner::with_limit(8192));
}

impl crate::report::rows::Repeated for Decision {
    fn texts(&self) -> [&super::Text; 2] {
        [&self.rule, &self.reason]
    }
}

impl Decision {
    pub fn new(rule: &str, reason: impl AsRef<str>) -> Self {
        DECISIONS.with_borrow_mut(|i| Decision {
            rule: i.get(rule),
            reason: i.get(reason.as_ref()),
        })
    }
}
