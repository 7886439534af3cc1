//! Rules as data (design.md §6): `rules/*.toml` embedded at build time, overridable with `--rules DIR`.

mod check;
mod frameworks;
mod load;

pub use check::{Check, Confidence, Match, Subject};
pub use frameworks::{FrameworkRef, Frameworks};
pub use load::{RuleError, RuleSet, line_col};

/// Parse TOML, errors as `file:line:column: message`.
pub fn parse_toml_at<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, RuleError> {
    load::parse_toml(file, text)
}

/// The rule files that belong to no scanner, shipped in the binary, by file name (each
/// scanner embeds its own; the registry lists them all).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("policy.toml", include_str!("../../rules/policy.toml")),
    (
        "frameworks.toml",
        include_str!("../../rules/frameworks.toml"),
    ),
    ("general.toml", include_str!("../../rules/general.toml")),
    ("ledger.toml", include_str!("../../rules/ledger.toml")),
];
