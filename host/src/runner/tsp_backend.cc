#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>

#include "tsp/runner.h"

namespace tsp {

namespace {
using Clock = std::chrono::steady_clock;
}

std::unique_ptr<TspBackend> TspBackend::Create(const llm::Checkpoint &ckpt, std::unique_ptr<Device> device,
                                               const compiler::LlamaOptions &opt, std::string *error,
                                               uint32_t range_positions) {
  std::unique_ptr<TspBackend> b(new TspBackend());
  b->dev_ = std::move(device);
  auto t0 = Clock::now();
  const uint32_t top = opt.positions ? opt.positions : static_cast<uint32_t>(std::max(1, ckpt.config.seq_len));
  std::vector<uint32_t> sizes;
  if (range_positions > 0) {
    for (uint32_t p = range_positions; p < top; p += range_positions) sizes.push_back(p);
  }
  sizes.push_back(top);
  for (uint32_t p : sizes) {
    compiler::LlamaOptions o = opt;
    o.positions = p;
    o.kv_positions = std::max(opt.kv_positions, top);
    compiler::CompiledModel cm;
    if (!compiler::CompileLlama(ckpt, b->dev_->geometry(), o, &cm, error)) {
      // Say which program of the set failed: the compiler's message does not know it is one.
      *error = fmt::format("compiling the {}-position program for geometry {} (KV cache for {} positions): {}", p,
                           b->dev_->geometry().params().name, o.kv_positions, *error);
      return nullptr;
    }
    // Rounding can make two sizes one program.
    if (!b->set_.empty() && b->set_.back().positions >= cm.positions) continue;
    b->set_.push_back(std::move(cm));
  }
  // Every program of the set must keep the KV caches where the others have them.
  for (const auto &cm : b->set_) {
    const auto &a = b->set_.front().kv_regions, &c = cm.kv_regions;
    bool same = a.size() == c.size();
    for (size_t i = 0; same && i < a.size(); ++i)
      same = a[i].slice == c[i].slice && a[i].addr == c[i].addr && a[i].words == c[i].words;
    if (!same) {
      *error = fmt::format("compiler: the {}-position program places the KV caches elsewhere than the {}-position one",
                           cm.positions, b->set_.front().positions);
      return nullptr;
    }
  }
  b->range_ = b->set_.size() > 1 ? b->set_.front().positions : 0;
  b->stats_.compile_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  if (!b->dev_->LoadProgram(b->set_.front().program, error)) return nullptr;
  b->stats_.load_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  b->stats_.predicted_cycles = b->set_.front().predicted_cycles;
  return b;
}

size_t TspBackend::ProgramFor(int pos) const {
  for (size_t k = 0; k < set_.size(); ++k)
    if (pos >= 0 && static_cast<uint32_t>(pos) < set_[k].positions) return k;
  return set_.size() - 1;
}

namespace {

bool InRegions(const std::vector<compiler::MemRegion> &rs, uint32_t slice, uint32_t addr) {
  for (const auto &r : rs)
    if (r.slice == slice && addr >= r.addr && addr < r.addr + r.words) return true;
  return false;
}

}  // namespace

// Moves to program k of the set: its MEM images except the KV caches and except the read-only words
// (weights, scales) that the loaded program holds with the same bytes, then its instruction queues.
bool TspBackend::Switch(size_t k, std::string *error) {
  const compiler::CompiledModel &cm = set_[k], &old = set_[cur_];
  const uint32_t vl = dev_->geometry().vl();
  const uint64_t w0 = dev_->host_bytes_written();
  std::map<std::pair<uint32_t, uint32_t>, const uint8_t *> old_word;  // (slice, addr) -> the loaded image's bytes
  for (const MemImage &img : old.program.mem)
    for (uint32_t w = 0; w < img.data.size() / vl; ++w) old_word[{img.slice, img.addr + w}] = img.data.data() + size_t{w} * vl;
  auto keep = [&](const MemImage &img, uint32_t w) {
    const uint32_t a = img.addr + w;
    if (InRegions(cm.kv_regions, img.slice, a)) return true;
    if (!InRegions(cm.read_only_regions, img.slice, a) || !InRegions(old.read_only_regions, img.slice, a)) return false;
    auto it = old_word.find({img.slice, a});
    return it != old_word.end() && std::memcmp(it->second, img.data.data() + size_t{w} * vl, vl) == 0;
  };
  for (const MemImage &img : cm.program.mem) {
    const uint32_t words = static_cast<uint32_t>(img.data.size() / vl);
    uint32_t w = 0;
    while (w < words) {
      if (keep(img, w)) {
        ++w;
        continue;
      }
      uint32_t e = w;
      while (e < words && !keep(img, e)) ++e;
      if (!dev_->WriteMemWords(img.slice, img.addr + w, img.data.data() + size_t{w} * vl, size_t{e - w} * vl, error))
        return false;
      w = e;
    }
  }
  stats_.switch_mem_bytes += dev_->host_bytes_written() - w0;
  if (!dev_->LoadQueues(cm.program, error)) return false;
  cur_ = k;
  stats_.switches++;
  stats_.switch_bytes_written += dev_->host_bytes_written() - w0;
  return true;
}

bool TspBackend::Forward(int token, int pos, std::vector<float> *logits, int *argmax, std::string *error) {
  const Geometry &g = dev_->geometry();
  if (pos < 0 || static_cast<uint32_t>(pos) >= set_.back().positions) {
    *error = fmt::format("position {} is outside the {} positions the program was compiled for", pos,
                         set_.back().positions);
    return false;
  }
  const size_t k = ProgramFor(pos);
  if (k != cur_ && !Switch(k, error)) return false;
  const compiler::CompiledModel &cm = set_[cur_];
  const compiler::HostIo &io = cm.io;
  if (token < 0 || static_cast<uint32_t>(token) >= io.vocab) {
    *error = fmt::format("token {} is outside the vocabulary of {}", token, io.vocab);
    return false;
  }
  const uint64_t w0 = dev_->host_bytes_written(), r0 = dev_->host_bytes_read();
  // Lanes 0..3 of both byte planes of the input word: token in lane 0, position in lane 1.
  for (uint32_t p = 0; p < 2; ++p) {
    const uint32_t v = ((static_cast<uint32_t>(token) >> (8 * p)) & 0xFFu) |
                       (((static_cast<uint32_t>(pos) >> (8 * p)) & 0xFFu) << 8);
    dev_->Write32(MemAddress(g, io.in_slices[p], io.in_addr, 0), v);
  }
  const auto t0 = Clock::now();
  const Device::RunResult r = dev_->Run(cm.predicted_cycles * 2 + 1000);
  stats_.device_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  if (!r.ok) {
    *error = fmt::format("{}: the forward step at position {} failed: {}", dev_->name(), pos, r.message);
    for (size_t i = 0; i < r.details.size() && i < 5; ++i) *error += "\n  " + r.details[i];
    return false;
  }
  stats_.steps++;
  stats_.predicted_cycles = cm.predicted_cycles;
  stats_.predicted_total += cm.predicted_cycles;
  stats_.min_cycles = std::min(stats_.min_cycles, r.cycles);
  stats_.max_cycles = std::max(stats_.max_cycles, r.cycles);
  stats_.total_cycles += r.cycles;
  if (r.cycles != cm.predicted_cycles) stats_.mismatches++;
  if (argmax) {
    uint32_t v = 0;
    for (uint32_t p = 0; p < 4; ++p) v |= (dev_->Read32(MemAddress(g, io.out_slices[p], io.out_addr, 0)) & 0xFFu) << (8 * p);
    if (v >= io.vocab) {
      *error = fmt::format("{}: the device returned token {} (vocabulary {})", dev_->name(), v, io.vocab);
      return false;
    }
    *argmax = static_cast<int>(v);
  } else {
    const uint32_t vl = g.vl();
    std::vector<std::vector<uint8_t>> planes(4, std::vector<uint8_t>(size_t{io.logit_words} * vl));
    for (uint32_t p = 0; p < 4; ++p) {
      if (!dev_->ReadMemWords(io.logit_slices[p], io.logit_addr, planes[p].data(), planes[p].size(), error)) return false;
    }
    logits->assign(io.vocab, 0.0f);
    for (uint32_t t = 0; t < io.vocab; ++t) {
      uint32_t bits = 0;
      for (uint32_t p = 0; p < 4; ++p) bits |= uint32_t{planes[p][t]} << (8 * p);
      std::memcpy(&(*logits)[t], &bits, 4);
    }
  }
  stats_.host_bytes_written += dev_->host_bytes_written() - w0;
  stats_.host_bytes_read += dev_->host_bytes_read() - r0;
  return true;
}

std::string TspBackend::StatsReport() const {
  const RunnerStats &s = stats_;
  std::string r;
  r += fmt::format("device: {} ({})\n", dev_->name(), dev_->geometry().Describe());
  for (const compiler::CompiledModel &cm : set_) {
    r += fmt::format("program: {} positions compiled (KV cache {}), {} graph nodes, MEM {} of {} bytes\n", cm.positions,
                     cm.kv_positions, cm.graph_nodes, cm.mem_bytes_used, dev_->geometry().mem_bytes());
    const compiler::Bounds &bd = cm.bounds;
    r += fmt::format("  predicted {} cycles per token; bounds: resource {} ({}), dependency {}; predicted / max(bounds) = {:.2f}\n",
                     cm.predicted_cycles, bd.resource, bd.resource_unit, bd.dependency,
                     static_cast<double>(cm.predicted_cycles) /
                         static_cast<double>(std::max<uint64_t>(1, std::max(bd.resource, bd.dependency))));
    uint32_t most = 0;
    std::string name;
    for (uint32_t q = 0; q < cm.sched.queues.size(); ++q) {
      if (cm.sched.queues[q].instructions > most) {
        most = cm.sched.queues[q].instructions;
        name = dev_->geometry().queue(q).name;
      }
    }
    r += fmt::format("  instructions: largest queue {} with {} of IqDepth {}\n", name, most, dev_->geometry().iq_depth());
  }
  r += fmt::format("compile {:.2f} s, load {:.2f} s\n", s.compile_seconds, s.load_seconds);
  if (s.steps == 0) return r;
  const double avg = static_cast<double>(s.total_cycles) / static_cast<double>(s.steps);
  r += fmt::format("cycles per token: predicted {:.1f} on average, measured min {} max {} average {:.1f} ({} of {} steps differ "
                   "from their program's prediction)\n",
                   static_cast<double>(s.predicted_total) / static_cast<double>(s.steps), s.min_cycles, s.max_cycles, avg,
                   s.mismatches, s.steps);
  r += fmt::format("tokens/s at {:g} MHz: {:.1f}\n", clock_hz_ / 1e6, clock_hz_ / avg);
  r += fmt::format("simulation: {:.3f} s per token, {:.0f} simulated cycles/s\n", s.device_seconds / static_cast<double>(s.steps),
                   static_cast<double>(s.total_cycles) / std::max(1e-9, s.device_seconds));
  r += fmt::format("host traffic per token: {:.0f} bytes written, {:.0f} bytes read\n",
                   static_cast<double>(s.host_bytes_written) / static_cast<double>(s.steps),
                   static_cast<double>(s.host_bytes_read) / static_cast<double>(s.steps));
  if (set_.size() > 1)
    r += fmt::format("program switches: {} ({} bytes written: {} of MEM images, the KV caches and unchanged weights "
                     "left alone, and the instruction queues)\n",
                     s.switches, s.switch_bytes_written, s.switch_mem_bytes);
  return r;
}

bool TspBackend::WriteTimeline(const std::string &path, std::string *error) const {
  return WriteTimelineJson(set_.back(), dev_->geometry(), path, error);
}

bool WriteTimelineJson(const compiler::CompiledModel &cm, const Geometry &g, const std::string &path,
                       std::string *error) {
  std::ofstream f(path);
  if (!f) {
    *error = fmt::format("cannot write the timeline to {}", path);
    return false;
  }
  // One microsecond of the trace = one cycle.
  f << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"unit\":\"1 us = 1 TSP cycle\"},\"traceEvents\":[\n";
  bool first = true;
  auto ev = [&](const std::string &s) {
    f << (first ? "" : ",\n") << s;
    first = false;
  };
  const uint32_t phase_tid = g.num_queues();
  ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{{\"name\":\"TSP forward step ({} cycles)\"}}}}",
                 cm.predicted_cycles));
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_name\",\"args\":{{\"name\":\"{}\"}}}}", q,
                   g.queue(q).name));
    ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":{}}}}}", q, q + 1));
  }
  // A VXM ALU's special-function sequencer gets a track of its own (tid phase_tid + 1 + q): an
  // FEXP / FRECIP / FRSQRT takes the ALU's issue slot for one cycle (its span on the queue's
  // track) and the sequencer for its occupancy, while the ALU dispatches other instructions in its
  // odd slots (ISA version 5 interleave).
  for (uint32_t q = 0; q < g.num_queues(); ++q) {
    if (g.queue(q).kind != SliceKind::kVxm) continue;
    ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_name\",\"args\":{{\"name\":\"{} sequencer\"}}}}",
                   phase_tid + 1 + q, g.queue(q).name));
    ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":{}}}}}",
                   phase_tid + 1 + q, q + 1));
  }
  ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_name\",\"args\":{{\"name\":\"phases\"}}}}", phase_tid));
  ev(fmt::format("{{\"ph\":\"M\",\"pid\":1,\"tid\":{},\"name\":\"thread_sort_index\",\"args\":{{\"sort_index\":0}}}}", phase_tid));
  std::map<uint16_t, std::pair<int64_t, int64_t>> phases;
  for (const auto &op : cm.ops) {
    if (op.time < 0) continue;
    const auto &info = isa::Info(static_cast<isa::Opcode>(op.opcode));
    const uint32_t slot = info.interleave ? 1 : std::max<uint32_t>(1, op.occupancy);
    ev(fmt::format("{{\"ph\":\"X\",\"pid\":1,\"tid\":{},\"ts\":{},\"dur\":{},\"name\":\"{}\",\"args\":{{\"phase\":\"{}\",\"latency\":{}}}}}",
                   op.queue, op.time, slot, info.mnemonic, op.tag < cm.tags.size() ? cm.tags[op.tag] : "", op.latency));
    if (info.interleave) {
      ev(fmt::format("{{\"ph\":\"X\",\"pid\":1,\"tid\":{},\"ts\":{},\"dur\":{},\"name\":\"{}\",\"args\":{{\"phase\":\"{}\"}}}}",
                     phase_tid + 1 + op.queue, op.time, op.occupancy, info.mnemonic,
                     op.tag < cm.tags.size() ? cm.tags[op.tag] : ""));
    }
    auto it = phases.find(op.tag);
    if (it == phases.end()) {
      phases[op.tag] = {op.time, op.time + std::max<uint32_t>(1, op.occupancy)};
    } else {
      it->second.first = std::min(it->second.first, op.time);
      it->second.second = std::max<int64_t>(it->second.second, op.time + std::max<uint32_t>(1, op.occupancy));
    }
  }
  for (const auto &[tag, span] : phases) {
    ev(fmt::format("{{\"ph\":\"X\",\"pid\":1,\"tid\":{},\"ts\":{},\"dur\":{},\"name\":\"{}\"}}", phase_tid, span.first,
                   span.second - span.first, tag < cm.tags.size() ? cm.tags[tag] : ""));
  }
  f << "\n]}\n";
  if (!f) {
    *error = fmt::format("error writing {}", path);
    return false;
  }
  return true;
}

std::unique_ptr<llm::Backend> MakeBackend(const llm::RunArgs &args, const llm::Checkpoint &ckpt, std::string *error) {
  const std::string dev = args.device.empty() ? "ref" : args.device;
  if (dev == "cpu") {
    if (args.exec_mode != "exact" || !args.timeline_path.empty()) {
      *error = "--device cpu (the fp32 reference) has no --mode fast and no --timeline";
      return nullptr;
    }
    return std::make_unique<llm::ReferenceBackend>(ckpt);
  }
  auto device = OpenDevice(dev, error);
  if (!device) return nullptr;
  compiler::LlamaOptions opt;
  opt.precision = args.exec_mode == "fast" ? compiler::Precision::kFast : compiler::Precision::kExact;
  const llm::RunOptions ro = llm::ResolveRunOptions(args.options, ckpt.config.seq_len);
  opt.positions = static_cast<uint32_t>(std::max(1, ro.steps));
  auto b = TspBackend::Create(ckpt, std::move(device), opt, error, args.one_program ? 0 : TspBackend::kRangePositions);
  if (!b) return nullptr;
  b->set_clock_hz(args.clock_mhz * 1e6);
  if (!args.timeline_path.empty() && !b->WriteTimeline(args.timeline_path, error)) return nullptr;
  return b;
}

}  // namespace tsp
