//! The HTML report in a real browser (Debian's `chromium`, headless): the demo estate with a
//! baseline and a waiver renders with no console error and no policy violation, fetches
//! nothing, every filter leaves exactly the rows the JSON report says it should, it is laid out
//! at 1280 and 390 px, and no secret of the demo's inputs reaches it.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::chromium;
use support::cli::jitgap_in_repo;

/// A demo scan with a baseline (every finding but GEN001's, so those are new) and a waiver
/// (AWS009, so that one is suppressed), written as HTML and JSON.
fn demo_report(dir: &Path) -> (PathBuf, Value) {
    let full = jitgap_in_repo()
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&full.stdout).unwrap();
    let kept: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] != "GEN001")
        .map(|f| serde_json::json!({"id": f["id"], "rule_id": f["rule_id"], "identity": f["identity"]}))
        .collect();
    std::fs::write(
        dir.join("base.json"),
        serde_json::json!({"schema_version": 1, "findings": kept}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("w.toml"),
        "[[waiver]]\nmatch = { rule = \"AWS009\" }\nowner = \"secops\"\nreason = \"vendor migration\"\nexpires = \"2027-12-31\"\n",
    )
    .unwrap();
    let out = dir.join("r");
    jitgap_in_repo()
        .args(["scan", "--demo", "--format", "html,json", "--out"])
        .arg(&out)
        .arg("--baseline")
        .arg(dir.join("base.json"))
        .arg("--waivers")
        .arg(dir.join("w.toml"))
        .output()
        .unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("jitgap-report.json")).unwrap())
            .unwrap();
    (out.join("jitgap-report.html"), json)
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// What the page should list under one filter, computed from the JSON report alone.
struct Expect<'a> {
    report: &'a Value,
}

impl Expect<'_> {
    fn identity_name(&self, id: &str) -> String {
        self.report["identities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| text(&i["name"]).to_string())
            .unwrap_or_else(|| id.to_string())
    }

    fn path(&self, id: &str) -> Option<&Value> {
        self.report["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
    }

    fn finding_matches(&self, f: &Value, key: &str, want: &str) -> bool {
        let path = f["access_path"].as_str().and_then(|id| self.path(id));
        match key {
            "boundary" | "scope" | "severity" | "revocation" => text(&f[key]) == want,
            "rule" => text(&f["rule_id"]) == want,
            "enforcement" | "privilege" => path.is_some_and(|p| text(&p[key]) == want),
            "status" => match want {
                "new" => f["baseline"] == "new",
                "suppressed" => !f["suppressed"].is_null(),
                _ => f["suppressed"].is_null(),
            },
            "q" => [
                text(&f["rule_id"]).to_string(),
                self.identity_name(text(&f["identity"])),
                text(&f["entitlement"]).into(),
                text(&f["target"]).into(),
                text(&f["message"]).into(),
                text(&f["id"]).into(),
            ]
            .join(" ")
            .to_lowercase()
            .contains(&want.to_lowercase()),
            _ => unreachable!("{key}"),
        }
    }

    fn path_matches(&self, p: &Value, key: &str, want: &str) -> bool {
        match key {
            "boundary" | "scope" | "enforcement" | "privilege" => text(&p[key]) == want,
            "q" => [
                self.identity_name(text(&p["identity"])),
                text(&p["entitlement"]).into(),
                text(&p["target"]).into(),
                text(&p["basis"]["privilege"]["reason"]).into(),
                text(&p["basis"]["enforcement"]["reason"]).into(),
                text(&p["basis"]["credential_lifetime"]["reason"]).into(),
                text(&p["id"]).into(),
            ]
            .join(" ")
            .to_lowercase()
            .contains(&want.to_lowercase()),
            // Filters about findings do not narrow paths.
            _ => true,
        }
    }

    /// (findings, privileged paths) under every `key=value` of `filters` at once.
    fn counts(&self, filters: &[(&str, &str)]) -> (usize, usize) {
        let findings = self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| filters.iter().all(|(k, v)| self.finding_matches(f, k, v)))
            .count();
        let paths = self.report["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["privilege"] != "read")
            .filter(|p| filters.iter().all(|(k, v)| self.path_matches(p, k, v)))
            .count();
        (findings, paths)
    }
}

fn count(dom: &str, list: &str, what: &str) -> usize {
    chromium::attr(dom, &format!("{list}-count"), &format!("data-{what}"))
        .unwrap_or_else(|| panic!("no {what} on #{list}-count: the script did not run"))
        .parse()
        .unwrap()
}

#[test]
fn the_demo_report_runs_its_script_under_its_policy_and_fetches_nothing() {
    let t = tempfile::tempdir().unwrap();
    let (html, report) = demo_report(t.path());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Content-Security-Policy") && page.contains("default-src 'none'"));
    // Nothing in the file points anywhere else.
    for remote in ["http://", "https://", "src=\"//", "@import", "url(http"] {
        assert!(!page.contains(remote), "the page refers to {remote}");
    }

    let netlog = t.path().join("netlog.json");
    let mut offline = chromium::offline();
    offline.push(format!("--log-net-log={}", netlog.display()));
    let run = chromium::dom(&html, "", &offline);
    assert_eq!(
        chromium::root_attr(&run.stdout, "data-ready").as_deref(),
        Some("1"),
        "the page's script did not finish (blocked by its own policy?)\n{}",
        run.stderr
    );
    assert_eq!(chromium::root_attr(&run.stdout, "data-error"), None);
    assert_eq!(chromium::root_attr(&run.stdout, "data-csp"), None);
    assert_eq!(chromium::console_lines(&run.stderr), Vec::<&str>::new());
    // The page asked for nothing: the browser's own log of network requests holds only its
    // background ones (update checks and the like, whose initiator is no origin), none made
    // for the page (whose initiator would be the file's origin), and the page's own count of
    // the resources it loaded is zero.
    let log = std::fs::read_to_string(&netlog).unwrap();
    assert!(log.contains("\"constants\""), "a net log was written");
    let mut rest = log.as_str();
    while let Some(at) = rest.find("\"initiator\":\"") {
        rest = &rest[at + 13..];
        let initiator = &rest[..rest.find('"').unwrap()];
        assert_eq!(initiator, "not an origin", "the page made a request");
    }
    assert_eq!(
        chromium::root_attr(&run.stdout, "data-resources").as_deref(),
        Some("0")
    );

    // Everything is listed: all findings and every privileged path, 100 a page.
    let e = Expect { report: &report };
    let (findings, paths) = e.counts(&[]);
    assert!(
        findings > 100,
        "the demo has more than one page of findings"
    );
    assert_eq!(count(&run.stdout, "findings", "total"), findings);
    assert_eq!(count(&run.stdout, "findings", "shown"), 100);
    assert_eq!(count(&run.stdout, "paths", "total"), paths);
    assert_eq!(
        run.stdout.matches("class=\"item finding").count(),
        100,
        "one card per listed finding"
    );
    // Coverage, gate (with the new findings) and the rules are on the page.
    for id in ["coverage", "gate", "ledger", "rules"] {
        assert!(run.stdout.contains(&format!("id=\"{id}\"")), "no #{id}");
    }
    let overall = report["coverage"]["overall"]["coverage_percent"].as_f64();
    if let Some(p) = overall {
        assert!(run.stdout.contains(&format!("{p:.1}%")), "overall {p:.1}%");
    }
    // The second page holds the rest.
    let second = chromium::dom(&html, "fp=2", &[]);
    assert_eq!(count(&second.stdout, "findings", "shown"), findings - 100);
}

#[test]
fn every_filter_leaves_the_rows_the_json_report_says() {
    let t = tempfile::tempdir().unwrap();
    let (html, report) = demo_report(t.path());
    let e = Expect { report: &report };
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("boundary", "azure")],
        vec![("scope", "acme-prod")],
        vec![("severity", "high")],
        vec![("enforcement", "standing")],
        vec![("privilege", "admin")],
        vec![("revocation", "not-effective")],
        vec![("rule", "GEN001")],
        vec![("status", "new")],
        vec![("status", "suppressed")],
        vec![("q", "deploy")],
        vec![("boundary", "aws"), ("severity", "high")],
        vec![
            ("boundary", "gcp"),
            ("enforcement", "standing"),
            ("q", "deployer@"),
        ],
    ];
    let (all_findings, all_paths) = e.counts(&[]);
    let doms: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = cases
            .iter()
            .map(|filters| {
                let fragment: Vec<String> =
                    filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let html = &html;
                s.spawn(move || chromium::dom(html, &fragment.join("&"), &[]).stdout)
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for (filters, dom) in cases.iter().zip(&doms) {
        let (findings, paths) = e.counts(filters);
        assert!(
            findings > 0 && findings < all_findings,
            "{filters:?}: a filter that narrows the demo's {all_findings} findings to some ({findings})"
        );
        assert_eq!(
            count(dom, "findings", "matching"),
            findings,
            "findings under {filters:?}"
        );
        assert_eq!(
            count(dom, "paths", "matching"),
            paths,
            "paths under {filters:?}"
        );
        assert_eq!(count(dom, "findings", "shown"), findings.min(100));
        assert!(paths <= all_paths);
    }
}

#[test]
fn it_is_laid_out_at_1280_and_390_pixels_and_looks_the_same_offline() {
    let t = tempfile::tempdir().unwrap();
    let (html, _) = demo_report(t.path());
    for width in [1280, 390] {
        let online = chromium::screenshot(&html, width, &[]);
        let (w, h) = chromium::png_size(&online);
        assert_eq!((w, h), (width, 1800));
        assert!(
            online.len() > 20_000,
            "a {width} px screenshot with content"
        );
        let offline = chromium::screenshot(&html, width, &chromium::offline());
        assert!(
            online == offline,
            "the {width} px page looks different with the network disabled"
        );
        std::fs::write(t.path().join(format!("shot-{width}.png")), &online).unwrap();
    }
    // At 390 px nothing is wider than the screen: the page's own width is the window's.
    let narrow = chromium::dom(&html, "", &["--window-size=390,1800".to_string()]);
    assert_eq!(
        chromium::root_attr(&narrow.stdout, "data-ready").as_deref(),
        Some("1")
    );
}

#[test]
fn no_secret_of_the_demo_inputs_reaches_the_page() {
    // demo/kubernetes/prod-eks/secrets.json holds a service-account token, as `kubectl get
    // secrets -o json` returns it (base64): neither it nor its decoded text may appear.
    let seeded = "aml0Z2FwLWRlbW8tc2VlZGVkLXNhLXRva2VuLW5ldmVyLWluLWEtcmVwb3J0";
    let decoded = "jitgap-demo-seeded-sa-token-never-in-a-report";
    let input =
        std::fs::read_to_string(support::cli::repo().join("demo/kubernetes/prod-eks/secrets.json"))
            .unwrap();
    assert!(input.contains(seeded), "the demo still seeds the token");
    let t = tempfile::tempdir().unwrap();
    let (html, _) = demo_report(t.path());
    let page = std::fs::read_to_string(&html).unwrap();
    let dom = chromium::dom(&html, "q=token", &[]).stdout;
    for text in [&page, &dom] {
        assert!(!text.contains(seeded) && !text.contains(decoded));
        assert!(!text.contains("jitgap-demo-seeded"));
    }
}
