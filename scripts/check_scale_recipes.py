#!/usr/bin/env python3
"""Structural checks of the scale-out recipes (docs/scale.md, docs/examples/leakgate-shards*):
the shard count agrees everywhere it is written (matrix, SHARDS, completions, parallelism), each
shard runs `--shard I/N` from its index, each report is kept as an artifact or on a volume, and the
merge step runs after all shards. Schema checks are separate (actionlint, kubernetes-validate).
usage: python3 scripts/check_scale_recipes.py; exits 1 naming each problem."""
import sys

import yaml

problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


def github(path):
    doc = yaml.safe_load(open(path))
    shards = int(doc["env"]["SHARDS"])
    scan, merge = doc["jobs"]["scan"], doc["jobs"]["merge"]
    matrix = scan["strategy"]["matrix"]["shard"]
    check(matrix == list(range(1, shards + 1)), f"{path}: matrix {matrix} is not 1..{shards}")
    check(scan["strategy"].get("fail-fast") is False, f"{path}: fail-fast must be false")
    runs = " ".join(s.get("run", "") for s in scan["steps"])
    check('--shard "${{ matrix.shard }}/$SHARDS"' in runs, f"{path}: no --shard from the matrix")
    uploads = [s for s in scan["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    check(len(uploads) == 1, f"{path}: the scan job must upload its report")
    check(merge["needs"] == "scan", f"{path}: merge must need scan")
    check("!cancelled()" in str(merge.get("if", "")), f"{path}: merge must run when a shard fails")
    merge_runs = " ".join(s.get("run", "") for s in merge["steps"])
    check("leakgate merge shards/*.json --format sarif" in merge_runs, f"{path}: no SARIF merge")
    check(any("upload-sarif" in str(s.get("uses", "")) for s in merge["steps"]), f"{path}: no SARIF upload")


def gitlab(path):
    doc = yaml.safe_load(open(path))
    shard, merge = doc["leakgate-shard"], doc["leakgate-merge"]
    shards = int(shard["variables"]["SHARDS"])
    values = shard["parallel"]["matrix"][0]["SHARD"]
    check(values == [str(i) for i in range(1, shards + 1)], f"{path}: SHARD {values} is not 1..{shards}")
    check(shard["variables"].get("GIT_DEPTH") == "0", f"{path}: a history scan needs GIT_DEPTH 0")
    check(any('--shard "$SHARD/$SHARDS"' in line for line in shard["script"]), f"{path}: no --shard")
    check(shard["artifacts"]["when"] == "always", f"{path}: keep the report artifact always")
    check(merge["needs"] == ["leakgate-shard"], f"{path}: merge must need leakgate-shard")
    check(any("leakgate merge" in line for line in merge["script"]), f"{path}: no merge")


def kubernetes(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    shards, merge = jobs["leakgate-shards"]["spec"], jobs["leakgate-merge"]["spec"]
    container = shards["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    n = int(env["SHARDS"])
    check(shards["completionMode"] == "Indexed", f"{path}: the shard Job must be Indexed")
    check(shards["completions"] == n, f"{path}: completions {shards['completions']} != SHARDS {n}")
    check(shards["parallelism"] <= n, f"{path}: parallelism above the shard count")
    script = " ".join(container["args"])
    check("$((JOB_COMPLETION_INDEX + 1))" in script, f"{path}: shard index not from JOB_COMPLETION_INDEX")
    check('--shard "$shard/$SHARDS"' in script, f"{path}: no --shard")
    merge_script = " ".join(merge["template"]["spec"]["containers"][0]["args"])
    check("leakgate merge /reports/shard-*.json" in merge_script, f"{path}: no merge of /reports")
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for job in jobs.values():
        for volume in job["spec"]["template"]["spec"]["volumes"]:
            claim = volume.get("persistentVolumeClaim", {}).get("claimName")
            check(claim is None or claim in claims, f"{path}: claim {claim} is not defined")


github("docs/examples/leakgate-shards.yml")
gitlab("docs/examples/leakgate-shards-gitlab.yml")
kubernetes("docs/examples/leakgate-shards-k8s.yaml")
for p in problems:
    print(p)
print(f"scale recipes: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
