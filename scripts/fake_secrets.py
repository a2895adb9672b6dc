#!/usr/bin/env python3
"""Writes a small tree of files with fake secrets, generated at run time (never stored in the
repository), for the CI scripts that need a report with findings from several rules.

usage: fake_secrets.py DIR [SEED]
"""
import os
import random
import string
import sys
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def github_token(rng, prefix="ghp_"):
    body = rand(rng, B62, 30)
    n = zlib.crc32(body.encode())
    check = ""
    for _ in range(6):
        check = B62[n % 62] + check
        n //= 62
    return prefix + body + check


def tree(rng):
    alnum = string.ascii_letters + string.digits
    return {
        "config/app.env": f"REGION=eu-west-1\nGITHUB_TOKEN={github_token(rng)}\n",
        "deploy/aws.ini": "[default]\naws_access_key_id = AKIA" + rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) + "\n",
        "src/db.py": "import os\n\nDATABASE_URL = 'postgres://app:" + rand(rng, alnum, 20) + "@db.acme.io:5432/app'\n",
        "src/pay.rb": "Stripe.api_key = 'sk_live_" + rand(rng, alnum, 24) + "'\n",
        "k8s/values.yaml": "db:\n  host: " + ".".join(str(n) for n in (10, 40, 2, 17)) + "\n  password: \"" + rand(rng, alnum, 12) + "9x\"\n",
    }


def main():
    root = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    for path, text in tree(rng).items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
