//! Invoking a function: the `local` endpoint runs its JavaScript in-process.

pub mod local;
