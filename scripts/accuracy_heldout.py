#!/usr/bin/env python3
"""The held-out part of the labelled corpus (issue 12): classes the regression part covers
thinly, in the file types people use (code in ten languages, config, notebooks, manifests, logs,
docs). Written in two sittings without reading the rules' regexes: the positives first (from the
vendors' documented formats), committed, then the look-alikes. leakgate's misses here are
reported, not tuned away; CI does not gate on this part.
"""
import base64
import json
import string
import urllib.parse
import uuid as _uuid

from accuracy_corpus import ALNUM, B64, B64URL, HEX

P, N = True, False
ROOT = "ho/"  # every held-out file lives under it
UPPER_ALNUM = string.ascii_uppercase + string.digits
CRYPT = ALNUM + "./"


def build(c):
    positives(c)
    lookalikes(c)
    round2(c)
    round2_lookalikes(c)


def helpers(c):
    pw = lambda n=12: c.r(ALNUM, n) + c.r(string.digits, 2) + c.rng.choice("!#%")
    uid = lambda: str(_uuid.UUID(int=c.rng.getrandbits(128)))
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    b64u = lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    return pw, uid, b64, b64u


def positives(c):
    tokens(c)
    credentials(c)
    encoded(c)
    code_shapes(c)


def tokens(c):
    """Provider tokens in code, config, logs and docs."""
    pw, uid, b64, b64u = helpers(c)
    d = string.digits
    c.add("ho/rust/src/slack.rs", ["use slack::Client;", (f'let client = Client::new("xoxp-{c.r(d, 10)}-{c.r(d, 12)}-{c.r(d, 13)}-{c.r(HEX, 32)}");', "chat", P)])
    mapbox = "sk." + b64u(json.dumps({"u": "acme-maps", "a": c.r("abcdefghijklmnopqrstuvwxyz0123456789", 25)})) + "." + c.r(B64URL, 22)
    c.add("ho/ios/Maps/Config.swift", ["import MapboxMaps", (f'let mapboxDownloadsToken = "{mapbox}"', "saas", P)])
    c.add("ho/scala/Jira.scala", ["object Jira {", (f'  val apiToken = "ATATT3xFfGF0{c.r(B64URL, 170)}={c.r("0123456789ABCDEF", 8)}"', "saas", P), "}"])
    c.add("ho/tf/grafana.tf", ['provider "grafana" {', '  url  = "https://acme.grafana.net"', (f'  auth = "glsa_{c.r(ALNUM, 32)}_{c.r(HEX, 8)}"', "saas", P), "}"])
    glc = "glc_" + b64(json.dumps({"o": c.r(d, 6), "n": "stack-" + c.r(d, 6) + "-hm-write", "k": c.r(ALNUM, 24), "m": {"r": "prod-eu-west-0"}}))
    c.add("ho/k8s/alloy-values.yaml", ["alloy:", "  remoteWrite:", (f"    password: {glc}", "saas", P)])
    c.add("ho/java/sumo.properties", ["sumo.endpoint=https://api.eu.sumologic.com/api/", (f"sumo.accessId=su{c.r(ALNUM, 12)}", "saas", P),
                                      (f"sumo.accessKey={c.r(ALNUM, 64)}", "saas", P)])
    c.add("ho/logs/okta-sync.log", ["2026-11-30T10:00:01Z INFO sync start", (f"2026-11-30T10:00:02Z DEBUG request headers: {{'Authorization': 'SSWS 00{c.r(B64URL, 40)}', 'Accept': 'application/json'}}", "saas", P)])
    c.add("ho/ops/teams.json", ["{", (f'  "teamsWebhook": "https://acme.webhook.office.com/webhookb2/{uid()}@{uid()}/IncomingWebhook/{c.r(HEX, 32)}/{uid()}"', "chat", P), "}"])
    c.add("ho/ops/slack-app.env", [(f"SLACK_REFRESH_TOKEN=xoxe-1-My0xLTE{c.r(ALNUM, 130)}", "chat", P)])
    discord = b64(c.r(d, 18)).rstrip("=") + "." + c.r(B64URL, 6) + "." + c.r(B64URL, 38)
    c.add("ho/py/bot.py", ["import discord", "bot = discord.Client(intents=discord.Intents.default())", (f'bot.run("{discord}")', "chat", P)])
    c.add("ho/php/facebook.php", ["<?php", (f"$fb->setDefaultAccessToken('EAAB{c.r(ALNUM, 180)}');", "saas", P)])
    c.add("ho/web/.env.production", ["FACEBOOK_APP_ID=" + c.r(d, 15), (f"FACEBOOK_APP_SECRET={c.r(HEX, 32)}", "saas", P)])
    c.add("ho/android/Backup.kt", [(f'private const val DROPBOX_TOKEN = "sl.{c.r(B64URL, 135)}"', "saas", P)])
    c.add("ho/ruby/square.rb", ["require 'square'", (f"client = Square::Client.new(access_token: 'EAAA{c.r(B64URL, 60)}', environment: 'production')", "payments", P)])
    c.add("ho/ops/ibm.sh", ["#!/bin/bash", (f"ibmcloud login --apikey {c.r(B64URL, 44)} -r eu-de", "cloud", P)])
    sig = urllib.parse.quote(base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(32))).decode(), safe="")
    c.add("ho/cs/Upload.cs", ["var container = new BlobContainerClient(new Uri(", (f'  "https://prodlogs.blob.core.windows.net/uploads?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2027-06-01T00:00:00Z&spr=https&sig={sig}"));', "cloud", P)])
    c.add("ho/tf/storage.auto.tfvars", ['storage_account_name = "acmeprodlogs"', (f'storage_account_key  = "{c.r(B64, 86)}=="', "cloud", P)])
    c.add("ho/docker/Dockerfile", ["FROM ruby:3.3", (f"ENV BUNDLE_ENTERPRISE__CONTRIBSYS__COM={c.r(HEX, 8)}:{c.r(HEX, 8)}", "registries", P), "RUN bundle install"])
    c.add("ho/ruby/Gemfile", ['source "https://rubygems.org"', (f'source "https://{c.r(HEX, 8)}:{c.r(HEX, 8)}@gems.contribsys.com/" do', "registries", P), '  gem "sidekiq-pro"', "end"])
    c.add("ho/go/scrape.go", ["package scrape", (f'const scrapingBeeKey = "{c.r(UPPER_ALNUM, 80)}"', "saas", P)])
    c.add("ho/js/mail.js", ["const mg = mailgun.client({", "  username: 'api',", (f"  key: 'key-{c.r(HEX, 32)}',", "messaging", P), "});"])
    c.add("ho/home/.zshrc", ["export PATH=$HOME/bin:$PATH", (f"export SRC_ACCESS_TOKEN=sgp_{c.r(HEX, 16)}_{c.r(HEX, 40)}", "vcs", P)])
    c.add("ho/ops/bitbucket.cfg", ["[bitbucket]", (f"http_access_token = BBDC-{c.r(ALNUM, 44)}", "vcs", P)])
    c.add("ho/py/truenas.py", ["import requests", (f'HEADERS = {{"Authorization": "Bearer {c.rng.randint(1, 20)}-{c.r(ALNUM, 64)}"}}', "saas", P),
                               'requests.get("https://nas.lan/api/v2.0/pool", headers=HEADERS)'])
    c.add("ho/logs/ci-job.log", ["$ git fetch --prune", (f"Cloning into 'app'... remote: https://oauth2:glpat-{c.r(ALNUM, 20)}@gitlab.acme.io/web/app.git", "vcs", P)])
    c.add("ho/java/S3Config.java", ["class S3Config {", (f'  AWSCredentials creds = new BasicAWSCredentials("AKIA{c.r("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}", "{c.r(B64, 40)}");', "cloud", P), "}"])
    c.add("ho/cs/Billing.cs", [(f'StripeConfiguration.ApiKey = "rk_live_{c.r(ALNUM, 99)}";', "payments", P)])
    c.add("ho/ps/setup.ps1", [(f'$env:OPENAI_API_KEY = "sk-{c.r(ALNUM, 20)}T3BlbkFJ{c.r(ALNUM, 20)}"', "ai", P)])
    c.add("ho/nb/rag.ipynb", ['{"cells": [{"cell_type": "code", "source": [', '"import os\\n",', (f'"os.environ[\\"HUGGINGFACEHUB_API_TOKEN\\"] = \\"hf_{c.r(string.ascii_letters, 34)}\\"\\n"', "ai", P), "]}]}"])
    c.add("ho/docs/quickstart.md", ["## Quick start", "", "```bash", (f"export ANTHROPIC_API_KEY=sk-ant-api03-{c.r(B64URL, 93)}AA", "ai", P), "```"])
    c.add("ho/docs/deploy.rst", [".. code-block:: bash", "", (f"   heroku config:set STRIPE_SECRET_KEY=sk_live_{c.r(ALNUM, 24)}", "payments", P)])
    c.add("ho/helm/values-prod.yaml", ["alerts:", (f"  slackWorkflow: https://hooks.slack.com/workflows/T{c.r(UPPER_ALNUM, 8)}/A{c.r(UPPER_ALNUM, 10)}/{c.r(d, 18)}/{c.r(ALNUM, 24)}", "chat", P)])
    c.add("ho/k8s/tls-secret.yaml", ["apiVersion: v1", "kind: Secret", "type: kubernetes.io/tls", "stringData:", "  tls.key: |",
                                     ("    -----BEGIN EC PRIVATE KEY-----", "keys", P), "    " + c.fake("{{pem:ec}}"), "    -----END EC PRIVATE KEY-----"])


def credentials(c):
    """Credentials that are not tokens: git and netrc files, command lines, hashes, headers."""
    pw, uid, b64, b64u = helpers(c)
    c.add("ho/home/.git-credentials", [(f"https://jenkins:{pw()}@git.acme.io", "credentials", P)])
    c.add("ho/home/.netrc", ["machine api.heroku.com", "  login ops@acme.io", (f"  password {uid()}", "credentials", P)])
    c.add("ho/home/.pgpass", [(f"pgbouncer.acme.io:6432:billing:billing_rw:{pw()}", "database", P)])
    c.add("ho/wp/wp-config.php", ["<?php", (f"define( 'NONCE_SALT', '{c.r(ALNUM + '!@#%^&*()-_[]<>~+=,.;:/?|', 64)}' );", "generic", P)])
    c.add("ho/dj/settings/production.py", ["import environ", "env = environ.Env()", (f'SECRET_KEY = env("DJANGO_SECRET_KEY", default="{c.r(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)}")', "generic", P)])
    c.add("ho/ops/jenkins.sh", ["#!/bin/sh", (f"curl -s -u admin:{pw()} https://jenkins.acme.io/api/json", "cli", P),
                                (f"mysql -h db01.acme.io -u root -p{pw()} shop < dump.sql", "cli", P),
                                (f"sshpass -p '{pw()}' ssh deploy@app01.acme.io uptime", "cli", P)])
    c.add("ho/cs/Reports.cs", [(f'var conn = new OdbcConnection("Driver={{ODBC Driver 18 for SQL Server}};Server=sql01.acme.io;Database=hr;Uid=reports;Pwd={pw()};");', "database", P)])
    c.add("ho/nginx/upstream.conf", ["location /legacy/ {", "    proxy_pass http://legacy;", (f'    proxy_set_header Authorization "Basic {b64("svc_proxy:" + pw())}";', "credentials", P), "}"])
    c.add("ho/go/client.go", ["package client", (f'func auth(req *http.Request) {{ req.Header.Set("Authorization", "Bearer {c.r(ALNUM, 40)}") }}', "generic", P)])
    c.add("ho/web/.htpasswd", [(f"admin:$2y$05${c.r(CRYPT, 53)}", "credentials", P)])
    c.add("ho/img/etc/shadow", ["bin:*:19000:0:99999:7:::", (f"ops:$1${c.r(CRYPT, 8)}${c.r(CRYPT, 22)}:19000:0:99999:7:::", "credentials", P),
                                (f"app:$5${c.r(CRYPT, 16)}${c.r(CRYPT, 43)}:19000:0:99999:7:::", "credentials", P)])
    c.add("ho/java/Db.java", [(f'Connection conn = DriverManager.getConnection("jdbc:postgresql://db01.acme.io:5432/app", "app", "{pw()}");', "database", P)])


def encoded(c):
    """Secrets under an encoding: base64, percent-encoding, JSON string escapes, HTML entities."""
    pw, uid, b64, b64u = helpers(c)
    c.add("ho/helm/templates/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: {{ .Release.Name }}-db", "data:",
                                            (f"  password: {b64(pw(16))}", "encoded", P)])
    c.add("ho/k8s/secret.json", ['{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api"},', (f' "data": {{"api-token": "{b64(c.r(ALNUM, 40))}"}}}}', "encoded", P)])
    c.add("ho/ci/deploy.yml", ["variables:", (f"  ENV_FILE_B64: {b64('STRIPE_SECRET_KEY=sk_live_' + c.r(ALNUM, 24) + chr(10) + 'DEBUG=0' + chr(10))}", "encoded", P)])
    c.add("ho/svc/celery.env", [(f"BROKER_URL=amqp://svc:{urllib.parse.quote(c.r(ALNUM, 6) + '@' + c.r(ALNUM, 6) + '/' + c.r(ALNUM, 4), safe='')}@mq.acme.io:5672/prod", "encoded", P)])
    c.add("ho/svc/settings.json", ["{", (f'  "integrations": "{{\\"slack\\": {{\\"token\\": \\"xoxb-{c.r(string.digits, 12)}-{c.r(string.digits, 13)}-{c.r(ALNUM, 24)}\\"}}}}"', "encoded", P), "}"])
    c.add("ho/web/checkout.html", [(f'<div id="pay" data-config="{{&quot;stripeKey&quot;:&quot;sk_live_{c.r(ALNUM, 24)}&quot;}}"></div>', "encoded", P)])
    c.add("ho/ci/docker-config.json", ['{"auths": {"registry.gitlab.com": {', (f'  "auth": "{b64("ci:glpat-" + c.r(ALNUM, 20))}"', "encoded", P), "}}}"])
    c.add("ho/ops/values.xml", ["<settings>", (f"  <conn>Server=db;User Id=app;Password=&quot;{c.r(ALNUM, 12)}&amp;{c.r(ALNUM, 4)}&quot;;</conn>", "encoded", P), "</settings>"])  # leakgate:allow (a generated look-alike or template, not a secret)


def code_shapes(c):
    """Generic secrets in code shapes: named arguments, builders, maps, tuples, tables, JSON."""
    pw, uid, b64, b64u = helpers(c)
    c.add("ho/py/payments.py", ["from acmepay import Client", (f'client = Client(api_key="{c.r(ALNUM, 32)}", api_secret="{c.r(ALNUM, 40)}")', "generic", P)])
    c.add("ho/js/auth.js", ["const cfg = {", "  clientId: 'web-app',", (f"  clientSecret: '{c.r(B64URL, 40)}',", "generic", P), "};"])
    c.add("ho/java/Oauth.java", [(f'OAuth20Service svc = new ServiceBuilder("web-app").apiSecret("{c.r(ALNUM, 32)}").build(GitHubApi.instance());', "generic", P)])
    c.add("ho/ruby/db.rb", [(f'ActiveRecord::Base.establish_connection(adapter: "mysql2", host: "db01", :username => "app", :password => "{pw()}")', "password", P)])
    c.add("ho/py/creds.py", [(f'CREDS = {{"access_key": "svc-reports", "secret_key": "{c.r(ALNUM, 40)}"}}', "generic", P)])
    c.add("ho/cfg/app.toml", ["[database]", 'host = "db01.acme.io"', 'user = "app"', (f'password = "{pw()}"', "password", P)])
    c.add("ho/ops/run.sh", [(f"APP_CONFIG='{{\"db_host\": \"db01\", \"db_password\": \"{pw()}\"}}' ./server", "password", P)])
    c.add("ho/android/Api.kt", [(f'val header = Credentials.basic(username = "svc", password = "{pw()}")', "password", P)])
    c.add("ho/cs/Mail.cs", [(f'smtp.Credentials = new NetworkCredential("alerts@acme.io", "{pw()}");', "password", P)])
    c.add("ho/php/config/services.php", ["<?php return [", (f"    'acme' => ['api_key' => 'web', 'api_secret' => '{c.r(ALNUM, 40)}'],", "generic", P), "];"])
    c.add("ho/go/config.go", ["package config", (f'var Default = Config{{Endpoint: "https://api.acme.io", APIKey: "{c.r(ALNUM, 32)}"}}', "generic", P)])
    c.add("ho/rust/src/consts.rs", [(f'pub const API_TOKEN: &str = "{c.r(ALNUM, 40)}";', "generic", P)])
    c.add("ho/scala/Db.scala", [(f'  val dbPassword = "{pw()}"', "password", P)])
    c.add("ho/ios/Auth.swift", [(f'let clientSecret = "{c.r(ALNUM, 40)}"', "generic", P)])
    c.add("ho/ps/backup.ps1", [(f'$Password = "{pw()}"', "password", P), '$cred = New-Object PSCredential("svc", (ConvertTo-SecureString $Password -AsPlainText -Force))'])
    c.add("ho/logs/worker.log", ["2026-11-30 10:00:00 INFO worker started", (f"2026-11-30 10:00:01 DEBUG connecting to db01 user=app password={pw()}", "password", P)])
    c.add("ho/nb/etl.ipynb", ['{"cells": [{"cell_type": "code", "source": [', (f'"api_key = \\"{c.r(HEX, 32)}\\"\\n",', "generic", P), '"resp = fetch(api_key)"', "]}]}"])
    c.add("ho/cfg/mail.ini", ["[smtp]", "host = smtp.acme.io", "user = alerts", (f"pass = {pw()}", "password", P)])


def lookalikes(c):
    """Look-alikes of the held-out classes, written in their own sitting after the positives
    were committed, without reading the rules: references, placeholders, public values, ids,
    code and prose that a careless scanner takes for secrets."""
    uid = lambda: str(_uuid.UUID(int=c.rng.getrandbits(128)))
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    negs = [
        ("ho/neg/slack.rs", 'let client = Client::new("xoxp-your-token-here");', "chat", "placeholder"),
        ("ho/neg/grafana.tf", "  auth = var.grafana_service_account_token", "saas", "reference"),
        ("ho/neg/Maps.swift", 'let mapboxPublicToken = "pk.' + b64(json.dumps({"u": "acme-maps", "a": c.r("abcdefghijklmnopqrstuvwxyz0123456789", 25)})).rstrip("=") + "." + c.r(B64URL, 22) + '"', "saas", "public material"),
        ("ho/neg/sumo.properties", "sumo.accessKey=${SUMO_ACCESS_KEY}", "saas", "reference"),
        ("ho/neg/okta.log", "2026-11-30T10:00:02Z DEBUG request headers: {'Authorization': 'SSWS ${OKTA_API_TOKEN}'}", "saas", "reference"),
        ("ho/neg/teams.md", "Paste the URL, e.g. https://acme.webhook.office.com/webhookb2/<group-id>@<tenant-id>/IncomingWebhook/<id>/<owner-id>", "chat", "placeholder"),
        ("ho/neg/slack.env", "SLACK_REFRESH_TOKEN=xoxe-1-...", "chat", "placeholder"),
        ("ho/neg/bot.py", 'bot.run(os.environ["DISCORD_TOKEN"])', "chat", "reference"),
        ("ho/neg/.env.production", "FACEBOOK_APP_ID=" + c.r(string.digits, 15), "saas", "hash or id"),
        ("ho/neg/Backup.kt", "private val dropboxToken = BuildConfig.DROPBOX_TOKEN", "saas", "reference"),
        ("ho/neg/square.rb", "client = Square::Client.new(access_token: ENV['SQUARE_ACCESS_TOKEN'], environment: 'production')", "payments", "reference"),
        ("ho/neg/ibm.sh", "ibmcloud login --apikey @~/.bluemix/apikey.json -r eu-de", "cloud", "reference"),
        ("ho/neg/Upload.cs", '  "https://prodlogs.blob.core.windows.net/uploads?sv=2022-11-02&ss=b&srt=co&sp=rl&spr=https&sig=<signature>"', "cloud", "placeholder"),
        ("ho/neg/storage.tf", "  storage_account_key = azurerm_storage_account.logs.primary_access_key", "cloud", "reference"),
        ("ho/neg/Dockerfile", "ARG BUNDLE_ENTERPRISE__CONTRIBSYS__COM", "registries", "reference"),
        ("ho/neg/Gemfile", 'source "https://gems.contribsys.com/" do', "registries", "code or prose"),
        ("ho/neg/scrape.go", 'const scrapingBeeKey = "YOUR-API-KEY"', "saas", "placeholder"),
        ("ho/neg/mail.js", "  key: process.env.MAILGUN_API_KEY || 'key-yourkeyhere',", "messaging", "placeholder"),
        ("ho/neg/.zshrc", "export SRC_ACCESS_TOKEN=$(pass show sourcegraph/token)", "vcs", "reference"),
        ("ho/neg/ci-job.log", "remote: https://oauth2:[MASKED]@gitlab.acme.io/web/app.git", "vcs", "placeholder"),
        ("ho/neg/S3Config.java", '  AWSCredentials creds = new BasicAWSCredentials(System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY"));', "cloud", "reference"),
        ("ho/neg/setup.ps1", '$env:OPENAI_API_KEY = Read-Host -Prompt "OpenAI key"', "ai", "reference"),
        ("ho/neg/rag.ipynb", '"os.environ[\\"HUGGINGFACEHUB_API_TOKEN\\"] = getpass.getpass()\\n"', "ai", "reference"),
        ("ho/neg/quickstart.md", "    export ANTHROPIC_API_KEY=sk-ant-...", "ai", "placeholder"),
        ("ho/neg/deploy.rst", "   heroku config:set STRIPE_SECRET_KEY=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX", "payments", "placeholder"),
        ("ho/neg/values.yaml", "  slackWorkflow: {{ .Values.slack.workflowUrl }}", "chat", "reference"),
        ("ho/neg/tls-secret.yaml", '  tls.key: {{ .Files.Get "certs/tls.key" | b64enc }}', "keys", "reference"),
        ("ho/neg/git-credentials.md", "Each line of ~/.git-credentials looks like https://USERNAME:TOKEN@github.com", "credentials", "placeholder"),
        ("ho/neg/.netrc", "machine api.heroku.com login ops@acme.io password <your-api-key>", "credentials", "placeholder"),
        ("ho/neg/.pgpass", "# hostname:port:database:username:password", "database", "code or prose"),
        ("ho/neg/wp-config.php", "define( 'DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') );", "password", "reference"),
        ("ho/neg/production.py", 'SECRET_KEY = env("DJANGO_SECRET_KEY")', "generic", "reference"),
        ("ho/neg/jenkins.sh", 'curl -s -u "$JENKINS_USER:$JENKINS_TOKEN" https://jenkins.acme.io/api/json', "cli", "reference"),
        ("ho/neg/jenkins.sh", "mysql -h db01.acme.io -u root -p shop < dump.sql", "cli", "code or prose"),
        ("ho/neg/jenkins.sh", "sshpass -f ~/.ssh/deploy.pass ssh deploy@app01.acme.io uptime", "cli", "reference"),
        ("ho/neg/Reports.cs", 'var conn = new OdbcConnection("Driver={ODBC Driver 18 for SQL Server};Server=sql01;Database=hr;Trusted_Connection=yes;");', "database", "code or prose"),
        ("ho/neg/upstream.conf", "    proxy_set_header Authorization $http_authorization;", "credentials", "reference"),
        ("ho/neg/client.go", 'func auth(req *http.Request, token string) { req.Header.Set("Authorization", "Bearer "+token) }', "generic", "reference"),
        ("ho/neg/README.md", "Create the file with `htpasswd -B -c .htpasswd admin`; for /etc/shadow use `mkpasswd -m sha-512`, which prints a `$6$` hash.", "credentials", "code or prose"),
        ("ho/neg/Db.java", 'Connection conn = DriverManager.getConnection(url, "app", System.getenv("DB_PASSWORD"));', "database", "reference"),
        ("ho/neg/secret.yaml", f"  password: {b64('changeme')}", "encoded", "local default"),
        ("ho/neg/secret.yaml", "  api-token: {{ .Values.apiToken | b64enc | quote }}", "encoded", "reference"),
        ("ho/neg/deploy.yml", f"  ENV_FILE_B64: {b64('DEBUG=0' + chr(10) + 'LOG_LEVEL=info' + chr(10) + 'REGION=eu-west-1' + chr(10))}", "encoded", "encoded harmless"),
        ("ho/neg/links.md", "See https://acme.io/help/search?q=password%3Dreset%26token%3Dexpired for the reset flow.", "encoded", "code or prose"),  # leakgate:allow (a generated look-alike or template, not a secret)
        ("ho/neg/settings.json", '  "integrations": "{\\"slack\\": {\\"channel\\": \\"#alerts\\", \\"username\\": \\"deploy-bot\\"}}"', "encoded", "encoded harmless"),
        ("ho/neg/checkout.html", f'<div id="pay" data-config="{{&quot;publishableKey&quot;:&quot;pk_live_{c.r(ALNUM, 24)}&quot;}}"></div>', "encoded", "public material"),
        ("ho/neg/docker-config.json", f'  "auth": "{b64("username:password")}"', "encoded", "placeholder"),
        ("ho/neg/values.xml", "  <conn>Server=db;Database=app;Integrated Security=true;</conn>", "encoded", "code or prose"),
        ("ho/neg/payments.py", 'client = Client(api_key=os.environ["ACME_KEY"], api_secret=settings.ACME_SECRET)', "generic", "reference"),
        ("ho/neg/auth.js", "  clientSecret: process.env.CLIENT_SECRET,", "generic", "reference"),
        ("ho/neg/Oauth.java", 'OAuth20Service svc = new ServiceBuilder("web-app").apiSecret(props.getProperty("oauth.secret")).build(GitHubApi.instance());', "generic", "reference"),
        ("ho/neg/db.rb", 'ActiveRecord::Base.establish_connection(adapter: "mysql2", host: "db01", :username => "app", :password => ENV.fetch("DB_PASSWORD"))', "password", "reference"),
        ("ho/neg/creds.py", 'CREDS = {"access_key": "svc-reports", "secret_key": None}', "generic", "code or prose"),
        ("ho/neg/app.toml", '[database]\npassword = ""', "password", "placeholder"),
        ("ho/neg/run.sh", "APP_CONFIG='{\"db_host\": \"db01\", \"db_password\": \"\"}' ./server", "password", "placeholder"),
        ("ho/neg/Api.kt", 'val header = Credentials.basic(username = "svc", password = BuildConfig.API_PASSWORD)', "password", "reference"),
        ("ho/neg/Mail.cs", 'smtp.Credentials = new NetworkCredential("alerts@acme.io", Environment.GetEnvironmentVariable("SMTP_PASSWORD"));', "password", "reference"),
        ("ho/neg/services.php", "    'acme' => ['api_key' => 'web', 'api_secret' => env('ACME_API_SECRET')],", "generic", "reference"),
        ("ho/neg/config.go", 'var Default = Config{Endpoint: "https://api.acme.io", APIKey: os.Getenv("ACME_API_KEY")}', "generic", "reference"),
        ("ho/neg/consts.rs", 'pub const API_TOKEN_HEADER: &str = "X-Api-Token";', "generic", "code or prose"),
        ("ho/neg/Db.scala", '  val dbPassword = sys.env("DB_PASSWORD")', "password", "reference"),
        ("ho/neg/Auth.swift", 'let clientSecret = Bundle.main.object(forInfoDictionaryKey: "ClientSecret") as! String', "generic", "reference"),
        ("ho/neg/backup.ps1", '$Password = Read-Host -AsSecureString -Prompt "Password"', "password", "reference"),  # leakgate:allow (a generated look-alike or template, not a secret)
        ("ho/neg/worker.log", "2026-11-30 10:00:01 DEBUG connecting to db01 user=app password=********", "password", "placeholder"),
        ("ho/neg/worker.log", "2026-11-30 10:00:02 INFO password reset email sent to user_id=42", "password", "code or prose"),
        ("ho/neg/etl.ipynb", '"api_key = getpass.getpass(\\"API key: \\")\\n",', "generic", "reference"),
        ("ho/neg/mail.ini", "pass = %(SMTP_PASS)s", "password", "reference"),
        ("ho/neg/go-test.log", "--- FAIL: TestTokenRefresh/expired_secret (0.01s)", "generic", "tool output"),
        ("ho/neg/Strings.resx", "    <value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value>", "generic", "hash or id"),
        ("ho/neg/login.css", '.password-toggle[aria-pressed="true"] { color: #333; }', "password", "code or prose"),
        ("ho/neg/azure.tf", f'  tenant_id = "{uid()}"', "generic", "hash or id"),
        ("ho/neg/lock.yaml", f"resolved_ref: {c.r(HEX, 40)}", "generic", "hash or id"),
        ("ho/neg/compose.yaml", f"    image: nginx@sha256:{c.r(HEX, 64)}", "generic", "hash or id"),
        ("ho/neg/oidc.yaml", "token_endpoint: https://login.acme.io/oauth2/token", "generic", "code or prose"),
        ("ho/neg/policy.go", "const passwordMinLength = 12", "password", "code or prose"),
    ]
    for path, line, category, kind in negs:
        c.kind = kind
        c.add(path, [(line, category, N)])
    c.kind = None


def round2(c):
    """A second sitting of positives (formats from the vendors' docs): more URL forms, encodings
    and code shapes, in manifests, CI files, notebooks, logs and docs, and C, C++, Elixir, Dart,
    Lua, Perl and Haskell sources."""
    pw, uid, b64, b64u = helpers(c)
    d = string.digits
    r = lambda path, lines: c.add("ho/r2/" + path, lines)
    grafana_key = b64(json.dumps({"k": c.r(ALNUM, 32), "n": "ci-deploy", "id": c.rng.randint(1, 99)}, separators=(",", ":")))
    r("ops/grafana.sh", [(f'curl -H "Authorization: Bearer {grafana_key}" https://grafana.acme.io/api/dashboards/db/main', "saas", P)])
    r("flows/notify.json", ["{", (f'  "flowUrl": "https://prod-{c.rng.randint(10, 99)}.westeurope.logic.azure.com:443/workflows/{c.r(HEX, 32)}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={c.r(B64URL, 43)}"', "chat", P), "}"])
    r("ops/alerts.yaml", ["receivers:", "  - name: teams", "    msteams_configs:",
                          (f"      - webhook_url: https://outlook.office.com/webhook/{uid()}@{uid()}/IncomingWebhook/{c.r(HEX, 32)}/{uid()}", "chat", P)])
    r("ops/alertmanager.yml", ["global:", (f"  slack_api_url: https://hooks.slack.com/services/T{c.r(UPPER_ALNUM, 10)}/B{c.r(UPPER_ALNUM, 10)}/{c.r(ALNUM, 24)}", "chat", P)])
    r("ops/slack-trigger.sh", [(f"curl -X POST https://hooks.slack.com/triggers/T{c.r(UPPER_ALNUM, 10)}/{c.r(d, 13)}/{c.r(HEX, 32)} -d @payload.json", "chat", P)])
    r("ops/slack-legacy.env", [(f"SLACK_APP_TOKEN=xoxa-2-{c.r(d, 12)}-{c.r(d, 13)}-{c.r(d, 13)}-{c.r(HEX, 64)}", "chat", P)])
    r("ops/okta.env", ["OKTA_ORG_URL=https://acme.okta.com", (f"OKTA_API_TOKEN=00{c.r(B64URL, 40)}", "saas", P)])
    r("py/mailer.py", [(f'requests.post("https://api.mailgun.net/v3/mg.acme.io/messages", auth=("api", "key-{c.r(HEX, 32)}"), data=msg)', "messaging", P)])
    r("tf/sumo.tf", ['provider "sumologic" {', (f'  access_id  = "su{c.r(ALNUM, 12)}"', "saas", P), (f'  access_key = "{c.r(ALNUM, 64)}"', "saas", P), "}"])
    r("cs/appsettings.Production.json", ["{", (f'  "BlobStorage": "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={c.r(B64, 86)}==;EndpointSuffix=core.windows.net",', "cloud", P), '  "Logging": {}', "}"])
    r("gh/deploy.yml", ["jobs:", "  deploy:", "    env:", (f"      NPM_TOKEN: {c.gh('npm_')}", "registries", P), "    steps:", "      - run: npm publish"])
    r("ecs/task.json", ['{"containerDefinitions": [{"name": "api", "environment": [', (f'  {{"name": "STRIPE_API_KEY", "value": "sk_live_{c.r(ALNUM, 24)}"}}', "payments", P), "]}]}"])
    r("compose/docker-compose.yml", ["services:", "  db:", "    image: postgres:16", "    environment:", (f"      POSTGRES_PASSWORD: {pw()}", "password", P)])
    r("ansible/group_vars/all.yml", ["---", "mysql_root_user: root", (f"mysql_root_password: {pw()}", "password", P)])
    r("cfn/stack.yaml", ["Resources:", "  Db:", "    Type: AWS::RDS::DBInstance", "    Properties:", (f"      MasterUserPassword: {pw()}", "password", P)])
    r("nb/analysis.ipynb", ['{"cells": [{"cell_type": "code", "source": [', (f'"conn = psycopg2.connect(\\"postgresql://analyst:{pw()}@warehouse.acme.io:5432/dw\\")\\n"', "database", P), "]}]}"])
    r("logs/app.log", ["2026-11-30 10:00:00,001 INFO boot", (f"2026-11-30 10:00:00,120 ERROR could not connect: redis://default:{c.r(ALNUM, 32)}@cache01.acme.io:6379/0 timed out", "database", P)])
    r("docs/setup.md", ["## Connect", "", (f"Use `mongodb+srv://admin:{pw()}@prod.x1y2z.mongodb.net/app` as the connection string.", "database", P)])
    r("c/client.c", ['#include "client.h"', (f'static const char *API_KEY = "{c.r(ALNUM, 40)}";', "generic", P)])
    r("cpp/Auth.cpp", [(f'const std::string kClientSecret = "{c.r(B64URL, 40)}";', "generic", P)])
    r("ex/config/prod.exs", ["import Config", (f'config :app, App.Repo, username: "app", password: "{pw()}", hostname: "db01.acme.io"', "password", P)])
    r("dart/lib/env.dart", [(f"const String apiSecret = '{c.r(ALNUM, 40)}';", "generic", P)])
    r("lua/conf.lua", [(f'local db_password = "{pw()}"', "password", P)])
    r("perl/Db.pm", [(f'my $dbh = DBI->connect("dbi:Pg:dbname=app;host=db01", "app", "{pw()}");', "database", P)])
    r("hs/Config.hs", [(f'apiToken = "{c.r(ALNUM, 40)}"', "generic", P)])
    r("ts/client.ts", [(f"export const stripe = new Stripe('sk_live_{c.r(ALNUM, 24)}', {{ apiVersion: '2024-06-20' }});", "payments", P)])
    r("py/jwt_conf.py", [(f'app.config["JWT_SECRET_KEY"] = "{c.r(ALNUM, 48)}"', "generic", P)])
    r("java/application.yml", ["spring:", "  mail:", "    host: smtp.acme.io", (f"    password: {pw()}", "password", P)])
    r("k8s/db-secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: db", "type: Opaque", "data:",
                             (f"  DATABASE_URL: {b64('postgres://app:' + c.r(ALNUM, 20) + '@db01.acme.io:5432/app')}", "encoded", P)])
    r("helm/values.json", [(f'{{"secret": {{"data": {{"token": "{b64(c.r(ALNUM, 40))}"}}}}, "kind": "Secret"}}', "encoded", P)])
    r("js/config.js", [(f"const cfg = JSON.parse('{{\"apiKey\": \"sk_live_{c.r(ALNUM, 24)}\"}}');", "encoded", P)])
    r("web/embed.html", [(f'<iframe src="https://app.acme.io/embed?token={c.gh()}"></iframe>', "vcs", P)])
    r("ops/callback.log", [(f"GET /oauth/callback?redirect=https%3A%2F%2Fapp.acme.io%2F%3Fkey%3Dsk_live_{c.r(ALNUM, 24)} 302", "encoded", P)])
    r("ops/env.b64", [(b64("DB_PASSWORD=" + pw() + "\n" + "AWS_SECRET_ACCESS_KEY=" + c.r(B64, 40) + "\n"), "encoded", P)])
    r("xml/web.xml", [(f"<init-param><param-name>config</param-name><param-value>{{&quot;client_secret&quot;: &quot;{c.r(B64URL, 40)}&quot;}}</param-value></init-param>", "encoded", P)])
    r("js/escaped.js", [(f'const headers = JSON.parse("{{\\"Authorization\\": \\"Bearer {c.r(ALNUM, 40)}\\"}}");', "encoded", P)])
    r("home/.git-credentials", [(f"https://ci-bot:{c.gh()}@github.com", "credentials", P)])
    r("ops/mount.sh", [(f"mount -t cifs //fs01/share /mnt/share -o username=svc_backup,password={pw()}", "cli", P)])
    r("ops/runas.bat", [(f'runas /user:CORP\\admin "cmd /c net user svc {pw()} /add"', "cli", P)])
    r("ops/redis.sh", [(f"redis-cli -h cache01.acme.io -a {pw()} FLUSHALL", "cli", P)])
    r("ops/wget.sh", [(f"wget --user=deploy --password={pw()} https://artifacts.acme.io/app.tar.gz", "cli", P)])
    r("ops/ftp.txt", [(f"ftp://uploader:{pw()}@ftp.acme.io/incoming/", "credentials", P)])
    r("ops/keytab-export.txt", [(f"$krb5tgs$23$*svc_web$ACME.LOCAL$HTTP/web01.acme.local*${c.r(HEX, 32)}${c.r(HEX, 400)}", "credentials", P)])
    r("ops/pwdump.txt", [(f"svc_sql:1104:aad3b435b51404eeaad3b435b51404ee:{c.r(HEX, 32)}:::", "credentials", P)])
    r("ops/users.htpasswd", [("deploy:{SHA}" + base64.b64encode(bytes(c.rng.getrandbits(8) for _ in range(20))).decode(), "credentials", P)])


def round2_lookalikes(c):
    """Look-alikes for the second sitting, written after its positives were committed."""
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    negs = [
        ("ops/grafana.sh", 'curl -H "Authorization: Bearer $GRAFANA_TOKEN" https://grafana.acme.io/api/dashboards/db/main', "saas", "reference"),
        ("flows/notify.json", '  "flowUrl": "https://prod-00.westeurope.logic.azure.com:443/workflows/<workflow-id>/triggers/manual/paths/invoke?api-version=2016-06-01&sig=<sig>"', "chat", "placeholder"),
        ("ops/alerts.yaml", "      - webhook_url_file: /etc/alertmanager/secrets/teams-url", "chat", "reference"),
        ("ops/alertmanager.yml", "  slack_api_url_file: /etc/alertmanager/slack_url", "chat", "reference"),
        ("docs/slack.md", "Slack webhook URLs look like `https://hooks.slack.com/services/T…/B…/…`.", "chat", "placeholder"),
        ("ops/okta.env", "OKTA_API_TOKEN=", "saas", "placeholder"),
        ("py/mailer.py", 'requests.post(url, auth=("api", os.environ["MAILGUN_API_KEY"]), data=msg)', "messaging", "reference"),
        ("tf/sumo.tf", "  access_key = var.sumologic_access_key", "saas", "reference"),
        ("cs/appsettings.Development.json", '  "BlobStorage": "UseDevelopmentStorage=true",', "cloud", "local default"),
        ("gh/deploy.yml", "      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "registries", "reference"),
        ("ecs/task.json", '  {"name": "STRIPE_API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:stripe-AbCdEf"}', "payments", "reference"),
        ("compose/docker-compose.yml", "      POSTGRES_PASSWORD_FILE: /run/secrets/pg_password", "password", "reference"),
        ("ansible/group_vars/all.yml", '    mysql_root_password: "{{ vault_mysql_root_password }}"', "password", "reference"),
        ("cfn/stack.yaml", "      MasterUserPassword: !Sub '{{resolve:secretsmanager:${DbSecret}:SecretString:password}}'", "password", "reference"),
        ("nb/analysis.ipynb", '"conn = psycopg2.connect(os.environ[\\"DW_URL\\"])\\n"', "database", "reference"),
        ("logs/app.log", "2026-11-30 10:00:00,120 ERROR could not connect: redis://cache01.acme.io:6379/0 timed out", "database", "code or prose"),
        ("docs/setup.md", "Use `mongodb+srv://<username>:<password>@cluster0.mongodb.net/app` as the connection string.", "database", "placeholder"),
        ("c/client.c", 'static const char *API_KEY_ENV = "ACME_API_KEY";', "generic", "code or prose"),
        ("cpp/Auth.cpp", 'const std::string kClientSecret = std::getenv("CLIENT_SECRET");', "generic", "reference"),
        ("ex/config/runtime.exs", 'config :app, App.Repo, password: System.fetch_env!("DB_PASSWORD")', "password", "reference"),
        ("dart/lib/env.dart", "const String apiSecret = String.fromEnvironment('API_SECRET');", "generic", "reference"),
        ("lua/conf.lua", 'local db_password = os.getenv("DB_PASSWORD")', "password", "reference"),
        ("perl/Db.pm", 'my $dbh = DBI->connect($dsn, $user, $ENV{DB_PASSWORD});', "database", "reference"),
        ("hs/Config.hs", 'apiToken <- getEnv "API_TOKEN"', "generic", "reference"),
        ("ts/client.ts", "export const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, { apiVersion: '2024-06-20' });", "payments", "reference"),
        ("py/jwt_conf.py", 'app.config["JWT_SECRET_KEY"] = os.environ["JWT_SECRET_KEY"]', "generic", "reference"),
        ("java/application.yml", "    password: ${SPRING_MAIL_PASSWORD}", "password", "reference"),
        ("k8s/configmap.yaml", f"  logo.png: {b64('not a secret, just some bytes of an image placeholder')}", "encoded", "encoded harmless"),
        ("js/config.js", "const cfg = JSON.parse('{\"apiKey\": \"pk_live_" + c.r(ALNUM, 24) + "\"}');", "encoded", "public material"),
        ("ops/callback.log", "GET /oauth/callback?redirect=https%3A%2F%2Fapp.acme.io%2F%3Ftab%3Dsettings 302", "encoded", "code or prose"),
        ("ops/mount.sh", "mount -t cifs //fs01/share /mnt/share -o credentials=/etc/cifs-creds", "cli", "reference"),
        ("ops/redis.sh", 'redis-cli -h cache01.acme.io -a "$REDIS_PASSWORD" PING', "cli", "reference"),
        ("ops/wget.sh", "wget --user=deploy --ask-password https://artifacts.acme.io/app.tar.gz", "cli", "code or prose"),
        ("ops/ftp.txt", "ftp://ftp.acme.io/pub/", "credentials", "code or prose"),
        ("docs/hashcat.md", "Mode 1000 cracks NTLM hashes such as `user:1001:aad3b435b51404eeaad3b435b51404ee:<nt-hash>:::`.", "credentials", "placeholder"),
        ("ops/nginx.conf", "    auth_basic_user_file /etc/nginx/.htpasswd;", "credentials", "code or prose"),
        ("go/ids.go", f'const projectID = "{c.r(HEX, 24)}" // public project id shown in the console URL', "generic", "hash or id"),
        ("web/analytics.html", "<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-" + c.r(UPPER_ALNUM, 10) + "\"></script>", "generic", "public material"),
    ]
    for path, line, category, kind in negs:
        c.kind = kind
        c.add("ho/r2neg/" + path, [(line, category, N)])
    c.kind = None
