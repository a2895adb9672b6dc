//! Packaging contracts (issue 16) that no runner here can execute end to end: the release
//! workflow's targets and asset names, which cargo-binstall and the Action's installer must
//! agree on; the Dockerfile's shape (no container engine runs here; hadolint lints it in
//! scripts/ci-extras.sh); the pre-commit hook variants.

use std::path::Path;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

#[test]
fn release_targets_and_asset_names_agree_with_binstall_and_the_action() {
    let workflow = read(".github/workflows/release.yml");
    for target in [
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(workflow.contains(&format!("target: {target},")), "{target}");
    }
    assert!(workflow.contains(r#"name="leakgate-$REF_NAME-$TARGET""#));
    assert!(workflow.contains("actions/attest-build-provenance@"));
    assert!(workflow.contains("sha256sum --check SHA256SUMS"));
    let cargo = read("Cargo.toml");
    assert!(cargo.contains(
        r#"pkg-url = "{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }{ archive-suffix }""#
    ));
    let installer = read("scripts/action-install.sh");
    assert!(installer.contains(r#"name="leakgate-v$version-$target""#));
    assert!(installer.contains(r#"url="$base/v$version/$name.$ext""#));
    let action = read("action.yml");
    assert!(action.contains("scripts/action-install.sh"));
    assert!(action.contains("if: ${{ steps.install.outputs.need-build == 'true' }}"));
}

#[test]
fn dockerfile_is_multi_stage_static_non_root_with_git() {
    let docker = read("Dockerfile");
    let froms: Vec<&str> = docker.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].contains("alpine") && froms[0].ends_with(" AS build"));
    assert!(docker.contains("COPY --from=build /usr/local/bin/leakgate"));
    assert!(docker.contains("apk add --no-cache git"));
    let user = docker.lines().find(|l| l.starts_with("USER ")).unwrap();
    assert!(!user.contains("root") && user != "USER 0", "{user}");
    assert!(docker.contains(r#"ENTRYPOINT ["leakgate"]"#));
}

#[test]
fn pre_commit_offers_source_system_and_docker_variants() {
    let hooks = read(".pre-commit-hooks.yaml");
    for (id, language) in [
        ("leakgate", "rust"),
        ("leakgate-pre-push", "rust"),
        ("leakgate-system", "system"),
        ("leakgate-pre-push-system", "system"),
        ("leakgate-docker", "docker"),
    ] {
        let block = hooks
            .split("- id: ")
            .find(|b| b.lines().next() == Some(id))
            .unwrap_or_else(|| panic!("no hook {id}"));
        assert!(block.contains(&format!("language: {language}\n")), "{id}");
        assert!(block.contains("pass_filenames: false"), "{id}");
    }
}
