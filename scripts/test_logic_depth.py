#!/usr/bin/env python3
"""Tests of scripts/logic_depth.py on hand-built netlists whose deepest paths are known by
construction (ctest logic_depth). Exit 0 when every check holds."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logic_depth  # noqa: E402

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print(f"FAIL: {what}")


def cell(typ, conns, dirs, params=None):
    return {"type": typ, "parameters": params or {}, "port_directions": dirs, "connections": conns}


def ff(d, q):
    return cell("FDRE", {"C": [1], "CE": ["1"], "D": [d], "Q": [q], "R": ["0"]},
                {"C": "input", "CE": "input", "D": "input", "Q": "output", "R": "input"})


def lut(ins, o, n=None):
    n = n or len(ins)
    conns = {f"I{k}": [b] for k, b in enumerate(ins)}
    conns["O"] = [o]
    dirs = {f"I{k}": "input" for k in range(len(ins))}
    dirs["O"] = "output"
    return cell(f"LUT{n}", conns, dirs)


def carry4(s_bits, co_bits, ci):
    return cell("CARRY4", {"CI": [ci], "CYINIT": ["0"], "DI": ["0"] * 4, "S": s_bits, "O": [900, 901, 902, 903],
                           "CO": co_bits},
                {"CI": "input", "CO": "output", "CYINIT": "input", "DI": "input", "O": "output", "S": "input"})


def module(cells, ports):
    return {"modules": {"t": {"attributes": {}, "ports": ports, "cells": cells, "netnames": {}}}}


D = {k: v[0] for k, v in logic_depth.DELAYS.items()}
OVER = D["T_SETUP"] + D["T_UNCERT"]

# 1. FF(10) -> LUT -> LUT -> LUT -> FF; a shorter FF -> LUT -> FF beside it; an input port feeding
#    a 5-LUT chain to an output port (longer, but not register to register).
cells = {
    "fa": ff(50, 10), "l1": lut([10], 11), "l2": lut([11, 10], 12), "l3": lut([12], 13), "fb": ff(13, 14),
    "fc": ff(51, 20), "l4": lut([20], 21), "fd": ff(21, 22),
}
chain_in = 30
prev = chain_in
for k in range(5):
    cells[f"p{k}"] = lut([prev], 31 + k)
    prev = 31 + k
ports = {"clk": {"direction": "input", "bits": [1]}, "x": {"direction": "input", "bits": [chain_in, 50, 51]},
         "y": {"direction": "output", "bits": [prev]}}
r = logic_depth.analyse(module(cells, ports), "t", "xcup")
rr = r["reg_to_reg"]
check(rr["lut_levels"] == 3, f"reg_to_reg LUT levels 3, got {rr['lut_levels']}")
want = D["T_FF_CO"] + 3 * D["T_LUT"] + D["T_SETUP"] + OVER
check(abs(rr["ns"] - round(want, 3)) < 1e-6, f"reg_to_reg ns {want:.3f}, got {rr['ns']}")
check(rr["from"].endswith(" fa") and rr["to"].endswith(" fb"), f"reg_to_reg fa -> fb, got {rr['from']} -> {rr['to']}")
check(abs(rr["fmax_mhz"] - round(1000 / want, 1)) < 0.05, f"fmax {1000 / want:.1f}, got {rr['fmax_mhz']}")
an = r["any"]
check(an["lut_levels"] == 5, f"any: the port chain's 5 LUT levels, got {an['lut_levels']}")
check(an["from"].startswith("port") and an["to"] == "port y", f"any: port -> port y, got {an['from']} -> {an['to']}")
# --ends: the register end points by their worst path, slowest first (fb: 3 LUT, fd: 1 LUT).
ends = logic_depth.analyse(module(cells, ports), "t", "xcup", ends=5)["ends"]
check([(e["signal"], e["lut_levels"]) for e in ends] == [("fb", 3), ("fd", 1)],
      f"ends: fb (3 levels) then fd (1), got {[(e['signal'], e['lut_levels']) for e in ends]}")
check("ends" not in r, "no ends list unless asked for")
# --path: the cells of the slowest path into an end point, start register first.
pth = logic_depth.analyse(module(cells, ports), "t", "xcup", path_of="fb")["path"]
check([(st["kind"], st["net"]) for st in pth["steps"]] == [("ff", "fa"), ("lut", "l1"), ("lut", "l2"), ("lut", "l3")],
      f"path into fb: fa, l1, l2, l3, got {[(st['kind'], st['net']) for st in pth['steps']]}")
try:
    logic_depth.analyse(module(cells, ports), "t", "xcup", path_of="nosuch")
    check(False, "--path of an unknown end point must fail")
except logic_depth.DepthError as e:
    check("nosuch" in str(e), f"--path error names the end point, got {e}")

# 2. A carry chain: FF -> LUT -> CARRY4 -> CARRY4 -> LUT -> FF: 2 LUT levels, 2 carry cells.
cells = {
    "fa": ff(50, 10), "l1": lut([10], 11),
    "c0": carry4([11, "0", "0", "0"], [60, 61, 62, 63], "0"),
    "c1": carry4(["0", "0", "0", "0"], [64, 65, 66, 67], 63),
    "l2": lut([67], 68), "fb": ff(68, 69),
}
cells["c1"]["connections"]["O"] = [904, 905, 906, 907]
ports = {"clk": {"direction": "input", "bits": [1]}, "x": {"direction": "input", "bits": [50]}}
r = logic_depth.analyse(module(cells, ports), "t", "xcup")["reg_to_reg"]
check(r["lut_levels"] == 2 and r["carry_cells"] == 2, f"carry path: 2 LUT + 2 carry, got {r}")
want = D["T_FF_CO"] + 2 * D["T_LUT"] + 2 * D["T_CARRY"] + D["T_SETUP"] + OVER
check(abs(r["ns"] - round(want, 3)) < 1e-6, f"carry path ns {want:.3f}, got {r['ns']}")

# 3. A combinational DSP (no M/P register) counts its delay; a registered one ends and starts paths.
dsp_dirs = {"A": "input", "B": "input", "P": "output", "CLK": "input"}
for reg, want_dsp in (("0", 1), ("1", 0)):
    cells = {
        "fa": ff(50, 10), "l1": lut([10], 11),
        "m": cell("DSP48E2", {"A": [11], "B": ["0"], "P": [12], "CLK": [1]}, dsp_dirs, {"MREG": reg, "PREG": "0"}),
        "l2": lut([12], 13), "fb": ff(13, 14),
    }
    ports = {"clk": {"direction": "input", "bits": [1]}, "x": {"direction": "input", "bits": [50]}}
    r = logic_depth.analyse(module(cells, ports), "t", "xcup")["reg_to_reg"]
    check(r["dsp_comb"] == want_dsp, f"DSP MREG={reg}: dsp_comb {want_dsp}, got {r}")
    if reg == "0":
        want = D["T_FF_CO"] + 2 * D["T_LUT"] + D["T_DSP_COMB"] + D["T_SETUP"] + OVER
    else:  # the longer half: FF -> LUT -> DSP input, or DSP output -> LUT -> FF
        want = max(D["T_FF_CO"] + D["T_LUT"] + D["T_DSP_IN"], D["T_DSP_CO"] + D["T_LUT"] + D["T_SETUP"]) + OVER
    check(abs(r["ns"] - round(want, 3)) < 1e-6, f"DSP MREG={reg}: ns {want:.3f}, got {r['ns']}")

# 4. A combinational loop and a missing module are errors, not answers.
cells = {"l1": lut([11], 10), "l2": lut([10], 11)}
try:
    logic_depth.analyse(module(cells, {}), "t", "xcup")
    check(False, "a combinational loop must raise")
except logic_depth.DepthError as e:
    check("loop" in str(e), f"loop error names the loop: {e}")
try:
    logic_depth.analyse(module({}, {}), "nope", "xcup")
    check(False, "a missing module must raise")
except logic_depth.DepthError as e:
    check("nope" in str(e), f"missing module named: {e}")

# 5. The command line: a truncated file is a clear error (exit 2, names the file).
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    f.write('{"modules": {')
    bad = f.name
p = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "logic_depth.py"), bad, "t"],
                   capture_output=True, text=True)
os.unlink(bad)
check(p.returncode == 2 and bad in p.stderr, f"truncated netlist: exit 2 naming the file, got {p.returncode} {p.stderr!r}")

print(f"test_logic_depth: {'FAILED ' + str(len(FAILS)) if FAILS else 'all checks passed'}")
sys.exit(1 if FAILS else 0)
