//! Case-insensitive substring search that behaves the same on SQLite and
//! PostgreSQL: both sides lowered (`LIKE` ignores ASCII case in SQLite but
//! not in PostgreSQL), wildcards in the search text escaped with `\`.

diesel::define_sql_function! {
    /// SQL `lower()`, present in both backends (ASCII only in SQLite).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `text` as a `LIKE` pattern matching it anywhere, lower-cased, with the
/// wildcards `%` and `_` and the escape `\` taken literally (use with
/// `.escape('\')`).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}
