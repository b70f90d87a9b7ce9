#include "tsp/compiler/sched.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <numeric>
#include <queue>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include "tsp/vxm.h"

namespace tsp::compiler {

using isa::Opcode;

namespace {

constexpr int64_t kUnset = INT64_MIN;

// Union-find over values with stream offsets: stream(v) = stream(root) + off(v).
struct StreamUf {
  std::vector<uint32_t> parent;
  std::vector<int32_t> off;
  explicit StreamUf(size_t n) : parent(n), off(n, 0) { std::iota(parent.begin(), parent.end(), 0u); }
  std::pair<uint32_t, int32_t> Find(uint32_t v) {
    if (parent[v] == v) return {v, 0};
    auto [r, o] = Find(parent[v]);
    parent[v] = r;
    off[v] += o;
    return {r, off[v]};
  }
  // Requires stream(b) = stream(a) + d. False if that contradicts earlier links.
  bool Link(uint32_t a, uint32_t b, int32_t d) {
    auto [ra, oa] = Find(a);
    auto [rb, ob] = Find(b);
    if (ra == rb) return ob == oa + d;
    // stream(rb) = stream(b) - ob = stream(a) + d - ob = stream(ra) + oa + d - ob
    parent[rb] = ra;
    off[rb] = oa + d - ob;
    return true;
  }
};

struct ValueGeom {
  int dir = -1;        // required direction: -1 either (no remote consumer), 0 east, 1 west
  uint32_t lo = 0, hi = 0;  // positions spanned if east / west (computed per direction at placement)
  uint32_t pos = 0;    // producer position
  uint32_t cmax = 0, cmin = 0;
  bool remote = false;
  int64_t wrel = 0;    // write time relative to the cluster start
};

struct StreamClass {
  std::vector<std::pair<uint32_t, int32_t>> members;  // (value, offset from base)
  std::vector<std::pair<int32_t, uint32_t>> align;    // (offset, width): (base + offset) % width == 0
  int32_t min_off = 0, max_end = 0;
  int dir = -1;
};

struct Cluster {
  std::vector<uint32_t> nodes;  // sorted by relative time
  std::vector<uint32_t> classes;
  std::vector<std::pair<uint32_t, int64_t>> preds, succs;  // (cluster, w): T(succ) >= T(pred) + w
  int64_t duration = 0;
  int64_t bl = 0;
  int64_t T = kUnset;
  uint32_t npreds_left = 0;
};

int64_t LastEvent(const Graph &g, const Node &n) {
  const int64_t S = g.geom.superlanes();
  int64_t last = S - 1 + (n.in.op == Opcode::kTrans ? 15 : 0);
  for (uint32_t j = 0; j < n.outs.size(); ++j) last = std::max<int64_t>(last, S - 1 + Graph::WriteOffset(n, j));
  const int32_t bo = n.in.info().bank_offset;
  if (bo >= 0) last = std::max<int64_t>(last, S - 1 + bo);
  return last;
}

std::string QueueName(const Graph &g, uint32_t q) { return q == kNone ? "vxm.?" : g.geom.queue(q).name; }

class Scheduler {
 public:
  Scheduler(Graph &g, const ScheduleOptions &opt) : g_(g), opt_(opt), uf_(g.values.size()) {}

  bool Run(ScheduleResult *out, std::string *error) {
    try {
      if (!BuildClusters(error)) return false;
      if (!MergeLoops(error)) return false;
      if (!CheckSelfConflicts(error)) return false;
      if (!BuildStreamClasses(error)) return false;
      if (!BuildDeps(error)) return false;
      if (!PlaceBest(error)) return false;
      return Emit(out, error);
    } catch (const std::exception &e) {
      *error = e.what();
      return false;
    }
  }

 private:
  // ---------------------------------------------------------------------------------------------
  // 1. Clusters and relative times.
  // ---------------------------------------------------------------------------------------------
  int32_t Hops(const Node &p, const Node &c, bool local) const {
    if (local) return 1;
    return static_cast<int32_t>(std::abs(static_cast<int64_t>(g_.Position(c)) - static_cast<int64_t>(g_.Position(p))));
  }

  bool BuildClusters(std::string *error) {
    const size_t N = g_.nodes.size();
    rel_.assign(N, kUnset);
    node_cluster_.assign(N, kNone);
    // Adjacency: for every use of a value, an edge producer <-> consumer with the time difference.
    struct Edge {
      uint32_t to;
      int64_t d;  // t(to) - t(from)
    };
    std::vector<std::vector<Edge>> adj(N);
    for (uint32_t vi = 0; vi < g_.values.size(); ++vi) {
      const Value &v = g_.values[vi];
      const Node &p = g_.nodes[v.node];
      for (const auto &[cn, oi] : v.uses) {
        const Node &c = g_.nodes[cn];
        const Operand &op = c.ops[oi];
        const int64_t d = Graph::WriteOffset(p, v.out) + Hops(p, c, op.local) - Graph::ReadOffset(c, oi);
        adj[v.node].push_back({cn, d});
        adj[cn].push_back({v.node, -d});
      }
    }
    for (uint32_t s = 0; s < N; ++s) {
      if (rel_[s] != kUnset) continue;
      Cluster c;
      const auto id = static_cast<uint32_t>(clusters_.size());
      std::vector<uint32_t> stack{s};
      rel_[s] = 0;
      while (!stack.empty()) {
        const uint32_t n = stack.back();
        stack.pop_back();
        node_cluster_[n] = id;
        c.nodes.push_back(n);
        for (const auto &e : adj[n]) {
          if (rel_[e.to] == kUnset) {
            rel_[e.to] = rel_[n] + e.d;
            stack.push_back(e.to);
          } else if (rel_[e.to] != rel_[n] + e.d) {
            *error = fmt::format(
                "inconsistent rigid timing: {} must be {} cycles after {} through one value and {} through another",
                DescribeNode(g_, e.to), e.d, DescribeNode(g_, n), rel_[e.to] - rel_[n]);
            return false;
          }
        }
      }
      int64_t mn = INT64_MAX;
      for (uint32_t n : c.nodes) mn = std::min(mn, rel_[n]);
      for (uint32_t n : c.nodes) {
        rel_[n] -= mn;
        c.duration = std::max(c.duration, rel_[n] + LastEvent(g_, g_.nodes[n]) + 1);
      }
      std::sort(c.nodes.begin(), c.nodes.end(), [&](uint32_t a, uint32_t b) {
        return rel_[a] != rel_[b] ? rel_[a] < rel_[b] : a < b;
      });
      clusters_.push_back(std::move(c));
    }
    for (uint32_t n = 0; n < N; ++n) g_.nodes[n].cluster = node_cluster_[n];
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // 1b. Loops: the iteration clusters of each loop become one cluster, iteration i at i * period.
  // ---------------------------------------------------------------------------------------------
  // Would the iterations, iteration i shifted by off[i], collide in a queue or bank, or break a
  // dependency between them?
  bool LoopFits(const std::vector<uint32_t> &cl, const std::vector<int64_t> &off) {
    const uint32_t alus = g_.geom.vxm_alus();
    std::map<uint32_t, std::vector<std::pair<int64_t, int64_t>>> q;
    std::map<int64_t, uint32_t> vxm, seq;  // VXM issue slots, special-function sequencers
    std::set<uint64_t> banks;
    std::vector<uint32_t> bk;
    for (size_t i = 0; i < cl.size(); ++i) {
      for (uint32_t ni : clusters_[cl[i]].nodes) {
        const Node &n = g_.nodes[ni];
        const int64_t t = rel_[ni] + off[i];
        const int64_t occ = std::max<int64_t>(1, n.in.info().occupancy);
        if (n.queue == kNone) {
          for (int64_t x = t; x < t + occ; x += VxmSlotStride(n.in.info())) {
            if (++vxm[x] > alus) return false;
          }
          for (int64_t x = t; n.in.info().interleave && x < t + occ; ++x) {
            if (++seq[x] > alus) return false;
          }
        } else {
          q[n.queue].push_back({t, t + occ});
        }
        const int32_t bo = n.in.info().bank_offset;
        if (bo >= 0) {
          NodeBanks(n, &bk);
          for (uint32_t b : bk) {
            if (!banks.insert(BankKey(n.queue, b, t + bo)).second) return false;
          }
        }
      }
    }
    for (auto &[qq, iv] : q) {
      std::sort(iv.begin(), iv.end());
      for (size_t k = 1; k < iv.size(); ++k) {
        if (iv[k].first < iv[k - 1].second) return false;
      }
    }
    std::map<uint32_t, size_t> iter_of;
    for (size_t i = 0; i < cl.size(); ++i) iter_of[cl[i]] = i;
    for (const Dep &d : g_.deps) {
      auto f = iter_of.find(node_cluster_[d.from]), t = iter_of.find(node_cluster_[d.to]);
      if (f == iter_of.end() || t == iter_of.end() || f->second == t->second) continue;
      if (rel_[d.to] + off[t->second] - rel_[d.from] - off[f->second] < d.delta) return false;
    }
    return true;
  }

  bool MergeLoops(std::string *error) {
    bool merged = false;
    for (Loop &lp : g_.loops) {
      std::vector<uint32_t> cl;
      for (uint32_t a : lp.anchors) cl.push_back(node_cluster_[a]);
      if (std::set<uint32_t>(cl.begin(), cl.end()).size() != cl.size()) continue;  // already one rigid unit
      for (uint32_t c : cl) {
        if (clusters_[c].nodes.size() != clusters_[cl[0]].nodes.size()) {
          *error = fmt::format("loop iterations differ: the cluster of {} has {} nodes, that of {} {}",
                               DescribeNode(g_, lp.anchors[0]), clusters_[cl[0]].nodes.size(),
                               DescribeNode(g_, g_.nodes[clusters_[c].nodes[0]].cluster == c ? clusters_[c].nodes[0] : 0),
                               clusters_[c].nodes.size());
          return false;
        }
      }
      std::vector<int64_t> off(cl.size());
      uint32_t p = lp.min_period;
      for (;; ++p) {
        if (p > 4096) {
          *error = fmt::format("no period up to 4096 lets the iterations of the loop of {} overlap",
                               DescribeNode(g_, lp.anchors[0]));
          return false;
        }
        for (size_t i = 0; i < cl.size(); ++i)
          off[i] = static_cast<int64_t>(i) * p + rel_[lp.anchors[0]] - rel_[lp.anchors[i]];
        if (LoopFits(cl, off)) break;
      }
      lp.period = p;
      if (std::getenv("TSP_SCHED_LOOPS")) {
        // Why not p - 1: report the first constraint that fails one cycle shorter.
        std::fprintf(stderr, "loop %s: %zu iterations, %zu nodes each, span %ld, period %u\n",
                     DescribeNode(g_, lp.anchors[0]).c_str(), cl.size(), clusters_[cl[0]].nodes.size(),
                     (long)clusters_[cl[0]].duration, p);
      }
      Cluster &c0 = clusters_[cl[0]];
      for (size_t i = 1; i < cl.size(); ++i) {
        for (uint32_t ni : clusters_[cl[i]].nodes) {
          rel_[ni] += off[i];
          node_cluster_[ni] = cl[0];
          c0.nodes.push_back(ni);
        }
        clusters_[cl[i]].nodes.clear();
      }
      int64_t mn = INT64_MAX;
      for (uint32_t n : c0.nodes) mn = std::min(mn, rel_[n]);
      c0.duration = 0;
      for (uint32_t n : c0.nodes) {
        rel_[n] -= mn;
        c0.duration = std::max(c0.duration, rel_[n] + LastEvent(g_, g_.nodes[n]) + 1);
      }
      std::sort(c0.nodes.begin(), c0.nodes.end(),
                [&](uint32_t a, uint32_t b) { return rel_[a] != rel_[b] ? rel_[a] < rel_[b] : a < b; });
      merged = true;
    }
    if (!merged) return true;
    // Drop the emptied clusters and renumber.
    std::vector<Cluster> kept;
    for (auto &c : clusters_) {
      if (c.nodes.empty()) continue;
      const auto id = static_cast<uint32_t>(kept.size());
      for (uint32_t n : c.nodes) node_cluster_[n] = id;
      kept.push_back(std::move(c));
    }
    clusters_.swap(kept);
    for (uint32_t n = 0; n < g_.nodes.size(); ++n) g_.nodes[n].cluster = node_cluster_[n];
    return true;
  }

  // A rigid cluster that needs one queue or bank twice in one cycle can never be placed.
  bool CheckSelfConflicts(std::string *error) {
    const uint32_t alus = g_.geom.vxm_alus();
    std::vector<uint32_t> banks;
    for (const Cluster &c : clusters_) {
      std::map<uint32_t, std::vector<std::pair<int64_t, uint32_t>>> byq;
      std::map<int64_t, uint32_t> vxm_load, seq_load;
      std::map<uint64_t, uint32_t> bank_use;
      for (uint32_t ni : c.nodes) {
        const Node &n = g_.nodes[ni];
        const int64_t occ = std::max<int64_t>(1, n.in.info().occupancy);
        if (n.queue == kNone) {
          for (int64_t t = rel_[ni]; n.in.info().interleave && t < rel_[ni] + occ; ++t) {
            if (++seq_load[t] > alus) {
              *error = fmt::format("{} needs a special-function sequencer in a cycle in which all {} are taken by "
                                   "the same rigid group of instructions",
                                   DescribeNode(g_, ni), alus);
              return false;
            }
          }
          for (int64_t t = rel_[ni]; t < rel_[ni] + occ; t += VxmSlotStride(n.in.info())) {
            if (++vxm_load[t] > alus) {
              *error = fmt::format("{} needs a VXM ALU in a cycle in which all {} are taken by the same rigid "
                                   "group of instructions",
                                   DescribeNode(g_, ni), alus);
              return false;
            }
          }
          continue;
        }
        auto &v = byq[n.queue];
        for (const auto &[t, other] : v) {
          const int64_t oocc = std::max<int64_t>(1, g_.nodes[other].in.info().occupancy);
          if (rel_[ni] < t + oocc && t < rel_[ni] + occ) {
            *error = fmt::format("{} and {} are rigidly coupled to dispatch from queue {} in overlapping cycles "
                                 "(share one value, e.g. one READ, instead of reading it twice)",
                                 DescribeNode(g_, other), DescribeNode(g_, ni), g_.geom.queue(n.queue).name);
            if (std::getenv("TSP_SCHED_DEBUG")) {
              for (uint32_t x : c.nodes) *error += fmt::format("\n  +{} {}", rel_[x], DescribeNode(g_, x));
            }
            return false;
          }
        }
        v.push_back({rel_[ni], ni});
        const int32_t bo = n.in.info().bank_offset;
        if (bo >= 0) {
          NodeBanks(n, &banks);
          for (uint32_t b : banks) {
            const uint64_t k = BankKey(n.queue, b, rel_[ni] + bo);
            auto it = bank_use.find(k);
            if (it != bank_use.end()) {
              *error = fmt::format("{} and {} access one MEM bank in the same cycle within a rigid group",
                                   DescribeNode(g_, it->second), DescribeNode(g_, ni));
              return false;
            }
            bank_use[k] = ni;
          }
        }
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Stream classes: values that must sit at fixed stream offsets of each other.
  // ---------------------------------------------------------------------------------------------
  bool BuildStreamClasses(std::string *error) {
    vgeom_.resize(g_.values.size());
    std::vector<std::pair<uint32_t, std::pair<int32_t, uint32_t>>> aligns;  // (value, (offset, width))
    for (uint32_t vi = 0; vi < g_.values.size(); ++vi) {
      const Value &v = g_.values[vi];
      aligns.push_back({vi, {0, v.width}});
    }
    for (uint32_t ni = 0; ni < g_.nodes.size(); ++ni) {
      const Node &n = g_.nodes[ni];
      for (uint32_t oi = 0; oi < n.ops.size(); ++oi) {
        const Operand &op = n.ops[oi];
        const Part &p0 = op.parts[0];
        for (uint32_t i = 1; i < op.width; ++i) {
          const Part &pi = op.parts[i];
          // stream(pi) + byte(pi) = stream(p0) + byte(p0) + i
          if (!uf_.Link(p0.value, pi.value, static_cast<int32_t>(p0.byte) - static_cast<int32_t>(pi.byte) +
                                               static_cast<int32_t>(i))) {
            *error = fmt::format("{}: operand {} needs streams that contradict another use", DescribeNode(g_, ni), oi);
            return false;
          }
        }
        aligns.push_back({p0.value, {-static_cast<int32_t>(p0.byte), op.width}});
        if (n.in.op == Opcode::kTrans && oi > 0) {
          const Part &r0 = n.ops[0].parts[0];
          if (!uf_.Link(r0.value, p0.value, static_cast<int32_t>(r0.byte) - static_cast<int32_t>(p0.byte))) {
            *error = fmt::format("{}: transpose rows cannot share one stream group", DescribeNode(g_, ni));
            return false;
          }
        }
      }
      if (n.in.op == Opcode::kTrans) {
        for (uint32_t j = 1; j < n.outs.size(); ++j) {
          if (!uf_.Link(n.outs[0], n.outs[j], 0)) {
            *error = fmt::format("{}: transpose columns cannot share one stream group", DescribeNode(g_, ni));
            return false;
          }
        }
      }
    }
    // Per-value geometry.
    for (uint32_t vi = 0; vi < g_.values.size(); ++vi) {
      const Value &v = g_.values[vi];
      const Node &p = g_.nodes[v.node];
      ValueGeom &vg = vgeom_[vi];
      vg.pos = g_.Position(p);
      vg.cmax = vg.cmin = vg.pos;
      vg.wrel = rel_[v.node] + Graph::WriteOffset(p, v.out);
      for (const auto &[cn, oi] : v.uses) {
        const Node &c = g_.nodes[cn];
        const uint32_t cp = g_.Position(c);
        if (c.ops[oi].local) continue;
        if (cp == vg.pos) {
          *error = fmt::format("{} reads {} at its own position without chaining", DescribeNode(g_, cn),
                               DescribeNode(g_, v.node));
          return false;
        }
        const int d = cp > vg.pos ? 0 : 1;
        if (vg.dir >= 0 && vg.dir != d) {
          *error = fmt::format("value of {} is used on both sides of its producer (e.g. by {})",
                               DescribeNode(g_, v.node), DescribeNode(g_, cn));
          return false;
        }
        vg.dir = d;
        vg.remote = true;
        vg.cmax = std::max(vg.cmax, cp);
        vg.cmin = std::min(vg.cmin, cp);
      }
    }
    // Classes.
    std::unordered_map<uint32_t, uint32_t> root_class;
    for (uint32_t vi = 0; vi < g_.values.size(); ++vi) {
      auto [r, o] = uf_.Find(vi);
      auto it = root_class.find(r);
      uint32_t ci;
      if (it == root_class.end()) {
        ci = static_cast<uint32_t>(classes_.size());
        root_class[r] = ci;
        classes_.emplace_back();
        classes_[ci].min_off = o;
        classes_[ci].max_end = o + g_.values[vi].width;
      } else {
        ci = it->second;
      }
      StreamClass &sc = classes_[ci];
      sc.members.push_back({vi, o});
      sc.min_off = std::min(sc.min_off, o);
      sc.max_end = std::max(sc.max_end, o + static_cast<int32_t>(g_.values[vi].width));
      const int d = vgeom_[vi].dir;
      if (d >= 0) {
        if (sc.dir >= 0 && sc.dir != d) {
          *error = fmt::format("values sharing a stream group travel in both directions (value of {})",
                               DescribeNode(g_, g_.values[vi].node));
          return false;
        }
        sc.dir = d;
      }
      value_class_.push_back(ci);
    }
    for (const auto &[vi, a] : aligns) {
      auto [r, o] = uf_.Find(vi);
      classes_[root_class[r]].align.push_back({o + a.first, a.second});
    }
    for (uint32_t ci = 0; ci < classes_.size(); ++ci) {
      const StreamClass &sc = classes_[ci];
      if (sc.max_end - sc.min_off > static_cast<int32_t>(g_.geom.streams())) {
        *error = fmt::format("a stream group of {} streams does not fit {} streams per direction",
                             sc.max_end - sc.min_off, g_.geom.streams());
        return false;
      }
      const uint32_t cl = node_cluster_[g_.values[sc.members[0].first].node];
      clusters_[cl].classes.push_back(ci);
    }
    // Wide classes first (hardest to place).
    for (auto &c : clusters_) {
      std::sort(c.classes.begin(), c.classes.end(), [&](uint32_t a, uint32_t b) {
        const int32_t wa = classes_[a].max_end - classes_[a].min_off, wb = classes_[b].max_end - classes_[b].min_off;
        return wa != wb ? wa > wb : a < b;
      });
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Dependencies between clusters.
  // ---------------------------------------------------------------------------------------------
  bool BuildDeps(std::string *error) {
    std::map<std::pair<uint32_t, uint32_t>, int64_t> w;
    for (const Dep &d : g_.deps) {
      const uint32_t cf = node_cluster_[d.from], ct = node_cluster_[d.to];
      if (cf == ct) {
        if (rel_[d.to] - rel_[d.from] < d.delta) {
          *error = fmt::format("{} must come at least {} cycles after {} (a buffer or MXM state dependency) but "
                               "both are rigidly placed {} cycles apart",
                               DescribeNode(g_, d.to), d.delta, DescribeNode(g_, d.from), rel_[d.to] - rel_[d.from]);
          return false;
        }
        continue;
      }
      const int64_t wt = rel_[d.from] + d.delta - rel_[d.to];
      auto key = std::make_pair(cf, ct);
      auto it = w.find(key);
      if (it == w.end())
        w[key] = wt;
      else
        it->second = std::max(it->second, wt);
    }
    for (const auto &[k, wt] : w) {
      clusters_[k.first].succs.push_back({k.second, wt});
      clusters_[k.second].preds.push_back({k.first, wt});
    }
    // Topological order (Kahn) and bottom levels.
    std::vector<uint32_t> indeg(clusters_.size(), 0), order;
    for (auto &c : clusters_) {
      for (auto &s : c.succs) indeg[s.first]++;
    }
    std::vector<uint32_t> st;
    for (uint32_t i = 0; i < clusters_.size(); ++i) {
      if (!indeg[i]) st.push_back(i);
    }
    while (!st.empty()) {
      const uint32_t c = st.back();
      st.pop_back();
      order.push_back(c);
      for (auto &s : clusters_[c].succs) {
        if (--indeg[s.first] == 0) st.push_back(s.first);
      }
    }
    if (order.size() != clusters_.size()) {
      // Walk predecessors among the clusters left until one repeats: that is a cycle.
      uint32_t c = 0;
      while (!indeg[c]) ++c;
      std::vector<uint32_t> path;
      std::map<uint32_t, size_t> seen;
      while (!seen.count(c)) {
        seen[c] = path.size();
        path.push_back(c);
        for (const auto &pr : clusters_[c].preds) {
          if (indeg[pr.first]) {
            c = pr.first;
            break;
          }
        }
      }
      std::string msg = "dependency cycle between rigid clusters (each needs the one after it first):";
      for (size_t i = seen[c]; i < path.size(); ++i) {
        const Cluster &cl = clusters_[path[i]];
        msg += fmt::format("\n  cluster of {} nodes: {}", cl.nodes.size(), DescribeNode(g_, cl.nodes[0]));
        if (std::getenv("TSP_SCHED_DEBUG")) {
          for (uint32_t ni : cl.nodes) msg += fmt::format("\n      +{} {}", rel_[ni], DescribeNode(g_, ni));
        }
        // The dependency into the next cluster of the cycle.
        const uint32_t next = path[i + 1 < path.size() ? i + 1 : seen[c]];
        for (const Dep &d : g_.deps) {
          if (node_cluster_[d.to] == path[i] && node_cluster_[d.from] == next) {
            msg += fmt::format("\n    needs {} first (dependency of {})", DescribeNode(g_, d.from), DescribeNode(g_, d.to));
            break;
          }
        }
      }
      *error = msg;
      return false;
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Cluster &c = clusters_[*it];
      c.bl = c.duration;
      for (auto &s : c.succs) c.bl = std::max(c.bl, s.second + clusters_[s.first].bl);
    }
    topo_ = order;
    for (auto &c : clusters_) c.npreds_left = static_cast<uint32_t>(c.preds.size());
    if (std::getenv("TSP_SCHED_VERBOSE")) {
      int64_t cb = 0;
      for (auto &c : clusters_) cb = std::max(cb, c.bl);
      std::fprintf(stderr, "rigid-cluster dependency bound: %ld cycles (%zu clusters)\n", (long)cb,
                   clusters_.size());
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // 4. Reservation tables and placement.
  // ---------------------------------------------------------------------------------------------
  struct Undo {
    std::vector<std::pair<uint32_t, int64_t>> queue;  // (queue, start)
    std::vector<int64_t> queue_end;                    // the end of each
    std::vector<uint64_t> bank;
    std::vector<std::pair<uint64_t, std::pair<uint32_t, uint32_t>>> stream;  // (key, interval pushed)
  };

  std::string fail_why_;
  static uint64_t BankKey(uint32_t slice, uint32_t bank, int64_t t) {
    return (static_cast<uint64_t>(t) << 12) | (uint64_t{slice} << 1) | bank;
  }
  static uint64_t StreamKey(int dir, uint32_t stream, int64_t u) {
    return (static_cast<uint64_t>(u + (int64_t{1} << 40)) << 6) | (static_cast<uint64_t>(dir) << 5) | stream;
  }

  // End of the busy interval covering [t, t+len), or -1 if free.
  int64_t QueueBusyUntil(uint32_t q, int64_t t, int64_t len) const {
    const auto &m = qbusy_[q];
    auto it = m.upper_bound(t);  // first interval starting after t
    if (it != m.end() && it->first < t + len) return it->second;
    if (it != m.begin()) {
      --it;
      if (it->second > t) return it->second;
    }
    return -1;
  }

  // Start of the first busy interval that overlaps [t, t+len), or -1 if free.
  int64_t QueueBusyFrom(uint32_t q, int64_t t, int64_t len) const {
    const auto &m = qbusy_[q];
    auto it = m.upper_bound(t);
    if (it != m.begin()) {
      auto pv = std::prev(it);
      if (pv->second > t) return pv->first;
    }
    if (it != m.end() && it->first < t + len) return it->first;
    return -1;
  }

  // qbusy_ holds the issue slots of every queue and, at SeqTable(q), the special-function
  // sequencer of VXM ALU q (ISA version 5 interleave: FEXP .. take the sequencer for their
  // occupancy and the ALU's issue slots at its even offsets only).
  uint32_t SeqTable(uint32_t q) const { return g_.geom.num_queues() + q; }
  size_t NumBusyTables() const { return 2 * size_t{g_.geom.num_queues()}; }

  // A VXM node with `info` at t on ALU a: -1 if it fits, else a later cycle worth trying.
  int64_t VxmBusyUntil(uint32_t a, int64_t t, const isa::OpInfo &info) const {
    const int64_t occ = std::max<int64_t>(1, info.occupancy);
    if (!info.interleave) return QueueBusyUntil(a, t, occ);
    const int64_t sb = QueueBusyUntil(SeqTable(a), t, occ);
    if (sb >= 0) return sb;
    for (int64_t x = t; x < t + occ; x += VxmSlotStride(info)) {
      if (QueueBusyUntil(a, x, 1) >= 0) return t + 1;
    }
    return -1;
  }
  // How far below t it would have to move to clear what blocks it at t (at least 1).
  int64_t VxmShiftDown(uint32_t a, int64_t t, const isa::OpInfo &info) const {
    const int64_t occ = std::max<int64_t>(1, info.occupancy);
    if (!info.interleave) return t + occ - QueueBusyFrom(a, t, occ);
    const int64_t sf = QueueBusyFrom(SeqTable(a), t, occ);
    return sf >= 0 ? t + occ - sf : 1;
  }

  bool StreamFree(uint64_t key, uint32_t lo, uint32_t hi) const {
    auto it = sres_.find(key);
    if (it == sres_.end()) return true;
    for (const auto &iv : it->second) {
      if (!(hi < iv.first || lo > iv.second)) return false;
    }
    return true;
  }

  void Rollback(Undo &u) {
    for (auto &[q, s] : u.queue) qbusy_[q].erase(s);
    for (auto k : u.bank) banks_.erase(k);
    for (auto it = u.stream.rbegin(); it != u.stream.rend(); ++it) EraseStream(it->first, it->second);
    u = Undo{};
  }

  // Removes one reservation of a stream register diagonal (the last equal one: a failed placement
  // removes what it just pushed at once; a cluster moved by Justify removes its own, which no
  // other reservation of that diagonal can equal, since they would overlap).
  void EraseStream(uint64_t key, std::pair<uint32_t, uint32_t> iv) {
    auto it = sres_.find(key);
    if (it == sres_.end()) throw std::logic_error("internal: a stream reservation to remove is missing");
    auto &vec = it->second;
    for (size_t k = vec.size(); k-- > 0;) {
      if (vec[k] == iv) {
        vec.erase(vec.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    }
    if (vec.empty()) sres_.erase(it);
  }

  std::vector<uint32_t> Alus() const {
    std::vector<uint32_t> r;
    for (uint32_t q = 0; q < g_.geom.num_queues(); ++q) {
      if (g_.geom.queue(q).kind == SliceKind::kVxm) r.push_back(q);
    }
    return r;
  }

  // Banks a MEM node touches.
  void NodeBanks(const Node &n, std::vector<uint32_t> *banks) const {
    banks->clear();
    const uint32_t W = g_.geom.words_per_bank();
    if (n.in.op == Opcode::kRead || n.in.op == Opcode::kWrite) {
      banks->push_back(n.in.addr / W);
    } else if (n.in.op == Opcode::kGather || n.in.op == Opcode::kScatter) {
      const Buffer &b = g_.buffers[n.region];
      for (uint32_t k = b.addr / W; k <= (b.addr + b.words - 1) / W; ++k) banks->push_back(k);
    }
  }

  static constexpr int64_t kPlaced = INT64_MIN;
  // Tries to place cluster c at T. Returns kPlaced, or rolls back and returns the next T worth
  // trying: the smallest one above T, or with `down` the largest one below T.
  int64_t TryPlace(Cluster &c, int64_t T, Undo &u, std::vector<uint32_t> *chosen, bool down = false) {
    std::vector<uint32_t> banks;
    std::unordered_map<uint64_t, size_t> alu_pref;
    chosen->assign(c.nodes.size(), kNone);
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      const uint32_t ni = c.nodes[i];
      const Node &n = g_.nodes[ni];
      const int64_t t = T + rel_[ni];
      const int64_t occ = std::max<int64_t>(1, n.in.info().occupancy);
      uint32_t q = n.queue;
      if (q == kNone) {
        // Identical instructions of a cluster on one ALU (so that runs become REPEATs), else the
        // first free ALU.
        const uint64_t key = Encode(n.in);
        auto pref = alu_pref.find(key);
        int64_t soonest = INT64_MAX, latest_shift = INT64_MAX;
        // Without a preference, start with the ALU that has dispatched least so far (balances the
        // instruction queues).
        size_t start = 0;
        for (size_t ai = 1; ai < alus_.size(); ++ai) {
          if (alu_count_[ai] < alu_count_[start]) start = ai;
        }
        for (size_t ai = 0; ai < alus_.size(); ++ai) {
          const uint32_t a = pref != alu_pref.end() ? alus_[(pref->second + ai) % alus_.size()] : alus_[(start + ai) % alus_.size()];
          const int64_t b = VxmBusyUntil(a, t, n.in.info());
          if (b < 0) {
            q = a;
            break;
          }
          soonest = std::min(soonest, b);
          if (down) latest_shift = std::min(latest_shift, VxmShiftDown(a, t, n.in.info()));
        }
        if (q != kNone && pref == alu_pref.end()) {
          for (size_t ai = 0; ai < alus_.size(); ++ai) {
            if (alus_[ai] == q) alu_pref[key] = ai;
          }
        }
        if (q == kNone) {
          fail_why_ = fmt::format("no VXM ALU free for {} at +{}", DescribeNode(g_, ni), rel_[ni]);
          Rollback(u);
          return down ? T - std::max<int64_t>(1, latest_shift) : T + std::max<int64_t>(1, soonest - t);
        }
      } else {
        const int64_t b = QueueBusyUntil(q, t, occ);
        if (b >= 0) {
          fail_why_ = fmt::format("queue busy for {} at +{}", DescribeNode(g_, ni), rel_[ni]);
          Rollback(u);
          return down ? T - std::max<int64_t>(1, t + occ - QueueBusyFrom(q, t, occ)) : T + std::max<int64_t>(1, b - t);
        }
      }
      if (n.queue == kNone && n.in.info().interleave) {
        // The sequencer for the whole occupancy, the issue slots at the even offsets.
        qbusy_[SeqTable(q)][t] = t + occ;
        u.queue.push_back({SeqTable(q), t});
        u.queue_end.push_back(t + occ);
        for (int64_t x = t; x < t + occ; x += VxmSlotStride(n.in.info())) {
          qbusy_[q][x] = x + 1;
          u.queue.push_back({q, x});
          u.queue_end.push_back(x + 1);
        }
      } else {
        qbusy_[q][t] = t + occ;
        u.queue.push_back({q, t});
        u.queue_end.push_back(t + occ);
      }
      (*chosen)[i] = q;
      const int32_t bo = n.in.info().bank_offset;
      if (bo >= 0) {
        NodeBanks(n, &banks);
        const uint32_t slice = n.queue;  // MEM queue id == global slice id
        for (uint32_t b : banks) {
          const uint64_t k = BankKey(slice, b, t + bo);
          if (banks_.count(k)) {
            fail_why_ = fmt::format("bank {} busy for {} at +{}", b, DescribeNode(g_, ni), rel_[ni]);
            Rollback(u);
            return down ? T - 1 : T + 1;
          }
          banks_.insert(k);
          u.bank.push_back(k);
        }
      }
    }
    // Streams.
    const int streams = static_cast<int>(g_.geom.streams());
    for (uint32_t ci : c.classes) {
      const StreamClass &sc = classes_[ci];
      bool placed = false;
      for (int dopt = 0; dopt < 2 && !placed; ++dopt) {
        const int dir = sc.dir >= 0 ? sc.dir : (dopt + static_cast<int>(ci)) % 2;
        if (sc.dir >= 0 && dopt > 0) break;
        for (int base = -sc.min_off; base + sc.max_end <= streams && !placed; ++base) {
          bool ok = true;
          for (const auto &[o, w] : sc.align) {
            if ((base + o) % static_cast<int>(w) != 0) {
              ok = false;
              break;
            }
          }
          if (!ok) continue;
          const size_t mark = u.stream.size();
          for (const auto &[vi, o] : sc.members) {
            const ValueGeom &vg = vgeom_[vi];
            const int64_t w = T + vg.wrel;
            uint32_t lo, hi;
            int64_t uu;
            if (dir == 0) {
              lo = vg.pos;
              hi = vg.remote ? vg.cmax - 1 : vg.pos;
              uu = w - vg.pos;
            } else {
              hi = vg.pos;
              lo = vg.remote ? vg.cmin + 1 : vg.pos;
              uu = w + vg.pos;
            }
            for (uint32_t s = 0; s < g_.values[vi].width && ok; ++s) {
              const uint64_t key = StreamKey(dir, static_cast<uint32_t>(base + o) + s, uu);
              if (!StreamFree(key, lo, hi)) {
                ok = false;
                break;
              }
              sres_[key].push_back({lo, hi});
              u.stream.push_back({key, {lo, hi}});
            }
            if (!ok) break;
          }
          if (ok) {
            placed = true;
            class_base_[ci] = base;
            class_dir_[ci] = dir;
          } else {
            // undo this attempt's stream reservations only
            while (u.stream.size() > mark) {
              EraseStream(u.stream.back().first, u.stream.back().second);
              u.stream.pop_back();
            }
          }
        }
      }
      if (!placed) {
        std::string who;
        for (size_t k = 0; k < sc.members.size() && k < 8; ++k) {
          const ValueGeom &vg = vgeom_[sc.members[k].first];
          who += fmt::format(" v{}(off {} width {} pos {} remote {} c {}..{} wrel {} dir {} producer {})", sc.members[k].first,
                             sc.members[k].second, g_.values[sc.members[k].first].width, vg.pos, vg.remote, vg.cmin,
                             vg.cmax, vg.wrel, vg.dir, DescribeNode(g_, g_.values[sc.members[k].first].node));
        }
        for (const auto &[o, w] : sc.align) who += fmt::format(" align({},{})", o, w);
        who += fmt::format(" min_off {} max_end {} dir {}", sc.min_off, sc.max_end, sc.dir);
        fail_why_ = fmt::format("no stream base for the class of{} ({} members)", who, sc.members.size());
        Rollback(u);
        return down ? T - 1 : T + 1;
      }
    }
    return kPlaced;
  }

  // List scheduling `opt_.tries` times: try 0 in order of the longest path to the end, try 1 in
  // order of the earliest start minus that path (a cycle-driven list schedule's order, which does
  // not let a non-critical cluster that became ready early take the slots of a critical one), the
  // others with priorities boosted along the previous try's longest chain (below); the shortest
  // schedule wins (ties: the earliest try). The same graph and options always give the same
  // program.
  bool PlaceBest(std::string *error) {
    const uint32_t tries = std::max<uint32_t>(1, opt_.tries);
    std::vector<int64_t> best_time;
    std::unordered_map<uint32_t, uint32_t> best_vxm;
    std::vector<std::pair<Dir, uint8_t>> best_streams;
    int64_t best_len = INT64_MAX;
    // Tries 2, 3, ...: priorities boosted where the previous try lost time. Every cluster on the
    // chain that set the previous try's length gets the delay it suffered past its dependencies
    // added to its own weight, which raises it and all its ancestors (their longest path to the end
    // counts the weight) in the next try; the order (time weight) is the better one of tries 0 and 1.
    std::vector<int64_t> extra(clusters_.size(), 0);
    double best_weight = 0.0;
    for (uint32_t t = 0; t < tries; ++t) {
      prio_.assign(clusters_.size(), 0);
      if (t >= 2) {
        std::vector<int64_t> boosted(clusters_.size(), 0);
        for (auto it = topo_.rbegin(); it != topo_.rend(); ++it) {
          const Cluster &c = clusters_[*it];
          int64_t b = c.duration + extra[*it];
          for (const auto &sc : c.succs) b = std::max(b, sc.second + extra[*it] + boosted[sc.first]);
          boosted[*it] = b;
        }
        for (size_t i = 0; i < clusters_.size(); ++i) prio_[i] = boosted[i];
      } else {
        for (size_t i = 0; i < clusters_.size(); ++i) prio_[i] = clusters_[i].bl;
      }
      time_weight_ = t == 1 ? 1.0 : (t == 0 ? 0.0 : best_weight);
      // Fresh reservation tables.
      qbusy_.assign(NumBusyTables(), {});
      banks_.clear();
      sres_.clear();
      vxm_queue_.clear();
      for (auto &c : clusters_) {
        c.T = kUnset;
        c.npreds_left = static_cast<uint32_t>(c.preds.size());
      }
      earliest_.assign(clusters_.size(), 0);
      first_why_.assign(clusters_.size(), "");
      if (!Place(error)) return false;
      if (std::getenv("TSP_SCHED_PATH")) ReportPath();
      int64_t len = 0;
      for (const Node &n : g_.nodes) len = std::max(len, n.time + LastEvent(g_, n));
      if (std::getenv("TSP_SCHED_VERBOSE")) std::fprintf(stderr, "schedule try %u: %ld cycles\n", t, (long)len + 1);
      // The chain that set this try's length: its delays become weights for the next try.
      for (const uint32_t ci : LongestChain()) extra[ci] += clusters_[ci].T - earliest_[ci];
      if (len < best_len) {
        if (t <= 1) best_weight = time_weight_;
        best_len = len;
        best_time.resize(g_.nodes.size());
        for (size_t i = 0; i < g_.nodes.size(); ++i) best_time[i] = g_.nodes[i].time;
        best_vxm = vxm_queue_;
        best_streams.resize(g_.values.size());
        for (size_t i = 0; i < g_.values.size(); ++i) best_streams[i] = {g_.values[i].dir, g_.values[i].stream};
      }
    }
    for (size_t i = 0; i < g_.nodes.size(); ++i) g_.nodes[i].time = best_time[i];
    vxm_queue_ = best_vxm;
    for (size_t i = 0; i < g_.values.size(); ++i) {
      g_.values[i].dir = best_streams[i].first;
      g_.values[i].stream = best_streams[i].second;
    }
    return true;
  }

  std::vector<int64_t> prio_;
  std::vector<uint32_t> topo_;  // clusters in topological order
  double time_weight_ = 0.0;
  std::vector<int64_t> earliest_;
  std::vector<std::string> first_why_;

  // Debugging (TSP_SCHED_PATH): the chain of clusters that sets the program's length, each with the
  // delay past its dependencies and what blocked it first.
  // The clusters of the chain that sets the program's length, from the one that ends last back to
  // a cluster without predecessors, each followed by the predecessor that bound its start.
  std::vector<uint32_t> LongestChain() const {
    uint32_t ci = 0;
    int64_t end = -1;
    for (uint32_t k = 0; k < clusters_.size(); ++k) {
      const int64_t e = clusters_[k].T + clusters_[k].duration;
      if (e > end) {
        end = e;
        ci = k;
      }
    }
    std::vector<uint32_t> chain;
    while (true) {
      chain.push_back(ci);
      int64_t best = -1;
      uint32_t bp = UINT32_MAX;
      for (const auto &[p, w] : clusters_[ci].preds) {
        if (clusters_[p].T + w > best) {
          best = clusters_[p].T + w;
          bp = p;
        }
      }
      if (bp == UINT32_MAX) return chain;
      ci = bp;
    }
  }

  void ReportPath() {
    std::map<std::string, std::pair<int64_t, int64_t>> by_tag;  // tag -> (delay, busy)
    const std::vector<uint32_t> chain = LongestChain();
    for (size_t k = 0; k < chain.size(); ++k) {
      const uint32_t ci = chain[k];
      const Cluster &c = clusters_[ci];
      const int64_t delay = c.T - earliest_[ci];
      const std::string tag = g_.tags[g_.nodes[c.nodes[0]].tag];
      std::fprintf(stderr, "path T %6ld dur %4ld delay %5ld %s %s\n", (long)c.T, (long)c.duration, (long)delay,
                   DescribeNode(g_, c.nodes[0]).c_str(), delay > 0 ? first_why_[ci].c_str() : "");
      by_tag[tag].first += delay;
      if (k + 1 < chain.size()) by_tag[tag].second += c.T - delay - clusters_[chain[k + 1]].T;
    }
    for (const auto &[t, v] : by_tag)
      std::fprintf(stderr, "path %-22s delay %6ld  dependency %6ld\n", t.c_str(), (long)v.first, (long)v.second);
  }

  // Records cluster ci placed at T (its reservations in u, the ALU of each VXM node in chosen).
  void Commit(uint32_t ci, int64_t T, Undo u, const std::vector<uint32_t> &chosen) {
    Cluster &c = clusters_[ci];
    c.T = T;
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      Node &n = g_.nodes[c.nodes[i]];
      n.time = T + rel_[c.nodes[i]];
      if (n.queue == kNone) {
        vxm_queue_[c.nodes[i]] = chosen[i];
        for (size_t ai = 0; ai < alus_.size(); ++ai) {
          if (alus_[ai] == chosen[i]) alu_count_[ai]++;
        }
      }
    }
    placed_undo_[ci] = std::move(u);
  }

  // Takes cluster ci out of the reservation tables; its old reservations, ALUs and stream bases
  // are returned for Restore.
  struct Removed {
    Undo u;
    std::vector<uint32_t> chosen;
    std::vector<std::pair<int, int>> classes;  // (base, dir) of each class of the cluster
  };
  Removed Unplace(uint32_t ci) {
    Cluster &c = clusters_[ci];
    Removed r;
    r.u = placed_undo_[ci];
    r.chosen.assign(c.nodes.size(), kNone);
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      if (g_.nodes[c.nodes[i]].queue != kNone) continue;
      r.chosen[i] = vxm_queue_[c.nodes[i]];
      for (size_t ai = 0; ai < alus_.size(); ++ai) {
        if (alus_[ai] == r.chosen[i]) alu_count_[ai]--;
      }
    }
    for (uint32_t k : c.classes) r.classes.push_back({class_base_[k], class_dir_[k]});
    Rollback(placed_undo_[ci]);
    return r;
  }
  // Puts back what Unplace took (the cluster at its old cycle).
  void Restore(uint32_t ci, Removed r) {
    Cluster &c = clusters_[ci];
    for (size_t k = 0; k < r.u.queue.size(); ++k) qbusy_[r.u.queue[k].first][r.u.queue[k].second] = r.u.queue_end[k];
    for (uint64_t k : r.u.bank) banks_.insert(k);
    for (const auto &[k, iv] : r.u.stream) sres_[k].push_back(iv);
    for (size_t k = 0; k < c.classes.size(); ++k) {
      class_base_[c.classes[k]] = r.classes[k].first;
      class_dir_[c.classes[k]] = r.classes[k].second;
    }
    Commit(ci, c.T, std::move(r.u), r.chosen);
  }

  // Moves cluster ci to the free cycle nearest `target` between target and its current cycle:
  // `later` searches down from a later target (backward pass), else up from an earlier one
  // (forward pass). The current cycle stays feasible (only the cluster's own reservations are
  // lifted), so where nothing nearer fits the cluster goes back exactly as it was.
  void Move(uint32_t ci, int64_t target, bool later) {
    Cluster &c = clusters_[ci];
    const int64_t old = c.T;
    if (target == old) return;
    Removed r = Unplace(ci);
    std::vector<uint32_t> chosen;
    int64_t T = target;
    while (later ? T > old : T < old) {
      Undo u;
      const int64_t next = TryPlace(c, T, u, &chosen, later);
      if (next == kPlaced) {
        Commit(ci, T, std::move(u), chosen);
        return;
      }
      T = next;
    }
    Restore(ci, std::move(r));
  }

  // Double justification (a standard improvement of list schedules for resource-constrained
  // scheduling): every cluster is moved as late as its successors and the resources allow, in the
  // order of their ends, latest first; then as early as its predecessors and the resources allow,
  // in the order of their starts. Neither pass can lengthen the schedule (each cluster can stay
  // where it is), and the forward pass usually fills holes the list schedule left.
  void Justify() {
    const size_t NC = clusters_.size();
    for (uint32_t round = 0; round < opt_.justify; ++round) {
      int64_t mk = 0;
      for (const Cluster &c : clusters_) mk = std::max(mk, c.T + c.duration);
      {
        auto cmp = [&](uint32_t a, uint32_t b) {
          const int64_t ea = clusters_[a].T + clusters_[a].duration, eb = clusters_[b].T + clusters_[b].duration;
          return ea != eb ? ea < eb : a < b;
        };
        std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(cmp)> ready(cmp);
        std::vector<size_t> left(NC);
        for (uint32_t ci = 0; ci < NC; ++ci) {
          left[ci] = clusters_[ci].succs.size();
          if (!left[ci]) ready.push(ci);
        }
        while (!ready.empty()) {
          const uint32_t ci = ready.top();
          ready.pop();
          const Cluster &c = clusters_[ci];
          int64_t limit = mk - c.duration;
          for (const auto &[sc, w] : c.succs) limit = std::min(limit, clusters_[sc].T - w);
          Move(ci, limit, true);
          for (const auto &[pc, w] : c.preds) {
            if (--left[pc] == 0) ready.push(pc);
          }
        }
      }
      if (std::getenv("TSP_SCHED_VERBOSE")) {
        int64_t mn = INT64_MAX;
        for (const Cluster &c : clusters_) mn = std::min(mn, c.T);
        std::fprintf(stderr, "justify round %u: %ld cycles, backward pass starts at %ld\n", round, (long)mk, (long)mn);
      }
      {
        auto cmp = [&](uint32_t a, uint32_t b) {
          return clusters_[a].T != clusters_[b].T ? clusters_[a].T > clusters_[b].T : a > b;
        };
        std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(cmp)> ready(cmp);
        std::vector<size_t> left(NC);
        for (uint32_t ci = 0; ci < NC; ++ci) {
          left[ci] = clusters_[ci].preds.size();
          if (!left[ci]) ready.push(ci);
        }
        while (!ready.empty()) {
          const uint32_t ci = ready.top();
          ready.pop();
          const Cluster &c = clusters_[ci];
          int64_t e = 0;
          for (const auto &[pc, w] : c.preds) e = std::max(e, clusters_[pc].T + w);
          Move(ci, e, false);
          for (const auto &[sc, w] : c.succs) {
            if (--left[sc] == 0) ready.push(sc);
          }
        }
      }
    }
    for (uint32_t ci = 0; ci < NC; ++ci) {  // the delays reported and weighted (PlaceBest) are the final ones
      int64_t e = 0;
      for (const auto &[pc, w] : clusters_[ci].preds) e = std::max(e, clusters_[pc].T + w);
      if (clusters_[ci].T < e)
        throw std::logic_error("internal: justification broke a dependency of " + DescribeNode(g_, clusters_[ci].nodes[0]));
      earliest_[ci] = e;
    }
  }

  bool Place(std::string *error) {
    alus_ = Alus();
    alu_count_.assign(alus_.size(), 0);
    qbusy_.resize(NumBusyTables());
    class_base_.assign(classes_.size(), 0);
    class_dir_.assign(classes_.size(), 0);
    placed_undo_.assign(clusters_.size(), Undo{});
    // Ready clusters in order of key = time_weight_ * earliest start - priority: 0 is the plain
    // longest-path-first order; 1 also favours the clusters that can start first.
    const double alpha = time_weight_;
    std::vector<double> key(clusters_.size(), 0.0);
    auto set_key = [&](uint32_t ci) {
      int64_t e = 0;
      for (const auto &[p, w] : clusters_[ci].preds) e = std::max(e, clusters_[p].T + w);
      key[ci] = alpha * static_cast<double>(e) - static_cast<double>(prio_[ci]);
    };
    auto cmp = [&](uint32_t a, uint32_t b) {
      if (key[a] != key[b]) return key[a] > key[b];
      return a > b;
    };
    std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(cmp)> ready(cmp);
    for (uint32_t i = 0; i < clusters_.size(); ++i) {
      if (clusters_[i].npreds_left == 0) {
        set_key(i);
        ready.push(i);
      }
    }
    size_t placed = 0;
    std::vector<uint32_t> chosen;
    while (!ready.empty()) {
      const uint32_t ci = ready.top();
      ready.pop();
      Cluster &c = clusters_[ci];
      int64_t earliest = 0;
      for (const auto &[p, w] : c.preds) earliest = std::max(earliest, clusters_[p].T + w);
      Undo u;
      int64_t T = earliest;
      while (true) {
        if (T - earliest > static_cast<int64_t>(opt_.max_search)) {
          *error = fmt::format("could not place the cluster of {} ({} nodes) within {} cycles of its earliest start {}",
                               DescribeNode(g_, c.nodes[0]), c.nodes.size(), opt_.max_search, earliest);
          // Does it fit an empty machine? If not, the cluster conflicts with itself: name where.
          auto qb = std::move(qbusy_);
          auto bk = std::move(banks_);
          auto sr = std::move(sres_);
          qbusy_.clear();
          qbusy_.resize(NumBusyTables());
          banks_.clear();
          sres_.clear();
          Undo u2;
          fail_why_.clear();
          if (TryPlace(c, 0, u2, &chosen) != kPlaced) {
            *error += fmt::format("; it conflicts with itself: {}", fail_why_);
            if (std::getenv("TSP_SCHED_DEBUG")) {
              for (uint32_t ni : c.nodes) *error += fmt::format("\n  +{} {}", rel_[ni], DescribeNode(g_, ni));
              for (uint32_t ci2 : c.classes) {
                const StreamClass &sc = classes_[ci2];
                *error += fmt::format("\n  class {} dir {} span {}..{}:", ci2, sc.dir, sc.min_off, sc.max_end);
                for (const auto &[vi, o] : sc.members) {
                  const ValueGeom &vg = vgeom_[vi];
                  *error += fmt::format(" v{}@{}(w{} pos{} {}..{})", vi, o, vg.wrel, vg.pos, vg.cmin, vg.cmax);
                }
              }
            }
          }
          qbusy_ = std::move(qb);
          banks_ = std::move(bk);
          sres_ = std::move(sr);
          return false;
        }
        const int64_t next = TryPlace(c, T, u, &chosen);
        if (next == kPlaced) break;
        if (T == earliest) first_why_[ci] = fail_why_;
        T = next;
      }
      earliest_[ci] = earliest;
      if (std::getenv("TSP_SCHED_DELAYS") && T - earliest > 50)
        std::fprintf(stderr, "delay %ld earliest %ld nodes %zu bl %ld %s why %s\n", (long)(T - earliest), (long)earliest,
                     c.nodes.size(), (long)c.bl, DescribeNode(g_, c.nodes[0]).c_str(), fail_why_.c_str());
      Commit(ci, T, std::move(u), chosen);
      ++placed;
      for (const auto &[s, w] : c.succs) {
        if (--clusters_[s].npreds_left == 0) {
          set_key(s);
          ready.push(s);
        }
      }
    }
    if (placed != clusters_.size()) {
      *error = "internal: not every cluster was placed";
      return false;
    }
    if (opt_.justify) Justify();
    for (uint32_t vi = 0; vi < g_.values.size(); ++vi) {
      const uint32_t ci = value_class_[vi];
      auto [r, o] = uf_.Find(vi);
      (void)r;
      g_.values[vi].dir = class_dir_[ci] ? Dir::kWest : Dir::kEast;
      g_.values[vi].stream = static_cast<uint8_t>(class_base_[ci] + o);
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // 5. Emission.
  // ---------------------------------------------------------------------------------------------
  uint32_t OperandStreamField(const Node &n, uint32_t oi) const {
    const Operand &op = n.ops[oi];
    const Value &v = g_.values[op.parts[0].value];
    const uint32_t s = v.stream + op.parts[0].byte;
    return StreamField(v.dir, s);
  }

  static uint32_t IndexOf(const Instr &in) {
    if (in.op == Opcode::kRead || in.op == Opcode::kWrite) return in.addr;
    if (in.op == Opcode::kLw) return in.imm;
    return 0;
  }
  static void SetIndex(Instr *in, uint32_t v) {
    if (in->op == Opcode::kRead || in->op == Opcode::kWrite) in->addr = v;
    if (in->op == Opcode::kLw) in->imm = v;
  }

  // Words a queue would need with a block loop (LOOP m-1, k: the next k words run m times; an
  // entry followed by a REPEAT n, d, stride advances its index by (n+1) stride per iteration,
  // other entries keep theirs). The LOOP word takes the last cycle of a NOP before the block.
  static uint32_t LoopCompressed(const std::vector<uint64_t> &words) {
    std::vector<Instr> in(words.size());
    for (size_t i = 0; i < words.size(); ++i) {
      std::string e;
      Decode(words[i], &in[i], &e);
    }
    auto same = [&](size_t a, size_t b, int64_t r, size_t k) {
      // word b (iteration r of a block starting at a - (offset)) against word a
      const Instr &x = in[a], &y = in[b];
      if (x.op == Opcode::kNop || x.op == Opcode::kRepeat) return x == y;
      int64_t delta = 0;
      if (a + 1 < in.size() && in[a + 1].op == Opcode::kRepeat && (a + 1) % k != 0)
        delta = (static_cast<int64_t>(in[a + 1].n) + 1) * in[a + 1].stride;
      Instr yy = y;
      if (static_cast<int64_t>(IndexOf(y)) != static_cast<int64_t>(IndexOf(x)) + r * delta) return false;
      SetIndex(&yy, IndexOf(x));
      return x == yy;
    };
    size_t out = 0;
    const size_t kmax = 32;
    for (size_t i = 0; i < in.size();) {
      size_t best_k = 0, best_m = 1;
      int64_t best_save = 0;
      const bool room = i > 0 && in[i - 1].op == Opcode::kNop;
      if (room && in[i].op != Opcode::kRepeat) {
        for (size_t k = 1; k <= kmax && i + 2 * k <= in.size(); ++k) {
          if (in[i + k - 1].op != Opcode::kRepeat && i + k < in.size() && in[i + k].op == Opcode::kRepeat) continue;
          size_t m = 1;
          while (i + (m + 1) * k <= in.size()) {
            bool ok = true;
            for (size_t e = 0; e < k && ok; ++e) ok = same(i + e, i + m * k + e, static_cast<int64_t>(m), 1000000);
            if (!ok) break;
            ++m;
          }
          const int64_t save = static_cast<int64_t>(k * m) - static_cast<int64_t>(k) - 1;
          if (m >= 2 && save > best_save) {
            best_save = save;
            best_k = k;
            best_m = m;
          }
        }
      }
      if (best_k) {
        out += best_k + 1;
        i += best_k * best_m;
      } else {
        ++out;
        ++i;
      }
    }
    return static_cast<uint32_t>(out);
  }

  bool Emit(ScheduleResult *out, std::string *error) {
    const Geometry &geo = g_.geom;
    struct Item {
      int64_t t;
      Instr in;
      uint32_t node;
    };
    std::vector<std::vector<Item>> qi(geo.num_queues());
    int64_t last = 0;
    out->queues.assign(geo.num_queues(), QueueStats{});
    out->node_queue.assign(g_.nodes.size(), kNone);
    for (uint32_t ni = 0; ni < g_.nodes.size(); ++ni) {
      const Node &n = g_.nodes[ni];
      Instr in = n.in;
      for (uint32_t oi = 0; oi < n.ops.size(); ++oi) {
        const uint32_t f = OperandStreamField(n, oi);
        const bool local = n.ops[oi].local;
        if (local && !(OperandField(n, oi) == Field::kA || OperandField(n, oi) == Field::kB)) {
          *error = fmt::format("{}: only VXM operands a and b can be read in place", DescribeNode(g_, ni));
          return false;
        }
        switch (OperandField(n, oi)) {
          case Field::kA:
            in.a = f;
            in.aloc = local ? 1 : 0;
            break;
          case Field::kB:
            in.b = f;
            in.bloc = local ? 1 : 0;
            break;
          case Field::kM:
            in.m = f;
            break;
          case Field::kS:
            in.s = f;
            break;
          case Field::kDst:
            break;
        }
      }
      if (!n.outs.empty()) {
        const Value &v = g_.values[n.outs[0]];
        const uint32_t f = StreamField(v.dir, v.stream);
        if (OutputField(n) == Field::kS)
          in.s = f;
        else
          in.dst = f;
      }
      std::string err;
      if (!Validate(in, geo, &err)) {
        *error = fmt::format("{}: emitted instruction is invalid: {}", DescribeNode(g_, ni), err);
        return false;
      }
      const uint32_t q = n.queue == kNone ? vxm_queue_.at(ni) : n.queue;
      qi[q].push_back({n.time, in, ni});
      out->node_queue[ni] = q;
      last = std::max(last, n.time + LastEvent(g_, n));
      out->queues[q].unit_ops++;
      out->queues[q].busy_cycles += static_cast<uint64_t>(VxmSlots(in.info()));  // issue slots
    }
    out->program.geometry = geo.params();
    out->program.queues.assign(geo.num_queues(), {});
    for (uint32_t q = 0; q < geo.num_queues(); ++q) {
      auto &items = qi[q];
      std::sort(items.begin(), items.end(), [](const Item &a, const Item &b) { return a.t < b.t; });
      auto &words = out->program.queues[q];
      int64_t next = 0;  // earliest cycle of the next dispatch
      for (size_t i = 0; i < items.size();) {
        if (i + 1 < items.size() && items[i].t == items[i + 1].t) {
          *error = fmt::format("internal: two instructions in queue {} at cycle {}", geo.queue(q).name, items[i].t);
          return false;
        }
        // Longest regular run from i.
        size_t j = i;
        int64_t d = 0, stride = 0;
        if (i + 1 < items.size()) {
          Instr a = items[i].in, b = items[i + 1].in;
          const int64_t s = static_cast<int64_t>(IndexOf(b)) - static_cast<int64_t>(IndexOf(a));
          SetIndex(&b, IndexOf(a));
          if (a == b && s >= -32768 && s <= 32767 && items[i + 1].t - items[i].t <= 65535) {
            d = items[i + 1].t - items[i].t;
            stride = s;
            j = i + 1;
            while (j + 1 < items.size() && j - i < 65535) {
              Instr x = items[j].in, y = items[j + 1].in;
              const int64_t s2 = static_cast<int64_t>(IndexOf(y)) - static_cast<int64_t>(IndexOf(x));
              SetIndex(&y, IndexOf(x));
              if (!(x == y) || s2 != stride || items[j + 1].t - items[j].t != d) break;
              ++j;
            }
          }
        }
        const int64_t t0 = items[i].t;
        if (t0 < next) {
          *error = fmt::format("internal: queue {} dispatch at {} before {}", geo.queue(q).name, t0, next);
          return false;
        }
        if (t0 > next) {
          Instr nop;
          nop.op = Opcode::kNop;
          nop.n = static_cast<uint32_t>(t0 - next);
          words.push_back(Encode(nop));
        }
        words.push_back(Encode(items[i].in));
        if (j > i) {
          Instr rep;
          rep.op = Opcode::kRepeat;
          rep.n = static_cast<uint32_t>(j - i);
          rep.d = static_cast<uint32_t>(d);
          rep.stride = static_cast<int32_t>(stride);
          words.push_back(Encode(rep));
        }
        next = items[j].t + 1;
        i = j + 1;
      }
      out->queues[q].instructions = static_cast<uint32_t>(words.size());
      if (std::getenv("TSP_LOOP_ANALYSIS")) out->queues[q].instructions = LoopCompressed(words);
    }
    std::string over;
    for (uint32_t q = 0; q < geo.num_queues(); ++q) {
      if (out->queues[q].instructions > geo.iq_depth())
        over += fmt::format("{}{} needs {}", over.empty() ? "" : ", ", geo.queue(q).name, out->queues[q].instructions);
    }
    if (!over.empty() && opt_.check_iq_depth) {
      std::string all;
      for (uint32_t q = 0; q < geo.num_queues(); ++q)
        all += fmt::format(" {}:{}", geo.queue(q).name, out->queues[q].instructions);
      *error = fmt::format("the program does not fit the instruction queues (IqDepth {}): {} (all queues:{})",
                           geo.iq_depth(), over, all);
      return false;
    }
    out->predicted_cycles = static_cast<uint64_t>(last + 1);
    out->clusters = static_cast<uint32_t>(clusters_.size());
    return true;
  }

  Graph &g_;
  ScheduleOptions opt_;
  StreamUf uf_;
  std::vector<int64_t> rel_;
  std::vector<uint32_t> node_cluster_;
  std::vector<Cluster> clusters_;
  std::vector<ValueGeom> vgeom_;
  std::vector<StreamClass> classes_;
  std::vector<uint32_t> value_class_;
  std::vector<int> class_base_, class_dir_;
  std::vector<uint32_t> alus_;
  std::vector<uint64_t> alu_count_;
  std::vector<Undo> placed_undo_;  // per cluster: its reservations (Justify moves clusters)
  std::vector<std::map<int64_t, int64_t>> qbusy_;
  std::unordered_set<uint64_t> banks_;
  std::unordered_map<uint64_t, std::vector<std::pair<uint32_t, uint32_t>>> sres_;
  std::unordered_map<uint32_t, uint32_t> vxm_queue_;
};

}  // namespace

std::string DescribeNode(const Graph &g, uint32_t node) {
  const Node &n = g.nodes[node];
  std::string s = fmt::format("#{} {} {}", node, QueueName(g, n.queue), n.in.info().mnemonic);
  if (n.in.op == Opcode::kRead || n.in.op == Opcode::kWrite) s += fmt::format(" {}", n.in.addr);
  for (const Access &a : n.access) {
    if (!g.buffers[a.buf].state) s += fmt::format(" [{}]", g.buffers[a.buf].name);
  }
  if (n.tag) s += fmt::format(" ({})", g.tags[n.tag]);
  if (n.time >= 0) s += fmt::format(" @{}", n.time);
  return s;
}

bool Schedule(Graph &g, const ScheduleOptions &opt, ScheduleResult *out, std::string *error) {
  Scheduler s(g, opt);
  return s.Run(out, error);
}

}  // namespace tsp::compiler
