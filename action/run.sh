#!/usr/bin/env bash
# Runs reltag with the action's inputs, in the `github` format: annotations on stdout,
# the step summary, and outputs (allowed, exit-code, and the command's own).
set -uo pipefail
reltag="${RELTAG_BIN:-reltag}"
if [ ! -x "$reltag" ] && [ -x "$reltag.exe" ]; then reltag="$reltag.exe"; fi
# Split the arguments on whitespace without any shell expansion: no globbing, no $(…).
set -f
read -r -a args <<< "${INPUT_ARGS:-check pr}"
set +f
global=(--format github)
if [ -n "${INPUT_POLICY:-}" ]; then
  global+=(--policy "$INPUT_POLICY")
fi
"$reltag" "${global[@]}" "${args[@]}"
code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
fi
case "$code" in
  0) ;;
  1) echo "::error title=reltag::blocked by the policy: see the findings above and the job summary" ;;
  2) echo "::error title=reltag::usage or policy-file error (exit 2): see the log" ;;
  3) echo "::error title=reltag::could not decide (exit 3), which blocks: see the log" ;;
  *) echo "::error title=reltag::reltag ended with exit code $code" ;;
esac
exit "$code"
