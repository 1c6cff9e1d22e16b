//! survey-console: a desktop console and CLI for the people who run survey automation in
//! contact centres: LivePerson Functions survey events and Rocket.Chat livechat surveys.
//!
//! # Layers
//!
//! - [`catalog`]: the events as data, one entry each: documented payload fields and their rules,
//!   contracts, templates, the platform's event ids; the only place an event is added.
//! - [`payload`]: loading payload files, flattening them to rows, validating them.
//! - [`functions`]: the one function of each event, kept in `functions.json`.
//! - [`invoke`]: envelopes, HTTP and LivePerson invocations, local runs as the platform runs
//!   them ([`invoke::local`]: one platform layer over QuickJS and Node.js), contract checks,
//!   history.
//! - [`net`]: the shared HTTP client, network errors by kind, capped bodies.
//! - [`livechat`]: Rocket.Chat livechat room surveys (checked against the server's own rules),
//!   test conversations and transcripts, every server generation's errors, rate-limit forecasts.
//! - [`batch`]: many payloads at once against a function, judged, timed and reported.
//! - [`files`]: bounded reads, atomic writes, advisory locks and JSON-lines logs, shared by
//!   everything that reads or writes a file.
//! - [`redact`]: URL passwords and known secret values masked in everything recorded or printed.
//! - `ui`: the eframe/egui console; the only module that knows egui.
//! - `cli`: the headless subcommands over the same core.
//!
//! # Failure handling
//!
//! The core returns typed errors (`thiserror`) whose messages end with where the problem
//! happened (file path, URL). Nothing a user controls is unwrapped: oversized, binary, empty,
//! malformed or too deeply nested payloads are errors, never panics. The GUI runs file and
//! network work on worker threads and shows each error where it happened; the CLI prints it on
//! stderr and exits 1 (a check failed) or 2 (bad arguments, unreadable input).

pub mod batch;
pub mod catalog;
pub mod cli;
pub mod files;
pub mod functions;
pub mod invoke;
pub mod livechat;
pub mod net;
pub mod payload;
pub mod redact;
pub mod ui;
