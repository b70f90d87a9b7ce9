// UART host bridge: the framed serial protocol of docs/host-link.md turned into accesses of the
// 32-bit host bus of tsp_top (CSR / IQ / MEM map). Its specification is the C++ model
// tsp::link::UartBridgeModel (host/src/device/host_link.cc); the states are the model's:
//
//   RX     frame receiver, one unstuffed byte per character: HUNT -SOF-> LEN0 LEN1 SEQ CMD
//          PAYLOAD x LEN CRC0..3; any SOF restarts at LEN0, LEN > 1030 goes back to HUNT, 0x7D
//          marks the next byte as XOR 0x20. ADDR and COUNT are kept in registers, the data words
//          of a WRITE in a 256 x 32 block RAM: nothing is executed before the CRC-32 is checked.
//   CHECK  bad CRC -> NACK BadCrc (not kept); CMD != SYNC with SEQ and CRC equal to the kept
//          request -> REPLAY; bad CMD / LEN / COUNT -> NACK (kept like an ACK); else EXEC
//   EXEC   COUNT bus accesses at ADDR, ADDR+4, ... one at a time (READ data into a second
//          256 x 32 block RAM, the reply buffer)
//   TX     SOF, then LEN SEQ CMD PAYLOAD CRC stuffed; the CRC is computed while sending
//   REPLAY the kept reply (SEQ, CMD, LEN, fixed bytes or the reply buffer) sent again, no access
// SYNC always executes and forgets the kept reply. Characters that arrive during CHECK / EXEC / TX
// are dropped (the host sends nothing then except a retry after its timeout, which it repeats;
// docs/host-link.md §3 allows it), so the buffers never change under a request being executed.
//
// Host bus (master side of tsp_top's slave): a request is held until host_req_ready_i; the bridge
// then waits for host_rsp_valid_i (tsp_top answers in the next cycle; any later cycle works).
module tsp_uart_bridge #(
  parameter int unsigned ClksPerBit = 16
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        rx_i,
  output logic        tx_o,
  output logic        host_req_valid_o,
  input  logic        host_req_ready_i,
  output logic        host_req_we_o,
  output logic [31:0] host_req_addr_o,
  output logic [31:0] host_req_wdata_o,
  input  logic        host_rsp_valid_i,
  input  logic [31:0] host_rsp_rdata_i,
  output logic        busy_o,   // a request is being checked, executed or answered
  output logic        frame_o,  // one-clock pulse per request frame received whole (good or bad CRC)
  output logic        nack_o    // one-clock pulse per NACK sent
);
  localparam logic [7:0]  Sof        = 8'h7E;
  localparam logic [7:0]  Esc        = 8'h7D;
  localparam logic [7:0]  EscXor     = 8'h20;
  localparam logic [7:0]  CmdSync    = 8'h00;
  localparam logic [7:0]  CmdRead    = 8'h01;
  localparam logic [7:0]  CmdWrite   = 8'h02;
  localparam logic [7:0]  CmdNack    = 8'hFF;
  localparam logic [7:0]  NackBadCrc = 8'd1;
  localparam logic [7:0]  NackBadCmd = 8'd2;
  localparam logic [7:0]  NackBadLen = 8'd3;
  localparam logic [7:0]  NackBadCnt = 8'd4;
  localparam int unsigned MaxWords   = 256;
  localparam int unsigned MaxPayload = 6 + 4 * MaxWords;  // 1030
  // SYNC reply: VERSION:u16 = 1, MAX_COUNT:u16 = 256, little endian.
  localparam logic [31:0] SyncReply  = 32'h0100_0001;

  // CRC-32 (zlib: reflected polynomial 0xEDB88320), one byte; the register starts at all ones and
  // the CRC is its complement.
  function automatic logic [31:0] crc32_byte(input logic [31:0] c, input logic [7:0] b);
    logic [31:0] x;
    x = c ^ {24'd0, b};
    for (int i = 0; i < 8; i++) x = x[0] ? ((x >> 1) ^ 32'hEDB8_8320) : (x >> 1);
    crc32_byte = x;
  endfunction

  // ---------------------------------------------------------------------------------------------
  // UART.
  // ---------------------------------------------------------------------------------------------
  logic       rx_valid, tx_valid, tx_ready;
  logic [7:0] rx_data, tx_data;
  logic       rx_frame_err;

  tsp_uart_rx #(.ClksPerBit(ClksPerBit)) u_rx (
    .clk_i,
    .rst_ni,
    .rx_i,
    .valid_o    (rx_valid),
    .data_o     (rx_data),
    .frame_err_o(rx_frame_err)
  );

  tsp_uart_tx #(.ClksPerBit(ClksPerBit)) u_tx (
    .clk_i,
    .rst_ni,
    .valid_i(tx_valid),
    .data_i (tx_data),
    .ready_o(tx_ready),
    .tx_o
  );

  // ---------------------------------------------------------------------------------------------
  // State.
  // ---------------------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    RxHunt = 3'd0,
    RxLen0 = 3'd1,
    RxLen1 = 3'd2,
    RxSeq  = 3'd3,
    RxCmd  = 3'd4,
    RxPay  = 3'd5,
    RxCrc  = 3'd6
  } rx_e;

  typedef enum logic [2:0] {
    MIdle   = 3'd0,  // receiving
    MCheck  = 3'd1,
    MExRam  = 3'd2,  // read the WRITE data word i from the request buffer
    MExReq  = 3'd3,  // bus request i
    MExRsp  = 3'd4,  // its response
    MTxSof  = 3'd5,
    MTxByte = 3'd6,  // body byte j (or the escape before it)
    MTxEsc  = 3'd7   // the escaped byte after 0x7D
  } main_e;

  main_e       st_q;
  rx_e         rx_q;
  logic        esc_q;
  logic [15:0] len_q;
  logic [10:0] pidx_q;     // payload byte index
  logic [7:0]  seq_q, cmd_q;
  logic [31:0] addr_q;
  logic [15:0] count_q;
  logic [23:0] wacc_q;     // bytes 0..2 of the data word being received
  logic [31:0] crc_q;      // running CRC register (RX, then TX)
  logic [31:0] crcin_q;    // the CRC received
  logic [1:0]  crcn_q;
  logic        crc_ok_q;
  logic [8:0]  i_q;        // EXEC word index
  logic [10:0] j_q;        // TX body byte index
  logic        tx_fetch_q; // MTxByte: the reply buffer word for byte j is being read this cycle
  logic [7:0]  escb_q;

  // The reply being sent, and the kept reply of the last executed request.
  logic        k_valid_q;
  logic [7:0]  k_seq_q, k_cmd_q;
  logic [31:0] k_crc_q;
  logic [10:0] k_len_q;
  logic [31:0] k_fix_q;    // payload of up to 4 bytes (SYNC ACK, NACK), when not from the buffer
  logic        k_ram_q;    // payload from the reply buffer (READ ACK)
  logic        t_kept_q;   // sending the kept reply (else the BadCrc NACK below)
  logic [7:0]  t_seq_q;
  logic [31:0] t_fix_q;

  // ---------------------------------------------------------------------------------------------
  // Receiver (active only in MIdle).
  // ---------------------------------------------------------------------------------------------
  logic       rx_take, rx_byte_ok;
  logic [7:0] rx_b;
  logic [9:0] dofs;        // byte offset of a data byte in the WRITE data
  logic       dram_we;

  assign rx_take    = st_q == MIdle && rx_valid;
  assign rx_b       = esc_q ? (rx_data ^ EscXor) : rx_data;
  // A body byte: not SOF, not in HUNT, not the escape marker itself.
  assign rx_byte_ok = rx_take && rx_data != Sof && rx_q != RxHunt && !(rx_data == Esc && !esc_q);
  assign dofs       = 10'(pidx_q - 11'd6);
  assign dram_we    = rx_byte_ok && rx_q == RxPay && pidx_q >= 11'd6 && dofs[1:0] == 2'd3;

  // ---------------------------------------------------------------------------------------------
  // CHECK (from the registers of the frame just received).
  // ---------------------------------------------------------------------------------------------
  logic        is_rw, replay, exec_rw;
  logic [7:0]  nack_code;
  logic [15:0] want_len;

  assign is_rw    = cmd_q == CmdRead || cmd_q == CmdWrite;
  assign replay   = cmd_q != CmdSync && k_valid_q && seq_q == k_seq_q && crcin_q == k_crc_q;
  assign want_len = cmd_q == CmdRead ? 16'd6 : 16'(6 + 4 * count_q);
  always_comb begin
    nack_code = '0;
    if (cmd_q == CmdSync) begin
      if (len_q != '0) nack_code = NackBadLen;
    end else if (is_rw) begin
      if (len_q < 16'd6)                                         nack_code = NackBadLen;
      else if (count_q == '0 || count_q > 16'(MaxWords))         nack_code = NackBadCnt;
      else if (len_q != want_len)                                nack_code = NackBadLen;
    end else begin
      nack_code = NackBadCmd;
    end
  end
  assign exec_rw = is_rw && nack_code == '0;

  // ---------------------------------------------------------------------------------------------
  // Buffers: request data (WRITE words) and reply data (READ words), one block RAM each.
  // ---------------------------------------------------------------------------------------------
  logic [31:0] dram_rdata, rram_rdata;
  logic [7:0]  rram_raddr;
  logic        rram_re;
  logic [10:0] pofs;       // TX payload byte offset j - 4

  tsp_ram_sdp #(.Width(32), .Depth(MaxWords)) u_req_buf (
    .clk_i,
    .we_i   (dram_we),
    .wbe_i  (4'hF),
    .waddr_i(dofs[9:2]),
    .wdata_i({rx_b, wacc_q}),
    .re_i   (st_q == MExRam),
    .raddr_i(i_q[7:0]),
    .rdata_o(dram_rdata)
  );

  tsp_ram_sdp #(.Width(32), .Depth(MaxWords)) u_rsp_buf (
    .clk_i,
    .we_i   (st_q == MExRsp && host_rsp_valid_i && cmd_q == CmdRead),
    .wbe_i  (4'hF),
    .waddr_i(i_q[7:0]),
    .wdata_i(host_rsp_rdata_i),
    .re_i   (rram_re),
    .raddr_i(rram_raddr),
    .rdata_o(rram_rdata)
  );

  // ---------------------------------------------------------------------------------------------
  // Transmitter: body byte j of the reply.
  // ---------------------------------------------------------------------------------------------
  logic [10:0] t_len;
  logic [7:0]  t_cmd, t_byte;
  logic        t_ram;
  logic [31:0] t_fix, crc_out;
  logic [10:0] body_len;   // LEN..PAYLOAD
  logic        t_esc;
  logic [1:0]  crc_k;      // CRC byte j - body_len

  assign t_len    = t_kept_q ? k_len_q : 11'd2;
  assign t_cmd    = t_kept_q ? k_cmd_q : CmdNack;
  assign t_ram    = t_kept_q && k_ram_q;
  assign t_fix    = t_kept_q ? k_fix_q : t_fix_q;
  assign body_len = t_len + 11'd4;
  assign pofs     = j_q - 11'd4;
  assign crc_k    = j_q[1:0] - body_len[1:0];
  assign crc_out  = ~crc_q;
  assign rram_re  = st_q == MTxByte && tx_fetch_q;
  assign rram_raddr = pofs[9:2];

  always_comb begin
    t_byte = '0;
    if (j_q == 11'd0)          t_byte = t_len[7:0];
    else if (j_q == 11'd1)     t_byte = {5'd0, t_len[10:8]};
    else if (j_q == 11'd2)     t_byte = t_seq_q;
    else if (j_q == 11'd3)     t_byte = t_cmd;
    else if (j_q < body_len)   t_byte = t_ram ? rram_rdata[8*pofs[1:0] +: 8] : t_fix[8*pofs[1:0] +: 8];
    else                       t_byte = crc_out[8*crc_k +: 8];
  end
  assign t_esc = t_byte == Sof || t_byte == Esc;

  always_comb begin
    tx_valid = 1'b0;
    tx_data  = '0;
    unique case (st_q)
      MTxSof: begin
        tx_valid = 1'b1;
        tx_data  = Sof;
      end
      MTxByte: begin
        tx_valid = !tx_fetch_q;
        tx_data  = t_esc ? Esc : t_byte;
      end
      MTxEsc: begin
        tx_valid = 1'b1;
        tx_data  = escb_q;
      end
      default: ;
    endcase
  end

  // ---------------------------------------------------------------------------------------------
  // Host bus.
  // ---------------------------------------------------------------------------------------------
  assign host_req_valid_o = st_q == MExReq;
  assign host_req_we_o    = cmd_q == CmdWrite;
  assign host_req_addr_o  = addr_q + {21'd0, i_q, 2'b00};
  assign host_req_wdata_o = dram_rdata;
  assign busy_o           = st_q != MIdle;

  // ---------------------------------------------------------------------------------------------
  // Sequencing.
  // ---------------------------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      st_q       <= MIdle;
      rx_q       <= RxHunt;
      esc_q      <= 1'b0;
      len_q      <= '0;
      pidx_q     <= '0;
      seq_q      <= '0;
      cmd_q      <= '0;
      addr_q     <= '0;
      count_q    <= '0;
      wacc_q     <= '0;
      crc_q      <= '1;
      crcin_q    <= '0;
      crcn_q     <= '0;
      crc_ok_q   <= 1'b0;
      i_q        <= '0;
      j_q        <= '0;
      tx_fetch_q <= 1'b0;
      escb_q     <= '0;
      k_valid_q  <= 1'b0;
      k_seq_q    <= '0;
      k_cmd_q    <= '0;
      k_crc_q    <= '0;
      k_len_q    <= '0;
      k_fix_q    <= '0;
      k_ram_q    <= 1'b0;
      t_kept_q   <= 1'b0;
      t_seq_q    <= '0;
      t_fix_q    <= '0;
      frame_o    <= 1'b0;
      nack_o     <= 1'b0;
    end else begin
      frame_o <= 1'b0;
      nack_o  <= 1'b0;
      unique case (st_q)
        // ---- RX ----
        MIdle: begin
          if (rx_take) begin
            if (rx_data == Sof) begin
              rx_q   <= RxLen0;
              esc_q  <= 1'b0;
              crc_q  <= '1;
              pidx_q <= '0;
              crcn_q <= '0;
            end else if (rx_q == RxHunt) begin
              // discarded
            end else if (rx_data == Esc && !esc_q) begin
              esc_q <= 1'b1;
            end else begin
              esc_q <= 1'b0;
              if (rx_q != RxCrc) crc_q <= crc32_byte(crc_q, rx_b);
              unique case (rx_q)
                RxLen0: begin
                  len_q <= {8'd0, rx_b};
                  rx_q  <= RxLen1;
                end
                RxLen1: begin
                  len_q <= {rx_b, len_q[7:0]};
                  rx_q  <= {rx_b, len_q[7:0]} > 16'(MaxPayload) ? RxHunt : RxSeq;
                end
                RxSeq: begin
                  seq_q <= rx_b;
                  rx_q  <= RxCmd;
                end
                RxCmd: begin
                  cmd_q   <= rx_b;
                  // A short READ / WRITE payload must not leave COUNT of an earlier frame.
                  count_q <= '0;
                  rx_q    <= len_q != '0 ? RxPay : RxCrc;
                end
                RxPay: begin
                  if (pidx_q < 11'd4)       addr_q[8*pidx_q[1:0] +: 8] <= rx_b;
                  else if (pidx_q == 11'd4) count_q[7:0] <= rx_b;
                  else if (pidx_q == 11'd5) count_q[15:8] <= rx_b;
                  wacc_q <= {rx_b, wacc_q[23:8]};
                  pidx_q <= pidx_q + 1'b1;
                  if (16'(pidx_q) + 16'd1 == len_q) rx_q <= RxCrc;
                end
                RxCrc: begin
                  crcin_q <= {rx_b, crcin_q[31:8]};
                  crcn_q  <= crcn_q + 1'b1;
                  if (crcn_q == 2'd3) begin
                    rx_q     <= RxHunt;
                    crc_ok_q <= ~crc_q == {rx_b, crcin_q[31:8]};
                    frame_o  <= 1'b1;
                    st_q     <= MCheck;
                  end
                end
                default: rx_q <= RxHunt;
              endcase
            end
          end
        end

        // ---- CHECK ----
        MCheck: begin
          i_q <= '0;
          st_q <= MTxSof;
          if (!crc_ok_q) begin
            t_kept_q <= 1'b0;
            t_seq_q  <= seq_q;
            t_fix_q  <= {16'd0, NackBadCrc, cmd_q};
            nack_o   <= 1'b1;
          end else if (replay) begin
            t_kept_q <= 1'b1;
            t_seq_q  <= k_seq_q;
          end else begin
            t_kept_q  <= 1'b1;
            t_seq_q   <= seq_q;
            k_valid_q <= cmd_q != CmdSync;
            k_seq_q   <= seq_q;
            k_crc_q   <= crcin_q;
            k_ram_q   <= 1'b0;
            if (nack_code != '0) begin
              k_cmd_q <= CmdNack;
              k_len_q <= 11'd2;
              k_fix_q <= {16'd0, nack_code, cmd_q};
              nack_o  <= 1'b1;
            end else begin
              k_cmd_q <= cmd_q | 8'h80;
              k_fix_q <= SyncReply;
              k_len_q <= cmd_q == CmdSync ? 11'd4 : cmd_q == CmdRead ? 11'(4 * count_q) : 11'd0;
              k_ram_q <= cmd_q == CmdRead;
            end
            if (exec_rw) st_q <= cmd_q == CmdWrite ? MExRam : MExReq;
          end
        end

        // ---- EXEC ----
        MExRam: st_q <= MExReq;
        MExReq: if (host_req_ready_i) st_q <= MExRsp;
        MExRsp: begin
          if (host_rsp_valid_i) begin
            i_q <= i_q + 1'b1;
            if (16'(i_q) + 16'd1 == count_q) st_q <= MTxSof;
            else st_q <= cmd_q == CmdWrite ? MExRam : MExReq;
          end
        end

        // ---- TX ----
        MTxSof: begin
          if (tx_ready) begin
            st_q       <= MTxByte;
            j_q        <= '0;
            crc_q      <= '1;
            tx_fetch_q <= 1'b0;
          end
        end
        MTxByte: begin
          if (tx_fetch_q) begin
            tx_fetch_q <= 1'b0;  // the reply buffer word is in rram_rdata from the next cycle
          end else if (tx_ready) begin
            if (j_q < body_len) crc_q <= crc32_byte(crc_q, t_byte);
            if (t_esc) begin
              escb_q <= t_byte ^ EscXor;
              st_q   <= MTxEsc;
            end else if (j_q == body_len + 11'd3) begin
              st_q <= MIdle;
            end else begin
              j_q        <= j_q + 1'b1;
              tx_fetch_q <= 1'b1;
            end
          end
        end
        MTxEsc: begin
          if (tx_ready) begin
            if (j_q == body_len + 11'd3) begin
              st_q <= MIdle;
            end else begin
              st_q       <= MTxByte;
              j_q        <= j_q + 1'b1;
              tx_fetch_q <= 1'b1;
            end
          end
        end
        default: st_q <= MIdle;
      endcase
    end
  end

`include "tsp_assert.svh"
  // A bus request stays up, unchanged, until it is taken; no response is expected outside EXEC.
  `ASSERT(ReqHeldUntilReady, host_req_valid_o && !host_req_ready_i |=>
          host_req_valid_o && $stable(host_req_addr_o) && $stable(host_req_we_o) && $stable(host_req_wdata_o))
  `ASSERT(RspOnlyWhenWaiting, host_rsp_valid_i |-> st_q == MExRsp)
  `ASSERT(CountInRange, st_q == MExReq |-> count_q != '0 && count_q <= 16'(MaxWords) && 16'(i_q) < count_q)
  `ASSERT(LenInRange, rx_q == RxPay |-> len_q <= 16'(MaxPayload))

  // rx_frame_err: a dropped character, left to the protocol (CRC, retry); pofs[10]: payload
  // offsets are below 1024 (j < 4 only wraps it, and those bytes do not come from the buffer).
  logic unused;
  assign unused = rx_frame_err ^ pofs[10];
endmodule
