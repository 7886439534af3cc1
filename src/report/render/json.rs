use crate::report::Report;

/// The canonical report: `schema_version` 1, schema in `schemas/report.schema.json`.
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}
