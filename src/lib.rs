//! leakgate: a secret scanner for git pushes, CI and audits.
//!
//! ```text
//! CLI flags + .leakgate.toml + ignore file + baseline -> Settings (Engine, Suppression, Output)
//! Source (dir | stdin | git history | push | range | staged) -> Chunk
//!    -> scan pipeline (sniff, stream, decode) -> Engine::scan -> Match -> finding::locate
//!    -> Finding -> Suppression -> report (text | json | sarif | ...) -> exit code
//! ```
//! The layers, top to bottom: cli; settings and config; sources; the scan pipeline; reports;
//! findings; the engine; rules; validation checks; base utilities. A module uses only its own
//! layer and those below (checked by `tests/it/layers.rs`; the map is docs/design.md).

pub(crate) mod cli;
pub(crate) mod config;
pub(crate) mod diag;
pub(crate) mod engine;
pub(crate) mod escape;
pub(crate) mod exit;
pub(crate) mod finding;
pub(crate) mod gitleaks;
pub(crate) mod path;
pub(crate) mod progress;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod scan;
pub(crate) mod secret;
pub(crate) mod selftest;
pub(crate) mod settings;
pub(crate) mod source;
pub(crate) mod suppress;
pub(crate) mod validate;

// The library surface. Everything else is `pub(crate)`: the modules are the binary's, and may
// change shape freely. What follows is what the binary, the integration tests, the fuzz targets
// and an embedding (scan bytes with the built-in or a user's rules) use.

/// The command line: parse [`Cli`] with clap, then [`run`] it (what `main` does).
pub use cli::{Cli, run};
/// Prints an error the way the binary does: `leakgate: error: ...` and its causes.
pub use diag::error as print_error;
/// The outcome of a command and its process exit code.
pub use exit::ExitStatus;

/// A config file's text, and the engine built from the built-in pack plus that config.
pub use config::{ConfigText, build_engine};
/// The matching engine: [`Engine::scan`] turns bytes into [`Match`]es, pure and without I/O.
pub use engine::{Engine, EngineOptions, Match};
/// Placeholder expansion for rule examples (`{{alnum:36}}`), deterministic per rule and index.
pub use rules::examples::expand as expand_example;
/// The offline structural validators (checksums) a rule may name.
pub use rules::validators::Validator;
/// Rule packs: the built-in pack or a parsed file, their rules and their errors.
pub use rules::{
    Confidence, Location, Rule, RuleError, RulePack, Severity, Strictness, parse_file,
};
/// Rule self-tests: every example of a rule through the whole engine.
pub use selftest::{ExampleFailure, materialize as materialize_example, run as run_examples};

/// Findings: a match placed in a file with its rule's metadata, masked secret and fingerprint.
pub use finding::{CommitInfo, Finding, LineOrigin, Provenance, locate, locate_span};
/// The scan pipeline over one input: [`scan_chunk`] for bytes in memory, [`scan_stream`] for a
/// reader in blocks.
pub use scan::stream::{Blocks, ReadBuffer, Streamed, scan as scan_stream};
pub use scan::{Chunk, scan_chunk};
/// A secret that masks itself in every output unless explicitly revealed.
pub use secret::Secret;
/// git's pre-push protocol (`<local ref> <local sha> <remote ref> <remote sha>` lines).
pub use source::git::revs::{PushUpdate, parse_push_lines};
