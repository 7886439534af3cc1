//! The database collectors' read-only guard: every statement is checked before it is sent.

/// The only statements a database collector sends: the first keyword must be one of these.
pub const ALLOWED_STATEMENT_PREFIXES: &[&str] = &["SELECT", "SHOW"];

/// `Ok` when `sql` is a single statement whose first keyword is in
/// [`ALLOWED_STATEMENT_PREFIXES`]; the error names the refused keyword and the collector.
pub fn check_statement(sql: &str, collector: &str) -> Result<(), String> {
    let trimmed = sql.trim_start();
    let keyword = trimmed
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    if !ALLOWED_STATEMENT_PREFIXES.contains(&keyword.as_str()) {
        return Err(format!(
            "refused to send a `{}` statement: the {collector} collector sends only {}",
            if keyword.is_empty() { "?" } else { &keyword },
            ALLOWED_STATEMENT_PREFIXES.join("/")
        ));
    }
    if trimmed.contains(';') {
        return Err("refused to send a statement holding `;` (one statement at a time)".into());
    }
    Ok(())
}
