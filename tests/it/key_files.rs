//! Binary key files made at test time by the real tools (openssl, keytool, gpg): keystores and
//! private keys in DER or binary OpenPGP are reported, once each, by `dir` and by the pre-push
//! gate; certificates, public keys and truststores made from the same keys are not.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use crate::support::{GitRepo, found, key_tool as tool, leakgate};

/// A made file and the rule that must report it (`None`: public material, nothing).
type Made = Vec<(&'static str, Option<&'static str>)>;

/// Makes every file in `dir`.
fn make(dir: &Path) -> Made {
    let mut made = openssl_files(dir);
    made.extend(keytool_files(dir));
    made.extend(gpg_files(dir));
    made
}

fn openssl_files(dir: &Path) -> Made {
    // Each command's arguments, split at spaces.
    let commands = [
        "genrsa -out k.pem 2048",
        "req -new -x509 -key k.pem -out c.pem -subj /CN=x -days 2",
        "pkcs12 -export -in c.pem -inkey k.pem -out bundle.p12 -passout pass:changeit",
        "pkcs12 -export -nokeys -in c.pem -out certs.p12 -passout pass:changeit",
        "pkey -in k.pem -outform DER -out pkcs8.der",
        "rsa -in k.pem -outform DER -traditional -out pkcs1.der",
        "pkcs8 -topk8 -in k.pem -outform DER -passout pass:abc -out encrypted.der",
        "ecparam -genkey -name prime256v1 -noout -outform DER -out sec1.der",
        "genpkey -algorithm ed25519 -outform DER -out ed25519.der",
        "x509 -in c.pem -outform DER -out cert.der",
        "pkey -in k.pem -pubout -outform DER -out public.der",
    ];
    for command in commands {
        tool(dir, "openssl", &command.split(' ').collect::<Vec<_>>());
    }
    std::fs::remove_file(dir.join("k.pem")).unwrap();
    std::fs::remove_file(dir.join("c.pem")).unwrap();
    vec![
        ("bundle.p12", Some("pkcs12-private-key")),
        ("pkcs8.der", Some("der-private-key")),
        ("pkcs1.der", Some("der-private-key")),
        ("encrypted.der", Some("der-private-key")),
        ("sec1.der", Some("der-private-key")),
        ("ed25519.der", Some("der-private-key")),
        ("certs.p12", None),
        ("cert.der", None),
        ("public.der", None),
    ]
}

fn keytool_files(dir: &Path) -> Made {
    let keytool = |store: &str, kind: &str, args: &[&str]| {
        let mut all = vec![
            "-keystore",
            store,
            "-storetype",
            kind,
            "-storepass",
            "changeit",
        ];
        all.extend_from_slice(args);
        tool(dir, "keytool", &all)
    };
    let key = [
        "-genkeypair",
        "-alias",
        "a",
        "-keyalg",
        "RSA",
        "-dname",
        "CN=x",
    ];
    keytool("app.jks", "JKS", &key);
    keytool("app.p12", "PKCS12", &key);
    keytool(
        "secret.jceks",
        "JCEKS",
        &[
            "-genseckey",
            "-alias",
            "s",
            "-keyalg",
            "AES",
            "-keysize",
            "128",
        ],
    );
    let cert = keytool("app.jks", "JKS", &["-exportcert", "-alias", "a", "-rfc"]);
    std::fs::write(dir.join("a.crt"), cert).unwrap();
    let import = ["-importcert", "-noprompt", "-alias", "c", "-file", "a.crt"];
    keytool("trust.jks", "JKS", &import);
    keytool("trust.p12", "PKCS12", &import);
    std::fs::remove_file(dir.join("a.crt")).unwrap();
    vec![
        ("app.p12", Some("pkcs12-private-key")),
        ("app.jks", Some("java-keystore-private-key")),
        ("secret.jceks", Some("java-keystore-private-key")),
        ("trust.jks", None),
        ("trust.p12", None),
    ]
}

fn gpg_files(dir: &Path) -> Made {
    std::fs::create_dir(dir.join("gnupg")).unwrap();
    let gpg = |args: &[&str]| tool(dir, "gpg", args);
    gpg(&[
        "--batch",
        "--passphrase",
        "",
        "--quick-gen-key",
        "T <t@example.org>",
        "ed25519",
        "sign",
        "1d",
    ]);
    let secret = gpg(&["--batch", "--export-secret-keys"]);
    let public = gpg(&["--batch", "--export"]);
    let _ = Command::new("gpgconf")
        .env("GNUPGHOME", dir.join("gnupg"))
        .args(["--kill", "gpg-agent"])
        .status();
    std::fs::remove_dir_all(dir.join("gnupg")).unwrap();
    std::fs::write(dir.join("secring.gpg"), secret).unwrap();
    std::fs::write(dir.join("pubring.gpg"), public).unwrap();
    vec![
        ("secring.gpg", Some("pgp-private-key-binary")),
        ("pubring.gpg", None),
    ]
}

#[test]
fn keystores_and_binary_keys_from_real_tools_are_found_and_public_material_is_not() {
    let tmp = TempDir::new().unwrap();
    let made = make(tmp.path());
    let out = leakgate(tmp.path())
        .current_dir(tmp.path())
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = found(&report)
        .into_iter()
        .map(|(file, line, rule)| {
            assert_eq!(line, 1, "{file}");
            (file, rule)
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = made
        .iter()
        .filter_map(|(file, rule)| rule.map(|r| ((*file).to_owned(), r.to_owned())))
        .collect();
    want.sort();
    assert_eq!(got, want);
    let masked = String::from_utf8_lossy(&out.stdout);
    assert!(
        masked.contains("\"binary\": 6") || masked.contains("\"binary\":6"),
        "{masked}"
    );
}

#[test]
fn a_pushed_keystore_blocks_and_an_unchanged_one_does_not() {
    let repo = GitRepo::installed(&[]);
    let before = repo.remote_ref("refs/heads/main");
    let dir = tempfile::TempDir::new().unwrap();
    tool(
        dir.path(),
        "keytool",
        &[
            "-genkeypair",
            "-alias",
            "a",
            "-keyalg",
            "EC",
            "-dname",
            "CN=x",
            "-keystore",
            "app.p12",
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
        ],
    );
    std::fs::create_dir_all(repo.path().join("certs")).unwrap();
    std::fs::copy(
        dir.path().join("app.p12"),
        repo.path().join("certs/app.p12"),
    )
    .unwrap();
    repo.git(&["add", "certs/app.p12"]);
    repo.git(&["commit", "-q", "-m", "add keystore"]);
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("certs/app.p12:1  pkcs12-private-key"), "{err}");
    assert_eq!(repo.remote_ref("refs/heads/main"), before);
    // Once it is on the remote (pushed past the hook), editing another file does not block.
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.commit(&[("README.md", "docs\n")], "docs");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
