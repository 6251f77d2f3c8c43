`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Descriptor prefetch for a set of descriptor rings (one per queue).
 *
 * Per queue the driver programs a ring (base, log2 entries), writes the tail
 * doorbell (free-running 16-bit producer counter) and the enable bit. Four
 * free-running 16-bit counters track the descriptors of a queue:
 *
 *   head <= rd <= fetch <= tail
 *     head   committed: consumed by finished frames (register 0x10)
 *     rd     speculative read position of the consumer
 *     fetch  next descriptor to request from host memory
 *
 * Descriptors [head, fetch) occupy the queue's DEPTH on-chip slots (slot =
 * counter mod DEPTH); a slot's valid bit is set when its data has arrived and
 * cleared on commit. A consumer pops at rd, then either commits (head = rd:
 * the descriptors are used up) or rewinds (rd = head: a dropped frame gives
 * its descriptors back). A frame can therefore hold at most DEPTH
 * descriptors at once (m_cons_room).
 *
 * Fetching: a queue is marked for a look when its tail, enable or ring
 * registers are written, when it commits, when a pop takes its last
 * descriptor on chip, and on the rising edge of the global enable. The look
 * (one queue at a time, round-robin over marked queues) requests
 * n = min(tail - fetch, free slots, entries up to the ring's
 * wrap) descriptors in one read of 16 n bytes, when at least FETCH_MIN slots
 * are free, or when all of the host's descriptors fit, or when the consumer
 * has nothing left on chip. Several reads of one queue may be outstanding;
 * their data lands in the slots reserved at request time, in any order.
 * A queue that fetched stays marked, so a fetch cut short by the ring's wrap
 * is followed up at once.
 *
 * Descriptors are stored as raw 16-byte values (byte 0 in bits 7:0).
 * Completion data: byte 0 of the read in bits 7:0 of the first beat; at 64
 * bits a descriptor takes two beats, at 128 bits and above a beat carries
 * DATA_WIDTH/128 descriptors, written one per cycle (the completion port is
 * held off meanwhile). m_cons_wake pulses after a descriptor has been
 * written, so a consumer that found its queue empty knows when to look again.
 *
 * Simulation cost: the consumer view is computed only when the consumer asks
 * (s_cons_req), the queue pick only while queues are marked, the look only
 * during a look.
 *
 * Register sub-port (word offsets within the queue's block): 0 base low,
 * 1 base high, 2 log2 entries, 3 tail, 4 head (RO), 11 enable (bit 0). Read
 * data is registered and zero for other offsets and other blocks.
 */
module nic_desc_fetch #
(
    // Width of the completion data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Number of queues (1..64)
    parameter NUM_Q = 16,
    // Width of a queue index
    parameter Q_WIDTH = NUM_Q > 1 ? $clog2(NUM_Q) : 1,
    // Descriptors held on chip per queue, fetched or being fetched (power of two, 2..16)
    parameter DEPTH = 8,
    // Free slots that trigger a fetch (1..DEPTH); small values keep several short reads
    // of one queue in flight, which hides read latency at high frame rates
    parameter FETCH_MIN = 2,
    // Width of the read context word (at least Q_WIDTH + log2(DEPTH) + log2(DEPTH) + 1)
    parameter CTX_WIDTH = 16
)
(
    /*
     * Clock/reset
     */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Configuration
     */
    input  wire                  cfg_enable,

    /*
     * Register sub-port
     */
    input  wire                  s_csr_wr,
    input  wire                  s_csr_rd,
    input  wire                  s_csr_sel,
    input  wire [7:0]            s_csr_idx,
    input  wire [3:0]            s_csr_off,
    input  wire [31:0]           s_csr_wdata,
    output wire [31:0]           m_csr_rdata,

    /*
     * Consumer (one at a time, queue selected by s_cons_q)
     */
    input  wire [Q_WIDTH-1:0]    s_cons_q,
    input  wire                  s_cons_req,    // the outputs below are wanted this cycle
    output wire                  m_cons_avail,  // enabled and rd != tail
    output wire                  m_cons_valid,  // descriptor at rd is on chip
    output wire                  m_cons_room,   // rd - head < DEPTH: another pop can be served
    output wire                  m_cons_wake,   // a descriptor arrived on chip (any queue)
    output wire [127:0]          m_cons_desc,
    output wire [15:0]           m_cons_ctr,    // counter value rd
    input  wire                  s_cons_pop,
    input  wire                  s_cons_commit, // head = rd (+1 with a pop in the same cycle)
    input  wire                  s_cons_rewind, // rd = head

    /*
     * Read requests and completions
     */
    output wire                  m_rd_req_valid,
    input  wire                  m_rd_req_ready,
    output wire [63:0]           m_rd_req_addr,
    output wire [12:0]           m_rd_req_len,
    output wire [CTX_WIDTH-1:0]  m_rd_req_ctx,

    input  wire                  s_rd_cpl_valid,
    output wire                  s_rd_cpl_ready,
    input  wire [DATA_WIDTH-1:0] s_rd_cpl_data,
    input  wire [CTX_WIDTH-1:0]  s_rd_cpl_ctx,
    input  wire                  s_rd_cpl_last,

    /*
     * Status
     */
    output wire                  busy
);

// queues provided for (power of two; indices >= NUM_Q are never selected)
localparam QN = 1 << Q_WIDTH;
// slot index bits
localparam SW = $clog2(DEPTH);
// descriptor count bits (0..DEPTH)
localparam CW = SW + 1;
// context bits used: queue, first slot, count
localparam CTX_USED = Q_WIDTH + SW + CW;
// descriptors per completion beat (0 at 64 bits: two beats per descriptor)
localparam DPB = DATA_WIDTH / 128;
// reads in flight at most (each holds at least one of the QN * DEPTH slots), and its counter
localparam PEND_WIDTH = $clog2(QN * DEPTH + 1);
// descriptors of one read found in one beat at most
localparam DPB_READ = DPB < DEPTH ? DPB : DEPTH;

// register word offsets
localparam [3:0] R_BASE_LO = `NIC_Q_DESC_LO_W;
localparam [3:0] R_BASE_HI = `NIC_Q_DESC_HI_W;
localparam [3:0] R_LOG2 = `NIC_Q_DESC_LOG2_W;
localparam [3:0] R_TAIL = `NIC_Q_TAIL_W;
localparam [3:0] R_HEAD = `NIC_Q_HEAD_W;
localparam [3:0] R_ENABLE = `NIC_Q_ENABLE_W;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            NUM_Q < 1 || NUM_Q > 64 || (NUM_Q > 1 && Q_WIDTH != $clog2(NUM_Q)) ||
            (NUM_Q == 1 && Q_WIDTH != 1) || DEPTH < 2 || DEPTH > 16 ||
            (1 << SW) != DEPTH || FETCH_MIN < 1 || FETCH_MIN > DEPTH ||
            CTX_WIDTH < CTX_USED) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_desc_fetch: bad DATA_WIDTH/NUM_Q/Q_WIDTH/DEPTH/FETCH_MIN/CTX_WIDTH");
`endif
        initial $fatal(1, "nic_desc_fetch: bad DATA_WIDTH/NUM_Q/Q_WIDTH/DEPTH/FETCH_MIN/CTX_WIDTH");
    end
endgenerate

// a queue's ring registers with one register written
function [83:0] ring_write;
    input [83:0] ring;
    input [3:0]  off;
    input [31:0] data;
    begin
        ring_write = ring;
        case (off)
            R_BASE_LO: ring_write[31:0] = data;
            R_BASE_HI: ring_write[63:32] = data;
            R_LOG2: ring_write[67:64] = data[3:0];
            default: ring_write[83:68] = data[15:0];
        endcase
    end
endfunction

// valid bits of a queue with the slots of [head, head + cnt) cleared
function [DEPTH-1:0] clear_slots;
    input [DEPTH-1:0] vld;
    input [SW-1:0]    first;
    input [CW-1:0]    cnt;
    integer k;
    reg [SW-1:0] rel;
    begin
        clear_slots = vld;
        for (k = 0; k < DEPTH; k = k + 1) begin
            rel = k[SW-1:0] - first;
            if ({1'b0, rel} < cnt) begin
                clear_slots[k] = 1'b0;
            end
        end
    end
endfunction

/*
 * Per-queue state
 */
// registers the driver writes, one entry per queue:
// {tail[15:0], log2[3:0], base high[31:0], base low[31:0]}
reg [83:0]       ring_mem [0:QN-1];
reg [15:0]       head_mem [0:QN-1];
reg [15:0]       rd_mem [0:QN-1];
reg [15:0]       fetch_mem [0:QN-1];
reg [DEPTH-1:0]  vld_mem [0:QN-1];
reg [QN-1:0]     qen_reg = {QN{1'b0}};
reg [127:0]      desc_mem [0:QN*DEPTH-1];

reg [QN-1:0]     mark_reg = {QN{1'b0}};
reg              cfg_enable_d_reg = 1'b0;

/*
 * Consumer view (evaluated only when the consumer asks) and its updates
 * (evaluated only on a pop, commit or rewind)
 */
// the consumer's queue
wire [15:0]      q_rd = rd_mem[s_cons_q];
wire [15:0]      q_tail = ring_mem[s_cons_q][83:68];
wire [15:0]      q_fetch = fetch_mem[s_cons_q];
wire [15:0]      q_head = head_mem[s_cons_q];
wire [DEPTH-1:0] q_vld = vld_mem[s_cons_q];
wire [127:0]     q_desc = desc_mem[{s_cons_q, q_rd[SW-1:0]}];

reg [15:0]       c_rd;
reg              c_avail;
reg              c_valid;
reg              c_room;
reg [127:0]      c_desc;

always @* begin
    c_rd = 16'd0;
    c_avail = 1'b0;
    c_valid = 1'b0;
    c_room = 1'b0;
    c_desc = 128'd0;

    if (s_cons_req) begin
        c_rd = q_rd;
        c_avail = cfg_enable && qen_reg[s_cons_q] && q_tail != q_rd;
        c_valid = q_rd != q_fetch && q_vld[q_rd[SW-1:0]];
        c_room = q_rd - q_head < DEPTH[15:0];
        if (c_valid) begin
            c_desc = q_desc;
        end
    end
end

reg [15:0]       c_head;
reg [DEPTH-1:0]  c_vld;
reg [15:0]       c_rd_next;
reg [CW-1:0]     c_commit_cnt;

always @* begin
    c_head = 16'd0;
    c_vld = {DEPTH{1'b0}};
    c_rd_next = 16'd0;
    c_commit_cnt = {CW{1'b0}};

    if (s_cons_pop || s_cons_commit || s_cons_rewind) begin
        c_head = q_head;
        c_vld = q_vld;
        c_rd_next = q_rd + {15'd0, s_cons_pop};
        c_commit_cnt = c_rd_next[CW-1:0] - c_head[CW-1:0];
    end
end

assign m_cons_avail = c_avail;
assign m_cons_valid = c_valid;
assign m_cons_desc = c_desc;
assign m_cons_ctr = c_rd;
assign m_cons_room = c_room;

/*
 * Fetch: pick a marked queue (F_PICK), look at it and maybe request (F_LOOK)
 */
reg              look_reg = 1'b0;
reg [Q_WIDTH-1:0] look_q_reg = {Q_WIDTH{1'b0}};
reg [Q_WIDTH-1:0] scan_reg = {Q_WIDTH{1'b0}};

reg              rq_valid_reg = 1'b0;
reg [63:0]       rq_addr_reg = 64'd0;
reg [12:0]       rq_len_reg = 13'd0;
reg [CTX_USED-1:0] rq_ctx_reg = {CTX_USED{1'b0}};

// requests issued and not yet completed
reg [PEND_WIDTH-1:0] pending_reg = {PEND_WIDTH{1'b0}};

wire             rq_free = !rq_valid_reg || m_rd_req_ready;

// first marked queue at or after scan_reg (round-robin: after scan_reg - 1);
// no pick during a look
wire [Q_WIDTH-1:0] pick_q;
wire              pick_any;
wire [QN-1:0]     pick_req = look_reg ? {QN{1'b0}} : mark_reg;

rr_arb #(
    .PORTS(QN),
    .PORT_WIDTH(Q_WIDTH)
)
queue_arb_inst (
    .req(pick_req),
    .last(scan_reg - 1'b1),
    .grant_valid(pick_any),
    .grant(pick_q)
);

// the look at queue look_q_reg
wire [15:0]      lq_fetch = fetch_mem[look_q_reg];
wire [15:0]      lq_tail = ring_mem[look_q_reg][83:68];
wire [15:0]      lq_head = head_mem[look_q_reg];
wire [15:0]      lq_rd = rd_mem[look_q_reg];
wire [3:0]       lq_log2 = ring_mem[look_q_reg][67:64];
wire [59:0]      lq_base = ring_mem[look_q_reg][63:4];

reg [15:0]       l_fetch;
reg [15:0]       l_host;
reg [15:0]       l_free;
reg [15:0]       l_idx;
reg [16:0]       l_n;
reg              l_go;

always @* begin
    l_fetch = 16'd0;
    l_host = 16'd0;
    l_free = 16'd0;
    l_idx = 16'd0;
    l_n = 17'd0;
    l_go = 1'b0;

    if (look_reg) begin
        l_fetch = lq_fetch;
        l_host = lq_tail - lq_fetch;
        l_free = DEPTH[15:0] - (lq_fetch - lq_head);
        l_idx = lq_fetch & ((16'd1 << lq_log2) - 16'd1);
        l_n = l_host < l_free ? {1'b0, l_host} : {1'b0, l_free};
        if ((17'd1 << lq_log2) - {1'b0, l_idx} < l_n) begin
            l_n = (17'd1 << lq_log2) - {1'b0, l_idx};
        end
        l_go = cfg_enable && qen_reg[look_q_reg] && l_n != 17'd0 &&
               (l_free >= FETCH_MIN[15:0] || l_host <= l_free || lq_rd == lq_fetch);
    end
end

/*
 * Completions: unpack descriptors into their slots. The descriptor to write
 * (dw_*) comes from registers in both variants.
 */
wire [Q_WIDTH-1:0] x_q;
wire [SW-1:0]    x_slot;
wire [CW-1:0]    x_n;

// context bits above the ones used here are zero
/* verilator lint_off UNUSEDSIGNAL */
wire [CTX_WIDTH-1:0] cpl_ctx_full = s_rd_cpl_ctx;
/* verilator lint_on UNUSEDSIGNAL */
assign {x_q, x_slot, x_n} = cpl_ctx_full[CTX_USED-1:0];

// a request in progress (first beat seen)
reg              cp_act_reg = 1'b0;
reg [Q_WIDTH-1:0] cp_q_reg = {Q_WIDTH{1'b0}};
reg [SW-1:0]     cp_slot_reg = {SW{1'b0}};

// descriptor written into desc_mem this cycle
wire             dw_en;
wire [Q_WIDTH-1:0] dw_q;
wire [SW-1:0]    dw_slot;
wire [127:0]     dw_data;

generate
    if (DATA_WIDTH == 64) begin : g_w64
        // two beats per descriptor: low half, then high half; the whole
        // descriptor is written in the cycle after its high half
        reg          half_reg = 1'b0;
        reg [63:0]   lo_reg = 64'd0;
        reg          dwr_valid_reg = 1'b0;
        reg [Q_WIDTH-1:0] dwr_q_reg = {Q_WIDTH{1'b0}};
        reg [SW-1:0] dwr_slot_reg = {SW{1'b0}};
        reg [127:0]  dwr_data_reg = 128'd0;

        always @(posedge clk) begin
            if (dwr_valid_reg) begin
                dwr_valid_reg <= 1'b0;
            end
            if (s_rd_cpl_valid) begin
                half_reg <= !half_reg;
                cp_act_reg <= !s_rd_cpl_last;
                if (!half_reg) begin
                    lo_reg <= s_rd_cpl_data;
                    if (!cp_act_reg) begin
                        cp_q_reg <= x_q;
                        cp_slot_reg <= x_slot;
                    end
                end else begin
                    dwr_valid_reg <= 1'b1;
                    dwr_q_reg <= cp_q_reg;
                    dwr_slot_reg <= cp_slot_reg;
                    dwr_data_reg <= {s_rd_cpl_data, lo_reg};
                    cp_slot_reg <= cp_slot_reg + 1'b1;
                end
            end
            if (rst) begin
                half_reg <= 1'b0;
                cp_act_reg <= 1'b0;
                dwr_valid_reg <= 1'b0;
            end
        end

        assign s_rd_cpl_ready = 1'b1;
        assign dw_en = dwr_valid_reg;
        assign dw_q = dwr_q_reg;
        assign dw_slot = dwr_slot_reg;
        assign dw_data = dwr_data_reg;

        // the descriptor count is not needed: every beat pair is one descriptor
        /* verilator lint_off UNUSEDSIGNAL */
        wire [CW-1:0] unused_n = x_n;
        /* verilator lint_on UNUSEDSIGNAL */
    end else begin : g_wide
        // a beat of up to DPB descriptors is written out one per cycle
        reg [DATA_WIDTH-1:0] ub_reg = {DATA_WIDTH{1'b0}};
        reg [CW-1:0]         ub_cnt_reg = {CW{1'b0}};
        reg [CW-1:0]         rem_reg = {CW{1'b0}};

        wire                 ub_write = ub_cnt_reg != {CW{1'b0}};
        wire                 cpl_fire = s_rd_cpl_valid && s_rd_cpl_ready;
        wire [CW-1:0]        rem_cur = cp_act_reg ? rem_reg : x_n;
        wire [CW-1:0]        take_n = rem_cur < DPB_READ[CW-1:0] ? rem_cur : DPB_READ[CW-1:0];

        always @(posedge clk) begin
            if (ub_write) begin
                ub_reg <= ub_reg >> 128;
                ub_cnt_reg <= ub_cnt_reg - 1'b1;
                cp_slot_reg <= cp_slot_reg + 1'b1;
            end
            if (cpl_fire) begin
                ub_reg <= s_rd_cpl_data;
                ub_cnt_reg <= take_n;
                rem_reg <= rem_cur - take_n;
                cp_act_reg <= !s_rd_cpl_last;
                if (!cp_act_reg) begin
                    cp_q_reg <= x_q;
                    cp_slot_reg <= x_slot;
                end else begin
                    cp_slot_reg <= cp_slot_reg + {{SW-1{1'b0}}, ub_write};
                end
            end
            if (rst) begin
                ub_cnt_reg <= {CW{1'b0}};
                cp_act_reg <= 1'b0;
            end
        end

        assign s_rd_cpl_ready = ub_cnt_reg <= {{CW-1{1'b0}}, 1'b1};
        assign dw_en = ub_write;
        assign dw_q = cp_q_reg;
        assign dw_slot = cp_slot_reg;
        assign dw_data = ub_reg[127:0];
    end
endgenerate

/*
 * State updates
 */
wire [Q_WIDTH-1:0] csr_q = s_csr_idx[Q_WIDTH-1:0];
wire             issue = look_reg && l_go && rq_free;

reg [31:0]       rdata_reg = 32'd0;
reg              wake_reg = 1'b0;

integer j;

always @(posedge clk) begin
    if (cfg_enable != cfg_enable_d_reg) begin
        cfg_enable_d_reg <= cfg_enable;
    end

    // fetch engine (marks: cleared when picked, set by the events listed above)
    if (!look_reg) begin
        if (pick_any) begin
            look_reg <= 1'b1;
            look_q_reg <= pick_q;
            scan_reg <= pick_q + 1'b1;
            mark_reg[pick_q] <= 1'b0;
        end
    end else if (!l_go || rq_free) begin
        look_reg <= 1'b0;
    end

    if (issue) begin
        rq_valid_reg <= 1'b1;
        rq_addr_reg <= {lq_base, 4'd0} +
                       {44'd0, l_idx, 4'd0};
        rq_len_reg <= {l_n[8:0], 4'd0};
        rq_ctx_reg <= {look_q_reg, l_fetch[SW-1:0], l_n[CW-1:0]};
        fetch_mem[look_q_reg] <= l_fetch + l_n[15:0];
        mark_reg[look_q_reg] <= 1'b1;
    end else if (rq_valid_reg && m_rd_req_ready) begin
        rq_valid_reg <= 1'b0;
    end

    if (issue || (s_rd_cpl_valid && s_rd_cpl_ready && s_rd_cpl_last)) begin
        pending_reg <= pending_reg + {{PEND_WIDTH-1{1'b0}}, issue} -
                       {{PEND_WIDTH-1{1'b0}}, s_rd_cpl_valid && s_rd_cpl_ready && s_rd_cpl_last};
    end

    // consumer
    if (s_cons_rewind) begin
        rd_mem[s_cons_q] <= c_head;
    end else if (s_cons_pop) begin
        rd_mem[s_cons_q] <= c_rd_next;
    end
    if (s_cons_commit) begin
        head_mem[s_cons_q] <= c_rd_next;
    end
    if (s_cons_commit || (s_cons_pop && c_rd_next == q_fetch)) begin
        mark_reg[s_cons_q] <= 1'b1;
    end

    // slot valid bits: commit clears, arriving data sets
    if (s_cons_commit) begin
        if (dw_en && dw_q == s_cons_q) begin
            vld_mem[s_cons_q] <= clear_slots(c_vld, c_head[SW-1:0], c_commit_cnt) |
                                 ({{DEPTH-1{1'b0}}, 1'b1} << dw_slot);
        end else begin
            vld_mem[s_cons_q] <= clear_slots(c_vld, c_head[SW-1:0], c_commit_cnt);
        end
    end
    if (dw_en) begin
        desc_mem[{dw_q, dw_slot}] <= dw_data;
        if (!(s_cons_commit && dw_q == s_cons_q)) begin
            vld_mem[dw_q] <= vld_mem[dw_q] | ({{DEPTH-1{1'b0}}, 1'b1} << dw_slot);
        end
    end
    if (wake_reg || dw_en) begin
        wake_reg <= dw_en;
    end

    // registers (a write to the ring, tail or enable marks the queue)
    if (s_csr_wr && s_csr_sel && s_csr_idx < NUM_Q[7:0]) begin
        case (s_csr_off)
            R_BASE_LO, R_BASE_HI, R_LOG2, R_TAIL: ring_mem[csr_q] <= ring_write(ring_mem[csr_q],
                                                                               s_csr_off,
                                                                               s_csr_wdata);
            R_ENABLE: qen_reg[csr_q] <= s_csr_wdata[0];
            default: ;
        endcase
        if (s_csr_off == R_BASE_LO || s_csr_off == R_BASE_HI || s_csr_off == R_LOG2 ||
                s_csr_off == R_TAIL || s_csr_off == R_ENABLE) begin
            mark_reg[csr_q] <= 1'b1;
        end
    end
    if (s_csr_rd) begin
        rdata_reg <= 32'd0;
        if (s_csr_sel && s_csr_idx < NUM_Q[7:0]) begin
            case (s_csr_off)
                R_BASE_LO: rdata_reg <= ring_mem[csr_q][31:0];
                R_BASE_HI: rdata_reg <= ring_mem[csr_q][63:32];
                R_LOG2: rdata_reg <= {28'd0, ring_mem[csr_q][67:64]};
                R_TAIL: rdata_reg <= {16'd0, ring_mem[csr_q][83:68]};
                R_HEAD: rdata_reg <= {16'd0, head_mem[csr_q]};
                R_ENABLE: rdata_reg <= {31'd0, qen_reg[csr_q]};
                default: rdata_reg <= 32'd0;
            endcase
        end
    end

    // RX DMA or TX enabled: every queue gets a look
    if (cfg_enable && !cfg_enable_d_reg) begin
        mark_reg <= {QN{1'b1}};
    end

    if (rst) begin
        cfg_enable_d_reg <= 1'b0;
        mark_reg <= {QN{1'b0}};
        look_reg <= 1'b0;
        scan_reg <= {Q_WIDTH{1'b0}};
        rq_valid_reg <= 1'b0;
        pending_reg <= {PEND_WIDTH{1'b0}};
        qen_reg <= {QN{1'b0}};
        rdata_reg <= 32'd0;
        wake_reg <= 1'b0;
        for (j = 0; j < QN; j = j + 1) begin
            ring_mem[j] <= 84'd0;
            head_mem[j] <= 16'd0;
            rd_mem[j] <= 16'd0;
            fetch_mem[j] <= 16'd0;
            vld_mem[j] <= {DEPTH{1'b0}};
        end
    end
end

assign m_rd_req_valid = rq_valid_reg;
assign m_rd_req_addr = rq_addr_reg;
assign m_rd_req_len = rq_len_reg;

generate
    if (CTX_WIDTH > CTX_USED) begin : g_ctx_pad
        assign m_rd_req_ctx = {{CTX_WIDTH-CTX_USED{1'b0}}, rq_ctx_reg};
    end else begin : g_ctx_exact
        assign m_rd_req_ctx = rq_ctx_reg;
    end
endgenerate

assign m_csr_rdata = rdata_reg;

assign m_cons_wake = wake_reg;

assign busy = look_reg || mark_reg != {QN{1'b0}} || rq_valid_reg ||
              pending_reg != {PEND_WIDTH{1'b0}} || dw_en;

endmodule

`resetall
