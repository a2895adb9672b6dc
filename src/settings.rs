//! The one resolved value a scanning command runs on: made once from the command line and the
//! config files before any byte is scanned, it owns the compiled engine, the suppression set
//! (inline allow, ignore file, baseline, confidence floor), the output choices and the limits.
//!
//! The CLI layer turns its flags into [`Choices`] and finds the files ([`Loaded`]: from the work
//! tree, or from a revision with `--config-from`); [`Settings::resolve`] compiles the rest. This
//! module knows nothing of clap; sources and reports receive parts of it, never flags.

use std::path::{Path, PathBuf};

use git2::Repository;

use crate::config::{CONFIG_FILE_NAME, ConfigText, build_engine, find_upward};
use crate::engine::{Engine, EngineOptions};
use crate::report::Format;
use crate::rules::{Confidence, Severity};
use crate::source::git::{self as gitsrc, revs};
use crate::suppress::{Baseline, IGNORE_FILE_NAME, IgnoreList, Suppression};

/// Everything a scanning command needs, resolved.
pub struct Settings {
    /// The compiled engine (rule pack, allowlists, inline-allow choice).
    pub engine: Engine,
    /// What is dropped after the scan: confidence floor, ignore file, baseline.
    pub suppression: Suppression,
    /// What `leakgate:allow` comments do.
    pub inline: InlineAllow,
    /// How and where to report, and when to fail.
    pub output: Output,
    /// Sizes and threads.
    pub limits: Limits,
    /// `--validate`, when asked.
    pub validation: Option<ValidationPlan>,
    /// Notes for the summary (`config: .leakgate.toml`).
    pub notes: Vec<String>,
}

/// What `leakgate:allow` comments do: the one place the flag is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InlineAllow {
    /// The engine drops findings on lines that carry the comment (the default).
    Honour,
    /// A gate under `--config-from`: the comment lines the change adds are reported as
    /// suppressed, so a change cannot silence its own findings unseen.
    Mark,
    /// `--no-inline-allow`: the comment is ignored (audits).
    Off,
}

impl InlineAllow {
    /// The choice for `--no-inline-allow` (`disabled`) in a gate reading its settings from a
    /// revision (`gate_from_revision`) or not.
    pub fn new(disabled: bool, gate_from_revision: bool) -> InlineAllow {
        match (disabled, gate_from_revision) {
            (true, _) => InlineAllow::Off,
            (false, true) => InlineAllow::Mark,
            (false, false) => InlineAllow::Honour,
        }
    }

    /// Whether gates mark allowed lines as suppressed instead of the engine dropping them.
    pub fn marks(self) -> bool {
        self == InlineAllow::Mark
    }

    /// Whether the comment is taken into account at all (the history cache key).
    pub fn considered(self) -> bool {
        self != InlineAllow::Off
    }

    /// The engine's options under this choice.
    pub fn engine_options(self) -> EngineOptions {
        EngineOptions {
            inline_allow: self == InlineAllow::Honour,
        }
    }
}

/// How and where to report, and when the run fails.
#[derive(Debug, Clone)]
pub struct Output {
    /// The report format.
    pub format: Format,
    /// The report file (mode 0600), or stdout.
    pub path: Option<PathBuf>,
    /// Print secrets in full.
    pub show_secrets: bool,
    /// Use ANSI colors (decided once, from `--color`, `NO_COLOR` and the terminal).
    pub color: bool,
    /// No summary, no progress.
    pub quiet: bool,
    /// Findings at or above this severity fail the run.
    pub fail_on: Severity,
    /// The exit code of a failing run.
    pub exit_code: u8,
    /// Write the findings as a baseline here.
    pub write_baseline: Option<PathBuf>,
}

/// Limits on what is read and how.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Skip files and blobs larger than this many bytes.
    pub max_file_size: u64,
    /// Worker threads.
    pub threads: usize,
}

/// `--validate` and its bounds.
#[derive(Debug, Clone, Copy)]
pub struct ValidationPlan {
    /// Check at most this many distinct secrets.
    pub max: usize,
    /// Fail only on findings the provider says are live.
    pub fail_on_valid: bool,
}

/// The choices made on the command line (clap-free), before any file is read.
#[derive(Debug, Clone)]
pub struct Choices {
    /// Inline-allow handling.
    pub inline: InlineAllow,
    /// The confidence floor.
    pub confidence: Confidence,
    /// Output choices.
    pub output: Output,
    /// Limits.
    pub limits: Limits,
    /// Validation, when asked.
    pub validation: Option<ValidationPlan>,
}

/// The files settings are made of: the config, the ignore file and the baseline.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The config, if any.
    pub config: Option<ConfigText>,
    /// The ignore file's fingerprints.
    pub ignore: IgnoreList,
    /// The baseline, if one was given.
    pub baseline: Option<Baseline>,
}

impl Loaded {
    /// From the work tree: `config` (else `.leakgate.toml` at or above `root`), `ignore_file`
    /// (else `.leakgateignore` at or above `root`) and `baseline`.
    pub fn from_work_tree(
        config: Option<&Path>,
        ignore_file: Option<&Path>,
        baseline: Option<&Path>,
        root: &Path,
    ) -> anyhow::Result<Loaded> {
        let config = ConfigText::discover(config, root)?;
        let ignore = match ignore_file {
            Some(path) => IgnoreList::read(path, true)?,
            None => match find_upward(root, IGNORE_FILE_NAME) {
                Some(found) => IgnoreList::read(&found, false)?,
                None => IgnoreList::default(),
            },
        };
        let baseline = baseline.map(Baseline::read).transpose()?;
        Ok(Loaded {
            config,
            ignore,
            baseline,
        })
    }

    /// From revision `rev` of `repo` (`--config-from`): its `.leakgate.toml` and
    /// `.leakgateignore`, and `baseline` (a path relative to the repository root) there.
    pub fn at_revision(
        repo: &Repository,
        rev: &str,
        baseline: Option<&Path>,
    ) -> anyhow::Result<Loaded> {
        let config = read_at(repo, rev, CONFIG_FILE_NAME)?.map(|text| ConfigText {
            name: format!("{rev}:{CONFIG_FILE_NAME}"),
            text,
        });
        let ignore = match read_at(repo, rev, IGNORE_FILE_NAME)? {
            Some(text) => IgnoreList::parse(&format!("{rev}:{IGNORE_FILE_NAME}"), &text)?,
            None => IgnoreList::default(),
        };
        let baseline = match baseline {
            Some(path) => Some(baseline_at(repo, rev, path)?),
            None => None,
        };
        Ok(Loaded {
            config,
            ignore,
            baseline,
        })
    }
}

impl Settings {
    /// Compiles the engine and the suppression set from the loaded files and the choices.
    pub fn resolve(loaded: Loaded, choices: Choices) -> anyhow::Result<Settings> {
        let notes = loaded
            .config
            .as_ref()
            .map(|c| format!("config: {}", crate::escape::controls(&c.name)))
            .into_iter()
            .collect();
        let engine = build_engine(loaded.config.as_ref(), choices.inline.engine_options())?;
        Ok(Settings {
            engine,
            suppression: Suppression {
                ignore: loaded.ignore,
                baseline: loaded.baseline,
                floor: choices.confidence,
            },
            inline: choices.inline,
            output: choices.output,
            limits: choices.limits,
            validation: choices.validation,
            notes,
        })
    }
}

/// The contents of `path` at revision `rev`, or `None` if the file does not exist there.
fn read_at(repo: &Repository, rev: &str, path: &str) -> anyhow::Result<Option<String>> {
    let commit = revs::resolve(repo, rev)?;
    let tree = repo.find_commit(commit)?.tree()?;
    let Ok(entry) = tree.get_path(Path::new(path)) else {
        return Ok(None);
    };
    let blob = repo
        .find_blob(entry.id())
        .map_err(|e| gitsrc::object_error("blob", entry.id(), &e))?;
    Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
}

/// A baseline from revision `rev` (path relative to the repository root).
fn baseline_at(repo: &Repository, rev: &str, path: &Path) -> anyhow::Result<Baseline> {
    // Git tree paths are `/`-separated; a Windows user may type `.\ci\baseline.json`.
    let relative = if std::path::MAIN_SEPARATOR == '/' {
        path.to_string_lossy().trim_start_matches("./").to_owned()
    } else {
        crate::path::portable(&path.to_string_lossy())
    };
    let text = read_at(repo, rev, &relative)?
        .ok_or_else(|| anyhow::anyhow!("baseline {relative} does not exist at revision {rev}"))?;
    Baseline::parse(&format!("{rev}:{relative}"), &text)
}
