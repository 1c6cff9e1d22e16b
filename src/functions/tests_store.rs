//! Tests of the functions file: one function per event, saves that keep a backup and never
//! lose a concurrent change, files checked on load by the rules of `set`.

use super::*;
use crate::functions::config::{Auth, Endpoint, SecretRef};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn one_function_per_event_and_the_refusal_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = FunctionStore::load(&dir.path().join("functions.json")).unwrap();
    store
        .create(EventId::MessagingSurveyEnded, "pcs-ended")
        .unwrap();
    let err = store
        .create(EventId::MessagingSurveyEnded, "another")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it"
    );
    assert!(
        store
            .create(EventId::MessagingSurveyStarted, "pcs-started")
            .is_ok()
    );
    assert_eq!(store.file.functions.len(), 2);
}

#[test]
fn saves_round_trip_keep_a_backup_and_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    let mut store = FunctionStore::load(&path).unwrap();
    store
        .create(EventId::ChatPostSurveyEmailTranscript, "emails")
        .unwrap();
    store.save().unwrap();
    let first = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&first).unwrap();
    let f = &json["functions"]["chat-post-survey-email-transcript"];
    assert_eq!(json["version"], 1);
    assert_eq!(f["name"], "emails");
    assert_eq!(f["state"], "draft");
    assert_eq!(f["timeout_ms"], 30000);
    // A new function runs in-process until it is given an endpoint.
    assert_eq!(f["endpoint"]["kind"], "local");
    assert!(f["code"].as_str().unwrap().contains("allSurveyEmails"));

    let mut config = store
        .get(EventId::ChatPostSurveyEmailTranscript)
        .unwrap()
        .clone();
    config.endpoint = Endpoint::Http {
        url: "http://127.0.0.1:9/x".into(),
        auth: Auth::Bearer {
            token: SecretRef::env("FN_TOKEN"),
        },
    };
    store
        .put(EventId::ChatPostSurveyEmailTranscript, config.clone())
        .unwrap();
    store.save().unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("functions.json.bak")).unwrap(),
        first
    );
    let again = FunctionStore::load(&path).unwrap();
    assert_eq!(
        again.get(EventId::ChatPostSurveyEmailTranscript),
        Some(&config)
    );
    // No temp file is left behind; the lock file stays.
    assert_eq!(
        names(dir.path()),
        [
            ".functions.json.lock",
            "functions.json",
            "functions.json.bak"
        ]
    );
}

/// A function entry with `fields` merged into a valid one.
fn entry(fields: &str) -> String {
    let base = r#""name":"f","endpoint":{"kind":"http","url":"http://127.0.0.1:9/"}"#;
    if fields.is_empty() {
        format!("{{{base}}}")
    } else {
        format!("{{{base},{fields}}}")
    }
}

#[test]
fn bad_files_are_refused_by_the_rules_of_set_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    let lp = r#""endpoint":{"kind":"liveperson","account_id":"acme-1","lambda_uuid":"5e7a8a7b-3b61-4c9e-b9a6-2f5a1c0e8d11","region":"va","client_id":"c","client_secret":"env:S"}"#;
    let cases = [
        (
            r#"{"version":1,"functions":{"survey-done":{}}}"#.to_owned(),
            "unknown variant `survey-done`",
        ),
        (
            format!(r#"{{"version":1,"functions":{{"messaging-survey-ended":{}}}}}"#, entry(r#""timeout_ms":"x""#)),
            "invalid type",
        ),
        (
            r#"{"version":2,"functions":{}}"#.to_owned(),
            "version 2 is not supported",
        ),
        (
            r#"{"version":1,"functions":{"messaging-survey-ended":{"name":"f","endpoint":{"kind":"http","url":"http://x/","auth":{"kind":"bearer","token":"s3cr3t"}}}}}"#.to_owned(),
            "functions.messaging-survey-ended.endpoint.auth.token: write env:NAME",
        ),
        (
            format!(r#"{{"version":1,"functions":{{"messaging-survey-ended":{}}}}}"#, entry(r#""timeout_ms":0"#)),
            "functions.messaging-survey-ended.timeout_ms: between 1 and 600000 ms",
        ),
        (
            r#"{"version":1,"functions":{"messaging-survey-ended":{"name":"f","endpoint":{"kind":"http","url":"file:///etc/passwd"}}}}"#.to_owned(),
            "functions.messaging-survey-ended.endpoint.url:",
        ),
        (
            format!(r#"{{"version":1,"functions":{{"messaging-survey-ended":{{"name":"f",{lp}}}}}}}"#),
            "functions.messaging-survey-ended.endpoint.account_id: the account id is a number",
        ),
        (
            format!(r#"{{"version":1,"functions":{{"messaging-survey-ended":{}}}}}"#, entry(r#""headers":{"Authorization":"Bearer abc"}"#)),
            "functions.messaging-survey-ended.headers.Authorization: set credentials with the endpoint's auth",
        ),
        (
            format!(
                r#"{{"version":1,"functions":{{"messaging-survey-ended":{},"messaging-survey-ended":{}}}}}"#,
                entry(""),
                entry(r#""description":"second""#)
            ),
            "functions.messaging-survey-ended is written twice",
        ),
        ("{".to_owned(), "EOF"),
    ];
    for (text, reason) in cases {
        std::fs::write(&path, &text).unwrap();
        let err = FunctionStore::load(&path).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        let err = err.to_string();
        assert!(err.contains(reason), "{err}");
        assert!(err.ends_with("functions.json"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    let text = format!(
        "\u{feff}{{\"version\":1,\"functions\":{{\"messaging-survey-ended\":{}}}}}",
        entry("")
    );
    std::fs::write(&path, text).unwrap();
    let store = FunctionStore::load(&path).unwrap();
    assert_eq!(store.get(EventId::MessagingSurveyEnded).unwrap().name, "f");
}

#[test]
fn a_change_on_disk_is_kept_and_only_a_clash_on_one_event_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    let mut store = FunctionStore::load(&path).unwrap();
    store.create(EventId::MessagingSurveyStarted, "a").unwrap();
    store.save().unwrap();

    // Another program removes the started function; this store adds the ended one on top.
    let mut other = FunctionStore::load(&path).unwrap();
    other.remove(EventId::MessagingSurveyStarted).unwrap();
    other.save().unwrap();
    store.create(EventId::MessagingSurveyEnded, "b").unwrap();
    store.save().unwrap();
    let on_disk = FunctionStore::load(&path).unwrap();
    let events: Vec<_> = on_disk.file.functions.keys().copied().collect();
    assert_eq!(events, [EventId::MessagingSurveyEnded]);
    assert_eq!(
        store.file, on_disk.file,
        "after a save the store holds the disk"
    );
    assert_eq!(store.kept_from_disk(), [EventId::MessagingSurveyStarted]);

    // Both change the ended function: the second save is refused and writes nothing.
    let mut other = FunctionStore::load(&path).unwrap();
    let mut config = other.get(EventId::MessagingSurveyEnded).unwrap().clone();
    config.description = "theirs".into();
    other
        .put(EventId::MessagingSurveyEnded, config.clone())
        .unwrap();
    other.save().unwrap();
    config.description = "mine".into();
    store.put(EventId::MessagingSurveyEnded, config).unwrap();
    let err = store.save().unwrap_err();
    assert!(
        matches!(&err, StoreError::ChangedOnDisk { events, .. } if events == &[EventId::MessagingSurveyEnded]),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("the function of Messaging Survey Ended changed on disk"),
        "{err}"
    );
    let on_disk = FunctionStore::load(&path).unwrap();
    assert_eq!(
        on_disk
            .get(EventId::MessagingSurveyEnded)
            .unwrap()
            .description,
        "theirs"
    );
    // The operator may choose to overwrite.
    store.save_overwriting().unwrap();
    assert_eq!(
        FunctionStore::load(&path)
            .unwrap()
            .get(EventId::MessagingSurveyEnded)
            .unwrap()
            .description,
        "mine"
    );
}

#[test]
fn updates_from_many_threads_are_all_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = path.clone();
            std::thread::Builder::new()
                .name(format!("writer-{i}"))
                .spawn(move || {
                    for j in 0..5 {
                        FunctionStore::update(&path, |store| {
                            let event = EventId::MessagingSurveyEnded;
                            let mut config = store.get(event).cloned().unwrap_or_else(|| {
                                FunctionConfig::from_template(event, "pcs-ended")
                            });
                            config.headers.insert(format!("X-W{i}-{j}"), "1".into());
                            store.put(event, config)
                        })
                        .unwrap();
                    }
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = FunctionStore::load(&path).unwrap();
    let headers = &store.get(EventId::MessagingSurveyEnded).unwrap().headers;
    assert_eq!(headers.len(), 40, "{headers:?}");
}

#[test]
fn unknown_keys_survive_a_save_and_import_refuses_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    std::fs::write(
        &path,
        r#"{"version":1,"functions":{"messaging-survey-ended":{"name":"x","owner":"team-a"}}}"#,
    )
    .unwrap();
    let mut store = FunctionStore::load(&path).unwrap();
    store.save_overwriting().unwrap();
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"owner\": \"team-a\"")
    );

    let incoming = store.export(Some(EventId::MessagingSurveyEnded)).unwrap();
    let err = store.import(incoming.clone(), false).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }));
    assert_eq!(
        store.import(incoming, true).unwrap(),
        [EventId::MessagingSurveyEnded]
    );
}
