// Assertion macros (prim_assert-compatible names). Active in Verilator simulation with --assert;
// empty for synthesis (SYNTHESIS or YOSYS defined). Default clock clk_i, reset !rst_ni.
`ifndef TSP_ASSERT_SVH
`define TSP_ASSERT_SVH

`ifdef SYNTHESIS
  `define TSP_NO_ASSERT
`endif
`ifdef YOSYS
  `define TSP_NO_ASSERT
`endif

`ifdef TSP_NO_ASSERT
  `define ASSERT(name, prop, clk = clk_i, rst = !rst_ni)
  `define ASSERT_NEVER(name, prop, clk = clk_i, rst = !rst_ni)
  `define ASSERT_INIT(name, prop)
  `define ASSERT_KNOWN(name, sig, clk = clk_i, rst = !rst_ni)
`else
  `define ASSERT(name, prop, clk = clk_i, rst = !rst_ni) \
    name: assert property (@(posedge clk) disable iff (rst) (prop)) \
      else $error("[ASSERT FAILED] %m: %s", `"name`");
  `define ASSERT_NEVER(name, prop, clk = clk_i, rst = !rst_ni) \
    name: assert property (@(posedge clk) disable iff (rst) !(prop)) \
      else $error("[ASSERT FAILED] %m: %s", `"name`");
  // X/Z check on control signals. Verilator is two-state (it can never fire there); it is for
  // four-state simulators.
  `define ASSERT_KNOWN(name, sig, clk = clk_i, rst = !rst_ni) \
    name: assert property (@(posedge clk) disable iff (rst) !$isunknown(sig)) \
      else $error("[ASSERT FAILED] %m: %s", `"name`");
  `define ASSERT_INIT(name, prop) \
    initial begin : name \
      if (!(prop)) $error("[ASSERT_INIT FAILED] %m: %s", `"name`"); \
    end
`endif

`endif
