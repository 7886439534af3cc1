//! The Kubernetes scanner's verdicts on the fake cluster (tests/fixtures/kubernetes/estate:
//! context `prod`, as `kubectl get -o json` prints it), read as a snapshot through the real
//! program: every service account's paths, the checks, plain kubectl outputs of any name, the
//! workload identity bridge into an AWS account read in the same run, and what it does with
//! incomplete or bad snapshots.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{copy_dir, files, jitgap, repo, scan_report};

fn estate() -> PathBuf {
    repo().join("tests/fixtures/kubernetes/estate")
}

fn prod(dir: &Path) -> PathBuf {
    dir.join("kubernetes/prod")
}

fn name_of(r: &Value, id: &str) -> String {
    r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["name"].as_str().unwrap().to_string())
        .unwrap_or_else(|| id.to_string())
}

/// (identity name, entitlement, target, privilege, enforcement, credential lifetime).
fn paths(r: &Value) -> Vec<[String; 6]> {
    let mut out: Vec<[String; 6]> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["boundary"] == "kubernetes")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            [
                name_of(r, p["identity"].as_str().unwrap()),
                s("entitlement"),
                s("target"),
                s("privilege"),
                s("enforcement"),
                s("credential_lifetime"),
            ]
        })
        .collect();
    out.sort();
    out
}

fn findings<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

/// The identity names of a rule's findings, sorted.
fn flagged(r: &Value, rule: &str) -> Vec<String> {
    let mut v: Vec<String> = findings(r, rule)
        .iter()
        .map(|f| name_of(r, f["identity"].as_str().unwrap()))
        .collect();
    v.sort();
    v
}

fn row(v: [&str; 6]) -> [String; 6] {
    v.map(str::to_string)
}

fn estate_paths() -> Vec<[String; 6]> {
    let mut v = vec![
        row([
            "build/ci-deployer",
            "ClusterRoleBinding ci-deployer-admin → ClusterRole cluster-admin",
            "cluster prod",
            "admin",
            "standing",
            "long-lived",
        ]),
        // A binding to a Role that does not exist: nothing today, anything once it is created.
        row([
            "build/ci-deployer",
            "RoleBinding build/missing-role → Role nope",
            "namespace build",
            "unknown",
            "standing",
            "long-lived",
        ]),
        // No pod, no token Secret: no credential in use.
        row([
            "build/default",
            "RoleBinding build/default-writer → ClusterRole namespace-writer",
            "namespace build",
            "write",
            "standing",
            "none",
        ]),
        // The auto-mounted token (3607 s) is extended to a year.
        row([
            "apps/api",
            "RoleBinding apps/api-reader → Role api-reader",
            "namespace apps",
            "read",
            "standing",
            "long-lived",
        ]),
        row([
            "apps/api",
            "RoleBinding apps/apps-writers → ClusterRole namespace-writer (via group system:serviceaccounts:apps)",
            "namespace apps",
            "write",
            "standing",
            "long-lived",
        ]),
        row([
            "apps/default",
            "RoleBinding apps/apps-writers → ClusterRole namespace-writer (via group system:serviceaccounts:apps)",
            "namespace apps",
            "write",
            "standing",
            "none",
        ]),
        // A ten-minute projected token, automount off.
        row([
            "apps/worker",
            "RoleBinding apps/apps-writers → ClusterRole namespace-writer (via group system:serviceaccounts:apps)",
            "namespace apps",
            "write",
            "standing",
            "ephemeral",
        ]),
        // Aggregated ClusterRole: its rules come from ci-extra by label.
        row([
            "apps/worker",
            "RoleBinding apps/worker-ci → ClusterRole ci-aggregate",
            "namespace apps",
            "write",
            "standing",
            "ephemeral",
        ]),
        row([
            "kube-system/token-minter",
            "ClusterRoleBinding token-minter → ClusterRole token-minter",
            "cluster prod",
            "admin",
            "standing",
            "none",
        ]),
        // Reading every resource cluster-wide reads every Secret.
        row([
            "monitoring/prom",
            "ClusterRoleBinding prom-view → ClusterRole view-all",
            "cluster prod",
            "admin",
            "standing",
            "none",
        ]),
        // `*/*` is no wildcard: every verb on a resource that does not exist.
        row([
            "monitoring/prom",
            "RoleBinding monitoring/literal → ClusterRole wild-literal",
            "namespace monitoring",
            "write",
            "standing",
            "none",
        ]),
        row([
            "ops/old-bot",
            "RoleBinding ops/old-bot → Role bot",
            "namespace ops",
            "write",
            "standing",
            "long-lived",
        ]),
        // The broker's four-hour window.
        row([
            "ops/oncall",
            "ClusterRoleBinding oncall-admin → ClusterRole cluster-admin",
            "cluster prod",
            "admin",
            "jit",
            "none",
        ]),
    ];
    v.sort();
    v
}

#[test]
fn every_service_account_gets_the_documented_verdicts() {
    let (code, r, stderr) = scan_report(&estate());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(paths(&r), estate_paths());
    let scope = &r["scopes"][0];
    assert_eq!(scope["status"], "complete", "{scope:#}");
    assert_eq!(scope["scope"], "prod");
    // Kubernetes' own bindings are said to be left out, not silently dropped.
    assert!(
        scope["notes"][0]
            .as_str()
            .unwrap()
            .contains("2 of Kubernetes' own bindings"),
        "{scope:#}"
    );
    // Identities: name namespace/name, id the uid.
    let sa = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "build/ci-deployer")
        .unwrap();
    assert_eq!(sa["id"], "7e6d5c4b-3a29-4180-97f6-e5d4c3b2a190");
    assert_eq!(sa["kind"], "kubernetes-service-account");
    // Every verdict has its rule; privilege of the aggregated role names the rule it holds.
    for p in r["access_paths"].as_array().unwrap() {
        for k in ["privilege", "enforcement", "credential_lifetime"] {
            assert!(
                p["basis"][k]["rule"]
                    .as_str()
                    .unwrap()
                    .starts_with("kubernetes."),
                "{p:#}"
            );
        }
        assert!(!p["evidence"].as_array().unwrap().is_empty(), "{p:#}");
    }
    let agg = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["entitlement"].as_str().unwrap().contains("ci-aggregate"))
        .unwrap();
    assert!(
        agg["basis"]["privilege"]["reason"]
            .as_str()
            .unwrap()
            .contains("deployments"),
        "{agg:#}"
    );
    let extended = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["entitlement"].as_str().unwrap().contains("api-reader"))
        .unwrap();
    assert!(
        extended["basis"]["credential_lifetime"]["reason"]
            .as_str()
            .unwrap()
            .contains("for a year"),
        "{extended:#}"
    );
    // Legacy tokens: the invalid one is no usable credential.
    let creds: Vec<(&str, &str)> = r["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "kubernetes-legacy-token")
        .map(|c| {
            (
                c["lifetime"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(creds.len(), 3, "{creds:?}");
    assert!(
        creds.iter().any(|(l, s)| *l == "none" && *s == "inactive"),
        "{creds:?}"
    );
    let retired = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "ops/retired")
        .unwrap();
    assert!(
        retired["attributes"]["rejected_legacy_tokens"]
            .as_str()
            .unwrap()
            .contains("invalid since 2026-02-01"),
        "{retired:#}"
    );
}

#[test]
fn checks_fire_on_the_accounts_they_describe() {
    let (_, r, _) = scan_report(&estate());
    assert_eq!(flagged(&r, "K8S001"), ["build/ci-deployer"]); // not ops/oncall: its binding is JIT
    assert_eq!(flagged(&r, "K8S002"), ["kube-system/token-minter"]);
    assert_eq!(flagged(&r, "K8S003"), ["build/ci-deployer", "ops/old-bot"]);
    assert_eq!(flagged(&r, "K8S004"), ["ops/old-bot"]); // ci-deployer's token was used 11 days ago
    assert_eq!(flagged(&r, "K8S005"), ["ops/old-bot"]);
    assert_eq!(flagged(&r, "K8S006"), ["apps/default", "build/default"]);
    // apps/worker's token is mounted too, but not auto-mounted (automount off, its own volume).
    assert_eq!(flagged(&r, "K8S007"), ["apps/api", "build/ci-deployer"]);
    assert_eq!(findings(&r, "K8S008").len(), 1);
    assert!(
        findings(&r, "K8S008")[0]["message"]
            .as_str()
            .unwrap()
            .contains("system:serviceaccounts:apps")
    );
    let dangling = findings(&r, "K8S009");
    assert_eq!(dangling.len(), 1);
    assert!(
        dangling[0]["message"]
            .as_str()
            .unwrap()
            .contains("ops/deleted-bot")
    );
    // The annotated account reaches three clouds none of which was scanned.
    assert_eq!(
        flagged(&r, "K8S010"),
        ["data/exporter", "data/exporter", "data/exporter"]
    );
    assert!(flagged(&r, "K8S011").is_empty());
}

#[test]
fn no_secret_data_reaches_any_output() {
    let out = tempfile::tempdir().unwrap();
    let o = jitgap(&repo())
        .args(["scan", "--from"])
        .arg(estate())
        .args(["--format", "table,json,sarif,markdown", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let mut all =
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    for f in files(out.path()) {
        all.push_str(&std::fs::read_to_string(f).unwrap());
    }
    // The token in `data.token` and in the last-applied copy, and a pod's env value.
    for secret in [
        "ZXlKaGJHY2lPaUpTVXpJMU5p",
        "hunter2-seeded-pod-env",
        "LS0tLS1CRUdJTi4uLg==",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(all.contains("old-bot-token"), "the report is there");
}

/// The estate as a user's own `kubectl get … -o json > FILE` outputs: any names, one file
/// holding several kinds, no cluster.json.
#[test]
fn a_directory_of_kubectl_outputs_is_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("prod");
    std::fs::create_dir_all(&dump).unwrap();
    let src = prod(&estate());
    let read = |n: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(src.join(n)).unwrap()).unwrap()
    };
    let mut rbac = Vec::new();
    for n in [
        "roles.json",
        "clusterroles.json",
        "rolebindings.json",
        "clusterrolebindings.json",
    ] {
        rbac.extend(read(n)["items"].as_array().unwrap().clone());
    }
    let list = |items: Vec<Value>| serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}});
    std::fs::write(dump.join("rbac-all.json"), list(rbac).to_string()).unwrap();
    std::fs::write(
        dump.join("sa.json"),
        read("serviceaccounts.json").to_string(),
    )
    .unwrap();
    std::fs::write(dump.join("tokens.json"), read("secrets.json").to_string()).unwrap();
    std::fs::write(dump.join("pods.json"), read("pods.json").to_string()).unwrap();
    // Not ours: left alone.
    std::fs::write(dump.join("notes.json"), "{\"owner\": \"platform\"}").unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = jitgap(&repo())
        .args(["scan", "--as-of", "2026-12-01T12:00:00Z", "--from"])
        .arg(&dump)
        .args(["--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("jitgap-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        r["scopes"][0]["status"],
        "complete",
        "{:#}\n{}",
        r["scopes"],
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(r["scopes"][0]["scope"], "prod");
    assert_eq!(paths(&r), estate_paths());
    // Two files of the same kind in one folder: named, not one silently dropped.
    std::fs::write(
        dump.join("sa-again.json"),
        read("serviceaccounts.json").to_string(),
    )
    .unwrap();
    let (code, _, stderr) = scan_report(&dump);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("sa") && stderr.contains("same serviceaccounts"),
        "{stderr}"
    );
}

#[test]
fn a_kind_missing_from_the_snapshot_makes_the_cluster_partial() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(prod(dir.path()).join("clusterrolebindings.json")).unwrap();
    std::fs::remove_file(prod(dir.path()).join("secrets.json")).unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 3, "{stderr}");
    let scope = &r["scopes"][0];
    assert_eq!(scope["status"], "partial");
    let errors = scope["errors"].to_string();
    assert!(
        errors.contains("kubectl get clusterrolebindings -o json"),
        "{errors}"
    );
    assert!(errors.contains("no Secret was read"), "{errors}");
    // Without Secrets, an account with no pod has unknown tokens, not none.
    let p = paths(&r);
    assert!(
        p.iter()
            .any(|x| x[0] == "build/default" && x[5] == "unknown"),
        "{p:?}"
    );
    // What was read is still reported.
    assert_eq!(flagged(&r, "K8S006"), ["apps/default", "build/default"]);
}

#[test]
fn bad_documents_name_the_file_and_the_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    std::fs::write(
        prod(dir.path()).join("roles.json"),
        "{\"kind\": \"List\", \"items\": [}",
    )
    .unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("roles.json: line 1 column"), "{stderr}");
    assert_eq!(
        flagged(&r, "K8S001"),
        ["build/ci-deployer"],
        "the rest is still read"
    );
    copy_dir(&estate(), dir.path());
    let crb = prod(dir.path()).join("clusterrolebindings.json");
    let text = std::fs::read_to_string(&crb).unwrap();
    std::fs::write(&crb, text.replace("2026-12-01T13:00:00Z", "at one")).unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("clusterrolebindings.json: /items/5/metadata/annotations/jitgap.io~1expires-at: `at one`"), "{stderr}");
    // An unreadable expiry is not JIT.
    assert!(
        paths(&r)
            .iter()
            .any(|p| p[0] == "ops/oncall" && p[4] == "unknown")
    );
}

#[test]
fn the_apiserver_settings_decide_projected_lifetimes() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let cluster = prod(dir.path()).join("cluster.json");
    let text = std::fs::read_to_string(&cluster).unwrap();
    std::fs::write(
        &cluster,
        text.replace(
            "\"extend_token_expiration\": true",
            "\"extend_token_expiration\": false",
        ),
    )
    .unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let p = paths(&r);
    // Without the extension the auto-mounted token lives its hour.
    assert!(
        p.iter()
            .any(|x| x[0] == "apps/api" && x[1].contains("api-reader") && x[5] == "ephemeral"),
        "{p:?}"
    );
}

#[test]
fn workload_identity_reaches_the_aws_role_and_its_trust_is_judged() {
    let bridge = repo().join("tests/fixtures/kubernetes/bridge");
    let run = |aws: &Path| {
        let out = tempfile::tempdir().unwrap();
        let o = jitgap(&repo())
            .args(["scan", "--from"])
            .arg(estate())
            .arg("--from")
            .arg(aws)
            .args(["--format", "json", "--out"])
            .arg(out.path())
            .output()
            .unwrap();
        let text = std::fs::read_to_string(out.path().join("jitgap-report.json"))
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let r = run(&bridge);
    let irsa: Vec<_> = paths(&r)
        .into_iter()
        .filter(|p| p[0] == "data/exporter")
        .collect();
    assert_eq!(irsa.len(), 1, "{irsa:?}");
    assert!(
        irsa[0][1].contains("IRSA") && irsa[0][1].contains("role/s3-exporter"),
        "{irsa:?}"
    );
    assert_eq!(irsa[0][3], "write", "the role's s3:* is write");
    assert_eq!(irsa[0][4], "standing");
    assert_eq!(flagged(&r, "K8S011"), ["data/exporter"]);
    assert!(
        findings(&r, "K8S011")[0]["message"]
            .as_str()
            .unwrap()
            .contains("system:serviceaccount:*")
    );
    // AWS resolved; GKE and AKS still unresolved.
    assert_eq!(flagged(&r, "K8S010").len(), 2);
    // A trust pinned to this account: the path stays, no K8S011.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&bridge, dir.path());
    let gaad = dir
        .path()
        .join("aws/111122223333/authorization-details.json");
    let text = std::fs::read_to_string(&gaad).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let cond = &mut doc["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"]["Condition"];
    let like = cond["StringLike"].as_object().unwrap().clone();
    let (key, _) = like.iter().next().unwrap();
    cond["StringEquals"][key.as_str()] = "system:serviceaccount:data:exporter".into();
    cond.as_object_mut().unwrap().remove("StringLike");
    std::fs::write(&gaad, doc.to_string()).unwrap();
    let r = run(dir.path());
    assert!(
        flagged(&r, "K8S011").is_empty(),
        "{:#}",
        findings(&r, "K8S011").len()
    );
    assert_eq!(
        paths(&r).iter().filter(|p| p[0] == "data/exporter").count(),
        1
    );
    // A trust for another account: this one cannot assume the role, so no path.
    std::fs::write(
        &gaad,
        text.replace(
            "system:serviceaccount:*",
            "system:serviceaccount:apps:other",
        ),
    )
    .unwrap();
    let r = run(dir.path());
    assert_eq!(
        paths(&r).iter().filter(|p| p[0] == "data/exporter").count(),
        0
    );
}

/// A broker's grant of cluster-admin that ended while its binding is still there: the ledger
/// says it is over, the cluster says it is not.
#[test]
fn a_broker_grant_whose_binding_outlived_it_is_not_effective() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    std::fs::write(
        dir.path().join("manifest.json"),
        "{\"collected_at\": \"2026-12-01T14:00:00Z\"}",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("ledger")).unwrap();
    let grant = serde_json::json!({
        "ledger_version": 1, "boundary": "kubernetes", "scope": "prod", "target": "cluster prod",
        "source": "k8s-broker", "grant_id": "JIT-42", "identity": "4d5e6f70-0000-4000-8000-0000000000f3",
        "entitlement": "ClusterRoleBinding oncall-admin → ClusterRole cluster-admin",
        "issued_at": "2026-12-01T09:00:00Z", "expires_at": "2026-12-01T13:00:00Z"
    });
    std::fs::write(dir.path().join("ledger/broker.jsonl"), format!("{grant}\n")).unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 0, "{stderr}");
    // The cluster's own view: the broker's expiry passed, the binding grants admin, standing.
    assert!(
        paths(&r)
            .iter()
            .any(|p| p[0] == "ops/oncall" && p[3] == "admin" && p[4] == "standing")
    );
    let zombie: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["identity"] == "4d5e6f70-0000-4000-8000-0000000000f3"
                && f["revocation"] == "not-effective"
        })
        .collect();
    assert!(!zombie.is_empty(), "{:#}", r["findings"]);
    assert!(
        zombie[0]["message"].as_str().unwrap().contains("JIT-42"),
        "{:#}",
        zombie[0]
    );
}
