// Functional coverage model (tsp/fcov.h): the bin set against isa/tsp_isa.json, sampling a
// hand-built program, merging counts files, the report.
#include "tsp/fcov.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ref/builder.h"
#include "tsp/progen.h"

namespace tsp {
namespace {

using isa::Opcode;
using test::E;
using test::Op;
using test::Read;
using test::Repeat;
using test::Vop;
using test::W;
using test::Write;

nlohmann::json Spec() {
  std::ifstream f(std::string(TSP_SOURCE_DIR) + "/isa/tsp_isa.json");
  EXPECT_TRUE(f.good());
  return nlohmann::json::parse(f);
}

// Expected bins per opcode, straight from the spec JSON (not from the generated tables or the
// syntax parser): types = |dtypes| x |source types| (plus the form without one when the syntax
// writes it [.S]) x 4 signedness pairs for .XY; two directions when the syntax names any stream
// operand (every operand but immediates, counts and addresses); 4 REPEAT uses; ICU: one bin.
std::map<std::string, size_t> SpecBinsPerOpcode() {
  std::map<std::string, size_t> out;
  const nlohmann::json spec = Spec();
  for (const auto &ins : spec["instructions"]) {
    const std::string name = ins["name"], unit = ins["unit"], syntax = ins["syntax"];
    if (unit == "icu") {
      out[name] = 1;
      continue;
    }
    size_t types = ins.contains("dtypes") ? ins["dtypes"].size() : 1;
    if (syntax.find("[.S]") != std::string::npos) {
      types *= ins["stypes"].size() + 1;
    } else if (syntax.find(".S") != std::string::npos) {
      types *= ins["stypes"].size();
    }
    if (syntax.find(".XY") != std::string::npos) types *= 4;
    bool stream = false;
    const size_t sp = syntax.find(' ');
    if (sp != std::string::npos) {
      std::stringstream ops(syntax.substr(sp + 1));
      std::string tok;
      while (std::getline(ops, tok, ',')) {
        tok.erase(0, tok.find_first_not_of(" ["));
        tok = tok.substr(0, tok.find_first_of(" ]"));
        if (!tok.empty() && tok[0] != '#' && tok != "addr" && tok != "n" && tok != "d" && tok != "stride")
          stream = true;
      }
    }
    out[name] = types * (stream ? 2 : 1) * 4;
  }
  return out;
}

TEST(Fcov, BinSetMatchesTheSpec) {
  const auto expect = SpecBinsPerOpcode();
  std::map<std::string, size_t> got;
  for (const auto &b : fcov::Bins()) got[std::string(isa::Info(b.op).name)]++;
  EXPECT_EQ(got, expect);
  size_t total = 0;
  for (const auto &[k, v] : expect) total += v;
  EXPECT_EQ(fcov::Bins().size(), total);
  // Pinned: 4 ICU + 2 x 4 x (99 typed opcode/type pairs with a direction) + 4 (IW).
  EXPECT_EQ(fcov::Bins().size(), 800u);
  std::set<std::string> names;
  for (size_t i = 0; i < fcov::Bins().size(); ++i) {
    const std::string n = fcov::Bins()[i].Name();
    EXPECT_TRUE(names.insert(n).second) << "duplicate bin " << n;
    EXPECT_EQ(fcov::FindBin(n), static_cast<int>(i));
  }
}

TEST(Fcov, NoIllegalCross) {
  std::map<std::string, std::set<std::string>> dtypes;  // opcode -> allowed dtypes (spec)
  std::set<std::string> icu;
  const nlohmann::json spec = Spec();
  for (const auto &ins : spec["instructions"]) {
    const std::string name = ins["name"];
    if (ins["unit"] == "icu") icu.insert(name);
    if (ins.contains("dtypes")) {
      for (const auto &t : ins["dtypes"]) dtypes[name].insert(t);
    }
  }
  for (const auto &b : fcov::Bins()) {
    const std::string op(isa::Info(b.op).name);
    if (icu.count(op)) {
      EXPECT_EQ(b.dir, -1) << b.Name();
      EXPECT_EQ(b.repeat, fcov::RepeatUse::kNone) << b.Name();
      EXPECT_EQ(b.type, "-") << b.Name();
      continue;
    }
    EXPECT_NE(b.repeat, fcov::RepeatUse::kNone) << b.Name();
    const std::string first = b.type.substr(0, b.type.find('.'));
    if (dtypes.count(op)) {
      EXPECT_TRUE(dtypes[op].count(first)) << b.Name() << ": type not allowed by the spec";
    } else if (op != "ABC") {
      EXPECT_EQ(b.type, "-") << b.Name();
    }
  }
  // Illegal instructions have no bin.
  Instr vadd = Vop(Opcode::kVadd, 3, E(0), E(0));  // vadd.f32 does not exist
  EXPECT_EQ(fcov::BinOf(vadd, fcov::RepeatUse::kIssue), -1);
  Instr fadd = Vop(Opcode::kFadd, 3, E(0), E(0));
  fadd.aint = 1;
  fadd.stype = 3;  // fadd.f32 (aint with an f32 source) does not exist
  EXPECT_EQ(fcov::BinOf(fadd, fcov::RepeatUse::kIssue), -1);
  EXPECT_EQ(fcov::BinOf(Op(Opcode::kNotify), fcov::RepeatUse::kN1), -1);  // ICU: no REPEAT use
  EXPECT_EQ(fcov::BinOf(Read(0, E(0)), fcov::RepeatUse::kNone), -1);      // unit: always one
  EXPECT_EQ(fcov::FindBin("VADD f32 E issue"), -1);
  EXPECT_EQ(fcov::FindBin("NOP - E -"), -1);
  EXPECT_EQ(fcov::FindBin("IW - E issue"), -1);
  EXPECT_GE(fcov::FindBin("IW - - issue"), 0);
  EXPECT_GE(fcov::FindBin("VCVT f32.i8 W n>=16"), 0);
  EXPECT_GE(fcov::FindBin("FADD f32 E issue"), 0);
  EXPECT_GE(fcov::FindBin("FADD f32.i32 E issue"), 0);
  EXPECT_GE(fcov::FindBin("ABC us W n=1"), 0);
}

TEST(Fcov, RepeatBuckets) {
  EXPECT_EQ(fcov::RepeatBucket(1), fcov::RepeatUse::kN1);
  EXPECT_EQ(fcov::RepeatBucket(2), fcov::RepeatUse::kN2To15);
  EXPECT_EQ(fcov::RepeatBucket(15), fcov::RepeatUse::kN2To15);
  EXPECT_EQ(fcov::RepeatBucket(16), fcov::RepeatUse::kN16Up);
  EXPECT_EQ(fcov::RepeatBucket(65535), fcov::RepeatUse::kN16Up);
}

// A hand-built program on the small geometry; the expected counts are written down from the
// program text (each word dispatched once, a `repeat n` adds n re-issues in its bucket).
TEST(Fcov, HandBuiltProgramHitsExactlyItsBins) {
  const Geometry g = *Geometry::FromName("small");
  Program p;
  p.geometry = g.params();
  p.queues.assign(g.num_queues(), {});
  auto put = [&](const char *queue, const std::vector<Instr> &code) {
    const auto q = g.FindQueue(queue);
    ASSERT_TRUE(q.has_value()) << queue;
    for (const Instr &in : code) {
      std::string err;
      ASSERT_TRUE(Validate(in, g, &err)) << err;
      p.queues[*q].push_back(Encode(in));
    }
  };
  Instr vadd = Vop(Opcode::kVadd, 1, W(2), E(0));
  vadd.bimm = 1;
  vadd.imm = 3;
  Instr vcvt = Vop(Opcode::kVcvt, 3, E(0), E(1));  // vcvt.f32.i8
  vcvt.stype = 0;
  vcvt.imm = 0x3f800000u;
  Instr fadd = Vop(Opcode::kFadd, 3, W(0), E(2), E(0));  // fadd.i16: a is an i16 pair
  fadd.aint = 1;
  fadd.stype = 1;
  Instr shup = Vop(Opcode::kShup, 2, W(0), E(0));
  shup.imm = 1;
  Instr abc = Vop(Opcode::kAbc, 0, E(0), W(0));  // abc.su
  abc.asigned = 1;
  Instr lw = Vop(Opcode::kLw, 1, 0, W(2));  // lw.i16 W2, #4
  lw.imm = 4;
  put("mem.w0", {Read(0, E(0)), Repeat(2, 1, 1), test::Nop(3), Write(5, W(1)), Repeat(20, 1)});
  put("vxm.0", {vadd, vcvt, fadd, Repeat(1, 1)});
  put("mxm.w", {Op(Opcode::kIw), Repeat(16, 1), Op(Opcode::kNotify)});
  put("sxm.e", {Op(Opcode::kSync), shup});
  put("mxm.e", {abc, lw});

  const std::map<std::string, uint64_t> expect = {
      {"READ - E issue", 1},     {"READ - E n=2..15", 2},    {"NOP - - -", 1},
      {"WRITE - W issue", 1},    {"WRITE - W n>=16", 20},    {"REPEAT - - -", 4},
      {"VADD i16 W issue", 1},   {"VCVT f32.i8 E issue", 1}, {"FADD f32.i16 W issue", 1},
      {"FADD f32.i16 W n=1", 1}, {"IW - - issue", 1},        {"IW - - n>=16", 16},
      {"NOTIFY - - -", 1},       {"SYNC - - -", 1},          {"SHUP i32 W issue", 1},
      {"ABC su E issue", 1},     {"LW i16 W issue", 1},
  };
  fcov::Coverage cov;
  const RunResult r = fcov::SampleOnModel(g, p, &cov);
  ASSERT_EQ(r.status, RunStatus::kDone) << r.message;
  std::map<std::string, uint64_t> got;
  for (size_t i = 0; i < cov.bins(); ++i) {
    if (cov.count(i)) got[fcov::Bins()[i].Name()] = cov.count(i);
  }
  EXPECT_EQ(got, expect);
  EXPECT_EQ(cov.hit(), expect.size());
  EXPECT_EQ(cov.dispatches(), 1u + 2 + 1 + 20 + 1 + 1 + 1 + 1 + 1 + 16 + 1 + 1 + 1);
  EXPECT_EQ(cov.reissues(), 2u + 20 + 1 + 16);
}

// On generated programs every dispatch is sampled: per opcode, the sampled dispatches equal the
// program's static count (each unit word once plus n per `repeat n`).
TEST(Fcov, GeneratedProgramsEveryDispatchSampled) {
  for (const char *name : {"small", "default"}) {
    const Geometry g = *Geometry::FromName(name);
    for (const char *mode : {"default", "fields", "mxm", "sync"}) {
      const ProgenOptions opt = ProgenOptions::Preset(mode);
      for (uint64_t seed = 1; seed <= 4; ++seed) {
        const GeneratedProgram gp = GenerateProgram(g, seed, opt);
        fcov::Coverage cov;
        const RunResult r = fcov::SampleOnModel(g, gp.program, &cov);
        ASSERT_EQ(r.status, RunStatus::kDone) << name << " " << mode << " seed " << seed;
        const OpcodeCounts c = CountOpcodes(gp.program);
        std::array<uint64_t, 256> sampled{}, fetched{};
        for (size_t i = 0; i < cov.bins(); ++i) {
          const auto &b = fcov::Bins()[i];
          auto &to = b.repeat == fcov::RepeatUse::kNone ? fetched : sampled;
          to[static_cast<uint8_t>(b.op)] += cov.count(i);
        }
        for (const auto &op : isa::kOps) {
          const auto k = static_cast<uint8_t>(op.opcode);
          if (op.unit == isa::Unit::kIcu) {
            EXPECT_EQ(fetched[k], c.words[k]) << name << " " << mode << " seed " << seed << " " << op.name;
          } else {
            EXPECT_EQ(sampled[k], c.dispatches[k])
                << name << " " << mode << " seed " << seed << " " << op.name;
          }
        }
      }
    }
  }
}

TEST(Fcov, MergeAddsCounts) {
  fcov::Coverage a, b;
  const int x = fcov::FindBin("VADD i8 E issue"), y = fcov::FindBin("TRANS f32 W n=2..15");
  ASSERT_GE(x, 0);
  ASSERT_GE(y, 0);
  a.Add(static_cast<size_t>(x), 3);
  a.AddPrograms("small/default", 2);
  b.Add(static_cast<size_t>(x), 4);
  b.Add(static_cast<size_t>(y), 1);
  b.AddPrograms("small/default", 1);
  b.AddPrograms("default/fields", 5);
  fcov::Coverage m;
  m.Merge(a);
  m.Merge(b);
  EXPECT_EQ(m.count(static_cast<size_t>(x)), 7u);
  EXPECT_EQ(m.count(static_cast<size_t>(y)), 1u);
  EXPECT_EQ(m.hit(), 2u);
  EXPECT_EQ(m.total_programs(), 8u);
  EXPECT_EQ(m.programs().at("small/default"), 3u);

  // Through counts files: one file, two files concatenated (cat a b), and the bad cases.
  fcov::Coverage p1;
  std::string err;
  ASSERT_TRUE(fcov::Coverage::Parse(a.Serialize() + b.Serialize(), &p1, &err)) << err;
  EXPECT_EQ(p1.Serialize(), m.Serialize());
  ASSERT_TRUE(fcov::Coverage::Parse(m.Serialize(), &p1, &err)) << err;  // adds to what p1 holds
  EXPECT_EQ(p1.count(static_cast<size_t>(x)), 14u);
  fcov::Coverage bad;
  EXPECT_FALSE(fcov::Coverage::Parse("bin 1 VADD i8 E issue\n", &bad, &err));
  EXPECT_FALSE(fcov::Coverage::Parse("tsp-fcov 1\nbin 1 VADD f32 E issue\n", &bad, &err));
  EXPECT_NE(err.find("VADD f32 E issue"), std::string::npos) << err;
  EXPECT_FALSE(fcov::Coverage::Parse("tsp-fcov 2\n", &bad, &err));
  EXPECT_EQ(bad.hit(), 0u);
}

TEST(Fcov, ReportListsEmptyBins) {
  fcov::Coverage c;
  const int e1 = fcov::FindBin("FEXP f32 W n>=16"), e2 = fcov::FindBin("NOTIFY - - -");
  for (size_t i = 0; i < c.bins(); ++i) {
    if (static_cast<int>(i) != e1 && static_cast<int>(i) != e2) c.Add(i);
  }
  const std::string r = c.Report();
  EXPECT_NE(r.find("bins: **800**, hit: **798** (99.8 %), empty: 2"), std::string::npos) << r;
  EXPECT_NE(r.find("## Empty bins (2)\n\n* `NOTIFY - - -`\n* `FEXP f32 W n>=16`\n"), std::string::npos) << r;
  EXPECT_NE(r.find("| ICU | 4 | 3 | 75.0 % |"), std::string::npos) << r;
  const std::string j = c.Json();
  EXPECT_NE(j.find("\"bins_hit\": 798"), std::string::npos);
  EXPECT_NE(j.find("\"empty\": [\n    \"NOTIFY - - -\",\n    \"FEXP f32 W n>=16\"\n  ]"), std::string::npos)
      << j;
  EXPECT_EQ(nlohmann::json::parse(j)["bins"].size(), 800u);
  fcov::Coverage full;
  for (size_t i = 0; i < full.bins(); ++i) full.Add(i);
  EXPECT_NE(full.Report().find("## Empty bins (0)\n\nnone\n"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(full.Json())["empty"].size(), 0u);
}

}  // namespace
}  // namespace tsp
