#!/usr/bin/env python3
"""The gate's budgets, measured (never asserted in a test): `leakgate pre-push` for a 5-commit
push on a 10,000-commit repository and on a history shaped like git's own (80,000 commits,
1,000 refs), medians of 20 runs with process start; and peak RSS of `leakgate git --range` over a
commit that adds a 40 MB text file of short lines.
usage: bench_gate.py --leakgate BIN [--out FILE]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time



def fast_import(repo, commits, refs=0):
    """A linear history of `commits` commits touching 500 files, and `refs` extra refs spread
    over it (half remote-tracking branches, half tags)."""
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    parts = []
    for i in range(commits):
        body = f"line {i}\n" * 3
        parts.append(f"commit refs/heads/main\nmark :{i + 1}\ncommitter bench <b@example.test> {1500000000 + i} +0000\n"
                     f"data 9\ncommit {i % 10}\n" + (f"from :{i}\n" if i else "") +
                     f"M 100644 inline src/file{i % 500}.txt\ndata {len(body)}\n{body}\n")
    for r in range(refs):
        mark = 1 + (r * commits) // max(refs, 1)
        kind = f"refs/remotes/origin/b{r}" if r % 2 else f"refs/tags/t{r}"
        parts.append(f"reset {kind}\nfrom :{mark}\n\n")
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input="".join(parts).encode(), check=True)
    subprocess.run(["git", "-C", repo, "reset", "-q", "--hard", "main"], check=True)
    subprocess.run(["git", "-C", repo, "update-ref", "refs/remotes/origin/main", "main"], check=True)
    subprocess.run(["git", "-C", repo, "repack", "-adq"], check=True)


def five_commits(repo):
    """Five new commits of ordinary code; returns the pre-push stdin line."""
    remote = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    g = ["git", "-C", repo, "-c", "user.name=b", "-c", "user.email=b@example.test"]
    for i in range(5):
        with open(os.path.join(repo, f"src/new{i}.py"), "w") as f:
            f.write("import os\n" + "".join(f"value_{j} = os.environ.get('V{j}')\n" for j in range(40)))
        with open(os.path.join(repo, f"src/file{i}.txt"), "a") as f:
            f.write(f"edited {i}\n")
        subprocess.run(g + ["add", "-A"], check=True)
        subprocess.run(g + ["commit", "-q", "-m", f"work {i}"], check=True)
    local = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    return f"refs/heads/main {local} refs/heads/main {remote}\n"


def latency(leakgate, repo, stdin, runs=20):
    """Median wall and CPU (user + system) time of `pre-push`: CPU time stays meaningful when
    other work shares the machine, wall time does not."""
    walls, cpus = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([leakgate, "pre-push", "origin", "unused-url"], cwd=repo, stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        assert os.waitstatus_to_exitcode(status) == 0, "the benchmark push must be clean"
    return statistics.median(walls), min(walls), max(walls), statistics.median(cpus)


def peak_rss(cmd):
    """(wall seconds, peak RSS MB) from /usr/bin/time: a child's ru_maxrss seen from Python also
    counts the Python parent's own memory at fork, so it is measured from a small process."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True)
    wall, kb = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def big_text_range(leakgate, workdir):
    repo = os.path.join(workdir, "bigtext")
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    g = ["git", "-C", repo, "-c", "user.name=b", "-c", "user.email=b@example.test"]
    subprocess.run(g + ["commit", "-q", "--allow-empty", "-m", "base"], check=True)
    with open(os.path.join(repo, "dump.csv"), "w") as f:
        line = "id,value\n" * 1000
        for _ in range(40_000_000 // len(line)):
            f.write(line)
    subprocess.run(g + ["add", "-A"], check=True)
    subprocess.run(g + ["commit", "-q", "-m", "dump"], check=True)
    loose = peak_rss([leakgate, "git", repo, "--range", "HEAD~1..HEAD", "-q"])
    subprocess.run(["git", "-C", repo, "repack", "-adq"], check=True)
    packed = peak_rss([leakgate, "git", repo, "--range", "HEAD~1..HEAD", "-q"])
    return loose, packed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leakgate", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as work:
        for commits, refs, label in ((10_000, 0, "10,000 commits"), (80_000, 1_000, "80,000 commits, 1,000 refs (shaped like git/git)")):
            repo = os.path.join(work, f"push{commits}")
            fast_import(repo, commits, refs)
            stdin = five_commits(repo)
            med, lo, hi, cpu = latency(args.leakgate, repo, stdin)
            lines.append(f"- `pre-push`, 5 commits on {label}: median {med * 1000:.1f} ms wall (min {lo * 1000:.1f}, "
                         f"max {hi * 1000:.1f}), {cpu * 1000:.1f} ms CPU (user + system), 20 runs")
        loose, packed = big_text_range(args.leakgate, work)
        lines.append(f"- `git --range` over a commit adding a 40 MB text file: peak RSS {loose[1]:.0f} MB loose "
                     f"({loose[0]:.2f} s), {packed[1]:.0f} MB packed ({packed[0]:.2f} s)")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
