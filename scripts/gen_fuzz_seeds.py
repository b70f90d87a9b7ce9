#!/usr/bin/env python3
"""Writes the .tspb seed files next to this script, independently of the C++ writer
(docs/program-format.md). host/tests/program checks SerializeProgram reproduces them byte for byte."""
import json, os, struct, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "isa", "tsp_isa.json"), encoding="utf-8") as _f:
    _SPEC = json.load(_f)
ISA_VERSION = _SPEC["isa_version"]  # in the header and the fingerprint
_KEYS = ("NumSuperlanes", "StreamsPerDir", "MemSlicesPerHemi", "WordsPerBank", "VxmAlus", "IqDepth")
# S, streams, M, words/bank, alus, iq: the spec's geometries and one that is in no spec.
CONFIGS = {name: tuple(_SPEC["configs"][name][k] for k in _KEYS) for name in ("default", "small")}
CONFIGS["custom"] = (3, 16, 1, 16, 1, 16)

def log2(x): return x.bit_length() - 1

def fingerprint(g):
    s, st, m, w, a, iq = g
    return ISA_VERSION | s << 8 | st << 16 | m << 24 | log2(w) << 32 | a << 40 | log2(iq) << 48 | 0x5A << 56

def align(n): return (n + 63) // 64 * 64

def tspb(g, queues, mems):
    """queues: {queue id: [u64]}, mems: [(slice, addr, bytes)]."""
    secs = [(1, q, 0, b"".join(struct.pack("<Q", w) for w in ws)) for q, ws in sorted(queues.items()) if ws]
    secs += [(2, s, a, bytes(d)) for s, a, d in mems]
    off = align(56 + 24 * len(secs))
    table, body = b"", b""
    for typ, idx, aux, p in secs:
        table += struct.pack("<HHIIIII", typ, 0, idx, aux, off, len(p), zlib.crc32(p))
        body += p + bytes(align(len(p)) - len(p))
        off += align(len(p))
    head = b"TSPB" + struct.pack("<HHIIQ6II", 1, 0, ISA_VERSION, len(secs), fingerprint(g), *g, zlib.crc32(table))
    head += struct.pack("<I", zlib.crc32(head))
    pre = head + table
    out = pre + bytes(align(len(pre)) - len(pre)) + body
    return out + bytes(align(len(out)) - len(out))

SEEDS = {
    "small_empty.tspb": tspb(CONFIGS["small"], {}, []),
    "small_queues_mem.tspb": tspb(
        CONFIGS["small"], {0: [0x0123456789ABCDEF, 1, 0xFFFFFFFFFFFFFFFF], 4: [3]},
        [(3, 127, range(32)), (0, 0, [(i * 7 + 3) & 255 for i in range(64)])]),
    "default_mixed.tspb": tspb(
        CONFIGS["default"], {21: [i * 0x1111111111111111 for i in range(5)], 16: [0x11, 0x8000000000000022]},
        [(15, 1023, [0xA5] * 64), (8, 100, [255 - i for i in range(192)])]),
    "custom_full_queue.tspb": tspb(CONFIGS["custom"], {5: [0x100 * i + 1 for i in range(16)]}, [(1, 31, [7] * 48)]),
}

if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "host", "fuzz", "corpus")
    for name, data in SEEDS.items():
        assert len(data) < 4096
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")
