#!/usr/bin/env python3
"""Deepest logic path of a mapped Xilinx netlist (Yosys write_json after synth_xilinx and flatten),
in LUT levels, with an Fmax estimate from stated per-element delays.

usage: logic_depth.py NETLIST.json TOP [--out DEPTH.json] [--family xcup|xc7] [--ends N]

The netlist is one partition of scripts/synth.sh: its ports are wires inside the core and the other
partitions it instantiates are blackbox cells. So there are two figures:

  reg-to-reg   the deepest path that starts at a clocked element (flip-flop, block RAM output,
               registered DSP output, SRL) and ends at one: a complete register-to-register path
               inside this partition; this is what limits the clock if the partition's ports are
               registered on the other side;
  any          also counting paths that start or end at a partition port or a blackbox pin: a
               fragment of a path that continues in the neighbouring partition (the report names
               the end points, so the two halves can be added by hand).

Delay model (estimates for UltraScale+ -2 / 7-series -2 from the data-sheet ranges, not timing
analysis; every element's input net is included in its figure):
  LUT1..LUT6, LUTRAM read      T_LUT  (logic + one routed net)
  MUXF7/F8/F9                  T_MUXF (dedicated, no routed net)
  CARRY4 / CARRY8              T_CARRY per cell on the chain (the first one entered from a LUT)
  DSP48 without M/P register   T_DSP_COMB through the cell (A/B/C/D to P)
  DSP48 with M or P register   T_DSP_IN into it (inputs are end points), T_DSP_CO out of it (start)
  RAMB / URAM output           T_BRAM_CO (clock to out, no output register)
  flip-flop                    T_FF_CO clock to Q; every path adds T_SETUP + T_UNCERT
  INV, BUF, constants          0 (absorbed into the neighbouring LUT by place and route)
Fmax = 1000 / (path delay in ns). Levels = LUTs on the path; carry cells, MUXF and DSP stages are
reported beside it.

--ends N also lists the N slowest register end points by signal (the worst bit of each register
vector, e.g. s3_q), so the second- and third-deepest paths are visible when pipelining the first.
"""
import argparse
import re
import json
import sys

DELAYS = {
    # name: (xcup -2, xc7 -2) in ns
    "T_LUT": (0.45, 0.55),
    "T_MUXF": (0.10, 0.15),
    "T_CARRY": (0.10, 0.12),
    "T_DSP_COMB": (2.80, 3.60),
    "T_DSP_IN": (1.90, 2.40),
    "T_DSP_CO": (0.45, 0.60),
    "T_BRAM_CO": (1.00, 1.85),
    "T_FF_CO": (0.10, 0.35),
    "T_SETUP": (0.05, 0.10),
    "T_UNCERT": (0.15, 0.20),
}


class DepthError(Exception):
    pass


def kind_of(cell):
    t = cell["type"]
    if t.startswith("LUT") or t.startswith("RAM32") or t.startswith("RAM64") or t.startswith("RAM16") \
            or t.startswith("RAM128") or t.startswith("RAM256"):
        return "lut"
    if t.startswith("MUXF"):
        return "muxf"
    if t.startswith("CARRY"):
        return "carry"
    if t.startswith("DSP48"):
        p = cell.get("parameters", {})
        reg = any(int(str(p.get(k, "0")), 2) if set(str(p.get(k, "0"))) <= {"0", "1"} else 0
                  for k in ("MREG", "PREG"))
        return "dsp_reg" if reg else "dsp"
    if t.startswith(("RAMB", "URAM")):
        return "bram"
    if t.startswith(("FD", "SRL")):
        return "ff"
    if t in ("INV", "BUF", "GND", "VCC", "$scopeinfo"):
        return "wire"
    if t.startswith(("BUFG", "IBUF", "OBUF", "BUFCE")):
        return "wire"
    return "bb"  # a blackbox partition or an unknown cell: an opaque end point


CLOCK_PINS = {"C", "CLK", "CLKARDCLK", "CLKBWRCLK", "CLKARDCLKL", "CLKARDCLKU", "CLKBWRCLKL",
              "CLKBWRCLKU"}


def analyse(netlist, top, family, ends=0, path_of=None):
    col = 0 if family == "xcup" else 1
    d = {k: v[col] for k, v in DELAYS.items()}
    mods = netlist.get("modules", {})
    if top not in mods:
        raise DepthError(f"module {top} not in the netlist (have: {', '.join(sorted(mods)[:8])})")
    m = mods[top]
    cells = m["cells"]
    names = list(cells)
    kinds = [kind_of(cells[n]) for n in names]
    comb_delay = {"lut": d["T_LUT"], "muxf": d["T_MUXF"], "carry": d["T_CARRY"], "dsp": d["T_DSP_COMB"],
                  "wire": 0.0}
    start_delay = {"ff": d["T_FF_CO"], "bram": d["T_BRAM_CO"], "dsp_reg": d["T_DSP_CO"]}

    # bit -> a readable net name (a user-visible name when there is one)
    net_name = {}
    for nname, n in m.get("netnames", {}).items():
        for k, b in enumerate(n.get("bits", [])):
            if isinstance(b, int) and (b not in net_name or (not n.get("hide_name") and net_name[b][1])):
                net_name[b] = (f"{nname}[{k}]" if len(n["bits"]) > 1 else nname, n.get("hide_name", 0))
    # bit -> (driver cell index, or -1 for an input port)
    driver = {}
    port_bit = {}
    for pname, p in m["ports"].items():
        for k, b in enumerate(p["bits"]):
            if isinstance(b, int):
                port_bit.setdefault(b, f"{pname}[{k}]")
        if p["direction"] in ("input", "inout"):
            for b in p["bits"]:
                if isinstance(b, int):
                    driver[b] = -1
    ins = [[] for _ in names]   # data input bits of each cell
    outs = [[] for _ in names]
    for i, n in enumerate(names):
        c = cells[n]
        dirs = c.get("port_directions", {})
        for pin, bits in c["connections"].items():
            dr = dirs.get(pin)
            if dr is None:
                raise DepthError(f"cell {n} ({c['type']}): no direction for pin {pin}")
            ints = [b for b in bits if isinstance(b, int)]
            if dr == "output":
                for b in ints:
                    driver[b] = i
                outs[i].extend(ints)
            elif pin not in CLOCK_PINS:
                ins[i].extend(ints)

    comb = [k in comb_delay for k in kinds]
    # Kahn over combinational cells: edges driver -> consumer for comb drivers.
    consumers = [[] for _ in names]
    indeg = [0] * len(names)
    for i in range(len(names)):
        if not comb[i]:
            continue
        seen = set()
        for b in ins[i]:
            j = driver.get(b, -2)
            if j >= 0 and comb[j] and j not in seen:
                seen.add(j)
                consumers[j].append(i)
                indeg[i] += 1
    NEG = float("-inf")
    # Arrival at each cell's output: (reg-start arrival, any-start arrival), predecessor for each.
    arr_r = [NEG] * len(names)
    arr_a = [NEG] * len(names)
    pre_r = [None] * len(names)
    pre_a = [None] * len(names)
    for i, k in enumerate(kinds):
        if k in start_delay:
            arr_r[i] = arr_a[i] = start_delay[k]

    def source_arrival(b):
        """(reg arrival, any arrival, source) of a bit driven by a non-combinational source."""
        j = driver.get(b, -2)
        if j == -1:
            return NEG, 0.0, ("port", b)
        if j == -2:
            return NEG, NEG, None  # constant or undriven
        if comb[j]:
            return None
        k = kinds[j]
        if k in start_delay:
            return arr_r[j], arr_a[j], ("cell", j)
        return NEG, 0.0, ("cell", j)  # blackbox output

    order = [i for i in range(len(names)) if comb[i] and indeg[i] == 0]
    done = 0
    while order:
        i = order.pop()
        done += 1
        br, ba, pr, pa = NEG, NEG, None, None
        for b in ins[i]:
            j = driver.get(b, -2)
            if j >= 0 and comb[j]:
                r, a, src = arr_r[j], arr_a[j], ("cell", j)
            else:
                r, a, src = source_arrival(b)
            if r > br:
                br, pr = r, src
            if a > ba:
                ba, pa = a, src
        dl = comb_delay[kinds[i]]
        arr_r[i], pre_r[i] = br + dl, pr
        arr_a[i], pre_a[i] = ba + dl, pa
        for c in consumers[i]:
            indeg[c] -= 1
            if indeg[c] == 0:
                order.append(c)
    ncomb = sum(comb)
    if done != ncomb:
        raise DepthError(f"{top}: combinational loop ({ncomb - done} cells not ordered)")

    # End points: data inputs of clocked cells and blackboxes, output ports.
    extra = {"ff": d["T_SETUP"], "bram": d["T_SETUP"] + 0.3, "dsp_reg": d["T_DSP_IN"], "bb": 0.0}
    best = {"reg": (NEG, None, None), "any": (NEG, None, None)}
    per_end = {}  # end signal -> (reg-start arrival incl. end cost, source, end)

    def end_signal(i):
        o = outs[i]
        if o and o[0] in net_name:
            return re.sub(r"\[\d+\]$", "", net_name[o[0]][0])
        return names[i]

    def consider(b, end, add, reg_end):
        j = driver.get(b, -2)
        if j >= 0 and comb[j]:
            r, a, src = arr_r[j], arr_a[j], ("cell", j)
        else:
            res = source_arrival(b)
            if res is None:
                return
            r, a, src = res
        if reg_end and r + add > best["reg"][0]:
            best["reg"] = (r + add, src, end)
        if reg_end and r != NEG:
            sig = end_signal(end[1])
            if sig not in per_end or r + add > per_end[sig][0]:
                per_end[sig] = (r + add, src, end)
        if a + add > best["any"][0]:
            best["any"] = (a + add, src, end)

    for i, k in enumerate(kinds):
        if k in extra:
            for b in ins[i]:
                consider(b, ("cell", i), extra[k], k != "bb")
    for pname, p in m["ports"].items():
        if p["direction"] in ("output", "inout"):
            for b in p["bits"]:
                if isinstance(b, int):
                    consider(b, ("port", pname), 0.0, False)

    def walk(src, pre, arr):
        path = []
        while src is not None and src[0] == "cell":
            j = src[1]
            path.append(j)
            if not comb[j]:
                break
            src = pre[j]
        start = src
        return list(reversed(path)), start

    def describe(key, pre, arr, which=None):
        tot, src, end = which if which is not None else best[key]
        if tot == NEG:
            return None
        path, start = walk(src, pre, arr)
        counts = {"lut": 0, "muxf": 0, "carry": 0, "dsp": 0}
        for j in path:
            if kinds[j] in counts:
                counts[kinds[j]] += 1
        overhead = d["T_SETUP"] + d["T_UNCERT"]
        ns = tot + overhead

        def name(s):
            if s is None:
                return "constant"
            if s[0] == "port":
                return f"port {port_bit.get(s[1], s[1])}" if isinstance(s[1], int) else f"port {s[1]}"
            c = cells[names[s[1]]]
            nm = names[s[1]]
            o = outs[s[1]]
            if o and o[0] in net_name and not net_name[o[0]][1]:
                nm = f"{nm} driving {net_name[o[0]][0]}"
            return f"{c['type']} {nm}"
        first = path[0] if path else None
        steps = []
        for j in path:
            o = outs[j]
            net = net_name[o[0]][0] if o and o[0] in net_name else names[j]
            src_attr = cells[names[j]].get("attributes", {}).get("src", "")
            steps.append({"kind": kinds[j], "type": cells[names[j]]["type"], "net": net,
                          "src": src_attr.split("|")[0]})
        return {
            "steps": steps,
            "ns": round(ns, 3),
            "fmax_mhz": round(1000.0 / ns, 1) if ns > 0 else None,
            "lut_levels": counts["lut"],
            "carry_cells": counts["carry"],
            "muxf": counts["muxf"],
            "dsp_comb": counts["dsp"],
            "from": name(("cell", first)) if first is not None and not comb[first] else name(start),
            "to": name(end),
        }

    worst_ends = sorted(per_end.items(), key=lambda kv: -kv[1][0])[:ends]
    r = {
        "family": family,
        "delays_ns": d,
        "cells": len(names),
        "reg_to_reg": describe("reg", pre_r, arr_r),
        "any": describe("any", pre_a, arr_a),
    }
    if ends:
        r["ends"] = [dict(describe("reg", pre_r, arr_r, v), signal=k) for k, v in worst_ends]
    if path_of is not None:
        if path_of not in per_end:
            raise DepthError(f"no register end point named {path_of} "
                             f"(have: {', '.join(sorted(per_end)[:12])} ...)")
        r["path"] = dict(describe("reg", pre_r, arr_r, per_end[path_of]), signal=path_of)
    return r


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("netlist")
    ap.add_argument("top")
    ap.add_argument("--out")
    ap.add_argument("--family", default="xcup", choices=["xcup", "xc7"])
    ap.add_argument("--ends", type=int, default=0, metavar="N",
                    help="also list the N slowest register end points (by signal)")
    ap.add_argument("--path", metavar="SIGNAL",
                    help="print the cells of the slowest path into register end point SIGNAL "
                         "(a name as --ends prints it), with each cell's source location")
    args = ap.parse_args(argv)
    try:
        with open(args.netlist) as f:
            net = json.load(f)
    except (OSError, ValueError) as e:
        print(f"logic_depth: cannot read {args.netlist}: {e}", file=sys.stderr)
        return 2
    try:
        r = analyse(net, args.top, args.family, args.ends, args.path)
    except DepthError as e:
        print(f"logic_depth: {args.netlist}: {e}", file=sys.stderr)
        return 1
    r["module"] = args.top
    text = json.dumps(r, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    for key in ("reg_to_reg", "any"):
        p = r[key]
        if p:
            print(f"{args.top} {key}: {p['lut_levels']} LUT levels, {p['carry_cells']} carry, "
                  f"{p['muxf']} muxf, {p['dsp_comb']} dsp, {p['ns']} ns, ~{p['fmax_mhz']} MHz "
                  f"({p['from']} -> {p['to']})")
        else:
            print(f"{args.top} {key}: no path")
    for p in r.get("ends", []):
        print(f"{args.top} end {p['signal']}: {p['lut_levels']} LUT levels, {p['carry_cells']} carry, "
              f"{p['muxf']} muxf, {p['dsp_comb']} dsp, {p['ns']} ns, ~{p['fmax_mhz']} MHz (from {p['from']})")
    if "path" in r:
        p = r["path"]
        print(f"{args.top} path into {p['signal']} ({p['ns']} ns) from {p['from']}:")
        for st in p["steps"]:
            print(f"  {st['kind']:6} {st['type']:10} {st['net']:40} {st['src']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
