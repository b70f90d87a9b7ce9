// Geometry and shared types of the TSP core.
//
// The geometry is chosen at compile time with a define so that the packed types below can live in
// a package (Yosys and Verilator both need types of fixed width): no define = "default",
// +define+TSP_CONFIG_SMALL = "small". The numbers themselves come from the generated
// tsp_isa_pkg (isa/tsp_isa.json), never from here.
package tsp_pkg;

`ifdef TSP_CONFIG_SMALL
  localparam int unsigned NumSuperlanes    = tsp_isa_pkg::SmallNumSuperlanes;
  localparam int unsigned StreamsPerDir    = tsp_isa_pkg::SmallStreamsPerDir;
  localparam int unsigned MemSlicesPerHemi = tsp_isa_pkg::SmallMemSlicesPerHemi;
  localparam int unsigned WordsPerBank     = tsp_isa_pkg::SmallWordsPerBank;
  localparam int unsigned VxmAlus          = tsp_isa_pkg::SmallVxmAlus;
  localparam int unsigned IqDepth          = tsp_isa_pkg::SmallIqDepth;
`else
  localparam int unsigned NumSuperlanes    = tsp_isa_pkg::DefaultNumSuperlanes;
  localparam int unsigned StreamsPerDir    = tsp_isa_pkg::DefaultStreamsPerDir;
  localparam int unsigned MemSlicesPerHemi = tsp_isa_pkg::DefaultMemSlicesPerHemi;
  localparam int unsigned WordsPerBank     = tsp_isa_pkg::DefaultWordsPerBank;
  localparam int unsigned VxmAlus          = tsp_isa_pkg::DefaultVxmAlus;
  localparam int unsigned IqDepth          = tsp_isa_pkg::DefaultIqDepth;
`endif

  // ---------------- Derived geometry ----------------
  localparam int unsigned Lanes        = tsp_isa_pkg::LanesPerSuperlane;  // 16
  localparam int unsigned VL           = NumSuperlanes * Lanes;
  localparam int unsigned NumBanks     = tsp_isa_pkg::NumBanks;
  localparam int unsigned MemWords     = WordsPerBank * NumBanks;  // word addresses per slice
  localparam int unsigned MemAddrBits  = $clog2(MemWords);
  localparam int unsigned BankWordBits = $clog2(WordsPerBank);
  localparam int unsigned NumMemSlices = 2 * MemSlicesPerHemi;
  localparam int unsigned NumPositions = 2 * MemSlicesPerHemi + 5;
  localparam int unsigned VxmPosition  = MemSlicesPerHemi + 2;
  localparam int unsigned IqAddrBits   = $clog2(IqDepth);
  // Queue ids: mem.w0..w(M-1), mem.e0..e(M-1), vxm.0..(A-1), sxm.w, sxm.e, mxm.w, mxm.e.
  localparam int unsigned NumQueues    = NumMemSlices + VxmAlus + 4;
  localparam int unsigned QueueVxm0    = NumMemSlices;
  localparam int unsigned QueueSxmW    = NumMemSlices + VxmAlus;
  localparam int unsigned QueueSxmE    = QueueSxmW + 1;
  localparam int unsigned QueueMxmW    = QueueSxmW + 2;
  localparam int unsigned QueueMxmE    = QueueSxmW + 3;
  localparam logic [63:0] Fingerprint  = tsp_isa_pkg::geom_fingerprint(
      NumSuperlanes, StreamsPerDir, MemSlicesPerHemi, $clog2(WordsPerBank), VxmAlus, $clog2(IqDepth));

  // ---------------- Stream types ----------------
  localparam int unsigned WordBits = Lanes * 8;  // 128 bits: one tile's 16 lanes
  typedef logic [WordBits-1:0] word_t;

  // One stream register of one superlane: value plus the verification-only valid bit.
  typedef struct packed {
    logic  valid;
    word_t data;
  } slot_t;

  // All streams of one direction arriving at (or written by) one position.
  typedef slot_t [StreamsPerDir-1:0][NumSuperlanes-1:0] streams_t;

  // A write request into this position's registers: valid = write enable.
  typedef slot_t [StreamsPerDir-1:0][NumSuperlanes-1:0] writes_t;

  // Dispatched instruction travelling up a slice (one per superlane stage).
  typedef struct packed {
    logic        valid;
    logic [63:0] instr;  // REPEAT index stride already applied to addr / LW row
  } disp_t;

  typedef logic [tsp_isa_pkg::NumErrorBits-1:0] err_t;

  // Field extraction helpers (positions from the generated package).
  function automatic logic [7:0] f_opcode(logic [63:0] i);
    return i[7:0];
  endfunction
  function automatic logic [4:0] f_dst(logic [63:0] i);
    return i[tsp_isa_pkg::FVopDstLsb +: 5];
  endfunction
  function automatic logic [4:0] f_a(logic [63:0] i);
    return i[tsp_isa_pkg::FVopALsb +: 5];
  endfunction
  function automatic logic [4:0] f_b(logic [63:0] i);
    return i[tsp_isa_pkg::FVopBLsb +: 5];
  endfunction
  function automatic logic [1:0] f_dtype(logic [63:0] i);
    return i[tsp_isa_pkg::FVopDtypeLsb +: 2];
  endfunction
  function automatic logic [1:0] f_stype(logic [63:0] i);
    return i[tsp_isa_pkg::FVopStypeLsb +: 2];
  endfunction
  function automatic logic [31:0] f_imm(logic [63:0] i);
    return i[tsp_isa_pkg::FVopImmLsb +: 32];
  endfunction
  function automatic logic [15:0] f_addr(logic [63:0] i);
    return i[tsp_isa_pkg::FMemAddrLsb +: 16];
  endfunction
  function automatic logic [4:0] f_mem_s(logic [63:0] i);
    return i[tsp_isa_pkg::FMemSLsb +: 5];
  endfunction
  function automatic logic [4:0] f_memx_s(logic [63:0] i);
    return i[tsp_isa_pkg::FMemxSLsb +: 5];
  endfunction
  function automatic logic [4:0] f_memx_m(logic [63:0] i);
    return i[tsp_isa_pkg::FMemxMLsb +: 5];
  endfunction

endpackage
