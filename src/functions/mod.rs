//! Function configuration: the one function of each event, its endpoint and auth, and the JSON
//! file that keeps them (locked, atomic saves that merge concurrent changes, a backup, every
//! rule checked on load, no plain secrets). Pure: no GUI.

mod config;
mod store;
mod validate;

pub use config::{
    Auth, DEFAULT_EXTERNAL_SYSTEM, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, Endpoint, EndpointKind,
    FunctionConfig, FunctionState, InvokeBy, LivepersonEndpoint, LocalEndpoint, LocalEngine,
    MAX_RETRIES, Platform, Region, Runtime, SecretRef,
};
pub use store::{FILE_VERSION, FunctionStore, FunctionsFile, StoreError, default_path, parse};
pub use validate::{
    FieldError, MAX_TIMEOUT_MS, check_domain, environment_limits, is_secret_header, validate,
};
