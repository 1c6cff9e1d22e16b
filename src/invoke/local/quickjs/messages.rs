//! QuickJS words its common runtime errors differently from V8, the engine of the platform and
//! of LivePerson's emulator (`cannot read property 'x' of undefined` against `Cannot read
//! properties of undefined (reading 'x')`). The platform reports the error's message, so the
//! embedded engine rewrites these few into V8's words; for "not a function" it reads the callee
//! from the code at the error's position, as V8 names it.

/// V8's message for a QuickJS error message, when it is one of the common ones.
pub(crate) fn v8_message(
    message: &str,
    code: &str,
    line: Option<u32>,
    column: Option<u32>,
) -> Option<String> {
    for (target, verb) in [("undefined", "reading"), ("null", "reading")] {
        if let Some(prop) = between(message, "cannot read property '", &format!("' of {target}")) {
            return Some(format!(
                "Cannot read properties of {target} ({verb} '{prop}')"
            ));
        }
        if let Some(prop) = between(message, "cannot set property '", &format!("' of {target}")) {
            return Some(format!(
                "Cannot set properties of {target} (setting '{prop}')"
            ));
        }
    }
    if message == "stack overflow" {
        return Some("Maximum call stack size exceeded".to_owned());
    }
    if let Some(name) = message.strip_suffix(" is not initialized") {
        return Some(format!("Cannot access '{name}' before initialization"));
    }
    if message.starts_with('\'') && message.ends_with("' is read-only") {
        return Some("Assignment to constant variable.".to_owned());
    }
    if let Some(cut) = message.rfind(" (line ")
        && message.ends_with(')')
        && message[cut..].contains(" column ")
    {
        // quickjs-ng adds the position to JSON.parse's message; V8 does not.
        return Some(message[..cut].to_owned());
    }
    if message == "not a function" || message == "not a constructor" {
        let callee = callee_at(code, line?, column?)?;
        let what = message.trim_start_matches("not ");
        return Some(format!("{callee} is not {what}"));
    }
    None
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    text.strip_prefix(start)?.strip_suffix(end)
}

/// The callee expression of the call at a position: `data.payload.x.match` in
/// `data.payload.x.match(/a/)`.
fn callee_at(code: &str, line: u32, column: u32) -> Option<String> {
    let text: Vec<char> = code
        .lines()
        .nth(line.checked_sub(1)? as usize)?
        .chars()
        .collect();
    let start = (column as usize).checked_sub(1)?.min(text.len());
    // QuickJS points at the callee, or somewhere inside the call's parentheses.
    let at = paren_after(&text, start).or_else(|| paren_before(&text, start))?;
    // Then left over the member expression.
    let end = at;
    let mut start = end;
    let mut depth = 0usize;
    while start > 0 {
        let c = text[start - 1];
        match c {
            ']' => depth += 1,
            '[' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            _ if is_name(c) || c == '.' || c == '?' => {}
            _ => break,
        }
        start -= 1;
    }
    let callee: String = text[start..end]
        .iter()
        .collect::<String>()
        .trim()
        .replace("?.", ".");
    let callee = callee.trim_start_matches('.').to_owned();
    (!callee.is_empty() && callee.chars().next().is_some_and(|c| !c.is_ascii_digit()))
        .then_some(callee)
}

/// The call's opening parenthesis after a callee that starts at `at`.
fn paren_after(text: &[char], mut at: usize) -> Option<usize> {
    while at < text.len() && text[at] != '(' {
        let c = text[at];
        if !(is_name(c) || c == '.' || c == '?' || c.is_whitespace()) {
            return None;
        }
        at += 1;
    }
    (at < text.len()).then_some(at)
}

/// The unmatched opening parenthesis before `at` (a position among the call's arguments).
fn paren_before(text: &[char], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..at).rev() {
        match text[i] {
            ')' => depth += 1,
            '(' if depth == 0 => return Some(i),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn is_name(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_reads_and_writes_use_v8_s_words() {
        assert_eq!(
            v8_message("cannot read property 'match' of undefined", "", None, None).as_deref(),
            Some("Cannot read properties of undefined (reading 'match')")
        );
        assert_eq!(
            v8_message("cannot set property 'x' of null", "", None, None).as_deref(),
            Some("Cannot set properties of null (setting 'x')")
        );
        assert_eq!(
            v8_message("x is not initialized", "", None, None).as_deref(),
            Some("Cannot access 'x' before initialization")
        );
        assert_eq!(v8_message("boom", "", None, None), None);
    }

    #[test]
    fn a_call_of_a_non_function_names_the_callee() {
        let code = "function lambda(i, cb) {\n  data.payload.skillName.match(/x/);\n  console.log('x');\n}";
        assert_eq!(
            v8_message("not a function", code, Some(2), Some(25)).as_deref(),
            Some("data.payload.skillName.match is not a function")
        );
        assert_eq!(
            v8_message("not a function", code, Some(3), Some(10)).as_deref(),
            Some("console.log is not a function")
        );
        assert_eq!(
            v8_message("not a function", "  cb(null, 1);", Some(1), Some(3)).as_deref(),
            Some("cb is not a function")
        );
        assert_eq!(v8_message("not a function", code, Some(9), Some(1)), None);
        // QuickJS may point inside the call's parentheses, at any argument.
        assert_eq!(
            v8_message(
                "not a function",
                ";return function (input, callback) { return lambda(input, callback); };",
                Some(1),
                Some(59)
            )
            .as_deref(),
            Some("lambda is not a function")
        );
        assert_eq!(
            v8_message(
                "not a function",
                "  callback(null, helpers.format(input));",
                Some(1),
                Some(33)
            )
            .as_deref(),
            Some("helpers.format is not a function")
        );
        assert_eq!(
            v8_message(
                "Expected property name or '}' in JSON at position 1 (line 1 column 2)",
                "",
                None,
                None
            )
            .as_deref(),
            Some("Expected property name or '}' in JSON at position 1")
        );
    }
}
