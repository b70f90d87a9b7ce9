#!/usr/bin/env bash
# RTL coverage (`make coverage`): Verilates both geometries with --coverage (CMake option
# TSP_RTL_COVERAGE=ON, separate build directory), runs the random-program lockstep regression and
# the directed system tests, merges the counts and writes HTML reports (lcov genhtml) for line and
# toggle coverage, a per-module table and a one-line summary.
#
# Usage: scripts/coverage.sh [SEEDS]        (default 300 seeds per geometry)
# Environment: BUILD_COV=build-coverage, CONFIGS="small default", JOBS=$(nproc)
# Output: $BUILD_COV/coverage/html/index.html (links to line/ and toggle/), summary.txt
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_COV=${BUILD_COV:-build-coverage}
SEEDS=${1:-${SEEDS:-300}}
CONFIGS=${CONFIGS:-"small default"}
JOBS=${JOBS:-$(nproc)}

for tool in verilator_coverage genhtml; do
  command -v "$tool" >/dev/null || { echo "coverage.sh: $tool not found (run scripts/setup.sh: lcov, verilator)" >&2; exit 1; }
done

sfx_for() { [ "$1" = default ] && echo "" || echo "_$1"; }
dash_for() { [ "$1" = default ] && echo "" || echo "-$1"; }

targets=()
for c in $CONFIGS; do
  targets+=("tsp-rtl-regress$(dash_for "$c")" "test_rtl_system$(sfx_for "$c")")
done

cmake -S . -B "$BUILD_COV" -G Ninja -DTSP_RTL_COVERAGE=ON >/dev/null
echo "== building ${targets[*]} with Verilator --coverage (in $BUILD_COV) =="
cmake --build "$BUILD_COV" -j "$JOBS" --target "${targets[@]}"

out="$BUILD_COV/coverage"
rm -rf "$out"
mkdir -p "$out/dat"
for c in $CONFIGS; do
  echo "== $c: lockstep regression, $SEEDS seeds =="
  "$BUILD_COV/tsp-rtl-regress$(dash_for "$c")" --seeds "$SEEDS" --progress 100 \
      --fail-dir "$BUILD_COV/lockstep-failures" --coverage "$out/dat/regress_$c.dat" | tail -n 3
  echo "== $c: directed system tests =="
  (cd "$BUILD_COV" && TSP_COVERAGE_DIR="$PWD/coverage/dat" \
      "./tb/system/test_rtl_system$(sfx_for "$c")" --gtest_brief=1 --gtest_filter='-Seeds/*' | tail -n 3)
done

echo "== merging =="
verilator_coverage --write "$out/merged.dat" "$out"/dat/*.dat

# Split by coverage type (the 'page' key of each point: v_line/<module>, v_branch/..., v_toggle/...)
# and turn each into an lcov .info file.
python3 - "$out" <<'EOF'
import sys, re
out = sys.argv[1]
kinds = {"line": [], "toggle": []}
header = []
with open(f"{out}/merged.dat", encoding="latin-1") as f:
    for line in f:
        if not line.startswith("C '"):
            header.append(line)
            continue
        m = re.search("\x01page\x02v_([a-z]+)/", line)
        kind = m.group(1) if m else "line"
        kinds["toggle" if kind == "toggle" else "line"].append(line)
for k, lines in kinds.items():
    with open(f"{out}/{k}.dat", "w", encoding="latin-1") as f:
        f.writelines(header + lines)
EOF
for k in line toggle; do
  verilator_coverage --write-info "$out/$k.info" "$out/$k.dat"
  genhtml --quiet --output-directory "$out/html/$k" --title "TSP RTL $k coverage" "$out/$k.info" >/dev/null
done
cat >"$out/html/index.html" <<EOF
<!DOCTYPE html><html><head><title>TSP RTL coverage</title></head><body>
<h1>TSP RTL coverage</h1>
<p>Lockstep regression ($SEEDS seeds per geometry: $CONFIGS) and directed system tests.</p>
<ul><li><a href="line/index.html">line coverage</a></li><li><a href="toggle/index.html">toggle coverage</a></li></ul>
<pre>$(date -u)</pre></body></html>
EOF

# Per-module table (one module per file) and one-line summary.
python3 - "$out" <<'EOF' | tee "$out/summary.txt"
import sys, os, collections
out = sys.argv[1]
def read(path):
    per = collections.OrderedDict()
    cur = None
    for line in open(path):
        line = line.strip()
        if line.startswith("SF:"):
            cur = os.path.basename(line[3:]).rsplit(".", 1)[0]
            per.setdefault(cur, [0, 0])
        elif line.startswith("DA:") and cur:
            hits = int(line.split(",")[1])
            per[cur][1] += 1
            per[cur][0] += hits > 0
    return per
line, tog = read(f"{out}/line.info"), read(f"{out}/toggle.info")
mods = sorted(set(line) | set(tog))
pct = lambda h, n: f"{100.0 * h / n:6.1f}%" if n else "     -"
print(f"{'module':<22} {'line':>8} {'(hit/total)':>13} {'toggle':>8} {'(hit/total)':>13}")
th = [0, 0, 0, 0]
for m in mods:
    lh, ln = line.get(m, [0, 0]); gh, gn = tog.get(m, [0, 0])
    th = [th[0] + lh, th[1] + ln, th[2] + gh, th[3] + gn]
    print(f"{m:<22} {pct(lh, ln):>8} {f'{lh}/{ln}':>13} {pct(gh, gn):>8} {f'{gh}/{gn}':>13}")
print(f"coverage: line {pct(th[0], th[1]).strip()} ({th[0]}/{th[1]} points), toggle {pct(th[2], th[3]).strip()} "
      f"({th[2]}/{th[3]} points) over {len(mods)} modules; report {out}/html/index.html")
EOF
