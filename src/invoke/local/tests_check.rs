//! Tests of the save-time checks.

use super::*;
use crate::catalog::EventId;

fn rules(code: &str, runtime: Runtime) -> Vec<(Severity, Rule)> {
    check_code(code, runtime)
        .into_iter()
        .map(|f| (f.severity, f.rule))
        .collect()
}

#[test]
fn the_templates_have_no_findings() {
    for event in [
        EventId::MessagingSurveyEnded,
        EventId::ChatPostSurveyEmailTranscript,
    ] {
        assert_eq!(check_code(event.spec().template, Runtime::V1), []);
        assert_eq!(check_code(event.spec().template_v2, Runtime::V2), []);
    }
}

#[test]
fn a_syntax_error_is_found_without_running_the_code() {
    // The top level would loop forever if it ran.
    let code = "while (true) {}\nfunction lambda(input, callback) {\n  callback(null, [);\n}";
    let findings = check_code(code, Runtime::V1);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, Rule::Syntax);
    assert_eq!(findings[0].line, Some(3));
    let v2 = check_code(
        "async function lambda(input) { return await; }",
        Runtime::V2,
    );
    assert_eq!(v2[0].rule, Rule::Syntax);
}

#[test]
fn module_exports_code_gets_the_fix() {
    let findings = check_code(
        "module.exports = (data, cb) => { cb(null, 1); };",
        Runtime::V1,
    );
    assert_eq!(findings[0].rule, Rule::NoLambda);
    assert_eq!((findings[0].line, findings[0].column), (Some(1), Some(1)));
    assert!(
        findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("`const lambda =`")
    );
    // The fix works: the arrow bound to lambda is found, and it calls its callback.
    assert_eq!(
        check_code(
            "const lambda = (data, cb) => { cb(null, 1); };",
            Runtime::V1
        ),
        []
    );
}

#[test]
fn eval_and_new_function_are_errors_but_not_in_strings_or_comments() {
    assert_eq!(
        rules(
            "function lambda(i, cb) { cb(null, eval('1')); }",
            Runtime::V1
        ),
        [(Severity::Error, Rule::Eval)]
    );
    assert_eq!(
        rules(
            "function lambda(i, cb) { const f = new Function('x'); cb(null, f); }",
            Runtime::V1
        ),
        [(Severity::Error, Rule::Eval)]
    );
    assert_eq!(
        rules(
            "// eval(x)\nfunction lambda(i, cb) { cb(null, 'eval(1)', obj.eval(2)); }",
            Runtime::V1
        ),
        []
    );
}

#[test]
fn code_over_the_platform_s_length_is_an_error() {
    let code = format!(
        "function lambda(i, cb) {{ cb(null, 1); }}\n//{}",
        "x".repeat(MAX_CODE_CHARS)
    );
    assert_eq!(
        rules(&code, Runtime::V1),
        [(Severity::Error, Rule::TooLong)]
    );
}

#[test]
fn a_callback_that_is_never_called_is_found() {
    let findings = check_code(
        "function lambda(input, callback) { return 1; }",
        Runtime::V1,
    );
    assert_eq!(findings[0].rule, Rule::Callback);
    assert!(findings[0].message.contains("`callback`"));
    assert_eq!(
        rules("function lambda(input) { return 1; }", Runtime::V1),
        [(Severity::Warning, Rule::Callback)]
    );
    // Passing it on counts as calling it.
    assert_eq!(
        rules(
            "function lambda(input, cb) { setTimeout(() => done(cb), 1); }\nfunction done(f) { f(null, 1); }",
            Runtime::V1
        ),
        []
    );
}

#[test]
fn version_and_module_rules_name_what_the_platform_offers() {
    assert_eq!(
        rules(
            "import _ from 'lodash';\nfunction lambda(i, cb) { cb(null, 1); }",
            Runtime::V1
        ),
        [
            (Severity::Error, Rule::Syntax),
            (Severity::Error, Rule::Version)
        ]
    );
    assert_eq!(
        rules(
            "async function lambda(input, callback) { return 1; }",
            Runtime::V2
        ),
        [(Severity::Warning, Rule::Version)]
    );
    let findings = check_code(
        "const pad = require('left-pad');\nconst _ = require('lodash');\nfunction lambda(i, cb) { cb(null, pad); }",
        Runtime::V1,
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule, findings[0].line),
        (Rule::Module, Some(1))
    );
    assert!(findings[0].message.contains("'left-pad'"));
    assert_eq!(
        rules(
            "import { DateTime } from 'luxon';\nimport { Toolbelt } from 'core-functions-toolbelt';\nasync function lambda(i) { return DateTime; }",
            Runtime::V2
        ),
        []
    );
}
