`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * TOE result block writer: writes a 192-byte block (the UPLOAD/QUERY result,
 * 48 words) to host memory through a DMA write master.
 *
 * Word k of the block is s_blk_data[32k+31:32k], written little-endian at
 * s_blk_addr + 4k, so block byte j (s_blk_data[8j+7:8j]) lands at
 * s_blk_addr + j. The address is 4-byte aligned (bits 1:0 are ignored); it
 * need not be beat aligned.
 *
 * DMA write protocol (as nic_dma_rx's m_wr_*): each beat carries its
 * address, aligned down to the beat; byte lane i is written to
 * m_wr_addr + i when strobe i is set. m_wr_last ends a burst: at the block's
 * last beat and at every beat that ends at a 4 KiB boundary, so no burst
 * crosses one. m_wr_user is 0 (no interrupt event).
 *
 * On acceptance the block is shifted up by its offset within the first beat
 * (a 2-bit-aligned shift of at most BYTES-4 bytes) into a window register
 * that moves down one beat per beat taken; the strobes move along with it.
 * The next block is accepted in the cycle the last beat is taken. m_blk_done
 * is a one-cycle pulse in the cycle after the block's last beat was taken
 * (all of its bytes are then in the write path).
 */
module toe_blkwr #
(
    // Width of the data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of the write strobes (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * Block to write
     */
    input  wire                   s_blk_valid,
    output wire                   s_blk_ready,
    input  wire [63:0]            s_blk_addr,
    input  wire [1535:0]          s_blk_data,

    output wire                   m_blk_done,

    /*
     * DMA write master
     */
    output wire                   m_wr_valid,
    input  wire                   m_wr_ready,
    output wire [63:0]            m_wr_addr,
    output wire [DATA_WIDTH-1:0]  m_wr_data,
    output wire [KEEP_WIDTH-1:0]  m_wr_strb,
    output wire                   m_wr_last,
    output wire [8:0]             m_wr_user,

    output wire                   busy
);

localparam BYTES = DATA_WIDTH / 8;
localparam LO_W = $clog2(BYTES);
localparam BLK_BYTES = 192;
// window: the block behind up to BYTES-4 bytes of offset, rounded to beats
localparam WIN_BYTES = BLK_BYTES + BYTES;
localparam WIN_BITS = WIN_BYTES * 8;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_blkwr: DATA_WIDTH must be a power of two 64..512 and KEEP_WIDTH = DATA_WIDTH/8");
`endif
        initial $fatal(1, "toe_blkwr: bad DATA_WIDTH/KEEP_WIDTH");
    end
endgenerate

reg                  act_reg = 1'b0;
reg                  done_reg = 1'b0;
reg [63:0]           addr_reg = 64'd0;      // beat address
reg [WIN_BITS-1:0]   data_reg = {WIN_BITS{1'b0}};
reg [WIN_BYTES-1:0]  strb_reg = {WIN_BYTES{1'b0}};

// the last beat: no strobe beyond this one
wire final_beat = strb_reg[WIN_BYTES-1:BYTES] == {(WIN_BYTES-BYTES){1'b0}};
wire take = act_reg && m_wr_ready;
wire take_blk = s_blk_valid && s_blk_ready;

assign s_blk_ready = !act_reg || (m_wr_ready && final_beat);

// offset of the block in its first beat (a multiple of 4)
wire [LO_W-1:0] off = {s_blk_addr[LO_W-1:2], 2'b00};

always @(posedge clk) begin
    if (take_blk) begin
        data_reg <= {{BYTES*8{1'b0}}, s_blk_data} << {off, 3'b000};
        strb_reg <= {{BYTES{1'b0}}, {BLK_BYTES{1'b1}}} << off;
        addr_reg <= {s_blk_addr[63:LO_W], {LO_W{1'b0}}};
    end else if (take) begin
        data_reg <= data_reg >> DATA_WIDTH;
        strb_reg <= strb_reg >> BYTES;
        addr_reg <= {addr_reg[63:LO_W] + {{(63-LO_W){1'b0}}, 1'b1}, {LO_W{1'b0}}};
    end
end

always @(posedge clk) begin
    done_reg <= take && final_beat;
    if (take_blk)
        act_reg <= 1'b1;
    else if (take && final_beat)
        act_reg <= 1'b0;

    if (rst) begin
        act_reg <= 1'b0;
        done_reg <= 1'b0;
    end
end

// a beat ending at a 4 KiB boundary ends the burst
wire at_4k = addr_reg[11:LO_W] == {(12-LO_W){1'b1}};

/* verilator lint_off UNUSEDSIGNAL */
wire [1:0] unused_addr_bits = s_blk_addr[1:0];
/* verilator lint_on UNUSEDSIGNAL */

assign m_blk_done = done_reg;
assign m_wr_valid = act_reg;
assign m_wr_addr = addr_reg;
assign m_wr_data = data_reg[DATA_WIDTH-1:0];
assign m_wr_strb = strb_reg[KEEP_WIDTH-1:0];
assign m_wr_last = final_beat || at_4k;
assign m_wr_user = 9'd0;
assign busy = act_reg || done_reg;

endmodule

`resetall
