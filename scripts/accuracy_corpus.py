#!/usr/bin/env python3
"""The labelled corpus of scripts/accuracy.py: files with labelled lines, secrets (positives) and
look-alikes (negatives), built at run time from a seed. Random characters come from Python's
`random`; values with a checksum or a structure (GitHub-format tokens, private keys) come from
`leakgate rules expand`, so nothing here re-implements leakgate's example generator.

Each label: (file, line, category, positive, kind); `kind` names the look-alike class of a
negative (placeholder, reference, vendor sample...). Categories group into the classes of
CLASSES. Parts written in this round (accuracy_heldout.py) were written in separate sittings,
positives first, without reading the rules.
"""
import base64
import json
import os
import random
import re
import string

import fake_secrets

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"

# The classes a category belongs to (the report's first table).
CLASSES = {
    "tokens": ["ai", "chat", "cloud", "messaging", "payments", "registries", "saas", "vcs", "jwt"],
    "private keys": ["keys"],
    "non-token credentials": ["credentials", "cli", "database", "password"],
    "encoded secrets": ["encoded"],
    "generic code shapes": ["generic"],
    "internal hosts": ["host"],
}


def class_of(category):
    return next((k for k, v in CLASSES.items() if category in v), "other")


class Corpus:
    """Files with labelled lines: positives (secrets) and negatives (look-alikes)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        self.files = {}
        self.labels = []  # (file, line, category, positive, kind)
        self.fakes = []  # (template, rule) for `leakgate rules expand`
        self.broken = []  # indices of fakes whose checksum is then broken (look-alikes)
        self.kind = None  # the look-alike class of negatives being added

    def r(self, alphabet, n):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def fake(self, template, rule=None):
        """A value expanded later by `leakgate rules expand` (the generator the rule examples
        use; `rule`'s validator completes a checksum): a marker now, the value after expand()."""
        marker = f"\x00{len(self.fakes)}\x00"
        self.fakes.append((template, rule))
        return marker

    def gh(self, prefix="ghp_", valid=True):
        """A GitHub-format token (ghp_, gho_, npm_) with a valid checksum, or a broken one."""
        rule = {"ghp_": "github-pat-classic", "gho_": "github-oauth-token", "npm_": "npm-access-token"}[prefix]
        if valid:
            return self.fake(prefix + "{{alnum:36}}", rule)
        self.broken.append(len(self.fakes))
        return self.fake(prefix + "{{alnum:36}}", rule)

    def add(self, path, lines):
        """lines: list of str, or (str, category, positive) tuples to label. A labelled entry
        may span several lines: a positive is labelled at its first line, a negative at each."""
        text = self.files.setdefault(path, [])
        for line in lines:
            if not isinstance(line, tuple):
                text.extend(line.split("\n"))
                continue
            content, category, positive = line
            for n, part in enumerate(content.split("\n")):
                if n == 0 or not positive:
                    self.labels.append((path, len(text) + 1, category, positive, self.kind))
                text.append(part)

    def expand(self, binary):
        """Replaces every fake() marker with its value from one `leakgate rules expand` run."""
        values = fake_secrets.expand(self.fakes, self.seed, binary)
        for i in self.broken:  # a look-alike: the same token with its checksum reversed
            token = values[i]
            values[i] = token[:-6] + (token[-6:][::-1] if token[-6:][::-1] != token[-6:] else "zzzzzz")
        for path, lines in self.files.items():
            for n, line in enumerate(lines):
                if "\x00" in line:
                    lines[n] = re.sub("\x00([0-9]+)\x00", lambda m: indented(values[int(m.group(1))], line[:m.start()]), line)

    def write(self, root):
        for path, lines in self.files.items():
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write("\n".join(lines) + "\n")


def indented(value, before):
    """A multi-line value indented like the marker it replaces (YAML block scalars)."""
    prefix = before if before.strip() == "" else ""
    return value.replace("\n", "\n" + prefix)


def pem(c, kind="RSA PRIVATE KEY", placeholder="pem"):
    """A fake private key block of the right structure (`{{pem:KIND}}` of `leakgate rules
    expand`): leakgate checks key structure, so random bytes would not pass."""
    shape = {"RSA PRIVATE KEY": "rsa", "PRIVATE KEY": "pkcs8", "OPENSSH PRIVATE KEY": "openssh"}[kind]
    return [f"-----BEGIN {kind}-----", c.fake("{{" + placeholder + ":" + shape + "}}"), f"-----END {kind}-----"]


def jwt(c):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    return enc({"alg": "HS256", "typ": "JWT"}) + "." + enc({"sub": c.r(string.digits, 8), "role": "service"}) + "." + c.r(B64URL, 43)


def build(c):
    P, N = True, False
    # cloud
    c.add("deploy/.aws/credentials", ["[default]", (f"aws_access_key_id = AKIA{c.r('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}", "cloud", P),
                                      (f"aws_secret_access_key = {c.r(B64, 40)}", "cloud", P), "region = eu-west-1"])
    c.add("web/src/firebase.js", ["const firebaseConfig = {", (f'  apiKey: "AIza{c.r(B64URL, 35)}",', "cloud", P), '  projectId: "shop-prod",', "};"])
    c.add("api/appsettings.json", ["{", '  "Storage": {', (f'    "Conn": "DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey={c.r(B64, 86)}==;EndpointSuffix=core.windows.net"', "cloud", P), "  }", "}"])
    c.add("infra/.env.azure", [(f"AZURE_CLIENT_SECRET={c.r(ALNUM, 3)}8Q~{c.r(ALNUM + '_-', 34)}", "cloud", P), "AZURE_TENANT_ID=" + "-".join(c.r(HEX, n) for n in (8, 4, 4, 4, 12))])
    sa = '{"type": "service_account", "project_id": "etl", "private_key": "' + "\\n".join(pem(c, "PRIVATE KEY", "pemesc")) + '\\n", "client_email": "etl@etl.iam.gserviceaccount.com"}'
    c.add("etl/service-account.json", [(sa, "keys", P)])
    # vcs
    c.add("scripts/release.sh", ["#!/bin/sh", (f"export GITHUB_TOKEN={c.gh()}", "vcs", P), 'gh release create "$TAG"'])
    c.add(".github/workflows/sync.yml", ["env:", (f"  GH_PAT: github_pat_{c.r(ALNUM, 22)}_{c.r(ALNUM, 59)}", "vcs", P)])
    c.add("tools/gitlab.toml", ["[gitlab]", 'url = "https://gitlab.acme.io"', (f'token = "glpat-{c.r(ALNUM, 20)}"', "vcs", P)])
    c.add("tools/oauth.go", ["package tools", (f'const oauthToken = "{c.gh("gho_")}"', "vcs", P)])
    # chat
    c.add("bots/notify.py", ["import slack_sdk", (f'client = slack_sdk.WebClient(token="xoxb-{c.r(string.digits, 12)}-{c.r(string.digits, 13)}-{c.r(ALNUM, 24)}")', "chat", P)])
    c.add("bots/hooks.json", ["{", (f'  "alerts": "https://hooks.slack.com/services/T{c.r(string.ascii_uppercase + string.digits, 10)}/B{c.r(string.ascii_uppercase + string.digits, 10)}/{c.r(ALNUM, 24)}"', "chat", P), "}"])
    c.add("bots/discord.js", ["const { Client } = require('discord.js');", (f"const DISCORD_TOKEN = 'M{c.r(ALNUM, 25)}.{c.r(ALNUM, 6)}.{c.r(B64URL, 38)}';", "chat", P)])
    c.add("bots/telegram.go", ["package bots", (f'var botToken = "{c.r(string.digits, 10)}:AA{c.r(B64URL, 33)}"', "chat", P)])
    # payments
    c.add("billing/stripe.rb", ["require 'stripe'", (f"Stripe.api_key = 'sk_live_{c.r(ALNUM, 24)}'", "payments", P)])
    c.add("billing/webhook.php", ["<?php", (f"$endpoint_secret = 'whsec_{c.r(ALNUM, 32)}';", "payments", P)])
    c.add("billing/square.yaml", ["square:", (f"  app_secret: sq0csp-{c.r(B64URL, 43)}", "payments", P)])
    # ai
    c.add("ml/client.py", ["from openai import OpenAI", (f'client = OpenAI(api_key="sk-proj-{c.r(B64URL, 74)}T3BlbkFJ{c.r(B64URL, 74)}")', "ai", P)])
    c.add("ml/claude.ts", [(f'export const ANTHROPIC_API_KEY = "sk-ant-api03-{c.r(B64URL, 93)}AA";', "ai", P)])
    c.add("ml/hub.ipynb", ['{"cells": [{"source": [', (f'"login(token=\\"hf_{c.r(string.ascii_letters, 34)}\\")"', "ai", P), "]}]}"])
    # messaging
    c.add("mail/Sender.cs", ["public class Sender {", (f'  const string Key = "SG.{c.r(B64URL, 22)}.{c.r(B64URL, 43)}";', "messaging", P), "}"])
    c.add("sms/Twilio.java", ["class Twilio {", (f'  static final String TWILIO_AUTH_TOKEN = "{c.r(HEX, 32)}";', "messaging", P), "}"])
    c.add("mail/mailgun.env", [(f"MAILGUN_API_KEY=key-{c.r(HEX, 32)}", "messaging", P)])
    # registries
    c.add("pkg/.npmrc", ["registry=https://registry.npmjs.org/", (f"//registry.npmjs.org/:_authToken={c.gh('npm_')}", "registries", P)])
    c.add("pkg/.pypirc", ["[pypi]", "username = __token__", (f"password = pypi-AgEIcHlwaS5vcmc{c.r(B64URL, 150)}", "registries", P)])
    c.add("pkg/publish.sh", [(f"echo dckr_pat_{c.r(B64URL, 27)} | docker login -u ci --password-stdin", "registries", P)])
    # saas
    c.add("infra/monitoring.tf", ['provider "datadog" {', (f'  api_key = "{c.r(HEX, 32)}"', "saas", P), "}"])
    c.add("infra/do.env", [(f"DIGITALOCEAN_TOKEN=dop_v1_{c.r(HEX, 64)}", "saas", P)])
    c.add("infra/vault.hcl", [(f'token = "hvs.{c.r(B64URL, 90)}"', "saas", P)])
    c.add("shop/config.yml", [(f"shopify_token: shpat_{c.r(HEX, 32)}", "saas", P)])
    c.add("data/databricks.cfg", ["[DEFAULT]", "host = https://adb-1.azuredatabricks.net", (f"token = dapi{c.r(HEX, 32)}", "saas", P)])
    # keys
    c.add("certs/server.key", [(l, "keys", P) if i == 0 else l for i, l in enumerate(pem(c))])
    c.add("certs/id_ed25519", [(l, "keys", P) if i == 0 else l for i, l in enumerate(pem(c, "OPENSSH PRIVATE KEY"))])
    c.add("api/requests.http", ["GET https://api.acme.io/v1/me", (f"Authorization: Bearer {jwt(c)}", "jwt", P)])
    # database
    c.add("svc/.env", [(f"DATABASE_URL=postgres://app:{c.r(ALNUM, 20)}@db.acme.io:5432/app", "database", P)])
    c.add("svc/db.js", [(f"const uri = 'mongodb+srv://svc:{c.r(ALNUM, 18)}@cluster0.ab1cd.mongodb.net/prod';", "database", P)])
    c.add("svc/application.properties", [(f"spring.datasource.url=jdbc:mysql://report:{c.r(ALNUM, 16)}@mysql.acme.io:3306/sales", "database", P)])
    c.add("svc/web.config", ["<connectionStrings>", (f'  <add name="db" connectionString="Server=sql.acme.io;Database=hr;User Id=app;Password={c.r(ALNUM, 18)};" />', "database", P), "</connectionStrings>"])
    c.add("svc/docker-compose.yml", ["services:", "  worker:", "    environment:", (f"      - REDIS_URL=redis://:{c.r(ALNUM, 32)}@cache.acme.io:6379/0", "database", P)])
    # passwords in config and code
    c.add("conf/app.yaml", ["db:", "  user: app", (f'  password: "{c.r(ALNUM, 10)}{c.r(string.digits, 3)}!"', "password", P)])
    c.add("conf/settings.json", ["{", (f'  "smtpPassword": "{c.r(ALNUM, 12)}{c.r(string.digits, 2)}",', "password", P), '  "smtpUser": "mailer"', "}"])
    c.add("conf/app.ini", ["[ldap]", (f"bind_password = {c.r(ALNUM, 11)}{c.r(string.digits, 3)}", "password", P)])
    c.add("conf/beans.xml", ["<beans>", (f'  <property name="password" value="{c.r(ALNUM, 14)}{c.r(string.digits, 2)}"/>', "password", P), "</beans>"])
    c.add("conf/main.tf", ['resource "aws_db_instance" "main" {', (f'  password = "{c.r(ALNUM, 16)}{c.r(string.digits, 2)}"', "password", P), "}"])
    c.add("conf/config.php", ["<?php return [", (f"  'db_password' => '{c.r(ALNUM, 12)}{c.r(string.digits, 2)}',", "password", P), "];"])
    c.add("conf/Settings.kt", [(f'val adminPassword = "{c.r(ALNUM, 12)}{c.r(string.digits, 2)}"', "password", P)])
    # internal hosts
    c.add("conf/hosts.ini", ["[db]", (f"host = 10.{c.rng.randint(1, 250)}.{c.rng.randint(1, 250)}.{c.rng.randint(1, 250)}", "host", P)])
    c.add("conf/cache.yaml", [(f"redis_host: cache-{c.r(string.ascii_lowercase, 5)}.prod.internal", "host", P)])
    c.add("conf/rds.tf", [(f'  endpoint = "orders.{c.r(string.ascii_lowercase + string.digits, 12)}.eu-west-1.rds.amazonaws.com"', "host", P)])
    # generic
    c.add("app/settings.py", ["DEBUG = False", (f"SECRET_KEY = '{c.r(ALNUM + '!@#%^&*-_', 50)}'", "generic", P)])
    c.add("app/client.rb", [(f'API_KEY = "{c.r(ALNUM, 32)}"', "generic", P)])
    c.add("app/oauth.json", ["{", (f'  "client_secret": "{c.r(B64URL, 40)}"', "generic", P), "}"])

    # data platform: orchestration, warehouses, cluster configs
    c.add("k8s/etl-deployment.yaml", ["      containers:", "        - name: etl", "          env:", "            - name: WAREHOUSE_USER", "              value: etl",
                                      "            - name: WAREHOUSE_PASSWORD", (f'              value: "{c.r(ALNUM, 14)}{c.r(string.digits, 2)}"', "password", P)])
    c.add("ecs/task-def.json", ['{"containerDefinitions": [{"environment": [', (f'  {{"name": "SNOWFLAKE_PASSWORD", "value": "{c.r(ALNUM, 16)}{c.r(string.digits, 2)}"}}', "password", P), "]}]}"])
    c.add("hadoop/core-site.xml", ["<configuration>", "  <property>", "    <name>fs.s3a.secret.key</name>", (f"    <value>{c.r(B64, 40)}</value>", "cloud", P), "  </property>", "</configuration>"])
    c.add("airflow/airflow.cfg", ["[core]", (f"fernet_key = {c.r(B64URL, 43)}=", "keys", P)])
    c.add("dbt/.env", [(f"DBT_CLOUD_API_TOKEN=dbtc_{c.r(B64URL, 56)}", "saas", P)])
    c.add("infra/tailscale.sh", [(f"tailscale up --authkey=tskey-auth-{c.r(ALNUM, 11)}CNTRL-{c.r(ALNUM, 33)}", "saas", P)])
    c.add("spark/spark-defaults.conf", [(f"spark.hadoop.fs.s3a.secret.key {c.r(B64, 40)}", "cloud", P)])
    c.add("ops/.pgpass", [(f"warehouse.prod.internal:5432:analytics:etl:{c.r(ALNUM, 18)}", "database", P)])
    c.add("ops/liquibase.properties", ["url: jdbc:oracle:thin:@db:1521/ORCL", "username: app", (f"password: {c.r(string.ascii_letters, 16)}", "password", P)])
    c.add("web/wp-config.php", ["<?php", (f"define( 'DB_PASSWORD', '{c.r(ALNUM, 14)}{c.r(string.digits, 2)}' );", "password", P)])
    c.add("web/config/secrets.yml", ["production:", (f"  secret_key_base: {c.r(HEX, 128)}", "generic", P)])
    c.add("web/.env.media", [(f"CLOUDINARY_URL=cloudinary://{c.r(string.digits, 15)}:{c.r(B64URL, 27)}@acme", "saas", P)])
    c.add("ops/vpn/client.ovpn", ["client", "<tls-auth>", ("-----BEGIN OpenVPN Static key V1-----", "keys", P)] + [c.r(HEX, 32) for _ in range(16)] + ["-----END OpenVPN Static key V1-----", "</tls-auth>"])
    c.add("ops/nginx/.htpasswd", [(f"admin:$apr1${c.r(ALNUM, 8)}${c.r(ALNUM + './', 22)}", "password", P)])
    c.add("ml/kaggle.json", [(f'{{"username":"datasci","key":"{c.r(HEX, 32)}"}}', "ai", P)])
    c.add("ops/vault-init.txt", [(f"Unseal Key 1: {c.r(B64, 44)}", "keys", P), "Unseal Key 2: <stored in the safe>"])
    c.add("svc/main.go", ["package main", (f'var dsn = "etl:{c.r(ALNUM, 16)}@tcp(mysql.internal:3306)/sales"', "database", P)])
    c.add("web/db.php", ["<?php", (f"$pdo = new PDO('mysql:host=db;dbname=shop', 'shop', '{c.r(ALNUM, 14)}{c.r(string.digits, 2)}');", "database", P)])
    c.add("web/Web.config", ["<appSettings>", (f'  <add key="StripeSecretKey" value="{c.r(ALNUM, 32)}" />', "generic", P), '  <add key="TokenLifetimeMinutes" value="30" />', "</appSettings>"])
    c.add("k8s/secret-stringdata.yaml", ["apiVersion: v1", "kind: Secret", "stringData:", (f"  DB_PASSWORD: {c.r(ALNUM, 16)}{c.r(string.digits, 2)}", "password", P)])

    # hard negatives: placeholders, look-ups, wrong shapes, hashes, ids, public material
    negs = [
        ("neg/tokens.sh", f"export GITHUB_TOKEN={c.gh(valid=False)}", "vcs", "wrong checksum"),
        ("neg/tokens.sh", "export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "vcs", "placeholder"),
        ("neg/aws.ini", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "cloud", "vendor sample"),
        ("neg/aws.ini", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "cloud", "vendor sample"),
        ("neg/stripe.js", f"const publishable = 'pk_live_{c.r(ALNUM, 24)}';", "payments", "public material"),
        ("neg/config.yaml", "password: ${DB_PASSWORD}", "password", "reference"),
        ("neg/config.yaml", "api_key: {{ .Values.apiKey }}", "generic", "reference"),
        ("neg/settings.py", "PASSWORD = os.environ['DB_PASSWORD']", "password", "reference"),
        ("neg/settings.py", "API_KEY = os.getenv('API_KEY')", "generic", "reference"),
        ("neg/app.env", "DB_PASSWORD=changeme", "password", "placeholder"),
        ("neg/app.env", "API_KEY=<your-api-key>", "generic", "placeholder"),
        ("neg/app.env", "SECRET=********", "generic", "placeholder"),
        ("neg/package-lock.json", f'      "integrity": "sha512-{c.r(B64, 86)}==",', "generic", "hash or id"),
        ("neg/checksums.txt", f"checksum = {c.r(HEX, 64)}", "generic", "hash or id"),
        ("neg/ids.json", '  "request_id": "' + "-".join(c.r(HEX, n) for n in (8, 4, 4, 4, 12)) + '",', "generic", "hash or id"),
        ("neg/ids.json", f'  "commit": "{c.r(HEX, 40)}",', "generic", "hash or id"),
        ("neg/api.json", '  "token_type": "bearer",', "generic", "code or prose"),
        ("neg/api.json", f'  "nextToken": "{c.r(B64, 40)}",', "generic", "hash or id"),
        ("neg/db.env", "DATABASE_URL=postgres://user:password@localhost:5432/app", "database", "local default"),
        ("neg/db.env", "DATABASE_URL=postgres://postgres:postgres@localhost:5432/dev", "database", "local default"),
        ("neg/db.env", "DATABASE_URL=postgres://${DB_USER}:${DB_PASS}@${DB_HOST}/app", "database", "reference"),
        ("neg/hosts.yaml", "host: 127.0.0.1", "host", "local default"),
        ("neg/hosts.yaml", "bind: 0.0.0.0", "host", "local default"),
        ("neg/hosts.yaml", "version: 10.2.3.4", "host", "code or prose"),
        ("neg/hosts.yaml", "host: api.github.com", "host", "code or prose"),
        ("neg/id_ed25519.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{c.r(B64, 43)} dev@laptop", "keys", "public material"),
        ("neg/README.md", "Set `password` in your config; never commit it.", "password", "code or prose"),
        ("neg/README.md", "Generate a token at https://github.com/settings/tokens and export GITHUB_TOKEN.", "vcs", "code or prose"),
        ("neg/ci.yml", "      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}", "vcs", "reference"),
        ("neg/docs.md", "    curl -u admin:password https://example.com/api", "password", "placeholder"),
        ("neg/style.css", f".logo {{ background: url(data:image/png;base64,{c.r(B64, 120)}); }}", "generic", "hash or id"),
        ("neg/types.ts", "  password: string;", "password", "code or prose"),
        ("neg/model.go", "\tPassword string `json:\"password\"`", "password", "code or prose"),
        ("neg/jwt.txt", "token = eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.", "jwt", "public material"),
        ("neg/slack.md", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "chat", "vendor sample"),
        ("neg/openai.md", "OPENAI_API_KEY=sk-...", "ai", "placeholder"),
        ("neg/keys.pem", "-----BEGIN PUBLIC KEY-----", "keys", "public material"),
        ("neg/test_login.py", "    login(user='alice', password='password')", "password", "local default"),
        ("neg/Main.java", "    String password = request.getParameter(\"password\");", "password", "code or prose"),
        ("neg/config.tf", "  password = var.db_password", "password", "reference"),
        ("neg/deploy.yaml", "            - name: DB_PASSWORD_FILE\n              value: /run/secrets/db_password", "password", "reference"),
        ("neg/deploy.yaml", "            - name: TOKEN_TTL_SECONDS\n              value: \"86400\"", "generic", "code or prose"),
        ("neg/deploy.yaml", "            - name: API_TOKEN\n              valueFrom:", "generic", "reference"),
        ("neg/hdfs-site.xml", "<property><name>dfs.namenode.delegation.token.max-lifetime</name><value>604800000</value></property>", "generic", "code or prose"),
        ("neg/hive-site.xml", "<property><name>javax.jdo.option.ConnectionPassword</name><value>${env:HIVE_DB_PASSWORD}</value></property>", "password", "reference"),
        ("neg/airflow.cfg", "fernet_key = {FERNET_KEY}", "keys", "reference"),
        ("neg/wp-config.php", "define( 'AUTH_KEY', 'put your unique phrase here' );", "password", "placeholder"),
        ("neg/seed.sql", f"INSERT INTO users (email, password_hash) VALUES ('a@b.c', '$2b$12${c.r(ALNUM, 53)}');", "password", "hash or id"),
        ("neg/package.json", '    "lib": "git+ssh://git@github.com:acme/lib.git#v1.2.0",', "generic", "code or prose"),
        ("neg/models.py", "    password: OAuthFlowPassword | None = None", "password", "code or prose"),
        ("neg/deploy.yaml", "            - name: KEYCLOAK_TOKEN_ISSUER\n              value: acme-realm-prod", "generic", "code or prose"),
    ]
    for path, line, category, kind in negs:
        c.kind = kind
        c.add(path, [(line, category, N)])
    c.kind = None
    build_credentials(c)
    build_credential_lookalikes(c)


CRYPT = ALNUM + "./"


def build_credentials(c):
    """Credentials that are not tokens: hashes, Kerberos/NTLM material, command lines, code shapes."""
    P = True
    pw = lambda n=12: c.r(ALNUM, n) + c.r(string.digits, 2) + c.rng.choice("!#%")
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    c.add("ops/image/etc/shadow", ["daemon:*:19000:0:99999:7:::", (f"root:$6${c.r(CRYPT, 16)}${c.r(CRYPT, 86)}:19000:0:99999:7:::", "credentials", P),
                                   (f"deploy:$y$j9T${c.r(CRYPT, 22)}${c.r(CRYPT, 43)}:19500:0:99999:7:::", "credentials", P)])
    c.add("ops/cloud-init.yaml", ["users:", "  - name: ops", (f"    passwd: $6$rounds=4096${c.r(CRYPT, 16)}${c.r(CRYPT, 86)}", "credentials", P)])
    c.add("ops/loot/hashes.txt", [(f"Administrator:500:aad3b435b51404eeaad3b435b51404ee:{c.r(HEX, 32)}:::", "credentials", P),
                                  (f"$krb5tgs$23$*svc_sql$CORP.LOCAL$MSSQLSvc/sql01.corp.local*${c.r(HEX, 32)}${c.r(HEX, 600)}", "credentials", P),
                                  (f"$krb5asrep$23$alice@CORP.LOCAL:{c.r(HEX, 32)}${c.r(HEX, 232)}", "credentials", P),
                                  (f"alice::CORP:{c.r(HEX, 16)}:{c.r(HEX, 32)}:0101000000000000{c.r(HEX, 240)}", "credentials", P),
                                  (f"CORP.LOCAL\\\\svc_sql:aes256-cts-hmac-sha1-96:{c.r(HEX, 64)}", "credentials", P)])
    c.add("ops/loot/lsass.txt", ["Authentication Id : 0 ; 996 (00000000:000003e4)", "         * Username : svc_web",
                                 (f"         * NTLM     : {c.r(HEX, 32)}", "credentials", P)])
    c.add("app/users.py", [(f"ADMIN_HASH = '$argon2id$v=19$m=65536,t=3,p=4${c.r(B64, 22)}${c.r(B64, 43)}'", "credentials", P)])
    c.add("app/fixtures/admin.json", [(f'  {{"username": "admin", "password": "pbkdf2_sha256$600000${c.r(ALNUM, 22)}${c.r(B64, 43)}="}}', "credentials", P)])
    c.add("net/core-sw01.cfg", ["hostname core-sw01", (f"username netops privilege 15 password 7 0{c.r(string.digits, 1)}{c.r('0123456789ABCDEF', 18)}", "credentials", P)])
    c.add("ldap/users.ldif", ["dn: uid=svc,ou=people,dc=acme,dc=io", (f"userPassword: {{SSHA}}{c.r(B64, 32)}", "credentials", P)])
    c.add("ops/deploy.bat", ["@echo off", (f"psexec \\\\app01 -u CORP\\deploy -p {pw()} cmd /c deploy.cmd", "cli", P),
                             (f"net use \\\\fs01\\builds /user:CORP\\svc_build {pw()}", "cli", P),
                             (f"cmdkey /generic:TERMSRV/app01 /user:CORP\\ops /pass:{pw()}", "cli", P)])
    c.add("ops/backup.sh", ["#!/bin/sh", (f"smbclient //fs01/backup -U svc_bkp%{pw()} -c 'put dump.gz'", "cli", P),
                            (f"ldapsearch -x -H ldaps://dir.acme.io -D cn=sync,dc=acme,dc=io -w {pw()} -b dc=acme,dc=io", "cli", P),
                            (f"sqlcmd -S sql01 -U backup -P {pw()} -Q 'BACKUP DATABASE hr TO DISK=...'", "cli", P),
                            (f"PGPASSWORD={pw()} pg_dump -h db.acme.io -U app app > app.sql", "cli", P),
                            (f"echo '{pw()}' | sudo -S systemctl restart app", "cli", P),
                            (f"ipmitool -I lanplus -H 10.9.0.12 -U root -P {pw()} chassis power cycle", "cli", P),
                            (f"sqlplus -s etl/{pw()}@PRODDB @nightly.sql", "cli", P)])
    c.add("ops/Setup.ps1", [(f"$secure = ConvertTo-SecureString '{pw()}' -AsPlainText -Force", "cli", P)])
    c.add("web/wp-config.php", [(f"define( 'SECURE_AUTH_KEY',  '{c.r(ALNUM + '!@#%^&*()-_[]<>~+=,.;:/?| ', 64)}' );", "generic", P)])
    c.add("web/mysite/settings.py", [(f"SECRET_KEY = 'django-insecure-{c.r(string.ascii_lowercase + string.digits + '!@#%^&*(-_=+)', 50)}'", "generic", P)])
    c.add("web/.env.laravel", [(f"APP_KEY=base64:{c.r(B64, 43)}=", "generic", P)])
    c.add("svc/src/Jwt.java", [(f'    return Jwts.builder().setSubject(user).signWith(key).jwtSecret("{c.r(ALNUM, 32)}").compact();', "generic", P)])
    c.add("svc/oauth.py", ["PARAMS = [", (f'    ("client_secret", "{c.r(B64URL, 40)}"),', "generic", P), "]"])
    c.add("svc/config.toml", ["[secrets]", (f'github = "{c.r(ALNUM, 40)}"', "generic", P)])
    c.add("svc/client.js", [(f"fetch(url, {{ headers: {{ Authorization: 'Token {c.r(HEX, 40)}' }} }});", "generic", P)])
    c.add("ops/nginx/site.conf", ["location /api/ {", (f'    proxy_set_header X-Api-Key "{c.r(ALNUM, 32)}";', "generic", P), "}"])
    c.add("notebooks/explore.ipynb", ['{"cells": [{"source": [', (f'"headers = {{\\"Authorization\\": \\"Bearer {c.r(ALNUM, 48)}\\"}}\\n"', "generic", P), "]}]}"])
    c.add("web/db.php", [(f"$link = mysqli_connect('db01.acme.io', 'shop', '{pw()}', 'shop');", "database", P)])
    c.add("home/.pgpass", [(f"warehouse.acme.io:26257:dw:etl:{pw()}", "database", P)])
    c.add("home/.netrc", [(f"default login deploy password {pw()}", "password", P)])


def build_credential_lookalikes(c):
    """Look-alikes of the classes above, written in their own pass."""
    N = False
    negs = [
        ("neg/replace.js", 'const out = s.replace(/(\\d+)-(\\d+)/, "$1$2");', "credentials", "code or prose"),
        ("neg/shadow", "daemon:*:19000:0:99999:7:::", "credentials", "code or prose"),
        ("neg/shadow", "sshd:!!:19000::::::", "credentials", "code or prose"),
        ("neg/README.md", "The hashcat mode for Kerberos TGS-REP etype 23 is 13100 ($krb5tgs$23$).", "credentials", "code or prose"),
        ("neg/hashes.txt", "Guest:501:aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0:::", "credentials", "vendor sample"),
        ("neg/mac.txt", "12:34:56:78:9abcdef0", "database", "hash or id"),
        ("neg/go-test.log", "--- PASS: TestPasswordReset/expired_token (0.02s)", "password", "tool output"),
        ("neg/App.config", '<add assembly="System.Web, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a" />', "generic", "hash or id"),
        ("neg/run.bat", "set DB_PASSWORD=%DB_PASSWORD%", "password", "reference"),
        ("neg/run.bat", "net use \\\\fs01\\share %SVC_PASSWORD% /user:svc", "cli", "reference"),
        ("neg/run.ps1", "$password = $env:DB_PASSWORD", "password", "reference"),
        ("neg/admin.md", "    docker login -u USERNAME -p PASSWORD registry.example.com", "cli", "placeholder"),
        ("neg/admin.md", "    curl -u <user:password> https://api.example.com", "cli", "placeholder"),
        ("neg/admin.md", "    ldapsearch -x -D cn=admin,dc=example,dc=org -W -b dc=example,dc=org", "cli", "code or prose"),
        ("neg/admin.md", "    keytool -list -keystore cacerts -storepass changeit", "cli", "local default"),
        ("neg/admin.md", '    echo "$SUDO_PASS" | sudo -S true', "cli", "reference"),
        ("neg/admin.md", "    sqlplus / as sysdba", "cli", "code or prose"),
        ("neg/admin.md", "    Authorization: Token <your-token>", "generic", "placeholder"),
        ("neg/tokens.env", "GITLAB_TOKEN=glpat-my-token-here", "vcs", "placeholder"),
        ("neg/tokens.env", "OPENAI_API_KEY=sk-your-key-here", "ai", "placeholder"),
        ("neg/settings.py", "SECRET_KEY = get_random_secret_key()", "generic", "code or prose"),
        ("neg/settings.py", 'pairs = [("password", "password_confirmation")]', "generic", "code or prose"),
        ("neg/wp-config-sample.php", "define( 'AUTH_KEY',         'put your unique phrase here' );", "generic", "placeholder"),
        ("neg/grammar.toml", "[tokens]\nIDENT = \"[A-Za-z_][A-Za-z0-9_]*\"", "generic", "code or prose"),
        ("neg/style.css", 'input[type="password"]:focus { border-color: #4a90d9; }', "password", "code or prose"),
        ("neg/docs/accounts.md", "* Password : the password of the service account", "credentials", "code or prose"),
        ("neg/krb5.conf", "    permitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96", "credentials", "code or prose"),
        ("neg/compose.yml", "    command: --requirepass ${REDIS_PASSWORD:?set REDIS_PASSWORD}", "password", "reference"),
    ]
    for path, line, category, kind in negs:
        c.kind = kind
        c.add(path, [(line, category, N)])
    c.kind = None
