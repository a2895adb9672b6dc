//! `leakgate hook install|uninstall`: writes the hook scripts into the repository's real hooks
//! directory (honouring `core.hooksPath` and worktrees). An existing hook is never overwritten:
//! it is kept as `<hook>.leakgate-chained` and still runs (a pre-push one after the gate passes,
//! so an uploading hook such as `git lfs pre-push` sends nothing the gate blocks; a pre-commit
//! one first); uninstall puts it back.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use git2::Repository;

use crate::exit::ExitStatus;
use crate::source::git as gitsrc;

/// The pre-push script, as shipped in `hooks/`.
const PRE_PUSH: &str = include_str!("../../hooks/pre-push");
/// The pre-commit script, as shipped in `hooks/`.
const PRE_COMMIT: &str = include_str!("../../hooks/pre-commit");
/// A line every leakgate hook script carries, so we recognise our own.
const MARKER: &str = "Installed by `leakgate hook install`";
/// Suffix of a pre-existing hook that ours runs first.
const CHAINED: &str = ".leakgate-chained";

/// Hook subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum HookCommand {
    /// Install the pre-push hook (and with --pre-commit the pre-commit hook too)
    Install(HookArgs),
    /// Remove leakgate's hooks (all of them, or the ones named) and restore any hook they chained
    Uninstall(HookArgs),
}

/// Which hooks, where.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// The pre-push hook (always installed; for uninstall, remove only the hooks named)
    #[arg(long)]
    pub pre_push: bool,
    /// The pre-commit hook as well (install), or only it among those named (uninstall)
    #[arg(long)]
    pub pre_commit: bool,
    /// Rewrite leakgate's own hook even if it is already installed
    #[arg(long)]
    pub force: bool,
    /// The repository
    #[arg(long, value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
}

impl HookArgs {
    /// What `install` writes: the pre-push gate always, the commit hook when asked.
    fn to_install(&self) -> Vec<(&'static str, &'static str)> {
        let mut hooks = vec![("pre-push", PRE_PUSH)];
        if self.pre_commit {
            hooks.push(("pre-commit", PRE_COMMIT));
        }
        hooks
    }

    /// What `uninstall` removes: the hooks named, or every leakgate hook.
    fn to_uninstall(&self) -> Vec<(&'static str, &'static str)> {
        let all = [("pre-push", PRE_PUSH), ("pre-commit", PRE_COMMIT)];
        if !self.pre_push && !self.pre_commit {
            return all.to_vec();
        }
        all.into_iter()
            .filter(|(name, _)| {
                (*name == "pre-push" && self.pre_push) || (*name == "pre-commit" && self.pre_commit)
            })
            .collect()
    }
}

/// One line per hook saying whether leakgate's is installed, and how to add the missing one.
fn report_state(dir: &Path) {
    for (name, hint) in [
        ("pre-push", "`leakgate hook install`"),
        ("pre-commit", "`leakgate hook install --pre-commit`"),
    ] {
        let path = dir.join(name);
        let ours = std::fs::read_to_string(&path).is_ok_and(|s| s.contains(MARKER));
        crate::diag::line(&if ours {
            format!("leakgate: {name} hook: installed ({})", path.display())
        } else {
            format!("leakgate: {name} hook: not installed (add it with {hint})")
        });
    }
}

/// Runs a hook subcommand.
pub fn run(command: &HookCommand) -> anyhow::Result<ExitStatus> {
    match command {
        HookCommand::Install(args) => install(args),
        HookCommand::Uninstall(args) => uninstall(args),
    }
}

/// The directory git runs hooks from.
pub fn hooks_dir(repo: &Repository) -> PathBuf {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => gitsrc::root(repo).join(path),
        None => repo.commondir().join("hooks"),
    }
}

fn install(args: &HookArgs) -> anyhow::Result<ExitStatus> {
    let repo = gitsrc::open(&args.repo)?;
    let dir = hooks_dir(&repo);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create hooks directory {}", dir.display()))?;
    for (name, script) in args.to_install() {
        let path = dir.join(name);
        let chained = dir.join(format!("{name}{CHAINED}"));
        if path.exists() {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current.contains(MARKER) {
                if !args.force {
                    crate::diag::line(&format!(
                        "leakgate: {name} hook already installed at {}",
                        path.display()
                    ));
                    continue;
                }
            } else if chained.exists() {
                anyhow::bail!(
                    "{} exists and so does {}; move one of them away, then run `leakgate hook install` again",
                    path.display(),
                    chained.display()
                );
            } else {
                std::fs::rename(&path, &chained).with_context(|| {
                    format!(
                        "cannot keep the existing hook {} as {}",
                        path.display(),
                        chained.display()
                    )
                })?;
                crate::diag::line(&format!(
                    "leakgate: kept your existing {name} hook as {}; it still runs first",
                    chained.display()
                ));
            }
        }
        write_executable(&path, script)?;
        crate::diag::line(&format!(
            "leakgate: installed {name} hook at {}",
            path.display()
        ));
    }
    report_state(&dir);
    Ok(ExitStatus::Clean)
}

fn uninstall(args: &HookArgs) -> anyhow::Result<ExitStatus> {
    let repo = gitsrc::open(&args.repo)?;
    let dir = hooks_dir(&repo);
    for (name, _) in args.to_uninstall() {
        let path = dir.join(name);
        let chained = dir.join(format!("{name}{CHAINED}"));
        let ours = std::fs::read_to_string(&path).is_ok_and(|s| s.contains(MARKER));
        if path.exists() && !ours {
            crate::diag::line(&format!(
                "leakgate: {} is not leakgate's hook; left alone",
                path.display()
            ));
            continue;
        }
        if ours {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
        if chained.exists() {
            std::fs::rename(&chained, &path)
                .with_context(|| format!("cannot restore {}", path.display()))?;
            crate::diag::line(&format!("leakgate: restored your previous {name} hook"));
        } else if ours {
            crate::diag::line(&format!("leakgate: removed {name} hook"));
        }
    }
    report_state(&dir);
    Ok(ExitStatus::Clean)
}

fn write_executable(path: &Path, script: &str) -> anyhow::Result<()> {
    // Git for Windows runs hooks with its POSIX sh, which reads a CR as part of the command: a
    // checkout with `core.autocrlf` must not leak CRLF into the installed hook.
    let script = script.replace("\r\n", "\n");
    std::fs::write(path, script).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}
