// The `ref` device: the host map of docs/architecture.md §6 on top of the cycle-exact tsp::Model.
#pragma once

#include <memory>
#include <string>

#include "tsp/device.h"

namespace tsp {

// args: CONFIG[,free=N]: "" (default geometry) or a configuration name of isa::kConfigs ("small");
// free=N: every host access while BUSY first runs the model N cycles (a free-running core, as a
// bridge behind a link needs it; see ref_device.cc).
std::unique_ptr<Device> OpenRefDevice(const std::string &args, std::string *error);

}  // namespace tsp
