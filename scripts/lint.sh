#!/usr/bin/env bash
# Verilator lint of the RTL: `verilator --lint-only -Wall` with the waivers of rtl/lint/tsp.vlt,
# with every module of rtl/tsp.f as the top (tsp_top covers the whole design; every unit on its
# own checks its parameter defaults), in every geometry of isa/tsp_isa.json (default, and
# +define+TSP_CONFIG_<NAME> for the others: small, board). Also checks that every .sv file below rtl/ is in rtl/tsp.f (the core)
# or rtl/board.f (host links and board tops around the core, linted with the core list before it).
# Prints a summary table; exits non-zero on any warning or error.
#
# Usage: scripts/lint.sh [-v] [top ...]      (-v: print every message; tops: only these)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
flist=$root/rtl/tsp.f
blist=$root/rtl/board.f
vlt=$root/rtl/lint/tsp.vlt
logdir=$root/build/lint
mkdir -p "$logdir"

verbose=0
if [ "${1:-}" = "-v" ]; then
  verbose=1
  shift
fi

command -v verilator >/dev/null || { echo "lint: error: verilator not found (run scripts/setup.sh)" >&2; exit 2; }
[ -f "$flist" ] || { echo "lint: error: $flist missing" >&2; exit 2; }
[ -f "$blist" ] || { echo "lint: error: $blist missing" >&2; exit 2; }

# Source files of the list (module name = file name), in order.
mapfile -t files < <(sed -e 's://.*$::' -e 's/[[:space:]]*$//' "$flist" "$blist" | grep -E '\.sv$')
fail=0

# Every RTL file must be in the list (otherwise lint, synthesis and the core test miss it). A set,
# not `printf | grep -q`: under pipefail, grep -q leaving early gives printf a SIGPIPE and the
# pipeline a failure, a false "not listed" that appeared once the list grew (2026-12-05).
declare -A listed=()
for f in "${files[@]}"; do listed[$f]=1; done
while IFS= read -r f; do
  rel=${f#rtl/}
  if [ -z "${listed[$rel]:-}" ]; then
    echo "lint: error: $f is not listed in rtl/tsp.f or rtl/board.f"
    fail=1
  fi
done < <(find rtl -name '*.sv' | sort)
for f in "${files[@]}"; do
  [ -f "rtl/$f" ] || { echo "lint: error: rtl/tsp.f lists $f, which does not exist"; fail=1; }
done

if [ $# -gt 0 ]; then
  tops=("$@")
else
  tops=()
  for f in "${files[@]}"; do
    case "$f" in pkg/*) continue ;; esac
    tops+=("$(basename "$f" .sv)")
  done
fi

declare -a rows
total=0
mapfile -t configs < <(python3 -c 'import json; print("\n".join(json.load(open("isa/tsp_isa.json"))["configs"]))')
for cfg in "${configs[@]}"; do
  defs=()
  [ "$cfg" != default ] && defs=("+define+TSP_CONFIG_${cfg^^}")
  for top in "${tops[@]}"; do
    log=$logdir/${top}_${cfg}.log
    start=$(date +%s)
    # The waiver file must come before the sources.
    verilator --lint-only -Wall "${defs[@]}" "$vlt" -F "$flist" -F "$blist" --top-module "$top" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    nwarn=$(grep -c '^%Warning' "$log")
    nerr=$(grep -c '^%Error' "$log" | tr -d ' ')
    # "Exiting due to N warning(s)" is an %Error line about warnings; count real errors only.
    nerr=$(( nerr - $(grep -c '^%Error: Exiting due to' "$log") ))
    status=ok
    if [ $rc -ne 0 ] || [ "$nwarn" -gt 0 ] || [ "$nerr" -gt 0 ]; then
      status=FAIL
      fail=1
      if [ $verbose -eq 1 ]; then cat "$log"; else grep -E '^%(Warning|Error)' "$log" | grep -v 'Exiting due to' | head -n 20; fi
    fi
    total=$(( total + nwarn + nerr ))
    rows+=("$(printf '%-22s %-8s %8s %7s %5ss  %s' "$top" "$cfg" "$nwarn" "$nerr" "$secs" "$status")")
  done
done

echo
printf '%-22s %-8s %8s %7s %6s  %s\n' top config warnings errors time status
printf '%s\n' "${rows[@]}"
echo
if [ $fail -ne 0 ]; then
  echo "lint: FAILED ($total messages; logs in build/lint/)"
  exit 1
fi
echo "lint: clean (${#tops[@]} tops x ${#configs[@]} configurations)"
