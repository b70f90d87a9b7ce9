#!/usr/bin/env python3
"""C++ compile cost of a Verilated core, read from the build's .ninja_log (no rebuild).

usage: rtl_build_time.py BUILD_DIR [LIBRARY ...]    (default libraries: tsp_rtl_default tsp_rtl_small)
       rtl_build_time.py --seconds LIBRARY BUILD_DIR   (only the total, in seconds)

For each library prints the summed compile time of its generated C++ (job-seconds = wall time on
one core) and the number of compile jobs. Verilator itself runs at CMake configure time (verilate()
needs the list of generated files), so it is not in the ninja log: scripts/rtl_bench.sh times it
separately. Figures come from the last build of each file; a loaded machine inflates them.
"""
import os
import sys


def load(build):
    path = os.path.join(build, ".ninja_log")
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        sys.exit(f"rtl_build_time.py: cannot read {path}: {e.strerror} (build first)")
    if not lines or not lines[0].startswith("# ninja log v"):
        sys.exit(f"rtl_build_time.py: {path}: line 1: expected '# ninja log vN'")
    latest = {}
    for n, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 5:
            sys.exit(f"rtl_build_time.py: {path}: line {n}: expected 5 tab-separated fields")
        start, end, _, out, _ = parts
        latest[out] = (int(start), int(end))
    return latest


def cost(latest, lib):
    marker = f"/{lib}.dir/"
    compile_ms, jobs = 0, 0
    for out, (start, end) in latest.items():
        if marker in out and out.endswith(".o"):
            compile_ms += end - start
            jobs += 1
    return compile_ms / 1000, jobs


def main():
    args = sys.argv[1:]
    only = None
    if "--seconds" in args:
        i = args.index("--seconds")
        only = args[i + 1]
        del args[i:i + 2]
    if not args:
        sys.exit(__doc__)
    latest = load(args[0])
    libs = [only] if only else (args[1:] or ["tsp_rtl_default", "tsp_rtl_small"])
    rows = []
    for lib in libs:
        c, j = cost(latest, lib)
        if j == 0:
            sys.exit(f"rtl_build_time.py: no compile jobs of {lib} in {args[0]}/.ninja_log")
        rows.append((lib, c, j))
    if only:
        print(f"{rows[0][1]:.0f}")
        return
    print(f"{'library':<18} {'compile job-s':>14} {'jobs':>5}")
    for lib, c, j in rows:
        print(f"{lib:<18} {c:>14.1f} {j:>5}")


if __name__ == "__main__":
    main()
