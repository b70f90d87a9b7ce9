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

void Builder::AddScratch(uint32_t buf, Hemi /*side*/) {
  // Every plane of the word becomes a one-plane scratch word of its own.
  const Buffer b = g_.buffers[buf];
  for (uint32_t p = 0; p < b.planes; ++p)
    scratch_.push_back(NewBuffer(fmt::format("{}.{}", b.name, p), 1, {b.slices[p], 0, 0, 0}, b.addr, 1));
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

uint32_t Builder::AddNode(const Instr &in, uint32_t queue, uint32_t region) {
  Node n;
  n.in = in;
  n.queue = queue;
  n.region = region;
  n.tag = tag_;
  g_.nodes.push_back(std::move(n));
  const auto id = static_cast<uint32_t>(g_.nodes.size() - 1);
  if (want_anchor_) {
    g_.loops[static_cast<size_t>(loop_)].anchors.push_back(id);
    want_anchor_ = false;
  }
  groups_.emplace_back();
  ngroup_.push_back(kNone);
  ntime_.push_back(0);
  Place(static_cast<uint32_t>(groups_.size() - 1), id, 0);
  return id;
}

// ---- rigid groups ----
namespace {
using Res = Builder::Res;
Res ResOf(const Graph &g, const Node &n) {
  Res r;
  r.queue = n.queue;
  r.occ = std::max<int64_t>(1, n.in.info().occupancy);
  r.stride = VxmSlotStride(n.in.info());
  r.sequencer = n.in.info().interleave;
  r.bank_offset = n.in.info().bank_offset;
  r.slice = n.queue;
  const uint32_t W = g.geom.words_per_bank();
  if (n.in.op == Opcode::kRead || n.in.op == Opcode::kWrite) {
    r.banks.push_back(n.in.addr / W);
  } else if ((n.in.op == Opcode::kGather || n.in.op == Opcode::kScatter) && n.region != kNone) {
    const Buffer &b = g.buffers[n.region];
    for (uint32_t k = b.addr / W; k <= (b.addr + b.words - 1) / W; ++k) r.banks.push_back(k);
  }
  return r;
}
}  // namespace

bool Builder::Fits(const Group &g, uint32_t node, int64_t t) const {
  return FitsRes(g, ResOf(g_, g_.nodes[node]), t);
}

bool Builder::FitsRes(const Group &g, const Res &r, int64_t t) const {
  if (r.queue == kNone) {
    for (int64_t x = t; x < t + r.occ; x += r.stride) {
      auto it = g.vxm.find(x);
      if (it != g.vxm.end() && it->second >= g_.geom.vxm_alus()) return false;
    }
    for (int64_t x = t; r.sequencer && x < t + r.occ; ++x) {
      auto it = g.seq.find(x);
      if (it != g.seq.end() && it->second >= g_.geom.vxm_alus()) return false;
    }
  } else {
    auto qi = g.queues.find(r.queue);
    if (qi != g.queues.end()) {
      const auto &m = qi->second;
      auto it = m.upper_bound(t);
      if (it != m.end() && it->first < t + r.occ) return false;
      if (it != m.begin() && std::prev(it)->second > t) return false;
    }
  }
  if (r.bank_offset >= 0) {
    for (uint32_t b : r.banks) {
      if (g.banks.count({r.slice, b, t + r.bank_offset})) return false;
    }
  }
  return true;
}

void Builder::Place(uint32_t group, uint32_t node, int64_t t) {
  Group &g = groups_[group];
  const Res r = ResOf(g_, g_.nodes[node]);
  if (r.queue == kNone) {
    for (int64_t x = t; x < t + r.occ; x += r.stride) g.vxm[x]++;
    for (int64_t x = t; r.sequencer && x < t + r.occ; ++x) g.seq[x]++;
  } else {
    g.queues[r.queue][t] = t + r.occ;
  }
  if (r.bank_offset >= 0) {
    for (uint32_t b : r.banks) g.banks.insert({r.slice, b, t + r.bank_offset});
  }
  g.nodes.push_back(node);
  ngroup_[node] = group;
  ntime_[node] = t;
}

bool Builder::CanMerge(uint32_t into, uint32_t from, int64_t off) const {
  for (uint32_t n : groups_[from].nodes) {
    if (!Fits(groups_[into], n, ntime_[n] + off)) return false;
  }
  return FeetFit(groups_[into], &groups_[from], off, {});
}

void Builder::Merge(uint32_t into, uint32_t from, int64_t off) {
  const std::vector<uint32_t> nodes = std::move(groups_[from].nodes);
  std::map<uint32_t, Foot> feet = std::move(groups_[from].feet);
  groups_[from] = Group{};
  for (uint32_t n : nodes) Place(into, n, ntime_[n] + off);
  for (auto &[v, f] : feet) {
    Foot s = f;
    s.u += off;
    AddFoot(groups_[into], s);
  }
}

Builder::Foot Builder::FootOf(const Group &g, uint32_t value, int64_t t_write, uint32_t pos_p, uint32_t pos_c) const {
  Foot f;
  f.value = value;
  f.width = g_.values[value].width;
  if (pos_p == pos_c) {
    f.width = 0;
    return f;
  }
  f.dir = pos_c > pos_p ? 0 : 1;
  f.u = f.dir == 0 ? t_write - pos_p : t_write + pos_p;
  if (f.dir == 0) {
    f.lo = pos_p;
    f.hi = pos_c - 1;
  } else {
    f.lo = pos_c + 1;
    f.hi = pos_p;
  }
  auto it = g.feet.find(value);
  if (it != g.feet.end() && it->second.dir == f.dir && it->second.u == f.u) {
    // Only the extension beyond what is counted already.
    if (f.dir == 0) {
      if (f.hi <= it->second.hi) f.width = 0;
      f.lo = it->second.hi + 1;
    } else {
      if (f.lo >= it->second.lo) f.width = 0;
      f.hi = it->second.lo - 1;
    }
  }
  return f;
}

bool Builder::FeetFit(const Group &g, const Group *from, int64_t off, const std::vector<Foot> &extra) const {
  const uint32_t cap = g_.geom.streams();
  std::map<std::pair<int, int64_t>, std::vector<uint32_t>> add;
  const uint32_t np = g_.geom.num_positions();
  auto put = [&](const Foot &f, int64_t du) {
    if (f.width == 0) return;
    auto &v = add[{f.dir, f.u + du}];
    if (v.empty()) v.assign(np, 0);
    for (uint32_t x = f.lo; x <= f.hi && x < np; ++x) v[x] += f.width;
  };
  if (from) {
    for (const auto &[val, f] : from->feet) put(f, off);
  }
  for (const Foot &f : extra) put(f, 0);
  for (const auto &[k, v] : add) {
    auto it = g.streams.find(k);
    for (uint32_t x = 0; x < np; ++x) {
      const uint32_t have = it == g.streams.end() ? 0 : it->second[x];
      if (v[x] && have + v[x] > cap) return false;
    }
  }
  return true;
}

void Builder::AddFoot(Group &g, const Foot &f) {
  if (f.width == 0) return;
  auto &v = g.streams[{f.dir, f.u}];
  if (v.empty()) v.assign(g_.geom.num_positions(), 0);
  for (uint32_t x = f.lo; x <= f.hi && x < v.size(); ++x) v[x] = static_cast<uint8_t>(v[x] + f.width);
  auto it = g.feet.find(f.value);
  if (it == g.feet.end()) {
    g.feet[f.value] = f;
  } else if (it->second.dir == f.dir && it->second.u == f.u) {
    it->second.lo = std::min(it->second.lo, f.lo);
    it->second.hi = std::max(it->second.hi, f.hi);
  }
}

uint32_t Builder::PickScratch(const std::function<bool(uint32_t)> &ok) {
  for (size_t i = 0; i < scratch_.size(); ++i) {
    const uint32_t cand = scratch_[(next_scratch_ + i) % scratch_.size()];
    // Inside a loop every scratch word is used once: the iterations become one rigid unit, so a
    // word reused by a later iteration would have to be written before it is read.
    if (loop_scratch_.count(cand) || !ok(cand)) continue;
    next_scratch_ = static_cast<uint32_t>((next_scratch_ + i + 1) % scratch_.size());
    if (loop_ >= 0) loop_scratch_.insert(cand);
    return cand;
  }
  if (loop_ >= 0)
    throw std::logic_error(fmt::format("a loop needs more than {} scratch words (phase {}): keep the operands "
                                       "of its instructions in different slice groups",
                                       loop_scratch_.size(), g_.tags[tag_]));
  throw std::logic_error(fmt::format("no scratch word fits (phase {})", g_.tags[tag_]));
}

Part Builder::ReadFor(uint32_t consumer, uint32_t opi, uint32_t buf, uint32_t word, uint32_t plane, int *side) {
  const Buffer &b = g_.buffers[buf];
  const uint32_t pos_c = g_.Position(g_.nodes[consumer]);
  const uint32_t gc = ngroup_[consumer];
  const auto read_time = [&](uint32_t slice) {
    const auto pos_s = static_cast<int64_t>(g_.geom.queue(slice).position);
    return ntime_[consumer] + Graph::ReadOffset(g_.nodes[consumer], opi) - 2 - std::abs(static_cast<int64_t>(pos_c) - pos_s);
  };
  auto make_read = [&](uint32_t bufid, uint32_t w, uint32_t pl) {
    Instr in;
    in.op = Opcode::kRead;
    in.addr = g_.buffers[bufid].addr + w;
    const uint32_t n = AddNode(in, g_.buffers[bufid].slices[pl]);
    Touch(n, bufid, false, 0, w);
    return n;
  };
  const uint32_t slice = b.slices[plane];
  const uint32_t pos_s = g_.geom.queue(slice).position;
  const int sd = pos_s < pos_c ? 0 : 1;
  if (pos_s != pos_c && (*side < 0 || *side == sd)) {
    const uint32_t n = make_read(buf, word, plane);
    const int64_t tr = read_time(slice);
    const uint32_t v = AddValue(n, 0, 1);
    const Foot f = FootOf(groups_[gc], v, tr + Graph::WriteOffset(g_.nodes[n], 0), pos_s, pos_c);
    if (Fits(groups_[gc], n, tr) && FeetFit(groups_[gc], nullptr, 0, {f})) {
      Merge(gc, ngroup_[n], tr);
      AddFoot(groups_[gc], f);
      *side = sd;
      return {v, 0};
    }
    // The READ stays on its own: copy the word through a scratch word read in time.
    ++relocations_;
    return LinkPart(consumer, opi, {v, 0}, nullptr, side);
  }
  // The consumer sits in the very slice, or the operand's other streams come from the other side:
  // copy through a scratch word.
  const uint32_t n = make_read(buf, word, plane);
  ++relocations_;
  return LinkPart(consumer, opi, {AddValue(n, 0, 1), 0}, nullptr, side);
}

Part Builder::LinkPart(uint32_t consumer, uint32_t opi, const Part &pt, bool *local, int *side) {
  const Value &val = g_.values[pt.value];
  const uint32_t P = val.node;
  const Node &pn = g_.nodes[P], &cn = g_.nodes[consumer];
  const uint32_t pos_p = g_.Position(pn), pos_c = g_.Position(cn);
  const bool same = pos_p == pos_c;
  const bool chain = same && opt_.vxm_chain && g_.IsVxm(pn) && g_.IsVxm(cn);
  const int dir = pos_c > pos_p ? 0 : 1;  // also the side the value arrives from: 0 west, 1 east
  bool rigid = local != nullptr && (!same || chain) && (same || vdir_[pt.value] < 0 || vdir_[pt.value] == dir) &&
               (same || *side < 0 || *side == dir);
  const int64_t hops = same ? 1 : std::abs(static_cast<int64_t>(pos_c) - static_cast<int64_t>(pos_p));
  const int64_t t_req = ntime_[P] + Graph::WriteOffset(pn, val.out) + hops - Graph::ReadOffset(cn, opi);
  if (rigid) {
    const uint32_t gp = ngroup_[P], gc = ngroup_[consumer];
    const int64_t tw = ntime_[P] + Graph::WriteOffset(pn, val.out);  // producer group frame
    if (gp == gc) {
      const Foot f = FootOf(groups_[gp], pt.value, tw, pos_p, pos_c);
      rigid = ntime_[consumer] == t_req && FeetFit(groups_[gp], nullptr, 0, {f});
      if (rigid) AddFoot(groups_[gp], f);
    } else if (groups_[gc].nodes.size() <= groups_[gp].nodes.size()) {
      const Foot f = FootOf(groups_[gp], pt.value, tw, pos_p, pos_c);
      rigid = CanMerge(gp, gc, t_req - ntime_[consumer]) &&
              FeetFit(groups_[gp], &groups_[gc], t_req - ntime_[consumer], {f});
      if (rigid) {
        Merge(gp, gc, t_req - ntime_[consumer]);
        AddFoot(groups_[gp], f);
      }
    } else {
      const int64_t off = ntime_[consumer] - t_req;
      Foot f = FootOf(groups_[gp], pt.value, tw, pos_p, pos_c);
      f.u += off;  // in the consumer group's frame
      rigid = CanMerge(gc, gp, off) && FeetFit(groups_[gc], &groups_[gp], off, {f});
      if (rigid) {
        Merge(gc, gp, off);
        AddFoot(groups_[gc], f);
      }
    }
  }
  if (rigid) {
    if (!same) {
      vdir_[pt.value] = dir;
      *side = dir;
    }
    *local = same;
    return pt;
  }
  // Through a scratch word: a WRITE rigid with the producer, a READ rigid with the consumer.
  if (local) *local = false;
  const uint32_t gp = ngroup_[P], gc = ngroup_[consumer];
  const int64_t t_out = ntime_[P] + Graph::WriteOffset(pn, val.out);
  const int64_t t_in = ntime_[consumer] + Graph::ReadOffset(cn, opi);
  const uint8_t vout = val.out;
  (void)vout;
  int64_t tw = 0, tr = 0;
  const uint32_t sb = PickScratch([&](uint32_t b) {
    const uint32_t sl = g_.buffers[b].slices[0];
    const auto pos_s = static_cast<int64_t>(g_.geom.queue(sl).position);
    if (pos_s == static_cast<int64_t>(pos_p) || pos_s == static_cast<int64_t>(pos_c)) return false;
    const int wdir = pos_s > static_cast<int64_t>(pos_p) ? 0 : 1;
    if (vdir_[pt.value] >= 0 && vdir_[pt.value] != wdir) return false;
    if (*side >= 0 && *side != (pos_s < static_cast<int64_t>(pos_c) ? 0 : 1)) return false;
    Res r;
    r.queue = sl;
    r.slice = sl;
    r.occ = 1;
    r.banks = {g_.buffers[b].addr / g_.geom.words_per_bank()};
    tw = t_out + std::abs(pos_s - static_cast<int64_t>(pos_p));
    r.bank_offset = isa::Info(Opcode::kWrite).bank_offset;
    const bool wok = FitsRes(groups_[gp], r, tw) &&
                     FeetFit(groups_[gp], nullptr, 0, {FootOf(groups_[gp], pt.value, t_out, pos_p, static_cast<uint32_t>(pos_s))});
    tr = t_in - 2 - std::abs(static_cast<int64_t>(pos_c) - pos_s);
    r.bank_offset = isa::Info(Opcode::kRead).bank_offset;
    // In one group the scratch word must be written before it is read (bank write at tw + 1).
    Foot rf;  // the READ's value to the consumer (a new value: width 1)
    rf.width = 1;
    rf.dir = pos_c > static_cast<uint32_t>(pos_s) ? 0 : 1;
    const int64_t rl = static_cast<int64_t>(isa::Info(Opcode::kRead).latency);
    rf.u = rf.dir == 0 ? tr + rl - pos_s : tr + rl + pos_s;
    rf.lo = rf.dir == 0 ? static_cast<uint32_t>(pos_s) : pos_c + 1;
    rf.hi = rf.dir == 0 ? pos_c - 1 : static_cast<uint32_t>(pos_s);
    std::vector<Foot> both{rf};
    if (gp == gc) both.push_back(FootOf(groups_[gp], pt.value, t_out, pos_p, static_cast<uint32_t>(pos_s)));
    const bool rok = (gp != gc || tr >= tw + 2) && FitsRes(groups_[gc], r, tr) && FeetFit(groups_[gc], nullptr, 0, both);
    return wok && rok;
  });
  Instr win;
  win.op = Opcode::kWrite;
  Instr rin;
  rin.op = Opcode::kRead;
  ++spills_;
  ++writes_[sb][0];
  win.addr = g_.buffers[sb].addr;
  const uint32_t wn = AddNode(win, g_.buffers[sb].slices[0]);
  Operand wop;
  wop.width = 1;
  wop.parts[0] = pt;
  g_.nodes[wn].ops.push_back(wop);
  g_.values[pt.value].uses.emplace_back(wn, 0);
  const uint32_t pos_sb = g_.geom.queue(g_.buffers[sb].slices[0]).position;
  vdir_[pt.value] = pos_sb > pos_p ? 0 : 1;
  AddFoot(groups_[gp], FootOf(groups_[gp], pt.value, t_out, pos_p, pos_sb));
  Merge(gp, ngroup_[wn], tw);
  Touch(wn, sb, true, 1, 0);
  rin.addr = g_.buffers[sb].addr;
  const uint32_t rn = AddNode(rin, g_.buffers[sb].slices[0]);
  Touch(rn, sb, false, 0, 0);
  Merge(gc, ngroup_[rn], tr);
  *side = pos_sb < pos_c ? 0 : 1;
  const uint32_t rv = AddValue(rn, 0, 1);
  AddFoot(groups_[gc], FootOf(groups_[gc], rv, tr + Graph::WriteOffset(g_.nodes[rn], 0), pos_sb, pos_c));
  return {rv, 0};
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
  vdir_.push_back(-1);
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
void Builder::Touch(uint32_t node, uint32_t buf, bool write, int32_t offset, uint32_t word, WordSet ws) {
  g_.nodes[node].access.push_back({buf, write, offset});
  auto &words = versions_[buf];
  if (word != kNone) {
    TouchWord(node, &words[word], write, offset);
    return;
  }
  for (uint32_t w = 0; w < words.size(); ++w) {
    if (ws.Has(w)) TouchWord(node, &words[w], write, offset);
  }
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

void Builder::AddOperand(uint32_t node, const Vec &v, uint32_t width) {
  const auto index = static_cast<uint32_t>(g_.nodes[node].ops.size());
  Operand op;
  op.width = static_cast<uint8_t>(width);
  // All streams of an operand arrive from one side; the rows of a TRANS share one operand field.
  int side = -1;
  if (g_.nodes[node].in.op == Opcode::kTrans && index > 0) side = trans_side_;
  if (v.is_mem()) {
    const Buffer &b = g_.buffers[v.buf];
    if (v.stamp != kNone && v.stamp != writes_[v.buf][v.word])
      throw std::logic_error(fmt::format("buffer {} word {} was written again before a read of its earlier "
                                         "contents (a temporary reused too early; phase {})",
                                         b.name, v.word, g_.tags[tag_]));
    const uint32_t np = v.nplanes ? v.nplanes : b.planes;
    if (np != width)
      throw std::logic_error(fmt::format("{}: operand {} has {} planes, expected {}", g_.nodes[node].in.info().mnemonic,
                                         index, np, width));
    for (uint32_t i = 0; i < width; ++i) op.parts[i] = ReadFor(node, index, v.buf, v.word, v.plane0 + i, &side);
  } else {
    if (v.parts.size() != width)
      throw std::logic_error(fmt::format("{}: operand {} has {} streams, expected {}",
                                         g_.nodes[node].in.info().mnemonic, index, v.parts.size(), width));
    // Parts of one value link together (the first decides); a chained operand is local as a whole.
    std::map<uint32_t, std::pair<Part, bool>> linked;  // value -> (first linked part, local)
    uint32_t local_parts = 0;
    for (uint32_t i = 0; i < width; ++i) {
      const Part &pt = v.parts[i];
      auto it = linked.find(pt.value);
      if (it != linked.end() && it->second.first.value == pt.value) {
        op.parts[i] = pt;
        local_parts += it->second.second ? 1 : 0;
        continue;
      }
      if (it != linked.end()) {
        // The value went through scratch for an earlier part: its other bytes do too.
        bool loc = false;
        op.parts[i] = LinkPart(node, index, pt, nullptr, &side);
        (void)loc;
        continue;
      }
      bool loc = false;
      const Part got = LinkPart(node, index, pt, &loc, &side);
      linked[pt.value] = {got, loc};
      op.parts[i] = got;
      local_parts += loc ? 1 : 0;
    }
    if (local_parts != 0 && local_parts != width)
      throw std::logic_error(fmt::format("{}: operand {} mixes streams read in place and from a neighbour",
                                         g_.nodes[node].in.info().mnemonic, index));
    op.local = local_parts != 0;
  }
  if (g_.nodes[node].in.op == Opcode::kTrans) trans_side_ = side;
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
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(dt);
  in.sat = sat ? 1 : 0;
  const uint32_t n = AddNode(in, kNone);
  AddOperand(n, a, SourceWidth(in));
  AddOperand(n, b, DestWidth(in));
  return Outputs(n, 0, DestWidth(in));
}

Vec Builder::FopIntA(Opcode op, isa::DType atype, const Vec &a, const Vec &b0) {
  const Vec &b = b0;
  Instr in;
  in.op = op;
  in.dtype = static_cast<uint32_t>(isa::DType::kF32);
  in.aint = 1;
  in.stype = static_cast<uint32_t>(atype);
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

Vec Builder::SxmMap(Hemi side, Opcode op, isa::DType dt, const Vec &a, const Vec &map0) {
  const Vec &map = map0;
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
Vec Builder::Gather(uint32_t region, uint32_t plane, const Vec &addr, WordSet ws) {
  const Buffer &b = g_.buffers[region];
  if (plane >= b.planes) throw std::logic_error("Gather: plane out of range");
  Instr in;
  in.op = Opcode::kGather;
  const uint32_t n = AddNode(in, b.slices[plane], region);
  AddOperand(n, addr, 2);
  Touch(n, region, false, 1, kNone, ws);
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

Vec Builder::GatherAll(uint32_t region, const Vec &addr0, WordSet ws) {
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
  for (uint32_t p = 0; p < g_.buffers[region].planes; ++p) r.parts.push_back(Gather(region, p, addr, ws).parts[0]);
  return r;
}

void Builder::Scatter(const Vec &data0, uint32_t region, const Vec &addr0, WordSet ws) {
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
  for (uint32_t w = 0; w < writes_[region].size(); ++w) {  // a data-dependent word of the set
    if (ws.Has(w)) ++writes_[region][w];
  }
  for (uint32_t p = 0; p < b.planes; ++p) {
    Instr in;
    in.op = Opcode::kScatter;
    const uint32_t n = AddNode(in, b.slices[p], region);
    Vec part;
    part.parts.push_back(data.parts[p]);
    AddOperand(n, part, 1);
    AddOperand(n, addr, 2);
    Touch(n, region, true, 1, kNone, ws);
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
