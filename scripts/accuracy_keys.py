#!/usr/bin/env python3
"""The second table of scripts/accuracy.py: private keys made at run time by the real tools
(openssl, ssh-keygen, puttygen, gpg) in a temporary directory (never committed), each laid into
the wrappings people paste keys in, scanned by every tool and scored per algorithm, per format
and per wrapping. A key counts as found when a finding falls on any line of its block in its
file (peers report a block at its first line, leakgate at its BEGIN line). Public keys,
certificates and requests made from the same keys, in the same wrappings, count the false
positives. A tool that is not installed is skipped and named.
"""
import base64
import os
import shutil
import subprocess

# (name, algorithm, format) of each key, filled by generate().
OPENSSL = [("rsa1024", "RSA 1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
           ("rsa2048", "RSA 2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
           ("rsa3072", "RSA 3072", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]),
           ("rsa4096", "RSA 4096", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"]),
           ("p256", "EC P-256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
           ("p384", "EC P-384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
           ("p521", "EC P-521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]),
           ("ed25519", "ed25519", ["-algorithm", "ed25519"]),
           ("dsa", "DSA", ["-paramfile", "dsa.params"])]
SSH = [("ed25519", "ed25519", "256"), ("rsa", "RSA 3072", "3072"), ("ecdsa", "EC P-256", "256")]


def tool(d, *args):
    out = subprocess.run(args, cwd=d, capture_output=True, env=dict(os.environ, GNUPGHOME=os.path.join(d, "gnupg")))
    if out.returncode != 0:
        raise RuntimeError(f"{args[0]} {' '.join(args[1:4])}: {out.stderr.decode()[:200]}")
    return out.stdout.decode()


def read(d, name):
    return open(os.path.join(d, name)).read()


def openssl_keys(d, keys):
    tool(d, "openssl", "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-out", "dsa.params")
    for name, algo, args in OPENSSL:
        tool(d, "openssl", "genpkey", *args, "-out", f"{name}.p8")
        keys.append((algo, "PKCS#8", read(d, f"{name}.p8")))
        if name != "ed25519":
            label = "PKCS#1" if algo.startswith("RSA") else ("SEC1" if algo.startswith("EC") else "DSA traditional")
            keys.append((algo, label, tool(d, "openssl", "pkey", "-in", f"{name}.p8", "-traditional")))
        keys.append((algo, "encrypted PKCS#8", tool(d, "openssl", "pkcs8", "-topk8", "-v2", "aes256", "-in", f"{name}.p8", "-passout", "pass:pw")))
    legacy = tool(d, "openssl", "pkey", "-in", "rsa2048.p8", "-traditional", "-aes256", "-passout", "pass:pw")
    keys.append(("RSA 2048", "legacy encrypted PEM (Proc-Type)", legacy))


def ssh_keys(d, keys):
    have_putty = shutil.which("puttygen") is not None
    open(os.path.join(d, "pw"), "w").write("pw\n")  # puttygen reads passphrases from files
    for name, algo, bits in SSH:
        for pw in ["", "pw"]:
            f = f"ssh-{name}{'-pw' if pw else ''}"
            tool(d, "ssh-keygen", "-q", "-t", name, "-b", bits, "-N", pw, "-C", "ci@build", "-f", f)
            keys.append((algo, "OpenSSH" + (" with passphrase" if pw else ""), read(d, f)))
            for v in ["2", "3"] if have_putty else []:
                extra = ["--old-passphrase", "pw", "--new-passphrase", "pw"] if pw else []  # files
                tool(d, "puttygen", f, "-O", "private", "-o", f"{f}.v{v}.ppk", "--ppk-param", f"version={v}", *extra)
                keys.append((algo, f"PuTTY v{v}" + (" with passphrase" if pw else ""), read(d, f"{f}.v{v}.ppk")))


def pgp_keys(d, keys):
    os.makedirs(os.path.join(d, "gnupg"), mode=0o700, exist_ok=True)
    try:
        for uid, algo, label, pw in [("Ed <ed@build.test>", "ed25519", "ed25519", ""), ("Rsa <rsa@build.test>", "rsa3072", "RSA 3072", "pw")]:
            batch = ["--batch", "--pinentry-mode", "loopback", "--passphrase", pw]
            tool(d, "gpg", *batch, "--quick-gen-key", uid, algo, "sign", "never")
            email = uid.split("<")[1].rstrip(">")
            keys.append((label, "PGP armored" + (" with passphrase" if pw else ""), tool(d, "gpg", *batch, "--armor", "--export-secret-keys", email)))
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=os.path.join(d, "gnupg")), capture_output=True)


def public_material(d):
    o = lambda *a: tool(d, "openssl", *a)
    return [("public", "SPKI", o("pkey", "-in", "rsa2048.p8", "-pubout")),
            ("public", "RSA public", o("rsa", "-in", "rsa2048.p8", "-RSAPublicKey_out")),
            ("public", "EC public", o("pkey", "-in", "p256.p8", "-pubout")),
            ("public", "certificate", o("req", "-x509", "-new", "-key", "rsa2048.p8", "-subj", "/CN=build", "-days", "2")),
            ("public", "request", o("req", "-new", "-key", "p384.p8", "-subj", "/CN=build")),
            ("public", "OpenSSH public", read(d, "ssh-rsa.pub")),
            ("public", "PGP public", tool(d, "gpg", "--armor", "--export"))]


def body_one_line(text):
    """The base64 body of a PEM block on one line (one-line DER), or None (PGP, PuTTY)."""
    first = text.splitlines()[0] if text else ""
    if not first.startswith("-----BEGIN") or "PGP" in first or "Proc-Type:" in text:
        return None
    return "".join(l for l in text.splitlines() if not l.startswith("-----") and ":" not in l)


def prefixed(lines, p):
    return [p + l for l in lines]


# name: (extension, lay(lines) -> (text lines, index of the key's first line, its last line))
WRAPS = {
    "plain": ("pem", lambda l: (l, 0, len(l) - 1)),
    "# prefix": ("py", lambda l: (["# staging key"] + prefixed(l, "# "), 1, len(l))),
    "// prefix": ("js", lambda l: (["// staging key"] + prefixed(l, "// "), 1, len(l))),
    "> prefix": ("md", lambda l: (["Use this key:", ""] + prefixed(l, "> "), 2, len(l) + 1)),
    "* prefix": ("java", lambda l: (["/**", " * Staging key:"] + prefixed(l, " * ") + [" */", "class K {}"], 2, len(l) + 1)),
    ".properties continuation": ("properties", lambda l: (["app.name=shop", "signing.key=" + "\\n\\\n".join(l)], 1, len(l))),
    "JSON \\n": ("json", lambda l: (["{", '  "private_key": "' + "\\n".join(l) + '\\n"', "}"], 1, 1)),
    "JSON in JSON \\\\n": ("json", lambda l: (["{", '  "config": "{\\"key\\": \\"' + "\\\\n".join(l) + '\\\\n\\"}"', "}"], 1, 1)),
    "XML &#10;": ("xml", lambda l: (["<config>", "  <key>" + "&#10;".join(l) + "</key>", "</config>"], 1, 1)),
    "joined on one line": ("env", lambda l: (["DEBUG=1", 'SIGNING_KEY="' + " ".join(l) + '"'], 1, 1)),
}


def plant(root, material):
    """Writes each material in each wrapping; returns [(file, first, last, algo, format, wrap)]."""
    planted = []
    for n, (algo, form, text) in enumerate(material):
        lines = text.strip().splitlines()
        for wrap, (ext, lay) in WRAPS.items():
            out, first, last = lay(lines)
            name = f"k{n:03d}-{len(planted)}.{ext}"
            open(os.path.join(root, name), "w").write("\n".join(out) + "\n")
            planted.append((name, first + 1, last + 1, algo, form, wrap))
        der = body_one_line(text)
        if der:
            name = f"k{n:03d}-{len(planted)}.env"
            open(os.path.join(root, name), "w").write(f"DEBUG=1\nPRIVATE_KEY={der}\n")
            planted.append((name, 2, 2, algo, form, "one-line base64 DER"))
    return planted


def generate(d):
    """Every key the tools on this machine make, and public material; names what is missing."""
    keys, missing = [], [t for t in ["openssl", "ssh-keygen", "gpg", "puttygen"] if not shutil.which(t)]
    if "openssl" not in missing:
        openssl_keys(d, keys)
    if "ssh-keygen" not in missing:
        ssh_keys(d, keys)
    if "gpg" not in missing:
        pgp_keys(d, keys)
    public = public_material(d) if not missing else []
    return keys, public, missing


def found_keys(planted, findings):
    return {p for p in planted if any(f == p[0] and p[1] <= l <= p[2] for f, l in findings)}


def rows(planted, hits, tools, field):
    """One markdown row per value of `field` (3 algorithm, 4 format, 5 wrapping)."""
    out = []
    for value in sorted({p[field] for p in planted}, key=str) + ["all"]:
        group = [p for p in planted if value in (p[field], "all")]
        cells = [f"{len(hits[t] & set(group))}/{len(group)} ({len(hits[t] & set(group)) / len(group):.2f})" for t in tools]
        out.append(f"| {value} | " + " | ".join(cells) + " |")
    return out


def report(run, tools, tmp):
    """Generates, plants and scans the keys; returns the report lines. `run(tool, root, out)`
    scans `root` with `tool` and returns its (file, line) findings."""
    d, pos, neg = (os.path.join(tmp, x) for x in ("keytools", "keys-pos", "keys-neg"))
    for x in (d, pos, neg):
        os.makedirs(x, exist_ok=True)
    keys, public, missing = generate(d)
    planted, decoys = plant(pos, keys), plant(neg, public)
    hits = {t: found_keys(planted, run(t, pos, os.path.join(tmp, f"keys-{t}.json"))) for t in tools}
    fps = {t: run(t, neg, os.path.join(tmp, f"keys-neg-{t}.json")) for t in tools}
    out = ["## Keys made by real tools", "",
           f"{len(keys)} keys made at run time (openssl, ssh-keygen, puttygen, gpg), {len(planted)} (key, wrapping) files; "
           f"{len(public)} public keys, certificates and requests from the same keys in {len(decoys)} files."
           + (f" Not installed, so not in the table: {', '.join(missing)}." if missing else ""), ""]
    head = "| {} | " + " | ".join(tools) + " |"
    sep = "|---|" + "---:|" * len(tools)
    for title, field in [("algorithm", 3), ("format", 4), ("wrapping", 5)]:
        out += [f"### Keys found, by {title}", "", head.format(title), sep] + rows(planted, hits, tools, field) + [""]
    out += ["### Findings on public material (lower is better)", "", head.format("files"), sep,
            f"| {len(decoys)} | " + " | ".join(str(len(fps[t])) for t in tools) + " |", ""]
    out += missed(planted, hits["leakgate"])
    return out


def missed(planted, hits):
    miss = [p for p in planted if p not in hits]
    out = [f"leakgate missed {len(miss)} of {len(planted)}" + (":" if miss else "."), ""]
    return out + [f"- {p[3]} {p[4]}, {p[5]}" for p in miss] + [""]
