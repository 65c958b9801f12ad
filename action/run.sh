#!/usr/bin/env bash
# The reconciler GitHub Action's one step (action.yml): run COMMAND, write the outputs, the job
# summary and the plan files, and turn the tool's exit code into the step's. Inputs come as
# environment variables (never spliced into this script: no template injection).
#   RECONCILER_COMMAND  validate | plan | apply | pass
#   RECONCILER_PATHS    manifest paths (space-separated; default specs/)
#   RECONCILER_PLAN     apply: a saved plan to run exactly (empty: plan afresh, auto-approved)
#   RECONCILER_ARGS     more arguments, split on spaces (e.g. --converge --timeout 5h)
#   RECONCILER_OUT      where plan.json / plan.md are written (default: the runner's temp dir)
#   RECONCILER_AUTH, RECONCILER_REGION   --auth and --region for the commands that connect
# Exit codes: validate/apply 0 ok; plan 0 in sync or 2 changes (both a plan: the step passes);
# pass 0 converged/progressing/busy, 1 blocked or failed; 1 an error, 3 a bug, 130 interrupted:
# the step fails, everywhere.
set -u +e  # the exit codes are this script's to judge: never stop at the first non-zero one
command="${RECONCILER_COMMAND:-plan}"
read -r -a paths <<< "${RECONCILER_PATHS:-specs/}"
read -r -a extra <<< "${RECONCILER_ARGS:-}"
out="${RECONCILER_OUT:-${RUNNER_TEMP:-/tmp}}"
mkdir -p "$out"
connect=()
if [ -n "${RECONCILER_AUTH:-}" ]; then connect+=(--auth "$RECONCILER_AUTH"); fi
if [ -n "${RECONCILER_REGION:-}" ]; then connect+=(--region "$RECONCILER_REGION"); fi
outputs="${GITHUB_OUTPUT:-/dev/null}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"

case "$command" in
  validate)
    reconciler validate "${paths[@]}" "${extra[@]}"
    code=$? ;;
  plan)
    reconciler plan "${paths[@]}" "${connect[@]}" --format markdown --out "$out/plan.json" "${extra[@]}" > "$out/plan.md"
    code=$?
    if [ -s "$out/plan.md" ]; then cat "$out/plan.md" >> "$summary"; fi
    if [ -s "$out/plan.json" ]; then
      changes=$(python -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for a in d["actions"] if a["action"] not in ("noop", "wait")))' "$out/plan.json")
      echo "plan-json=$out/plan.json" >> "$outputs"
      echo "plan-markdown=$out/plan.md" >> "$outputs"
      echo "changes=$changes" >> "$outputs"   # to do, held or blocked: what a person may need to see
    fi ;;
  apply)
    if [ -n "${RECONCILER_PLAN:-}" ]; then
      reconciler apply --plan "$RECONCILER_PLAN" "${connect[@]}" "${extra[@]}" | tee "$out/apply.txt"
    else
      reconciler apply "${paths[@]}" "${connect[@]}" --auto-approve "${extra[@]}" | tee "$out/apply.txt"
    fi
    code=${PIPESTATUS[0]}
    { echo '```'; tail -n 40 "$out/apply.txt"; echo '```'; } >> "$summary" ;;
  pass)
    reconciler pass "${paths[@]}" "${connect[@]}" "${extra[@]}" | tee "$out/pass.txt"
    code=${PIPESTATUS[0]}
    line=$(grep '^pass ' "$out/pass.txt" | tail -n 1)
    echo "summary=${line}" >> "$outputs"
    echo "**reconciler ${line:-pass: no summary line}**" >> "$summary" ;;
  *)
    echo "::error::reconciler action: command must be validate, plan, apply or pass (got '${command}')"
    exit 2 ;;
esac

echo "exitcode=$code" >> "$outputs"
if [ "$command" = plan ] && [ "$code" -eq 2 ]; then exit 0; fi  # changes to make: a plan, not a failure
exit "$code"
