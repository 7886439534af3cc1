//! Every AWS and general check has a positive and a negative case; the table must cover
//! every such check in rules/, so a new check without cases fails here.

mod support;

use support::pipeline::Pipeline;

use serde_json::{Value, json};

const ACCT: &str = "111122223333";
const NOW: &str = "2026-09-01T12:00:00Z";
const GH: &str = "token.actions.githubusercontent.com";

fn role(name: &str, trust: Value, inline: Value, attached: Value, last_used: Value) -> Value {
    json!({"RoleName": name, "Arn": format!("arn:aws:iam::{ACCT}:role/{name}"), "Path": "/",
           "CreateDate": "2026-06-01T00:00:00Z", "AssumeRolePolicyDocument": trust,
           "RolePolicyList": inline, "AttachedManagedPolicies": attached, "RoleLastUsed": last_used})
}

fn same_account() -> Value {
    json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "sts:AssumeRole"}})
}

fn inline(name: &str, stmt: Value) -> Value {
    json!([{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": stmt}}])
}

fn recent() -> Value {
    json!({"LastUsedDate": "2026-08-31T00:00:00Z"})
}

fn managed(name: &str) -> Value {
    json!([{"PolicyName": name, "PolicyArn": format!("arn:aws:iam::aws:policy/{name}")}])
}

fn window(start: &str, end: &str) -> Value {
    json!({"DateGreaterThan": {"aws:CurrentTime": start}, "DateLessThan": {"aws:CurrentTime": end}})
}

fn oidc(cond: Value) -> Value {
    json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": format!("arn:aws:iam::{ACCT}:oidc-provider/{GH}")},
           "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond}})
}

fn user(name: &str, attached: Value) -> Value {
    json!({"UserName": name, "Arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "Path": "/",
           "CreateDate": "2024-01-01T00:00:00Z", "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": attached})
}

fn keys(items: Value) -> Option<String> {
    Some(json!({"AccessKeyMetadata": items}).to_string())
}

fn key(user: &str, id: &str, status: &str, created: &str, last: Option<&str>) -> Value {
    let mut k =
        json!({"UserName": user, "AccessKeyId": id, "Status": status, "CreateDate": created});
    if let Some(l) = last {
        k["AccessKeyLastUsed"] = json!({"LastUsedDate": l});
    }
    k
}

/// A case: the roles and users of an export, and optionally access-keys.json.
struct Case {
    roles: Vec<Value>,
    users: Vec<Value>,
    keys: Option<String>,
}

fn roles(r: Vec<Value>) -> Case {
    Case {
        roles: r,
        users: vec![],
        keys: None,
    }
}

fn fired(case: &Case) -> Vec<String> {
    let gaad = json!({"UserDetailList": case.users, "RoleDetailList": case.roles, "GroupDetailList": [], "Policies": []});
    let mut docs = vec![("authorization-details.json", "case.json", gaad.to_string())];
    if let Some(keys) = &case.keys {
        docs.push(("access-keys.json", "keys.json", keys.clone()));
    }
    let docs: Vec<(&'static str, &str, &str)> =
        docs.iter().map(|(n, s, t)| (*n, *s, t.as_str())).collect();
    let p = Pipeline::at(NOW);
    let inv = p.inventory(&Pipeline::scope("aws", ACCT, &docs));
    p.findings(&inv).into_iter().map(|f| f.rule_id).collect()
}

/// (check id, positive case, negative case)
fn table() -> Vec<(&'static str, Case, Case)> {
    let s3_write = json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"});
    vec![
        (
            "GEN001",
            roles(vec![role(
                "a",
                same_account(),
                json!([]),
                managed("AdministratorAccess"),
                recent(),
            )]),
            roles(vec![role(
                "a",
                same_account(),
                json!([]),
                managed("ReadOnlyAccess"),
                recent(),
            )]),
        ),
        (
            "GEN002",
            roles(vec![role(
                "w",
                same_account(),
                inline("w", s3_write.clone()),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "w",
                same_account(),
                inline(
                    "w",
                    json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
                ),
                json!([]),
                recent(),
            )]),
        ),
        (
            "GEN003",
            roles(vec![role(
                "t",
                same_account(),
                inline(
                    "t",
                    json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": window("2026-08-01T00:00:00Z", "2026-10-01T00:00:00Z")}),
                ),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "t",
                same_account(),
                inline(
                    "t",
                    json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": window("2026-09-01T10:00:00Z", "2026-09-01T14:00:00Z")}),
                ),
                json!([]),
                recent(),
            )]),
        ),
        (
            "GEN004",
            roles(vec![role(
                "u",
                same_account(),
                json!([]),
                json!([{"PolicyName": "X", "PolicyArn": format!("arn:aws:iam::{ACCT}:policy/X")}]),
                recent(),
            )]),
            roles(vec![role(
                "u",
                same_account(),
                inline("u", s3_write.clone()),
                json!([]),
                recent(),
            )]),
        ),
        (
            "GEN005",
            Case {
                roles: vec![],
                users: vec![user("k", managed("AmazonS3FullAccess"))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2026-08-01T00:00:00Z",
                    Some("2026-08-31T00:00:00Z")
                )])),
            },
            Case {
                roles: vec![],
                users: vec![user("k", managed("AmazonS3FullAccess"))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Inactive",
                    "2026-08-01T00:00:00Z",
                    None
                )])),
            },
        ),
        (
            "GEN006",
            Case {
                roles: vec![],
                users: vec![user("k", managed("AmazonS3FullAccess"))],
                keys: None,
            },
            Case {
                roles: vec![],
                users: vec![user("k", managed("AmazonS3FullAccess"))],
                keys: keys(json!([])),
            },
        ),
        (
            "AWS001",
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2025-01-01T00:00:00Z",
                    Some("2026-08-31T00:00:00Z")
                )])),
            },
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2026-08-01T00:00:00Z",
                    Some("2026-08-31T00:00:00Z")
                )])),
            },
        ),
        (
            "AWS002",
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2025-01-01T00:00:00Z",
                    None
                )])),
            },
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2025-01-01T00:00:00Z",
                    Some("2026-08-30T00:00:00Z")
                )])),
            },
        ),
        (
            "AWS003",
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([
                    key("k", "AKIA1", "Active", "2026-08-01T00:00:00Z", None),
                    key("k", "AKIA2", "Active", "2026-08-02T00:00:00Z", None)
                ])),
            },
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([
                    key("k", "AKIA1", "Active", "2026-08-01T00:00:00Z", None),
                    key("k", "AKIA2", "Inactive", "2026-08-02T00:00:00Z", None)
                ])),
            },
        ),
        (
            "AWS004",
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Inactive",
                    "2026-08-01T00:00:00Z",
                    None
                )])),
            },
            Case {
                roles: vec![],
                users: vec![user("k", json!([]))],
                keys: keys(json!([key(
                    "k",
                    "AKIA1",
                    "Active",
                    "2026-08-01T00:00:00Z",
                    None
                )])),
            },
        ),
        (
            "AWS005",
            roles(vec![role(
                "o",
                oidc(json!({"StringEquals": {format!("{GH}:aud"): "sts.amazonaws.com"}})),
                json!([]),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "o",
                oidc(
                    json!({"StringEquals": {format!("{GH}:sub"): "repo:acme/api:ref:refs/heads/main"}}),
                ),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS006",
            roles(vec![role(
                "o",
                oidc(json!({"StringLike": {format!("{GH}:sub"): "repo:acme/*"}})),
                json!([]),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "o",
                oidc(
                    json!({"StringLike": {format!("{GH}:sub"): "repo:acme/api:environment:prod"}}),
                ),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS007",
            roles(vec![role(
                "v",
                json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole"}}),
                json!([]),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "v",
                json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}}),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS008",
            roles(vec![role(
                "v",
                json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}}),
                json!([]),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "v",
                same_account(),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS009",
            roles(vec![role(
                "p",
                json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}),
                json!([]),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "p",
                json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}}),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS010",
            roles(vec![role(
                "e",
                same_account(),
                inline(
                    "e",
                    json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": window("2026-08-01T00:00:00Z", "2026-08-02T00:00:00Z")}),
                ),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "e",
                same_account(),
                inline(
                    "e",
                    json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": window("2026-09-01T10:00:00Z", "2026-09-01T14:00:00Z")}),
                ),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS011",
            roles(vec![role(
                "s",
                same_account(),
                json!([]),
                json!([]),
                json!({"LastUsedDate": "2025-01-01T00:00:00Z"}),
            )]),
            roles(vec![role(
                "s",
                same_account(),
                json!([]),
                json!([]),
                recent(),
            )]),
        ),
        (
            "AWS012",
            roles(vec![role(
                "r",
                same_account(),
                inline(
                    "AWSRevokeOlderSessions",
                    json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-08-29T14:05:12.000Z"}}}),
                ),
                json!([]),
                recent(),
            )]),
            roles(vec![role(
                "r",
                same_account(),
                inline(
                    "deny-all",
                    json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
                ),
                json!([]),
                recent(),
            )]),
        ),
    ]
}

#[test]
fn every_check_fires_on_its_positive_case_only() {
    for (id, pos, neg) in table() {
        assert!(
            fired(&pos).contains(&id.to_string()),
            "{id} did not fire on its positive case: {:?}",
            fired(&pos)
        );
        assert!(
            !fired(&neg).contains(&id.to_string()),
            "{id} fired on its negative case: {:?}",
            fired(&neg)
        );
    }
}

#[test]
fn the_table_covers_every_aws_and_general_check() {
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let covered: Vec<&str> = table().iter().map(|(id, ..)| *id).collect();
    for c in rules
        .checks
        .iter()
        .filter(|c| c.id.starts_with("AWS") || c.id.starts_with("GEN"))
    {
        assert!(
            covered.contains(&c.id.as_str()),
            "{} {} has no positive/negative case here",
            c.id,
            c.name
        );
    }
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
    std::fs::write(dir.path().join("extra.toml"), "[[check]]\nid = \"AWS001\"\nname = \"Bad Name\"\nseverity = \"high\"\nconfidence = \"high\"\nsummary = \"\"\nwhy = \"w\"\nremediation = \"r\"\nframeworks = [\"nope\"]\nsince = \"0.1.0\"\nmatch = { subject = \"signal\" }\n").unwrap();
    let errs: Vec<String> = jitgap::scan::Registry::builtin()
        .rules(Some(dir.path()))
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
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
    std::fs::write(
        dir.path().join("extra.toml"),
        "[[check]]\nid = \"X\"\nunknown_field = 1\n",
    )
    .unwrap();
    let errs: Vec<String> = jitgap::scan::Registry::builtin()
        .rules(Some(dir.path()))
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errs[0].contains("extra.toml:") && errs[0].contains("unknown_field"),
        "{errs:?}"
    );
}
