//! The scanner registry: a boundary is a folder and one registry line. A scanner that exists
//! only in this test is carried from a snapshot through normalization, the checks, every
//! renderer and the gate without any other code knowing it; and the boundary-neutral parts
//! of the program are checked to name no boundary.

use clap::{ArgMatches, Args, FromArgMatches};
use jitgap::model::*;
use jitgap::scan::{
    BoxFuture, Context, Doc, DocumentSpec, Live, LiveTarget, Normalized, Origin, PlanError,
    RawScope, Registry, Scanner,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const TEST_BOUNDARY: Boundary = Boundary::new("testcloud");

/// A boundary with one document, `identities.json`: `[{"name": "...", "admin": bool,
/// "forgotten_key": bool}]`.
struct TestCloud;

static TESTCLOUD: TestCloud = TestCloud;

#[derive(Debug, Clone, Default, Args)]
struct TestCloudFlags {
    /// A TestCloud tenant to scan live (repeatable).
    #[arg(long, value_name = "NAME")]
    testcloud_tenant: Vec<String>,
}

const RULES: &str = r#"
[[check]]
id = "TC001"
name = "testcloud-forgotten-key"
severity = "high"
confidence = "high"
summary = "A TestCloud identity has a key nobody remembers."
why = "A forgotten key is standing access."
remediation = "Delete the key."
frameworks = ["long-lived-secret"]
gate = ["standing"]
since = "0.2.0"
match = { subject = "signal", boundary = ["testcloud"], signal = "testcloud-forgotten-key" }
"#;

#[derive(serde::Deserialize)]
struct Entry {
    name: String,
    admin: bool,
    forgotten_key: bool,
}

impl Scanner for TestCloud {
    fn boundary(&self) -> Boundary {
        TEST_BOUNDARY
    }
    fn title(&self) -> &'static str {
        "TestCloud"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("testcloud.toml", RULES)
    }
    fn documents(&self) -> &'static [DocumentSpec] {
        &[DocumentSpec {
            name: "identities.json",
            required: true,
        }]
    }
    fn operations(&self) -> &'static [&'static str] {
        &["ListIdentities"]
    }
    fn signals(&self) -> &'static [&'static str] {
        &["testcloud-forgotten-key"]
    }
    fn flags(&self, cmd: clap::Command) -> clap::Command {
        TestCloudFlags::augment_args(cmd)
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        _config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        let f = TestCloudFlags::from_arg_matches(flags).unwrap_or_default();
        Ok(f.testcloud_tenant
            .into_iter()
            .map(|t| LiveTarget::new(t.clone(), t))
            .collect())
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, _live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(async move {
            let mut raw = RawScope::new(TEST_BOUNDARY, target.label.clone(), Origin::Live);
            raw.errors
                .push(format!("{}: tenant unreachable", target.label));
            raw
        })
    }
    fn normalize(&self, raw: &RawScope, _ctx: &Context<'_>) -> Normalized {
        let mut out = Normalized::default();
        let Some(doc) = raw.document("identities.json") else {
            out.inventory.scopes.push(ScopeStatus {
                boundary: TEST_BOUNDARY,
                scope: raw.scope.clone(),
                status: ScopeState::Failed,
                errors: raw.errors.clone(),
                sources: vec![],
                connection: None,
                notes: Vec::new(),
            });
            return out;
        };
        let entries: Vec<Entry> = match serde_json::from_str(&doc.text) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(format!("{}: {e}", doc.source));
                return out;
            }
        };
        let inv = &mut out.inventory;
        for (n, e) in entries.iter().enumerate() {
            let id = format!("testcloud://{}/{}", raw.scope, e.name);
            let ev = Evidence::new(doc.source.clone(), format!("/{n}"));
            inv.identities.push(Identity {
                id: Text::from(&id),
                name: e.name.clone(),
                boundary: TEST_BOUNDARY,
                scope: Text::from(&raw.scope),
                kind: "testcloud-identity".into(),
                created_at: None,
                last_used: None,
                attributes: Default::default(),
                evidence: vec![ev.clone()],
            });
            let privilege = if e.admin {
                Privilege::Admin
            } else {
                Privilege::Read
            };
            inv.access_paths.push(AccessPath {
                id: format!("{id}#role").into(),
                identity: Text::from(&id),
                boundary: TEST_BOUNDARY,
                scope: Text::from(&raw.scope),
                entitlement: "role:owner".into(),
                target: Text::from(&raw.scope),
                privilege,
                enforcement: Enforcement::Standing,
                credential_lifetime: CredentialLifetime::LongLived,
                window: None,
                basis: Basis {
                    privilege: Decision::new("tc.privilege", "owner role"),
                    enforcement: Decision::new("tc.enforcement", "no expiry"),
                    credential_lifetime: Decision::new("tc.lifetime", "static key"),
                },
                evidence: vec![ev.clone()],
            });
            if e.forgotten_key {
                inv.signals.push(Signal {
                    kind: "testcloud-forgotten-key".into(),
                    boundary: TEST_BOUNDARY,
                    scope: Text::from(&raw.scope),
                    identity: Text::from(&id),
                    entitlement: "key".into(),
                    target: Text::from(&raw.scope),
                    message: format!("{} has a forgotten key", e.name),
                    revocation: None,
                    severity: None,
                    at: None,
                    evidence: vec![ev],
                });
            }
        }
        inv.scopes.push(ScopeStatus {
            boundary: TEST_BOUNDARY,
            scope: raw.scope.clone(),
            status: ScopeState::Complete,
            errors: vec![],
            sources: vec![doc.source.clone()],
            connection: None,
            notes: Vec::new(),
        });
        out
    }
}

fn registry() -> Registry {
    Registry::builtin().with(&TESTCLOUD)
}

fn snapshot(dir: &Path) -> PathBuf {
    let scope = dir.join("snap/testcloud/tenant-a");
    std::fs::create_dir_all(&scope).unwrap();
    std::fs::write(
        scope.join("identities.json"),
        r#"[{"name": "deployer", "admin": true, "forgotten_key": true},
            {"name": "reader", "admin": false, "forgotten_key": false}]"#,
    )
    .unwrap();
    dir.join("snap")
}

fn run(registry: &Registry, args: &[&str]) -> i32 {
    let mut all = vec!["jitgap"];
    all.extend_from_slice(args);
    jitgap::app::main_with(registry, all)
}

#[test]
fn a_scanner_registered_in_a_test_reaches_every_renderer_and_the_gate() {
    let t = tempfile::tempdir().unwrap();
    let snap = snapshot(t.path());
    let out = t.path().join("out");
    let args = [
        "scan",
        "--from",
        snap.to_str().unwrap(),
        "--format",
        "table,json,sarif,markdown",
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "never",
    ];
    assert_eq!(run(&registry(), &args), 0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("jitgap-report.json")).unwrap())
            .unwrap();
    assert_eq!(json["scopes"][0]["boundary"], "testcloud");
    assert_eq!(json["scopes"][0]["status"], "complete");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"TC001"), "{rules:?}");
    assert!(rules.contains(&"GEN001"), "standing admin path: {rules:?}");
    assert_eq!(json["coverage"]["boundaries"][0]["boundary"], "testcloud");
    for (ext, want) in [
        ("txt", "TC001"),
        ("md", "TC001"),
        ("sarif", "\"ruleId\": \"TC001\""),
    ] {
        let text = std::fs::read_to_string(out.join(format!("jitgap-report.{ext}"))).unwrap();
        assert!(text.contains(want), "{ext} lacks {want}");
        assert!(text.contains("deployer"), "{ext} lacks the identity");
    }

    // A baseline of today's findings, then the gate on a new standing finding.
    let baseline = t.path().join("baseline.json");
    let scope = snap.join("testcloud/tenant-a/identities.json");
    std::fs::write(
        &scope,
        r#"[{"name": "reader", "admin": false, "forgotten_key": false}]"#,
    )
    .unwrap();
    let from = snap.to_str().unwrap();
    assert_eq!(
        run(
            &registry(),
            &[
                "baseline",
                "update",
                "--baseline",
                baseline.to_str().unwrap(),
                "--from",
                from,
                "--progress",
                "never"
            ]
        ),
        0
    );
    std::fs::write(
        &scope,
        r#"[{"name": "reader", "admin": false, "forgotten_key": false},
            {"name": "deployer", "admin": true, "forgotten_key": true}]"#,
    )
    .unwrap();
    let gate = [
        "scan",
        "--from",
        from,
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on",
        "new-standing",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
        "--progress",
        "never",
    ];
    assert_eq!(
        run(&registry(), &gate),
        1,
        "a new standing finding fails the gate"
    );
}

#[test]
fn its_flags_config_and_failures_come_from_it() {
    let help = jitgap::cli::command(&registry())
        .find_subcommand_mut("scan")
        .unwrap()
        .render_help()
        .to_string();
    assert!(help.contains("TestCloud:"), "{help}");
    assert!(help.contains("--testcloud-tenant <NAME>"), "{help}");
    for sub in ["collect", "verify"] {
        let h = jitgap::cli::command(&registry())
            .find_subcommand_mut(sub)
            .unwrap()
            .render_help()
            .to_string();
        assert!(h.contains("--testcloud-tenant"), "{sub}: {h}");
    }
    // A live scope that fails makes the run incomplete (exit 3), the others stand.
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let code = run(
        &registry(),
        &[
            "scan",
            "--demo",
            "--testcloud-tenant",
            "tenant-b",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
            "--progress",
            "never",
        ],
    );
    assert_eq!(code, 3);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("jitgap-report.json")).unwrap())
            .unwrap();
    let failed: Vec<&serde_json::Value> = json["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "complete")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["boundary"], "testcloud");
    // The built-in registry does not know the flag.
    assert_eq!(
        run(&Registry::builtin(), &["scan", "--testcloud-tenant", "x"]),
        2
    );
}

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

#[test]
fn every_rules_file_belongs_to_exactly_one_scanner_or_to_the_program() {
    let registry = Registry::builtin();
    let general: Vec<&str> = jitgap::rules::EMBEDDED.iter().map(|(n, _)| *n).collect();
    for entry in std::fs::read_dir(rules_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let owners: Vec<String> = registry
            .scanners()
            .iter()
            .filter(|s| s.rules_file().0 == name)
            .map(|s| s.boundary().to_string())
            .collect();
        let general_too = general.contains(&name.as_str()) as usize;
        assert_eq!(
            owners.len() + general_too,
            1,
            "rules/{name} belongs to {owners:?} (and general: {general_too})"
        );
        // What the scanner embeds is the file on disk.
        for s in registry
            .scanners()
            .iter()
            .filter(|s| s.rules_file().0 == name)
        {
            let disk = std::fs::read_to_string(rules_dir().join(&name)).unwrap();
            assert_eq!(s.rules_file().1, disk, "rules/{name}");
        }
    }
    // Each scanner's checks carry its boundary.
    let rules = registry.rules(None).unwrap();
    for s in registry.scanners() {
        let text = s.rules_file().1;
        let table: toml::Table = text.parse().unwrap();
        for check in table["check"].as_array().unwrap() {
            let id = check["id"].as_str().unwrap();
            let c = rules.check(id).unwrap();
            if let Some(b) = &c.matcher.boundary {
                assert!(
                    b.contains(&s.boundary()) || c.deprecated.is_some(),
                    "{id}: {b:?}"
                );
            }
        }
    }
}

#[test]
fn every_signal_has_a_check_and_every_check_a_signal_someone_emits() {
    let registry = Registry::builtin();
    let rules = registry.rules(None).unwrap();
    let mut declared: BTreeSet<&str> = jitgap::ledger::SIGNALS.iter().copied().collect();
    for s in registry.scanners() {
        for sig in s.signals() {
            assert!(declared.insert(sig), "signal {sig} declared twice");
        }
    }
    let checked: BTreeSet<&str> = rules
        .checks
        .iter()
        .filter(|c| c.deprecated.is_none())
        .filter_map(|c| c.matcher.signal.as_deref())
        .collect();
    let unchecked: Vec<_> = declared.difference(&checked).collect();
    let undeclared: Vec<_> = checked.difference(&declared).collect();
    assert!(
        unchecked.is_empty(),
        "signals without a check: {unchecked:?}"
    );
    assert!(
        undeclared.is_empty(),
        "checks on signals nobody emits: {undeclared:?}"
    );
    // What the scanners emit on the demo estate, each kind declared by the scanner that
    // emitted it.
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let snap = jitgap::scan::load_snapshot(&demo, &registry).unwrap();
    let policy = jitgap::policy::Policy::from_layers(&[&rules.policy]).unwrap();
    let ctx = Context {
        policy: &policy,
        rules: &rules,
        now: jitgap::time::parse_timestamp("2026-09-01T12:00:00Z").unwrap(),
    };
    let mut seen = 0;
    for raw in &snap.scopes {
        let s = registry.find(raw.boundary).unwrap();
        for sig in s.normalize(raw, &ctx).inventory.signals {
            seen += 1;
            assert!(
                s.signals().contains(&sig.kind.as_str()),
                "{} emits {} but does not declare it",
                s.boundary(),
                sig.kind
            );
        }
    }
    assert!(seen > 10, "the demo emits signals: {seen}");
}

/// Source files that must stay boundary-neutral: the commands, the report, the gate, the
/// checks and the reconciler.
fn neutral_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = vec![root.join("checks.rs")];
    for dir in ["app", "report", "gate"] {
        walk(&root.join(dir), &mut out);
    }
    for f in [
        "reconcile.rs",
        "zombie.rs",
        "gaps.rs",
        "stretched.rs",
        "matching.rs",
    ] {
        out.push(root.join("ledger").join(f));
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && !p
                .file_stem()
                .is_some_and(|s| s == "tests" || s.to_string_lossy().ends_with("_tests"))
        {
            out.push(p);
        }
    }
}

/// Code without comments and without its test module.
fn code_of(text: &str) -> String {
    text.split("#[cfg(test)]")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn mentions(code: &str, name: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let patterns = [
        format!("\"{name}\""),
        format!("\"{name}-"),
        format!("\"{name}:"),
        format!("scan::{name}"),
        format!("{name}::"),
        format!("Boundary::new(\"{name}"),
    ];
    for (n, line) in code.lines().enumerate() {
        let line_no_comment = line.split("//").next().unwrap();
        for p in &patterns {
            if line_no_comment.contains(p.as_str()) {
                hits.push(format!("line {}: {}", n + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn the_boundary_neutral_parts_name_no_boundary() {
    let registry = registry();
    let names: Vec<String> = registry
        .scanners()
        .iter()
        .map(|s| s.boundary().to_string())
        .collect();
    let mut found = Vec::new();
    for file in neutral_files() {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for name in &names {
            for hit in mentions(&code, name) {
                found.push(format!("{}: {name}: {hit}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "boundary named outside its scanner:\n{}",
        found.join("\n")
    );
    // The check itself can fail.
    assert!(!mentions("let b = scan::aws::BOUNDARY;", "aws").is_empty());
    assert!(!mentions("if s.boundary.as_str() == \"postgres\" {", "postgres").is_empty());
}

#[test]
fn a_snapshot_document_nobody_declares_is_ignored() {
    let t = tempfile::tempdir().unwrap();
    let snap = snapshot(t.path());
    std::fs::write(snap.join("testcloud/tenant-a/notes.txt"), "x").unwrap();
    let s = jitgap::scan::load_snapshot(&snap, &registry()).unwrap();
    assert_eq!(s.scopes.len(), 1);
    assert_eq!(s.scopes[0].scope, "tenant-a");
    assert_eq!(s.scopes[0].documents.len(), 1);
    // The built-in registry sees no documents there.
    let e = jitgap::scan::load_snapshot(&snap, &Registry::builtin()).unwrap_err();
    assert!(e.to_string().contains("no snapshot documents found"), "{e}");
    let _ = Doc::new("x", "y");
}

/// The POSTs a scanner may declare because they read or only exchange a credential
/// (design.md §10): Resource Manager's `getIamPolicy`, and a GitHub App's JWT exchanged for
/// an installation token.
const READING_POSTS: &[&str] = &[
    "POST /v3/projects/{id}:getIamPolicy",
    "POST /v3/folders/{id}:getIamPolicy",
    "POST /v3/organizations/{id}:getIamPolicy",
    "POST /app/installations/{id}/access_tokens",
];

/// Operations named as API actions (`ListAccessKeys`) or SQL statement keywords that read.
const READING_PREFIXES: &[&str] = &["Get", "List", "Generate", "SELECT", "SHOW"];

#[test]
fn every_built_in_scanner_declares_read_operations_only() {
    let registry = Registry::builtin();
    for s in registry.scanners() {
        let ops = s.operations();
        assert!(!ops.is_empty(), "{} declares no operations", s.boundary());
        for op in ops {
            match op.split_once(' ') {
                Some(("GET", path)) => assert!(path.starts_with('/'), "{}: {op}", s.boundary()),
                Some(("POST", _)) => assert!(
                    READING_POSTS.contains(op),
                    "{}: {op} is a POST that is not known to read",
                    s.boundary()
                ),
                Some(_) => panic!("{}: {op} is neither a GET nor a reading POST", s.boundary()),
                // `--aws-organization` opens a session in each member account: it reads
                // nothing and changes nothing.
                None if *op == "AssumeRole" => assert_eq!(s.boundary().as_str(), "aws"),
                None => assert!(
                    READING_PREFIXES.iter().any(|p| op.starts_with(p)),
                    "{}: {op} does not read",
                    s.boundary()
                ),
            }
        }
    }
}
