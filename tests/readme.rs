//! The README's rule index is generated from rules/ and must match it.

use std::path::PathBuf;

#[test]
fn readme_rule_index_is_current() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let want = jitgap::report::render::rules_markdown(&rules);
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("README has <!-- rules:start -->")
        + "<!-- rules:start -->\n".len();
    let end = readme
        .find("<!-- rules:end -->")
        .expect("README has <!-- rules:end -->");
    assert!(
        readme[start..end] == want,
        "README.md rule index is out of date. Replace the block between the markers with:\n{want}"
    );
}
