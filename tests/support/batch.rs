//! Batches for tests: the bundled or given payloads of the transcript event sent to a URL, and
//! every result collected.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use survey_console::batch::{
    self, Batch, BatchResult, BatchSettings, PayloadSource, Progress, RunEnd,
};
use survey_console::catalog::EventId;
use survey_console::invoke::{SessionSecrets, Target};

/// The event the batch tests invoke.
pub const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

/// A new folder of its own for one test (removed by the test when it passes).
pub fn temp_dir(name: &str) -> PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("sc-batch-{name}-"))
        .tempdir()
        .unwrap()
        .keep()
}

pub fn batch_of(source: &PayloadSource, url: &str, settings: BatchSettings) -> Batch {
    Batch {
        event: TRANSCRIPT,
        target: Target::url(TRANSCRIPT, url, Duration::from_secs(10)),
        items: Arc::new(batch::collect(source, TRANSCRIPT).unwrap()),
        settings,
    }
}

pub fn run_all(batch: &Batch) -> (Vec<BatchResult>, RunEnd) {
    let mut results = Vec::new();
    let end = batch::run(
        batch,
        &SessionSecrets::default(),
        &Arc::new(AtomicBool::new(false)),
        &Arc::new(Progress::default()),
        |r| results.push(r),
    );
    (results, end)
}
