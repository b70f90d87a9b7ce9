#!/usr/bin/env python3
"""Resource report of scripts/synth.sh: reads Yosys's stat -json files, sums the partitions into
whole-core totals, checks the netlists, writes build/synth/report.json and prints a table.

usage: synth_report.py OUTDIR SYNTH_TOP PARTITIONS CONFIG...
  SYNTH_TOP   '' for the partitioned core run, else the single module synthesized (key cfg-module)
  PARTITIONS  space-separated module names synthesized on their own (blackboxes elsewhere)

Whole core (cfg): cells(X) = X's own mapped cells + for every partition B that X instantiates (a
blackbox in X's run, counted by Yosys's stat) count x cells(B); the total is cells(tsp_top).
"""
import json
import os
import sys


class ReportError(Exception):
    pass


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise ReportError(f"cannot read {path}: {e}")


def cells_of(out, key):
    return load(os.path.join(out, f"stat_{key}.json"))["design"].get("num_cells_by_type", {})


def seconds_of(out, key):
    with open(os.path.join(out, f"seconds_{key}.txt")) as f:
        return int(f.read())


def is_primitive(cfg, t):
    if cfg == "small":
        return t.startswith("SB_")
    # Xilinx 7-series cells synth_xilinx maps to.
    return t.startswith(("LUT", "FD", "RAMB", "RAM", "DSP48", "CARRY", "MUXF", "SRL", "INV", "BUF",
                         "IBUF", "OBUF", "GND", "VCC"))


def summarize(cfg, cells):
    def total(pred):
        return sum(n for t, n in cells.items() if pred(t))
    if cfg == "default":
        r = {
            "target": "xilinx 7-series (synth_xilinx)",
            "lut": total(lambda t: t.startswith("LUT")),
            "ff": total(lambda t: t.startswith("FD")),
            "bram36": total(lambda t: t.startswith("RAMB36")),
            "bram18": total(lambda t: t.startswith("RAMB18")),
            "dsp": total(lambda t: t.startswith("DSP48")),
            "lutram": total(lambda t: t.startswith("RAM") and not t.startswith("RAMB")),
            "srl": total(lambda t: t.startswith("SRL")),
            "carry": total(lambda t: t.startswith("CARRY")),
        }
        r["bram"] = r["bram36"] + r["bram18"] / 2  # in RAMB36 equivalents
    else:
        r = {
            "target": "ice40 (synth_ice40)",
            "lut": total(lambda t: t == "SB_LUT4"),
            "ff": total(lambda t: t.startswith("SB_DFF")),
            "bram": total(lambda t: t.startswith("SB_RAM40")),
            "dsp": total(lambda t: t == "SB_MAC16"),
            "carry": total(lambda t: t == "SB_CARRY"),
        }
    r["cells"] = sum(cells.values())
    return r


def core_report(out, cfg, partitions):
    """Whole-core totals: every run's own cells plus count x (expanded cells) of its blackboxes."""
    runs = {"tsp_top": f"{cfg}-top"}
    runs.update({p: f"{cfg}-{p}" for p in partitions})
    raw = {}
    for name, key in runs.items():
        cells = cells_of(out, key)
        unknown = [t for t in cells if not is_primitive(cfg, t) and t not in partitions]
        if unknown:
            raise ReportError(f"{cfg}: the {name} run left cells that are neither mapped primitives nor "
                              f"partitions: {', '.join(sorted(unknown))} ({out}/stat_{key}.txt)")
        raw[name] = cells

    expanded = {}

    def expand(name, stack=()):
        if name in stack:
            raise ReportError(f"{cfg}: partition cycle {' -> '.join(stack + (name,))}")
        if name not in expanded:
            total = {t: n for t, n in raw[name].items() if t not in partitions}
            for b in partitions:
                k = raw[name].get(b, 0)
                if k:
                    for t, n in expand(b, stack + (name,)).items():
                        total[t] = total.get(t, 0) + k * n
            expanded[name] = total
        return expanded[name]

    # Instances of each partition in the whole core (top-down through the blackbox counts).
    inst = {"tsp_top": 1}

    def count(name, mult):
        for b in partitions:
            n = raw[name].get(b, 0)
            if n:
                inst[b] = inst.get(b, 0) + mult * n
                count(b, mult * n)
    count("tsp_top", 1)
    missing = [p for p in partitions if inst.get(p, 0) == 0]
    if missing:
        raise ReportError(f"{cfg}: partitions without an instance in tsp_top: {', '.join(missing)} "
                          f"({out}/stat_{cfg}-top.txt)")

    parts = {}
    seconds = 0
    for name in ["tsp_top"] + list(partitions):
        own = {t: n for t, n in raw[name].items() if t not in partitions}
        s = seconds_of(out, runs[name])
        seconds += s
        label = "tsp_top (run control, ICUs, CSR, host bus, VXM merge)" if name == "tsp_top" else name
        parts[label] = dict(summarize(cfg, own), count=inst[name], seconds=s,
                            contains={b: raw[name][b] for b in partitions if raw[name].get(b)})
    # MEM in block RAM: a memory left in flip-flops needs one flip-flop per storage bit.
    mem = parts.get("tsp_mem_slice")
    if mem is not None:
        bits = load(os.path.join(out, f"front_stat_{cfg}-tsp_mem_slice.json"))["design"].get("num_memory_bits", 0)
        if mem["bram"] == 0 or bits == 0 or mem["ff"] >= bits:
            raise ReportError(f"{cfg}: the MEM slice is not in block RAM: {mem['bram']} BRAM, {mem['ff']} FF for "
                              f"{bits} storage bits")
        mem["storage_bits"] = bits
    r = summarize(cfg, expand("tsp_top"))
    r["seconds"] = seconds
    r["top"] = "tsp_top"
    r["partitions"] = parts
    r["method"] = ("bottom-up: one Yosys process per partition with the partitions below it as blackboxes; "
                   "totals = own cells + sum(instances x partition), instance counts from Yosys stat")
    return r


def main():
    out, single, partitions = sys.argv[1], sys.argv[2], sys.argv[3].split()
    cfgs = sys.argv[4:]
    report_path = os.path.join(out, "report.json")
    report = {}
    if os.path.exists(report_path):
        try:
            report = json.load(open(report_path))
        except ValueError:
            report = {}
    try:
        for cfg in cfgs:
            if single:
                key = f"{cfg}-{single}"
                r = summarize(cfg, cells_of(out, key))
                r["seconds"] = seconds_of(out, key)
                r["top"] = single
                report[key] = r
            else:
                report[cfg] = core_report(out, cfg, partitions)
    except ReportError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return 1
    with open(report_path, "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)

    def row(name, r, count=""):
        bram = f"{r['bram']:g}"
        print(f"{name:<56} {count:>5} {r['lut']:>9} {r['ff']:>9} {bram:>7} {r['dsp']:>6} {r['seconds']:>6}s")

    print()
    print(f"{'configuration / partition':<56} {'inst':>5} {'LUT':>9} {'FF':>9} {'BRAM':>7} {'DSP':>6} {'time':>7}")
    for key, r in sorted(report.items()):
        if "partitions" in r:
            print(f"{key}: {r['target']} (BRAM: {'RAMB36 equivalents' if key == 'default' else 'SB_RAM40 4K'})")
            for name, p in r["partitions"].items():
                row("  " + name, p, str(p["count"]))
            row("  total (own cells x instances, summed)", r)
        else:
            row(f"{key} ({r['target'].split()[0]})", r)
    print(f"\nreport: {report_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
