#!/usr/bin/env bash
# Run the tuner-resume tests N times in a row under artificial load (a busy loop per core, as
# on a CI machine running the suite on two workers) and count the failures. Issue 27: a race
# that only shows under load is a bug, not a flaky test; this is how it is shown fixed.
#   scripts/stress-resume.sh [N] [pytest -k expression]
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
select="${2:-resume or prepared_is_removed or killed_tuner or never_runs_more or died_before_starting or second_supervisor}"
export PATH="$(pwd)/.venv/bin:$PATH"
busy=()
if command -v stress-ng >/dev/null 2>&1; then
  # a CPU hog per core plus a sync() loop: what the suite's other worker does to us
  stress-ng --cpu "$(nproc)" --io 1 >/dev/null 2>&1 & busy+=($!)
else
  echo "(stress-ng not installed: a busy loop per core instead; apt-get install stress-ng adds disk load)"
  for _ in $(seq "$(nproc)"); do
    python3 -c 'while True: pass' & busy+=($!)
  done
fi
trap 'kill "${busy[@]}" 2>/dev/null; pkill -P $$ 2>/dev/null' EXIT
failed=0
for i in $(seq "$runs"); do
  rm -rf "/tmp/stress-resume-$i"
  if python -m pytest -q -p no:cacheprovider --basetemp "/tmp/stress-resume-$i" -x tests/test_tuning_process.py tests/test_tuning_prepared.py tests/test_sdk_tuner.py tests/test_supervisor_claim.py \
      -k "$select" >"/tmp/stress-resume-$i.log" 2>&1; then
    echo "run $i: passed ($(tail -1 "/tmp/stress-resume-$i.log"))"
    rm -rf "/tmp/stress-resume-$i"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED (log: /tmp/stress-resume-$i.log, homes under /tmp/stress-resume-$i)"
    grep -E "^E |FAILED" "/tmp/stress-resume-$i.log" | head -5
  fi
done
echo "$failed of $runs runs failed (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$failed" -eq 0 ]
