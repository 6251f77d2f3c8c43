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
 * s_side is carried along unchanged. All registers advance on `en`.
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
            HDR_LEN_WIDTH < $clog2(HDR_BYTES+1) || OFF_WIDTH < 12) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_ipv6_ext: bad HDR_BYTES/HDR_LEN_WIDTH/OFF_WIDTH");
`endif
        initial $fatal(1, "rx_ipv6_ext: bad HDR_BYTES/HDR_LEN_WIDTH/OFF_WIDTH");
    end
endgenerate

reg                     valid_reg = 1'b0;
reg [HDR_BYTES*8-1:0]   hdr_reg = {HDR_BYTES*8{1'b0}};
reg [HDR_LEN_WIDTH-1:0] hdr_len_reg = {HDR_LEN_WIDTH{1'b0}};
reg [7:0]               nh_reg = 8'd0, nh_next;
reg [OFF_WIDTH-1:0]     cur_reg = {OFF_WIDTH{1'b0}}, cur_next;
reg [1:0]               state_reg = ST_DONE, state_next;
reg [SIDE_WIDTH-1:0]    side_reg = {SIDE_WIDTH{1'b0}};

// header from byte 2 on, padded so the last slot can be read whole
wire [HDR_BYTES*8-1:0] hdr_pad = {16'd0, s_hdr[HDR_BYTES*8-1:16]};
wire [31:0] slot [0:NSLOT-1];

genvar g;
generate
    for (g = 0; g < NSLOT; g = g + 1) begin : g_slot
        assign slot[g] = hdr_pad[32*g +: 32];
    end
endgenerate

// slot index of s_cur (s_cur - 2) / 4; out-of-range offsets read as zero
wire [OFF_WIDTH-3:0] slot_idx = s_cur[OFF_WIDTH-1:2];
wire slot_in_range = slot_idx[OFF_WIDTH-3:SLOT_WIDTH] == 0;
// bits [26:25] are the fragment header's reserved bits, never looked at
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] cur_word = slot_in_range ? slot[slot_idx[SLOT_WIDTH-1:0]] : 32'd0;
/* verilator lint_on UNUSEDSIGNAL */

wire [7:0] ext_nh = cur_word[7:0];
wire [7:0] ext_len = cur_word[15:8];
// fragment header: 13-bit offset, 2 reserved bits, M flag
wire [12:0] frag_offset = {cur_word[23:16], cur_word[31:27]};
wire frag_more = cur_word[24];
wire [OFF_WIDTH-1:0] ext_len_w = {{OFF_WIDTH-8{1'b0}}, ext_len};

wire is_ext = s_nh == 8'd0 || s_nh == 8'd43 || s_nh == 8'd60 ||
              s_nh == 8'd44 || s_nh == 8'd51;

// length of the extension header at s_cur
reg [OFF_WIDTH-1:0] ext_bytes;

always @* begin
    if (s_nh == 8'd44) begin
        ext_bytes = 8;
    end else if (s_nh == 8'd51) begin
        ext_bytes = (ext_len_w + 2) << 2;
    end else begin
        ext_bytes = (ext_len_w + 1) << 3;
    end
end

wire [OFF_WIDTH-1:0] ext_end = s_cur + ext_bytes;
wire ext_overrun = ext_end > {{OFF_WIDTH-HDR_LEN_WIDTH{1'b0}}, s_hdr_len};
wire is_fragment = s_nh == 8'd44 && (frag_offset != 13'd0 || frag_more);

always @* begin
    nh_next = s_nh;
    cur_next = s_cur;
    state_next = s_state;

    if (s_state == ST_WALK) begin
        if (!is_ext) begin
            state_next = ST_DONE;
        end else if (ext_overrun) begin
            state_next = ST_UNPARSED;
        end else if (is_fragment) begin
            state_next = ST_FRAG;
        end else begin
            nh_next = ext_nh;
            cur_next = ext_end;
        end
    end
end

always @(posedge clk) begin
    if (en) begin
        valid_reg <= s_valid;
        // data registers only move with a valid entry
        if (s_valid) begin
            hdr_reg <= s_hdr;
            hdr_len_reg <= s_hdr_len;
            nh_reg <= nh_next;
            cur_reg <= cur_next;
            state_reg <= state_next;
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
assign m_nh = nh_reg;
assign m_cur = cur_reg;
assign m_state = state_reg;
assign m_side = side_reg;

endmodule

`resetall
