#!/usr/bin/env python3
"""Rewrites a COPY of rtl/ so that Yosys 0.55 reads it correctly (never run on the repository).

Yosys 0.55 (read_verilog -sv) problems found while synthesising tsp_sxm / tsp_mxm:
  1. `return` in functions is a syntax error      -> assign to the function name instead.
  2. a package item referencing another package   -> tsp_isa_pkg constants inlined into tsp_pkg
     ("implicitly declared outside of a module")     (Fingerprint replaced by 0).
  3. packed arrays of structs silently lose their  -> streams_t / writes_t become plain
     dimensions (streams_t ports were 129 bits)      logic [S][SL][WordBits:0] (same layout).
usage (from the copy's root): yosys_pkg_workarounds.py rtl/pkg/*.sv rtl/slices/*.sv rtl/common/*.sv
"""
import os
import re
import sys

for path in sys.argv[1:]:
    text = open(path).read()
    out, fn = [], None
    for line in text.split('\n'):
        m = re.search(r'function\s+automatic\s+.*?(\w+)\s*\(', line)
        if m:
            fn = m.group(1)
        if fn and re.match(r'\s*return\b', line):
            line = re.sub(r'return\s+', fn + ' = ', line, count=1)
        out.append(line)
    open(path, 'w').write('\n'.join(out))

if os.path.exists('rtl/pkg/tsp_pkg.sv'):
    isa = open('rtl/pkg/tsp_isa_pkg.sv').read()
    vals = dict(re.findall(r'localparam\s+int\s+unsigned\s+(\w+)\s*=\s*(\d+)\s*;', isa))
    s = open('rtl/pkg/tsp_pkg.sv').read()
    s = re.sub(r'localparam logic \[63:0\] Fingerprint\s*=.*?;', "localparam logic [63:0] Fingerprint = 64'h0;", s,
               flags=re.S)
    s = re.sub(r'tsp_isa_pkg::(\w+)', lambda m: vals.get(m.group(1), m.group(0)), s)
    s = re.sub(r'typedef slot_t \[StreamsPerDir-1:0\]\[NumSuperlanes-1:0\] (\w+);',
               r'typedef logic [StreamsPerDir-1:0][NumSuperlanes-1:0][WordBits:0] \1;', s)
    open('rtl/pkg/tsp_pkg.sv', 'w').write(s)
