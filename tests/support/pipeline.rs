//! One pipeline for library-level tests: the built-in rules with the policy they ship
//! (`rules/policy.toml`, never `Policy::default()`), normalization through a scanner of the
//! registry, and the checks.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use jitgap::finding::Finding;
use jitgap::model::Inventory;
use jitgap::policy::Policy;
use jitgap::rules::RuleSet;
use jitgap::scan::{Context, Doc, Normalized, Origin, RawScope, Registry};

pub struct Pipeline {
    pub registry: Registry,
    pub rules: RuleSet,
    pub policy: Policy,
    pub now: DateTime<Utc>,
}

impl Pipeline {
    /// The built-in rules and their policy, judging at `now` (RFC 3339).
    pub fn at(now: &str) -> Pipeline {
        let registry = Registry::builtin();
        let rules = registry.rules(None).expect("the built-in rules load");
        let policy = Policy::from_layers(&[&rules.policy]).expect("the built-in policy is valid");
        Pipeline {
            registry,
            rules,
            policy,
            now: jitgap::time::parse_timestamp(now).expect("an RFC 3339 time"),
        }
    }

    /// The same, judging now.
    pub fn now() -> Pipeline {
        let mut p = Pipeline::at("2026-01-01T00:00:00Z");
        p.now = Utc::now();
        p
    }

    /// A scope read from files: `(document name, source, text)`.
    pub fn scope(boundary: &str, scope: &str, docs: &[(&'static str, &str, &str)]) -> RawScope {
        let mut raw = RawScope::new(
            jitgap::model::Boundary::parse(boundary).expect("a boundary name"),
            scope,
            Origin::File,
        );
        for (name, source, text) in docs {
            raw.put(name, Doc::new(*source, *text));
        }
        raw
    }

    /// Normalizes one scope with its boundary's scanner.
    pub fn normalize(&self, raw: &RawScope) -> Normalized {
        let ctx = Context {
            policy: &self.policy,
            rules: &self.rules,
            now: self.now,
        };
        self.registry
            .find(raw.boundary)
            .expect("a registered boundary")
            .normalize(raw, &ctx)
    }

    /// Normalizes, asserts the documents were readable, and sorts.
    pub fn inventory(&self, raw: &RawScope) -> Inventory {
        let Normalized {
            mut inventory,
            errors,
        } = self.normalize(raw);
        assert!(errors.is_empty(), "{errors:?}");
        inventory.sort();
        inventory
    }

    /// The checks' findings on an inventory, with no config settings.
    pub fn findings(&self, inv: &Inventory) -> Vec<Finding> {
        jitgap::checks::run(inv, &self.rules, &Default::default())
    }
}

/// The collected scope named `name`.
pub fn scope<'a>(scopes: &'a [RawScope], name: &str) -> &'a RawScope {
    scopes.iter().find(|s| s.scope == name).unwrap_or_else(|| {
        panic!(
            "no scope {name} in {:?}",
            scopes.iter().map(|s| &s.scope).collect::<Vec<_>>()
        )
    })
}

/// Document `name` of a collected scope, parsed.
pub fn doc(raw: &RawScope, name: &str) -> serde_json::Value {
    let d = raw
        .document(name)
        .unwrap_or_else(|| panic!("{} has no {name}", raw.scope));
    serde_json::from_str(&d.text).unwrap()
}
