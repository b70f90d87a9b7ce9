#include "tsp/compiler/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "tsp/compiler/builder.h"
#include "tsp/vxm.h"

namespace tsp::compiler {

using isa::Opcode;

// ------------------------------------------------------------------------------------------------
// Graph
// ------------------------------------------------------------------------------------------------
uint32_t Graph::Position(const Node &n) const {
  if (n.queue == kNone) return geom.vxm_position();
  return geom.queue(n.queue).position;
}

int32_t Graph::ReadOffset(const Node &n, uint32_t i) {
  return n.in.op == Opcode::kTrans ? static_cast<int32_t>(i) : 0;
}

int32_t Graph::WriteOffset(const Node &n, uint32_t j) {
  const auto lat = static_cast<int32_t>(n.in.info().latency);
  return n.in.op == Opcode::kTrans ? lat + static_cast<int32_t>(j) : lat;
}

Field OperandField(const Node &n, uint32_t i) {
  switch (n.in.op) {
    case Opcode::kWrite:
      return Field::kS;
    case Opcode::kGather:
      return Field::kM;
    case Opcode::kScatter:
      return i == 0 ? Field::kS : Field::kM;
    case Opcode::kTrans:
      return Field::kA;
    default:
      return i == 0 ? Field::kA : Field::kB;
  }
}

Field OutputField(const Node &n) {
  return (n.in.op == Opcode::kRead || n.in.op == Opcode::kGather) ? Field::kS : Field::kDst;
}

// ------------------------------------------------------------------------------------------------
// Vec
// ------------------------------------------------------------------------------------------------
Vec Vec::Planes(uint32_t first, uint32_t n) const {
  Vec v = *this;
  if (is_mem()) {
    v.plane0 = static_cast<uint8_t>(plane0 + first);
    v.nplanes = static_cast<uint8_t>(n);
    return v;
  }
  if (first + n > parts.size()) throw std::logic_error("Vec::Planes: planes out of range");
  v.parts.assign(parts.begin() + first, parts.begin() + first + n);
  return v;
}

// ------------------------------------------------------------------------------------------------
// Builder
// ------------------------------------------------------------------------------------------------
namespace {

uint32_t F32Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint8_t DestWidth(const Instr &in) { return static_cast<uint8_t>(VxmDestWidth(in)); }
uint8_t SourceWidth(const Instr &in) { return static_cast<uint8_t>(VxmSourceWidth(in)); }

}  // namespace

uint32_t Builder::NewBuffer(const std::string &name, uint32_t planes, const std::array<uint32_t, 4> &slices,
                            uint32_t addr, uint32_t words) {
  if (planes < 1 || planes > 4) throw std::logic_error(fmt::format("buffer {}: {} planes", name, planes));
  const Geometry &geo = g_.geom;
  for (uint32_t p = 0; p < planes; ++p) {
    if (slices[p] >= geo.num_mem_slices())
      throw std::logic_error(fmt::format("buffer {}: slice {} out of range", name, slices[p]));
    const bool west = slices[p] < geo.mem_slices_per_hemi();
    if (west != (slices[0] < geo.mem_slices_per_hemi()))
      throw std::logic_error(fmt::format("buffer {}: planes in both hemispheres", name));
  }
  if (addr + words > geo.mem_words())
    throw std::logic_error(fmt::format("buffer {}: words {}..{} beyond {}", name, addr, addr + words - 1,
                                       geo.mem_words()));
  Buffer b;
  b.name = name;
  b.planes = planes;
  b.slices = slices;
  b.addr = addr;
  b.words = words;
  g_.buffers.push_back(b);
  versions_.emplace_back(words);
  writes_.emplace_back(words, 0);
  return static_cast<uint32_t>(g_.buffers.size() - 1);
}

uint32_t Builder::NewState(const std::string &name) {
  Buffer b;
  b.name = name;
  b.planes = 0;
  b.state = true;
  g_.buffers.push_back(b);
  versions_.emplace_back(1);
  writes_.emplace_back(1, 0);
  return static_cast<uint32_t>(g_.buffers.size() - 1);
}

void Builder::AddScratch(uint32_t buf, Hemi side) {
  if (g_.buffers[buf].planes != 4) throw std::logic_error("scratch buffers need 4 planes");
  scratch_[side == Hemi::kWest ? 0 : 1].push_back(buf);
}

void Builder::SetTag(const std::string &tag) {
  for (size_t i = 0; i < g_.tags.size(); ++i) {
    if (g_.tags[i] == tag) {
      tag_ = static_cast<uint16_t>(i);
      return;
    }
  }
  g_.tags.push_back(tag);
  tag_ = static_cast<uint16_t>(g_.tags.size() - 1);
}

uint32_t Builder::Queue(const std::string &name) const {
  const auto q = g_.geom.FindQueue(name);
  if (!q) throw std::logic_error("no queue " + name);
  return *q;
}

uint32_t Builder::AddNode(const Instr &in, uint32_t queue) {
  if (in.op != Opcode::kRead) busy_slices_.clear();
  Node n;
  n.in = in;
  n.queue = queue;
  n.tag = tag_;
  g_.nodes.push_back(std::move(n));
  const auto id = static_cast<uint32_t>(g_.nodes.size() - 1);
  if (want_anchor_) {
    g_.loops[static_cast<size_t>(loop_)].anchors.push_back(id);
    want_anchor_ = false;
  }
  return id;
}

void Builder::BeginLoop(uint32_t min_period) {
  if (loop_ >= 0) throw std::logic_error("BeginLoop: loops do not nest");
  Loop l;
  l.min_period = std::max<uint32_t>(1, min_period);
  g_.loops.push_back(l);
  loop_ = static_cast<int>(g_.loops.size() - 1);
}

void Builder::Iteration() {
  if (loop_ < 0) throw std::logic_error("Iteration outside a loop");
  want_anchor_ = true;
}

void Builder::EndLoop() {
  if (loop_ < 0) throw std::logic_error("EndLoop without BeginLoop");
  loop_scratch_.clear();
  want_anchor_ = false;
  if (g_.loops[static_cast<size_t>(loop_)].anchors.size() < 2) g_.loops.pop_back();
  loop_ = -1;
}

uint32_t Builder::AddValue(uint32_t node, uint8_t out, uint8_t width) {
  Value v;
  v.node = node;
  v.out = out;
  v.width = width;
  g_.values.push_back(v);
  const auto id = static_cast<uint32_t>(g_.values.size() - 1);
  g_.nodes[node].outs.push_back(id);
  return id;
}

Vec Builder::Outputs(uint32_t node, uint8_t out, uint8_t width) {
  const uint32_t v = AddValue(node, out, width);
  Vec r;
  for (uint8_t b = 0; b < width; ++b) r.parts.push_back({v, b});
  return r;
}

// Program order of the accesses to one word (or to every word of the buffer, kNone: GATHER,
// SCATTER, unit state).
void Builder::Touch(uint32_t node, uint32_t buf, bool write, int32_t offset, uint32_t word) {
  g_.nodes[node].access.push_back({buf, write, offset});
  auto &words = versions_[buf];
  if (word != kNone) {
    TouchWord(node, &words[word], write, offset);
    return;
  }
  for (auto &ver : words) TouchWord(node, &ver, write, offset);
}

void Builder::TouchWord(uint32_t node, Version *ver, bool write, int32_t offset) {
  if (!write) {
    for (const auto &[w, off] : ver->writers) {
      if (w != node) g_.deps.push_back({w, node, off - offset + 1});
    }
    ver->readers.emplace_back(node, offset);
    return;
  }
  if (!ver->readers.empty()) {
    // A new version: every one of its writers follows every access of the previous one.
    ver->before.clear();
    ver->before.insert(ver->before.end(), ver->readers.begin(), ver->readers.end());
    ver->before.insert(ver->before.end(), ver->writers.begin(), ver->writers.end());
    ver->writers.clear();
    ver->readers.clear();
  }
  for (const auto &[x, off] : ver->before) {
    if (x != node) g_.deps.push_back({x, node, off - offset + 1});
  }
  ver->writers.emplace_back(node, offset);
}

Vec Builder::Mem(uint32_t buf, uint32_t word) const {
  if (buf >= g_.buffers.size() || g_.buffers[buf].state) throw std::logic_error("Mem: not a MEM buffer");
  if (word >= g_.buffers[buf].words)
    throw std::logic_error(fmt::format("Mem: word {} beyond buffer {} ({} words)", word, g_.buffers[buf].name,
                                       g_.buffers[buf].words));
  Vec v;
  v.buf = buf;
  v.word = word;
  v.plane0 = 0;
  v.nplanes = static_cast<uint8_t>(g_.buffers[buf].planes);
  v.stamp = writes_[buf][word];
  return v;
}

Vec Builder::Read(uint32_t buf, uint32_t word) {
  const Vec m = Mem(buf, word);
  Vec r;
  const Buffer &b = g_.buffers[buf];
  for (uint32_t p = 0; p < b.planes; ++p) {
    Instr in;
    in.op = Opcode::kRead;
    in.addr = b.addr + word;
    const uint32_t n = AddNode(in, b.slices[p]);
    Touch(n, buf, false, 0, word);
    const uint32_t v = AddValue(n, 0, 1);
    r.parts.push_back({v, 0});
  }
  (void)m;
  return r;
}

void Builder::Write(const Vec &v0, uint32_t buf, uint32_t word) {
  const Buffer &b = g_.buffers[buf];
  if (b.state || word >= b.words) throw std::logic_error("Write: bad buffer word");
  Vec v = v0;
  if (v.is_mem()) v = Read(v.buf, v.word).Planes(v.plane0, v.nplanes ? v.nplanes : g_.buffers[v.buf].planes);
  if (v.parts.size() != b.planes)
    throw std::logic_error(fmt::format("Write: {} streams into buffer {} of {} planes", v.parts.size(), b.name,
                                       b.planes));
  // A plane produced in the very slice that is to store it (e.g. a READ or GATHER there) cannot
  // reach it: copy the whole value through a scratch word elsewhere first.
  bool clash = false;
  for (uint32_t p = 0; p < b.planes; ++p) {
    const Node &prod = g_.nodes[g_.values[v.parts[p].value].node];
    for (uint32_t q = 0; q < b.planes; ++q) clash |= g_.Position(prod) == g_.geom.queue(b.slices[q]).position;
  }
  if (clash) {
    busy_slices_.assign(b.slices.begin(), b.slices.begin() + b.planes);
    const Node &prod = g_.nodes[g_.values[v.parts[0].value].node];
    v = Materialize(Spill(v, g_.Position(prod), g_.geom.queue(b.slices[0]).position), kNone, false);
  }
  ++writes_[buf][word];
  for (uint32_t p = 0; p < b.planes; ++p) {
    Instr in;
    in.op = Opcode::kWrite;
    in.addr = b.addr + word;
    const uint32_t n = AddNode(in, b.slices[p]);
    Vec part;
    part.parts.push_back(v.parts[p]);
    AddOperand(n, part, 1);
    Touch(n, buf, true, 1, word);
  }
}

// Two MEM operands of one instruction are read in the same cycle: if they share a slice, copy the
// second through a scratch word on the other side.
void Builder::SeparateSlices(const Vec &a, Vec *b) {
  if (!a.is_mem() || !b->is_mem()) return;
  const Buffer &ba = g_.buffers[a.buf], &bb = g_.buffers[b->buf];
  const uint32_t na = a.nplanes ? a.nplanes : ba.planes, nb = b->nplanes ? b->nplanes : bb.planes;
  bool overlap = false;
  for (uint32_t i = a.plane0; i < a.plane0 + na; ++i) {
    for (uint32_t j = b->plane0; j < b->plane0 + nb; ++j) overlap |= ba.slices[i] == bb.slices[j];
  }
  if (!overlap) return;
  const uint32_t pos = g_.geom.queue(ba.slices[a.plane0]).position;
  // Read b (towards the far side) and park it in scratch on the side away from a's slices.
  const Vec wire = Materialize(*b, kNone, false);
  *b = Spill(wire, kNone, pos);
}

Vec Builder::Spill(const Vec &v, uint32_t producer_position, uint32_t consumer_position) {
  const uint32_t vxm = g_.geom.vxm_position();
  int side = producer_position == kNone ? 0
             : producer_position < vxm ? 0
             : producer_position > vxm ? 1
                                       : static_cast<int>(spills_ % 2);
  // Not on the consumer's own side if the consumer is a MEM slice that could hold the scratch.
  if (consumer_position != vxm && consumer_position != kNone) {
    const int cside = consumer_position < vxm ? 0 : 1;
    if (cside == side) side = 1 - side;
  }
  if (scratch_[side].empty()) side = 1 - side;
  if (scratch_[side].empty()) throw std::logic_error("spill needed but no scratch buffers were added");
  if (v.parts.size() > 4) throw std::logic_error("Spill: wider than 4 streams");
  // The next scratch word (round-robin) whose slices no other operand of the node reads from.
  auto clashes = [&](uint32_t buf) {
    const Buffer &sb = g_.buffers[buf];
    for (uint32_t p = 0; p < v.parts.size(); ++p) {
      for (uint32_t s : busy_slices_) {
        if (sb.slices[p] == s) return true;
      }
    }
    return false;
  };
  uint32_t buf = kNone;
  for (int attempt = 0; attempt < 2 && buf == kNone; ++attempt) {
    const int sd = attempt == 0 ? side : 1 - side;
    for (size_t i = 0; i < scratch_[sd].size(); ++i) {
      const uint32_t cand = scratch_[sd][next_scratch_[sd]++ % scratch_[sd].size()];
      // Inside a loop every spill needs a word of its own: the iterations become one rigid unit,
      // so a word reused by a later iteration would have to be written before it is read.
      if (!clashes(cand) && !loop_scratch_.count(cand)) {
        buf = cand;
        break;
      }
    }
  }
  if (buf == kNone && loop_ >= 0)
    throw std::logic_error(fmt::format("a loop needs more than {} spills (phase {}): keep its operands in "
                                       "different slice groups",
                                       loop_scratch_.size(), g_.tags[tag_]));
  if (loop_ >= 0) loop_scratch_.insert(buf);
  if (buf == kNone) throw std::logic_error(fmt::format("spill: every scratch word clashes with another operand's slices ({} busy, last node {} {})", busy_slices_.size(), g_.nodes.size(), g_.nodes.back().in.info().mnemonic));
  ++spills_;
  ++writes_[buf][0];
  const std::vector<uint32_t> saved = busy_slices_;
  // Write the parts into the first planes of the scratch buffer.
  const Buffer &b = g_.buffers[buf];
  for (uint32_t p = 0; p < v.parts.size(); ++p) {
    Instr in;
    in.op = Opcode::kWrite;
    in.addr = b.addr;
    const uint32_t n = AddNode(in, b.slices[p]);
    Vec part;
    part.parts.push_back(v.parts[p]);
    AddOperand(n, part, 1);
    Touch(n, buf, true, 1, 0);
  }
  busy_slices_ = saved;
  Vec r = Mem(buf, 0);
  r.nplanes = static_cast<uint8_t>(v.parts.size());
  return r;
}

Vec Builder::Materialize(const Vec &v0, uint32_t consumer_position, bool consumer_vxm) {
  Vec v = v0;
  if (v0.is_mem()) {
    const Buffer &b = g_.buffers[v0.buf];
    if (v0.stamp != kNone && v0.stamp != writes_[v0.buf][v0.word])
      throw std::logic_error(fmt::format("buffer {} word {} was written again before a read of its earlier "
                                         "contents (a temporary reused too early; phase {})",
                                         b.name, v0.word, g_.tags[tag_]));
    const uint32_t np = v0.nplanes ? v0.nplanes : b.planes;
    v = Vec{};
    for (uint32_t p = v0.plane0; p < v0.plane0 + np; ++p) {
      Instr in;
      in.op = Opcode::kRead;
      in.addr = b.addr + v0.word;
      const uint32_t n = AddNode(in, b.slices[p]);
      Touch(n, v0.buf, false, 0, v0.word);
      const uint32_t val = AddValue(n, 0, 1);
      v.parts.push_back({val, 0});
      busy_slices_.push_back(b.slices[p]);
    }
  }
  // Producers at the consumer's own position need chaining (VXM) or a trip through a scratch word.
  bool same = false;
  for (const auto &p : v.parts) {
    const Node &prod = g_.nodes[g_.values[p.value].node];
    if (g_.Position(prod) == consumer_position) same = true;
  }
  if (!same) return v;
  const Node &prod = g_.nodes[g_.values[v.parts[0].value].node];
  if (consumer_vxm && g_.IsVxm(prod) && opt_.vxm_chain) {
    for (const auto &p : v.parts) {
      if (!g_.IsVxm(g_.nodes[g_.values[p.value].node]))
        throw std::logic_error("operand mixes chained VXM results and other streams");
    }
    return v;
  }
  return Materialize(Spill(v, g_.Position(prod), consumer_position), consumer_position, consumer_vxm);
}

void Builder::AddOperand(uint32_t node, const Vec &v0, uint32_t width) {
  const uint32_t pos = g_.Position(g_.nodes[node]);
  const bool vxm = g_.IsVxm(g_.nodes[node]);
  const Vec v = Materialize(v0, pos, vxm);
  if (v.parts.size() != width)
    throw std::logic_error(fmt::format("{}: operand {} has {} streams, expected {}",
                                       g_.nodes[node].in.info().mnemonic, g_.nodes[node].ops.size(),
                                       v.parts.size(), width));
  Operand op;
  op.width = static_cast<uint8_t>(width);
  uint32_t local_parts = 0;
  for (uint32_t i = 0; i < width; ++i) {
    op.parts[i] = v.parts[i];
    const Node &prod = g_.nodes[g_.values[v.parts[i].value].node];
    if (g_.Position(prod) == pos) ++local_parts;
  }
  if (local_parts != 0 && local_parts != width)
    throw std::logic_error("operand mixes local (chained) and remote streams");
  op.local = local_parts != 0;
  const auto index = static_cast<uint32_t>(g_.nodes[node].ops.size());
  g_.nodes[node].ops.push_back(op);
  for (uint32_t i = 0; i < width; ++i) {
    auto &uses = g_.values[op.parts[i].value].uses;
    if (uses.empty() || uses.back() != std::make_pair(node, index)) uses.emplace_back(node, index);
  }
}

// ---- VXM ----
Vec Builder::Vop(Opcode op, isa::DType dt, const Vec &a0, const Vec &b0, bool sat) {
  // The same MEM words as both operands: one READ per plane feeds both.
  Vec a = a0, b = b0;
  if (a.is_mem() && b.is_mem() && a.buf == b.buf && a.word == b.word && a.plane0 == b.plane0 &&
      a.nplanes == b.nplanes) {
    a = Read(a.buf, a.word).Planes(a.plane0, a.nplanes ? a.nplanes : g_.buffers[a.buf].planes);
    b = a;
  }
  SeparateSlices(a, &b);
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  in.sat = sat ? 1 : 0;
  const uint32_t n = AddNode(in, kNone);
  // MEM operands first, so that spills of wire operands avoid their slices.
  if (b.is_mem() && !a.is_mem()) b = Materialize(b, g_.Position(g_.nodes[n]), true);
  AddOperand(n, a, SourceWidth(in));
  AddOperand(n, b, DestWidth(in));
  return Outputs(n, 0, DestWidth(in));
}

Vec Builder::VopImm(Opcode op, isa::DType dt, const Vec &a, uint32_t imm, bool sat) {
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  in.sat = sat ? 1 : 0;
  in.imm = imm;
  const bool binary = op == Opcode::kVadd || op == Opcode::kVsub || op == Opcode::kVmul || op == Opcode::kVmax ||
                      (op >= Opcode::kFadd && op <= Opcode::kFmax);
  if (binary) in.bimm = 1;
  const uint32_t n = AddNode(in, kNone);
  AddOperand(n, a, SourceWidth(in));
  return Outputs(n, 0, DestWidth(in));
}

Vec Builder::Vop1(Opcode op, isa::DType dt, const Vec &a) {
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  const uint32_t n = AddNode(in, kNone);
  AddOperand(n, a, SourceWidth(in));
  return Outputs(n, 0, DestWidth(in));
}

Vec Builder::Cvt(isa::DType to, isa::DType from, const Vec &a, float scale) {
  Instr in;
  in.op = Opcode::kVcvt;
  in.dtype = static_cast<uint32_t>(to);
  in.stype = static_cast<uint32_t>(from);
  in.imm = F32Bits(scale);
  const uint32_t n = AddNode(in, kNone);
  AddOperand(n, a, SourceWidth(in));
  return Outputs(n, 0, DestWidth(in));
}

Vec Builder::FaddI(const Vec &a, float b) { return VopImm(Opcode::kFadd, isa::DType::kF32, a, F32Bits(b)); }
Vec Builder::FmulI(const Vec &a, float b) { return VopImm(Opcode::kFmul, isa::DType::kF32, a, F32Bits(b)); }
Vec Builder::FmaxI(const Vec &a, float b) { return VopImm(Opcode::kFmax, isa::DType::kF32, a, F32Bits(b)); }

// ---- SXM ----
Vec Builder::Sxm(Hemi side, Opcode op, isa::DType dt, const Vec &a, uint32_t imm) {
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  in.imm = imm;
  const uint32_t n = AddNode(in, Queue(side == Hemi::kWest ? "sxm.w" : "sxm.e"));
  AddOperand(n, a, GroupWidth(in.dtype));
  return Outputs(n, 0, static_cast<uint8_t>(GroupWidth(in.dtype)));
}

Vec Builder::SxmMap(Hemi side, Opcode op, isa::DType dt, const Vec &a, const Vec &map0) {
  Vec map = map0;
  SeparateSlices(a, &map);
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  const uint32_t n = AddNode(in, Queue(side == Hemi::kWest ? "sxm.w" : "sxm.e"));
  if (map.is_mem() && !a.is_mem()) map = Materialize(map, g_.Position(g_.nodes[n]), false);
  AddOperand(n, a, GroupWidth(in.dtype));
  AddOperand(n, map, 1);
  return Outputs(n, 0, static_cast<uint8_t>(GroupWidth(in.dtype)));
}

std::array<Vec, 16> Builder::Trans(Hemi side, isa::DType dt, const std::array<Vec, 16> &rows) {
  Instr in;
  in.op = Opcode::kTrans;
  in.dtype = static_cast<uint32_t>(dt);
  const uint32_t n = AddNode(in, Queue(side == Hemi::kWest ? "sxm.w" : "sxm.e"));
  for (const auto &r : rows) AddOperand(n, r, GroupWidth(in.dtype));
  std::array<Vec, 16> cols;
  for (uint8_t j = 0; j < 16; ++j) cols[j] = Outputs(n, j, static_cast<uint8_t>(GroupWidth(in.dtype)));
  return cols;
}

// ---- MEM indirect ----
Vec Builder::Gather(uint32_t region, uint32_t plane, const Vec &addr) {
  const Buffer &b = g_.buffers[region];
  if (plane >= b.planes) throw std::logic_error("Gather: plane out of range");
  Instr in;
  in.op = Opcode::kGather;
  const uint32_t n = AddNode(in, b.slices[plane]);
  g_.nodes[n].region = region;
  AddOperand(n, addr, 2);
  Touch(n, region, false, 1);
  return Outputs(n, 0, 1);
}

// Positions of the slices a MEM reference reads.
static void SlicePositions(const Graph &g, const Vec &v, uint32_t *lo, uint32_t *hi) {
  const Buffer &b = g.buffers[v.buf];
  const uint32_t np = v.nplanes ? v.nplanes : b.planes;
  *lo = UINT32_MAX;
  *hi = 0;
  for (uint32_t p = v.plane0; p < v.plane0 + np; ++p) {
    const uint32_t pos = g.geom.queue(b.slices[p]).position;
    *lo = std::min(*lo, pos);
    *hi = std::max(*hi, pos);
  }
}

Vec Builder::GatherAll(uint32_t region, const Vec &addr0) {
  // The planes' GATHERs sit in different slices and their words must reach the consumer (taken to
  // be the VXM) together. One READ of the address, passing every GATHER on its way, times them
  // right when it comes from beyond the GATHER slices; otherwise each GATHER reads it on its own.
  Vec addr = addr0;
  if (addr.is_mem()) {
    const Buffer &b = g_.buffers[region];
    uint32_t plo = UINT32_MAX, phi = 0, alo, ahi;
    for (uint32_t p = 0; p < b.planes; ++p) {
      plo = std::min(plo, g_.geom.queue(b.slices[p]).position);
      phi = std::max(phi, g_.geom.queue(b.slices[p]).position);
    }
    SlicePositions(g_, addr, &alo, &ahi);
    const uint32_t vxm = g_.geom.vxm_position();
    const bool beyond = phi < vxm ? ahi < plo : alo > phi;
    if (beyond) addr = Read(addr.buf, addr.word).Planes(addr.plane0, addr.nplanes ? addr.nplanes : g_.buffers[addr.buf].planes);
  }
  Vec r;
  for (uint32_t p = 0; p < g_.buffers[region].planes; ++p) r.parts.push_back(Gather(region, p, addr).parts[0]);
  return r;
}

void Builder::Scatter(const Vec &data0, uint32_t region, const Vec &addr0) {
  const Buffer &b = g_.buffers[region];
  Vec data = data0;
  if (data.is_mem()) data = Read(data.buf, data.word);
  if (data.parts.size() != b.planes) throw std::logic_error("Scatter: plane count mismatch");
  // Address and data must meet at every SCATTER: one shared READ of the address when it comes from
  // the same side as the data (both then pass the slices one cycle apart), else one READ each.
  Vec addr = addr0;
  if (addr.is_mem()) {
    uint32_t plo = UINT32_MAX, phi = 0, alo, ahi;
    for (uint32_t p = 0; p < b.planes; ++p) {
      plo = std::min(plo, g_.geom.queue(b.slices[p]).position);
      phi = std::max(phi, g_.geom.queue(b.slices[p]).position);
    }
    SlicePositions(g_, addr, &alo, &ahi);
    const uint32_t x = g_.Position(g_.nodes[g_.values[data.parts[0].value].node]);
    const bool same_side = (x < plo && ahi < plo) || (x > phi && alo > phi);
    if (same_side) addr = Read(addr.buf, addr.word);
  }
  for (auto &w : writes_[region]) ++w;  // a data-dependent word
  for (uint32_t p = 0; p < b.planes; ++p) {
    Instr in;
    in.op = Opcode::kScatter;
    const uint32_t n = AddNode(in, b.slices[p]);
    g_.nodes[n].region = region;
    Vec part;
    part.parts.push_back(data.parts[p]);
    AddOperand(n, part, 1);
    AddOperand(n, addr, 2);
    Touch(n, region, true, 1);
  }
}

// ---- MXM ----
void Builder::Lw(Hemi side, const Vec &rows, uint32_t index) {
  const int s = side == Hemi::kWest ? 0 : 1;
  if (mxm_buf_[s] == kNone) {
    mxm_buf_[s] = NewState(s ? "mxm.e.buffer" : "mxm.w.buffer");
    mxm_arr_[s] = NewState(s ? "mxm.e.array" : "mxm.w.array");
  }
  // One row per stream of the group: 1, 2 or 4 rows (dtype i8, i16, i32).
  const uint32_t w = rows.is_mem() ? (rows.nplanes ? rows.nplanes : g_.buffers[rows.buf].planes)
                                   : static_cast<uint32_t>(rows.parts.size());
  Instr in;
  in.op = Opcode::kLw;
  in.imm = index;
  in.dtype = w == 4 ? 2u : w == 2 ? 1u : 0u;
  if (w != 1 && w != 2 && w != 4) throw std::logic_error("Lw: 1, 2 or 4 rows");
  const uint32_t n = AddNode(in, Queue(s ? "mxm.e" : "mxm.w"));
  AddOperand(n, rows, w);
  Touch(n, mxm_buf_[s], true, 0);
}

void Builder::Iw(Hemi side) {
  const int s = side == Hemi::kWest ? 0 : 1;
  if (mxm_buf_[s] == kNone) throw std::logic_error("IW before any LW");
  Instr in;
  in.op = Opcode::kIw;
  const uint32_t n = AddNode(in, Queue(s ? "mxm.e" : "mxm.w"));
  Touch(n, mxm_buf_[s], false, 0);
  Touch(n, mxm_arr_[s], true, 0);
}

Vec Builder::Abc(Hemi side, const Vec &a, bool asigned, bool wsigned, const Vec *acc) {
  const int s = side == Hemi::kWest ? 0 : 1;
  if (mxm_arr_[s] == kNone) throw std::logic_error("ABC before any IW");
  Instr in;
  in.op = Opcode::kAbc;
  in.asigned = asigned ? 1 : 0;
  in.wsigned = wsigned ? 1 : 0;
  in.acc = acc ? 1 : 0;
  const uint32_t n = AddNode(in, Queue(s ? "mxm.e" : "mxm.w"));
  AddOperand(n, a, 1);
  if (acc) AddOperand(n, *acc, 4);
  Touch(n, mxm_arr_[s], false, 0);
  return Outputs(n, 0, 4);
}

}  // namespace tsp::compiler
