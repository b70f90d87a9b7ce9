// First half of tsp_fp_add (binary32 add / subtract of host/src/num/numerics.cc): the special
// cases, the magnitude order, the alignment of the smaller significand (guard, round and a sticky
// bit jammed into bit 0) and the exact 28-bit sum. tsp_fp_add_norm normalises and rounds it.
// The two halves are split here so that a pipelined unit (the VXM lane, the SXM reduction) can put
// a register between them; tsp_fp_add joins them back into one combinational adder.
module tsp_fp_add_align (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  input  logic        sub_i,
  output logic        spec_o,    // the result is spec_y_o (NaN, infinity or a zero operand)
  output logic [31:0] spec_y_o,
  output logic        sign_o,    // sign of the larger magnitude
  output logic [7:0]  exp_o,     // its biased exponent
  output logic [27:0] sum_o      // significand sum with guard, round and sticky bits
);

  localparam logic [31:0] CanonNaN = 32'h7FC0_0000;

  logic [31:0] bx;
  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
  logic [31:0] x_big;
  logic [23:0] x_small;  // the smaller operand's sign and fraction
  logic [23:0] m_big, m_small;
  logic [7:0]  d, d_ab, d_ba;
  logic        swap;
  logic        subtract;
  logic [53:0] shifted;
  logic [26:0] al_small;

  always_comb begin
    bx     = {b_i[31] ^ sub_i, b_i[30:0]};
    a_nan  = (a_i[30:23] == 8'hFF) && (a_i[22:0] != '0);
    b_nan  = (bx[30:23] == 8'hFF) && (bx[22:0] != '0);
    a_inf  = (a_i[30:23] == 8'hFF) && (a_i[22:0] == '0);
    b_inf  = (bx[30:23] == 8'hFF) && (bx[22:0] == '0);
    a_zero = a_i[30:23] == 8'h00;  // zero or denormal (DAZ)
    b_zero = bx[30:23] == 8'h00;

    // Both-normal path: order by magnitude so that |x_big| >= |x_small|.
    // The exponent difference both ways beside the magnitude compare, then a select (not the
    // compare, the operand swap and a subtraction in series; issue 10's timing work).
    d_ab = a_i[30:23] - bx[30:23];
    d_ba = bx[30:23] - a_i[30:23];
    swap = a_i[30:0] < bx[30:0];
    if (swap) begin
      x_big   = bx;
      x_small = {a_i[31], a_i[22:0]};
      d       = d_ba;
    end else begin
      x_big   = a_i;
      x_small = {bx[31], bx[22:0]};
      d       = d_ab;
    end
    subtract = x_big[31] ^ x_small[23];
    m_big    = {1'b1, x_big[22:0]};
    m_small  = {1'b1, x_small[22:0]};
    // Align the smaller significand (3 extra bits: guard, round, sticky).
    shifted = {m_small, 3'b000, 27'd0} >> d[4:0];
    if (d >= 8'd27) begin
      al_small = 27'd1;  // only a sticky bit survives
    end else begin
      al_small = shifted[53:27] | {26'd0, |shifted[26:0]};
    end
    sum_o  = subtract ? ({1'b0, m_big, 3'b000} - {1'b0, al_small})
                      : ({1'b0, m_big, 3'b000} + {1'b0, al_small});
    sign_o = x_big[31];
    exp_o  = x_big[30:23];

    // Special cases, in the order of the reference.
    spec_o = 1'b1;
    if (a_nan || b_nan) begin
      spec_y_o = CanonNaN;
    end else if (a_inf && b_inf) begin
      spec_y_o = (a_i[31] == bx[31]) ? a_i : CanonNaN;
    end else if (a_inf) begin
      spec_y_o = a_i;
    end else if (b_inf) begin
      spec_y_o = bx;
    end else if (a_zero && b_zero) begin
      spec_y_o = {a_i[31] & bx[31], 31'd0};
    end else if (a_zero) begin
      spec_y_o = bx;
    end else if (b_zero) begin
      spec_y_o = a_i;
    end else begin
      spec_o   = 1'b0;
      spec_y_o = '0;
    end
  end

endmodule
