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
    c.add("ho/ops/values.xml", ["<settings>", (f"  <conn>Server=db;User Id=app;Password=&quot;{c.r(ALNUM, 12)}&amp;{c.r(ALNUM, 4)}&quot;;</conn>", "encoded", P), "</settings>"])


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
