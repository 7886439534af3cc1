//! `deploy/kubernetes/`: every manifest is a Kubernetes object of the API types (k8s-openapi,
//! v1.33): read into its type and written back, it is unchanged, so a misspelt or misplaced
//! field fails here as `kubectl apply --dry-run` would reject it. The scan pods' script is run
//! with a stand-in `jitgap` to show which shard each index scans.

use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, ServiceAccount};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/kubernetes")
}

fn read(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The manifest read into `T` and written back, against the manifest as written.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) -> T {
    let v = read(name);
    let typed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(
        back, v,
        "{name}: a field the API types do not know was dropped"
    );
    typed
}

#[test]
fn every_manifest_is_a_valid_object() {
    let mut seen = Vec::new();
    for e in std::fs::read_dir(dir()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".yaml") {
            continue;
        }
        match read(&name)["kind"].as_str() {
            Some("CronJob") => drop(round_trip::<CronJob>(&name)),
            Some("ServiceAccount") => drop(round_trip::<ServiceAccount>(&name)),
            Some("PersistentVolumeClaim") => drop(round_trip::<PersistentVolumeClaim>(&name)),
            other => panic!("{name}: kind {other:?} is not checked here"),
        }
        seen.push(name);
    }
    assert!(seen.len() >= 4, "{seen:?}");
}

fn script(job: &CronJob) -> (String, Vec<(String, String)>) {
    let pod = job
        .spec
        .as_ref()
        .unwrap()
        .job_template
        .spec
        .as_ref()
        .unwrap();
    let c = &pod.template.spec.as_ref().unwrap().containers[0];
    let env = c
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
        .collect();
    (c.args.as_ref().unwrap()[0].clone(), env)
}

/// Runs a container's script with `/reports` in a temp dir and a `jitgap` that records its
/// arguments; returns them.
fn run(script: &str, env: &[(String, String)], index: Option<u32>) -> String {
    let t = tempfile::tempdir().unwrap();
    let bin = t.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = t.path().join("args.txt");
    let stub = bin.join("jitgap");
    std::fs::write(
        &stub,
        format!("#!/bin/sh\necho \"$@\" >> {}\n", log.display()),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&stub)
        .status()
        .unwrap();
    let reports = t.path().join("reports");
    let script = script.replace("/reports", reports.to_str().unwrap());
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", &script])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(i) = index {
        cmd.env("JOB_COMPLETION_INDEX", i.to_string());
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn the_indexed_job_gives_each_pod_its_own_shard() {
    let scan: CronJob = round_trip("scan-cronjob.yaml");
    let job = scan
        .spec
        .as_ref()
        .unwrap()
        .job_template
        .spec
        .as_ref()
        .unwrap();
    assert_eq!(job.completion_mode.as_deref(), Some("Indexed"));
    let n = job.completions.unwrap();
    assert_eq!(job.parallelism, Some(n));
    let (script, env) = script(&scan);
    let shards = env.iter().find(|(k, _)| k == "SHARDS").unwrap().1.clone();
    assert_eq!(shards, n.to_string(), "SHARDS matches completions");
    let mut all = Vec::new();
    for i in 0..n as u32 {
        let args = run(&script, &env, Some(i));
        assert!(args.starts_with("scan --aws-organization"), "{args}");
        let want = format!("--shard {}/{n} ", i + 1);
        assert!(args.contains(&want), "index {i}: {args}");
        assert!(args.contains(&format!("/shard-{} ", i + 1)), "{args}");
        all.push(args);
    }
    all.dedup();
    assert_eq!(all.len(), n as usize);
}

#[test]
fn the_merge_reads_every_shard_of_the_day() {
    let merge: CronJob = round_trip("merge-cronjob.yaml");
    let (script, env) = script(&merge);
    let args = run(&script, &env, None);
    assert!(args.starts_with("merge "), "{args}");
    assert!(
        args.contains("--fail-on new-standing") && args.contains("--format json,sarif,markdown")
    );
}
