// The `uart` device: the host map over a serial line with the protocol of tsp/host_link.h.
#pragma once

#include <memory>
#include <string>

#include "tsp/device.h"

namespace tsp {

// args: PATH[@BAUD][,timeout_ms=N][,retries=N] ("/dev/ttyUSB1@115200"). Opens PATH in raw mode,
// sends SYNC, checks ID and reads the geometry from GEOM / GEOM_HI. Defaults: 115200 baud,
// timeout_ms=200 (plus the transfer time of each frame), retries=8. Map accesses throw
// tsp::link::LinkError when the link fails after every retry or is closed.
std::unique_ptr<Device> OpenUartDevice(const std::string &args, std::string *error);

}  // namespace tsp
