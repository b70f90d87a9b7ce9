// Assembler tests: encodings of source lines (golden words computed by hand from the field
// positions in docs/isa-tables.md), error messages with exact file:line:column, @ placement,
// .equ/.stream, MEM blocks.
#include "tsp/assembler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tsp/geometry.h"

namespace tsp {
namespace {

constexpr uint64_t E(uint64_t i) { return i; }
constexpr uint64_t W(uint64_t i) { return 16 + i; }

// Default geometry queue ids, by name from the geometry (mem.w0..w7, mem.e0..e7, vxm.0 .., sxm.w,
// sxm.e, mxm.w, mxm.e: the ALU count moves the ones after the VXM).
size_t Queue(const std::string &name) {
  const auto g = Geometry::FromName("default");
  for (uint32_t q = 0; g && q < g->num_queues(); ++q)
    if (g->queue(q).name == name) return q;
  ADD_FAILURE() << "no queue " << name << " in the default geometry";
  return 0;
}
const size_t kMemW0 = Queue("mem.w0"), kMemE2 = Queue("mem.e2"), kVxm0 = Queue("vxm.0"), kVxm1 = Queue("vxm.1"),
             kMxmW = Queue("mxm.w"), kSxmW = Queue("sxm.w"), kSxmE = Queue("sxm.e"), kMxmE = Queue("mxm.e");

AsmResult Asm(const std::string &src) { return Assemble(src, "t.tasm"); }

std::vector<uint64_t> Words(const std::string &src, size_t queue) {
  const AsmResult r = Asm(src);
  EXPECT_TRUE(r.ok) << r.error;
  if (!r.ok || queue >= r.program.queues.size()) return {};
  return r.program.queues[queue];
}

uint64_t One(const std::string &queue_name, const std::string &line, size_t queue) {
  const auto w = Words(".queue " + queue_name + "\n" + line + "\n", queue);
  EXPECT_EQ(w.size(), 1u) << line;
  return w.empty() ? 0 : w[0];
}

std::string FirstError(const std::string &src) {
  const AsmResult r = Asm(src);
  EXPECT_FALSE(r.ok) << "assembled without error:\n" << src;
  return r.errors.empty() ? std::string() : r.errors[0];
}

TEST(AssemblerTest, GoldenWords) {
  EXPECT_EQ(One("mem.w0", "read 0x10, E0", kMemW0), 0x10u | (0x10u << 8));
  EXPECT_EQ(One("mem.w0", "READ 16, e0   ; comment", kMemW0), 0x10u | (0x10u << 8));
  EXPECT_EQ(One("mem.w0", "write 5, W2 // comment", kMemW0), 0x11u | (5u << 8) | (W(2) << 24));
  EXPECT_EQ(One("mem.w0", "gather E0, W2", kMemW0), 0x12u | (E(0) << 8) | (W(2) << 13));
  EXPECT_EQ(One("mem.w0", "scatter W7, E6", kMemW0), 0x13u | (W(7) << 8) | (E(6) << 13));
  EXPECT_EQ(One("mem.w0", "nop 0b101", kMemW0), 0x01u | (5u << 8));
  EXPECT_EQ(One("mem.w0", "sync", kMemW0), 0x03u);
  EXPECT_EQ(One("vxm.1", "notify", kVxm1), 0x04u);
  const uint64_t vadd = 0x20 | (E(0) << 8) | (E(2) << 13) | (W(4) << 18) | (1ull << 23) | (1ull << 25);
  EXPECT_EQ(One("vxm.0", "vadd.i16.sat E0, E2, W4", kVxm0), vadd);
  EXPECT_EQ(One("vxm.0", "VADD.I16.SAT e0, E2, w4", kVxm0), vadd);
  const uint64_t vadd_imm = 0x20 | (W(0) << 8) | (2ull << 23) | (1ull << 26) | (0xfffffffbull << 32);
  EXPECT_EQ(One("vxm.0", "vadd.i32 W0, E0, #-5", kVxm0), vadd_imm);
  EXPECT_EQ(One("vxm.0", "vadd.i32 W0, E0, #0xfffffffb", kVxm0), vadd_imm);
  const uint64_t fadd = 0x30 | (E(4) << 13) | (3ull << 23) | (1ull << 26) | (0x3fc00000ull << 32);
  EXPECT_EQ(One("vxm.0", "fadd E0, E4, #1.5", kVxm0), fadd);
  EXPECT_EQ(One("vxm.0", "fadd.f32 E0, E4, #0x3fc00000", kVxm0), fadd);
  EXPECT_EQ(One("vxm.0", "fadd E0, E4, #15e-1", kVxm0), fadd);
  // An integer in a float context is a value: #-2 is -2.0f = 0xc0000000.
  EXPECT_EQ(One("vxm.0", "fmul E0, E4, #-2", kVxm0),
            0x32 | (E(4) << 13) | (3ull << 23) | (1ull << 26) | (0xc0000000ull << 32));
  EXPECT_EQ(One("vxm.0", "fsub W4, E4, W0", kVxm0),
            0x31 | (W(4) << 8) | (E(4) << 13) | (W(0) << 18) | (3ull << 23));
  EXPECT_EQ(One("vxm.0", "vcvt.f32.i8 E0, W1, #0.25", kVxm0),
            0x29 | (W(1) << 13) | (3ull << 23) | (0x3e800000ull << 32));
  // The scale defaults to 1.0 (0x3f800000).
  EXPECT_EQ(One("vxm.0", "vcvt.f32.i8 E0, W1", kVxm0),
            0x29 | (W(1) << 13) | (3ull << 23) | (0x3f800000ull << 32));
  EXPECT_EQ(One("vxm.0", "vcvt.i16.f32 E2, W4", kVxm0),
            0x29 | (E(2) << 8) | (W(4) << 13) | (1ull << 23) | (3ull << 27) | (0x3f800000ull << 32));
  EXPECT_EQ(One("vxm.0", "vrelu.f32 E0, E4", kVxm0), 0x24 | (E(4) << 13) | (3ull << 23));
  EXPECT_EQ(One("vxm.0", "vsrl.i32 W4, W0, #31", kVxm0),
            0x27 | (W(4) << 8) | (W(0) << 13) | (2ull << 23) | (31ull << 32));
  EXPECT_EQ(One("sxm.w", "shup.i8 E0, W1, #3", kSxmW), 0x40 | (W(1) << 13) | (3ull << 32));
  EXPECT_EQ(One("sxm.e", "perm.i8 E1, E0, W2", kSxmE), 0x42 | (E(1) << 8) | (W(2) << 18));
  EXPECT_EQ(One("sxm.w", "trans.i8 E0, W0", kSxmW), 0x44 | (W(0) << 13));
  EXPECT_EQ(One("sxm.w", "rsum.f32 E0, W0", kSxmW), 0x45 | (W(0) << 13) | (3ull << 23));
  EXPECT_EQ(One("mxm.w", "lw W0, #3", kMxmW), 0x50 | (W(0) << 13) | (3ull << 32));
  EXPECT_EQ(One("mxm.e", "iw", kMxmE), 0x51u);
  EXPECT_EQ(One("mxm.w", "abc.su E0, W4", kMxmW), 0x52 | (W(4) << 13) | (1ull << 29));
  EXPECT_EQ(One("mxm.w", "abc.us E4, W4", kMxmW), 0x52 | (E(4) << 8) | (W(4) << 13) | (1ull << 30));
  EXPECT_EQ(One("mxm.w", "abc.ss.acc E0, W4, W0", kMxmW),
            0x52 | (W(4) << 13) | (W(0) << 18) | (1ull << 29) | (1ull << 30) | (1ull << 31));
  EXPECT_EQ(One("mem.w0", ".inst 0x0000000000001010", kMemW0), 0x1010u);
  // ISA v2: @stream reads in place (aloc bit 29, bloc bit 30), .S on fp ops (aint bit 31), lw.T.
  EXPECT_EQ(One("vxm.0", "fadd W0, @W4, E4", kVxm0),
            0x30 | (W(0) << 8) | (W(4) << 13) | (E(4) << 18) | (3ull << 23) | (1ull << 29));
  EXPECT_EQ(One("vxm.1", "vadd.i8 E0, @e1, @ W2", kVxm1), 0x20 | (E(1) << 13) | (W(2) << 18) | (3ull << 29));
  EXPECT_EQ(One("vxm.0", "fmul.i16 E0, E2, #2.0", kVxm0), 0x32 | (E(2) << 13) | (3ull << 23) | (1ull << 26) |
                                                              (1ull << 27) | (1ull << 31) |
                                                              (0x40000000ull << 32));
  EXPECT_EQ(One("vxm.0", "FMAX.I8.F32 W4, @E3, @W4", kVxm0),
            0x33 | (W(4) << 8) | (E(3) << 13) | (W(4) << 18) | (3ull << 23) | (7ull << 29));
  EXPECT_EQ(One("vxm.0", "fsub.i32 E0, @E4, #1.0", kVxm0), 0x31 | (E(4) << 13) | (3ull << 23) | (1ull << 26) |
                                                               (2ull << 27) | (5ull << 29) |
                                                               (0x3f800000ull << 32));
  EXPECT_EQ(One("vxm.0", "frsqrt E0, @W4", kVxm0), 0x36 | (W(4) << 13) | (3ull << 23) | (1ull << 29));
  EXPECT_EQ(One("mxm.w", "lw.i8 W0, #3", kMxmW), 0x50 | (W(0) << 13) | (3ull << 32));
  EXPECT_EQ(One("mxm.w", "lw.i16 W2, #14", kMxmW), 0x50 | (W(2) << 13) | (1ull << 23) | (14ull << 32));
  EXPECT_EQ(One("mxm.w", "lw.i32 E4, #12", kMxmW), 0x50 | (E(4) << 13) | (2ull << 23) | (12ull << 32));
  EXPECT_EQ(Words(".stream ACC, W4\n.queue vxm.0\nfadd ACC, @ACC, E0\n", kVxm0).at(0),
            0x30 | (W(4) << 8) | (W(4) << 13) | (E(0) << 18) | (3ull << 23) | (1ull << 29));
  // A REPEAT re-issues the previous instruction.
  const auto rep = Words(".queue mem.w0\nread 0, E0\nrepeat 15, 1, -2\n", kMemW0);
  ASSERT_EQ(rep.size(), 2u);
  EXPECT_EQ(rep[1], 0x02 | (15ull << 8) | (1ull << 24) | (0xfffeull << 40));
}

struct ErrorCase {
  std::string src;
  std::string error;
};

TEST(AssemblerTest, ErrorMessagesWithFileLineColumn) {
  std::string full = ".geometry small\n.queue sxm.e\n";
  for (int i = 0; i < 257; ++i) full += "notify\n";
  const std::vector<ErrorCase> cases = {
      {".queue mem.w0\n  read 0, X9\n", "t.tasm:2:11: expected a stream name like E3 or W0, found 'X9'"},
      {".queue vxm.0\nvadx.i8 E0, E1, E2\n", "t.tasm:2:1: unknown mnemonic 'vadx' (did you mean 'vadd'?)"},
      {".queue vxm.0\nvadd.i8 E0, E1\n", "t.tasm:2:1: vadd.i8 expects 3 operands (dst, a, b|#imm), found 2"},
      {".queue vxm.0\nvadd.i8 E0, E1, E2, E3\n",
       "t.tasm:2:21: vadd.i8 expects 3 operands (dst, a, b|#imm), found 4"},
      {".queue mem.w0\nrepeat 1\n", "t.tasm:2:1: repeat expects 2 or 3 operands (n, d [, stride]), found 1"},
      {".queue mem.w0\nread 1024, E0\n",
       "t.tasm:2:6: value 1024 out of range for the word address (0..1023)"},
      {".geometry small\n.queue mem.w0\nread 128, E0\n",
       "t.tasm:3:6: value 128 out of range for the word address (0..127)"},
      {".queue vxm.0\nvadd.f32 E0, E4, E0\n",
       "t.tasm:2:6: type .f32 is not allowed for vadd (allowed: .i8, .i16, .i32)"},
      {".queue vxm.0\nvadd E0, E1, E2\n",
       "t.tasm:2:1: vadd needs a type suffix (.i8, .i16, .i32); syntax: vadd.T[.sat] dst, a, b|#imm"},
      {".queue vxm.0\nvcvt.f32 E0, E1\n",
       "t.tasm:2:1: vcvt needs a source type suffix (.i8, .i16, .i32, .f32); syntax: vcvt.T.S dst, a [, "
       "#fscale]"},
      {".queue sxm.w\nrsum.i8 E0, E4\n",
       "t.tasm:2:6: type .i8 is not allowed for rsum (allowed: .i32, .f32)"},
      {".queue vxm.0\nvmax.i8.sat E0, E1, E2\n",
       "t.tasm:2:9: unexpected suffix '.sat' on vmax (syntax: vmax.T dst, a, b|#imm)"},
      {".queue mxm.w\nabc.sx E0, W1\n",
       "t.tasm:2:5: abc needs a signedness suffix .ss, .su, .us or .uu (activation, weight); syntax: "
       "abc.XY[.acc] dst, a "
       "[, b]"},
      {".queue mem.w0\nvadd.i8 E0, E1, E2\n",
       "t.tasm:2:1: vadd cannot go in queue mem.w0 (a MEM queue): vadd runs on the VXM, e.g. in queue vxm.0"},
      {".queue sxm.w\nlw W0, #1\n",
       "t.tasm:2:1: lw cannot go in queue sxm.w (an SXM queue): lw runs on the MXM, e.g. in queue mxm.w"},
      {full,
       "t.tasm:259:1: queue sxm.e is full: geometry small allows 256 instructions per queue (iq_depth)"},
      {".bogus 1\n", "t.tasm:1:1: unknown directive '.bogus'"},
      {".queu mem.w0\n", "t.tasm:1:1: unknown directive '.queu' (did you mean '.queue'?)"},
      {".queue mem.w0\n.geometry small\n",
       "t.tasm:2:1: .geometry must come before any .queue or .mem section"},
      {".geometry small\n.geometry small\n", "t.tasm:2:1: .geometry given twice (first at line 1)"},
      {".geometry big\n", "t.tasm:1:11: unknown geometry 'big' (known: default, small, board)"},
      {".queue mem.w9\n",
       "t.tasm:1:8: unknown queue 'mem.w9' for geometry default (queues: mem.w0..mem.w7, mem.e0..mem.e7, "
       "vxm.0..vxm.2, sxm.w, sxm.e, mxm.w, mxm.e)"},
      {"nop 1\n", "t.tasm:1:1: instruction outside a .queue section (start one with .queue mem.w0)"},
      {".mem w0, 0\n.byte 1\nread 0, E0\n",
       "t.tasm:3:1: instruction outside a .queue section (start one with .queue mem.w0)"},
      {".queue mem.w0\nread FOO, E0\n",
       "t.tasm:2:6: unknown symbol 'FOO' (define it with .equ before using it)"},
      {".queue mem.w0\nread E1, E0\n", "t.tasm:2:6: expected a number, found stream 'E1'"},
      {".queue mem.w0\nread 1.5, E0\n", "t.tasm:2:6: expected an integer, found '1.5'"},
      {".queue mem.w0\nread (1 + 2, E0\n", "t.tasm:2:12: expected ')' to close the '(' at column 6"},
      {".mem w0, 0\n.byte 1, 256\n", "t.tasm:2:10: value 256 out of range for .byte (-128..255)"},
      {".mem w0, 0\n.half -32769\n", "t.tasm:2:7: value -32769 out of range for .half (-32768..65535)"},
      {".byte 1\n", "t.tasm:1:1: .byte outside a .mem block (start one with .mem w0, 0)"},
      {".mem w9, 0\n.byte 1\n", "t.tasm:1:6: expected a MEM slice w0..w7 or e0..e7, found 'w9'"},
      {".mem w0, 1023\n.byte 0\n.word 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0\n",
       "t.tasm:3:1: MEM block starting at word 1023 runs past the end of the slice (words 0..1023 of 64 "
       "bytes)"},
      {".mem w0, 0\n.byte 1\n.mem w0, 0\n.byte 2\n",
       "t.tasm:3:1: MEM block words 0..0 overlaps the block at line 1 (words 0..0)"},
      {".mem w0, 0\n.mem w0, 1\n.byte 1\n",
       "t.tasm:1:1: .mem block has no data (follow it with .byte, .half, .word or .float lines)"},
      {".queue mem.w0\nread 0, E0\nread 1, E0\n@1 read 2, E0\n",
       "t.tasm:4:1: queue mem.w0 is already at cycle 2: cannot place an instruction at cycle 1"},
      {".queue mem.w0\nsync\n@5 read 2, E0\n",
       "t.tasm:3:1: @ cannot be used after a sync in queue mem.w0: its dispatch time is unknown"},
      {".queue mem.w0\nnop 2\nrepeat 2, 1\n",
       "t.tasm:3:1: repeat must directly follow the non-ICU instruction it re-issues in queue mem.w0 (the "
       "previous "
       "instruction is nop)"},
      {".queue mem.w0\nrepeat 2, 1\n",
       "t.tasm:2:1: repeat must directly follow the non-ICU instruction it re-issues in queue mem.w0"},
      {".queue mem.w0\nread 0, E0\n@5 repeat 2, 1\n",
       "t.tasm:3:1: repeat cannot be moved with @: it dispatches right after the instruction it repeats "
       "(cycle 1)"},
      {".queue mem.w0\nread 0, E16\n",
       "t.tasm:2:9: stream index 16 out of range (0..15; geometry default has E0..E7)"},
      {".queue mem.w0\nread 0, E8\n",
       "t.tasm:2:9: read: stream s = E8 is out of range: geometry default has 8 streams per direction "
       "(E0..E7, W0..W7)"},
      {".queue vxm.0\nvadd.i16 E0, E3, E4\n",
       "t.tasm:2:14: vadd: stream group a = E3 is not aligned: a group of 2 streams must start at an index "
       "that is a "
       "multiple of 2"},
      {".queue vxm.0\nvshl.i8 E0, E1, #8\n", "t.tasm:2:17: vshl: shift amount 8 out of range 0..7 for i8"},
      {".queue mxm.w\nlw W0, #16\n", "t.tasm:2:8: lw: row 16 out of range 0..15"},
      {".queue mxm.w\nlw.i16 W0, #15\n",
       "t.tasm:2:12: lw.i16: rows 15..16 run past the last weight row 15 (row + 2 must be <= 16)"},
      {".queue mxm.w\nlw.i32 W2, #0\n",
       "t.tasm:2:8: lw: stream group a = W2 is not aligned: a group of 4 streams must start at an index that "
       "is a multiple of 4"},
      {".queue mxm.w\nlw.f32 W0, #0\n",
       "t.tasm:2:4: type .f32 is not allowed for lw (allowed: .i8, .i16, .i32)"},
      {".queue mxm.w\nlw.sat W0, #0\n",
       "t.tasm:2:4: unexpected suffix '.sat' on lw (syntax: lw[.T] a, #row)"},
      {".queue vxm.0\nvadd.i8 @E0, E1, E2\n",
       "t.tasm:2:9: '@' (read the stream in place at the VXM's own position) is only allowed on operands a "
       "and "
       "b of VXM instructions, not on operand dst of vadd.i8"},
      {".queue mxm.w\nlw @W0, #1\n",
       "t.tasm:2:4: '@' (read the stream in place at the VXM's own position) is only allowed on operands a "
       "and "
       "b of VXM instructions, not on operand a of lw"},
      {".queue sxm.w\nperm.i8 E0, @W1, W2\n",
       "t.tasm:2:13: '@' (read the stream in place at the VXM's own position) is only allowed on operands a "
       "and "
       "b of VXM instructions, not on operand a of perm.i8"},
      {".queue vxm.0\nvshl.i8 E0, E1, @E2\n",
       "t.tasm:2:17: '@' (read the stream in place at the VXM's own position) is only allowed on operands a "
       "and "
       "b of VXM instructions, not on operand imm of vshl.i8"},
      {".queue vxm.0\nfadd E0, E4, @#1.5\n",
       "t.tasm:2:15: expected a stream name like E3 or W0, found '#1.5'"},
      {".queue vxm.0\nfadd.i16 E0, E1, E0\n",
       "t.tasm:2:14: fadd: stream group a = E1 is not aligned: a group of 2 streams must start at an index "
       "that is a multiple of 2"},
      {".queue vxm.0\nfexp.i16 E0, E4\n",
       "t.tasm:2:6: unexpected suffix '.i16' on fexp (syntax: fexp dst, a)"},
      {".queue vxm.0\nfadd.f32.i16 E0, E2, E0\n",
       "t.tasm:2:10: unexpected suffix '.i16' on fadd (syntax: fadd[.S] dst, a, b|#fimm)"},
      {".queue mxm.w\nlw W0, 3\n", "t.tasm:2:8: expected an immediate like #3, found '3'"},
      {".queue vxm.0\nvcvt.f32.i8 E0, W1, 0.5\n", "t.tasm:2:21: expected a float like #1.5, found '0.5'"},
      {".queue mxm.w\nabc.ss.acc E0, W4\n",
       "t.tasm:2:1: abc.ss.acc expects 3 operands (dst, a, b), found 2 (.acc adds the accumulator group b)"},
      {".queue mxm.w\nabc.ss E0, W4, W0\n",
       "t.tasm:2:16: abc.ss expects 2 operands (dst, a), found 3 (operand b needs .acc)"},
      {".queue mem.w0\nread 0, E0 $\n", "t.tasm:2:12: unexpected character '$'"},
      {".queue mem.w0\nread 12ab, E0\n", "t.tasm:2:6: malformed number '12ab'"},
      {".queue mem.w0\nread 0x, E0\n", "t.tasm:2:6: malformed number '0x'"},
      {".queue mem.w0\nread 5,, E0\n", "t.tasm:2:8: missing operand"},
      {".queue mem.w0\nread 5, E0,\n", "t.tasm:2:12: missing operand after ','"},
      {".equ A, 1\n.equ A, 2\n", "t.tasm:2:6: symbol 'A' is already defined at line 1"},
      {".equ E3, 1\n", "t.tasm:1:6: 'E3' is a stream name and cannot be redefined"},
      {".stream S, X1\n", "t.tasm:1:12: expected a stream name like E3 or W0, found 'X1'"},
      {".queue mem.w0\nnop 0\n", "t.tasm:2:5: value 0 out of range for n (1..4294967295)"},
      {".queue mem.w0\nread 0, E0\nrepeat 65536, 1\n",
       "t.tasm:3:8: value 65536 out of range for n (1..65535)"},
      {".queue mem.w0\nread 0, E0\nrepeat 1, 1, 40000\n",
       "t.tasm:3:14: value 40000 out of range for stride (-32768..32767)"},
      {"@3 .queue mem.w0\n", "t.tasm:1:4: expected an instruction after @3"},
      {".queue mem.w0\n@-1 read 0, E0\n", "t.tasm:2:2: a dispatch cycle must be >= 0, found -1"},
      {".queue vxm.0\nfadd E0, E4, #1e40\n", "t.tasm:2:15: 1e40 is out of range for binary32 floats"},
      {".queue vxm.0\nfadd E0, E4, #-0x3f800000\n",
       "t.tasm:2:15: a raw binary32 bit pattern (0x...) cannot have a sign"},
      {".queue vxm.0\nvadd.i32 E0, E4, #0x100000000\n",
       "t.tasm:2:19: value 4294967296 out of range for an immediate (-2147483648..4294967295)"},
      {".queue mem.w0\n.inst 1.5\n",
       "t.tasm:2:7: expected a 64-bit instruction word like 0x0000000000001010, found '1.5'"},
      {".queue mem.w0\nread 0x8000000000000000, E0\n",
       "t.tasm:2:6: number '0x8000000000000000' is too large"},
      {".equ BIG, 0x4000000000000000\n.equ X, BIG * 4\n", "t.tasm:2:13: arithmetic overflow in expression"},
  };
  for (const auto &c : cases) {
    EXPECT_EQ(FirstError(c.src), c.error) << "source:\n" << c.src;
  }
}

TEST(AssemblerTest, ReportsSeveralErrorsAndStopsAfterTwenty) {
  const AsmResult r = Asm(".queue mem.w0\nread 0, X1\nread 1, E0\nfoo\nwrite 1, W9\n");
  ASSERT_EQ(r.errors.size(), 3u) << r.error;
  EXPECT_EQ(r.errors[0].substr(0, 11), "t.tasm:2:9:");
  EXPECT_EQ(r.errors[1].substr(0, 11), "t.tasm:4:1:");
  EXPECT_EQ(r.errors[2].substr(0, 11), "t.tasm:5:10");
  EXPECT_EQ(r.error, r.errors[0] + "\n" + r.errors[1] + "\n" + r.errors[2] + "\n");
  std::string many = ".queue mem.w0\n";
  for (int i = 0; i < 40; ++i) many += "bad\n";
  const AsmResult m = Asm(many);
  ASSERT_EQ(m.errors.size(), 21u);
  EXPECT_EQ(m.errors.back(), "t.tasm:21:1: too many errors, stopping");
  // A failed .queue line does not cascade into one error per instruction.
  const AsmResult q = Asm(".queue nope\nread 0, E0\nread 1, E0\n");
  EXPECT_EQ(q.errors.size(), 1u) << q.error;
}

TEST(AssemblerTest, AtPlacementInsertsNops) {
  const AsmResult r =
      Asm(".queue mem.w0\n"
          "read 0, E0          ; cycle 0\n"
          "repeat 3, 2         ; re-issues at 2, 4, 6; next dispatch at 0 + 3*2 + 1 = 7\n"
          "@10 write 1, W0     ; nop 3 at cycle 7\n"
          "nop 4               ; cycle 11, next at 15\n"
          "@15 read 2, E1      ; no nop needed\n"
          "sync\n"
          "notify\n");
  ASSERT_TRUE(r.ok) << r.error;
  const auto &q = r.program.queues[kMemW0];
  const std::vector<uint64_t> expect = {
      0x10,                               // read 0, E0
      0x02 | (3ull << 8) | (2ull << 24),  // repeat 3, 2
      0x01 | (3ull << 8),                 // nop 3 (inserted)
      0x11 | (1ull << 8) | (W(0) << 24),  // write 1, W0
      0x01 | (4ull << 8),                 // nop 4
      0x10 | (2ull << 8) | (E(1) << 24),  // read 2, E1
      0x03,                               // sync
      0x04,                               // notify
  };
  EXPECT_EQ(q, expect);
  std::vector<int64_t> cycles;
  for (const auto &l : r.listing) cycles.push_back(l.cycle);
  EXPECT_EQ(cycles, (std::vector<int64_t>{0, 1, 7, 10, 11, 15, 16, -1}));
  EXPECT_EQ(r.listing[2].line, 4);  // the inserted NOP carries the line of its @ instruction
  EXPECT_EQ(r.listing[2].text, "nop 3");

  // Symbols and expressions in the cycle, and a reopened section continues the same clock.
  const auto w = Words(
      ".equ T, 4\n.queue vxm.0\n@T*2+1 vmov.i8 E0, E1\n.queue mem.w0\nread 0, E0\n.queue vxm.0\n@T*3 "
      "notify\n",
      kVxm0);
  EXPECT_EQ(w, (std::vector<uint64_t>{0x01 | (9ull << 8), 0x28 | (E(1) << 13), 0x01 | (2ull << 8), 0x04}));
}

TEST(AssemblerTest, EquAndStreamSymbols) {
  const AsmResult r =
      Asm(".equ BASE, 0x100\n"
          ".equ N, (BASE + 3) * 2 - 1      ; 517\n"
          ".equ NEG, -N\n"
          ".stream IN, W5\n"
          ".stream OUT, e6\n"
          ".queue mem.e2\n"
          "read N, IN\n"
          "write BASE - 0x10 + 1, E7\n"
          ".queue vxm.1\n"
          "vadd.i8 OUT, IN, #NEG\n"
          "vsub.i16 OUT, E2, #-(2 * -3)\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.program.queues[kMemE2], (std::vector<uint64_t>{0x10 | (517ull << 8) | (W(5) << 24),
                                                             0x11 | (241ull << 8) | (E(7) << 24)}));
  EXPECT_EQ(r.program.queues[kVxm1],
            (std::vector<uint64_t>{
                0x20 | (E(6) << 8) | (W(5) << 13) | (1ull << 26) | (uint64_t{0xfffffdfb} << 32),
                0x21 | (E(6) << 8) | (E(2) << 13) | (1ull << 23) | (1ull << 26) | (6ull << 32)}));
}

TEST(AssemblerTest, MemBlocksAreLittleEndianAndPaddedToWords) {
  const AsmResult r =
      Asm(".geometry small      ; VL = 32\n"
          ".mem w1, 3\n"
          ".byte 1, -1\n"
          ".half 0x1234, -2\n"
          ".word 0x89abcdef\n"
          ".float 1.5, 0x7fc00000\n"
          ".mem mem.e0, 0\n"
          ".word -1\n"
          ".mem E1, 127\n"
          ".float -2\n");
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.program.mem.size(), 3u);
  EXPECT_EQ(r.program.geometry.name, "small");
  std::vector<uint8_t> a = {0x01, 0xff, 0x34, 0x12, 0xfe, 0xff, 0xef, 0xcd, 0xab,
                            0x89, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0xc0, 0x7f};
  a.resize(32, 0);
  EXPECT_EQ(r.program.mem[0].slice, 1u);
  EXPECT_EQ(r.program.mem[0].addr, 3u);
  EXPECT_EQ(r.program.mem[0].data, a);
  std::vector<uint8_t> b = {0xff, 0xff, 0xff, 0xff};
  b.resize(32, 0);
  EXPECT_EQ(r.program.mem[1].slice, 2u);  // e0 = slice MemSlicesPerHemi + 0
  EXPECT_EQ(r.program.mem[1].addr, 0u);
  EXPECT_EQ(r.program.mem[1].data, b);
  std::vector<uint8_t> c = {0x00, 0x00, 0x00, 0xc0};  // -2.0f
  c.resize(32, 0);
  EXPECT_EQ(r.program.mem[2].slice, 3u);
  EXPECT_EQ(r.program.mem[2].addr, 127u);
  EXPECT_EQ(r.program.mem[2].data, c);
  EXPECT_EQ(r.program.queues.size(), Geometry(isa::kConfigs[1]).num_queues());
}

TEST(AssemblerTest, EmptySourceGivesAnEmptyDefaultProgram) {
  const AsmResult r = Asm("; nothing here\n\n   // at all\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(isa::Fingerprint(r.program.geometry), isa::Fingerprint(isa::kConfigs[0]));
  EXPECT_EQ(r.program.queues.size(), Geometry::Default().num_queues());
  for (const auto &q : r.program.queues) EXPECT_TRUE(q.empty());
  EXPECT_TRUE(r.program.mem.empty());
}

// Random junk must give errors (or a program), never a crash or a hang.
TEST(AssemblerTest, JunkNeverCrashes) {
  const char *pieces[] = {".queue",
                          "mem.w0",
                          "vxm.0",
                          ".mem",
                          "w0",
                          ".byte",
                          ".float",
                          "read",
                          "vadd.i8",
                          "abc.ss.acc",
                          "repeat",
                          "@",
                          "#",
                          ",",
                          "(",
                          ")",
                          "-",
                          "+",
                          "*",
                          "E3",
                          "W15",
                          "E99",
                          "0x",
                          "12",
                          "1.5e3",
                          "-0",
                          ".equ",
                          "X",
                          ".stream",
                          "S",
                          "nop",
                          ";",
                          "//",
                          "\t",
                          "\xff",
                          "sync",
                          ".inst",
                          "0xffffffffffffffff",
                          "99999999999999999999",
                          ".geometry",
                          "small"};
  uint64_t state = 12345;
  auto next = [&state]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(state >> 33);
  };
  for (int round = 0; round < 300; ++round) {
    std::string src;
    for (int line = 0; line < 20; ++line) {
      const size_t n = next() % 7;
      for (size_t k = 0; k < n; ++k) {
        src += pieces[next() % (sizeof pieces / sizeof pieces[0])];
        src += next() % 3 ? " " : "";
      }
      src += '\n';
    }
    const AsmResult r = Assemble(src, "junk.tasm");
    if (!r.ok) {
      ASSERT_FALSE(r.errors.empty());
      EXPECT_EQ(r.errors[0].rfind("junk.tasm:", 0), 0u) << r.errors[0];
    }
  }
  std::string bytes;
  for (int i = 0; i < 4000; ++i) bytes += static_cast<char>(next() & 0xff);
  const AsmResult r = Assemble(bytes, "bytes.tasm");
  EXPECT_FALSE(r.ok);
}

}  // namespace
}  // namespace tsp
