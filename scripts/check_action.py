#!/usr/bin/env python3
"""Structural check of a composite action's metadata (actionlint lints workflows, not action.yml):
required keys, composite steps with a shell for every `run`, inputs referenced exist, and every
`${{ inputs.X }}` used is declared. usage: check_action.py action.yml"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    problems = []
    for key in ("name:", "description:", "runs:", "using: composite"):
        if key not in text:
            problems.append(f"missing '{key}'")
    inputs = text.split("\ninputs:", 1)[1].split("\noutputs:", 1)[0] if "\ninputs:" in text else ""
    declared = set(re.findall(r"^  ([a-z][a-z0-9-]*):\n    description:", inputs, re.M))
    for used in set(re.findall(r"inputs\.([a-z][a-z0-9-]*)", text)):
        if used not in declared:
            problems.append(f"input '{used}' is used but not declared")
    steps = re.split(r"\n    - ", text.split("steps:", 1)[1]) if "steps:" in text else []
    for step in steps[1:]:
        if re.search(r"^\s*run:", step, re.M) and not re.search(r"^\s*shell:", step, re.M):
            problems.append("a run step has no shell: " + step.splitlines()[0])
    for p in problems:
        print(f"{sys.argv[1]}: {p}")
    print(f"action check: {len(declared)} inputs, {len(steps) - 1} steps, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
