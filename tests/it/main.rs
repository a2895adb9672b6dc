//! Integration tests: the `leakgate` binary run as a process on temp directories and real git
//! repositories. One test binary, one module per area.

// Test helpers panic on setup failure by design; that is how a test reports it.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod archives;
mod config;
mod decode;
mod dir;
mod gate;
mod gate_oracle;
mod git_history;
mod gitleaks;
mod hostile;
mod key_files;
mod keys;
mod layers;
mod messages;
mod packaging;
mod portable_paths;
mod pre_push;
mod properties;
mod rules;
mod scale;
mod server;
mod support;
mod teams;
mod validate;
