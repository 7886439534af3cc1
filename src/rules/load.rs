use super::{Check, Frameworks, Subject};
use crate::policy::PolicyFile;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    /// A scanner's `[catalogue]` does not have the shape it reads; the text names the file.
    #[error("{0}")]
    Catalogue(String),
    /// A `[catalogue]` table that does not deserialize into its scanner's shape.
    #[error("{file}: [catalogue]: {message}")]
    CatalogueShape { file: String, message: String },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// Every rule file, parsed and validated.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub policy: PolicyFile,
    pub frameworks: Frameworks,
    pub checks: Vec<Check>,
    /// Every boundary file's `[catalogue]` table (and the file it came from), by file stem
    /// (`aws`, `postgres`, …); each scanner deserializes its own shape with [`RuleSet::catalogue`].
    pub catalogues: std::collections::BTreeMap<String, (String, toml::Table)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    #[serde(default)]
    catalogue: Option<toml::Table>,
    #[serde(default)]
    check: Vec<Check>,
}

/// Parse TOML and turn a serde error into `file:line:column: message`.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, RuleError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        RuleError::Parse {
            file: file.to_string(),
            line,
            column,
            message: e.message().to_string(),
        }
    })
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

impl RuleSet {
    /// `embedded` rule files (name, text), with files of `dir` replacing those of the same
    /// name and adding the rest. The registry knows which files are embedded.
    pub fn load(embedded: &[(&str, &str)], dir: Option<&Path>) -> Result<RuleSet, Vec<RuleError>> {
        let mut files: Vec<(String, String)> = embedded
            .iter()
            .map(|(n, t)| (format!("rules/{n}"), t.to_string()))
            .collect();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).map_err(|source| {
                vec![RuleError::Io {
                    file: dir.display().to_string(),
                    source,
                }]
            })?;
            let mut extra: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            extra.sort();
            for path in extra {
                let text = std::fs::read_to_string(&path).map_err(|source| {
                    vec![RuleError::Io {
                        file: path.display().to_string(),
                        source,
                    }]
                })?;
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                let shown = path.display().to_string();
                match files
                    .iter_mut()
                    .find(|(f, _)| f.rsplit('/').next() == Some(name.as_str()))
                {
                    Some(slot) => *slot = (shown, text),
                    None => files.push((shown, text)),
                }
            }
        }
        Self::from_files(&files)
    }

    fn from_files(files: &[(String, String)]) -> Result<RuleSet, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut policy = None;
        let mut frameworks = None;
        let mut checks: Vec<(String, Check)> = Vec::new();
        let mut catalogues = std::collections::BTreeMap::new();
        for (file, text) in files {
            let base = file.rsplit('/').next().unwrap_or(file);
            match base {
                "policy.toml" => match parse_toml::<PolicyFile>(file, text) {
                    Ok(p) => policy = Some(p),
                    Err(e) => errors.push(e),
                },
                "frameworks.toml" => match parse_toml::<Frameworks>(file, text) {
                    Ok(f) => frameworks = Some(f),
                    Err(e) => errors.push(e),
                },
                _ => match parse_toml::<CheckFile>(file, text) {
                    Ok(cf) => {
                        if let Some(cat) = cf.catalogue {
                            catalogues.insert(
                                base.trim_end_matches(".toml").to_string(),
                                (file.clone(), cat),
                            );
                        }
                        checks.extend(cf.check.into_iter().map(|c| (file.clone(), c)));
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
        let frameworks = frameworks.unwrap_or_default();
        validate(&checks, &frameworks, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut checks: Vec<Check> = checks.into_iter().map(|(_, c)| c).collect();
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(RuleSet {
            policy: policy.unwrap_or_default(),
            frameworks,
            checks,
            catalogues,
        })
    }

    /// A boundary's `[catalogue]` in the shape its scanner defines; errors name the file.
    pub fn catalogue<T: serde::de::DeserializeOwned + Default>(
        &self,
        stem: &str,
    ) -> Result<T, RuleError> {
        match self.catalogues.get(stem) {
            None => Ok(T::default()),
            Some((file, t)) => {
                t.clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| RuleError::CatalogueShape {
                        file: file.clone(),
                        message: e.message().to_string(),
                    })
            }
        }
    }

    pub fn check(&self, id_or_name: &str) -> Option<&Check> {
        self.checks
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id_or_name) || c.name == id_or_name)
    }
}

fn validate(checks: &[(String, Check)], frameworks: &Frameworks, errors: &mut Vec<RuleError>) {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (file, c) in checks {
        let mut bad = |message: String| {
            errors.push(RuleError::Invalid {
                file: file.clone(),
                message: format!("check {}: {message}", c.id),
            })
        };
        // ASCII first: the slices below are by byte.
        let id_ok = c.id.is_ascii()
            && c.id.len() >= 5
            && c.id[c.id.len() - 3..].chars().all(|ch| ch.is_ascii_digit())
            && c.id.starts_with(|ch: char| ch.is_ascii_uppercase())
            // `K8S` has a digit in its prefix.
            && c.id[..c.id.len() - 3]
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit());
        if !id_ok {
            bad("id must be an upper-case boundary prefix and three digits, e.g. AWS001".into());
        }
        if !ids.insert(c.id.clone()) {
            bad("duplicate id (ids are never reused)".into());
        }
        if !names.insert(c.name.clone()) {
            bad(format!("duplicate name `{}`", c.name));
        }
        if c.name.is_empty()
            || !c
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            bad(format!("name `{}` must be kebab-case", c.name));
        }
        for (field, value) in [
            ("summary", &c.summary),
            ("why", &c.why),
            ("remediation", &c.remediation),
            ("since", &c.since),
        ] {
            if value.trim().is_empty() {
                bad(format!("`{field}` is empty"));
            }
        }
        if c.frameworks.is_empty() {
            bad("`frameworks` names no topic".into());
        }
        for t in &c.frameworks {
            if !frameworks.topics.contains_key(t) {
                bad(format!("framework topic `{t}` is not in frameworks.toml"));
            }
        }
        for g in &c.gate {
            if g != "standing" && g != "not-effective" {
                bad(format!(
                    "gate class `{g}` is not one of: standing, not-effective"
                ));
            }
        }
        for u in &c.matcher.any_unknown {
            if !["privilege", "enforcement", "credential_lifetime"].contains(&u.as_str()) {
                bad(format!("any_unknown `{u}` is not a verdict name"));
            }
        }
        match c.matcher.subject {
            Subject::Signal if c.matcher.signal.is_none() => {
                bad("a signal check needs `signal`".into())
            }
            Subject::AccessPath if c.matcher.signal.is_some() => {
                bad("`signal` only applies to subject = \"signal\"".into())
            }
            _ => {}
        }
    }
}
