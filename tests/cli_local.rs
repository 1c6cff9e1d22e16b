//! Local runs through the built binary: the platform settings of `functions set`, the
//! save-time checks of `functions set` and `functions check`, batches of code run in-process on
//! each engine, module loading from the installed set, and `modules status`.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::sample;

fn bin(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env(
            "SURVEY_CONSOLE_MODULES",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modules"),
        );
    cmd
}

fn run(home: &Path, args: &[&str]) -> Output {
    bin(home).args(args).output().unwrap()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn node_available() -> bool {
    let found = survey_console::invoke::local::node::available();
    if !found {
        eprintln!("Node.js engine half skipped: node is not on PATH");
    }
    found
}

#[test]
fn functions_set_keeps_the_platform_settings_and_checks_the_code_on_save() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let config = home.join("functions.json");
    let config_arg = config.to_str().unwrap();
    let set = |extra: &[&str]| {
        let mut args = vec![
            "functions",
            "set",
            "messaging-survey-ended",
            "--config",
            config_arg,
        ];
        args.extend_from_slice(extra);
        run(home, &args)
    };
    let out = set(&[
        "--endpoint",
        "local",
        "--engine",
        "node",
        "--runtime",
        "v2",
        "--env",
        "REGION=emea",
        "--allow",
        "api.example.com",
        "--secret",
        "crm=env:CRM_TOKEN",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let function = &saved["functions"]["messaging-survey-ended"];
    assert_eq!(function["runtime"], "v2");
    assert_eq!(function["environment"], json!({"REGION": "emea"}));
    assert_eq!(function["allowlist"], json!(["api.example.com"]));
    assert_eq!(function["secrets"], json!({"crm": "env:CRM_TOKEN"}));
    assert_eq!(
        function["endpoint"],
        json!({"kind": "local", "engine": "node"})
    );

    // A plain secret and a bad domain are refused by the rules of the platform settings.
    assert_eq!(set(&["--secret", "crm=hunter2"]).status.code(), Some(2));
    assert_eq!(set(&["--allow", "*.*.example.com"]).status.code(), Some(2));

    // Code the platform's editor would refuse is not saved without --force.
    let code = home.join("exports.js");
    std::fs::write(&code, "module.exports = (data, cb) => cb(null, eval('1'));").unwrap();
    let out = set(&["--runtime", "v1", "--code-file", code.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("defines no top-level lambda"), "{stderr}");
    assert!(
        stderr.contains("`eval` generates code from strings"),
        "{stderr}"
    );
    let unchanged: Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        unchanged["functions"]["messaging-survey-ended"]["runtime"],
        "v2"
    );
    let out = set(&[
        "--runtime",
        "v1",
        "--code-file",
        code.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(0));

    // `functions check` says the same, with exit 1 and the fix.
    let out = run(
        home,
        &[
            "functions",
            "check",
            "messaging-survey-ended",
            "--config",
            config_arg,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let findings = json_of(&out)["findings"].as_array().unwrap().clone();
    assert_eq!(findings[0]["rule"], "no-lambda");
    assert!(
        findings[0]["fix"]
            .as_str()
            .unwrap()
            .contains("const lambda =")
    );
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/templates/messaging-survey.js");
    set(&["--code-file", template.to_str().unwrap()]);
    let out = run(
        home,
        &[
            "functions",
            "check",
            "messaging-survey-ended",
            "--config",
            config_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no findings"));
}

#[test]
fn batches_run_code_in_process_on_each_engine() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let template = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/templates/chat-post-survey-email-transcript.js");
    let mut engines = vec!["quickjs"];
    if node_available() {
        engines.push("node");
    }
    for engine in engines {
        let out = run(
            home,
            &[
                "batch",
                "--event",
                "chat-post-survey-email-transcript",
                "--samples",
                "--code",
                template.to_str().unwrap(),
                "--engine",
                engine,
                "--concurrency",
                "4",
                "--json",
            ],
        );
        let report = json_of(&out);
        // The two invalid samples make the documented template throw, on both engines alike.
        assert_eq!(report["failed"], 2, "{engine}: {report}");
        assert_eq!(report["passed"], report["total"].as_u64().unwrap() - 2);
    }
}

#[test]
fn modules_load_from_the_installed_set_and_status_lists_them() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let code = home.join("lodash.js");
    std::fs::write(
        &code,
        "const _ = require('lodash');\nfunction lambda(input, callback) { callback(null, _.chunk([1, 2, 3], 2)); }",
    )
    .unwrap();
    let out = bin(home)
        .args([
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--json",
            "--no-history",
            "--payload",
        ])
        .arg(sample("messaging-survey-ended.envelope.json"))
        .arg("--code")
        .arg(&code)
        .output()
        .unwrap();
    let json = json_of(&out);
    assert_eq!(json["local"]["result"], json!([[1, 2], [3]]), "{json}");

    let out = run(home, &["modules", "status", "--json"]);
    let status = json_of(&out);
    let lodash = status["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "lodash" && m["runtime"] == "v1")
        .unwrap()
        .clone();
    assert_eq!(lodash["installed"], "4.17.21");
    assert_eq!(lodash["version"], "4.17.21");
    let jsforce = status["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "jsforce")
        .unwrap()
        .clone();
    assert_eq!(jsforce["installed"], Value::Null);
    assert_eq!(jsforce["quickjs"], false);
}
