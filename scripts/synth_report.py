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
    # $scopeinfo cells are what `flatten` (synth_xilinx -flatten) leaves of the submodules'
    # hierarchy for naming: metadata, no logic.
    cells = load(os.path.join(out, f"stat_{key}.json"))["design"].get("num_cells_by_type", {})
    return {t: n for t, n in cells.items() if t != "$scopeinfo"}


def depth_of(out, key):
    """scripts/logic_depth.py's result for a run, or None for runs from before it existed."""
    path = os.path.join(out, f"depth_{key}.json")
    return load(path) if os.path.exists(path) else None


def seconds_of(out, key):
    with open(os.path.join(out, f"seconds_{key}.txt")) as f:
        return int(f.read())


def opts_of(out, key):
    """The synth_xilinx options of a run (opts_<key>.txt; runs before the file existed used none)."""
    path = os.path.join(out, f"opts_{key}.txt")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read().strip()


FAMILY = os.environ.get("SYNTH_FAMILY", "xcup")

# The part each geometry's utilization is given against. The board geometry ("board" in
# isa/tsp_isa.json): the AMD VCU118's XCVU9P-L2FLGA2104E (AMD DS923: 1,182,240 CLB LUTs, 2,364,480
# CLB flip-flops, 2,160 36 Kb block RAMs, 960 UltraRAMs, 6,840 DSP slices). The others: the ZCU104's
# XCZU7EV-2FFVC1156 (AMD DS891: 230,400 CLB LUTs, 460,800 CLB flip-flops, 312 36 Kb block RAMs, 96
# UltraRAMs, 1,728 DSP slices).
PARTS = {
    "board": {"name": "XCVU9P-L2FLGA2104E (VCU118)", "lut": 1182240, "ff": 2364480, "bram": 2160, "uram": 960,
              "dsp": 6840},
    "zcu104": {"name": "XCZU7EV-2FFVC1156 (ZCU104)", "lut": 230400, "ff": 460800, "bram": 312, "uram": 96,
               "dsp": 1728},
}
# A board configuration fits when no resource passes this share of its part (issue 10: margin
# for place and route, the board's own logic and timing closure).
FIT_LIMIT_PCT = 70.0


def part_of(cfg):
    return PARTS["board"] if cfg == "board" else PARTS["zcu104"]


def is_primitive(cfg, t):
    # Xilinx cells synth_xilinx maps to (7-series and UltraScale+).
    return t.startswith(("LUT", "FD", "RAMB", "RAM", "URAM", "DSP48", "CARRY", "MUXF", "SRL", "INV", "BUF",
                         "IBUF", "OBUF", "GND", "VCC"))


# LUTs of each Xilinx LUT RAM primitive (UltraScale+ / 7-series libraries: a SLICEM's LUT6 hold 64
# bits each; RAM32M16 / RAM64M8 / RAM32X16DR8 / RAM64X8SW take all eight LUTs of the slice).
LUTRAM_LUTS = {
    "RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X16DR8": 8, "RAM64X8SW": 8,
}


def lutram_luts(cells):
    """LUTs taken by the LUT RAM primitives in cells; an unknown one is an error, not a guess."""
    n_luts = 0
    for t, n in cells.items():
        if t.startswith("RAM") and not t.startswith("RAMB"):
            if t not in LUTRAM_LUTS:
                raise ReportError(f"LUT RAM primitive {t}: its LUT count is not in LUTRAM_LUTS "
                                  "(scripts/synth_report.py)")
            n_luts += n * LUTRAM_LUTS[t]
    return n_luts


def summarize(cfg, cells):
    def total(pred):
        return sum(n for t, n in cells.items() if pred(t))
    r = {
        "target": f"xilinx {'UltraScale+' if FAMILY == 'xcup' else '7-series'} (synth_xilinx -family {FAMILY})",
        "uram": total(lambda t: t.startswith("URAM")),
        # LUTs of logic plus what Vivado counts under "CLB LUTs" as LUT as Memory: the shift
        # registers Yosys maps delay lines to (SRL16E / SRLC32E, one LUT each) and LUT RAM.
        "lut": total(lambda t: t.startswith(("LUT", "SRL"))) + lutram_luts(cells),
        "ff": total(lambda t: t.startswith("FD")),
        "bram36": total(lambda t: t.startswith("RAMB36")),
        "bram18": total(lambda t: t.startswith("RAMB18")),
        "dsp": total(lambda t: t.startswith("DSP48")),
        "lutram": total(lambda t: t.startswith("RAM") and not t.startswith("RAMB")),
        "srl": total(lambda t: t.startswith("SRL")),
        "carry": total(lambda t: t.startswith("CARRY")),
        # MUXF7/8/9: the CLB's dedicated multiplexers between LUT pairs (-widemux), not LUTs.
        "muxf": total(lambda t: t.startswith("MUXF")),
    }
    r["bram"] = r["bram36"] + r["bram18"] / 2  # in RAMB36 equivalents
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
                            synth_options=opts_of(out, runs[name]),
                            contains={b: raw[name][b] for b in partitions if raw[name].get(b)})
        depth = depth_of(out, runs[name])
        if depth is not None:
            parts[label]["depth"] = depth
    # MEM in RAM cells (block RAM, UltraRAM, or LUTRAM for the small geometry's 64-word banks): a
    # memory left in flip-flops needs one flip-flop per storage bit.
    mem = parts.get("tsp_mem_slice")
    if mem is not None:
        bits = load(os.path.join(out, f"front_stat_{cfg}-tsp_mem_slice.json"))["design"].get("num_memory_bits", 0)
        if mem["bram"] + mem["uram"] + mem["lutram"] == 0 or bits == 0 or mem["ff"] >= bits:
            raise ReportError(f"{cfg}: the MEM slice is not in RAM cells: {mem['bram']} BRAM, {mem['uram']} URAM, "
                              f"{mem['lutram']} LUTRAM, {mem['ff']} FF for {bits} storage bits")
        mem["storage_bits"] = bits
    r = summarize(cfg, expand("tsp_top"))
    r["seconds"] = seconds
    # SYNTH_ONLY re-runs can mix runs of different options: the report names every set used.
    r["synth_options"] = sorted({p["synth_options"] for p in parts.values()})
    part = part_of(cfg)
    r["part"] = part["name"]
    r["utilization_pct"] = {k: round(100.0 * r[k] / part[k], 1) for k in ("lut", "ff", "bram", "uram", "dsp")}
    worst = max(r["utilization_pct"].items(), key=lambda kv: kv[1])
    r["fit"] = {"limit_pct": FIT_LIMIT_PCT, "worst": worst[0], "worst_pct": worst[1],
                "fits": worst[1] <= FIT_LIMIT_PCT}
    # The core's deepest paths: the slowest partition's register-to-register path, and the deepest
    # path fragment that starts or ends at a partition port (it continues in the neighbour).
    depths = [(n, p["depth"]) for n, p in parts.items() if "depth" in p]
    if depths:
        rr = [(n, d["reg_to_reg"]) for n, d in depths if d.get("reg_to_reg")]
        an = [(n, d["any"]) for n, d in depths if d.get("any")]
        if rr:
            n, d = max(rr, key=lambda x: x[1]["ns"])
            r["depth_reg_to_reg"] = dict(d, partition=n)
        if an:
            n, d = max(an, key=lambda x: x[1]["ns"])
            r["depth_any"] = dict(d, partition=n)
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
                r["synth_options"] = opts_of(out, key)
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
        bram = f"{r.get('bram', 0):g}"
        d = (r.get("depth") or {}).get("reg_to_reg") or r.get("depth_reg_to_reg")
        dep = f"{d['lut_levels']:>4} {d['carry_cells']:>3} {d['dsp_comb']:>2} {d['fmax_mhz']:>6}" if d else " " * 18
        print(f"{name:<56} {count:>5} {r['lut']:>9} {r.get('muxf', 0):>6} {r['ff']:>9} {bram:>7} {r.get('uram', 0):>5} {r['dsp']:>6} "
              f"{dep} {r['seconds']:>6}s")

    print()
    print(f"{'configuration / partition':<56} {'inst':>5} {'LUT':>9} {'MUXF':>6} {'FF':>9} {'BRAM36':>7} {'URAM':>5} {'DSP':>6} "
          f"{'lvl':>4} {'cy':>3} {'ds':>2} {'MHz':>6} {'time':>7}")
    for key, r in sorted(report.items()):
        if "partitions" in r:
            opts = " | ".join(f"'{o}'" for o in r.get("synth_options", [])) or "?"
            print(f"{key}: {r['target']}, options {opts}")
            for name, p in r["partitions"].items():
                row("  " + name, p, str(p["count"]))
            row("  total (own cells x instances, summed)", r)
            if "utilization_pct" in r:
                u = r["utilization_pct"]
                print(f"  of {r['part']}: LUT {u['lut']} %, FF {u['ff']} %, BRAM36 {u['bram']} %, "
                      f"URAM {u['uram']} %, DSP {u['dsp']} %")
            fit = r.get("fit")
            if fit:
                print(f"  fit at {fit['limit_pct']:g} % of every resource: {'yes' if fit['fits'] else 'NO'} "
                      f"(largest share: {fit['worst'].upper()} {fit['worst_pct']} %)")
            for k, what in (("depth_reg_to_reg", "deepest register-to-register path"),
                            ("depth_any", "deepest path with a partition port")):
                d = r.get(k)
                if d:
                    print(f"  {what}: {d['partition']}: {d['lut_levels']} LUT levels, {d['carry_cells']} carry, "
                          f"{d['dsp_comb']} DSP, {d['ns']} ns, ~{d['fmax_mhz']} MHz ({d['from']} -> {d['to']})")
        else:
            row(f"{key} ({r['target'].split()[0]})", r)
    print("\nMUXF: MUXF7/8/9 cells (the CLB's multiplexers between LUTs, outside the LUT count, as in Vivado).")
    print("lvl / cy / ds / MHz: the partition's deepest register-to-register path: LUT levels, carry cells,")
    print("combinational DSP stages, Fmax estimate (scripts/logic_depth.py states the per-element delays).")
    print(f"\nreport: {report_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
