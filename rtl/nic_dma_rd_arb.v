`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * DMA read arbiter: several requesters share the host read-request port and
 * the read-completion port.
 *
 * Requests are granted round-robin by rr_arb (the search starts at the
 * requester after the one granted last). Each granted request takes a tag from a pool of
 * READ_TAGS tags: tags never used yet come from a counter, released tags from
 * a small FIFO, so allocation and release are O(1). The requester's context
 * word (CTX_WIDTH bits, its own meaning) and its index are stored per tag.
 *
 * Completion beats are routed by tag to the owning requester, which sees its
 * context word with every beat; the requester's ready is passed back to the
 * host. The tag returns to the pool with the request's last beat. Beats of a
 * request are never interleaved with another's (host contract), so a
 * requester can track a request with one set of registers.
 *
 * The request output is a register with a skid register behind it, so the
 * requesters' ready depends on registers only (not on the host's ready) and
 * a request can be taken every cycle.
 */
module nic_dma_rd_arb #
(
    // Width of the completion data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Number of requesters (2..8)
    parameter PORTS = 3,
    // Width of a requester index
    parameter PORT_WIDTH = $clog2(PORTS),
    // Width of the per-request context word returned with the completion
    parameter CTX_WIDTH = 16,
    // Tags in the pool (power of two, 2..256): reads outstanding at most
    parameter READ_TAGS = 32
)
(
    /*
     * Clock/reset
     */
    input  wire                         clk,
    input  wire                         rst,

    /*
     * Requesters, requester i in slice i of each bus
     */
    input  wire [PORTS-1:0]             s_req_valid,
    output wire [PORTS-1:0]             s_req_ready,
    input  wire [PORTS*64-1:0]          s_req_addr,
    input  wire [PORTS*13-1:0]          s_req_len,
    input  wire [PORTS*CTX_WIDTH-1:0]   s_req_ctx,

    /*
     * Completions towards the requesters (data, context and last shared)
     */
    output wire [PORTS-1:0]             m_cpl_valid,
    input  wire [PORTS-1:0]             m_cpl_ready,
    output wire [DATA_WIDTH-1:0]        m_cpl_data,
    output wire [CTX_WIDTH-1:0]         m_cpl_ctx,
    output wire                         m_cpl_last,

    /*
     * Host read-request port
     */
    output wire                         m_dma_rd_req_valid,
    input  wire                         m_dma_rd_req_ready,
    output wire [63:0]                  m_dma_rd_req_addr,
    output wire [12:0]                  m_dma_rd_req_len,
    output wire [7:0]                   m_dma_rd_req_tag,

    /*
     * Host read-completion port
     */
    input  wire                         s_dma_rd_cpl_valid,
    output wire                         s_dma_rd_cpl_ready,
    input  wire [DATA_WIDTH-1:0]        s_dma_rd_cpl_data,
    input  wire [7:0]                   s_dma_rd_cpl_tag,
    input  wire                         s_dma_rd_cpl_last,

    /*
     * Status
     */
    output wire                         busy
);

// tag index bits
localparam TAG_WIDTH = $clog2(READ_TAGS);

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            PORTS < 2 || PORTS > 8 ||
            PORT_WIDTH != $clog2(PORTS) || CTX_WIDTH < 1 ||
            READ_TAGS < 2 || READ_TAGS > 256 || (1 << TAG_WIDTH) != READ_TAGS) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_dma_rd_arb: bad DATA_WIDTH/PORTS/CTX_WIDTH/READ_TAGS");
`endif
        initial $fatal(1, "nic_dma_rd_arb: bad DATA_WIDTH/PORTS/CTX_WIDTH/READ_TAGS");
    end
endgenerate

/*
 * Tag pool
 */
reg [PORT_WIDTH-1:0] owner_mem [0:READ_TAGS-1];
reg [CTX_WIDTH-1:0]  ctx_mem [0:READ_TAGS-1];
reg [TAG_WIDTH-1:0]  free_mem [0:READ_TAGS-1];

// released tags: FIFO pointers with a wrap bit
reg [TAG_WIDTH:0]    free_wr_reg = {TAG_WIDTH+1{1'b0}};
reg [TAG_WIDTH:0]    free_rd_reg = {TAG_WIDTH+1{1'b0}};
// tags [fresh_reg, READ_TAGS) have never been handed out
reg [TAG_WIDTH:0]    fresh_reg = {TAG_WIDTH+1{1'b0}};
// tags in use
reg [TAG_WIDTH:0]    used_reg = {TAG_WIDTH+1{1'b0}};

wire                 fresh_left = !fresh_reg[TAG_WIDTH];
wire                 tag_avail = fresh_left || free_wr_reg != free_rd_reg;
wire [TAG_WIDTH-1:0] new_tag = fresh_left ? fresh_reg[TAG_WIDTH-1:0] :
                                            free_mem[free_rd_reg[TAG_WIDTH-1:0]];

/*
 * Request grant
 */
reg                  rq_valid_reg = 1'b0;
reg [63:0]           rq_addr_reg = 64'd0;
reg [12:0]           rq_len_reg = 13'd0;
reg [TAG_WIDTH-1:0]  rq_tag_reg = {TAG_WIDTH{1'b0}};
reg                  sk_valid_reg = 1'b0;
reg [63:0]           sk_addr_reg = 64'd0;
reg [12:0]           sk_len_reg = 13'd0;
reg [TAG_WIDTH-1:0]  sk_tag_reg = {TAG_WIDTH{1'b0}};
reg [PORT_WIDTH-1:0] last_reg = {PORT_WIDTH{1'b0}};

wire [PORT_WIDTH-1:0] sel;
wire                 sel_valid;
reg [63:0]           sel_addr;
reg [12:0]           sel_len;
reg [CTX_WIDTH-1:0]  sel_ctx;
integer              i;

rr_arb #(
    .PORTS(PORTS),
    .PORT_WIDTH(PORT_WIDTH)
)
req_arb_inst (
    .req(s_req_valid),
    .last(last_reg),
    .grant_valid(sel_valid),
    .grant(sel)
);

always @* begin
    // the granted requester's request
    sel_addr = 64'd0;
    sel_len = 13'd0;
    sel_ctx = {CTX_WIDTH{1'b0}};
    if (s_req_valid != {PORTS{1'b0}}) begin
        for (i = 0; i < PORTS; i = i + 1) begin
            if (sel == i[PORT_WIDTH-1:0]) begin
                sel_addr = s_req_addr[i*64 +: 64];
                sel_len = s_req_len[i*13 +: 13];
                sel_ctx = s_req_ctx[i*CTX_WIDTH +: CTX_WIDTH];
            end
        end
    end
end

// a request goes to the output register or, while that one waits, to the skid register
wire take = sel_valid && tag_avail && !sk_valid_reg;
wire out_move = !rq_valid_reg || m_dma_rd_req_ready;

genvar g;
generate
    for (g = 0; g < PORTS; g = g + 1) begin : g_ready
        assign s_req_ready[g] = take && sel == g;
    end
endgenerate

/*
 * Completion routing
 */
// tags above the pool size are never handed out
/* verilator lint_off UNUSEDSIGNAL */
wire [7:0]           cpl_tag_full = s_dma_rd_cpl_tag;
/* verilator lint_on UNUSEDSIGNAL */
wire [TAG_WIDTH-1:0] cpl_tag = cpl_tag_full[TAG_WIDTH-1:0];
wire [PORT_WIDTH-1:0] cpl_owner = owner_mem[cpl_tag];
wire                 cpl_fire = s_dma_rd_cpl_valid && m_cpl_ready[cpl_owner];
wire                 release_tag = cpl_fire && s_dma_rd_cpl_last;

generate
    for (g = 0; g < PORTS; g = g + 1) begin : g_cpl
        assign m_cpl_valid[g] = s_dma_rd_cpl_valid && cpl_owner == g;
    end
endgenerate

assign m_cpl_data = s_dma_rd_cpl_data;
assign m_cpl_ctx = ctx_mem[cpl_tag];
assign m_cpl_last = s_dma_rd_cpl_last;
assign s_dma_rd_cpl_ready = m_cpl_ready[cpl_owner];

always @(posedge clk) begin
    if (out_move) begin
        if (sk_valid_reg) begin
            rq_valid_reg <= 1'b1;
            rq_addr_reg <= sk_addr_reg;
            rq_len_reg <= sk_len_reg;
            rq_tag_reg <= sk_tag_reg;
            sk_valid_reg <= 1'b0;
        end else if (!take) begin
            rq_valid_reg <= 1'b0;
        end
    end

    if (take) begin
        last_reg <= sel;
        owner_mem[new_tag] <= sel;
        if (out_move) begin
            rq_valid_reg <= 1'b1;
            rq_tag_reg <= new_tag;
        end else begin
            sk_valid_reg <= 1'b1;
            sk_tag_reg <= new_tag;
        end
        if (out_move) begin
            rq_addr_reg <= sel_addr;
            rq_len_reg <= sel_len;
        end else begin
            sk_addr_reg <= sel_addr;
            sk_len_reg <= sel_len;
        end
        ctx_mem[new_tag] <= sel_ctx;
        if (fresh_left) begin
            fresh_reg <= fresh_reg + 1'b1;
        end else begin
            free_rd_reg <= free_rd_reg + 1'b1;
        end
    end

    if (release_tag) begin
        free_mem[free_wr_reg[TAG_WIDTH-1:0]] <= cpl_tag;
        free_wr_reg <= free_wr_reg + 1'b1;
    end

    if (take && !release_tag) begin
        used_reg <= used_reg + 1'b1;
    end else if (!take && release_tag) begin
        used_reg <= used_reg - 1'b1;
    end

    if (rst) begin
        rq_valid_reg <= 1'b0;
        sk_valid_reg <= 1'b0;
        last_reg <= {PORT_WIDTH{1'b0}};
        free_wr_reg <= {TAG_WIDTH+1{1'b0}};
        free_rd_reg <= {TAG_WIDTH+1{1'b0}};
        fresh_reg <= {TAG_WIDTH+1{1'b0}};
        used_reg <= {TAG_WIDTH+1{1'b0}};
    end
end

assign m_dma_rd_req_valid = rq_valid_reg;
assign m_dma_rd_req_addr = rq_addr_reg;
assign m_dma_rd_req_len = rq_len_reg;
assign m_dma_rd_req_tag = {{8-TAG_WIDTH{1'b0}}, rq_tag_reg};

assign busy = rq_valid_reg || sk_valid_reg || used_reg != {TAG_WIDTH+1{1'b0}};

endmodule

`resetall
