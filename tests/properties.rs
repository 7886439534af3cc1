//! Property tests of classification: expiry, static keys, order independence, JSON round trip.

mod support;

use support::pipeline::Pipeline;

use jitgap::model::{CredentialLifetime, Enforcement, Inventory};
use proptest::prelude::*;
use serde_json::{Value, json};

const NOW: &str = "2026-09-01T12:00:00Z";

fn now() -> chrono::DateTime<chrono::Utc> {
    jitgap::time::parse_timestamp(NOW).unwrap()
}

fn inventory(gaad: &Value, keys: Option<&Value>) -> Inventory {
    let (gaad, keys) = (gaad.to_string(), keys.map(|k| k.to_string()));
    let mut docs = vec![("authorization-details.json", "p.json", gaad.as_str())];
    if let Some(k) = &keys {
        docs.push(("access-keys.json", "k.json", k.as_str()));
    }
    Pipeline::at(NOW).inventory(&Pipeline::scope("aws", "111122223333", &docs))
}

fn action() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "*",
        "s3:GetObject",
        "s3:PutObject",
        "s3:*",
        "iam:PassRole",
        "iam:*",
        "ec2:Describe*",
        "dynamodb:PutItem",
        "iam:Attach*",
        "sts:AssumeRole",
        "kms:Decrypt",
        "logs:PutLogEvents",
    ])
    .prop_map(str::to_string)
}

fn time_offset() -> impl Strategy<Value = i64> {
    // minutes around now: from 60 days before to 60 days after
    -86_400i64..86_400i64
}

fn stamp(minutes: i64) -> String {
    (now() + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn statement(actions: &[String], window: Option<(Option<i64>, Option<i64>)>) -> Value {
    let mut s = json!({"Effect": "Allow", "Action": actions, "Resource": "*"});
    if let Some((start, end)) = window {
        let mut c = serde_json::Map::new();
        if let Some(a) = start {
            c.insert(
                "DateGreaterThan".into(),
                json!({"aws:CurrentTime": stamp(a)}),
            );
        }
        if let Some(b) = end {
            c.insert("DateLessThan".into(), json!({"aws:CurrentTime": stamp(b)}));
        }
        if !c.is_empty() {
            s["Condition"] = Value::Object(c);
        }
    }
    s
}

fn role_gaad(name: &str, statements: Vec<Value>) -> Value {
    json!({"RoleDetailList": [{"RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
        "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}},
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": statements}}], "AttachedManagedPolicies": []}]})
}

/// The enforcement of the single path, or None when nothing grants access now.
fn enforcement_of(gaad: &Value) -> Option<Enforcement> {
    let inv = inventory(gaad, None);
    assert!(inv.access_paths.len() <= 1);
    inv.access_paths.first().map(|p| p.enforcement)
}

/// No path at all is the most JIT outcome; then jit, time-bound, unknown, standing.
fn weakness(e: Option<Enforcement>) -> i32 {
    e.map(|e| e.weakness() as i32).unwrap_or(-1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn removing_an_expiry_never_makes_a_path_more_jit(
        actions in prop::collection::vec(action(), 1..4),
        start in prop::option::of(time_offset()),
        end in time_offset(),
    ) {
        let with = enforcement_of(&role_gaad("r", vec![statement(&actions, Some((start, Some(end))))]));
        let without = enforcement_of(&role_gaad("r", vec![statement(&actions, Some((start, None)))]));
        let none = enforcement_of(&role_gaad("r", vec![statement(&actions, None)]));
        prop_assert!(weakness(without) >= weakness(with), "with {with:?} without {without:?}");
        prop_assert!(weakness(none) >= weakness(with), "with {with:?} none {none:?}");
        prop_assert_eq!(without, Some(Enforcement::Standing));
    }

    #[test]
    fn a_static_key_without_expiry_is_never_jit(
        actions in prop::collection::vec(action(), 1..4),
        age_days in 0i64..2000,
    ) {
        let created = (now() - chrono::Duration::days(age_days)).to_rfc3339();
        let gaad = json!({"UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": [statement(&actions, None)]}}]}]});
        let keys = json!({"AccessKeyMetadata": [{"UserName": "u", "AccessKeyId": "AKIAPROP", "Status": "Active", "CreateDate": created}]});
        let inv = inventory(&gaad, Some(&keys));
        prop_assert!(!inv.access_paths.is_empty());
        for p in &inv.access_paths {
            prop_assert_ne!(p.enforcement, Enforcement::Jit);
            prop_assert_eq!(p.credential_lifetime, CredentialLifetime::LongLived);
        }
    }

    #[test]
    fn output_does_not_depend_on_input_order(
        seed in any::<u64>(),
        windows in prop::collection::vec(prop::option::of((prop::option::of(time_offset()), time_offset())), 3..8),
    ) {
        let roles: Vec<Value> = windows.iter().enumerate().map(|(i, w)| {
            let stmts = vec![
                statement(&["s3:PutObject".to_string()], w.map(|(a, b)| (a, Some(b)))),
                statement(&["ec2:Describe*".to_string()], None),
            ];
            role_gaad(&format!("r{i}"), stmts)["RoleDetailList"][0].clone()
        }).collect();
        let mut shuffled = roles.clone();
        // deterministic shuffle from the seed
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        for r in shuffled.iter_mut() {
            if let Some(s) = r["RolePolicyList"][0]["PolicyDocument"]["Statement"].as_array_mut() {
                s.reverse();
            }
        }
        let a = inventory(&json!({"RoleDetailList": roles}), None);
        let b = inventory(&json!({"RoleDetailList": shuffled}), None);
        let key = |inv: &Inventory| inv.access_paths.iter()
            .map(|p| (p.id.clone(), p.privilege, p.enforcement, p.credential_lifetime)).collect::<Vec<_>>();
        prop_assert_eq!(key(&a), key(&b));
        let rules = jitgap::scan::registry::embedded_rules().unwrap();
        let fa: Vec<String> = jitgap::checks::run(&a, &rules, &Default::default()).into_iter().map(|f| f.id).collect();
        let fb: Vec<String> = jitgap::checks::run(&b, &rules, &Default::default()).into_iter().map(|f| f.id).collect();
        prop_assert_eq!(fa, fb);
    }
}

#[test]
fn the_report_json_round_trips() {
    // Compact by default, indented with --pretty: both read back into the same report.
    for pretty in [false, true] {
        let mut cmd = support::cli::jitgap_in_repo();
        cmd.args(["scan", "--demo", "--format", "json"]);
        if pretty {
            cmd.arg("--pretty");
        }
        let out = cmd.output().unwrap();
        let report: jitgap::report::Report = serde_json::from_slice(&out.stdout).unwrap();
        let again = if pretty {
            serde_json::to_string_pretty(&report).unwrap()
        } else {
            serde_json::to_string(&report).unwrap()
        } + "\n";
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).lines().count() == 1,
            !pretty
        );
        assert_eq!(again, String::from_utf8(out.stdout).unwrap());
    }
}
