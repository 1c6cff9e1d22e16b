//! The CLI at its edges, with the built binary: a closed pipe, a full disk, bad headers, files
//! that are not files, hand-edited functions files, unreadable history lines and large payloads
//! (saves raced by parallel processes or cut by `kill -9` are in `cli_saves.rs`).
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// A transcript payload with `answers` answered questions (a long table).
fn long_payload(dir: &Path, answers: usize) -> PathBuf {
    let items: Vec<String> = (0..answers)
        .map(|i| format!(r#"{{"question":"q{i}","answer":"a"}}"#))
        .collect();
    let path = dir.join("long.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"csatRank":3,"skillName":"s","agentName":"a","questionWithAnswers":[{}]}}"#,
            items.join(",")
        ),
    )
    .unwrap();
    path
}

/// Runs `cmd` with a deadline; a command that hangs fails the test instead of the suite.
fn output_within(mut cmd: Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{cmd:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_error() {
    let home = tempfile::tempdir().unwrap();
    let payload = long_payload(home.path(), 20_000);
    // The reader goes away at once, as `| head -0` would: no panic, exit 0, nothing said.
    for args in [
        vec!["inspect", payload.to_str().unwrap()],
        vec!["inspect", "--json", payload.to_str().unwrap()],
        vec!["events"],
    ] {
        let mut child = bin(home.path())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
    // A write that fails for another reason (here: no space left) is an error, exit 1.
    for args in [
        vec!["events", "--json"],
        vec!["inspect", "--json", payload.to_str().unwrap()],
        vec!["functions", "list"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = bin(home.path())
            .args(&args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("writing the output failed"), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
}

#[test]
fn a_bad_header_is_a_usage_error_in_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let payload = long_payload(home.path(), 1);
    let payload = payload.to_str().unwrap();
    let url = "http://127.0.0.1:9/fn";
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--payload",
            payload,
            "--url",
            url,
        ],
        vec![
            "batch",
            "--event",
            "chat-post-survey-email-transcript",
            "--samples",
            "--url",
            url,
        ],
        vec!["functions", "set", "messaging-survey-ended"],
        vec!["conversation", "--server", "http://127.0.0.1:9"],
        vec![
            "survey",
            "--server",
            "http://127.0.0.1:9",
            "--rid",
            "r",
            "--token",
            "t",
            "--rating",
            "satisfaction=5",
        ],
    ];
    for case in cases {
        for (header, says) in [
            ("X-Api-Key abc", "has no colon"),
            ("Bad Name: x", "not a valid header name"),
            (": x", "has no name"),
        ] {
            let out = bin(home.path())
                .args(&case)
                .args(["--header", header])
                .output()
                .unwrap();
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{case:?} {header}: {err}");
            assert!(err.contains(says), "{case:?} {header}: {err}");
            assert!(err.contains("--header"), "{case:?} {header}: {err}");
        }
    }
    assert!(
        !home.path().join("config").exists(),
        "nothing was written for a refused argument"
    );
}

#[test]
fn files_that_are_not_regular_files_are_refused_without_blocking() {
    let home = tempfile::tempdir().unwrap();
    let fifo = home.path().join("pipe.json");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();
    // A payload whose expectation file is a device.
    let folder = home.path().join("payloads");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.json"), r#"{"a":1}"#).unwrap();
    std::os::unix::fs::symlink("/dev/zero", folder.join("a.expect.json")).unwrap();
    let folder = folder.to_str().unwrap();
    let config = home.path().join("functions.json");
    let config = config.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["inspect", fifo],
        vec!["inspect", "/dev/zero"],
        vec![
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--payload",
            fifo,
            "--url",
            "http://127.0.0.1:9/",
        ],
        vec![
            "invoke",
            "--event",
            "messaging-survey-ended",
            "--payload",
            fifo,
            "--code",
            "/dev/zero",
        ],
        vec!["functions", "list", "--config", fifo],
        vec!["functions", "import", fifo, "--config", config],
        vec![
            "functions",
            "set",
            "messaging-survey-ended",
            "--config",
            config,
            "--code-file",
            "/dev/zero",
        ],
        vec![
            "batch",
            "--event",
            "messaging-survey-ended",
            "--samples",
            "--config",
            fifo,
        ],
        vec![
            "batch",
            "--event",
            "messaging-survey-ended",
            "--payloads",
            fifo,
            "--url",
            "http://127.0.0.1:9/",
        ],
        vec![
            "batch",
            "--event",
            "messaging-survey-ended",
            "--payloads",
            folder,
            "--url",
            "http://127.0.0.1:9/",
        ],
    ];
    for case in cases {
        let mut cmd = bin(home.path());
        cmd.args(&case);
        let out = output_within(cmd, Duration::from_secs(20));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case:?}: {err}");
        assert!(
            err.contains("not a regular file, so it is not read"),
            "{case:?}: {err}"
        );
    }
}

#[test]
fn a_hand_edited_functions_file_is_checked_by_the_rules_of_set_and_left_untouched() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("functions.json");
    let original = r#"{"version":1,"functions":{"messaging-survey-ended":{"name":"f","timeout_ms":0,
        "headers":{"Authorization":"Bearer s3cr3t-t0ken"},
        "endpoint":{"kind":"http","url":"file:///etc/passwd"}}}}"#;
    std::fs::write(&config, original).unwrap();
    for args in [
        vec!["functions", "show", "messaging-survey-ended"],
        vec!["functions", "export"],
        vec![
            "functions",
            "set",
            "messaging-survey-ended",
            "--description",
            "x",
        ],
    ] {
        let out = bin(home.path())
            .args(&args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for field in ["timeout_ms", "headers.Authorization", "endpoint.url"] {
            assert!(
                err.contains(&format!("functions.messaging-survey-ended.{field}")),
                "{args:?}: {err}"
            );
        }
        assert!(err.contains("the file was left untouched"), "{err}");
        assert!(!text(&out.stdout).contains("s3cr3t"), "{args:?}");
        assert!(!err.contains("s3cr3t"), "{args:?}: {err}");
    }
    let out = bin(home.path())
        .args(["invoke", "--event", "messaging-survey-ended", "--payload"])
        .arg(long_payload(home.path(), 1))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
    let mut names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [".functions.json.lock", "functions.json", "long.json"],
        "no backup, no temp file"
    );
}

#[test]
fn unreadable_history_lines_are_counted_and_reported() {
    let home = tempfile::tempdir().unwrap();
    let history = home.path().join("data/survey-console/history.jsonl");
    std::fs::create_dir_all(history.parent().unwrap()).unwrap();
    let mut file = std::fs::File::create(&history).unwrap();
    file.write_all(b"\xff\xfe not text\n{\"cut\":").unwrap();
    drop(file);
    let out = bin(home.path())
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--payload",
        ])
        .arg(long_payload(home.path(), 1))
        .args(["--url", "http://127.0.0.1:9/fn", "--timeout-ms", "2000"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(
        err.contains("2 line(s) of the history could not be read"),
        "{err}"
    );
    let text = std::fs::read(&history).unwrap();
    let last = text
        .split(|&b| b == b'\n')
        .rfind(|l| !l.is_empty())
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(last).unwrap();
    assert_eq!(
        record["event"], "chat-post-survey-email-transcript",
        "the new record is on a line of its own"
    );
}

#[test]
fn a_large_payload_is_sent_as_written_and_not_copied_into_the_record() {
    let home = tempfile::tempdir().unwrap();
    let server = support_server();
    // An envelope of about a megabyte, written with its own spacing.
    let items: Vec<String> = (0..20_000)
        .map(|i| format!(r#"{{ "question": "q{i}", "answer": "a" }}"#))
        .collect();
    let envelope = format!(
        "{{\"timestamp\": 1, \"headers\": [],\n \"payload\": {{\"csatRank\": 2, \"skillName\": \"s\", \"agentName\": \"a\", \"questionWithAnswers\": [{}]}}}}",
        items.join(", ")
    );
    let path = home.path().join("big.json");
    std::fs::write(&path, &envelope).unwrap();
    let out = bin(home.path())
        .args([
            "invoke",
            "--event",
            "chat-post-survey-email-transcript",
            "--payload",
        ])
        .arg(&path)
        .args(["--url", &format!("{}/fn", server.0)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        server.1.recv().unwrap(),
        envelope.as_bytes(),
        "the file's text is the body"
    );
    let history =
        std::fs::read_to_string(home.path().join("data/survey-console/history.jsonl")).unwrap();
    assert!(
        history.len() < 64 * 1024,
        "the record holds no copy: {} bytes",
        history.len()
    );
    assert!(history.contains(&format!(
        "(a payload of {} bytes is not kept in the record)",
        envelope.len()
    )));
}

/// A function server that hands each request's body to the test and answers `[]`.
fn support_server() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("sink".into())
        .spawn(move || {
            use std::io::{BufRead as _, BufReader, Read as _};
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let _ = tx.send(body);
                let mut stream = stream;
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]",
                );
            }
        })
        .unwrap();
    (base, rx)
}
