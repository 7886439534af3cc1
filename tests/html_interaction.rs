//! The HTML report driven as a person uses it: Debian's `chromedriver` (WebDriver) and
//! `chromium`, headless. Choosing a filter in its control, typing a search, clearing the
//! filters, turning a page and opening a finding with the keyboard each change what is shown
//! as the JSON report says they should.

mod support;

use fantoccini::{Client, ClientBuilder, Locator, key::Key};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use support::chromium;
use support::cli::jitgap_in_repo;

fn chromedriver() -> PathBuf {
    chromium::program("JITGAP_CHROMEDRIVER", &["chromedriver"], "chromium-driver")
}

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(chromedriver())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Driver { child, port };
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not listen on 127.0.0.1:{port}");
}

async fn browser(driver: &Driver, width: u32) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium::browser(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--no-first-run", format!("--window-size={width},1600")],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

async fn data(c: &Client, id: &str, attr: &str) -> usize {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .attr(attr)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("#{id} has no {attr}"))
        .parse()
        .unwrap()
}

async fn root(c: &Client, key: &str) -> Value {
    c.execute(
        &format!("return document.documentElement.dataset['{key}'] || null"),
        vec![],
    )
    .await
    .unwrap()
}

/// Picks `value` in the filter control `name`, as a person does (a click on the option).
async fn choose(c: &Client, name: &str, value: &str) {
    c.find(Locator::Css(&format!("select[name={name}]")))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// The "Clear filters" button, and a moment for the page to list everything again.
async fn clear_filters(c: &Client) {
    c.find(Locator::Css("button[type=reset]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

fn demo(dir: &Path) -> (PathBuf, Value) {
    jitgap_in_repo()
        .args(["scan", "--demo", "--format", "html,json", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    let json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("jitgap-report.json")).unwrap())
            .unwrap();
    (dir.join("jitgap-report.html"), json)
}

fn count(report: &Value, f: impl Fn(&Value) -> bool) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| f(x))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_search_pages_and_the_keyboard_work_in_the_browser() {
    let t = tempfile::tempdir().unwrap();
    let (html, report) = demo(t.path());
    let total = count(&report, |_| true);
    let driver = start_driver();
    let c = browser(&driver, 1280).await;
    c.goto(&chromium::url(&html, "")).await.unwrap();
    assert_eq!(root(&c, "ready").await, json!("1"));
    assert_eq!(data(&c, "findings-count", "data-matching").await, total);

    // A boundary chosen in its control.
    let azure = count(&report, |f| f["boundary"] == "azure");
    choose(&c, "boundary", "azure").await;
    assert_eq!(data(&c, "findings-count", "data-matching").await, azure);
    // ... and a severity on top of it.
    let azure_high = count(&report, |f| {
        f["boundary"] == "azure" && f["severity"] == "high"
    });
    choose(&c, "severity", "high").await;
    assert_eq!(
        data(&c, "findings-count", "data-matching").await,
        azure_high
    );
    assert!(azure_high > 0 && azure_high < azure);
    // The address holds the view.
    let url = c.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("boundary=azure&severity=high"));

    // Clearing the filters shows everything again.
    clear_filters(&c).await;
    assert_eq!(data(&c, "findings-count", "data-matching").await, total);

    // Typing a search (messages, identities, entitlements…).
    c.find(Locator::Css("input[name=q]"))
        .await
        .unwrap()
        .send_keys("access key")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let searched = data(&c, "findings-count", "data-matching").await;
    assert!(searched > 0 && searched < total, "{searched} of {total}");
    clear_filters(&c).await;

    // The next page of findings.
    assert_eq!(data(&c, "findings-count", "data-shown").await, 100);
    c.find(Locator::XPath(
        "//nav[@id='findings-pager']/button[normalize-space()='next ›']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    assert_eq!(data(&c, "findings-count", "data-shown").await, total - 100);

    // A finding opened from the keyboard shows its evidence.
    let summary = c
        .find(Locator::Css("#findings-list details > summary"))
        .await
        .unwrap();
    summary
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    let open = c
        .find(Locator::Css("#findings-list details[open] ul.evidence li"))
        .await
        .unwrap();
    assert!(!open.text().await.unwrap().is_empty());

    assert_eq!(root(&c, "error").await, Value::Null);
    assert_eq!(root(&c, "csp").await, Value::Null);
    c.close().await.unwrap();
}
