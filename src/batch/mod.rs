//! Click-through batches: many payloads sent to an event's function at once, each answer judged
//! against its expectation file (or the event's contract), with progress, latency statistics and
//! JSON / JUnit reports. Blocking and egui-free: the CLI calls [`run`] directly, the console on
//! a worker thread while it polls [`Progress`].
//!
//! A batch is a list of [`BatchItem`]s (payload files, or the bundled samples of an event), each
//! sent `iterations` times by up to 64 concurrent workers that pull from one shared queue.
//! Every item's envelope is serialized once. HTTP targets run on the async engine of
//! [`http`] (a current-thread runtime per core, a kept connection per concurrent request, as
//! oha does); in-process targets on worker threads.

mod expect;
mod http;
mod report;
mod run;
mod stats;
mod stream;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use expect::{
    Expectation, Verdict, bundled_expectation, expectation_checks, judge, parse_expectation,
};
pub use report::{BatchReport, xml_escape};
pub use run::{
    BatchResult, KEEP_BODY_MAX, KEEP_FAILED_RECORDS, KEEP_FIRST_RECORDS, Progress,
    ProgressSnapshot, RunEnd, run,
};
pub use stats::{Bucket, LatencyStats, histogram, percentile, requests_per_s};
pub use stream::{KEEP_FOR_SUMMARY, StreamSummary, StreamingReport};

use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::files::{EXPECTATION_LIMIT, FileError, read_bounded};
use crate::invoke::{PreparedEnvelope, Target, now_ms};
use crate::payload::{DEFAULT_SIZE_LIMIT, Payload, PayloadError, inspect, load_file, parse_bytes};

/// The most requests a batch keeps in flight at once.
pub const MAX_CONCURRENCY: usize = 64;

/// The suffix of expectation files: `NAME.json` expects what `NAME.expect.json` says.
pub const EXPECT_SUFFIX: &str = ".expect.json";

/// Why a batch cannot start, or its report cannot be written. Messages end with the path.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A folder or payload file given could not be read.
    #[error("cannot read it ({source}): {path}")]
    Unreadable {
        source: std::io::Error,
        path: PathBuf,
    },
    /// Nothing to send.
    #[error("no payload files (*.json, not *.expect.json) in {origin}")]
    NoPayloads { origin: String },
    /// A file could not be read (too large, not a regular file, …).
    #[error("cannot read it: {0}")]
    Read(FileError),
    /// An expectation file is malformed.
    #[error("the expectation file is not valid ({reason}): {origin}")]
    Expectation { reason: String, origin: String },
    /// Concurrency outside 1 to 64.
    #[error("concurrency must be 1 to {MAX_CONCURRENCY}, not {given}")]
    Concurrency { given: usize },
    /// Zero iterations.
    #[error("iterations must be at least 1")]
    Iterations,
    /// Writing a report failed.
    #[error("cannot write the report: {0}")]
    Write(#[from] FileError),
}

/// Where a batch's payloads come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadSource {
    /// Files and folders: a folder stands for every `*.json` in it that is not `*.expect.json`,
    /// in name order.
    Paths(Vec<PathBuf>),
    /// The bundled samples of the event (their expectations are bundled too).
    Samples,
}

/// One payload of a batch, ready to be sent.
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// The file name, for tables.
    pub name: Arc<str>,
    /// The path as given, or `sample-payloads/NAME` for a bundled sample.
    pub origin: Arc<str>,
    /// The envelope, serialized once; or why the payload cannot be read (the item then fails
    /// without being sent).
    pub envelope: Result<PreparedEnvelope, String>,
    /// What the answer should be, from `NAME.expect.json`; without one the contract decides.
    pub expectation: Option<Expectation>,
    /// A summary of the payload's findings, when it has any ("1 error, 2 warnings").
    pub findings: Option<String>,
}

/// How a batch runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSettings {
    /// How many times each payload is sent.
    pub iterations: u32,
    /// Requests in flight at once, 1 to [`MAX_CONCURRENCY`].
    pub concurrency: usize,
    /// Pause of each worker between two of its requests.
    pub delay: Duration,
    /// Stop taking new requests after the first failure.
    pub fail_fast: bool,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            iterations: 1,
            concurrency: 1,
            delay: Duration::ZERO,
            fail_fast: false,
        }
    }
}

impl BatchSettings {
    /// Checks the bounds.
    pub fn check(&self) -> Result<(), BatchError> {
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(BatchError::Concurrency {
                given: self.concurrency,
            });
        }
        if self.iterations == 0 {
            return Err(BatchError::Iterations);
        }
        Ok(())
    }
}

/// Everything a run needs: the event, where to send, what, and how.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The event whose function is invoked.
    pub event: EventId,
    /// The function or URL.
    pub target: Target,
    /// The payloads.
    pub items: Arc<Vec<BatchItem>>,
    /// Iterations, concurrency, delay, fail-fast.
    pub settings: BatchSettings,
}

impl Batch {
    /// How many requests the batch plans: items times iterations.
    pub fn planned(&self) -> usize {
        self.items.len() * self.settings.iterations as usize
    }
}

/// Reads the payloads of a source (and their expectation files) for an event. A payload that
/// cannot be parsed becomes an item that fails; a folder or file that cannot be read, a
/// malformed expectation file, or no payload at all is an error.
pub fn collect(source: &PayloadSource, event: EventId) -> Result<Vec<BatchItem>, BatchError> {
    let items = match source {
        PayloadSource::Samples => samples_for(event)
            .map(|sample| {
                let origin = format!("sample-payloads/{}", sample.file_name);
                let parsed = parse_bytes(sample.contents.as_bytes(), &origin);
                let expectation = bundled_expectation(sample.file_name)
                    .map(|text| parse_expectation(text.as_bytes(), &expect_origin(&origin)))
                    .transpose()?;
                Ok(item(sample.file_name, origin, parsed, expectation, event))
            })
            .collect::<Result<Vec<_>, BatchError>>()?,
        PayloadSource::Paths(paths) => {
            let mut items = Vec::new();
            for path in paths {
                for file in payload_files(path)? {
                    items.push(file_item(&file, event)?);
                }
            }
            items
        }
    };
    if items.is_empty() {
        let origin = match source {
            PayloadSource::Samples => format!("the bundled samples of {}", event.name()),
            PayloadSource::Paths(paths) => paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        return Err(BatchError::NoPayloads { origin });
    }
    Ok(items)
}

/// The payload files a path stands for: the file itself, or a folder's `*.json` files that are
/// not expectation files, in name order.
pub fn payload_files(path: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let unreadable = |source| BatchError::Unreadable {
        source,
        path: path.to_path_buf(),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| !t.is_dir()).unwrap_or(false);
        if is_file && name.ends_with(".json") && !name.ends_with(EXPECT_SUFFIX) {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The expectation file beside a payload file: `NAME.json` -> `NAME.expect.json`.
pub fn expectation_path(payload: &Path) -> PathBuf {
    let name = payload
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    payload.with_file_name(format!("{stem}{EXPECT_SUFFIX}"))
}

fn expect_origin(origin: &str) -> String {
    let stem = origin.strip_suffix(".json").unwrap_or(origin);
    format!("{stem}{EXPECT_SUFFIX}")
}

fn file_item(path: &Path, event: EventId) -> Result<BatchItem, BatchError> {
    let origin = path.display().to_string();
    let name = path
        .file_name()
        .map_or_else(|| origin.clone(), |n| n.to_string_lossy().into_owned());
    // A file that cannot be read is a bad argument; one that cannot be parsed is a failed item.
    let parsed = match load_file(path, DEFAULT_SIZE_LIMIT) {
        Err(PayloadError::Io { source, .. }) => {
            return Err(BatchError::Unreadable {
                source,
                path: path.to_path_buf(),
            });
        }
        Err(PayloadError::NotRegular { kind, .. }) => {
            return Err(BatchError::Read(FileError::NotRegular {
                kind,
                path: path.to_path_buf(),
            }));
        }
        other => other,
    };
    let expect_file = expectation_path(path);
    let expectation = match read_bounded(&expect_file, EXPECTATION_LIMIT) {
        Ok(bytes) => Some(parse_expectation(
            &bytes,
            &expect_file.display().to_string(),
        )?),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(BatchError::Read(e)),
    };
    Ok(item(&name, origin, parsed, expectation, event))
}

fn item(
    name: &str,
    origin: String,
    parsed: Result<Payload, PayloadError>,
    expectation: Option<Expectation>,
    event: EventId,
) -> BatchItem {
    let (envelope, findings) = match parsed {
        Ok(payload) => {
            let inspection = inspect(&payload, Some(event));
            let findings = (!inspection.findings.is_empty()).then(|| inspection.summary());
            (
                Ok(PreparedEnvelope::from_bytes(
                    payload.envelope_bytes(now_ms()),
                )),
                findings,
            )
        }
        Err(e) => (Err(e.to_string()), None),
    };
    BatchItem {
        name: name.into(),
        origin: origin.into(),
        envelope,
        expectation,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectation_files_sit_beside_their_payloads() {
        assert_eq!(
            expectation_path(Path::new("/x/transcript-csat-1.json")),
            Path::new("/x/transcript-csat-1.expect.json")
        );
        assert_eq!(
            expect_origin("sample-payloads/a.json"),
            "sample-payloads/a.expect.json"
        );
    }

    #[test]
    fn bundled_transcript_samples_carry_their_expectations() {
        let items = collect(
            &PayloadSource::Samples,
            EventId::ChatPostSurveyEmailTranscript,
        )
        .unwrap();
        let csat1 = items
            .iter()
            .find(|i| &*i.name == "transcript-csat-1.json")
            .unwrap();
        assert_eq!(csat1.expectation.as_ref().unwrap().emails_count, Some(1));
        assert!(csat1.envelope.is_ok());
        let wrong = items
            .iter()
            .find(|i| &*i.name == "invalid-transcript-wrong-types.json")
            .unwrap();
        assert!(wrong.expectation.is_none());
        assert!(wrong.findings.is_some());
    }

    #[test]
    fn settings_are_bounded() {
        let mut settings = BatchSettings::default();
        assert!(settings.check().is_ok());
        settings.concurrency = 65;
        assert!(matches!(
            settings.check(),
            Err(BatchError::Concurrency { given: 65 })
        ));
        settings.concurrency = 0;
        assert!(settings.check().is_err());
        settings.concurrency = 64;
        settings.iterations = 0;
        assert!(matches!(settings.check(), Err(BatchError::Iterations)));
    }

    #[test]
    fn a_folder_stands_for_its_payload_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-payloads");
        let files = payload_files(&dir).unwrap();
        assert!(files.iter().all(|f| {
            let name = f.to_string_lossy();
            name.ends_with(".json") && !name.ends_with(EXPECT_SUFFIX)
        }));
        assert!(files.len() >= 20);
        assert!(matches!(
            payload_files(&dir.join("no-such-folder")),
            Err(BatchError::Unreadable { .. })
        ));
    }
}
