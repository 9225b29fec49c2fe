//! `netrc "path"`: the login and password a netrc file gives for a host, as
//! curl's `--netrc-file` (and Hurl's `netrc`, `netrc-file`) read it: `machine
//! NAME` entries, else a `default` entry; `login`, `password`, `account` and
//! `macdef` (a macro, skipped to its blank line) are read in any order, across
//! lines. Pure: the executor reads the file and sends what this finds.

/// The `login:password` pair a netrc text gives for `host`, if any: the entry of
/// its `machine`, else the `default` entry (which the file writes last).
pub fn credentials_for(text: &str, host: &str) -> Option<String> {
    let mut found: Option<Entry> = None;
    let mut default: Option<Entry> = None;
    let mut current: Option<(Target, Entry)> = None;
    let mut lines = text.lines();
    let mut tokens: Vec<&str> = Vec::new();
    // Tokens in order; a `macdef` swallows the lines up to a blank one.
    while let Some(line) = lines.next() {
        let mut words = line.split_whitespace();
        while let Some(word) = words.next() {
            if word == "macdef" {
                words.next();
                for body in lines.by_ref() {
                    if body.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            tokens.push(word);
        }
    }
    let mut tokens = tokens.into_iter();
    let mut finish = |current: Option<(Target, Entry)>| match current {
        Some((Target::Machine(name), entry)) if name.eq_ignore_ascii_case(host) => {
            found.get_or_insert(entry);
        }
        Some((Target::Default, entry)) => {
            default.get_or_insert(entry);
        }
        _ => {}
    };
    while let Some(token) = tokens.next() {
        match token {
            "machine" => {
                finish(current.take());
                let name = tokens.next().unwrap_or_default().to_string();
                current = Some((Target::Machine(name), Entry::default()));
            }
            "default" => {
                finish(current.take());
                current = Some((Target::Default, Entry::default()));
            }
            "login" | "password" | "account" => {
                let value = tokens.next().unwrap_or_default().to_string();
                if let Some((_, entry)) = current.as_mut() {
                    match token {
                        "login" => entry.login = Some(value),
                        "password" => entry.password = Some(value),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    finish(current.take());
    let entry = found.or(default)?;
    let login = entry.login?;
    Some(format!("{login}:{}", entry.password.unwrap_or_default()))
}

enum Target {
    Machine(String),
    Default,
}

#[derive(Default)]
struct Entry {
    login: Option<String>,
    password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "machine api.test login ann password s3cret\n\
                        machine other.test\n  login bob\n  password pw2\n\
                        macdef init\nlogin mallory password x\n\n\
                        default login anon password guest\n";

    #[test]
    fn the_machine_entry_wins_then_the_default() {
        assert_eq!(
            credentials_for(FILE, "api.test").as_deref(),
            Some("ann:s3cret")
        );
        assert_eq!(
            credentials_for(FILE, "OTHER.test").as_deref(),
            Some("bob:pw2")
        );
        // A macro's body is not an entry.
        assert_eq!(
            credentials_for(FILE, "nowhere.test").as_deref(),
            Some("anon:guest")
        );
    }

    #[test]
    fn no_entry_and_no_default_give_nothing() {
        let file = "machine api.test login ann password s3cret\n";
        assert_eq!(credentials_for(file, "127.0.0.1"), None);
        assert_eq!(credentials_for("", "api.test"), None);
        // An entry without a login gives nothing to send.
        assert_eq!(credentials_for("machine h password p\n", "h"), None);
    }
}
