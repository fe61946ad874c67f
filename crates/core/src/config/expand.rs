//! `${VAR}` and `${VAR:-default}` in server definitions, as Claude-style
//! `.mcp.json` files use them, so a shared server list can name a token
//! without containing it.
//!
//! Expansion happens once, at load, from the process environment. A
//! variable that is unset and has no default expands to nothing and is
//! reported as a warning naming the key, rather than sending the literal
//! `${VAR}` to a server.

/// Expands every `${...}` in `text` with `lookup`; returns the result and
/// the names of unset variables that had no default.
pub(crate) fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after.find('}') else {
            rest = after;
            break;
        };
        let inner = &after[2..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            out.push_str(&after[..=end]);
        } else if let Some(value) = lookup(name).filter(|v| !v.is_empty()) {
            out.push_str(&value);
        } else if let Some(default) = default {
            out.push_str(default);
        } else {
            missing.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::expand;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "t0k".to_owned())
    }

    #[test]
    fn replaces_set_variables_and_defaults() {
        assert_eq!(
            expand("Bearer ${TOKEN}", &env),
            ("Bearer t0k".into(), vec![])
        );
        assert_eq!(
            expand("${HOST:-localhost}:1", &env),
            ("localhost:1".into(), vec![])
        );
        assert_eq!(expand("${TOKEN:-x}", &env), ("t0k".into(), vec![]));
    }

    #[test]
    fn reports_unset_variables_and_leaves_other_text_alone() {
        assert_eq!(
            expand("a${NOPE}b", &env),
            ("ab".into(), vec!["NOPE".to_owned()])
        );
        assert_eq!(
            expand("$HOME ${not valid} ${open", &env).0,
            "$HOME ${not valid} ${open"
        );
        assert_eq!(expand("plain", &env).0, "plain");
    }
}
