`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Transmit multiplexer: two AXI-stream frame sources onto the line, switched
 * only at frame boundaries.
 *
 *   s0_axis_*  host frames (nic_dma_tx)
 *   s1_axis_*  frames the NIC makes itself (toe_ack)
 *
 * Between frames the mux grants the next frame to the source that has a
 * beat waiting; when both do, to the one not granted last (round robin), so
 * two sources that stream continuously alternate frame by frame. The grant
 * holds until the granted frame's tlast beat is taken.
 *
 * One output register stage (m_axis_* are registered); an input beat is
 * taken whenever the register is empty or being emptied, so a source that
 * streams back-to-back frames keeps the line busy with no bubble cycle, and
 * the switch to the other source at a frame end costs no cycle either.
 */
module tx_mux #
(
    // Width of the data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8
)
(
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s0_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s0_axis_tkeep,
    input  wire                   s0_axis_tvalid,
    output wire                   s0_axis_tready,
    input  wire                   s0_axis_tlast,

    input  wire [DATA_WIDTH-1:0]  s1_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s1_axis_tkeep,
    input  wire                   s1_axis_tvalid,
    output wire                   s1_axis_tready,
    input  wire                   s1_axis_tlast,

    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,

    output wire                   busy
);

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_bad_param
`ifdef VERILATOR
        $error("tx_mux: DATA_WIDTH must be a power of two 64..512 and KEEP_WIDTH = DATA_WIDTH/8");
`endif
        initial $fatal(1, "tx_mux: bad DATA_WIDTH/KEEP_WIDTH");
    end
endgenerate

reg                  lock_reg = 1'b0;   // inside a frame of source sel_reg
reg                  sel_reg = 1'b0;    // granted source (the last one between frames)

reg [DATA_WIDTH-1:0] o_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] o_keep_reg = {KEEP_WIDTH{1'b0}};
reg                  o_valid_reg = 1'b0;
reg                  o_last_reg = 1'b0;

wire out_free = !o_valid_reg || m_axis_tready;

// source of the next beat: the locked one, else round robin among the waiting
wire sel = lock_reg ? sel_reg :
           (s0_axis_tvalid && s1_axis_tvalid) ? !sel_reg : s1_axis_tvalid;
wire in_valid = sel ? s1_axis_tvalid : s0_axis_tvalid;
wire in_last = sel ? s1_axis_tlast : s0_axis_tlast;
wire take = out_free && in_valid;

assign s0_axis_tready = out_free && !sel;
assign s1_axis_tready = out_free && sel;

always @(posedge clk) begin
    if (take) begin
        o_data_reg <= sel ? s1_axis_tdata : s0_axis_tdata;
        o_keep_reg <= sel ? s1_axis_tkeep : s0_axis_tkeep;
        o_last_reg <= in_last;
    end
end

always @(posedge clk) begin
    if (take) begin
        sel_reg <= sel;
        lock_reg <= !in_last;
    end
    if (out_free)
        o_valid_reg <= in_valid;

    if (rst) begin
        lock_reg <= 1'b0;
        sel_reg <= 1'b0;
        o_valid_reg <= 1'b0;
    end
end

assign m_axis_tdata = o_data_reg;
assign m_axis_tkeep = o_keep_reg;
assign m_axis_tvalid = o_valid_reg;
assign m_axis_tlast = o_last_reg;
assign busy = o_valid_reg || lock_reg;

endmodule

`resetall
