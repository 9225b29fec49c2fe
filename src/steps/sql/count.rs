//! How many statements an SQL text holds: a `sql` step runs exactly one. Pure, for
//! the kind's check rule (a literal, E0414) and its execution (the text after
//! its values are placed). Semicolons inside quotes (`'…'`, `"…"`, `` `…` ``),
//! dollar quotes (`$$…$$`, `$tag$…$tag$`) and comments (`-- …`, `/* … */`) do not
//! end a statement; a segment of only whitespace and comments is not one.

/// The number of statements in `sql`.
pub fn statement_count(sql: &str) -> usize {
    let mut count = 0;
    let mut has_content = false;
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        let skip = match c {
            ';' => {
                if has_content {
                    count += 1;
                }
                has_content = false;
                1
            }
            '\'' | '"' | '`' => {
                has_content = true;
                quoted_length(rest, c)
            }
            '-' if rest.starts_with("--") => rest.find('\n').unwrap_or(rest.len()),
            '/' if rest.starts_with("/*") => rest[2..].find("*/").map_or(rest.len(), |end| end + 4),
            '$' => {
                has_content = true;
                dollar_quoted_length(rest)
            }
            c if c.is_whitespace() => c.len_utf8(),
            c => {
                has_content = true;
                c.len_utf8()
            }
        };
        rest = rest.get(skip..).unwrap_or_default();
    }
    if has_content {
        count += 1;
    }
    count
}

/// The length of a quoted part starting at `text`'s first character, `quote`; a
/// doubled quote stays inside. An unclosed quote runs to the end.
fn quoted_length(text: &str, quote: char) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((index, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|(_, next)| *next == quote) {
                chars.next();
                continue;
            }
            return index + c.len_utf8();
        }
    }
    text.len()
}

/// `$tag$…$tag$` (PostgreSQL) from its start; a `$` that opens no such quote (a
/// placeholder `$1`) is one character.
fn dollar_quoted_length(text: &str) -> usize {
    let tag_end = text[1..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|end| end + 1);
    match tag_end {
        Some(end)
            if text[end..].starts_with('$')
                && !text[1..end].starts_with(|c: char| c.is_ascii_digit()) =>
        {
            let tag = &text[..=end];
            match text[tag.len()..].find(tag) {
                Some(close) => tag.len() + close + tag.len(),
                None => text.len(),
            }
        }
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::statement_count;

    #[test]
    fn statements_are_counted_outside_quotes_and_comments() {
        assert_eq!(statement_count("SELECT 1"), 1);
        assert_eq!(statement_count("SELECT 1;"), 1);
        assert_eq!(statement_count("  SELECT 1 ;  -- done\n"), 1);
        assert_eq!(statement_count("SELECT 1; SELECT 2"), 2);
        assert_eq!(statement_count("SELECT ';'; "), 1);
        assert_eq!(statement_count("SELECT \"a;b\" FROM t"), 1);
        assert_eq!(statement_count("SELECT 'it''s; fine'"), 1);
        assert_eq!(statement_count("SELECT 1 /* ; */"), 1);
        assert_eq!(statement_count("SELECT 1 -- ; SELECT 2"), 1);
        assert_eq!(statement_count("SELECT $1; SELECT $2"), 2);
        assert_eq!(statement_count("DO $$ BEGIN PERFORM 1; END $$"), 1);
        assert_eq!(statement_count("SELECT $tag$;$tag$"), 1);
        assert_eq!(
            statement_count("INSERT INTO t VALUES (1); DELETE FROM t; SELECT 3"),
            3
        );
        assert_eq!(statement_count(""), 0);
        assert_eq!(statement_count(";;"), 0);
    }
}
