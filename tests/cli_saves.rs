//! Saves of the functions file with the built binary: raced by parallel processes, beside the
//! console's own store, and cut by `kill -9` at random moments.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survey-console"));
    cmd.env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("SURVEY_CONSOLE_LIVECHAT_HISTORY");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn parallel_sets_are_all_kept() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("functions.json");
    let children: Vec<_> = (0..10)
        .map(|i| {
            let event = if i % 2 == 0 {
                "messaging-survey-ended"
            } else {
                "messaging-survey-started"
            };
            bin(home.path())
                .args(["functions", "set", event, "--config"])
                .arg(&config)
                .args(["--header", &format!("X-Writer-{i}: {i}")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut succeeded = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            succeeded.push(i);
        } else {
            // A refusal must say why; it never passes for a success.
            assert!(
                text(&out.stderr).contains("changed on disk"),
                "{}",
                text(&out.stderr)
            );
        }
    }
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    for i in &succeeded {
        let event = if i % 2 == 0 {
            "messaging-survey-ended"
        } else {
            "messaging-survey-started"
        };
        assert_eq!(
            file["functions"][event]["headers"][format!("X-Writer-{i}")],
            i.to_string(),
            "the save of writer {i} reported success but is not in the file: {file}"
        );
    }
    assert_eq!(
        succeeded.len(),
        10,
        "with the lock, every writer gets its turn"
    );
}

#[test]
fn the_console_and_the_cli_keep_each_others_changes() {
    use survey_console::catalog::EventId;
    use survey_console::functions::FunctionStore;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("functions.json");
    // The console loads the file, then the CLI changes another event, then the console saves.
    let mut console = FunctionStore::load(&config).unwrap();
    console
        .create(EventId::MessagingSurveyEnded, "from-console")
        .unwrap();
    let out = bin(home.path())
        .args([
            "functions",
            "create",
            "messaging-survey-started",
            "--name",
            "from-cli",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    console.save().unwrap();
    let on_disk = FunctionStore::load(&config).unwrap();
    assert_eq!(
        on_disk.get(EventId::MessagingSurveyEnded).unwrap().name,
        "from-console"
    );
    assert_eq!(
        on_disk.get(EventId::MessagingSurveyStarted).unwrap().name,
        "from-cli"
    );
    // Both change the same function: the console's save is refused, the CLI's change stays.
    let mut mine = console.get(EventId::MessagingSurveyEnded).unwrap().clone();
    mine.description = "console".to_owned();
    let out = bin(home.path())
        .args([
            "functions",
            "set",
            "messaging-survey-ended",
            "--description",
            "cli",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    console.put(EventId::MessagingSurveyEnded, mine).unwrap();
    let err = console.save().unwrap_err();
    assert!(err.to_string().contains("changed on disk"), "{err}");
    let on_disk = FunctionStore::load(&config).unwrap();
    assert_eq!(
        on_disk
            .get(EventId::MessagingSurveyEnded)
            .unwrap()
            .description,
        "cli"
    );
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn saves_killed_at_any_moment_leave_a_valid_file_and_backup() {
    use survey_console::functions::{FunctionStore, parse};
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("functions.json");
    // A large file (a team's notes kept beside the function) makes every write take a while.
    let notes = "n".repeat(4 * 1024 * 1024);
    std::fs::write(
        &config,
        format!(r#"{{"version":1,"functions":{{"messaging-survey-ended":{{"name":"f","notes":"{notes}"}}}}}}"#),
    )
    .unwrap();
    // What a writer killed before this change left: a temp file that nobody holds.
    std::fs::write(home.path().join(".functions.json.99999-1.tmp"), "half").unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = bin(home.path())
            .args([
                "functions",
                "set",
                "messaging-survey-ended",
                "--description",
            ])
            .arg(format!("save {i}"))
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(seed % 60_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for file in [config.clone(), home.path().join("functions.json.bak")] {
            if let Ok(bytes) = std::fs::read(&file) {
                parse(&bytes, &file).unwrap_or_else(|e| panic!("after kill {i}: {e}"));
            }
        }
    }
    // The next save removes what killed writers left behind.
    let out = bin(home.path())
        .args([
            "functions",
            "set",
            "messaging-survey-ended",
            "--description",
            "last",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(temp_files(home.path()), Vec::<String>::new());
    let store = FunctionStore::load(&config).unwrap();
    let saved = store
        .get(survey_console::catalog::EventId::MessagingSurveyEnded)
        .unwrap();
    assert_eq!(saved.description, "last");
    assert_eq!(
        saved.extra["notes"].as_str().map(str::len),
        Some(notes.len())
    );
}
