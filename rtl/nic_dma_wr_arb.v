`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * DMA write arbiter: several burst sources share the host write port.
 *
 * A source presents beats (aligned address, data, strobes, last); a burst is
 * the run of beats up to and including the one with last set. The grant is
 * held for a whole burst and moves round-robin (rr_arb) between bursts,
 * starting the search at the source after the one granted last, so every source with a
 * burst waiting is served within one round. The output is a register with a
 * skid register behind it: the sources' ready depends on registers only (not
 * on the host's ready), and a beat moves every cycle the host takes one (no
 * bubble between bursts).
 *
 * Each beat carries a sideband (USER_WIDTH bits) that leaves with it; the top
 * level uses it to raise completion events when a completion's last beat is
 * accepted by the host.
 */
module nic_dma_wr_arb #
(
    // Width of the write data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of the byte strobes (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Number of burst sources (2..8)
    parameter PORTS = 2,
    // Width of the per-beat sideband
    parameter USER_WIDTH = 9,
    // Width of a source index
    parameter PORT_WIDTH = $clog2(PORTS)
)
(
    /*
     * Clock/reset
     */
    input  wire                          clk,
    input  wire                          rst,

    /*
     * Sources, source i in slice i of each bus
     */
    input  wire [PORTS-1:0]              s_wr_valid,
    output wire [PORTS-1:0]              s_wr_ready,
    input  wire [PORTS*64-1:0]           s_wr_addr,
    input  wire [PORTS*DATA_WIDTH-1:0]   s_wr_data,
    input  wire [PORTS*KEEP_WIDTH-1:0]   s_wr_strb,
    input  wire [PORTS-1:0]              s_wr_last,
    input  wire [PORTS*USER_WIDTH-1:0]   s_wr_user,

    /*
     * Host write port
     */
    output wire                          m_wr_valid,
    input  wire                          m_wr_ready,
    output wire [63:0]                   m_wr_addr,
    output wire [DATA_WIDTH-1:0]         m_wr_data,
    output wire [KEEP_WIDTH-1:0]         m_wr_strb,
    output wire                          m_wr_last,
    output wire [USER_WIDTH-1:0]         m_wr_user,

    /*
     * Status
     */
    output wire                          busy
);

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH ||
            PORTS < 2 || PORTS > 8 || PORT_WIDTH != $clog2(PORTS) || USER_WIDTH < 1) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_dma_wr_arb: bad DATA_WIDTH/KEEP_WIDTH/PORTS/USER_WIDTH");
`endif
        initial $fatal(1, "nic_dma_wr_arb: bad DATA_WIDTH/KEEP_WIDTH/PORTS/USER_WIDTH");
    end
endgenerate

reg                   out_valid_reg = 1'b0;
reg [63:0]            out_addr_reg = 64'd0;
reg [DATA_WIDTH-1:0]  out_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0]  out_strb_reg = {KEEP_WIDTH{1'b0}};
reg                   out_last_reg = 1'b0;
reg [USER_WIDTH-1:0]  out_user_reg = {USER_WIDTH{1'b0}};

reg                   sk_valid_reg = 1'b0;
reg [63:0]            sk_addr_reg = 64'd0;
reg [DATA_WIDTH-1:0]  sk_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0]  sk_strb_reg = {KEEP_WIDTH{1'b0}};
reg                   sk_last_reg = 1'b0;
reg [USER_WIDTH-1:0]  sk_user_reg = {USER_WIDTH{1'b0}};

// source granted last, and whether it is in the middle of a burst
reg [PORT_WIDTH-1:0]  cur_reg = {PORT_WIDTH{1'b0}};
reg                   lock_reg = 1'b0;

// the output register moves on (to the host) this cycle, or is empty
wire out_move = !out_valid_reg || m_wr_ready;

/*
 * Grant: the locked source, else the first valid source after cur_reg
 */
wire [PORT_WIDTH-1:0] rr_grant;
wire                  rr_grant_valid;

// no requests while a burst holds the grant (the arbiter then has nothing to evaluate)
wire [PORTS-1:0]      rr_req = lock_reg ? {PORTS{1'b0}} : s_wr_valid;

rr_arb #(
    .PORTS(PORTS),
    .PORT_WIDTH(PORT_WIDTH)
)
burst_arb_inst (
    .req(rr_req),
    .last(cur_reg),
    .grant_valid(rr_grant_valid),
    .grant(rr_grant)
);

wire [PORT_WIDTH-1:0] sel = lock_reg ? cur_reg : rr_grant;
wire                  sel_valid = lock_reg ? s_wr_valid[cur_reg] : rr_grant_valid;

wire take = !sk_valid_reg && sel_valid;

genvar g;
generate
    for (g = 0; g < PORTS; g = g + 1) begin : g_ready
        assign s_wr_ready[g] = !sk_valid_reg && sel_valid && sel == g;
    end
endgenerate

integer p;

always @(posedge clk) begin
    if (out_move) begin
        if (sk_valid_reg) begin
            out_valid_reg <= 1'b1;
            out_addr_reg <= sk_addr_reg;
            out_data_reg <= sk_data_reg;
            out_strb_reg <= sk_strb_reg;
            out_last_reg <= sk_last_reg;
            out_user_reg <= sk_user_reg;
            sk_valid_reg <= 1'b0;
        end else if (!take) begin
            out_valid_reg <= 1'b0;
        end
    end

    if (take) begin
        cur_reg <= sel;
        lock_reg <= !s_wr_last[sel];
        if (out_move) begin
            out_valid_reg <= 1'b1;
            out_last_reg <= s_wr_last[sel];
        end else begin
            sk_valid_reg <= 1'b1;
            sk_last_reg <= s_wr_last[sel];
        end
        for (p = 0; p < PORTS; p = p + 1) begin
            if (sel == p[PORT_WIDTH-1:0]) begin
                if (out_move) begin
                    out_addr_reg <= s_wr_addr[p*64 +: 64];
                    out_data_reg <= s_wr_data[p*DATA_WIDTH +: DATA_WIDTH];
                    out_strb_reg <= s_wr_strb[p*KEEP_WIDTH +: KEEP_WIDTH];
                    out_user_reg <= s_wr_user[p*USER_WIDTH +: USER_WIDTH];
                end else begin
                    sk_addr_reg <= s_wr_addr[p*64 +: 64];
                    sk_data_reg <= s_wr_data[p*DATA_WIDTH +: DATA_WIDTH];
                    sk_strb_reg <= s_wr_strb[p*KEEP_WIDTH +: KEEP_WIDTH];
                    sk_user_reg <= s_wr_user[p*USER_WIDTH +: USER_WIDTH];
                end
            end
        end
    end

    if (rst) begin
        out_valid_reg <= 1'b0;
        sk_valid_reg <= 1'b0;
        cur_reg <= {PORT_WIDTH{1'b0}};
        lock_reg <= 1'b0;
    end
end

assign m_wr_valid = out_valid_reg;
assign m_wr_addr = out_addr_reg;
assign m_wr_data = out_data_reg;
assign m_wr_strb = out_strb_reg;
assign m_wr_last = out_last_reg;
assign m_wr_user = out_user_reg;

assign busy = out_valid_reg || sk_valid_reg || lock_reg;

endmodule

`resetall
