//! Rule files: ids unique, doc fields filled, framework references present, and a bad rule
//! file refused with its file and reason. Each check's positive and negative cases are
//! snapshot fixtures in tests/fixtures/checks/, run by tests/check_fixtures.rs.

/// The errors of the built-in rules with `extra.toml` holding `text` beside them.
fn refusals(dir: &std::path::Path, text: &str) -> Vec<String> {
    std::fs::write(dir.join("extra.toml"), text).unwrap();
    jitgap::scan::Registry::builtin()
        .rules(Some(dir))
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn rule_ids_and_names_are_unique_and_documented() {
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let mut ids = std::collections::BTreeSet::new();
    for c in &rules.checks {
        assert!(ids.insert(&c.id), "duplicate {}", c.id);
        for (field, v) in [
            ("summary", &c.summary),
            ("why", &c.why),
            ("remediation", &c.remediation),
        ] {
            assert!(v.trim().len() > 20, "{} `{field}` is too thin", c.id);
        }
        let refs = rules.frameworks.refs_for(&c.frameworks);
        assert!(
            refs.iter().any(|r| r.relation != "requested-label"),
            "{} has no official framework reference",
            c.id
        );
        assert!(
            refs.iter()
                .any(|r| r.id == "NHI-03" && r.relation == "requested-label"),
            "{}",
            c.id
        );
        assert!(
            refs.iter()
                .any(|r| r.id == "PR.AC-4" && r.relation == "requested-label"),
            "{}",
            c.id
        );
    }
}

#[test]
fn a_rule_file_with_a_bad_check_is_refused_with_file_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let errs = refusals(
        dir.path(),
        "[[check]]\nid = \"AWS001\"\nname = \"Bad Name\"\nseverity = \"high\"\nconfidence = \"high\"\nsummary = \"\"\nwhy = \"w\"\nremediation = \"r\"\nframeworks = [\"nope\"]\nsince = \"0.1.0\"\nmatch = { subject = \"signal\" }\n",
    );
    let all = errs.join("\n");
    for want in [
        "duplicate id",
        "kebab-case",
        "`summary` is empty",
        "topic `nope`",
        "needs `signal`",
    ] {
        assert!(all.contains(want), "missing `{want}` in:\n{all}");
    }
    assert!(errs.iter().all(|e| e.contains("extra.toml")), "{all}");
    let errs = refusals(dir.path(), "[[check]]\nid = \"X\"\nunknown_field = 1\n");
    assert!(
        errs[0].contains("extra.toml:") && errs[0].contains("unknown_field"),
        "{errs:?}"
    );
}

#[test]
fn a_rule_id_with_characters_beyond_ascii_is_refused_not_a_crash() {
    // Found by the rules-file property test: the id's last three bytes fell inside a
    // four-byte character.
    let dir = tempfile::tempdir().unwrap();
    for id in ["LED004€𝄞", "AWS€01", "𝄞𝄞", "ÄWS001"] {
        let errs = refusals(
            dir.path(),
            &format!(
                "[[check]]\nid = \"{id}\"\nname = \"odd-id\"\nseverity = \"high\"\nconfidence = \"high\"\nsummary = \"s\"\nwhy = \"w\"\nremediation = \"r\"\nframeworks = []\nsince = \"0.1.0\"\nmatch = {{ subject = \"signal\", signal = \"x\" }}\n"
            ),
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("extra.toml") && e.contains("upper-case boundary prefix")),
            "{id}: {errs:?}"
        );
    }
}
