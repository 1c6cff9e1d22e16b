//! Save-time checks of a function's code, like the platform's editor makes them: the code
//! parses (compiled, never run), defines `lambda` (with the fix for `module.exports` code),
//! uses no `eval`/`new Function`, stays within 100,000 characters, calls its callback on V1,
//! and names only modules the platform offers. Each finding has a severity, a rule and, when
//! it can be seen, where.

use serde::Serialize;

use super::scan::{Token, TokenKind, tokens};
use crate::functions::Runtime;

/// The platform's limit on a function's code.
pub const MAX_CODE_CHARS: usize = 100_000;

/// How serious a finding is: errors keep the platform from taking the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The platform refuses the code, or it cannot work.
    Error,
    /// The code runs, but likely not as meant.
    Warning,
}

/// Which rule a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The code does not parse.
    Syntax,
    /// No top-level `lambda`.
    NoLambda,
    /// `eval`, `new Function` or `Function(…)`.
    Eval,
    /// More than 100,000 characters.
    TooLong,
    /// V1: the callback is never called (or lambda takes none).
    Callback,
    /// The code's shape belongs to the other platform version.
    Version,
    /// A module the platform does not offer (or not locally).
    Module,
}

/// One finding about the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// The rule.
    pub rule: Rule,
    /// What is wrong, for the operator.
    pub message: String,
    /// How to fix it, when the console knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// 1-based line, when it can be seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Finding {
    fn new(severity: Severity, rule: Rule, message: impl Into<String>) -> Self {
        Self {
            severity,
            rule,
            message: message.into(),
            fix: None,
            line: None,
            column: None,
        }
    }

    fn at(mut self, token: &Token) -> Self {
        self.line = Some(token.line);
        self.column = Some(token.column);
        self
    }

    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// `error line 3:5: message (fix: …)`.
    pub fn display(&self) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = match (self.line, self.column) {
            (Some(l), Some(c)) => format!(" line {l}:{c}"),
            _ => String::new(),
        };
        let fix = self
            .fix
            .as_deref()
            .map(|f| format!(" Fix: {f}"))
            .unwrap_or_default();
        format!("{severity}{at}: {}{fix}", self.message)
    }
}

/// True when a finding keeps the platform from taking the code.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Every finding about `code` on a platform version, in the order of the rules above.
pub fn check_code(code: &str, runtime: Runtime) -> Vec<Finding> {
    let mut findings = Vec::new();
    let chars = code.chars().count();
    if chars > MAX_CODE_CHARS {
        findings.push(Finding::new(
            Severity::Error,
            Rule::TooLong,
            format!("the code has {chars} characters; the platform takes at most {MAX_CODE_CHARS}"),
        ));
    }
    if let Some(syntax) = super::quickjs::syntax_check(code, runtime) {
        let mut finding = Finding::new(Severity::Error, Rule::Syntax, syntax.message.clone());
        finding.line = syntax.line;
        finding.column = syntax.column;
        findings.push(finding);
        if runtime == Runtime::V1 {
            // `import` is the usual cause of a V1 syntax error: say so.
            let toks = tokens(code);
            module_rules(&toks, runtime, &mut findings);
            findings.retain(|f| f.rule != Rule::Module);
        }
        return findings;
    }
    let toks = tokens(code);
    lambda_rules(&toks, runtime, &mut findings);
    eval_rules(&toks, &mut findings);
    module_rules(&toks, runtime, &mut findings);
    findings
}

/// Where `lambda` is defined at the top level, and its parameter names.
fn find_lambda(toks: &[Token]) -> Option<(usize, Vec<String>)> {
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate() {
        match t.text.as_str() {
            "{" | "(" | "[" => depth += 1,
            "}" | ")" | "]" => depth -= 1,
            "lambda" if depth == 0 && t.kind == TokenKind::Name => {
                let prev = i.checked_sub(1).map(|p| toks[p].text.as_str());
                if prev == Some("function") {
                    return Some((i, params(toks, i + 1)));
                }
                if matches!(prev, Some("const" | "let" | "var"))
                    && toks.get(i + 1).is_some_and(|n| n.text == "=")
                {
                    let mut at = i + 2;
                    if toks.get(at).is_some_and(|t| t.text == "async") {
                        at += 1;
                    }
                    if toks.get(at).is_some_and(|t| t.text == "function") {
                        at += 1;
                    }
                    return Some((i, params(toks, at)));
                }
            }
            _ => {}
        }
    }
    None
}

/// Parameter names from an opening parenthesis (or a single arrow parameter).
fn params(toks: &[Token], at: usize) -> Vec<String> {
    let Some(first) = toks.get(at) else {
        return Vec::new();
    };
    if first.text != "(" {
        return if first.kind == TokenKind::Name {
            vec![first.text.clone()]
        } else {
            Vec::new()
        };
    }
    let mut names = Vec::new();
    let mut depth = 0;
    let mut expect_name = true;
    for t in &toks[at + 1..] {
        match t.text.as_str() {
            "(" | "{" | "[" => depth += 1,
            ")" if depth == 0 => break,
            ")" | "}" | "]" => depth -= 1,
            "," if depth == 0 => expect_name = true,
            _ if depth == 0 && expect_name && t.kind == TokenKind::Name => {
                names.push(t.text.clone());
                expect_name = false;
            }
            _ => {}
        }
    }
    names
}

fn lambda_rules(toks: &[Token], runtime: Runtime, findings: &mut Vec<Finding>) {
    let Some((at, params)) = find_lambda(toks) else {
        let mut finding = Finding::new(
            Severity::Error,
            Rule::NoLambda,
            "the code defines no top-level lambda: the platform calls `function lambda(input, callback)`"
                .to_owned()
                + if runtime == Runtime::V2 {
                    " (on V2 `async function lambda(input)`)"
                } else {
                    ""
                },
        );
        let exports = toks
            .windows(3)
            .position(|w| w[0].text == "module" && w[1].text == "." && w[2].text == "exports");
        if let Some(i) = exports {
            finding = finding.at(&toks[i]).fix(
                "the code sets module.exports, the older shape: replace `module.exports =` with `const lambda =`, or write `function lambda(input, callback) { … }`",
            );
        }
        findings.push(finding);
        return;
    };
    let name = &toks[at];
    match runtime {
        Runtime::V1 => {
            let Some(callback) = params.get(1) else {
                findings.push(
                    Finding::new(
                        Severity::Warning,
                        Rule::Callback,
                        "lambda takes no callback: on V1 the result comes only through it",
                    )
                    .at(name)
                    .fix("write `function lambda(input, callback)` and call `callback(null, result)`"),
                );
                return;
            };
            let used = toks[at + 1..]
                .iter()
                .filter(|t| t.kind == TokenKind::Name && &t.text == callback)
                .count();
            // The parameter itself is one occurrence.
            if used <= 1 {
                findings.push(
                    Finding::new(
                        Severity::Warning,
                        Rule::Callback,
                        format!(
                            "lambda never calls its callback `{callback}`: the platform waits for it until the time limit and reports executiontime-exceeded"
                        ),
                    )
                    .at(name)
                    .fix(format!("call `{callback}(null, result)` on every path")),
                );
            }
        }
        Runtime::V2 => {
            if params.len() > 1 {
                findings.push(
                    Finding::new(
                        Severity::Warning,
                        Rule::Version,
                        format!(
                            "lambda takes a second parameter `{}`, but V2 passes no callback: return the result instead",
                            params[1]
                        ),
                    )
                    .at(name),
                );
            }
        }
    }
}

fn eval_rules(toks: &[Token], findings: &mut Vec<Finding>) {
    for (i, t) in toks.iter().enumerate() {
        if t.kind != TokenKind::Name {
            continue;
        }
        let next = toks.get(i + 1).map(|n| n.text.as_str());
        let prev = i.checked_sub(1).map(|p| toks[p].text.as_str());
        let hit = match t.text.as_str() {
            "eval" => next == Some("(") && prev != Some("."),
            "Function" => prev == Some("new") || (next == Some("(") && prev != Some(".")),
            _ => false,
        };
        if hit {
            findings.push(
                Finding::new(
                    Severity::Error,
                    Rule::Eval,
                    format!(
                        "`{}` generates code from strings, which the platform refuses",
                        if t.text == "eval" {
                            "eval"
                        } else {
                            "new Function"
                        }
                    ),
                )
                .at(t),
            );
        }
    }
}

fn module_rules(toks: &[Token], runtime: Runtime, findings: &mut Vec<Finding>) {
    for (i, t) in toks.iter().enumerate() {
        let named = match t.text.as_str() {
            "require" if t.kind == TokenKind::Name => {
                let string = toks.get(i + 2).filter(|s| s.kind == TokenKind::String);
                (toks.get(i + 1).is_some_and(|p| p.text == "("))
                    .then_some(string)
                    .flatten()
            }
            "from" | "import" if t.kind == TokenKind::Name => {
                toks.get(i + 1).filter(|s| s.kind == TokenKind::String)
            }
            _ => None,
        };
        if t.text == "import" && t.kind == TokenKind::Name && runtime == Runtime::V1 {
            let next = toks.get(i + 1).map(|n| n.text.as_str());
            if next != Some("(") && next != Some(".") {
                findings.push(
                    Finding::new(
                        Severity::Error,
                        Rule::Version,
                        "`import` is V2's module syntax: V1 code loads modules with require()",
                    )
                    .at(t),
                );
            }
        }
        if t.text == "require" && runtime == Runtime::V2 && named.is_some() {
            findings.push(
                Finding::new(
                    Severity::Warning,
                    Rule::Version,
                    "V2 functions are ES modules: use `import … from` instead of require()",
                )
                .at(t),
            );
        }
        let Some(string) = named else { continue };
        if let Some(message) = super::modules::refusal(&string.text, runtime) {
            findings.push(Finding::new(Severity::Error, Rule::Module, message).at(string));
        }
    }
}

#[cfg(test)]
#[path = "tests_check.rs"]
mod tests;
