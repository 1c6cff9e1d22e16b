//! A small JavaScript tokenizer for the save-time checks: names, punctuation and string
//! literals with their positions; comments, template literals and regular expressions are
//! stepped over so that what they contain is never mistaken for code.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An identifier or keyword.
    Name,
    /// A string literal (the text is its value, unquoted).
    String,
    /// A number.
    Number,
    /// One punctuation character.
    Punct,
}

/// One token and where it starts (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub text: String,
    pub line: u32,
    pub column: u32,
}

/// Keywords after which a `/` starts a regular expression, not a division.
const BEFORE_REGEX: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// The tokens of `code`.
pub(crate) fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    // Template literal nesting: how many `{` deep each open `${` is.
    let mut templates: Vec<u32> = Vec::new();
    let mut braces = 0u32;
    macro_rules! step {
        () => {{
            if chars[i] == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
            i += 1;
        }};
    }
    while i < chars.len() {
        let c = chars[i];
        let (start_line, start_col) = (line, col);
        if c.is_whitespace() {
            step!();
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                step!();
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            step!();
            step!();
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                step!();
            }
            if i < chars.len() {
                step!();
                step!();
            }
        } else if c == '"' || c == '\'' {
            step!();
            let mut value = String::new();
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    step!();
                }
                value.push(chars[i]);
                step!();
            }
            if i < chars.len() && chars[i] == c {
                step!();
            }
            out.push(token(TokenKind::String, value, start_line, start_col));
        } else if c == '`' || (c == '}' && templates.last() == Some(&braces)) {
            // A template literal's text, up to its end or the next `${`.
            if c == '}' {
                templates.pop();
            }
            step!();
            while i < chars.len() && chars[i] != '`' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    step!();
                } else if chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
                    step!();
                    step!();
                    templates.push(braces);
                    break;
                }
                step!();
            }
            if i < chars.len() && chars[i] == '`' {
                step!();
            }
            out.push(token(
                TokenKind::String,
                String::new(),
                start_line,
                start_col,
            ));
        } else if c == '/' && regex_allowed(out.last()) {
            step!();
            let mut in_class = false;
            while i < chars.len() && chars[i] != '\n' {
                match chars[i] {
                    '\\' => step!(),
                    '[' => in_class = true,
                    ']' => in_class = false,
                    '/' if !in_class => break,
                    _ => {}
                }
                step!();
            }
            if i < chars.len() && chars[i] == '/' {
                step!();
            }
            while i < chars.len() && chars[i].is_alphabetic() {
                step!();
            }
            out.push(token(
                TokenKind::String,
                String::new(),
                start_line,
                start_col,
            ));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let mut text = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                text.push(chars[i]);
                step!();
            }
            out.push(token(TokenKind::Name, text, start_line, start_col));
        } else if c.is_ascii_digit() {
            let mut text = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_')
            {
                text.push(chars[i]);
                step!();
            }
            out.push(token(TokenKind::Number, text, start_line, start_col));
        } else {
            match c {
                '{' => braces += 1,
                '}' => braces = braces.saturating_sub(1),
                _ => {}
            }
            step!();
            out.push(token(
                TokenKind::Punct,
                c.to_string(),
                start_line,
                start_col,
            ));
        }
    }
    out
}

fn token(kind: TokenKind, text: String, line: u32, column: u32) -> Token {
    Token {
        kind,
        text,
        line,
        column,
    }
}

/// Whether a `/` after this token starts a regular expression.
fn regex_allowed(previous: Option<&Token>) -> bool {
    match previous {
        None => true,
        Some(t) => match t.kind {
            TokenKind::Name => BEFORE_REGEX.contains(&t.text.as_str()),
            TokenKind::Number | TokenKind::String => false,
            TokenKind::Punct => !matches!(t.text.as_str(), ")" | "]" | "}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<String> {
        tokens(code)
            .into_iter()
            .filter(|t| t.kind == TokenKind::Name)
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn comments_strings_templates_and_regexes_hide_what_they_contain() {
        let code = "// eval(x)\n/* lambda */ const s = 'eval(1)'; const t = `a ${b + `c${d}`} eval(2)`;\nconst r = /eval\\(/g; x = a / b / c;";
        assert_eq!(
            names(code),
            [
                "const", "s", "const", "t", "b", "d", "const", "r", "g", "x", "a", "b", "c"
            ]
            .iter()
            .filter(|n| **n != "g")
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
        );
        let strings: Vec<_> = tokens("require('lodash'); require(\"a\\\"b\")")
            .into_iter()
            .filter(|t| t.kind == TokenKind::String)
            .map(|t| t.text)
            .collect();
        assert_eq!(strings, ["lodash", "a\"b"]);
    }

    #[test]
    fn positions_are_lines_and_columns() {
        let toks = tokens("a\n  bc(");
        assert_eq!((toks[1].line, toks[1].column), (2, 3));
        assert_eq!((toks[2].text.as_str(), toks[2].column), ("(", 5));
    }
}
