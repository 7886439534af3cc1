//! `jitgap.toml`: validated, unknown keys rejected with file:line. Secrets are never inline:
//! sources name an environment variable or rely on the SDK's credential chain.

use crate::checks::RuleSetting;
use crate::policy::PolicyFile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub policy: PolicyFile,
    #[serde(default)]
    pub sources: Sources,
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub gate: Gate,
    /// `[rules.GEN002] disable = true`, `ignore = ["arn:…"]`, `severity = "low"`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// The file it was read from (set on load).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// Snapshot directories or files, relative to the config file.
    #[serde(default)]
    pub from: Vec<PathBuf>,
    #[serde(default)]
    pub aws: Option<AwsSource>,
    /// PostgreSQL URLs without passwords (`${VAR}`, PGPASSWORD or ~/.pgpass supply them).
    #[serde(default)]
    pub postgres: Vec<String>,
    /// MySQL/MariaDB URLs without passwords (MYSQL_PWD supplies it).
    #[serde(default)]
    pub mysql: Vec<String>,
    /// Ledgers, `[KIND:]PATH`, relative to this file.
    #[serde(default)]
    pub ledger: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSource {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub endpoint_url: Option<String>,
    #[serde(default)]
    pub profile: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default)]
    pub format: Vec<String>,
    #[serde(default)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    #[serde(default)]
    pub fail_on: Vec<String>,
    #[serde(default)]
    pub waivers: Option<PathBuf>,
    #[serde(default)]
    pub allow_incomplete: bool,
}

pub const DEFAULT_FILE: &str = "jitgap.toml";

/// Words that mean a secret was written into the config.
const SECRET_KEYS: &[&str] = &[
    "password",
    "secret",
    "token",
    "secret_access_key",
    "aws_secret_access_key",
];

impl Config {
    /// `--config FILE`, else `./jitgap.toml` when present, else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, String> {
        match explicit {
            Some(p) => Self::read(p),
            None if Path::new(DEFAULT_FILE).is_file() => Self::read(Path::new(DEFAULT_FILE)),
            None => Ok(Config::default()),
        }
    }

    pub fn read(path: &Path) -> Result<Config, String> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: cannot read config: {e}"))?;
        Self::parse(&shown, &text).map(|mut c| {
            c.path = Some(path.to_path_buf());
            let base = path.parent().unwrap_or(Path::new(""));
            for f in c.sources.from.iter_mut() {
                if f.is_relative() {
                    *f = base.join(&*f);
                }
            }
            for p in [&mut c.gate.baseline, &mut c.gate.waivers, &mut c.output.out]
                .into_iter()
                .flatten()
            {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
            c
        })
    }

    pub fn parse(file: &str, text: &str) -> Result<Config, String> {
        // Refuse inline secrets before anything else, with the line they are on.
        for (n, line) in text.lines().enumerate() {
            let key = line
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .to_ascii_lowercase();
            if line.contains('=')
                && !line.trim_start().starts_with('#')
                && SECRET_KEYS.contains(&key.as_str())
            {
                return Err(format!(
                    "{file}:{}: `{key}` looks like an inline secret; jitgap never reads secrets from its config. \
                     Use the SDK's credential chain (AWS_PROFILE, AWS_* variables) or name an environment variable",
                    n + 1
                ));
            }
        }
        // A password inside a URL is an inline secret too (`${VAR}` references are fine).
        let url_secret = regex::Regex::new(r"://[^/\s:@]+:([^@\s]+)@").expect("pattern");
        for (n, line) in text.lines().enumerate() {
            if let Some(c) = url_secret.captures(line)
                && !line.trim_start().starts_with('#')
                && !c[1].starts_with("${")
            {
                return Err(format!(
                    "{file}:{}: a URL holds a password; write `${{VAR}}` in its place (read from the environment), or use PGPASSWORD / ~/.pgpass / MYSQL_PWD",
                    n + 1
                ));
            }
        }
        let config: Config = crate::rules::parse_toml_at(file, text)?;
        crate::policy::Policy::from_layers(&[&config.policy])
            .map_err(|e| format!("{file}: {e}"))?;
        for id in config.rules.keys() {
            let known = crate::rules::RuleSet::embedded()
                .map(|r| r.check(id).is_some())
                .unwrap_or(true);
            if !known {
                let line = text
                    .lines()
                    .position(|l| l.contains(&format!("rules.{id}")))
                    .map(|n| n + 1)
                    .unwrap_or(1);
                return Err(format!(
                    "{file}:{line}: [rules.{id}]: no check has this id (see `jitgap rules`)"
                ));
            }
        }
        Ok(config)
    }
}

/// The commented config `jitgap init` writes.
pub const TEMPLATE: &str = r#"# jitgap.toml — configuration for jitgap. Every key is optional; unknown keys are rejected.
# Secrets never go here: AWS uses its standard credential chain (AWS_PROFILE, AWS_* variables, SSO).

[policy]
# Longest activation window that still counts as just-in-time.
max_jit_window = "8h"
# Longest lifetime of a credential that counts as ephemeral (STS sessions: at most 12h).
max_ephemeral_ttl = "12h"
# Static credentials older than this are flagged.
max_credential_age = "90d"
# Identities and keys unused for this long are stale.
stale_after = "90d"
# Ledger grants renewed within this gap count as one chain (the stretched check).
max_renewal_gap = "1h"

[sources]
# Snapshot directories written by `jitgap collect` (paths relative to this file).
# from = ["snapshots/prod"]

# postgres = ["postgres://jitgap_reader@db.internal:5432/postgres"]   # password: ${VAR}, PGPASSWORD or ~/.pgpass
# mysql = ["mysql://jitgap_reader@db.internal:3306"]                  # password: MYSQL_PWD
# ledger = ["ledger/", "cloudtrail:trail/events.json", "vault:db.internal:5432"]

# [sources.aws]
# enabled = true                       # scan the account of the default credential chain
# profile = "security-audit"           # a named profile instead
# endpoint_url = "http://127.0.0.1:5000"

[output]
# format = ["table"]                   # table, json, sarif, markdown
# out = "reports"                      # write jitgap-report.<ext> files here

[gate]
# baseline = "jitgap-baseline.json"    # written by `jitgap baseline update`
# fail_on = ["new-standing", "not-effective"]
# waivers = "jitgap-waivers.toml"
# allow_incomplete = false

# Per-check settings:
# [rules.GEN002]
# disable = false
# ignore = ["arn:aws:iam::111122223333:role/break-glass"]
# severity = "low"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses() {
        Config::parse("jitgap.toml", TEMPLATE).unwrap();
    }

    #[test]
    fn unknown_keys_name_file_and_line() {
        let err = Config::parse(
            "j.toml",
            "[policy]\nmax_jit_window = \"8h\"\nmax_jitt = \"1h\"\n",
        )
        .unwrap_err();
        assert!(err.starts_with("j.toml:3:"), "{err}");
        assert!(err.contains("max_jitt"), "{err}");
    }

    #[test]
    fn refuses_inline_secrets_and_bad_values() {
        let err =
            Config::parse("j.toml", "[sources.aws]\nsecret_access_key = \"x\"\n").unwrap_err();
        assert!(
            err.starts_with("j.toml:2:") && err.contains("inline secret"),
            "{err}"
        );
        let err = Config::parse("j.toml", "[policy]\nmax_jit_window = \"8 hours\"\n").unwrap_err();
        assert!(err.contains("policy.max_jit_window"), "{err}");
        let err = Config::parse("j.toml", "[rules.GEN999]\ndisable = true\n").unwrap_err();
        assert!(
            err.starts_with("j.toml:1:") && err.contains("GEN999"),
            "{err}"
        );
    }
}
