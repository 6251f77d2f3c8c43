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
 * On acceptance the block is registered (IDLE -> LOAD); each beat is then
 * assembled in a register one 32-bit lane word at a time (lane word u of a
 * beat carries block word k*BYTES/4 + u - offset/4, strobes set where that
 * is 0..47): in LOAD for the first beat, and as each beat is taken for the
 * next one, so beats leave back to back. No wide shift or temporary: the
 * logic is narrow and runs only while a block is written. The next block
 * is accepted in the cycle the last beat is taken (then one LOAD cycle).
 * m_blk_done is a one-cycle pulse in the cycle after the block's last beat
 * was taken (all of its bytes are then in the write path).
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
localparam WPB = BYTES / 4;             // 32-bit words per beat
localparam WPB_W = $clog2(WPB) + 1;     // holds a word offset 0..WPB-1 (and WPB >= 2)
localparam BLK_WORDS = 48;

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

localparam [1:0] S_IDLE = 2'd0, S_LOAD = 2'd1, S_SEND = 2'd2;

reg [1:0]            st_reg = S_IDLE;
reg                  done_reg = 1'b0;
reg [1535:0]         blk_reg = 1536'd0;
reg [63:0]           addr_reg = 64'd0;      // beat address
reg [7:0]            pos_reg = 8'd0;        // block word in lane word 0 of the next beat, + 64
reg [4:0]            left_reg = 5'd0;       // beats left after the current one

reg [DATA_WIDTH-1:0] od_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] os_reg = {KEEP_WIDTH{1'b0}};

wire act = st_reg == S_SEND;
wire final_beat = left_reg == 5'd0;
wire take = act && m_wr_ready;
wire take_blk = s_blk_valid && s_blk_ready;

assign s_blk_ready = st_reg == S_IDLE || (take && final_beat);

// word offset of the block in its first beat, and its beats - 1
wire [WPB_W-1:0] woff = {1'b0, s_blk_addr[LO_W-1:2]};
wire [7:0] off8 = {{(8-LO_W){1'b0}}, s_blk_addr[LO_W-1:2], 2'b00};
wire [7:0] last_byte = off8 + 8'd191;
wire [7:0] last_beat = last_byte >> LO_W;

// the next beat, one 32-bit lane word at a time: lane word u carries block
// word pos - 64 + u when that is 0..47 (pos is offset by 64 so it never
// goes negative); no wide temporaries
function in_blk(input [7:0] q);
    in_blk = q >= 8'd64 && q < 8'd64 + BLK_WORDS;
endfunction

function [31:0] lane_word(input [7:0] q);
    lane_word = in_blk(q) ? blk_reg[32*(q-8'd64) +: 32] : 32'd0;
endfunction

integer u;
always @(posedge clk) begin
    if (st_reg == S_LOAD || (take && !final_beat)) begin
        for (u = 0; u < WPB; u = u + 1) begin
            od_reg[32*u +: 32] <= lane_word(pos_reg + u[7:0]);
            os_reg[4*u +: 4] <= {4{in_blk(pos_reg + u[7:0])}};
        end
    end
end

always @(posedge clk) begin
    done_reg <= take && final_beat;
    case (st_reg)
        S_IDLE: if (take_blk) st_reg <= S_LOAD;
        S_LOAD: st_reg <= S_SEND;
        default: if (take) begin
            if (final_beat)
                st_reg <= take_blk ? S_LOAD : S_IDLE;
        end
    endcase

    if (take_blk) begin
        blk_reg <= s_blk_data;
        addr_reg <= {s_blk_addr[63:LO_W], {LO_W{1'b0}}};
        pos_reg <= 8'd64 - {{(8-WPB_W){1'b0}}, woff};
        left_reg <= last_beat[4:0];
    end else if (st_reg == S_LOAD) begin
        pos_reg <= pos_reg + WPB[7:0];
    end else if (take) begin
        pos_reg <= pos_reg + WPB[7:0];
        left_reg <= left_reg - 5'd1;
        addr_reg <= {addr_reg[63:LO_W] + {{(63-LO_W){1'b0}}, 1'b1}, {LO_W{1'b0}}};
    end

    if (rst) begin
        st_reg <= S_IDLE;
        done_reg <= 1'b0;
    end
end

// a beat ending at a 4 KiB boundary ends the burst
wire at_4k = addr_reg[11:LO_W] == {(12-LO_W){1'b1}};

/* verilator lint_off UNUSEDSIGNAL */
wire [1:0] unused_addr_bits = s_blk_addr[1:0];
wire [2:0] unused_last_beat = last_beat[7:5];
/* verilator lint_on UNUSEDSIGNAL */

assign m_blk_done = done_reg;
assign m_wr_valid = act;
assign m_wr_addr = addr_reg;
assign m_wr_data = od_reg;
assign m_wr_strb = os_reg;
assign m_wr_last = final_beat || at_4k;
assign m_wr_user = 9'd0;
assign busy = st_reg != S_IDLE || done_reg;

endmodule

`resetall
