//! Every boundary jitgap reads, in one list. A new boundary is a folder under `src/scan/`,
//! a rules file, and one line in [`BUILTIN`].

use super::scanner::Scanner;
use super::{aws, azure, gcp, github, kubernetes, mysql, postgres};
use crate::model::Boundary;
use crate::rules::{RuleError, RuleSet};
use std::path::Path;

/// The built-in scanners, in the order reports list their boundaries.
static BUILTIN: &[&dyn Scanner] = &[
    &aws::SCANNER,
    &azure::SCANNER,
    &gcp::SCANNER,
    &github::SCANNER,
    &kubernetes::SCANNER,
    &postgres::SCANNER,
    &mysql::SCANNER,
];

/// The scanners a run knows. Tests may add their own.
#[derive(Clone)]
pub struct Registry {
    scanners: Vec<&'static dyn Scanner>,
}

impl Registry {
    pub fn builtin() -> Registry {
        Registry {
            scanners: BUILTIN.to_vec(),
        }
    }

    /// This registry and one more scanner (listed last).
    pub fn with(mut self, scanner: &'static dyn Scanner) -> Registry {
        self.scanners.push(scanner);
        self
    }

    pub fn scanners(&self) -> &[&'static dyn Scanner] {
        &self.scanners
    }

    pub fn find(&self, boundary: Boundary) -> Option<&'static dyn Scanner> {
        self.scanners
            .iter()
            .copied()
            .find(|s| s.boundary() == boundary)
    }

    pub fn find_name(&self, name: &str) -> Option<&'static dyn Scanner> {
        self.scanners
            .iter()
            .copied()
            .find(|s| s.boundary().as_str() == name)
    }

    /// Position in reports: the registry's order, then anything else (ledger sources) by name.
    pub fn rank(&self, boundary: Boundary) -> usize {
        self.scanners
            .iter()
            .position(|s| s.boundary() == boundary)
            .unwrap_or(self.scanners.len())
    }

    /// The embedded rule files: the general ones, then each scanner's.
    pub fn rule_files(&self) -> Vec<(&'static str, &'static str)> {
        let mut files = crate::rules::EMBEDDED.to_vec();
        files.extend(self.scanners.iter().map(|s| s.rules_file()));
        files
    }

    /// The rules: embedded files, with `dir`'s files replacing those of the same name.
    pub fn rules(&self, dir: Option<&Path>) -> Result<RuleSet, Vec<RuleError>> {
        let rules = RuleSet::load(&self.rule_files(), dir)?;
        let errors: Vec<RuleError> = self
            .scanners
            .iter()
            .filter_map(|s| s.check_rules(&rules).err())
            .map(RuleError::Catalogue)
            .collect();
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors)
        }
    }
}

/// The built-in rules (every embedded file, no overrides).
pub fn embedded_rules() -> Result<RuleSet, Vec<RuleError>> {
    Registry::builtin().rules(None)
}
