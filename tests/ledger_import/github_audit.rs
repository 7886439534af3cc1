//! GitHub organization audit-log events (`gh api /orgs/ORG/audit-log`, `--paginate` pages back
//! to back, JSON Lines) read into grants named as the GitHub scanner names identities.

use super::{fixture, one, pointers, t};
use jitgap::ledger::import::github_audit::{self, GithubAuditImport};
use jitgap::ledger::import::{Doc, read_docs};
use jitgap::ledger::{Grant, ImportKind, import_file, parse_spec};
use jitgap::model::Boundary;
use std::collections::BTreeMap;

fn label<'g>(g: &'g Grant, key: &str) -> Option<&'g str> {
    g.labels.get(key).map(String::as_str)
}

fn import(rel: &str) -> GithubAuditImport {
    let docs = read_docs(
        &fixture(&format!("github-audit/{rel}")),
        &[".json", ".jsonl"],
    )
    .unwrap();
    github_audit::import_docs(&docs).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn named<'g>(grants: &'g [Grant], identity: &str) -> &'g Grant {
    one(grants, identity, |g| g.identity == identity)
}

fn skipped(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(a, n)| (a.to_string(), *n)).collect()
}

/// The error of importing `text` saved as `name`.
fn error(name: &str, text: &str) -> String {
    github_audit::import_docs(&[Doc::new(name, text)])
        .err()
        .unwrap_or_else(|| panic!("{name} was accepted"))
        .to_string()
}

#[test]
fn github_audit_fine_grained_token_grant_and_revocation_pair_into_one_grant() {
    let out = import("audit-log.json");
    assert_eq!(out.events, 8);
    assert_eq!(out.grants.len(), 4, "{:#?}", out.grants);
    let g = named(&out.grants, "release-bot (build-bot)");
    assert_eq!(
        (g.boundary, g.scope.as_str(), g.entitlement.as_str()),
        (Boundary::new("github"), "acme", "")
    );
    assert_eq!(g.source, "github-audit");
    assert_eq!(
        g.grant_id, "Ab1cD2eF3gH4iJ5kL6mN7o",
        "the granting event's _document_id"
    );
    assert_eq!(g.issued_at, Some(t("2026-03-01T09:00:00.123Z")));
    assert_eq!(g.revoked_at, Some(t("2026-08-30T09:15:00.123Z")));
    assert_eq!(
        g.requested_by.as_deref(),
        Some("build-bot"),
        "the token's owner"
    );
    assert_eq!(
        g.approved_by.as_deref(),
        Some("octo-admin"),
        "an owner other than the token's owner granted it"
    );
    assert_eq!(label(g, "revoked_by"), Some("octo-admin"));
    assert_eq!(
        label(g, "revoked_with"),
        Some("personal_access_token.access_revoked")
    );
    assert_eq!(label(g, "repository_selection"), Some("subset"));
    assert!(
        label(g, "match")
            .unwrap()
            .starts_with("joined on owner login and token name"),
        "{:?}",
        g.labels
    );
    // Both events, where they sit in the file (the revocation is listed first).
    assert_eq!(pointers(g), ["/1", "/0"]);
    assert!(
        g.evidence[0]
            .source
            .ends_with("github-audit/audit-log.json")
    );
    assert!(
        g.evidence[0].excerpt.starts_with(
            "personal_access_token.access_granted at 2026-03-01T09:00:00Z by octo-admin"
        ) && g.evidence[0]
            .excerpt
            .contains("joined on owner login and token name"),
        "{}",
        g.evidence[0].excerpt
    );
}

#[test]
fn github_audit_deploy_keys_join_on_title_and_repository() {
    let out = import("audit-log.json");
    // A deletion naming its repository, with no creation in the log.
    let legacy = named(&out.grants, "legacy-deploy (acme/old-site)");
    assert_eq!(legacy.scope, "acme", "the repository's owner");
    assert_eq!(legacy.target, "acme/old-site");
    assert_eq!(legacy.issued_at, None);
    assert_eq!(legacy.revoked_at, Some(t("2026-08-20T14:00:00.123Z")));
    assert_eq!(label(legacy, "opened"), Some("before the log"));
    assert_eq!(label(legacy, "read_only"), Some("false"));
    assert!(
        label(legacy, "match")
            .unwrap()
            .starts_with("joined on key title and repository"),
        "{:?}",
        legacy.labels
    );
    assert_eq!(pointers(legacy), ["/2"]);
    // No public key material is copied into the grant.
    let written = serde_json::to_string(&out.grants).unwrap();
    assert!(!written.contains("AAAAC3NzaC1lZDI1NTE5"), "{written}");

    // A creation without a repository, closed by the deletion that names one: exact now.
    let temp = named(&out.grants, "temp-deploy (acme/api)");
    assert_eq!(temp.grant_id, "Tm2pK3lM4nB5vC6xZ7aS8d");
    assert_eq!(temp.issued_at, Some(t("2026-07-10T08:00:00.123Z")));
    assert_eq!(temp.revoked_at, Some(t("2026-07-10T12:00:00.123Z")));
    assert_eq!(temp.requested_by.as_deref(), Some("build-bot"));
    assert_eq!(
        label(temp, "fingerprint"),
        Some("SHA256:T3mpDeployExampleOnlyFingerprint00000000")
    );
    assert!(
        label(temp, "match")
            .unwrap()
            .starts_with("joined on key title and repository")
    );
    assert_eq!(pointers(temp), ["/4", "/5"]);
    assert_eq!(
        (out.revocations_applied, out.opened_before_log, out.repeated),
        (2, 2, 0)
    );
}

#[test]
fn github_audit_app_uninstall_names_the_slug_and_other_actions_are_counted() {
    let out = import("audit-log.json");
    let app = named(&out.grants, "old-notifier");
    assert_eq!(app.scope, "acme");
    assert_eq!(app.revoked_at, Some(t("2026-08-25T10:00:00.123Z")));
    assert_eq!(
        label(app, "revoked_with"),
        Some("integration_installation.destroy")
    );
    assert_eq!(label(app, "app_slug"), Some("old-notifier"));
    assert_eq!(
        out.skipped,
        skipped(&[
            ("integration_installation.repositories_added", 1),
            ("repo.create", 1)
        ])
    );
    assert_eq!((out.duplicates, out.keys_without_repository), (0, 0));
}

#[test]
fn github_audit_suspensions_credential_authorizations_and_open_grants() {
    let out = import("lifecycles.json");
    assert_eq!(out.events, 14);
    assert_eq!(out.grants.len(), 7, "{:#?}", out.grants);

    // Suspended before the log's first grant, then uninstalled: one grant, both events.
    let old = named(&out.grants, "old-notifier");
    assert_eq!(old.revoked_at, Some(t("2026-05-01T10:00:00.123Z")));
    assert_eq!(label(old, "opened"), Some("before the log"));
    assert_eq!(
        label(old, "followed_by"),
        Some("integration_installation.destroy at 2026-08-25T10:00:00Z")
    );
    assert_eq!(pointers(old), ["/0", "/1"]);

    // Installed, suspended, unsuspended: an ended grant and an open one.
    let admin: Vec<&Grant> = out
        .grants
        .iter()
        .filter(|g| g.identity == "acme-admin-automation")
        .collect();
    assert_eq!(admin.len(), 2, "{admin:#?}");
    assert_eq!(
        (admin[0].issued_at, admin[0].revoked_at),
        (
            Some(t("2026-04-01T10:00:00.123Z")),
            Some(t("2026-04-02T10:00:00.123Z"))
        )
    );
    assert_eq!(
        label(admin[0], "revoked_with"),
        Some("integration_installation.suspend")
    );
    assert_eq!(
        (admin[1].issued_at, admin[1].revoked_at),
        (Some(t("2026-04-03T10:00:00.123Z")), None)
    );
    assert_eq!(
        label(admin[1], "granted_with"),
        Some("integration_installation.unsuspend")
    );

    // An owner revoked the member's authorization: every credential of the login.
    let sso = named(
        &out.grants,
        "github:acme/credential-authorizations/old-ci/*",
    );
    assert_eq!(sso.requested_by.as_deref(), Some("old-ci"));
    assert_eq!(sso.revoked_at, Some(t("2026-08-15T10:00:00.123Z")));
    assert_eq!(label(sso, "revoked_by"), Some("octo-admin"));
    assert_eq!(label(sso, "token_scopes"), Some("repo"));
    assert!(
        label(sso, "match")
            .unwrap()
            .contains("every SSO-authorized credential of old-ci"),
        "{:?}",
        sso.labels
    );
    // The member withdrew their own.
    let ops = named(
        &out.grants,
        "github:acme/credential-authorizations/octo-ops/*",
    );
    assert_eq!(ops.revoked_at, Some(t("2026-06-20T10:00:00.123Z")));
    assert_eq!(
        label(ops, "revoked_with"),
        Some("org_credential_authorization.deauthorize")
    );
    assert_eq!(label(ops, "token_scopes"), Some("admin:org, repo"));

    // Granted twice while open: one grant, still open; the owner granted it to themselves.
    let hotfix = named(&out.grants, "hotfix-deploy (deploy-bot)");
    assert_eq!(hotfix.issued_at, Some(t("2026-09-01T11:00:00.123Z")));
    assert_eq!(
        (hotfix.revoked_at, hotfix.approved_by.as_deref()),
        (None, None)
    );
    assert_eq!(pointers(hotfix), ["/9", "/10"]);

    // A key created without a repository in a file of acme's log: a deploy-key candidate.
    let laptop = named(&out.grants, "laptop (acme/*)");
    assert_eq!(
        laptop.scope, "acme",
        "the organization the file's events name"
    );
    assert!(
        label(laptop, "match")
            .unwrap()
            .starts_with("candidate: joined on key title only"),
        "{:?}",
        laptop.labels
    );
    assert_eq!(
        (
            out.revocations_applied,
            out.opened_before_log,
            out.repeated,
            out.keys_without_repository
        ),
        (3, 1, 2, 1),
        "a key deleted without a repository and never created in the log is left out"
    );
    assert_eq!(out.skipped, skipped(&[("org.update_member", 1)]));
}

#[test]
fn github_audit_paginated_pages_and_json_lines_read_alike() {
    let pages = import("paginated.json");
    assert_eq!(
        (pages.events, pages.duplicates),
        (4, 1),
        "page 2 repeats an event"
    );
    let lines = import("events.jsonl");
    assert_eq!((lines.events, lines.duplicates), (4, 0));
    for out in [&pages, &lines] {
        assert_eq!(out.grants.len(), 2, "{:#?}", out.grants);
        let pat = named(&out.grants, "yearly-sync (sync-bot)");
        assert_eq!(
            (pat.issued_at, pat.revoked_at),
            (
                Some(t("2026-06-01T10:00:00.123Z")),
                Some(t("2026-06-02T10:00:00.123Z"))
            )
        );
        assert_eq!(pat.approved_by, None, "the owner granted it");
        let app = named(&out.grants, "lint-cloud");
        assert_eq!(app.issued_at, Some(t("2026-06-01T10:05:00.123Z")));
        assert_eq!(app.requested_by.as_deref(), Some("octo-admin"));
        assert_eq!(
            out.skipped,
            skipped(&[("integration_installation.version_updated", 1)])
        );
    }
    assert_eq!(
        pointers(named(&pages.grants, "yearly-sync (sync-bot)")),
        ["page 1 /0", "page 2 /1"]
    );
    assert_eq!(
        pointers(named(&lines.grants, "yearly-sync (sync-bot)")),
        ["line 1", "line 3"]
    );
}

#[test]
fn github_audit_directory_and_kind_spec() {
    assert_eq!(
        parse_spec("github-audit:exports/acme.json"),
        (ImportKind::GithubAudit, "exports/acme.json".into())
    );
    // A directory: its *.json and *.jsonl files, each event once.
    let grants = import_file(ImportKind::GithubAudit, &fixture("github-audit")).unwrap();
    let count = |identity: &str| grants.iter().filter(|g| g.identity == identity).count();
    assert_eq!(count("yearly-sync (sync-bot)"), 1, "{grants:#?}");
    assert_eq!(count("release-bot (build-bot)"), 1);
    // old-notifier: the suspension of lifecycles.json ends the grant; both uninstalls (two
    // events: their `_document_id`s differ) follow it.
    assert_eq!(count("old-notifier"), 1);
}

#[test]
fn github_audit_bad_input_names_the_file_and_position() {
    let e = error(
        "audit.jsonl",
        "{\"action\": \"repo.create\", \"@timestamp\": 1}\n{\"action\": \n",
    );
    assert_eq!(
        e,
        "audit.jsonl:2: the JSON value starting here is cut short"
    );
    let e = error(
        "audit.jsonl",
        "{\"action\": \"repo.create\"}\n\n{\"action\": repo}\n",
    );
    assert!(
        e.starts_with("audit.jsonl:3: expected value (column 12)"),
        "{e}"
    );
    let pat = r#"{"action": "personal_access_token.access_revoked", "@timestamp": 1788081300123, "actor": "octo-admin", "user_programmatic_access_name": "release-bot"}"#;
    let e = error(
        "audit.json",
        &format!("[{{\"action\": \"repo.create\"}}, {pat}]"),
    );
    assert_eq!(
        e,
        "audit.json: /1: personal_access_token.access_revoked: missing `user` (the token's owner)"
    );
    let e = error("audit.jsonl", &format!("{{\"action\": \"x.y\"}}\n{pat}\n"));
    assert!(
        e.starts_with("audit.jsonl:2: personal_access_token.access_revoked: missing `user`"),
        "{e}"
    );
    let e = error(
        "paged.json",
        r#"[{"action": "repo.create"}][{"action": "public_key.delete", "title": "k"}]"#,
    );
    assert_eq!(
        e,
        "paged.json: page 2 /0: public_key.delete: missing `@timestamp` / `created_at` (milliseconds since the epoch)"
    );
    let e = error(
        "revoke.json",
        r#"[{"action": "org_credential_authorization.revoke", "@timestamp": 1788081300123, "actor": "octo-admin"}]"#,
    );
    assert!(
        e.contains("/0: org_credential_authorization.revoke: missing `owner`"),
        "{e}"
    );
    let e = error(
        "error.json",
        r#"{"message": "Must have admin rights to Repository.", "documentation_url": "https://docs.github.com/rest"}"#,
    );
    assert!(
        e.starts_with(
            "error.json:1: the saved body is a GitHub API error (`Must have admin rights"
        ),
        "{e}"
    );
    assert_eq!(
        error("odd.json", r#"[{"action": "repo.create"}, "x"]"#),
        "odd.json: /1: expected an audit-log event (a JSON object)"
    );
    assert_eq!(
        error("noaction.json", r#"[{"actor": "octo-admin"}]"#),
        "noaction.json: /0: expected an audit-log event: an object with `action`"
    );
    assert!(error("empty.json", "\n").contains("empty.json: the file is empty"));
    // Unknown actions are never an error, whatever their fields.
    let out = github_audit::import_docs(&[Doc::new(
        "other.json",
        r#"[{"action": "workflows.completed_workflow_run"}, {"action": "repo.destroy", "@timestamp": "soon"}]"#,
    )])
    .unwrap();
    assert_eq!(out.grants.len(), 0);
    assert_eq!(
        out.skipped,
        skipped(&[("repo.destroy", 1), ("workflows.completed_workflow_run", 1)])
    );
}
