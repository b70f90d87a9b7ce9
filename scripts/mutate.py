#!/usr/bin/env python3
"""Mutation testing of the RTL (docs/verification.md, "Mutation testing"; `make mutate MUTANTS=n`).

Generates mutants of the SystemVerilog sources in rtl/ (operator swaps, constant changes, condition
inversions, dropped assignments, case-item swaps), deterministically from a seed, and runs each one
against the unit test that covers its module: the mutant is written into a scratch copy of rtl/
(<build>/rtl, never the tree), a separate CMake build (<build>, configured with
-DTSP_RTL_DIR=<build>/rtl) rebuilds only that unit test binary, and the test runs with a timeout.

  killed     the test failed, crashed or timed out
  survived   the test passed
  stillborn  the mutant did not build (Verilator or C++ error): counted apart, not in the kill rate

Each mutant is a record (file, line, column, original, replacement); exactly one is applied at a
time. Output: a per-module table and the survivors with their diff lines, in
<build>/mutation-report.md (rewritten after every mutant, so an interrupted run keeps its results)
and on stdout. Only the Python 3 standard library.

  scripts/mutate.py --list [--modules icu,mem] [--count N] [--seed S]   the mutants only, no build
  scripts/mutate.py --count 20 --modules icu,mem                         build and run
"""

import argparse
import dataclasses
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"

# Module group -> (RTL files mutated, kill suite = unit test binary, its directory in the build).
# tsp_ram_sdp is covered by the ICU (instruction memory) and MEM (banks) tests: it is mutated
# under "mem". The core group re-Verilates the whole small-geometry core per mutant (test_rtl_core
# links tsp_rtl_small): correct but slow, so it is not in the default module list.
MODULES = {
    "icu": (["core/tsp_icu.sv"], "test_rtl_icu", "tb/unit/icu"),
    "mem": (["slices/tsp_mem_slice.sv", "common/tsp_delay.sv", "common/tsp_ram_sdp.sv"],
            "test_rtl_mem", "tb/unit/mem"),
    "fp": (["slices/tsp_fp_add_align.sv", "slices/tsp_fp_add_norm.sv", "slices/tsp_fp_add.sv", "slices/tsp_fp_mul_ops.sv", "slices/tsp_fp_mul_pre.sv", "slices/tsp_fp_mul_round.sv", "slices/tsp_fp_mul.sv",
            "slices/tsp_fp_max.sv", "slices/tsp_fp_i2f.sv", "slices/tsp_fp_f2i_core.sv", "slices/tsp_fp_f2i.sv", "slices/tsp_fp_mul_f2i.sv",
            "slices/tsp_vxm_lane.sv", "slices/tsp_vxm_tile.sv"], "test_rtl_fp", "tb/unit/fp"),
    "vxm": (["slices/tsp_vxm_alu.sv", "slices/tsp_vxm.sv"], "test_rtl_vxm", "tb/unit/vxm"),
    "mxm": (["slices/tsp_mxm_dot.sv", "slices/tsp_mxm.sv"], "test_rtl_mxm", "tb/unit/mxm"),
    "sxm": (["slices/tsp_sxm_red.sv", "slices/tsp_sxm_trans.sv", "slices/tsp_sxm_sel.sv",
             "slices/tsp_sxm.sv"], "test_rtl_sxm", "tb/unit/sxm"),
    "sregs": (["core/tsp_stream_regs.sv"], "test_rtl_sregs", "tb/unit/sregs"),
    "sregs_grp": (["core/tsp_stream_regs_grp.sv"], "test_rtl_sregs_vxm", "tb/unit/sregs"),
    "core": (["core/tsp_csr.sv", "core/tsp_core.sv", "top/tsp_top.sv"],
             "test_rtl_core", "tb/unit/core"),
}
DEFAULT_MODULES = ["icu", "mem", "fp", "vxm", "mxm", "sxm", "sregs"]


@dataclasses.dataclass
class Mutant:
    module: str
    file: str  # relative to rtl/
    line: int  # 1-based
    col: int  # 1-based
    original: str
    replacement: str
    kind: str

    @property
    def key(self):
        return f"{self.file}:{self.line}:{self.col}:{self.kind}"


# -------------------------------------------------------------------------------------------------
# Lexing: which characters are code (not comment, not string).
# -------------------------------------------------------------------------------------------------
def code_mask(text):
    """The text with comments and string literals replaced by spaces (newlines kept)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        else:
            i += 1
    return "".join(out)


TOKEN_RE = re.compile(r"""
    (?P<sized>\d+\s*'[sS]?[dDhHbBoO]\s*[0-9a-fA-F_xXzZ?]+)
  | (?P<cast>\d+'\()
  | (?P<unsized>'[01])
  | (?P<ident>[A-Za-z_$][\w$]*(?:::[A-Za-z_$][\w$]*)*)
  | (?P<num>\d+)
  | (?P<op><<<|>>>|===|!==|<<|>>|<=|>=|==|!=|&&|\|\||\+:|-:|\+\+|--|\+=|-=|\|=|&=|\^=|::|[-+*/%&|^~!<>=?:;,.()\[\]{}\#@'`])
  | (?P<ws>\s+)
""", re.VERBOSE)

DECL_RE = re.compile(
    r"^\s*(logic|wire|reg|bit|byte|int|integer|genvar|input|output|inout|typedef|localparam|"
    r"parameter|(?:\w+::)?\w+_[te])\b")
KEYWORDS = {"if", "else", "begin", "end", "case", "unique", "priority", "endcase", "for", "assign",
            "always_ff", "always_comb", "always", "posedge", "negedge", "or", "return", "default",
            "function", "endfunction", "automatic", "module", "endmodule", "initial", "generate",
            "endgenerate"}


def tokens(code_line):
    """(kind, text, column 0-based) of one line of code (comments already blanked)."""
    out = []
    pos = 0
    while pos < len(code_line):
        m = TOKEN_RE.match(code_line, pos)
        if not m:
            out.append(("other", code_line[pos], pos))
            pos += 1
            continue
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


def close_depth(ln, start, depth):
    """Parenthesis depth after scanning ln[start:] from depth, stopping where it returns to 0."""
    opened = depth > 0
    for ch in ln[start:]:
        if ch == "(":
            depth += 1
            opened = True
        elif ch == ")":
            depth -= 1
            if opened and depth == 0:
                return 0
    return depth


def eligible_lines(code):
    """Line numbers (0-based) whose code may be mutated: the module body's statements, without the
    module header (parameter and port lists), parameter / localparam / typedef / declarations,
    instance parameter lists, function headers, `ifdef'd code and macro invocations (assertions)."""
    lines = code.split("\n")
    ok = [False] * len(lines)
    ifdef = 0
    skip_until_semicolon = False
    paren_skip = 0  # > 0: inside a skipped parenthesised list (module header, #(...), function args)
    in_module_header = False
    for i, ln in enumerate(lines):
        s = ln.strip()
        if s.startswith("`ifdef") or s.startswith("`ifndef"):
            ifdef += 1
            continue
        if s.startswith("`endif"):
            ifdef = max(0, ifdef - 1)
            continue
        if ifdef or s.startswith("`") or not s:
            continue
        depth_change = ln.count("(") - ln.count(")")
        if in_module_header:
            paren_skip += depth_change
            if paren_skip <= 0 and ";" in ln:
                in_module_header = False
                paren_skip = 0
            continue
        if re.match(r"^\s*module\b", ln):
            in_module_header = True
            paren_skip = depth_change
            if paren_skip <= 0 and ";" in ln:
                in_module_header = False
                paren_skip = 0
            continue
        if paren_skip > 0:
            paren_skip = close_depth(ln, 0, paren_skip)
            continue
        if skip_until_semicolon:
            if ";" in ln:
                skip_until_semicolon = False
            continue
        if "#(" in ln:
            # Instance parameter list: skip it (widths, depths), up to its closing parenthesis.
            paren_skip = close_depth(ln, ln.index("#("), 0)
            continue
        if re.match(r"^\s*function\b", ln):
            paren_skip = close_depth(ln, 0, 0)
            continue
        if DECL_RE.match(ln) or re.match(r"^\s*\w+\s+\w+(\s*,\s*\w+)*\s*;", ln) and \
                not re.match(r"^\s*(assign|end|begin|else)\b", ln):
            if ";" not in ln:
                skip_until_semicolon = True
            continue
        if re.search(r"\bunused", ln):  # lint sinks: assign unused = ^{...}
            continue
        ok[i] = True
    return ok


def literal_variants(tok):
    """Constant changes of a sized literal: n+1, n-1, 0 (within its width), 1'bx flipped."""
    m = re.match(r"(\d+)(\s*'[sS]?)([dDhHbBoO])\s*([0-9a-fA-F_]+)$", tok)
    if not m:
        return []
    width, tick, base, digits = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    radix = {"d": 10, "h": 16, "b": 2, "o": 8}[base.lower()]
    try:
        v = int(digits.replace("_", ""), radix)
    except ValueError:
        return []
    fmt = {"d": str, "h": lambda x: format(x, "X"), "b": lambda x: format(x, "b"),
           "o": lambda x: format(x, "o")}[base.lower()]
    out = []
    for nv in (v + 1, v - 1, 0):
        if nv < 0 or nv >= (1 << width) or nv == v or any(nv == o for o, _ in out):
            continue
        out.append((nv, f"{width}{tick}{base}{fmt(nv)}"))
    return [t for _, t in out]


def find_close(code, start):
    """Index of the parenthesis closing the one at code[start] (across lines), or -1."""
    d = 0
    for j in range(start, len(code)):
        if code[j] == "(":
            d += 1
        elif code[j] == ")":
            d -= 1
            if d == 0:
                return j
    return -1


def gen_file(module, rel):
    text = (RTL / rel).read_text()
    code = code_mask(text)
    lines = code.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    ok = eligible_lines(code)
    muts = []

    def add(off, original, replacement, kind):
        li = max(k for k in range(len(starts)) if starts[k] <= off)
        assert text[off:off + len(original)] == original, (rel, off, original)
        muts.append(Mutant(module, rel, li + 1, off - starts[li] + 1, original, replacement, kind))

    # Case blocks: stack of [begin depth at the case, previous item (offset, label) or None].
    case_stack = []
    begin_depth = 0
    for li, ln in enumerate(lines):
        toks = tokens(ln)
        base = starts[li]
        # Case-item bookkeeping runs on every line (so depths stay right), mutation only on eligible.
        at_item_level = case_stack and case_stack[-1][0] == begin_depth
        if at_item_level and ok[li] and toks and toks[0][1] not in ("default", "end", "begin",
                                                                    "endcase"):
            # A single-line label list: tokens up to the first ':' at paren depth 0.
            colon = None
            depth = 0
            for k, (kind, t, c) in enumerate(toks):
                if t in "([{":
                    depth += 1
                elif t in ")]}":
                    depth -= 1
                elif t == ":" and depth == 0:
                    colon = k
                    break
                elif t in ("?", "=", "<=", ";"):
                    break
            if colon is not None and colon > 0:
                label = ln[toks[0][2]:toks[colon][2]].rstrip()
                if re.fullmatch(r"[\w:', ]+", label) and not case_stack[-1][2]:
                    cur = (base + toks[0][2], label)
                    prev = case_stack[-1][1]
                    if prev is not None:
                        p_off, p_label = prev
                        span = text[p_off:cur[0] + len(label)]
                        swapped = cur[1] + span[len(p_label):len(span) - len(label)] + p_label
                        add(p_off, span, swapped, "case-swap")
                    case_stack[-1][1] = cur
                else:
                    case_stack[-1][1] = None
            # A label list continued on the next line: that item is never swapped.
            case_stack[-1][2] = bool(toks) and toks[-1][1] == ","
            if case_stack[-1][2]:
                case_stack[-1][1] = None
        for kind, t, c in toks:
            if t in ("case", "casez", "casex"):
                case_stack.append([begin_depth, None, False])
            elif t == "endcase":
                if case_stack:
                    case_stack.pop()
            elif t == "begin":
                begin_depth += 1
            elif t == "end":
                begin_depth -= 1
        if case_stack and case_stack[-1][0] == begin_depth and toks and toks[0][1] == "default":
            case_stack[-1][1] = None  # never swap across a default item

        if not ok[li]:
            continue
        # ---- operators, constants (outside [...] selects and {n{...}} replications) ----
        bracket = 0
        prev_kind, prev_t = None, None
        stmt_has_assign = False  # an '=' / '<=' assignment already seen in this statement
        paren = 0
        first_nb = None
        for k, (kind, t, c) in enumerate(toks):
            off = base + c
            nxt = toks[k + 1][1] if k + 1 < len(toks) else None
            operand_before = prev_kind in ("ident", "num", "sized", "unsized") and \
                prev_t not in KEYWORDS or prev_t in (")", "]", "}")
            if t == "[":
                bracket += 1
            elif t == "]":
                bracket -= 1
            elif t == "(":
                paren += 1
            elif t == ")":
                paren -= 1
            elif t == ";":
                stmt_has_assign = False
            if bracket > 0 or t in ("[", "]"):
                prev_kind, prev_t = kind, t
                continue
            if kind == "op":
                if t == "<=" and paren == 0 and not stmt_has_assign:
                    stmt_has_assign = True  # nonblocking assignment, not a comparison
                    if first_nb is None:
                        first_nb = (k, off)
                elif t == "=" and paren == 0:
                    stmt_has_assign = True
                elif t in ("+", "-") and operand_before:
                    add(off, t, "-" if t == "+" else "+", "arith")
                elif t in ("&", "|") and operand_before:
                    add(off, t, "|" if t == "&" else "&", "logic")
                elif t in ("&", "|") and not operand_before:
                    add(off, t, "|" if t == "&" else "&", "reduce")
                elif t in ("&&", "||"):
                    add(off, t, "||" if t == "&&" else "&&", "logic")
                elif t == "^" and operand_before:
                    add(off, t, "|", "xor")
                elif t in ("==", "!="):
                    add(off, t, "!=" if t == "==" else "==", "equality")
                elif t in ("<", "<=", ">", ">="):
                    add(off, t, {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}[t], "relational")
                elif t in ("<<", ">>", "<<<", ">>>"):
                    add(off, t, {"<<": ">>", ">>": "<<", "<<<": ">>>", ">>>": "<<<"}[t], "shift")
                elif t == "~":
                    add(off, t, "", "drop-not")
                elif t == "!":
                    add(off, t, "", "drop-not")
            elif kind == "sized":
                for v in literal_variants(t):
                    add(off, t, v, "const")
            elif kind == "unsized":
                add(off, t, "'1" if t == "'0" else "'0", "const")
            elif kind == "num" and nxt != "{" and not (prev_t == "{" and nxt == "{"):
                n = int(t)
                for v in (n + 1, n - 1, 0):
                    if v >= 0 and v != n and (v != 0 or n > 1):
                        add(off, t, str(v), "const")
            elif kind == "ident" and t == "if" and nxt == "(":
                open_off = base + toks[k + 1][2]
                close = find_close(code, open_off)
                if close > 0:
                    inner = text[open_off + 1:close]
                    add(open_off, "(" + inner + ")", "(!(" + inner + "))", "invert-if")
            prev_kind, prev_t = kind, t
        # ---- dropped assignments ----
        if toks and toks[0][1] == "assign":
            eq = next((k for k, tk in enumerate(toks) if tk[1] == "="), None)
            if eq is not None:
                rhs_start = base + toks[eq][2] + 1
                end = code.find(";", rhs_start)
                rhs = text[rhs_start:end]
                if rhs.strip() not in ("'0", "0", "1'b0"):
                    lead = len(rhs) - len(rhs.lstrip())
                    add(rhs_start + lead, rhs[lead:], "'0", "drop-assign")
        if first_nb is not None:
            k, off = first_nb
            # The statement: from the target's first token back to the '<=', through the ';'.
            j = k - 1
            while j > 0 and (toks[j - 1][0] in ("ident", "num") or toks[j - 1][1] in
                             ("[", "]", ".", ":", "+", "-")) and toks[j - 1][1] not in KEYWORDS:
                j -= 1
            if toks[j][1] == ")" or toks[j][1] in KEYWORDS:
                j += 1
            start = base + toks[j][2]
            end = code.find(";", off)
            if end > 0 and "\n" not in code[start:end] and toks[j][0] == "ident":
                add(start, text[start:end + 1], ";", "drop-nba")
    return muts


def all_mutants(modules):
    out = {}
    for m in modules:
        out[m] = []
        for rel in MODULES[m][0]:
            out[m].extend(gen_file(m, rel))
    return out


def select(by_module, count, seed):
    """Round robin over the modules; within a module, round robin over the mutation kinds (in an
    order drawn from the seed), each kind's mutants shuffled by the seed: a small sample covers
    every operator rather than mostly constants (the most numerous kind)."""
    pools = {}
    for m, muts in by_module.items():
        rng = random.Random(f"{seed}:{m}")
        kinds = sorted({x.kind for x in muts})
        rng.shuffle(kinds)
        per_kind = {k: [x for x in muts if x.kind == k] for k in kinds}
        for k in kinds:
            rng.shuffle(per_kind[k])
        p = []
        while any(per_kind.values()):
            for k in kinds:
                if per_kind[k]:
                    p.append(per_kind[k].pop(0))
        pools[m] = p
    chosen = []
    while len(chosen) < count and any(pools.values()):
        for m in by_module:
            if pools[m] and len(chosen) < count:
                chosen.append(pools[m].pop(0))
    return chosen


def apply(mut):
    text = (RTL / mut.file).read_text()
    lines = text.split("\n")
    off = sum(len(ln) + 1 for ln in lines[:mut.line - 1]) + mut.col - 1
    assert text[off:off + len(mut.original)] == mut.original, mut
    return text[:off] + mut.replacement + text[off + len(mut.original):]


def diff_lines(mut):
    old = (RTL / mut.file).read_text().split("\n")
    new = apply(mut).split("\n")
    n = mut.original.count("\n") + 1
    n2 = mut.replacement.count("\n") + 1
    a = old[mut.line - 1:mut.line - 1 + n]
    b = new[mut.line - 1:mut.line - 1 + n2]
    return [f"- {x.rstrip()}" for x in a] + [f"+ {x.rstrip()}" for x in b]


def describe(mut):
    o = mut.original if "\n" not in mut.original else mut.original.split("\n")[0] + " ..."
    r = mut.replacement if "\n" not in mut.replacement else mut.replacement.split("\n")[0] + " ..."
    return f"rtl/{mut.file}:{mut.line}:{mut.col} [{mut.kind}] '{o}' -> '{r}'"


# -------------------------------------------------------------------------------------------------
# Build and run.
# -------------------------------------------------------------------------------------------------
def run(cmd, timeout, log, env=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           env=env, cwd=ROOT)
        out, rc = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode(errors="replace") + "\n[timeout]\n", None
    log.write(f"$ {' '.join(map(str, cmd))}\n{out}\n")
    log.flush()
    return rc, out, time.monotonic() - t0


def configure(build, scratch, jobs, log):
    if not (build / "build.ninja").exists():
        cmd = ["cmake", "-S", str(ROOT), "-B", str(build), "-G", "Ninja",
               f"-DTSP_RTL_DIR={scratch}",
               # Mutation build: the generated C++ unoptimised (compile time dominates, the unit
               # tests run for seconds), no test discovery at build time.
               "-DTSP_VERILATED_CXX_FLAGS=-O0 -g0", "-DTSP_RTL_DEFAULT_OPT_FAST=-O0 -g0",
               "-DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST",
               # No build.ninja regeneration rule: it depends on every Verilated model's file list,
               # whose generation depends on the RTL, so any mutant would re-Verilate both whole
               # cores first. sync_file_list() below takes its place for the one model rebuilt.
               "-DCMAKE_SUPPRESS_REGENERATION=ON"]
        print("configuring", build, "(Verilator runs once per model at configure time)", flush=True)
        rc, out, _ = run(cmd, 3600, log)
        if rc != 0:
            sys.exit(f"configure failed, see {log.name}")


def first_error(out):
    for ln in out.splitlines():
        if re.search(r"%Error|error:|Error ", ln):
            return ln.strip()[:200]
    return "build failed"


CONFIGURED = {}  # V<top>_copy.cmake -> its content when CMake last read it (configure)


def file_lists(build):
    for m in MODULES:
        _, target, subdir = MODULES[m]
        yield from (build / subdir / "CMakeFiles" / f"{target}.dir").glob("*.dir/*_copy.cmake")


def reconfigure(build, log):
    run(["cmake", str(build)], 600, log)
    for copy in file_lists(build):
        CONFIGURED[copy] = copy.read_bytes()


def sync_file_list(build, module, log):
    """Verilator writes the list of the C++ files it generated into V<top>.cmake; build.ninja
    compiles the list CMake read at configure time (V<top>_copy.cmake then). If a mutant changed the
    list (e.g. a new constant pool file), reconfigure (no Verilator run at configure: its arguments
    are unchanged) so that the next build compiles the new list. True if it did."""
    _, target, subdir = MODULES[module]
    changed = False
    for copy in (build / subdir / "CMakeFiles" / f"{target}.dir").glob("*.dir/*_copy.cmake"):
        cur = copy.with_name(copy.name.replace("_copy.cmake", ".cmake"))
        if cur.exists() and cur.read_bytes() != CONFIGURED.get(copy):
            shutil.copyfile(cur, copy)
            changed = True
    if changed:
        reconfigure(build, log)
    return changed


def build_and_test(build, module, jobs, timeout, log):
    _, target, subdir = MODULES[module]
    cmd = ["cmake", "--build", str(build), "--target", target, "-j", str(jobs)]
    rc, out, tb = run(cmd, 1800, log)
    if sync_file_list(build, module, log):
        rc, out, tb2 = run(cmd, 1800, log)
        tb += tb2
    if rc != 0:
        return "stillborn", tb, 0.0, first_error(out)
    env = dict(os.environ, GTEST_FAIL_FAST="1", GTEST_BRIEF="1")
    rc, out, tt = run([str(build / subdir / target)], timeout, log, env)
    if rc is None:
        return "killed", tb, tt, "timeout"
    if rc != 0:
        failed = [ln for ln in out.splitlines() if ln.startswith("[  FAILED  ]")]
        return "killed", tb, tt, (failed[0][13:] if failed else f"exit {rc}")[:160]
    return "survived", tb, tt, ""


def write_report(path, modules, results, meta):
    rows = []
    tot = {"n": 0, "stillborn": 0, "killed": 0, "survived": 0}
    for m in modules:
        rs = [r for r in results if r["module"] == m]
        c = {k: sum(1 for r in rs if r["status"] == k) for k in ("stillborn", "killed", "survived")}
        n = len(rs)
        for k in c:
            tot[k] += c[k]
        tot["n"] += n
        live = c["killed"] + c["survived"]
        rate = f"{100.0 * c['killed'] / live:.0f}%" if live else "-"
        rows.append(f"| {m} | {MODULES[m][1]} | {n} | {c['stillborn']} | {c['killed']} | "
                    f"{c['survived']} | {rate} |")
    live = tot["killed"] + tot["survived"]
    rate = f"{100.0 * tot['killed'] / live:.0f}%" if live else "-"
    rows.append(f"| **all** | | {tot['n']} | {tot['stillborn']} | {tot['killed']} | "
                f"{tot['survived']} | {rate} |")
    built = [r for r in results if r["status"] != "stillborn"]
    per = [r["build_s"] + r["test_s"] for r in built]
    avg = sum(per) / len(per) if per else 0.0
    lines = ["# RTL mutation testing report", "",
             f"seed {meta['seed']}, {len(results)} of {meta['selected']} selected mutants run "
             f"(modules: {', '.join(modules)}; candidates per module: "
             f"{', '.join(m + ' ' + str(meta['candidates'][m]) for m in modules)})", "",
             "| module | kill suite | mutants | stillborn | killed | survived | kill rate |",
             "|---|---|---|---|---|---|---|", *rows, ""]
    if per:
        lines.append(f"Per built mutant: {avg:.1f} s on average (build {sum(r['build_s'] for r in built) / len(built):.1f} s "
                     f"+ test {sum(r['test_s'] for r in built) / len(built):.1f} s); "
                     f"projected for 200 mutants: {200 * avg / 60:.0f} min.")
        for m in modules:
            b = [r["build_s"] + r["test_s"] for r in built if r["module"] == m]
            if b:
                lines.append(f"  {m}: {sum(b) / len(b):.1f} s per mutant")
        lines.append("")
    lines.append("## Survivors")
    lines.append("")
    surv = [r for r in results if r["status"] == "survived"]
    if not surv:
        lines.append("none")
    for r in surv:
        lines.append(f"* #{r.get('number', '?')} `{r['describe']}`")
        lines.append("  ```")
        lines.extend("  " + d for d in r["diff"])
        lines.append("  ```")
    lines.append("")
    lines.append("## Stillborn (did not build)")
    lines.append("")
    still = [r for r in results if r["status"] == "stillborn"]
    lines.extend([f"* `{r['describe']}`: {r['detail']}" for r in still] or ["none"])
    lines.append("")
    lines.append("## All mutants")
    lines.append("")
    lines.extend(f"* #{r.get('number', '?')} {r['status']}: `{r['describe']}` ({r['build_s']:.0f}+{r['test_s']:.0f} s)"
                 + (f" — {r['detail']}" if r["detail"] else "") for r in results)
    path.write_text("\n".join(lines) + "\n")
    return "\n".join(lines[:lines.index("## Survivors")] +
                     lines[lines.index("## Survivors"):lines.index("## Stillborn (did not build)")])


def parse_indices(text, count):
    """'167-200,84' -> {84, 167, ..., 200}; each number within 1..count."""
    out = set()
    for part in text.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi or lo)
        except ValueError:
            sys.exit(f"--indices: '{part}' is not a number or a range N-M")
        if not 1 <= a <= b <= count:
            sys.exit(f"--indices: '{part}' is outside 1..{count} (the selection of --count {count})")
        out.update(range(a, b + 1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--modules", default=",".join(DEFAULT_MODULES),
                    help=f"comma-separated, of {','.join(MODULES)} (default {','.join(DEFAULT_MODULES)})")
    ap.add_argument("--count", type=int, default=20, help="mutants to run (round robin over modules)")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--indices", default="",
                    help="run only these of the selection, 1-based as --list numbers them:\n"
                    "'167-200,84' (to finish or repeat part of an earlier run)")
    ap.add_argument("--list", action="store_true", help="only list the selected mutants, no build")
    ap.add_argument("--all", action="store_true", help="with --list: every candidate, unsampled")
    ap.add_argument("--build", default=str(ROOT / "build-mut"), help="mutation build directory")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=0,
                    help="test timeout in seconds (default: 5 x the unmutated run + 30)")
    ap.add_argument("--time-budget", type=float, default=0,
                    help="minutes: start no new mutant after this (the report covers those run)")
    args = ap.parse_args()

    modules = [m.strip() for m in args.modules.split(",") if m.strip()]
    for m in modules:
        if m not in MODULES:
            sys.exit(f"unknown module '{m}' (known: {', '.join(MODULES)})")
    by_module = all_mutants(modules)
    if args.list:
        chosen = [x for m in modules for x in by_module[m]] if args.all else \
            select(by_module, args.count, args.seed)
        for mu in chosen:
            print(f"{mu.module:5} {describe(mu)}")
        print(f"# candidates: " + ", ".join(f"{m} {len(by_module[m])}" for m in modules) +
              f"; listed {len(chosen)}")
        return 0
    chosen = select(by_module, args.count, args.seed)
    numbers = list(range(1, len(chosen) + 1))  # each mutant's number in the selection
    if args.indices:
        wanted = parse_indices(args.indices, len(chosen))
        numbers = [n for n in numbers if n in wanted]
        chosen = [chosen[n - 1] for n in numbers]

    build = Path(args.build).resolve()
    scratch = build / "rtl"
    build.mkdir(parents=True, exist_ok=True)
    # The scratch copy of rtl/: refreshed from the tree, files rewritten only when they differ (so
    # an unchanged file keeps its time stamp and nothing is rebuilt for it).
    for src in RTL.rglob("*"):
        if src.is_file():
            dst = scratch / src.relative_to(RTL)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)  # a new time stamp: ninja rebuilds
    log = open(build / "mutation.log", "w")
    configure(build, scratch, args.jobs, log)
    reconfigure(build, log)  # CONFIGURED = what build.ninja was generated from

    used = [m for m in modules if any(x.module == m for x in chosen)]
    timeouts = {}
    for m in used:  # the unmutated suite must pass; its run time sets the timeout
        status, tb, tt, detail = build_and_test(build, m, args.jobs, 3600, log)
        print(f"baseline {m}: {MODULES[m][1]} {status} (build {tb:.0f} s, test {tt:.1f} s)",
              flush=True)
        if status != "survived":
            sys.exit(f"the unmutated {MODULES[m][1]} does not pass ({detail}); see {log.name}")
        timeouts[m] = args.timeout or 5 * tt + 30

    meta = {"seed": args.seed, "selected": len(chosen),
            "candidates": {m: len(by_module[m]) for m in modules}}
    results = []
    report = build / "mutation-report.md"
    t_start = time.monotonic()
    for i, mu in enumerate(chosen):
        if args.time_budget and time.monotonic() - t_start > 60 * args.time_budget:
            print(f"time budget of {args.time_budget:g} min used up: {i} of {len(chosen)} run")
            break
        dst = scratch / mu.file
        orig = (RTL / mu.file).read_text()
        dst.write_text(apply(mu))
        try:
            log.write(f"\n===== mutant {numbers[i]}: {describe(mu)}\n")
            status, tb, tt, detail = build_and_test(build, mu.module, args.jobs,
                                                    timeouts[mu.module], log)
        finally:
            dst.write_text(orig)
        results.append({**dataclasses.asdict(mu), "number": numbers[i], "describe": describe(mu),
                        "status": status,
                        "build_s": tb, "test_s": tt, "detail": detail, "diff": diff_lines(mu)})
        print(f"[{i + 1}/{len(chosen)}] #{numbers[i]} {status:9} {tb:5.1f}+{tt:4.1f} s  {describe(mu)}"
              + (f"  ({detail})" if detail else ""), flush=True)
        write_report(report, used, results, meta)
        (build / "mutation-results.json").write_text(json.dumps(results, indent=1))
    print()
    print(write_report(report, used, results, meta))
    print(f"total {time.monotonic() - t_start:.0f} s; report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
