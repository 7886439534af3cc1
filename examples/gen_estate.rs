//! Synthetic AWS estate for benchmarking `jitgap scan --from`.
//!
//! ```text
//! cargo run --release --example gen_estate -- --roles 10000 --out bench-data/10k
//! ```
//!
//! Writes, for one account (`--account`, default 123456789012):
//! - `OUT/aws/<account>/authorization-details.json`: the shape of
//!   `aws iam get-account-authorization-details` (roles, users = roles/10, a few groups,
//!   ~200 customer-managed policies with 1–3 versions, half of them URL-encoded as the raw API
//!   returns them, AWS-managed policies referenced by ARN only);
//! - `OUT/aws/<account>/credential-report.csv`: the 22-column IAM credential report;
//! - `OUT/manifest.json`: `{"collected_at": "2026-09-01T12:00:00Z"}`.
//!
//! The output is a pure function of `--roles`, `--seed` and `--account` (an inline splitmix64),
//! at roughly 3 KB of JSON per role. Documents are written one element at a time, so memory
//! stays flat whatever the size.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

const COLLECTED_AT: &str = "2026-09-01T12:00:00Z";
/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const MANAGED_POOL: usize = 200;
const GROUPS: &[&str] = &[
    "deployers",
    "readers",
    "operators",
    "data-engineering",
    "legacy-batch",
];

/// splitmix64: small, fast, and the same stream on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// `k` distinct items (in pick order), `k` capped at the list length.
    fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        let k = k.min(items.len());
        for i in 0..k {
            let j = i + self.below((idx.len() - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx[..k].iter().map(|&i| items[i].clone()).collect()
    }
    fn id(&mut self, prefix: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut s = String::from(prefix);
        for _ in 0..17 {
            s.push(ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char);
        }
        s
    }
}

pub struct Args {
    pub roles: usize,
    pub out: PathBuf,
    pub seed: u64,
    pub account: String,
    /// Accounts to write: `account`, then the next ones by number (`--accounts`).
    pub accounts: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_estate --roles N --out DIR [--seed N] [--account 123456789012] [--accounts K]\n\
         N accepts a k suffix (10k = 10000); --accounts writes K accounts of N roles each"
    );
    std::process::exit(2)
}

fn parse_count(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    match s.strip_suffix('k') {
        Some(n) => n.parse::<usize>().ok().map(|n| n * 1000),
        None => s.parse().ok(),
    }
}

fn parse_args() -> Args {
    let mut roles = None;
    let mut out = None;
    let mut seed = 42;
    let mut account = "123456789012".to_string();
    let mut accounts = 1;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--roles" => roles = Some(parse_count(&value()).unwrap_or_else(|| usage())),
            "--out" => out = Some(PathBuf::from(value())),
            "--seed" => seed = value().parse().unwrap_or_else(|_| usage()),
            "--account" => {
                account = value();
                if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                    eprintln!("gen_estate: --account must be 12 digits");
                    std::process::exit(2);
                }
            }
            "--accounts" => accounts = parse_count(&value()).unwrap_or_else(|| usage()).max(1),
            "-h" | "--help" => usage(),
            other => {
                eprintln!("gen_estate: unknown argument `{other}`");
                usage()
            }
        }
    }
    match (roles, out) {
        (Some(roles), Some(out)) => Args {
            roles,
            out,
            seed,
            account,
            accounts,
        },
        _ => usage(),
    }
}

/// The estate being written: shared state for the document builders.
struct Gen {
    rng: Rng,
    account: String,
    now: DateTime<Utc>,
    /// ARNs of the customer-managed pool, in `Policies` order.
    managed: Vec<String>,
}

const READ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:ListBucket",
    "s3:GetObjectVersion",
    "ec2:Describe*",
    "ec2:DescribeInstances",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "logs:GetLogEvents",
    "logs:DescribeLogStreams",
    "cloudwatch:GetMetricData",
    "sqs:ReceiveMessage",
    "sqs:GetQueueAttributes",
    "kms:Decrypt",
    "ssm:GetParameter",
    "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "lambda:GetFunction",
];
const WRITE_ACTIONS: &[&str] = &[
    "s3:PutObject",
    "s3:DeleteObject",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "sqs:SendMessage",
    "sqs:DeleteMessage",
    "sns:Publish",
    "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode",
    "ec2:RunInstances",
    "ec2:TerminateInstances",
    "ecs:UpdateService",
    "ecs:RunTask",
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "ecr:PutImage",
];
const SERVICE_WILDCARDS: &[&str] = &[
    "s3:*",
    "dynamodb:*",
    "sqs:*",
    "ec2:*",
    "lambda:*",
    "logs:*",
    "kms:*",
    "s3:Get*",
    "ec2:Describe*",
    "cloudwatch:*",
];
const IAM_ESCALATION: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "sts:AssumeRole",
];
const SERVICES: &[&str] = &[
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "states.amazonaws.com",
    "codebuild.amazonaws.com",
    "events.amazonaws.com",
    "sagemaker.amazonaws.com",
];
const TEAMS: &[&str] = &[
    "platform", "payments", "data", "growth", "identity", "search", "ml", "mobile", "infra", "risk",
];
const APPS: &[&str] = &[
    "api", "worker", "billing", "ledger", "ingest", "export", "etl", "web", "auth", "notify",
    "reports", "search", "catalog", "orders", "events", "backup",
];
const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2", "eu-central-1"];
/// AWS-managed policies attached by ARN only (the catalogue in rules/aws.toml applies);
/// weights in percent of AWS-managed attachments.
const AWS_MANAGED: &[(&str, u64)] = &[
    ("ReadOnlyAccess", 30),
    ("AmazonS3ReadOnlyAccess", 15),
    ("CloudWatchReadOnlyAccess", 10),
    ("AWSLambdaBasicExecutionRole", 15),
    ("PowerUserAccess", 10),
    ("AmazonDynamoDBFullAccess", 8),
    ("SecurityAudit", 6),
    ("AdministratorAccess", 6),
];

impl Gen {
    fn ts(&self, t: DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
    /// AWS prints `+00:00` for the export's own dates.
    fn date(&self, t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
    }
    /// A time between `min_days` and `max_days` before collection.
    fn ago(&mut self, min_days: u64, max_days: u64) -> DateTime<Utc> {
        let secs = self.rng.range(min_days * 86_400, max_days * 86_400);
        self.now - Duration::seconds(secs as i64)
    }

    fn resource_for(&mut self, action: &str) -> Value {
        let team = *self.rng.pick(TEAMS);
        let app = *self.rng.pick(APPS);
        let region = *self.rng.pick(REGIONS);
        let acct = self.account.clone();
        let service = action.split(':').next().unwrap_or("*");
        let arn = match service {
            "s3" => format!("arn:aws:s3:::acme-{team}-{app}/*"),
            "dynamodb" => format!("arn:aws:dynamodb:{region}:{acct}:table/{team}-{app}"),
            "sqs" => format!("arn:aws:sqs:{region}:{acct}:{team}-{app}-queue"),
            "sns" => format!("arn:aws:sns:{region}:{acct}:{team}-{app}-topic"),
            "lambda" => format!("arn:aws:lambda:{region}:{acct}:function:{team}-{app}"),
            "logs" => format!("arn:aws:logs:{region}:{acct}:log-group:/aws/{team}/{app}:*"),
            "kms" => format!("arn:aws:kms:{region}:{acct}:key/{}", self.rng.next()),
            "ssm" => format!("arn:aws:ssm:{region}:{acct}:parameter/{team}/{app}/*"),
            "secretsmanager" => {
                format!("arn:aws:secretsmanager:{region}:{acct}:secret:{team}/{app}-*")
            }
            "ecr" => format!("arn:aws:ecr:{region}:{acct}:repository/{team}/{app}"),
            "ecs" => format!("arn:aws:ecs:{region}:{acct}:service/{team}/{app}"),
            "cloudformation" => {
                format!("arn:aws:cloudformation:{region}:{acct}:stack/{team}-{app}/*")
            }
            _ => "*".to_string(),
        };
        if arn != "*" && self.rng.pct(45) {
            let other = format!(
                "{}-replica",
                arn.trim_end_matches("/*").trim_end_matches(":*")
            );
            json!([arn, other])
        } else {
            json!(arn)
        }
    }

    /// One action or a list of them, as policies are written in the wild.
    fn actions(&mut self, pool: &[&str], max: usize) -> Value {
        let n = self.rng.range(1, max as u64) as usize;
        let picked = self.rng.sample(pool, n);
        if picked.len() == 1 && self.rng.pct(50) {
            json!(picked[0])
        } else {
            json!(picked)
        }
    }

    /// An `aws:CurrentTime` window: some 4 h, some 30 days, some already over.
    fn time_window(&mut self) -> Value {
        let (from, to) = match self.rng.below(3) {
            0 => {
                let start = self.now - Duration::minutes(self.rng.range(0, 200) as i64);
                (start, start + Duration::hours(4))
            }
            1 => {
                let start = self.now - Duration::days(self.rng.range(1, 25) as i64);
                (start, start + Duration::days(30))
            }
            _ => {
                let end = self.ago(1, 200);
                (end - Duration::hours(4), end)
            }
        };
        json!({
            "DateGreaterThan": {"aws:CurrentTime": self.ts(from)},
            "DateLessThan": {"aws:CurrentTime": self.ts(to)},
        })
    }

    /// Conditions that narrow a grant without bounding it in time.
    fn other_condition(&mut self) -> Value {
        match self.rng.below(4) {
            0 => json!({"StringEquals": {"aws:RequestedRegion": self.rng.sample(REGIONS, 2)}}),
            1 => json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
            2 => json!({"Bool": {"aws:SecureTransport": "true"}}),
            _ => {
                json!({"StringEquals": {"aws:SourceVpce": format!("vpce-{:017x}", self.rng.next() >> 4)}})
            }
        }
    }

    fn statement(&mut self, sid: usize) -> Value {
        let roll = self.rng.below(100);
        let mut s = serde_json::Map::new();
        if self.rng.pct(60) {
            // The two Sid styles the console and the policy generator write.
            let sid = if self.rng.pct(50) {
                format!("VisualEditor{sid}")
            } else {
                format!(
                    "Stmt{}",
                    1_400_000_000_000 + self.rng.below(300_000_000_000)
                )
            };
            s.insert("Sid".into(), json!(sid));
        }
        let (effect, action, resource, mut condition) = match roll {
            0..40 => {
                let a = self.actions(READ_ACTIONS, 5);
                let first = a
                    .as_str()
                    .or_else(|| a[0].as_str())
                    .unwrap_or("*")
                    .to_string();
                let r = if first.contains("Describe") {
                    json!("*")
                } else {
                    self.resource_for(&first)
                };
                ("Allow", a, r, None)
            }
            40..68 => {
                let a = self.actions(WRITE_ACTIONS, 4);
                let first = a
                    .as_str()
                    .or_else(|| a[0].as_str())
                    .unwrap_or("*")
                    .to_string();
                let r = self.resource_for(&first);
                ("Allow", a, r, None)
            }
            68..78 => {
                let a = self.actions(SERVICE_WILDCARDS, 2);
                let r = if self.rng.pct(50) {
                    json!("*")
                } else {
                    let first = a
                        .as_str()
                        .or_else(|| a[0].as_str())
                        .unwrap_or("*")
                        .to_string();
                    self.resource_for(&first)
                };
                ("Allow", a, r, None)
            }
            78..86 => {
                let r = if self.rng.pct(30) {
                    json!("*")
                } else {
                    json!(format!(
                        "arn:aws:iam::{}:role/{}-{}-exec",
                        self.account,
                        self.rng.pick(TEAMS),
                        self.rng.pick(APPS)
                    ))
                };
                let cond = self.rng.pct(50).then(
                    || json!({"StringEquals": {"iam:PassedToService": *self.rng.pick(SERVICES)}}),
                );
                ("Allow", json!("iam:PassRole"), r, cond)
            }
            86..89 => ("Allow", json!("*"), json!("*"), None),
            89..94 => {
                let a = self.actions(IAM_ESCALATION, 2);
                ("Allow", a, json!("*"), None)
            }
            _ => {
                let a = self.actions(
                    &[
                        "s3:DeleteBucket",
                        "kms:ScheduleKeyDeletion",
                        "iam:*",
                        "organizations:*",
                    ],
                    2,
                );
                ("Deny", a, json!("*"), None)
            }
        };
        if effect == "Allow" && condition.is_none() {
            if self.rng.pct(10) {
                condition = Some(self.time_window());
            } else if self.rng.pct(20) {
                condition = Some(self.other_condition());
            }
        }
        s.insert("Effect".into(), json!(effect));
        s.insert("Action".into(), action);
        s.insert("Resource".into(), resource);
        if let Some(c) = condition {
            s.insert("Condition".into(), c);
        }
        Value::Object(s)
    }

    fn document(&mut self, min: u64, max: u64) -> Value {
        let n = self.rng.range(min, max) as usize;
        let mut stmts: Vec<Value> = (0..n).map(|i| self.statement(i)).collect();
        let statement = if stmts.len() == 1 && self.rng.pct(50) {
            stmts.pop().unwrap()
        } else {
            Value::Array(stmts)
        };
        json!({"Version": "2012-10-17", "Statement": statement})
    }

    fn inline_policies(&mut self, min: u64, max: u64, stmts: (u64, u64)) -> Vec<Value> {
        let n = self.rng.range(min, max);
        let mut out: Vec<Value> = (0..n)
            .map(|k| {
                json!({
                    "PolicyName": format!("{}-{}-{k}", self.rng.pick(APPS), self.rng.pick(["access", "runtime", "deploy", "data", "ops"].as_slice())),
                    "PolicyDocument": self.document(stmts.0, stmts.1),
                })
            })
            .collect();
        // The revoke-older-sessions policy the console adds (`AWSRevokeOlderSessions`).
        if self.rng.pct(1) {
            let t = self.ago(0, 60);
            out.push(json!({
                "PolicyName": "AWSRevokeOlderSessions",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": self.ts(t)}}}]},
            }));
        }
        out
    }

    fn attached(&mut self, min: u64, max: u64) -> Vec<Value> {
        let n = self.rng.range(min, max);
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for _ in 0..n {
            let arn = if self.rng.pct(70) {
                self.managed[self.rng.below(self.managed.len() as u64) as usize].clone()
            } else {
                let mut roll = self.rng.below(100);
                let mut name = AWS_MANAGED[0].0;
                for (n, w) in AWS_MANAGED {
                    if roll < *w {
                        name = *n;
                        break;
                    }
                    roll -= w;
                }
                format!("arn:aws:iam::aws:policy/{name}")
            };
            if seen.contains(&arn) {
                continue;
            }
            seen.push(arn.clone());
            let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
            out.push(json!({"PolicyName": name, "PolicyArn": arn}));
        }
        out
    }

    fn tags(&mut self, access_model: bool) -> Vec<Value> {
        let mut tags = vec![json!({"Key": "owner", "Value": *self.rng.pick(TEAMS)})];
        if self.rng.pct(60) {
            tags.push(json!({"Key": "env", "Value": *self.rng.pick(["prod", "staging", "dev"].as_slice())}));
        }
        if self.rng.pct(40) {
            tags.push(json!({"Key": "cost-center", "Value": format!("cc-{}", self.rng.range(1000, 9999))}));
        }
        if self.rng.pct(70) {
            tags.push(json!({"Key": "managed-by", "Value": *self.rng.pick(["terraform", "cloudformation", "cdk"].as_slice())}));
        }
        if self.rng.pct(50) {
            let repo = format!(
                "https://github.com/acme/{}-{}",
                self.rng.pick(TEAMS),
                self.rng.pick(APPS)
            );
            tags.push(json!({"Key": "repository", "Value": repo}));
        }
        if access_model && self.rng.pct(15) {
            tags.push(json!({"Key": "access-model", "Value": *self.rng.pick(["jit", "standing", "break-glass"].as_slice())}));
        }
        tags
    }

    /// Trust policy and a role-name prefix that matches it.
    fn trust(&mut self, i: usize) -> (Value, &'static str) {
        let roll = self.rng.below(100);
        let acct = self.account.clone();
        let (principal, action, condition, prefix): (Value, &str, Option<Value>, &str) = match roll
        {
            0..40 => {
                let svc = if self.rng.pct(15) {
                    json!(self.rng.sample(SERVICES, 2))
                } else {
                    json!(*self.rng.pick(SERVICES))
                };
                (json!({"Service": svc}), "sts:AssumeRole", None, "svc")
            }
            40..65 => {
                let repo = format!("acme/{}-{}", self.rng.pick(TEAMS), self.rng.pick(APPS));
                let sub = match self.rng.below(3) {
                    0 => format!("repo:{repo}:environment:prod"),
                    1 => format!("repo:{repo}:ref:refs/heads/main"),
                    _ => format!("repo:{repo}:environment:staging"),
                };
                (
                    json!({"Federated": format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com")}),
                    "sts:AssumeRoleWithWebIdentity",
                    Some(json!({"StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": sub}})),
                    "gha",
                )
            }
            65..70 => (
                json!({"Federated": format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com")}),
                "sts:AssumeRoleWithWebIdentity",
                Some(json!({"StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})),
                "gha",
            ),
            70..85 => {
                let p = if self.rng.pct(50) {
                    format!("arn:aws:iam::{acct}:root")
                } else {
                    format!(
                        "arn:aws:iam::{acct}:role/{}-{}-orchestrator",
                        self.rng.pick(TEAMS),
                        self.rng.pick(APPS)
                    )
                };
                (json!({"AWS": p}), "sts:AssumeRole", None, "app")
            }
            85..95 => {
                let other = format!("{:012}", 200_000_000_000 + self.rng.below(9_999_999));
                (
                    json!({"AWS": format!("arn:aws:iam::{other}:root")}),
                    "sts:AssumeRole",
                    Some(
                        json!({"StringEquals": {"sts:ExternalId": format!("ext-{:016x}", self.rng.next())}}),
                    ),
                    "vendor",
                )
            }
            _ => {
                let other = format!("{:012}", 300_000_000_000 + self.rng.below(9_999_999));
                (
                    json!({"AWS": format!("arn:aws:iam::{other}:role/partner-access")}),
                    "sts:AssumeRole",
                    None,
                    "vendor",
                )
            }
        };
        let mut s = serde_json::Map::new();
        if self.rng.pct(30) {
            s.insert("Sid".into(), json!(format!("Trust{i}")));
        }
        s.insert("Effect".into(), json!("Allow"));
        s.insert("Principal".into(), principal);
        s.insert("Action".into(), json!(action));
        if let Some(c) = condition {
            s.insert("Condition".into(), c);
        }
        let statement = if self.rng.pct(50) {
            Value::Object(s)
        } else {
            json!([Value::Object(s)])
        };
        (
            json!({"Version": "2012-10-17", "Statement": statement}),
            prefix,
        )
    }

    fn role(&mut self, i: usize) -> Value {
        let (trust, prefix) = self.trust(i);
        let name = format!(
            "{prefix}-{}-{}-{i:06}",
            self.rng.pick(TEAMS),
            self.rng.pick(APPS)
        );
        let path = if self.rng.pct(80) {
            "/".to_string()
        } else {
            format!("/{}/", self.rng.pick(TEAMS))
        };
        let created = self.ago(30, 2400);
        let last_used = match self.rng.below(100) {
            0..60 => {
                let t = self.ago(0, 30);
                json!({"LastUsedDate": self.date(t), "Region": *self.rng.pick(REGIONS)})
            }
            60..80 => {
                let t = self.ago(91, 700);
                json!({"LastUsedDate": self.date(t), "Region": *self.rng.pick(REGIONS)})
            }
            _ => json!({}),
        };
        let instance_profiles: Vec<Value> = if prefix == "svc" && self.rng.pct(20) {
            vec![json!({
                "Path": "/", "InstanceProfileName": name.clone(),
                "InstanceProfileId": self.rng.id("AIPA"),
                "Arn": format!("arn:aws:iam::{}:instance-profile/{name}", self.account),
                "CreateDate": self.date(created), "Roles": []})]
        } else {
            Vec::new()
        };
        json!({
            "Path": path,
            "RoleName": name.clone(),
            "RoleId": self.rng.id("AROA"),
            "Arn": format!("arn:aws:iam::{}:role{path}{name}", self.account),
            "CreateDate": self.date(created),
            "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": instance_profiles,
            "RolePolicyList": self.inline_policies(1, 4, (1, 6)),
            "AttachedManagedPolicies": self.attached(1, 3),
            "Tags": self.tags(true),
            "RoleLastUsed": last_used,
        })
    }

    fn user(&mut self, i: usize) -> (Value, String) {
        let name = format!(
            "svc-{}-{}-{i:05}",
            self.rng.pick(TEAMS),
            self.rng.pick(APPS)
        );
        let created = self.ago(30, 2400);
        let groups: Vec<&str> = if self.rng.pct(40) {
            let k = self.rng.range(1, 2) as usize;
            self.rng.sample(GROUPS, k)
        } else {
            Vec::new()
        };
        let arn = format!("arn:aws:iam::{}:user/svc/{name}", self.account);
        let v = json!({
            "Path": "/svc/",
            "UserName": name.clone(),
            "UserId": self.rng.id("AIDA"),
            "Arn": arn.clone(),
            "CreateDate": self.date(created),
            "UserPolicyList": self.inline_policies(0, 2, (1, 4)),
            "GroupList": groups,
            "AttachedManagedPolicies": self.attached(0, 2),
            "Tags": self.tags(false),
        });
        (v, self.credential_row(&name, &arn, created))
    }

    /// A credential report row: machine users have keys, rarely a password.
    fn credential_row(&mut self, name: &str, arn: &str, created: DateTime<Utc>) -> String {
        let na = "N/A".to_string();
        let password = self.rng.pct(5);
        let pw_last_used = if password {
            let t = self.ago(0, 400);
            self.date(t)
        } else {
            na.clone()
        };
        let mut cols = vec![
            name.to_string(),
            arn.to_string(),
            self.date(created),
            password.to_string(),
            pw_last_used,
            if password {
                self.date(created)
            } else {
                na.clone()
            },
            na.clone(),
            "false".into(),
        ];
        let max_age = (self.now - created).num_days().max(1) as u64;
        for slot in 0..2 {
            let present = if slot == 0 {
                self.rng.pct(92)
            } else {
                self.rng.pct(25)
            };
            if !present {
                cols.extend(["false", "N/A", "N/A", "N/A", "N/A"].map(String::from));
                continue;
            }
            let active = self.rng.pct(if slot == 0 { 88 } else { 60 });
            let rotated = self.ago(0, max_age);
            let used = match self.rng.below(10) {
                0..6 => Some(self.ago(0, 20)),
                6..8 => Some(self.ago(100, 600)),
                _ => None,
            }
            .filter(|u| *u > rotated);
            cols.push(active.to_string());
            cols.push(self.date(rotated));
            match used {
                Some(u) => {
                    cols.push(self.date(u));
                    cols.push((*self.rng.pick(REGIONS)).to_string());
                    cols.push(
                        (*self
                            .rng
                            .pick(["s3", "sts", "dynamodb", "sqs", "ec2"].as_slice()))
                        .to_string(),
                    );
                }
                None => cols.extend(["N/A", "N/A", "N/A"].map(String::from)),
            }
        }
        cols.extend(["false", "N/A", "false", "N/A"].map(String::from));
        cols.join(",")
    }

    fn group(&mut self, i: usize, name: &str) -> Value {
        let created = self.ago(300, 2400);
        json!({
            "Path": "/",
            "GroupName": name,
            "GroupId": self.rng.id("AGPA"),
            "Arn": format!("arn:aws:iam::{}:group/{name}", self.account),
            "CreateDate": self.date(created),
            "GroupPolicyList": self.inline_policies(0, 2, (1, 3)),
            "AttachedManagedPolicies": self.attached(1, 2 + (i % 2) as u64),
        })
    }

    fn managed_policy(&mut self, i: usize) -> Value {
        let arn = self.managed[i].clone();
        let name = arn.rsplit('/').next().unwrap().to_string();
        let versions = self.rng.range(1, 3) as usize;
        let encoded = self.rng.pct(50);
        let created = self.ago(60, 2000);
        let mut list = Vec::new();
        let mut when = created;
        let mut update = created;
        for v in 1..=versions {
            let doc = self.document(1, 6);
            let document = if encoded {
                json!(utf8_percent_encode(&doc.to_string(), RFC3986).to_string())
            } else {
                doc
            };
            update = when;
            list.push(json!({
                "Document": document,
                "VersionId": format!("v{v}"),
                "IsDefaultVersion": v == versions,
                "CreateDate": self.date(when),
            }));
            let step = self.rng.range(1, 200) as i64;
            when = (when + Duration::days(step)).min(self.now - Duration::days(1));
        }
        list.reverse(); // the API lists the newest version first
        json!({
            "PolicyName": name,
            "PolicyId": self.rng.id("ANPA"),
            "Arn": arn,
            "Path": "/",
            "DefaultVersionId": format!("v{versions}"),
            "AttachmentCount": self.rng.range(1, 60),
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": self.date(created),
            "UpdateDate": self.date(update),
            "PolicyVersionList": list,
        })
    }
}

/// Writes `[a,b,…]` one element at a time.
fn write_list(
    w: &mut impl Write,
    key: &str,
    n: usize,
    mut item: impl FnMut(usize) -> Value,
) -> std::io::Result<()> {
    write!(w, "\"{key}\":[")?;
    for i in 0..n {
        if i > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &item(i))?;
        w.write_all(b"\n")?;
    }
    w.write_all(b"]")
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn main() -> std::io::Result<()> {
    let args = parse_args();
    generate(&args)
}

/// Writes the estate `args` describe: each account's documents, then the manifest.
pub fn generate(args: &Args) -> std::io::Result<()> {
    let first: u64 = args.account.parse().expect("12 digits");
    for k in 0..args.accounts as u64 {
        let account = format!("{:012}", first + k);
        write_account(args, &account, args.seed.wrapping_add(k))?;
    }
    std::fs::write(
        args.out.join("manifest.json"),
        format!("{{\"collected_at\": \"{COLLECTED_AT}\"}}\n"),
    )
}

fn write_account(args: &Args, account: &str, seed: u64) -> std::io::Result<()> {
    let args = &Args {
        roles: args.roles,
        out: args.out.clone(),
        seed,
        account: account.to_string(),
        accounts: 1,
    };
    let now: DateTime<Utc> = COLLECTED_AT.parse().expect("collected_at");
    let mut g = Gen {
        rng: Rng(args.seed ^ (args.roles as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)),
        account: args.account.clone(),
        now,
        managed: Vec::new(),
    };
    g.managed = (0..MANAGED_POOL)
        .map(|i| {
            format!(
                "arn:aws:iam::{}:policy/{}-{}-{i:03}",
                args.account,
                g.rng.pick(TEAMS),
                g.rng
                    .pick(["deploy", "read", "runtime", "data-access", "ops", "ci"].as_slice())
            )
        })
        .collect();

    let dir = args.out.join("aws").join(&args.account);
    std::fs::create_dir_all(&dir)?;
    let gaad_path = dir.join("authorization-details.json");
    let report_path = dir.join("credential-report.csv");
    let users = args.roles / 10;

    let mut rows: Vec<String> = Vec::with_capacity(users + 2);
    rows.push("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated".into());
    rows.push(format!(
        "<root_account>,arn:aws:iam::{}:root,2019-01-01T00:00:00+00:00,not_supported,2026-07-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        args.account
    ));

    let mut w = BufWriter::with_capacity(1 << 20, File::create(&gaad_path)?);
    w.write_all(b"{")?;
    write_list(&mut w, "UserDetailList", users, |i| {
        let (v, row) = g.user(i);
        rows.push(row);
        v
    })?;
    w.write_all(b",\n")?;
    write_list(&mut w, "GroupDetailList", GROUPS.len(), |i| {
        g.group(i, GROUPS[i])
    })?;
    w.write_all(b",\n")?;
    write_list(&mut w, "RoleDetailList", args.roles, |i| g.role(i))?;
    w.write_all(b",\n")?;
    write_list(&mut w, "Policies", MANAGED_POOL, |i| g.managed_policy(i))?;
    w.write_all(b",\"IsTruncated\":false}\n")?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;

    std::fs::write(&report_path, rows.join("\n") + "\n")?;
    let gaad_bytes = std::fs::metadata(&gaad_path)?.len();
    let report_bytes = std::fs::metadata(&report_path)?.len();
    println!(
        "gen_estate: {} roles, {users} users, {} groups, {MANAGED_POOL} customer-managed policies (seed {})",
        args.roles,
        GROUPS.len(),
        args.seed
    );
    println!(
        "gen_estate: wrote {} ({}, {:.0} bytes/role) and {} ({})",
        gaad_path.display(),
        mb(gaad_bytes),
        gaad_bytes as f64 / args.roles.max(1) as f64,
        report_path.display(),
        mb(report_bytes)
    );
    println!("gen_estate: total {}", mb(gaad_bytes + report_bytes));
    Ok(())
}
