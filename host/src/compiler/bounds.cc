#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "tsp/compiler/sched.h"
#include "tsp/vxm.h"

namespace tsp::compiler {

Bounds ComputeBounds(const Graph &g) {
  Bounds b;
  const Geometry &geo = g.geom;
  // ---- resource ----
  std::map<std::string, uint64_t> busy;
  uint64_t vxm = 0, seq = 0;  // VXM issue slots; special-function sequencer cycles (interleave)
  std::array<uint64_t, 2> stream_slots{};
  for (const Node &n : g.nodes) {
    const uint64_t occ = std::max<uint32_t>(1, n.in.info().occupancy);
    if (n.queue == kNone) {
      vxm += static_cast<uint64_t>(VxmSlots(n.in.info()));
      if (n.in.info().interleave) seq += occ;
    } else {
      busy[geo.queue(n.queue).name] += occ;
    }
  }
  for (const Value &v : g.values) {
    const Node &p = g.nodes[v.node];
    uint32_t lo = g.Position(p), hi = lo;
    bool local_only = true;
    for (const auto &[c, oi] : v.uses) {
      if (g.nodes[c].ops[oi].local) continue;
      local_only = false;
      lo = std::min(lo, g.Position(g.nodes[c]));
      hi = std::max(hi, g.Position(g.nodes[c]));
    }
    const uint64_t span = local_only ? 1 : hi - lo;
    stream_slots[static_cast<int>(v.dir)] += span * v.width;
  }
  const uint32_t alus = geo.vxm_alus();
  busy["vxm (per ALU)"] = (vxm + alus - 1) / alus;
  if (seq) busy["vxm sequencer (per ALU)"] = (seq + alus - 1) / alus;
  for (int d = 0; d < 2; ++d) {
    const uint64_t cap = uint64_t{geo.num_positions()} * geo.streams();
    busy[d ? "streams west" : "streams east"] = (stream_slots[d] + cap - 1) / cap;
  }
  for (const auto &[name, c] : busy) {
    b.units.push_back({name, c});
    if (c > b.resource) {
      b.resource = c;
      b.resource_unit = name;
    }
  }
  // ---- dependency: longest path in topological order ----
  const size_t N = g.nodes.size();
  std::vector<std::vector<std::pair<uint32_t, int64_t>>> succ(N);
  std::vector<uint32_t> indeg(N, 0);
  for (const Value &v : g.values) {
    const Node &p = g.nodes[v.node];
    for (const auto &[c, oi] : v.uses) {
      const Node &cn = g.nodes[c];
      const int64_t hops = cn.ops[oi].local ? 1
                                            : std::abs(static_cast<int64_t>(g.Position(cn)) -
                                                       static_cast<int64_t>(g.Position(p)));
      succ[v.node].push_back({c, Graph::WriteOffset(p, v.out) + hops - Graph::ReadOffset(cn, oi)});
      indeg[c]++;
    }
  }
  for (const Dep &d : g.deps) {
    succ[d.from].push_back({d.to, d.delta});
    indeg[d.to]++;
  }
  std::vector<int64_t> t(N, 0);
  std::vector<uint32_t> pred(N, kNone);
  uint32_t last_node = kNone;
  std::vector<uint32_t> st;
  for (uint32_t i = 0; i < N; ++i) {
    if (!indeg[i]) st.push_back(i);
  }
  int64_t end = 0;
  const int64_t S = geo.superlanes();
  while (!st.empty()) {
    const uint32_t n = st.back();
    st.pop_back();
    const Node &nd = g.nodes[n];
    int64_t last = S - 1 + (nd.in.op == isa::Opcode::kTrans ? 15 : 0);
    for (uint32_t j = 0; j < nd.outs.size(); ++j) last = std::max<int64_t>(last, S - 1 + Graph::WriteOffset(nd, j));
    if (nd.in.info().bank_offset >= 0) last = std::max<int64_t>(last, S - 1 + nd.in.info().bank_offset);
    if (t[n] + last + 1 > end) {
      end = t[n] + last + 1;
      last_node = n;
    }
    for (const auto &[s, d] : succ[n]) {
      if (t[n] + d > t[s] || pred[s] == kNone) {
        if (t[n] + d >= t[s]) pred[s] = n;
        t[s] = std::max(t[s], t[n] + d);
      }
      if (--indeg[s] == 0) st.push_back(s);
    }
  }
  b.dependency = static_cast<uint64_t>(end);
  for (uint32_t n = last_node; n != kNone; n = pred[n]) {
    b.critical_path.push_back(n);
    b.critical_times.push_back(t[n]);
  }
  std::reverse(b.critical_path.begin(), b.critical_path.end());
  std::reverse(b.critical_times.begin(), b.critical_times.end());
  return b;
}

}  // namespace tsp::compiler
