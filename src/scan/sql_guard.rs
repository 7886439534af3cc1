//! The database collectors' read-only guard: every statement is checked before it is sent.

/// The only statements a database collector sends: the first keyword must be one of these.
pub const ALLOWED_STATEMENT_PREFIXES: &[&str] = &["SELECT", "SHOW"];

/// A statement the guard refuses to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusedStatement {
    /// `keyword` is `?` when the statement starts with no word.
    #[error(
        "refused to send a `{keyword}` statement: the {collector} collector sends only {allowed}",
        allowed = ALLOWED_STATEMENT_PREFIXES.join("/")
    )]
    Keyword { keyword: String, collector: String },
    #[error("refused to send a statement holding `;` (one statement at a time)")]
    Several,
}

/// `Ok` when `sql` is a single statement whose first keyword is in
/// [`ALLOWED_STATEMENT_PREFIXES`]; the error names the refused keyword and the collector.
pub fn check_statement(sql: &str, collector: &str) -> Result<(), RefusedStatement> {
    let trimmed = sql.trim_start();
    let keyword = trimmed
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    if !ALLOWED_STATEMENT_PREFIXES.contains(&keyword.as_str()) {
        return Err(RefusedStatement::Keyword {
            keyword: if keyword.is_empty() {
                "?".to_string()
            } else {
                keyword
            },
            collector: collector.to_string(),
        });
    }
    if trimmed.contains(';') {
        return Err(RefusedStatement::Several);
    }
    Ok(())
}
