#!/usr/bin/env python3
"""Shard benchmark for docs/scale.md: scans a git history whole and in N shards (one after
another), merges the shards, checks that the merged findings equal the whole run's (fingerprint,
commit, path), and prints wall and CPU (user+sys) seconds, the best of --runs. Also times the
per-shard fixed cost (a shard that owns almost nothing: the tree walk every shard repeats), a
bare clone of the repository, and the merge.

usage: python3 scripts/shard-bench.py --leakgate target/release/leakgate --repo DIR [--shards 4]
       [--runs 3] [--threads 2]
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def timed(cmd, ok=(0, 1)):
    """Runs cmd; returns (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code not in ok:
        sys.exit(f"{cmd} exited {code}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(runs, cmd, ok=(0, 1)):
    results = [timed(cmd, ok) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def keys(path):
    with open(path) as f:
        doc = json.load(f)
    found = {(x["fingerprint"], (x.get("commit") or {}).get("id", ""), x["file"])
             for x in doc["findings"]}
    return found, doc["summary"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leakgate", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    out = tempfile.mkdtemp(prefix="shard-bench-")
    base = [a.leakgate, "git", a.repo, "--all", "--no-cache", "-q", "-j", str(a.threads), "-f", "json"]
    whole = os.path.join(out, "whole.json")
    w_wall, w_cpu = best(a.runs, base + ["-o", whole])
    expected, summary = keys(whole)
    mb = summary["bytes"] / 1e6
    print(f"whole: {summary['files']} blobs, {mb:.0f} MB, {len(expected)} findings; "
          f"wall {w_wall:.2f} s ({mb / w_wall:.0f} MB/s), cpu {w_cpu:.2f} s")
    reports = []
    for i in range(1, a.shards + 1):
        report = os.path.join(out, f"shard-{i}.json")
        s_wall, s_cpu = best(a.runs, base + ["--shard", f"{i}/{a.shards}", "-o", report])
        _, s = keys(report)
        print(f"shard {i}/{a.shards}: {s['files']} blobs, {s['bytes'] / 1e6:.0f} MB; wall {s_wall:.2f} s "
              f"({s_wall / w_wall:.2f} of whole), cpu {s_cpu:.2f} s ({s_cpu / w_cpu:.2f} of whole)")
        reports.append(report)
    f_wall, f_cpu = best(a.runs, base + ["--shard", "1/65536", "-o", os.path.join(out, "fixed.json")])
    print(f"fixed per-shard cost (shard 1/65536: tree walk and start-up): wall {f_wall:.2f} s, cpu {f_cpu:.2f} s")
    merged = os.path.join(out, "merged.json")
    m_wall, _ = best(a.runs, [a.leakgate, "merge", "-f", "json", "-o", merged] + reports)
    got, _ = keys(merged)
    print(f"merge of {a.shards}: {m_wall:.3f} s; merged findings equal one run: {got == expected}")
    clone = os.path.join(out, "clone.git")
    c_wall = min(timed(["sh", "-c", f"rm -rf {clone} && git clone -q --bare file://{os.path.abspath(a.repo)} {clone}"], ok=(0,))[0]
                 for _ in range(a.runs))
    print(f"bare clone over file://: {c_wall:.2f} s")
    shutil.rmtree(out)
    sys.exit(0 if got == expected else 1)


if __name__ == "__main__":
    main()
