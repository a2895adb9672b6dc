//! leakgate: a secret scanner for git pushes, CI and audits.
//!
//! ```text
//! CLI args -> Config (built-in rules + .leakgate.toml + flags) -> Engine
//! Source (dir | stdin | git history | git range | staged)
//!    -> bytes + line origin -> Engine::scan -> Match -> finding::locate -> Finding
//!    -> suppress (ignore file, baseline) -> report (text | json | sarif | ...) -> exit code
//! ```
//! Each arrow is a module boundary: sources know nothing of rules, the engine knows nothing of
//! git or files, reports know nothing of how findings were made.

pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod escape;
pub mod exit;
pub mod finding;
pub mod gitleaks;
pub mod path;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod secret;
pub mod selftest;
pub mod settings;
pub mod source;
pub mod suppress;
pub mod validate;
