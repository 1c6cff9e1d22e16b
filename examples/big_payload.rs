//! Writes large payload files for memory measurements (`/usr/bin/time -v`).
//!
//!     cargo run --release --example big_payload -- OUT_DIR [MEBIBYTES]
//!
//! Writes, each just under MEBIBYTES (default 64, the console's size limit):
//! - `answers.json`: a transcript envelope whose `questionWithAnswers` holds millions of small
//!   answers (about 2.2 million at 64 MiB), the shape that costs the most rows per byte;
//! - `long-keys.json`: one object under a key of a quarter of the size, holding many small
//!   fields: a naive flattening that copies the parent's path into every row needs terabytes.
//!
//! Then measure, for example:
//!
//!     /usr/bin/time -v target/release/survey-console inspect OUT_DIR/answers.json > /dev/null

use std::io::Write as _;
use std::path::PathBuf;

fn answers(limit: usize) -> Vec<u8> {
    let head = br#"{"timestamp":1700000000000,"headers":[],"payload":{"csatRank":2,"skillName":"CustomerCare","agentName":"John Doe","questionWithAnswers":["#;
    let tail = b"]}}";
    let mut out = Vec::with_capacity(limit);
    out.extend_from_slice(head);
    let mut i = 0u64;
    loop {
        let item = format!(r#"{{"question":"q{}","answer":"a"}}"#, i % 10);
        if out.len() + item.len() + 1 + tail.len() > limit {
            break;
        }
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item.as_bytes());
        i += 1;
    }
    out.extend_from_slice(tail);
    out
}

fn long_keys(limit: usize) -> Vec<u8> {
    let key = "k".repeat(limit / 4);
    let mut out = Vec::with_capacity(limit);
    out.extend_from_slice(format!("{{\"{key}\":{{").as_bytes());
    let mut i = 0u64;
    loop {
        let field = format!("\"f{i}\":{i}");
        if out.len() + field.len() + 3 > limit {
            break;
        }
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(field.as_bytes());
        i += 1;
    }
    out.extend_from_slice(b"}}");
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: big_payload OUT_DIR [MEBIBYTES]");
        std::process::exit(2);
    };
    let mebibytes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let limit = mebibytes * 1024 * 1024;
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, bytes) in [
        ("answers.json", answers(limit)),
        ("long-keys.json", long_keys(limit)),
    ] {
        let path = dir.join(name);
        let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes));
        match written {
            Ok(()) => println!("{} bytes: {}", bytes.len(), path.display()),
            Err(e) => {
                eprintln!("cannot write {}: {e}", path.display());
                std::process::exit(1);
            }
        }
    }
}
