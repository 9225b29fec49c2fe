//! Hurl's date formats (chrono's strftime: `%Y-%m-%d`) as the format
//! descriptions `.rit`'s `date()` and `format_date()` read (`[year]-[month]-[day]`),
//! for the `toDate` and `format` filters. A specifier with no counterpart is
//! untranslated, never guessed.

use super::translate::Untranslatable;

/// `%Y-%m-%dT%H:%M:%S` → `[year]-[month]-[day]T[hour]:[minute]:[second]`.
pub(super) fn time_format(strftime: &str) -> Result<String, Untranslatable> {
    let mut out = String::new();
    let mut chars = strftime.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                let specifier = chars.next().unwrap_or('%');
                let component = match specifier {
                    'Y' => "[year]",
                    'y' => "[year repr:last_two]",
                    'm' => "[month]",
                    'b' | 'h' => "[month repr:short]",
                    'B' => "[month repr:long]",
                    'd' => "[day]",
                    'e' => "[day padding:space]",
                    'j' => "[ordinal]",
                    'a' => "[weekday repr:short]",
                    'A' => "[weekday repr:long]",
                    'H' => "[hour]",
                    'I' => "[hour repr:12]",
                    'p' => "[period]",
                    'M' => "[minute]",
                    'S' => "[second]",
                    'f' => "[subsecond]",
                    'z' => "[offset_hour sign:mandatory][offset_minute]",
                    's' => "[unix_timestamp]",
                    'T' => "[hour]:[minute]:[second]",
                    'F' => "[year]-[month]-[day]",
                    'D' => "[month]/[day]/[year repr:last_two]",
                    'R' => "[hour]:[minute]",
                    '%' => "%",
                    other => {
                        return Err(format!(
                            "the date format `{strftime}` (`%{other}` has no `.rit` form)"
                        ));
                    }
                };
                out.push_str(component);
            }
            // A bracket is the start of a component in `.rit`'s formats: `[[`
            // writes one.
            '[' => out.push_str("[["),
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_formats_translate() {
        assert_eq!(
            time_format("%Y-%m-%d").as_deref(),
            Ok("[year]-[month]-[day]")
        );
        assert_eq!(
            time_format("%a, %d %b %Y %H:%M:%S GMT").as_deref(),
            Ok(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            )
        );
        assert_eq!(
            time_format("%FT%T%z").as_deref(),
            Ok(
                "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
            )
        );
        assert_eq!(time_format("100%% [x]").as_deref(), Ok("100% [[x]"));
        assert_eq!(
            time_format("%Y %Z"),
            Err("the date format `%Y %Z` (`%Z` has no `.rit` form)".to_string())
        );
    }
}
