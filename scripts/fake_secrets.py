#!/usr/bin/env python3
"""Writes a small tree of files with fake secrets, generated at run time (never stored in the
repository), for the CI scripts that need a report with findings from several rules. The values
come from `leakgate rules expand` (the generator the rule examples use, checksums completed by
the rules' validators), so this script has no generator of its own.

The binary: $LEAKGATE, else $LEAKGATE_BIN_DIR/leakgate, else target/release/leakgate of this
checkout, else `leakgate` on PATH.

usage: fake_secrets.py DIR [SEED]
"""
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (path, template, rule whose validator completes it or None)
TREE = [
    ("config/app.env", "REGION=eu-west-1\nGITHUB_TOKEN=ghp_{{alnum:36}}\n", "github-pat-classic"),
    ("deploy/aws.ini", "[default]\naws_access_key_id = AKIA{{base32:16}}\n", None),
    ("src/db.py", "import os\n\nDATABASE_URL = 'postgres://app:{{alnum:20}}@db.acme.io:5432/app'\n", None),
    ("src/pay.rb", "Stripe.api_key = 'sk_live_{{alnum:24}}'\n", None),
    ("k8s/values.yaml", "db:\n  host: " + ".".join(str(n) for n in (10, 40, 2, 17)) + "\n  password: \"{{alnum:12}}9x\"\n", None),
]


def leakgate_binary():
    """The leakgate binary to expand templates with (see the module doc)."""
    candidates = [os.environ.get("LEAKGATE")]
    if os.environ.get("LEAKGATE_BIN_DIR"):
        candidates.append(os.path.join(os.environ["LEAKGATE_BIN_DIR"], "leakgate"))
    candidates += [os.path.join(ROOT, "target", "release", "leakgate"), shutil.which("leakgate")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    sys.exit("fake_secrets.py: no leakgate binary: build it (cargo build --release) or set LEAKGATE")


def expand(items, seed, binary=None):
    """Expands [(template, rule or None)] with `leakgate rules expand --jsonl`, in order."""
    lines = "".join(json.dumps({"template": t, "rule": r}) + "\n" for t, r in items)
    out = subprocess.run([binary or leakgate_binary(), "rules", "expand", "--jsonl", "--seed", str(seed)],
                         input=lines, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"fake_secrets.py: leakgate rules expand failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines()]


def main():
    root = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    texts = expand([(template, rule) for _, template, rule in TREE], seed)
    for (path, _, _), text in zip(TREE, texts):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
