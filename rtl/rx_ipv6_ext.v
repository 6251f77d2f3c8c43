`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * One step of the IPv6 extension header walk (one pipeline stage).
 *
 * While the walk state is WALK and the current next-header value names an
 * extension header (0 hop-by-hop, 43 routing, 60 destination options,
 * 44 fragment, 51 AH), the header at byte offset s_cur is skipped:
 *   - its length is 8 (fragment), (len+2)*4 (AH) or (len+1)*8 (others);
 *   - if it does not end inside the captured bytes the state becomes
 *     UNPARSED;
 *   - a fragment header with a non-zero offset or the M flag set makes the
 *     state FRAG (an atomic fragment header, offset 0 and M 0, is skipped);
 *   - otherwise next-header and offset move past it.
 * A non-extension next-header ends the walk (DONE). Other states pass through.
 *
 * Every header offset is 2 modulo 4 (L3 starts at byte 14, 18 or 22 and all
 * header lengths are multiples of 4), so the four bytes at s_cur are read
 * from a table of aligned 32-bit slots instead of a byte-granular shifter.
 *
 * s_side is carried along unchanged. All registers advance on `en`; the step
 * logic sits inside the clocked block under the entry's valid flag, so it
 * is evaluated once per header, not once per cycle.
 */
module rx_ipv6_ext #
(
    // Captured header bytes (power of two, 64..256)
    parameter HDR_BYTES = 128,
    // Width of the captured-length field
    parameter HDR_LEN_WIDTH = $clog2(HDR_BYTES+1),
    // Width of header byte offsets
    parameter OFF_WIDTH = 12,
    // Width of the side data carried through the stage
    parameter SIDE_WIDTH = 1
)
(
    /*
     * Clock/reset
     */
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     en,

    /*
     * Stage input
     */
    input  wire                     s_valid,
    input  wire [HDR_BYTES*8-1:0]   s_hdr,
    input  wire [HDR_LEN_WIDTH-1:0] s_hdr_len,
    input  wire [7:0]               s_nh,
    input  wire [OFF_WIDTH-1:0]     s_cur,
    input  wire [1:0]               s_state,
    input  wire [SIDE_WIDTH-1:0]    s_side,

    /*
     * Stage output (registered)
     */
    output wire                     m_valid,
    output wire [HDR_BYTES*8-1:0]   m_hdr,
    output wire [HDR_LEN_WIDTH-1:0] m_hdr_len,
    output wire [7:0]               m_nh,
    output wire [OFF_WIDTH-1:0]     m_cur,
    output wire [1:0]               m_state,
    output wire [SIDE_WIDTH-1:0]    m_side
);

// walk states
localparam [1:0] ST_WALK = 2'd0;
localparam [1:0] ST_DONE = 2'd1;
localparam [1:0] ST_FRAG = 2'd2;
localparam [1:0] ST_UNPARSED = 2'd3;

// aligned 4-byte slots: slot k holds header bytes 4k+2 .. 4k+5
localparam NSLOT = HDR_BYTES / 4;
// slot index width
localparam SLOT_WIDTH = $clog2(NSLOT);

// parameter checks
generate
    if (HDR_BYTES < 64 || HDR_BYTES > 256 || (1 << $clog2(HDR_BYTES)) != HDR_BYTES ||
            HDR_LEN_WIDTH < $clog2(HDR_BYTES+1) || OFF_WIDTH < 12 || SIDE_WIDTH < 1) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_ipv6_ext: bad HDR_BYTES/HDR_LEN_WIDTH/OFF_WIDTH/SIDE_WIDTH");
`endif
        initial $fatal(1, "rx_ipv6_ext: bad HDR_BYTES/HDR_LEN_WIDTH/OFF_WIDTH/SIDE_WIDTH");
    end
endgenerate

// walk result: {next header, offset, state}
localparam STEP_WIDTH = 8 + OFF_WIDTH + 2;

reg                     valid_reg = 1'b0;
reg [HDR_BYTES*8-1:0]   hdr_reg = {HDR_BYTES*8{1'b0}};
reg [HDR_LEN_WIDTH-1:0] hdr_len_reg = {HDR_LEN_WIDTH{1'b0}};
reg [STEP_WIDTH-1:0]    step_reg = {8'd0, {OFF_WIDTH{1'b0}}, ST_DONE};
reg [SIDE_WIDTH-1:0]    side_reg = {SIDE_WIDTH{1'b0}};

// slot index of s_cur (s_cur - 2) / 4; out-of-range offsets read as zero,
// and so do the two bytes past the end of the header in the last slot
wire [OFF_WIDTH-3:0] slot_idx = s_cur[OFF_WIDTH-1:2];
wire [SLOT_WIDTH-1:0] slot_lo = slot_idx[SLOT_WIDTH-1:0];
wire slot_in_range = slot_idx[OFF_WIDTH-3:SLOT_WIDTH] == 0;
wire slot_last = slot_lo == NSLOT[SLOT_WIDTH-1:0] - 1'b1;
wire [31:0] cur_word = !slot_in_range ? 32'd0 :
                       (slot_last ? {16'd0, s_hdr[HDR_BYTES*8-1 -: 16]} :
                                    s_hdr[{slot_lo, 5'd16} +: 32]);

// One walk step over the header at `cur` whose first four bytes are `word`.
function [STEP_WIDTH-1:0] walk_step;
    // bits [26:25] are the fragment header's reserved bits, never looked at
    /* verilator lint_off UNUSEDSIGNAL */
    input [31:0]              word;
    /* verilator lint_on UNUSEDSIGNAL */
    input [HDR_LEN_WIDTH-1:0] hdr_len;
    input [7:0]               nh;
    input [OFF_WIDTH-1:0]     cur;
    input [1:0]               state;
    reg [OFF_WIDTH-1:0] ext_len_w;
    reg [OFF_WIDTH-1:0] ext_bytes;
    reg [OFF_WIDTH-1:0] ext_end;
    reg                 is_ext;
    reg                 is_fragment;
    begin
        walk_step = {nh, cur, state};
        if (state == ST_WALK) begin
            ext_len_w = {{OFF_WIDTH-8{1'b0}}, word[15:8]};
            is_ext = nh == 8'd0 || nh == 8'd43 || nh == 8'd60 || nh == 8'd44 || nh == 8'd51;
            // length of the extension header at cur
            if (nh == 8'd44) begin
                ext_bytes = 8;
            end else if (nh == 8'd51) begin
                ext_bytes = (ext_len_w + 2) << 2;
            end else begin
                ext_bytes = (ext_len_w + 1) << 3;
            end
            ext_end = cur + ext_bytes;
            // fragment header: 13-bit offset, 2 reserved bits, M flag
            is_fragment = nh == 8'd44 && ({word[23:16], word[31:27]} != 13'd0 || word[24]);
            if (!is_ext) begin
                walk_step = {nh, cur, ST_DONE};
            end else if (ext_end > {{OFF_WIDTH-HDR_LEN_WIDTH{1'b0}}, hdr_len}) begin
                walk_step = {nh, cur, ST_UNPARSED};
            end else if (is_fragment) begin
                walk_step = {nh, cur, ST_FRAG};
            end else begin
                walk_step = {word[7:0], ext_end, ST_WALK};
            end
        end
    end
endfunction

// the step is evaluated only for a valid entry
always @(posedge clk) begin
    if (en) begin
        valid_reg <= s_valid;
        // data registers only move with a valid entry
        if (s_valid) begin
            hdr_reg <= s_hdr;
            hdr_len_reg <= s_hdr_len;
            step_reg <= walk_step(cur_word, s_hdr_len, s_nh, s_cur, s_state);
            side_reg <= s_side;
        end
    end

    if (rst) begin
        valid_reg <= 1'b0;
    end
end

assign m_valid = valid_reg;
assign m_hdr = hdr_reg;
assign m_hdr_len = hdr_len_reg;
assign {m_nh, m_cur, m_state} = step_reg;
assign m_side = side_reg;

endmodule

`resetall
