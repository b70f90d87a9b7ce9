#!/usr/bin/env python3
"""Merge the JUnit XML of sharded lockstep regressions into one file.

Usage: scripts/regress_merge.py OUT.xml IN.xml [IN.xml ...]

Each IN.xml is what `tsp-rtl-regress --junit` (scripts/regress.sh with SHARD=k/N) wrote: one
<testsuite name="tsp-rtl-regress.<geometry>"> with the properties first, seeds and shard, and one
<testcase name="seed_<n>"> per seed of its shard. The testsuites of one geometry are merged into
one (testcases sorted by seed) and written to OUT.xml as <testsuites>. Prints per geometry the
shards, seeds expected / run / passed / failed / skipped / missing / duplicated and the summed
time, and the failing seeds with their replay commands.

Exit status: 0 when every seed of the range first..first+seeds-1 of every geometry ran exactly
once and passed; 1 when a seed failed, was skipped, is missing or ran more than once (shards
overlapping or the same shard twice), or the shards disagree about the seed range; 2 for usage or
unreadable input.
"""
import re
import sys
import xml.etree.ElementTree as ET


def die(msg):
    print(f"regress_merge: {msg}", file=sys.stderr)
    sys.exit(2)


def props(suite):
    return {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}


def seed_of(case, path):
    m = re.fullmatch(r"seed_(\d+)", case.get("name", ""))
    if not m:
        die(f"{path}: testcase '{case.get('name')}' is not named seed_<n>")
    return int(m.group(1))


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out_path, inputs = argv[1], argv[2:]
    if out_path in inputs:
        die(f"the output {out_path} is also an input")

    groups = {}  # suite name -> dict
    for path in inputs:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            die(f"{path}: {e}")
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        if not suites:
            die(f"{path}: no <testsuite>")
        for suite in suites:
            name = suite.get("name", "")
            p = props(suite)
            try:
                first, seeds = int(p["first"]), int(p["seeds"])
                k, n = (int(x) for x in p["shard"].split("/"))
            except (KeyError, ValueError):
                die(f"{path}: testsuite {name} lacks the properties first, seeds, shard=k/N")
            g = groups.setdefault(name, {"range": (first, seeds), "n": n, "props": p, "shards": [],
                                         "cases": {}, "dups": set(), "time": 0.0, "problems": []})
            if g["range"] != (first, seeds) or g["n"] != n:
                g["problems"].append(
                    f"{path}: seeds {first}..{first + seeds - 1} in {n} shards, but an earlier file has "
                    f"seeds {g['range'][0]}..{sum(g['range']) - 1} in {g['n']} shards")
            g["shards"].append(f"{k}/{n}")
            g["time"] += float(suite.get("time", "0") or 0)
            for case in suite.findall("testcase"):
                s = seed_of(case, path)
                if s in g["cases"]:
                    g["dups"].add(s)
                else:
                    g["cases"][s] = case

    out_root = ET.Element("testsuites", name="tsp-rtl-regress")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    total_time = 0.0
    status = 0
    for name in sorted(groups):
        g = groups[name]
        first, seeds = g["range"]
        want = set(range(first, first + seeds))
        have = set(g["cases"])
        missing = sorted(want - have)
        extra = sorted(have - want)
        failed = [s for s in sorted(have) if g["cases"][s].find("failure") is not None
                  or g["cases"][s].find("error") is not None]
        skipped = [s for s in sorted(have) if g["cases"][s].find("skipped") is not None]
        passed = len(have) - len(failed) - len(skipped)

        suite = ET.SubElement(out_root, "testsuite", name=name, tests=str(len(have)),
                              failures=str(len(failed)), errors="0", skipped=str(len(skipped)),
                              time=f"{g['time']:.3f}")
        pe = ET.SubElement(suite, "properties")
        for k, v in g["props"].items():
            if k != "shard":
                ET.SubElement(pe, "property", name=k, value=v)
        ET.SubElement(pe, "property", name="shards", value=" ".join(sorted(g["shards"])))
        for s in sorted(have):
            suite.append(g["cases"][s])

        totals["tests"] += len(have)
        totals["failures"] += len(failed)
        totals["skipped"] += len(skipped)
        total_time += g["time"]
        print(f"{name}: {len(g['shards'])} shard file(s) of {g['n']} ({', '.join(sorted(g['shards']))}), "
              f"seeds {first}..{first + seeds - 1}: {len(have)} run, {passed} passed, {len(failed)} failed, "
              f"{len(skipped)} skipped, {len(missing)} missing, {len(g['dups'])} duplicated, "
              f"{g['time']:.1f} s")
        for s in failed:
            f = g["cases"][s].find("failure")
            if f is None:
                f = g["cases"][s].find("error")
            replay = re.search(r"^replay: (.*)$", f.text or "", re.M)
            print(f"  FAIL seed {s}: {f.get('message', '')}")
            if replay:
                print(f"    replay: {replay.group(1)}")
        if missing:
            print(f"  missing seeds ({len(missing)}): {compress(missing)}")
        if g["dups"]:
            print(f"  seeds run more than once ({len(g['dups'])}): {compress(sorted(g['dups']))}")
        if extra:
            print(f"  seeds outside the range ({len(extra)}): {compress(extra)}")
        for p in g["problems"]:
            print(f"  {p}")
        if failed or skipped or missing or g["dups"] or extra or g["problems"]:
            status = 1

    for k, v in totals.items():
        out_root.set(k, str(v))
    out_root.set("errors", "0")
    out_root.set("time", f"{total_time:.3f}")
    ET.indent(out_root)
    try:
        ET.ElementTree(out_root).write(out_path, encoding="UTF-8", xml_declaration=True)
    except OSError as e:
        die(f"{out_path}: {e}")
    print(f"merged {len(inputs)} file(s) into {out_path}: {totals['tests']} tests, {totals['failures']} failed, "
          f"{totals['skipped']} skipped, {total_time:.1f} s -> {'OK' if status == 0 else 'FAILED'}")
    return status


def compress(values):
    """1 2 3 7 -> '1..3, 7'."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        out.append(str(values[i]) if i == j else f"{values[i]}..{values[j]}")
        i = j + 1
    return ", ".join(out)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
