//! `jitgap.toml`: validated, every problem reported at its `file:line:column` from the TOML
//! parser's spans, all of them at once. Secrets are never inline: sources name an
//! environment variable or rely on the SDK's credential chain.

mod limits;
mod spans;
mod template;

pub use limits::{BoundaryLimits, Limits};
pub use spans::{ConfigError, ConfigErrors};
pub use template::template;

use crate::checks::RuleSetting;
use crate::policy::PolicyFile;
use crate::rules::RuleSet;
use crate::scan::Registry;
use serde::Deserialize;
use spans::{Located, section};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub policy: PolicyFile,
    pub sources: Sources,
    pub output: Output,
    pub gate: Gate,
    pub history: History,
    pub limits: Limits,
    /// `[rules.GEN002] disable = true`, `ignore = ["arn:…"]`, `severity = "low"`.
    pub rules: BTreeMap<String, RuleSetting>,
    /// The file it was read from (set on load).
    pub path: Option<PathBuf>,
    /// Where each key path is, for problems found after loading (a boundary, a rule id).
    keys: BTreeMap<String, (usize, usize)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    /// Snapshot directories or files, relative to the config file.
    pub from: Vec<PathBuf>,
    /// Ledgers, `[KIND:]PATH`, relative to this file.
    pub ledger: Vec<String>,
    /// Each boundary's own entry (`postgres = [...]`, `[sources.aws]`), read by its scanner.
    pub boundaries: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    #[serde(default)]
    pub format: Vec<String>,
    #[serde(default)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
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

/// `[history] database = "jitgap-history.sqlite"` (or a `postgres://` URL): where `scan`
/// appends each scan, and `history`, `trend` and `diff` read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    #[serde(default)]
    pub database: Option<String>,
}

pub const DEFAULT_FILE: &str = "jitgap.toml";

const SECTIONS: &str = "policy, sources, output, gate, history, limits, rules";

impl Config {
    /// `--config FILE`, else `./jitgap.toml` when present, else defaults; checked against the
    /// scanners and rules, with every problem of the file reported at once.
    pub fn load(
        explicit: Option<&Path>,
        registry: &Registry,
        rules: &RuleSet,
    ) -> Result<Config, ConfigErrors> {
        let path = match explicit {
            Some(p) => p,
            None if Path::new(DEFAULT_FILE).is_file() => Path::new(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let (config, mut errors) = Self::read_partial(path)?;
        errors.extend(config.problems(registry, rules));
        if errors.is_empty() {
            Ok(config)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors(errors))
        }
    }

    /// Reads and parses a file; every problem that needs no scanners or rules is an error.
    pub fn read(path: &Path) -> Result<Config, ConfigErrors> {
        let (config, errors) = Self::read_partial(path)?;
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(errors))
        }
    }

    /// The config as far as it could be read, and the problems of its sections; `Err` when
    /// the file cannot be read or parsed at all.
    fn read_partial(path: &Path) -> Result<(Config, Vec<ConfigError>), ConfigErrors> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigErrors(vec![ConfigError {
                file: shown.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read config: {e}"),
            }])
        })?;
        let (mut c, errors) = Self::parse_partial(&shown, &text)?;
        c.path = Some(path.to_path_buf());
        let base = path.parent().unwrap_or(Path::new(""));
        for f in c.sources.from.iter_mut() {
            if f.is_relative() {
                *f = base.join(&*f);
            }
        }
        if let Some(db) = c.history.database.as_mut()
            && !crate::history::is_postgres(db)
            && Path::new(db.as_str()).is_relative()
        {
            *db = base.join(&*db).display().to_string();
        }
        for p in [&mut c.gate.baseline, &mut c.gate.waivers, &mut c.output.out]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok((c, errors))
    }

    /// Parses and checks everything that needs no rules or scanners; every problem is kept.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigErrors> {
        let (config, mut errors) = Self::parse_partial(file, text)?;
        if errors.is_empty() {
            Ok(config)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors(errors))
        }
    }

    fn parse_partial(file: &str, text: &str) -> Result<(Config, Vec<ConfigError>), ConfigErrors> {
        let (loc, doc) = spans::parse(file, text)?;
        let mut errors = Vec::new();
        let mut config = Config::default();
        for (key, value) in doc.into_inner() {
            let at = key.span().start;
            match key.get_ref().as_ref() {
                "policy" => match section::<PolicyFile>(&loc, value) {
                    Ok(p) => config.policy = p,
                    Err(e) => errors.push(e),
                },
                "sources" => match sources(&loc, value) {
                    Ok(s) => config.sources = s,
                    Err(mut e) => errors.append(&mut e),
                },
                "output" => match section::<Output>(&loc, value) {
                    Ok(o) => config.output = o,
                    Err(e) => errors.push(e),
                },
                "gate" => match section::<Gate>(&loc, value) {
                    Ok(g) => config.gate = g,
                    Err(e) => errors.push(e),
                },
                "history" => match section::<History>(&loc, value) {
                    Ok(h) => config.history = h,
                    Err(e) => errors.push(e),
                },
                "limits" => match limits::parse(&loc, value) {
                    Ok(l) => config.limits = l,
                    Err(mut e) => errors.append(&mut e),
                },
                "rules" => match section::<BTreeMap<String, RuleSetting>>(&loc, value) {
                    Ok(r) => config.rules = r,
                    Err(e) => errors.push(e),
                },
                other => errors.push(loc.at(
                    at,
                    format!("unknown section `{other}`; expected one of: {SECTIONS}"),
                )),
            }
        }
        if let Err(e) = crate::policy::Policy::from_layers(&[&config.policy]) {
            errors.push(loc.at_key(&format!("policy.{}", e.key), e.to_string()));
        }
        config.keys = loc
            .keys
            .iter()
            .map(|(k, off)| (k.clone(), crate::rules::line_col(text, *off)))
            .collect();
        Ok((config, errors))
    }

    /// An error at a key path of this file (`sources.aws`), or at its start.
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.keys.get(path).copied().unwrap_or((1, 1));
        ConfigError {
            file: self
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| DEFAULT_FILE.to_string()),
            line,
            column,
            message: message.into(),
        }
    }

    /// What needs the scanners and the rules: every boundary named exists and its scanner
    /// accepts its entry, every `[rules.ID]` names a check.
    pub fn check(&self, registry: &Registry, rules: &RuleSet) -> Result<(), ConfigErrors> {
        let errors = self.problems(registry, rules);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errors))
        }
    }

    fn problems(&self, registry: &Registry, rules: &RuleSet) -> Vec<ConfigError> {
        let known: Vec<String> = registry
            .scanners()
            .iter()
            .map(|s| s.boundary().to_string())
            .collect();
        let mut errors = Vec::new();
        for (section, names) in [
            (
                "sources",
                self.sources.boundaries.keys().collect::<Vec<_>>(),
            ),
            ("limits", self.limits.boundaries.keys().collect()),
        ] {
            for name in names {
                if !known.contains(name) {
                    errors.push(self.error_at(
                        &format!("{section}.{name}"),
                        format!(
                            "[{section}.{name}]: no boundary is named `{name}` (known: {})",
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        // Each scanner reads its own entry; planning does no I/O, so it can be tried here.
        for (name, value) in &self.sources.boundaries {
            if let Some(s) = registry.find_name(name)
                && let Err(e) = s.live_targets(&crate::scan::scanner::no_flags(s), Some(value))
            {
                errors.push(self.error_at(&format!("sources.{name}"), e.0));
            }
        }
        for id in self.rules.keys() {
            if rules.check(id).is_none() {
                errors.push(self.error_at(
                    &format!("rules.{id}"),
                    format!("[rules.{id}]: no check has this id (see `jitgap rules`)"),
                ));
            }
        }
        errors
    }
}

/// `[sources]`: `from`, `ledger`, and each boundary's own entry, kept for its scanner.
fn sources(
    loc: &Located<'_>,
    value: toml::Spanned<toml::de::DeValue<'_>>,
) -> Result<Sources, Vec<ConfigError>> {
    let span = value.span().start;
    let toml::de::DeValue::Table(table) = value.into_inner() else {
        return Err(vec![loc.at(span, "[sources] must be a table")]);
    };
    let mut out = Sources::default();
    let mut errors = Vec::new();
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "from" => match section::<Vec<PathBuf>>(loc, value) {
                Ok(v) => out.from = v,
                Err(e) => errors.push(e),
            },
            "ledger" => match section::<Vec<String>>(loc, value) {
                Ok(v) => out.ledger = v,
                Err(e) => errors.push(e),
            },
            name => match section::<toml::Value>(loc, value) {
                Ok(v) => {
                    out.boundaries.insert(name.to_string(), v);
                }
                Err(e) => errors.push(e),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse("j.toml", text).unwrap_err().to_string()
    }

    #[test]
    fn template_parses() {
        let c = Config::parse("jitgap.toml", &template(&Registry::builtin())).unwrap();
        let rules = crate::scan::registry::embedded_rules().unwrap();
        c.check(&Registry::builtin(), &rules).unwrap();
    }

    #[test]
    fn history_file_is_relative_to_the_config_and_a_url_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jitgap.toml");
        std::fs::write(&file, "[history]\ndatabase = \"h/jitgap-history.sqlite\"\n").unwrap();
        let c = Config::read(&file).unwrap();
        assert_eq!(
            c.history.database.as_deref(),
            Some(
                dir.path()
                    .join("h/jitgap-history.sqlite")
                    .display()
                    .to_string()
                    .as_str()
            )
        );
        std::fs::write(
            &file,
            "[history]\ndatabase = \"postgres://jitgap@db/jitgap\"\n",
        )
        .unwrap();
        let c = Config::read(&file).unwrap();
        assert_eq!(
            c.history.database.as_deref(),
            Some("postgres://jitgap@db/jitgap")
        );
        let e = err("[history]\ndatabse = \"x\"\n");
        assert!(e.starts_with("j.toml:2:1:") && e.contains("databse"), "{e}");
    }

    #[test]
    fn unknown_keys_name_file_line_and_column() {
        let e = err("[policy]\nmax_jit_window = \"8h\"\nmax_jitt = \"1h\"\n");
        assert!(e.starts_with("j.toml:3:1:"), "{e}");
        assert!(e.contains("max_jitt"), "{e}");
    }

    #[test]
    fn refuses_inline_secrets_and_bad_values() {
        let e = err("[sources.aws]\nsecret_access_key = \"x\"\n");
        assert!(
            e.starts_with("j.toml:2:1:") && e.contains("inline secret"),
            "{e}"
        );
        let e = err("[sources]\npostgres = [\"postgres://svc:hunter2@db/app\"]\n");
        assert!(
            e.starts_with("j.toml:2:13:") && e.contains("password"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
        let e = err("[policy]\nmax_jit_window = \"8 hours\"\n");
        assert!(
            e.starts_with("j.toml:2:1:") && e.contains("policy.max_jit_window"),
            "{e}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = err("[output]\nformats = [\"json\"]\n[gate]\nfail = true\n[nonsense]\n");
        let lines: Vec<&str> = e.split("\n  ").collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(
            lines[0].starts_with("j.toml:2:1:") && lines[0].contains("formats"),
            "{e}"
        );
        assert!(
            lines[1].starts_with("j.toml:4:1:") && lines[1].contains("fail"),
            "{e}"
        );
        assert!(
            lines[2].starts_with("j.toml:5:2:") && lines[2].contains("nonsense"),
            "{e}"
        );
    }

    #[test]
    fn unknown_rule_ids_and_boundaries_need_the_registry() {
        let c = Config::parse(
            "j.toml",
            "[rules.GEN999]\ndisable = true\n[sources.nowhere]\nx = 1\n",
        )
        .unwrap();
        let rules = crate::scan::registry::embedded_rules().unwrap();
        let e = c
            .check(&Registry::builtin(), &rules)
            .unwrap_err()
            .to_string();
        assert!(e.contains("GEN999") && e.contains(":1:"), "{e}");
        assert!(e.contains("sources.nowhere") && e.contains(":3:"), "{e}");
    }
}
