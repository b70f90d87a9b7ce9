#include "tsp/compiler/graph.h"

#include <fmt/format.h>

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
  versions_.emplace_back();
  return static_cast<uint32_t>(g_.buffers.size() - 1);
}

uint32_t Builder::NewState(const std::string &name) {
  Buffer b;
  b.name = name;
  b.planes = 0;
  b.state = true;
  g_.buffers.push_back(b);
  versions_.emplace_back();
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
  Node n;
  n.in = in;
  n.queue = queue;
  n.tag = tag_;
  g_.nodes.push_back(std::move(n));
  return static_cast<uint32_t>(g_.nodes.size() - 1);
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

void Builder::Touch(uint32_t node, uint32_t buf, bool write, int32_t offset) {
  auto &ver = versions_[buf];
  g_.nodes[node].access.push_back({buf, write, offset});
  if (!write) {
    for (const auto &[w, off] : ver.writers) {
      if (w != node) g_.deps.push_back({w, node, off - offset + 1});
    }
    ver.readers.emplace_back(node, offset);
    return;
  }
  if (!ver.readers.empty()) {
    for (const auto &[r, off] : ver.readers) {
      if (r != node) g_.deps.push_back({r, node, off - offset + 1});
    }
    for (const auto &[w, off] : ver.writers) {
      if (w != node) g_.deps.push_back({w, node, off - offset + 1});
    }
    ver.writers.clear();
    ver.readers.clear();
  }
  ver.writers.emplace_back(node, offset);
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
    Touch(n, buf, false, 0);
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
  for (uint32_t p = 0; p < b.planes; ++p) {
    Instr in;
    in.op = Opcode::kWrite;
    in.addr = b.addr + word;
    const uint32_t n = AddNode(in, b.slices[p]);
    Vec part;
    part.parts.push_back(v.parts[p]);
    AddOperand(n, part, 1);
    Touch(n, buf, true, 1);
  }
}

Vec Builder::Spill(const Vec &v, uint32_t producer_position) {
  const uint32_t vxm = g_.geom.vxm_position();
  int side = producer_position < vxm ? 0 : producer_position > vxm ? 1 : static_cast<int>(spills_ % 2);
  if (scratch_[side].empty()) side = 1 - side;
  if (scratch_[side].empty()) throw std::logic_error("spill needed but no scratch buffers were added");
  if (v.parts.size() > 4) throw std::logic_error("Spill: wider than 4 streams");
  const uint32_t buf = scratch_[side][next_scratch_[side]++ % scratch_[side].size()];
  ++spills_;
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
    Touch(n, buf, true, 1);
  }
  Vec r = Mem(buf, 0);
  r.nplanes = static_cast<uint8_t>(v.parts.size());
  return r;
}

Vec Builder::Materialize(const Vec &v, uint32_t consumer_position, bool consumer_vxm) {
  if (v.is_mem()) {
    const Buffer &b = g_.buffers[v.buf];
    const uint32_t np = v.nplanes ? v.nplanes : b.planes;
    Vec r;
    for (uint32_t p = v.plane0; p < v.plane0 + np; ++p) {
      Instr in;
      in.op = Opcode::kRead;
      in.addr = b.addr + v.word;
      const uint32_t n = AddNode(in, b.slices[p]);
      Touch(n, v.buf, false, 0);
      const uint32_t val = AddValue(n, 0, 1);
      r.parts.push_back({val, 0});
    }
    return r;
  }
  // A wire: producers at the consumer's own position need chaining (VXM) or a spill.
  bool same = false;
  for (const auto &p : v.parts) {
    const Node &prod = g_.nodes[g_.values[p.value].node];
    if (g_.Position(prod) == consumer_position) same = true;
  }
  if (!same) return v;
  const Node &prod = g_.nodes[g_.values[v.parts[0].value].node];
  if (consumer_vxm && g_.IsVxm(prod) && opt_.vxm_chain) return v;
  return Materialize(Spill(v, g_.Position(prod)), consumer_position, consumer_vxm);
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
Vec Builder::Vop(Opcode op, isa::DType dt, const Vec &a, const Vec &b, bool sat) {
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  in.sat = sat ? 1 : 0;
  const uint32_t n = AddNode(in, kNone);
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

Vec Builder::SxmMap(Hemi side, Opcode op, isa::DType dt, const Vec &a, const Vec &map) {
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  const uint32_t n = AddNode(in, Queue(side == Hemi::kWest ? "sxm.w" : "sxm.e"));
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

Vec Builder::GatherAll(uint32_t region, const Vec &addr) {
  Vec r;
  for (uint32_t p = 0; p < g_.buffers[region].planes; ++p) r.parts.push_back(Gather(region, p, addr).parts[0]);
  return r;
}

void Builder::Scatter(const Vec &data0, uint32_t region, const Vec &addr) {
  const Buffer &b = g_.buffers[region];
  Vec data = data0;
  if (data.is_mem()) data = Read(data.buf, data.word);
  if (data.parts.size() != b.planes) throw std::logic_error("Scatter: plane count mismatch");
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
void Builder::Lw(Hemi side, const Vec &row, uint32_t index) {
  const int s = side == Hemi::kWest ? 0 : 1;
  if (mxm_buf_[s] == kNone) {
    mxm_buf_[s] = NewState(s ? "mxm.e.buffer" : "mxm.w.buffer");
    mxm_arr_[s] = NewState(s ? "mxm.e.array" : "mxm.w.array");
  }
  Instr in;
  in.op = Opcode::kLw;
  in.imm = index;
  const uint32_t n = AddNode(in, Queue(s ? "mxm.e" : "mxm.w"));
  AddOperand(n, row, 1);
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
