//! Private keys made at test time by the real tools (openssl, ssh-keygen, puttygen, gpg), put in
//! every wrapping people paste keys in, and scanned through the binary (`leakgate dir`): each
//! must be found exactly once, at its line. Public keys, certificates, requests and placeholder
//! bodies in the same wrappings must give nothing. No key is ever written to the repository.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use crate::support::{found, key_tool, leakgate};

/// A generated key (or look-alike) file: a name and its text.
struct Material {
    name: String,
    text: String,
}

/// Runs a key tool in `dir` (see [`key_tool`]); returns stdout as text.
fn tool(dir: &Path, program: &str, args: &[&str]) -> String {
    String::from_utf8_lossy(&key_tool(dir, program, args)).into_owned()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// PKCS#8, PKCS#1/SEC1/DSA ("traditional", which ed25519 lacks) and encrypted PKCS#8 forms of
/// one openssl key.
fn openssl_forms(dir: &Path, name: &str, genpkey: &[&str], keys: &mut Vec<Material>) {
    let p8 = format!("{name}.p8");
    tool(
        dir,
        "openssl",
        &[&["genpkey"], genpkey, &["-out", &p8]].concat(),
    );
    let encrypted = tool(
        dir,
        "openssl",
        &[
            "pkcs8", "-topk8", "-v2", "aes256", "-in", &p8, "-passout", "pass:pw",
        ],
    );
    keys.push(Material {
        name: format!("{name}-pkcs8"),
        text: read(dir, &p8),
    });
    if name != "ed25519" {
        let traditional = tool(dir, "openssl", &["pkey", "-in", &p8, "-traditional"]);
        keys.push(Material {
            name: format!("{name}-trad"),
            text: traditional,
        });
    }
    keys.push(Material {
        name: format!("{name}-enc"),
        text: encrypted,
    });
}

fn openssl_keys(dir: &Path, keys: &mut Vec<Material>) {
    for bits in ["1024", "2048", "3072", "4096"] {
        let opt = format!("rsa_keygen_bits:{bits}");
        openssl_forms(
            dir,
            &format!("rsa{bits}"),
            &["-algorithm", "RSA", "-pkeyopt", &opt],
            keys,
        );
    }
    for curve in ["P-256", "P-384", "P-521"] {
        let opt = format!("ec_paramgen_curve:{curve}");
        openssl_forms(
            dir,
            &format!("ec{curve}"),
            &["-algorithm", "EC", "-pkeyopt", &opt],
            keys,
        );
    }
    openssl_forms(dir, "ed25519", &["-algorithm", "ed25519"], keys);
    tool(
        dir,
        "openssl",
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DSA",
            "-pkeyopt",
            "dsa_paramgen_bits:1024",
            "-out",
            "dsa.params",
        ],
    );
    openssl_forms(dir, "dsa", &["-paramfile", "dsa.params"], keys);
    // Legacy OpenSSL encryption: Proc-Type and DEK-Info headers over an encrypted PKCS#1 body.
    let legacy = tool(
        dir,
        "openssl",
        &[
            "pkey",
            "-in",
            "rsa2048.p8",
            "-traditional",
            "-aes256",
            "-passout",
            "pass:pw",
        ],
    );
    keys.push(Material {
        name: "rsa2048-legacy-enc".into(),
        text: legacy,
    });
}

/// OpenSSH keys with and without a passphrase, and PuTTY v2/v3 files made from them.
fn ssh_keys(dir: &Path, keys: &mut Vec<Material>) {
    std::fs::write(dir.join("pw"), "pw\n").unwrap();
    for (name, kind, bits) in [
        ("ed25519", "ed25519", "256"),
        ("rsa", "rsa", "3072"),
        ("ecdsa", "ecdsa", "256"),
    ] {
        for pass in ["", "pw"] {
            let file = format!("ssh-{name}{}", if pass.is_empty() { "" } else { "-pw" });
            tool(
                dir,
                "ssh-keygen",
                &[
                    "-q", "-t", kind, "-b", bits, "-a", "4", "-N", pass, "-C", "ci@build", "-f",
                    &file,
                ],
            );
            keys.push(Material {
                name: file.clone(),
                text: read(dir, &file),
            });
            for version in ["2", "3"] {
                let ppk = format!("{file}-v{version}.ppk");
                let param = format!("version={version}");
                let mut args = vec![
                    file.as_str(),
                    "-O",
                    "private",
                    "-o",
                    &ppk,
                    "--ppk-param",
                    &param,
                ];
                if !pass.is_empty() {
                    args.extend(["--old-passphrase", "pw", "--new-passphrase", "pw"]);
                }
                tool(dir, "puttygen", &args);
                keys.push(Material {
                    name: ppk.clone(),
                    text: read(dir, &ppk),
                });
            }
        }
    }
}

/// PGP secret keys: ed25519 without a passphrase, RSA with one.
fn pgp_keys(dir: &Path, keys: &mut Vec<Material>) {
    std::fs::create_dir_all(dir.join("gnupg")).unwrap();
    let batch = ["--batch", "--pinentry-mode", "loopback", "--passphrase"];
    for (uid, algo, pass) in [
        ("Ed <ed@build.test>", "ed25519", ""),
        ("Rsa <rsa@build.test>", "rsa2048", "pw"),
    ] {
        tool(
            dir,
            "gpg",
            &[
                &batch[..],
                &[pass, "--quick-gen-key", uid, algo, "sign", "never"],
            ]
            .concat(),
        );
        let email = uid.split('<').nth(1).unwrap().trim_end_matches('>');
        let text = tool(
            dir,
            "gpg",
            &[
                &batch[..],
                &[pass, "--armor", "--export-secret-keys", email],
            ]
            .concat(),
        );
        keys.push(Material {
            name: format!("pgp-{algo}"),
            text,
        });
    }
}

/// Armored blocks that look like private keys but hold placeholders or truncated bodies.
fn placeholders() -> Vec<Material> {
    let placeholder = |label: &str, body: &str| {
        format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
    };
    [
        (
            "placeholder-truncated",
            placeholder("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA..."),
        ),
        (
            "placeholder-your-key",
            placeholder("PRIVATE KEY", "<your key here>"),
        ),
        (
            "placeholder-xxxx",
            placeholder("OPENSSH PRIVATE KEY", &"x".repeat(64)),
        ),
        (
            "placeholder-redacted",
            placeholder("PGP PRIVATE KEY BLOCK", "(redacted)"),
        ),
    ]
    .into_iter()
    .map(|(name, text)| Material {
        name: name.into(),
        text,
    })
    .collect()
}

/// Public keys, certificates, requests and parameters made from the same tools' keys.
fn public_material(dir: &Path) -> Vec<Material> {
    let openssl = |args: &[&str]| tool(dir, "openssl", args);
    let out = vec![
        ("spki", openssl(&["pkey", "-in", "rsa2048.p8", "-pubout"])),
        (
            "rsa-public",
            openssl(&["rsa", "-in", "rsa2048.p8", "-RSAPublicKey_out"]),
        ),
        (
            "ec-public",
            openssl(&["pkey", "-in", "ecP-256.p8", "-pubout"]),
        ),
        (
            "ed25519-public",
            openssl(&["pkey", "-in", "ed25519.p8", "-pubout"]),
        ),
        (
            "cert",
            openssl(&[
                "req",
                "-x509",
                "-new",
                "-key",
                "rsa2048.p8",
                "-subj",
                "/CN=build",
                "-days",
                "2",
            ]),
        ),
        (
            "ec-cert",
            openssl(&[
                "req",
                "-x509",
                "-new",
                "-key",
                "ecP-384.p8",
                "-subj",
                "/CN=build",
                "-days",
                "2",
            ]),
        ),
        (
            "csr",
            openssl(&["req", "-new", "-key", "ecP-256.p8", "-subj", "/CN=build"]),
        ),
        ("dsa-params", read(dir, "dsa.params")),
        ("ssh-public", read(dir, "ssh-ed25519.pub")),
        ("ssh-rsa-public", read(dir, "ssh-rsa.pub")),
        (
            "ssh2-public",
            tool(dir, "ssh-keygen", &["-e", "-f", "ssh-rsa.pub"]),
        ),
        (
            "putty-public",
            tool(dir, "puttygen", &["ssh-ed25519", "-O", "public"]),
        ),
        ("pgp-public", tool(dir, "gpg", &["--armor", "--export"])),
    ];
    out.into_iter()
        .map(|(name, text)| Material {
            name: name.into(),
            text,
        })
        .collect()
}

/// The base64 lines of an armored block (no headers), or `None` for a form that has no
/// one-line DER (PGP, PuTTY, legacy-encrypted PEM).
fn one_line(text: &str) -> Option<String> {
    if !text.starts_with("-----BEGIN") || text.contains("PGP") || text.contains("Proc-Type") {
        return None;
    }
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .collect();
    Some(body.trim().to_owned())
}

/// A wrapping: a name, the file extension, and how to lay the key's lines into a file.
type Wrap = (&'static str, &'static str, fn(&[&str]) -> String);

fn prefixed(lines: &[&str], prefix: &str) -> String {
    lines
        .iter()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

const WRAPS: &[Wrap] = &[
    ("raw", "pem", |l| l.join("\n") + "\n"),
    ("crlf", "key", |l| l.join("\r\n") + "\r\n"),
    ("hash", "py", |l| {
        format!("# staging key\n{}\n", prefixed(l, "# "))
    }),
    ("slashes", "js", |l| {
        format!("// staging key\n{}\n", prefixed(l, "// "))
    }),
    ("quote", "md", |l| {
        format!("Use this key:\n\n{}\n", prefixed(l, "> "))
    }),
    ("star", "java", |l| {
        format!(
            "/**\n * Staging key:\n{}\n */\nclass K {{}}\n",
            prefixed(l, " * ")
        )
    }),
    ("semicolon", "ini", |l| {
        format!("[ssl]\n{}\n", prefixed(l, "; "))
    }),
    ("dashes", "sql", |l| {
        format!("-- staging key\n{}\nSELECT 1;\n", prefixed(l, "-- "))
    }),
    ("properties", "properties", |l| {
        format!("app.name=shop\nsigning.key={}\n", l.join("\\n\\\n"))
    }),
    ("json", "json", |l| {
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"private_key\": \"{}\\n\"\n}}\n",
            l.join("\\n")
        )
    }),
    ("json-in-json", "json", |l| {
        format!(
            "{{\n  \"config\": \"{{\\\"key\\\": \\\"{}\\\\n\\\"}}\"\n}}\n",
            l.join("\\\\n")
        )
    }),
    ("xml10", "xml", |l| {
        format!(
            "<?xml version=\"1.0\"?>\n<config>\n  <key>{}</key>\n</config>\n",
            l.join("&#10;")
        )
    }),
    ("xmlxa", "xml", |l| {
        format!(
            "<?xml version=\"1.0\"?>\n<config>\n  <key>{}</key>\n</config>\n",
            l.join("&#xA;")
        )
    }),
    ("yaml", "yaml", |l| {
        format!("service:\n  key: |\n{}\n  port: 443\n", prefixed(l, "    "))
    }),
    ("spaces", "env", |l| {
        format!("DEBUG=1\nSIGNING_KEY=\"{}\"\n", l.join(" "))
    }),
    ("heredoc", "tf", |l| {
        format!(
            "resource \"tls\" \"k\" {{\n  private_key = <<EOF\n{}\nEOF\n}}\n",
            l.join("\n")
        )
    }),
    ("concat", "java", |l| {
        let parts: Vec<String> = l.iter().map(|x| format!("      \"{x}\\n\"")).collect();
        format!(
            "class K {{\n  static final String KEY =\n{};\n}}\n",
            parts.join(" +\n")
        )
    }),
    ("pyconcat", "py", |l| {
        format!(
            "KEY = (\n{}\n)\n",
            prefixed(l, "    \"").replace('\n', "\\n\"\n") + "\\n\""
        )
    }),
    ("template", "js", |l| {
        format!("// key\nconst key = `{}`;\n", l.join("\n"))
    }),
    ("dotenv", "env", |l| {
        format!("DEBUG=1\nKEY=\"{}\"\n", l.join("\n"))
    }),
    ("fence", "md", |l| {
        format!("# Setup\n\n```\n{}\n```\n", l.join("\n"))
    }),
];

/// Writes `material` in every wrapping (and its one-line and base64 forms, assigned to `var`)
/// under `dir`;
/// returns `(file, line of the key)`.
fn plant(dir: &Path, material: &[Material], var: &str) -> Vec<(String, u64)> {
    use base64::Engine as _;
    let mut planted = Vec::new();
    let mut put = |name: String, text: String, marker: &str| {
        let at = text
            .find(marker)
            .unwrap_or_else(|| panic!("{name}: no {marker}"));
        let line = 1 + text[..at].matches('\n').count() as u64;
        std::fs::write(dir.join(&name), text).unwrap();
        planted.push((name, line));
    };
    for m in material {
        let lines: Vec<&str> = m.text.trim_end().lines().collect();
        let marker = lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .unwrap()
            .trim()
            .to_owned();
        let marker = &marker[..marker.len().min(20)];
        for (wrap, ext, lay) in WRAPS {
            put(format!("{}~{wrap}.{ext}", m.name), lay(&lines), marker);
        }
        if let Some(der) = one_line(&m.text) {
            put(
                format!("{}~der.env", m.name),
                format!("DEBUG=1\n{var}={der}\n"),
                &der[..der.len().min(20)],
            );
            put(
                format!("{}~der.yaml", m.name),
                format!("tls:\n  key: \"{der}\"\n"),
                &der[..der.len().min(20)],
            );
            for (ext, text) in [
                ("json", format!("{{\n  \"signingKey\": \"{der}\"\n}}\n")),
                ("xml", format!("<config>\n  <key>{der}</key>\n</config>\n")),
                ("py", format!("import jwt\nKEY = '{der}'\n")),
                ("properties", format!("app.name=shop\nsigning.key={der}\n")),
            ] {
                put(
                    format!("{}~der.{ext}", m.name),
                    text,
                    &der[..der.len().min(20)],
                );
            }
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(&m.text);
        put(
            format!("{}~b64.env", m.name),
            format!("DEBUG=1\n{var}_B64={b64}\n"),
            &b64[..20],
        );
        let wrapped: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        put(
            format!("{}~b64.json", m.name),
            format!("{{\"name\": \"deploy\", \"key_b64\": \"{b64}\"}}\n"),
            &b64[..20],
        );
        put(
            format!("{}~b64wrap.yaml", m.name),
            format!(
                "ssh:\n  key_b64: |\n{}\n  port: 22\n",
                prefixed(&wrapped, "    ")
            ),
            &b64[..20],
        );
        put(
            format!("{}~b64.txt", m.name),
            wrapped.join("\n") + "\n",
            &b64[..20],
        );
    }
    planted
}

/// Runs `bin dir . -f json` in `dir`: `(file, line, rule)` of every finding.
fn scan(bin: Option<&str>, dir: &Path) -> Vec<(String, u64, String)> {
    let mut cmd = match bin {
        Some(path) => assert_cmd::Command::new(path),
        None => leakgate(dir),
    };
    let out = cmd
        .current_dir(dir)
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    found(&serde_json::from_slice(&out.stdout).unwrap())
}

/// How many of `files` (named `key~wrapping.ext`) each wrapping has.
fn by_wrapping(files: &[String]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for file in files {
        let wrap = file
            .split('~')
            .nth(1)
            .unwrap_or(file)
            .split(' ')
            .next()
            .unwrap_or("");
        *counts.entry(wrap.to_owned()).or_insert(0) += 1;
    }
    counts
}

/// How many planted keys a scan found exactly once at their line; and what went wrong.
fn judge(planted: &[(String, u64)], findings: &[(String, u64, String)]) -> (usize, Vec<String>) {
    let mut wrong = Vec::new();
    for (file, line) in planted {
        let here: Vec<_> = findings.iter().filter(|f| &f.0 == file).collect();
        if here.len() != 1 || here[0].1 != *line || !here[0].2.starts_with("private-key") {
            wrong.push(format!("{file} (line {line}): {here:?}"));
        }
    }
    (planted.len() - wrong.len(), wrong)
}

/// Every key the tools make here, and the public material made from the same keys.
fn generate(dir: &Path) -> (Vec<Material>, Vec<Material>) {
    let _agent = AgentGuard(dir.join("gnupg"));
    let mut keys = Vec::new();
    openssl_keys(dir, &mut keys);
    ssh_keys(dir, &mut keys);
    pgp_keys(dir, &mut keys);
    (keys, public_material(dir))
}

/// Stops the gpg-agent that gpg started for a test's GNUPGHOME, also when the test panics.
struct AgentGuard(std::path::PathBuf);

impl Drop for AgentGuard {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.0)
            .args(["--kill", "gpg-agent"])
            .status();
    }
}

// The counts are the point of this test's output (the lead compares binaries with them).
#[allow(clippy::print_stderr)]
#[test]
fn real_keys_in_every_wrapping_are_found_once_at_their_line() {
    let tmp = TempDir::new().unwrap();
    let dirs = ["k", "pos", "neg"].map(|d| tmp.path().join(d));
    for d in &dirs {
        std::fs::create_dir_all(d).unwrap();
    }
    let [keys_dir, corpus, negatives] = &dirs;
    let (keys, public) = generate(keys_dir);

    let planted = plant(corpus, &keys, "PRIVATE_KEY");
    let (ok, wrong) = judge(&planted, &scan(None, corpus));
    eprintln!(
        "keys: {} (key, wrapping) pairs from {} keys, {ok} found once at their line",
        planted.len(),
        keys.len()
    );
    if let Ok(base) = std::env::var("LEAKGATE_KEYS_BASELINE") {
        let (base_ok, base_wrong) = judge(&planted, &scan(Some(&base), corpus));
        eprintln!("keys: {base} finds {base_ok} of {}", planted.len());
        eprintln!(
            "keys: its misses by wrapping: {:?}",
            by_wrapping(&base_wrong)
        );
    }
    assert!(
        wrong.is_empty(),
        "{} of {} not found once at their line:\n{}",
        wrong.len(),
        planted.len(),
        wrong.join("\n")
    );

    let mut decoys = plant(negatives, &public, "PUBLIC_KEY");
    decoys.extend(plant(negatives, &placeholders(), "PRIVATE_KEY"));
    let reported = scan(None, negatives);
    if let Ok(base) = std::env::var("LEAKGATE_KEYS_BASELINE") {
        let base_reported = scan(Some(&base), negatives).len();
        eprintln!("keys: {base} reports {base_reported} findings on them");
    }
    eprintln!(
        "keys: {} public/placeholder (material, wrapping) pairs, {} findings",
        decoys.len(),
        reported.len()
    );
    assert!(
        reported.is_empty(),
        "public material or placeholders reported:\n{reported:#?}"
    );
}

/// An ed25519 PKCS#8 key whose base64 holds `xxxx`, a placeholder word: its structure proves it
/// is a key, so the placeholder filter must not drop it (about one 4096-bit key in 300 did).
#[test]
fn a_key_whose_base64_spells_a_placeholder_word_is_found() {
    use base64::Engine as _;
    let tmp = TempDir::new().unwrap();
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend((0u8..32).map(|i| i.wrapping_mul(97).wrapping_add(13)));
    // Bytes 18..21 encode base64 characters 24..28: c7 1c 71 is "xxxx".
    der[18..21].copy_from_slice(&[0xc7, 0x1c, 0x71]);
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    assert_eq!(&body[24..28], "xxxx");
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    std::fs::write(tmp.path().join("signing.pem"), pem).unwrap();
    let findings = scan(None, tmp.path());
    assert_eq!(
        findings,
        vec![("signing.pem".into(), 1, "private-key-pem".into())]
    );
}
