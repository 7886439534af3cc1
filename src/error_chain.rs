//! An error and its causes as one line, for messages that go into a report or a log.

/// `a: b: c`, skipping a cause whose text the line already holds (many errors repeat their
/// source's message in their own).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
