#!/usr/bin/env bash
# The scan step of action.yml, kept in a script so it can be tested on a real repository
# (scripts/test-action.sh). Inputs come from LEAKGATE_* variables; outputs go to $GITHUB_OUTPUT
# and a Markdown table to $GITHUB_STEP_SUMMARY.
set -uo pipefail

zero=0000000000000000000000000000000000000000
out_dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
sarif="$out_dir/leakgate.sarif"
read -r -a extra <<<"${LEAKGATE_ARGS:-}"
common=(--fail-on "${LEAKGATE_FAIL_ON:-low}" "${extra[@]}")

scan=()
case "${LEAKGATE_SCOPE:-auto}:${LEAKGATE_EVENT:-}" in
  history:*)
    scan=(git . --all) ;;
  auto:pull_request | auto:pull_request_target)
    # The base decides the rules: a pull request cannot allowlist its own secrets.
    scan=(git . --range "$LEAKGATE_PR_BASE..$LEAKGATE_PR_HEAD" --config-from "$LEAKGATE_PR_BASE") ;;
  auto:push)
    if [[ -z "${LEAKGATE_PUSH_BEFORE:-}" || "$LEAKGATE_PUSH_BEFORE" == "$zero" ]]; then
      scan=(git .)
    else
      scan=(git . --range "$LEAKGATE_PUSH_BEFORE..$LEAKGATE_PUSH_AFTER" --config-from "$LEAKGATE_PUSH_BEFORE")
    fi ;;
  *)
    scan=(git .) ;;
esac

errors="$out_dir/leakgate.stderr"
leakgate "${scan[@]}" "${common[@]}" --format sarif -o "$sarif" 2> >(tee "$errors" >&2)
code=$?
wait
if [[ $code == 2 ]]; then
  # An error is not a finding: say so where a reviewer looks, with leakgate's own reason.
  reason=$(grep -m1 'error:' "$errors" || echo "leakgate failed")
  echo "::error title=leakgate could not scan::${reason}"
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    printf '### leakgate could not scan\n\n%s\n' "$reason" >>"$GITHUB_STEP_SUMMARY"
  fi
elif [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  leakgate "${scan[@]}" "${common[@]}" --format markdown >>"$GITHUB_STEP_SUMMARY" || true
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
  if [[ -s "$sarif" ]]; then echo "sarif=$sarif" >>"$GITHUB_OUTPUT"; fi
fi
echo "leakgate ${scan[*]}: exit $code"
exit 0
