`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * NetDMA copy engine (I/OAT-style memory-to-memory DMA): CHANNELS channels,
 * each walking a chain of 64-byte descriptors (v2 chain + count scheme),
 * copying between host addresses of any alignment. Contract:
 * docs/hw-interface.md, "NetDMA copy engine"; values: rtl/nic_hw.h (NDMA_*).
 *
 * Issue side (one request per cycle):
 *   Per channel a small state machine: no descriptor / descriptor read in
 *   flight / descriptor being cut into chunks. The channels that want
 *   something (a descriptor read, a chunk or a token, below) are served
 *   round-robin (rr_arb), one grant per cycle, so channels interleave at
 *   chunk granularity. A chunk is at most CHUNK bytes of the source and never
 *   crosses a CHUNK-aligned source address (so a read never crosses 4 KiB).
 *   Every chunk takes a slot of the reorder buffer (SLOTS slots of CHUNK
 *   bytes; the slot number is the read tag); descriptor reads use the tags
 *   0x80 + channel and land in one shared 32-byte register, checked in the
 *   next cycle by one shared checker (errors, then the chunk state loads).
 *   Tokens are slots without data that keep their place in the slot order:
 *   the completion of a null descriptor, a halt (error or ABORT: with the
 *   error code) and a RESET.
 *
 * Write side (in slot order, so per channel in descriptor order):
 *   R: walks the slots: reads the chunk's beats from the reorder buffer as
 *      they arrive (registered read), or turns a token / the end of a
 *      descriptor's last chunk into a status-write or marker item. Slots of a
 *      channel being aborted or reset are dropped once their data is in.
 *   P: the funnel: places each beat's bytes at the destination's lane offset
 *      ({beat, 0} << 8 * lane), keeps the part that spills into the next beat
 *      and emits DATA_WIDTH-aligned beats with strobes; a chunk is its own
 *      burst (last on its final beat and before every 4 KiB boundary).
 *   O: the write port register. An item's completion event (descriptor
 *      completed, halt, reset) is applied to the channel registers when the
 *      item leaves O, i.e. after every earlier write was accepted.
 *
 * Interrupts: a channel becomes pending (a completion with NDMA_DC_INT, or a
 * halt) with deadline now + INTRDELAY_NS; pending channels wait in a FIFO in
 * the order they became pending (so its head has the earliest deadline),
 * exported as timer_armed / timer_deadline_ns. At the deadline the message is
 * sent when INTRCTRL bit 0 and the channel's CTRL bit 0 are set.
 *
 * Simulation cost: wide registers change only under enables (a beat read,
 * placed or accepted); idle is high when nothing is in flight or wanted.
 */
module netdma_top #
(
    // Data path width (64..512, a power of two)
    parameter DATA_WIDTH = 64,
    // Channels (1..16)
    parameter CHANNELS = 4,
    // Most bytes one descriptor may move (4096..2^30, a power of two)
    parameter XFERCAP = 65536
)
(
    input  wire                      clk,
    input  wire                      rst,

    /*
     * Register port (12-bit byte address; reads answer one cycle later)
     */
    input  wire [11:0]               s_csr_addr,
    input  wire [31:0]               s_csr_wdata,
    input  wire                      s_csr_wr,
    input  wire                      s_csr_rd,
    output wire [31:0]               s_csr_rdata,
    output wire                      s_csr_rvalid,

    /*
     * Time, for interrupt coalescing (may jump over idle time)
     */
    input  wire [63:0]               s_now_ns,
    output wire                      timer_armed,
    output wire [63:0]               timer_deadline_ns,

    /*
     * DMA read requests and completions
     */
    output wire                      m_dma_rd_req_valid,
    input  wire                      m_dma_rd_req_ready,
    output wire [63:0]               m_dma_rd_req_addr,
    output wire [12:0]               m_dma_rd_req_len,
    output wire [7:0]                m_dma_rd_req_tag,

    input  wire                      s_dma_rd_cpl_valid,
    output wire                      s_dma_rd_cpl_ready,
    input  wire [DATA_WIDTH-1:0]     s_dma_rd_cpl_data,
    input  wire [7:0]                s_dma_rd_cpl_tag,
    input  wire                      s_dma_rd_cpl_last,

    /*
     * DMA writes
     */
    output wire                      m_dma_wr_valid,
    input  wire                      m_dma_wr_ready,
    output wire [63:0]               m_dma_wr_addr,
    output wire [DATA_WIDTH-1:0]     m_dma_wr_data,
    output wire [DATA_WIDTH/8-1:0]   m_dma_wr_strb,
    output wire                      m_dma_wr_last,

    /*
     * Interrupt messages
     */
    output wire                      m_irq_valid,
    output wire [7:0]                m_irq_vector,

    /*
     * Status
     */
    output wire                      idle
);

localparam KW = DATA_WIDTH / 8;
localparam LO_W = $clog2(KW);
// chunk: 512 bytes, at least 32 beats at wide data paths
localparam CHUNK = KW * 32 > 512 ? KW * 32 : 512;
localparam CK_W = $clog2(CHUNK);
// reorder-buffer slots (= data read tags 0..SLOTS-1)
localparam SLOTS = 8;
localparam SL_W = 3;
// beats per slot
localparam BPS = CHUNK / KW;
localparam BP_W = $clog2(BPS);
localparam CW = CHANNELS > 1 ? $clog2(CHANNELS) : 1;
// descriptor beats holding the first 32 bytes
localparam DB = KW >= 32 ? 1 : 32 / KW;

// slot kinds
localparam [31:0] CHANNELS32 = CHANNELS;
localparam [31:0] XFERCAP32 = XFERCAP;
localparam [LO_W:0] EIGHT = 8;
localparam [4:0] NCH5 = CHANNELS[4:0];
localparam [CW:0] NCHW = CHANNELS[CW:0];
localparam [LO_W+1:0] KW_T = KW[LO_W+1:0];
localparam [63:0] KW64 = {32'd0, KW[31:0]};
localparam [3:0] DB4 = DB[3:0];

localparam [1:0] K_DATA = 2'd0;
localparam [1:0] K_CMPL = 2'd1;
localparam [1:0] K_HALT = 2'd2;
localparam [1:0] K_RESET = 2'd3;

// descriptor states
localparam [1:0] D_NONE = 2'd0;
localparam [1:0] D_WAIT = 2'd1;
localparam [1:0] D_RUN = 2'd2;

// write-side sequencer
localparam [2:0] RS_HEAD = 3'd0;
localparam [2:0] RS_DATA = 3'd1;
localparam [2:0] RS_DROP = 3'd2;
localparam [2:0] RS_CMPL = 3'd3;
localparam [2:0] RS_TOK = 3'd4;

// items into P
localparam [1:0] I_DATA = 2'd0;
localparam [1:0] I_STATUS = 2'd1;
localparam [1:0] I_MARK = 2'd2;

// events (applied when the item leaves O)
localparam [1:0] E_NONE = 2'd0;
localparam [1:0] E_CMPL = 2'd1;
localparam [1:0] E_HALT = 2'd2;
localparam [1:0] E_RESET = 2'd3;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            CHANNELS < 1 || CHANNELS > 16 || XFERCAP < 4096 || XFERCAP > (1 << 30) ||
            (1 << $clog2(XFERCAP)) != XFERCAP) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "netdma_top: bad DATA_WIDTH/CHANNELS/XFERCAP");
`endif
        initial $fatal(1, "netdma_top: bad DATA_WIDTH/CHANNELS/XFERCAP");
    end
endgenerate

// the first n lanes (n = 0..KW)
function [KW-1:0] lanes;
    input [LO_W:0] n;
    begin
        if (n[LO_W]) begin
            lanes = {KW{1'b1}};
        end else begin
            lanes = ~({KW{1'b1}} << n);
        end
    end
endfunction

// [a, a + n) inside [lo, hi)
function in_mem;
    input [63:0] a;
    input [32:0] n;
    input [63:0] lo;
    input [63:0] hi;
    reg   [64:0] e;
    begin
        e = {1'b0, a} + {32'd0, n};
        in_mem = a >= lo && e <= {1'b0, hi};
    end
endfunction

/*
 * Global registers
 */
reg         intr_en_reg = 1'b0;
reg [31:0]  intr_delay_reg = 32'd0;
reg [63:0]  mem_base_reg = 64'd0;
reg [63:0]  mem_limit_reg = 64'd0;

/*
 * Channel registers and issue state
 */
reg [8:0]   ch_ctrl [0:CHANNELS-1];       // {vector, enable}
reg [15:0]  ch_dmacount [0:CHANNELS-1];
reg [63:0]  ch_chain [0:CHANNELS-1];
reg [63:0]  ch_cmpl [0:CHANNELS-1];
reg [57:0]  ch_stat [0:CHANNELS-1];        // last completed descriptor, bits 63:6
reg [15:0]  ch_done [0:CHANNELS-1];        // COMPLETED
reg [15:0]  ch_issued [0:CHANNELS-1];      // descriptors taken (fetched and cut)
reg [7:0]   ch_err [0:CHANNELS-1];
reg [63:0]  ch_erraddr [0:CHANNELS-1];
reg [63:0]  ch_next [0:CHANNELS-1];        // next descriptor to fetch
reg [63:0]  ch_cur [0:CHANNELS-1];         // descriptor being processed
reg [63:0]  ch_src [0:CHANNELS-1];
reg [63:0]  ch_dst [0:CHANNELS-1];
reg [31:0]  ch_rem [0:CHANNELS-1];
reg [5:0]   ch_ctl [0:CHANNELS-1];
reg [1:0]   ch_dstate [0:CHANNELS-1];
reg [1:0]   ch_tok_kind [0:CHANNELS-1];
reg [7:0]   ch_tok_err [0:CHANNELS-1];
reg [63:0]  ch_tok_addr [0:CHANNELS-1];

reg [CHANNELS-1:0] started_reg = {CHANNELS{1'b0}};
reg [CHANNELS-1:0] halted_reg = {CHANNELS{1'b0}};
reg [CHANNELS-1:0] halting_reg = {CHANNELS{1'b0}};   // halt decided, token not yet applied
reg [CHANNELS-1:0] rst_pend_reg = {CHANNELS{1'b0}};  // RESET waiting for a token
reg [CHANNELS-1:0] discard_reg = {CHANNELS{1'b0}};   // drop data slots (ABORT, RESET)
reg [CHANNELS-1:0] susp_reg = {CHANNELS{1'b0}};
reg [CHANNELS-1:0] fence_reg = {CHANNELS{1'b0}};     // last descriptor taken had FENCE
reg [CHANNELS-1:0] tok_need_reg = {CHANNELS{1'b0}};
reg [CHANNELS-1:0] tok_out_reg = {CHANNELS{1'b0}};

/*
 * Slots (reorder buffer)
 */
reg [DATA_WIDTH-1:0] rob [0:SLOTS*BPS-1];
reg [1:0]   sm_kind [0:SLOTS-1];
reg [CW-1:0] sm_ch [0:SLOTS-1];
reg [CK_W:0] sm_len [0:SLOTS-1];
reg [63:0]  sm_dst [0:SLOTS-1];
reg         sm_lastc [0:SLOTS-1];
reg [1:0]   sm_flags [0:SLOTS-1];          // {CMPL_WRITE, INT}
reg [63:0]  sm_desc [0:SLOTS-1];
reg [15:0]  sm_idx [0:SLOTS-1];
reg [7:0]   sm_err [0:SLOTS-1];
reg [BP_W:0] rcv_cnt [0:SLOTS-1];

reg [SL_W-1:0] sl_head_reg = {SL_W{1'b0}};
reg [SL_W-1:0] sl_tail_reg = {SL_W{1'b0}};
reg [SL_W:0]   sl_cnt_reg = {SL_W+1{1'b0}};

/*
 * Read request register
 */
reg         rq_valid_reg = 1'b0;
reg [63:0]  rq_addr_reg = 64'd0;
reg [12:0]  rq_len_reg = 13'd0;
reg [7:0]   rq_tag_reg = 8'd0;

/*
 * Descriptor capture and check
 */
reg [255:0] dreg = 256'd0;
reg [3:0]   dbeat_reg = 4'd0;
reg         chk_valid_reg = 1'b0;
reg [CW-1:0] chk_ch_reg = {CW{1'b0}};

/*
 * Write side
 */
reg [2:0]   rs_reg = RS_HEAD;
reg [BP_W:0] rs_bi_reg = {BP_W+1{1'b0}};

reg         p_valid_reg = 1'b0;
reg [1:0]   p_type_reg = I_DATA;
reg [DATA_WIDTH-1:0] p_data_reg = {DATA_WIDTH{1'b0}};
reg [LO_W:0] p_bn_reg = {LO_W+1{1'b0}};
reg         p_first_reg = 1'b0;
reg         p_final_reg = 1'b0;
reg [63:0]  p_addr_reg = 64'd0;
reg [1:0]   p_ev_reg = E_NONE;
reg [CW-1:0] p_ev_ch_reg = {CW{1'b0}};
reg [63:0]  p_ev_desc_reg = 64'd0;
reg [7:0]   p_ev_err_reg = 8'd0;
reg         p_ev_int_reg = 1'b0;

reg [DATA_WIDTH-1:0] ob_reg = {DATA_WIDTH{1'b0}};
reg [KW-1:0] ob_strb_reg = {KW{1'b0}};
reg [LO_W-1:0] op_reg = {LO_W{1'b0}};
reg [63:0]  ob_addr_reg = 64'd0;
reg         pflush_reg = 1'b0;

reg         o_valid_reg = 1'b0;
reg         o_wr_reg = 1'b0;
reg [63:0]  o_addr_reg = 64'd0;
reg [DATA_WIDTH-1:0] o_data_reg = {DATA_WIDTH{1'b0}};
reg [KW-1:0] o_strb_reg = {KW{1'b0}};
reg         o_last_reg = 1'b0;
reg [1:0]   o_ev_reg = E_NONE;
reg [CW-1:0] o_ev_ch_reg = {CW{1'b0}};
reg [63:0]  o_ev_desc_reg = 64'd0;
reg [7:0]   o_ev_err_reg = 8'd0;
reg         o_ev_int_reg = 1'b0;

/*
 * Interrupts
 */
reg [CHANNELS-1:0] pend_reg = {CHANNELS{1'b0}};
reg [CHANNELS-1:0] raised_reg = {CHANNELS{1'b0}};
reg [63:0]  dl [0:CHANNELS-1];          // deadline of the pending-queue entry
reg [CW-1:0] pq [0:CHANNELS-1];
reg [CW-1:0] pq_head_reg = {CW{1'b0}};
reg [CW-1:0] pq_tail_reg = {CW{1'b0}};
reg [CW:0]  pq_cnt_reg = {CW+1{1'b0}};
reg         irq_valid_reg = 1'b0;
reg [7:0]   irq_vector_reg = 8'd0;

/*
 * Register port
 */
reg [31:0]  rdata_reg = 32'd0;
reg         rvalid_reg = 1'b0;

integer i;

initial begin
    for (i = 0; i < CHANNELS; i = i + 1) begin
        ch_ctrl[i] = 9'd0;
        ch_dmacount[i] = 16'd0;
        ch_chain[i] = 64'd0;
        ch_cmpl[i] = 64'd0;
        ch_stat[i] = 58'd0;
        ch_done[i] = 16'd0;
        ch_issued[i] = 16'd0;
        ch_err[i] = 8'd0;
        ch_erraddr[i] = 64'd0;
        ch_next[i] = 64'd0;
        ch_cur[i] = 64'd0;
        ch_src[i] = 64'd0;
        ch_dst[i] = 64'd0;
        ch_rem[i] = 32'd0;
        ch_ctl[i] = 6'd0;
        ch_dstate[i] = D_NONE;
        ch_tok_kind[i] = K_HALT;
        ch_tok_err[i] = 8'd0;
        ch_tok_addr[i] = 64'd0;
        dl[i] = 64'd0;
        pq[i] = {CW{1'b0}};
    end
    for (i = 0; i < SLOTS; i = i + 1) begin
        sm_kind[i] = K_DATA;
        sm_ch[i] = {CW{1'b0}};
        sm_len[i] = {CK_W+1{1'b0}};
        sm_dst[i] = 64'd0;
        sm_lastc[i] = 1'b0;
        sm_flags[i] = 2'd0;
        sm_desc[i] = 64'd0;
        sm_idx[i] = 16'd0;
        sm_err[i] = 8'd0;
        rcv_cnt[i] = {BP_W+1{1'b0}};
    end
end

/*
 * Register decoding
 */
wire [9:0]  waddr = s_csr_addr[11:2];
wire        glob_sel = s_csr_addr[11:8] == 4'd0;
wire [4:0]  blk = s_csr_addr[11:7] - 5'd2;
wire        ch_sel = !glob_sel && blk < NCH5;
wire [CW-1:0] csr_ch = blk[CW-1:0];
wire [4:0]  ch_off = s_csr_addr[6:2];

/*
 * Per-channel requests
 */
wire        slot_free = sl_cnt_reg != SLOTS;
wire        rq_free = !rq_valid_reg || m_dma_rd_req_ready;
reg [CHANNELS-1:0] want_fetch;
reg [CHANNELS-1:0] want_slot;
reg [CHANNELS-1:0] quiet;       // nothing of the channel in flight or wanted

integer cc;

wire [CHANNELS-1:0] wait_v;
reg [3*CHANNELS-1:0] st_all;

genvar gc;
generate
    for (gc = 0; gc < CHANNELS; gc = gc + 1) begin : g_ch
        wire [1:0]  ds = ch_dstate[gc];
        wire [15:0] done = ch_done[gc];
        wire [15:0] issued = ch_issued[gc];
        wire [15:0] count = ch_dmacount[gc];
        always @* begin
            want_fetch[gc] = started_reg[gc] && !halted_reg[gc] && !halting_reg[gc] && !rst_pend_reg[gc] &&
                !susp_reg[gc] && !discard_reg[gc] && !tok_need_reg[gc] && ds == D_NONE &&
                issued != count && !(fence_reg[gc] && done != issued);
            want_slot[gc] = (tok_need_reg[gc] && ds != D_WAIT) ||
                (ds == D_RUN && !halted_reg[gc] && !halting_reg[gc] && !rst_pend_reg[gc] &&
                 !tok_need_reg[gc] && !discard_reg[gc]);
            quiet[gc] = ds == D_NONE && !tok_need_reg[gc] && !tok_out_reg[gc] && done == issued;
            if (halted_reg[gc]) begin
                st_all[3*gc +: 3] = `NDMA_ST_HALTED;
            end else if (!started_reg[gc]) begin
                st_all[3*gc +: 3] = `NDMA_ST_IDLE;
            end else if (susp_reg[gc] && quiet[gc]) begin
                st_all[3*gc +: 3] = `NDMA_ST_SUSPENDED;
            end else if (done == count && quiet[gc]) begin
                st_all[3*gc +: 3] = `NDMA_ST_IDLE;
            end else begin
                st_all[3*gc +: 3] = `NDMA_ST_ACTIVE;
            end
        end
        assign wait_v[gc] = ds == D_WAIT;
    end
endgenerate

wire [CHANNELS-1:0] req = want_fetch | (want_slot & {CHANNELS{slot_free}});
reg  [CW-1:0] arb_last_reg = {CW{1'b0}};
wire          gnt_valid;
wire [CW-1:0] gnt;

generate
    if (CHANNELS > 1) begin : g_arb
        rr_arb #(.PORTS(CHANNELS), .PORT_WIDTH(CW)) arb_inst (
            .req(req),
            .last(arb_last_reg),
            .grant_valid(gnt_valid),
            .grant(gnt)
        );
    end else begin : g_one
        assign gnt_valid = req[0];
        assign gnt = 1'b0;
    end
endgenerate

wire        grant = gnt_valid && rq_free;

// the granted channel's chunk
wire [63:0] g_src = ch_src[gnt];
wire [31:0] g_rem = ch_rem[gnt];
wire [CK_W:0] g_room = CHUNK[CK_W:0] - {1'b0, g_src[CK_W-1:0]};
wire        g_lastc = g_rem <= {{(31-CK_W){1'b0}}, g_room};
wire [CK_W:0] g_len = g_lastc ? g_rem[CK_W:0] : g_room;
wire        g_null = ch_ctl[gnt][5];
wire [63:0] g_next = ch_next[gnt];
wire        g_next_ok = g_next[5:0] == 6'd0 && in_mem(g_next, 33'd64, mem_base_reg, mem_limit_reg);

/*
 * Descriptor check (the cycle after its last beat)
 */
wire [31:0] d_size = dreg[31:0];
wire [31:0] d_ctl = dreg[63:32];
wire [63:0] d_src = dreg[127:64];
wire [63:0] d_dst = dreg[191:128];
wire [63:0] d_next = dreg[255:192];
wire [63:0] k_cmpl = ch_cmpl[chk_ch_reg];
wire        k_cmpl_ok = k_cmpl[2:0] == 3'd0 && in_mem(k_cmpl, 33'd8, mem_base_reg, mem_limit_reg);
reg  [7:0]  k_err;

always @* begin
    k_err = 8'd0;
    if (d_ctl[5]) begin
        if (d_ctl[3] && !k_cmpl_ok) begin
            k_err = `NDMA_ERR_CMPL_ADDR;
        end
    end else if (d_size == 32'd0) begin
        k_err = `NDMA_ERR_LEN_ZERO;
    end else if (d_size > XFERCAP) begin
        k_err = `NDMA_ERR_LEN_CAP;
    end else if (!in_mem(d_src, {1'b0, d_size}, mem_base_reg, mem_limit_reg)) begin
        k_err = `NDMA_ERR_SRC_ADDR;
    end else if (!in_mem(d_dst, {1'b0, d_size}, mem_base_reg, mem_limit_reg)) begin
        k_err = `NDMA_ERR_DST_ADDR;
    end else if (d_ctl[3] && !k_cmpl_ok) begin
        k_err = `NDMA_ERR_CMPL_ADDR;
    end
end

/*
 * Write side: R stage
 */
wire [SL_W-1:0] hd = sl_head_reg;
wire [1:0]  h_kind = sm_kind[hd];
wire [CW-1:0] h_ch = sm_ch[hd];
wire [CK_W:0] h_len = sm_len[hd];
wire [BP_W:0] h_nb = h_len[CK_W:LO_W] + {{BP_W{1'b0}}, h_len[LO_W-1:0] != {LO_W{1'b0}}};
wire        h_final = rs_bi_reg + 1'b1 == h_nb;
wire [BP_W:0] h_rcv = rcv_cnt[hd];
wire [LO_W:0] h_bn = (h_final && h_len[LO_W-1:0] != {LO_W{1'b0}}) ?
    {1'b0, h_len[LO_W-1:0]} : KW[LO_W:0];

wire        o_leave = o_valid_reg && (!o_wr_reg || m_dma_wr_ready);
wire        o_free = !o_valid_reg || o_leave;
wire        p_fire = p_valid_reg && o_free && !pflush_reg;
wire        p_take = !p_valid_reg || p_fire;
wire        pipe_empty = !p_valid_reg && !o_valid_reg && !pflush_reg;

// the halt status word: last completed descriptor | HALTED
wire [63:0] h_cmpl = ch_cmpl[h_ch];
wire        h_cmpl_ok = h_cmpl[2:0] == 3'd0 && in_mem(h_cmpl, 33'd8, mem_base_reg, mem_limit_reg);

wire [63:0] h_dst = sm_dst[hd];
wire        h_lastc = sm_lastc[hd];
wire [1:0]  h_flags = sm_flags[hd];
wire [63:0] h_desc = sm_desc[hd];
wire [15:0] h_idx = sm_idx[hd];
wire [7:0]  h_err = sm_err[hd];
wire [15:0] h_count = ch_dmacount[h_ch];
wire [57:0] h_stat = ch_stat[h_ch];
wire        h_discard = discard_reg[h_ch];

reg         r_issue;       // an item enters P
reg         r_free;        // the head slot is released
reg [2:0]   rs_next;
reg [1:0]   r_type;
reg [63:0]  r_addr;
reg [63:0]  r_word;
reg [1:0]   r_ev;
reg         r_dataread;

always @* begin
    r_issue = 1'b0;
    r_free = 1'b0;
    rs_next = rs_reg;
    r_type = I_MARK;
    r_addr = 64'd0;
    r_word = 64'd0;
    r_ev = E_NONE;
    r_dataread = 1'b0;
    case (rs_reg)
        RS_HEAD: begin
            if (sl_cnt_reg != {SL_W+1{1'b0}}) begin
                case (h_kind)
                    K_DATA: rs_next = h_discard ? RS_DROP : RS_DATA;
                    K_CMPL: rs_next = RS_CMPL;
                    default: rs_next = RS_TOK;
                endcase
            end
        end
        RS_DATA: begin
            if (p_take && h_rcv > rs_bi_reg) begin
                r_issue = 1'b1;
                r_dataread = 1'b1;
                r_type = I_DATA;
                r_addr = h_dst;
                if (h_final) begin
                    if (h_lastc) begin
                        rs_next = RS_CMPL;
                    end else begin
                        r_free = 1'b1;
                        rs_next = RS_HEAD;
                    end
                end
            end
        end
        RS_DROP: begin
            if (h_rcv == h_nb) begin
                r_free = 1'b1;
                rs_next = RS_HEAD;
            end
        end
        RS_CMPL: begin
            if (h_discard) begin
                r_free = 1'b1;
                rs_next = RS_HEAD;
            end else if (p_take) begin
                r_issue = 1'b1;
                r_free = 1'b1;
                rs_next = RS_HEAD;
                r_ev = E_CMPL;
                r_type = h_flags[1] ? I_STATUS : I_MARK;
                r_addr = h_cmpl;
                r_word = {h_desc[63:6], 3'd0,
                          h_idx + 16'd1 == h_count ? `NDMA_ST_IDLE : `NDMA_ST_ACTIVE};
            end
        end
        default: begin
            // a token: after every earlier write has left, so STATUS is current
            if (pipe_empty) begin
                r_issue = 1'b1;
                r_free = 1'b1;
                rs_next = RS_HEAD;
                r_addr = h_cmpl;
                r_word = {h_stat, 3'd0, `NDMA_ST_HALTED};
                if (h_kind == K_HALT) begin
                    r_ev = E_HALT;
                    r_type = h_cmpl_ok ? I_STATUS : I_MARK;
                end else begin
                    r_ev = E_RESET;
                end
            end
        end
    endcase
end

wire [DATA_WIDTH-1:0] r_word_w;
generate
    if (DATA_WIDTH > 64) begin : g_word_wide
        assign r_word_w = {{(DATA_WIDTH-64){1'b0}}, r_word};
    end else begin : g_word_64
        assign r_word_w = r_word;
    end
endgenerate

/*
 * P stage: the funnel
 */
wire [LO_W-1:0] f_op = p_first_reg ? p_addr_reg[LO_W-1:0] : op_reg;
wire [DATA_WIDTH-1:0] f_ob = p_first_reg ? {DATA_WIDTH{1'b0}} : ob_reg;
wire [KW-1:0] f_strb = p_first_reg ? {KW{1'b0}} : ob_strb_reg;
wire [63:0] f_addr = p_first_reg ? {p_addr_reg[63:LO_W], {LO_W{1'b0}}} : ob_addr_reg;
wire [2*DATA_WIDTH-1:0] f_sh = {{DATA_WIDTH{1'b0}}, p_data_reg} << {f_op, 3'b000};
wire [2*KW-1:0] f_sm = {{KW{1'b0}}, lanes(p_bn_reg)} << f_op;
wire [LO_W+1:0] f_tot = {2'b00, f_op} + {1'b0, p_bn_reg};
wire        f_full = f_tot[LO_W+1:LO_W] != 2'b00;
wire        f_spill = f_tot > KW_T;
wire        f_at4k = &f_addr[11:LO_W];
wire [63:0] s_addr = {p_addr_reg[63:LO_W], {LO_W{1'b0}}};
wire [DATA_WIDTH-1:0] s_data = p_data_reg << {p_addr_reg[LO_W-1:0], 3'b000};
wire [KW-1:0] s_strb = lanes(EIGHT) << p_addr_reg[LO_W-1:0];

/*
 * Register read data
 */
wire [2:0] csr_st = st_all[3*csr_ch +: 3];

wire [8:0]  c_ctrl = ch_ctrl[csr_ch];
wire [15:0] c_count = ch_dmacount[csr_ch];
wire [63:0] c_chain = ch_chain[csr_ch];
wire [57:0] c_stat = ch_stat[csr_ch];
wire [15:0] c_done = ch_done[csr_ch];
wire [63:0] c_cmpl = ch_cmpl[csr_ch];
wire [7:0]  c_err = ch_err[csr_ch];
wire [63:0] c_erraddr = ch_erraddr[csr_ch];

reg [31:0] rd_mux;
always @* begin
    rd_mux = 32'd0;
    if (glob_sel) begin
        case (waddr)
            `NDMA_REG_ID_W: rd_mux = `NDMA_ID_VALUE;
            `NDMA_REG_CHANCNT_W: rd_mux = CHANNELS32;
            `NDMA_REG_XFERCAP_W: rd_mux = XFERCAP32;
            `NDMA_REG_INTRCTRL_W: rd_mux = {31'd0, intr_en_reg};
            `NDMA_REG_INTRDELAY_NS_W: rd_mux = intr_delay_reg;
            `NDMA_REG_ATTN_W: rd_mux = {{(32-CHANNELS){1'b0}}, pend_reg | raised_reg};
            `NDMA_REG_MEMBASE_LO_W: rd_mux = mem_base_reg[31:0];
            `NDMA_REG_MEMBASE_HI_W: rd_mux = mem_base_reg[63:32];
            `NDMA_REG_MEMLIMIT_LO_W: rd_mux = mem_limit_reg[31:0];
            `NDMA_REG_MEMLIMIT_HI_W: rd_mux = mem_limit_reg[63:32];
            default: rd_mux = 32'd0;
        endcase
    end else if (ch_sel) begin
        case (ch_off)
            `NDMA_CH_CTRL_W: rd_mux = {16'd0, c_ctrl[8:1], 7'd0, c_ctrl[0]};
            `NDMA_CH_DMACOUNT_W: rd_mux = {16'd0, c_count};
            `NDMA_CH_CHAINADDR_LO_W: rd_mux = c_chain[31:0];
            `NDMA_CH_CHAINADDR_HI_W: rd_mux = c_chain[63:32];
            `NDMA_CH_STATUS_LO_W: rd_mux = {c_stat[25:0], 3'd0, csr_st};
            `NDMA_CH_STATUS_HI_W: rd_mux = c_stat[57:26];
            `NDMA_CH_COMPLETED_W: rd_mux = {16'd0, c_done};
            `NDMA_CH_CMPLADDR_LO_W: rd_mux = c_cmpl[31:0];
            `NDMA_CH_CMPLADDR_HI_W: rd_mux = c_cmpl[63:32];
            `NDMA_CH_ERR_W: rd_mux = {24'd0, c_err};
            `NDMA_CH_ERRADDR_LO_W: rd_mux = c_erraddr[31:0];
            `NDMA_CH_ERRADDR_HI_W: rd_mux = c_erraddr[63:32];
            default: rd_mux = 32'd0;
        endcase
    end
end

wire csr_cmd = s_csr_wr && ch_sel && ch_off == `NDMA_CH_CMD_W;
wire [3:0] cmd = s_csr_wdata[3:0];

/*
 * Sequential logic
 */
wire        dcpl = s_dma_rd_cpl_valid && s_dma_rd_cpl_tag[7];
wire [CW-1:0] dcpl_ch = s_dma_rd_cpl_tag[CW-1:0];
wire [SL_W-1:0] cpl_slot = s_dma_rd_cpl_tag[SL_W-1:0];
wire        pq_due = pq_cnt_reg != {CW+1{1'b0}} && s_now_ns >= dl[pq_head_reg];
wire        ev_leave = o_leave && o_ev_reg != E_NONE;
wire [CW-1:0] ev_ch = o_ev_ch_reg;
wire        ev_pend = ev_leave && (o_ev_reg == E_HALT || (o_ev_reg == E_CMPL && o_ev_int_reg));
// a new pending channel (an event of a channel already pending joins it)
wire        pq_push = ev_pend && !pend_reg[ev_ch];

always @(posedge clk) begin
    rvalid_reg <= s_csr_rd;
    irq_valid_reg <= 1'b0;

    /*
     * register reads (ATTN: raised bits clear when read)
     */
    if (s_csr_rd) begin
        rdata_reg <= rd_mux;
        if (glob_sel && waddr == `NDMA_REG_ATTN_W) begin
            raised_reg <= {CHANNELS{1'b0}};
        end
    end

    /*
     * read completions
     */
    if (s_dma_rd_cpl_valid) begin
        if (s_dma_rd_cpl_tag[7]) begin
            if (s_dma_rd_cpl_last) begin
                dbeat_reg <= 4'd0;
            end else begin
                dbeat_reg <= dbeat_reg + 4'd1;
            end
        end else begin
            rob[{cpl_slot, rcv_cnt[cpl_slot][BP_W-1:0]}] <= s_dma_rd_cpl_data;
            rcv_cnt[cpl_slot] <= rcv_cnt[cpl_slot] + 1'b1;
        end
    end
    chk_valid_reg <= dcpl && s_dma_rd_cpl_last;
    if (dcpl && s_dma_rd_cpl_last) begin
        chk_ch_reg <= dcpl_ch;
    end

    /*
     * descriptor check
     */
    if (chk_valid_reg) begin
        if (halting_reg[chk_ch_reg] || rst_pend_reg[chk_ch_reg] || discard_reg[chk_ch_reg]) begin
            ch_dstate[chk_ch_reg] <= D_NONE;
        end else if (k_err != 8'd0) begin
            ch_dstate[chk_ch_reg] <= D_NONE;
            halting_reg[chk_ch_reg] <= 1'b1;
            tok_need_reg[chk_ch_reg] <= 1'b1;
            ch_tok_kind[chk_ch_reg] <= K_HALT;
            ch_tok_err[chk_ch_reg] <= k_err;
            ch_tok_addr[chk_ch_reg] <= ch_cur[chk_ch_reg];
        end else begin
            ch_dstate[chk_ch_reg] <= D_RUN;
            ch_src[chk_ch_reg] <= d_src;
            ch_dst[chk_ch_reg] <= d_dst;
            ch_rem[chk_ch_reg] <= d_size;
            ch_ctl[chk_ch_reg] <= d_ctl[5:0];
            ch_next[chk_ch_reg] <= d_next;
        end
    end

    /*
     * issue: one grant per cycle
     */
    if (rq_valid_reg && m_dma_rd_req_ready) begin
        rq_valid_reg <= 1'b0;
    end
    if (grant) begin
        arb_last_reg <= gnt;
        if (want_slot[gnt]) begin
            sm_ch[sl_tail_reg] <= gnt;
            sm_desc[sl_tail_reg] <= ch_cur[gnt];
            sm_idx[sl_tail_reg] <= ch_issued[gnt];
            sm_flags[sl_tail_reg] <= {ch_ctl[gnt][3], ch_ctl[gnt][0]};
            sm_dst[sl_tail_reg] <= ch_dst[gnt];
            sm_len[sl_tail_reg] <= g_len;
            sm_lastc[sl_tail_reg] <= g_lastc;
            rcv_cnt[sl_tail_reg] <= {BP_W+1{1'b0}};
            sl_tail_reg <= sl_tail_reg + 1'b1;
            if (tok_need_reg[gnt]) begin
                sm_kind[sl_tail_reg] <= ch_tok_kind[gnt];
                sm_err[sl_tail_reg] <= ch_tok_err[gnt];
                sm_desc[sl_tail_reg] <= ch_tok_addr[gnt];
                tok_need_reg[gnt] <= 1'b0;
                tok_out_reg[gnt] <= 1'b1;
            end else if (g_null) begin
                sm_kind[sl_tail_reg] <= K_CMPL;
                ch_dstate[gnt] <= D_NONE;
                ch_issued[gnt] <= ch_issued[gnt] + 16'd1;
                fence_reg[gnt] <= ch_ctl[gnt][4];
            end else begin
                sm_kind[sl_tail_reg] <= K_DATA;
                rq_valid_reg <= 1'b1;
                rq_addr_reg <= g_src;
                rq_len_reg <= {{(12-CK_W){1'b0}}, g_len};
                rq_tag_reg <= {{(8-SL_W){1'b0}}, sl_tail_reg};
                ch_src[gnt] <= g_src + {{(63-CK_W){1'b0}}, g_len};
                ch_dst[gnt] <= ch_dst[gnt] + {{(63-CK_W){1'b0}}, g_len};
                ch_rem[gnt] <= g_rem - {{(31-CK_W){1'b0}}, g_len};
                if (g_lastc) begin
                    ch_dstate[gnt] <= D_NONE;
                    ch_issued[gnt] <= ch_issued[gnt] + 16'd1;
                    fence_reg[gnt] <= ch_ctl[gnt][4];
                end
            end
        end else begin
            // descriptor fetch
            ch_cur[gnt] <= g_next;
            if (g_next_ok) begin
                ch_dstate[gnt] <= D_WAIT;
                rq_valid_reg <= 1'b1;
                rq_addr_reg <= g_next;
                rq_len_reg <= 13'd64;
                rq_tag_reg <= 8'h80 | {{(8-CW){1'b0}}, gnt};
            end else begin
                halting_reg[gnt] <= 1'b1;
                tok_need_reg[gnt] <= 1'b1;
                ch_tok_kind[gnt] <= K_HALT;
                ch_tok_err[gnt] <= `NDMA_ERR_DESC_ADDR;
                ch_tok_addr[gnt] <= g_next;
            end
        end
    end

    /*
     * R stage
     */
    rs_reg <= rs_next;
    if (rs_reg == RS_HEAD) begin
        rs_bi_reg <= {BP_W+1{1'b0}};
    end else if (r_dataread) begin
        rs_bi_reg <= rs_bi_reg + 1'b1;
    end
    if (r_free) begin
        sl_head_reg <= sl_head_reg + 1'b1;
    end
    if (r_free && !(grant && want_slot[gnt])) begin
        sl_cnt_reg <= sl_cnt_reg - 1'b1;
    end else if (!r_free && grant && want_slot[gnt]) begin
        sl_cnt_reg <= sl_cnt_reg + 1'b1;
    end

    /*
     * P stage
     */
    if (p_fire) begin
        p_valid_reg <= 1'b0;
    end
    if (r_issue) begin
        p_valid_reg <= 1'b1;
        p_type_reg <= r_type;
        p_addr_reg <= r_addr;
        p_first_reg <= rs_bi_reg == {BP_W+1{1'b0}};
        p_final_reg <= h_final;
        p_bn_reg <= h_bn;
        if (r_dataread) begin
            p_data_reg <= rob[{hd, rs_bi_reg[BP_W-1:0]}];
        end else if (r_type == I_STATUS) begin
            p_data_reg <= r_word_w;
        end
        p_ev_reg <= r_ev;
        if (r_ev != E_NONE) begin
            p_ev_ch_reg <= h_ch;
            p_ev_desc_reg <= h_desc;
            p_ev_err_reg <= h_err;
            p_ev_int_reg <= h_flags[0];
        end
    end

    if (o_leave) begin
        o_valid_reg <= 1'b0;
    end
    if (pflush_reg && o_free) begin
        // the spilled tail of a chunk's last beat
        pflush_reg <= 1'b0;
        o_valid_reg <= 1'b1;
        o_wr_reg <= 1'b1;
        o_addr_reg <= ob_addr_reg;
        o_data_reg <= ob_reg;
        o_strb_reg <= ob_strb_reg;
        o_last_reg <= 1'b1;
        o_ev_reg <= E_NONE;
    end
    if (p_fire) begin
        o_ev_reg <= p_ev_reg;
        o_ev_ch_reg <= p_ev_ch_reg;
        o_ev_desc_reg <= p_ev_desc_reg;
        o_ev_err_reg <= p_ev_err_reg;
        o_ev_int_reg <= p_ev_int_reg;
        case (p_type_reg)
            I_DATA: begin
                if (f_full) begin
                    o_valid_reg <= 1'b1;
                    o_wr_reg <= 1'b1;
                    o_addr_reg <= f_addr;
                    o_data_reg <= f_ob | f_sh[DATA_WIDTH-1:0];
                    o_strb_reg <= f_strb | f_sm[KW-1:0];
                    o_last_reg <= f_at4k || (p_final_reg && !f_spill);
                    ob_reg <= f_sh[2*DATA_WIDTH-1:DATA_WIDTH];
                    ob_strb_reg <= f_sm[2*KW-1:KW];
                    ob_addr_reg <= f_addr + KW64;
                    op_reg <= f_tot[LO_W-1:0];
                    pflush_reg <= p_final_reg && f_spill;
                end else if (p_final_reg) begin
                    o_valid_reg <= 1'b1;
                    o_wr_reg <= 1'b1;
                    o_addr_reg <= f_addr;
                    o_data_reg <= f_ob | f_sh[DATA_WIDTH-1:0];
                    o_strb_reg <= f_strb | f_sm[KW-1:0];
                    o_last_reg <= 1'b1;
                end else begin
                    ob_reg <= f_ob | f_sh[DATA_WIDTH-1:0];
                    ob_strb_reg <= f_strb | f_sm[KW-1:0];
                    ob_addr_reg <= f_addr;
                    op_reg <= f_tot[LO_W-1:0];
                end
            end
            I_STATUS: begin
                o_valid_reg <= 1'b1;
                o_wr_reg <= 1'b1;
                o_addr_reg <= s_addr;
                o_data_reg <= s_data;
                o_strb_reg <= s_strb;
                o_last_reg <= 1'b1;
            end
            default: begin
                o_valid_reg <= 1'b1;
                o_wr_reg <= 1'b0;
            end
        endcase
    end

    /*
     * interrupt queue
     */
    if (pq_due) begin
        pend_reg[pq[pq_head_reg]] <= 1'b0;
        pq_head_reg <= {1'b0, pq_head_reg} + 1'b1 == NCHW ? {CW{1'b0}} : pq_head_reg + 1'b1;
        if (intr_en_reg && ch_ctrl[pq[pq_head_reg]][0]) begin
            irq_valid_reg <= 1'b1;
            irq_vector_reg <= ch_ctrl[pq[pq_head_reg]][8:1];
            raised_reg[pq[pq_head_reg]] <= 1'b1;
        end
    end
    if (pq_push) begin
        pend_reg[ev_ch] <= 1'b1;
        dl[pq_tail_reg] <= s_now_ns + {32'd0, intr_delay_reg};
        pq[pq_tail_reg] <= ev_ch;
        pq_tail_reg <= {1'b0, pq_tail_reg} + 1'b1 == NCHW ? {CW{1'b0}} : pq_tail_reg + 1'b1;
    end
    if (pq_push && !pq_due) begin
        pq_cnt_reg <= pq_cnt_reg + 1'b1;
    end else if (!pq_push && pq_due) begin
        pq_cnt_reg <= pq_cnt_reg - 1'b1;
    end

    /*
     * completion events
     */
    if (ev_leave) begin
        case (o_ev_reg)
            E_CMPL: begin
                ch_done[ev_ch] <= ch_done[ev_ch] + 16'd1;
                ch_stat[ev_ch] <= o_ev_desc_reg[63:6];
            end
            E_HALT: begin
                halted_reg[ev_ch] <= 1'b1;
                halting_reg[ev_ch] <= 1'b0;
                discard_reg[ev_ch] <= 1'b0;
                tok_out_reg[ev_ch] <= 1'b0;
                ch_dstate[ev_ch] <= D_NONE;
                ch_err[ev_ch] <= ch_err[ev_ch] | o_ev_err_reg;
                if (ch_err[ev_ch] == 8'd0) begin
                    ch_erraddr[ev_ch] <= o_ev_desc_reg;
                end
            end
            default: begin
                started_reg[ev_ch] <= 1'b0;
                halted_reg[ev_ch] <= 1'b0;
                halting_reg[ev_ch] <= 1'b0;
                discard_reg[ev_ch] <= 1'b0;
                tok_out_reg[ev_ch] <= 1'b0;
                susp_reg[ev_ch] <= 1'b0;
                fence_reg[ev_ch] <= 1'b0;
                ch_err[ev_ch] <= 8'd0;
                ch_erraddr[ev_ch] <= 64'd0;
                ch_done[ev_ch] <= 16'd0;
                ch_issued[ev_ch] <= 16'd0;
                ch_dmacount[ev_ch] <= 16'd0;
                ch_stat[ev_ch] <= 58'd0;
                ch_dstate[ev_ch] <= D_NONE;
            end
        endcase
    end

    /*
     * RESET: once no halt is on its way, stop and queue the reset token
     */
    for (cc = 0; cc < CHANNELS; cc = cc + 1) begin
        if (rst_pend_reg[cc] && !tok_need_reg[cc] && !tok_out_reg[cc] && !halting_reg[cc]) begin
            rst_pend_reg[cc] <= 1'b0;
            discard_reg[cc] <= 1'b1;
            tok_need_reg[cc] <= 1'b1;
            ch_tok_kind[cc] <= K_RESET;
            // (a descriptor the checker loads in this cycle is dropped too)
            if (ch_dstate[cc] == D_RUN || (chk_valid_reg && chk_ch_reg == cc[CW-1:0])) begin
                ch_dstate[cc] <= D_NONE;
            end
        end
    end

    /*
     * register writes
     */
    if (s_csr_wr) begin
        if (glob_sel) begin
            case (waddr)
                `NDMA_REG_INTRCTRL_W: intr_en_reg <= s_csr_wdata[0];
                `NDMA_REG_INTRDELAY_NS_W: intr_delay_reg <= s_csr_wdata;
                `NDMA_REG_MEMBASE_LO_W: mem_base_reg[31:0] <= s_csr_wdata;
                `NDMA_REG_MEMBASE_HI_W: mem_base_reg[63:32] <= s_csr_wdata;
                `NDMA_REG_MEMLIMIT_LO_W: mem_limit_reg[31:0] <= s_csr_wdata;
                `NDMA_REG_MEMLIMIT_HI_W: mem_limit_reg[63:32] <= s_csr_wdata;
                default: ;
            endcase
        end else if (ch_sel) begin
            case (ch_off)
                `NDMA_CH_CTRL_W: ch_ctrl[csr_ch] <= {s_csr_wdata[15:8], s_csr_wdata[0]};
                `NDMA_CH_DMACOUNT_W: ch_dmacount[csr_ch] <= s_csr_wdata[15:0];
                `NDMA_CH_CHAINADDR_LO_W: ch_chain[csr_ch][31:0] <= s_csr_wdata;
                `NDMA_CH_CHAINADDR_HI_W: ch_chain[csr_ch][63:32] <= s_csr_wdata;
                `NDMA_CH_CMPLADDR_LO_W: ch_cmpl[csr_ch][31:0] <= s_csr_wdata;
                `NDMA_CH_CMPLADDR_HI_W: ch_cmpl[csr_ch][63:32] <= s_csr_wdata;
                `NDMA_CH_ERR_W: begin
                    ch_err[csr_ch] <= (ch_err[csr_ch] | (ev_leave && ev_ch == csr_ch && o_ev_reg == E_HALT ?
                                       o_ev_err_reg : 8'd0)) & ~s_csr_wdata[7:0];
                end
                default: ;
            endcase
        end
    end
    if (csr_cmd) begin
        case (cmd)
            `NDMA_CMD_START: begin
                if (!halted_reg[csr_ch] && !halting_reg[csr_ch] && !rst_pend_reg[csr_ch] &&
                        !tok_need_reg[csr_ch] && !tok_out_reg[csr_ch] && csr_st == `NDMA_ST_IDLE) begin
                    started_reg[csr_ch] <= 1'b1;
                    ch_next[csr_ch] <= ch_chain[csr_ch];
                    ch_cur[csr_ch] <= ch_chain[csr_ch];
                    ch_done[csr_ch] <= 16'd0;
                    ch_issued[csr_ch] <= 16'd0;
                    ch_dmacount[csr_ch] <= 16'd0;
                    ch_stat[csr_ch] <= 58'd0;
                    fence_reg[csr_ch] <= 1'b0;
                    susp_reg[csr_ch] <= 1'b0;
                end else begin
                    cmd_error(csr_ch);
                end
            end
            `NDMA_CMD_APPEND: ch_dmacount[csr_ch] <= ch_dmacount[csr_ch] + 16'd1;
            `NDMA_CMD_SUSPEND: begin
                if (halted_reg[csr_ch] || halting_reg[csr_ch]) begin
                    cmd_error(csr_ch);
                end else begin
                    susp_reg[csr_ch] <= 1'b1;
                end
            end
            `NDMA_CMD_RESUME: begin
                if (susp_reg[csr_ch] && !halted_reg[csr_ch] && !halting_reg[csr_ch]) begin
                    susp_reg[csr_ch] <= 1'b0;
                end else begin
                    cmd_error(csr_ch);
                end
            end
            `NDMA_CMD_ABORT: begin
                if (!halted_reg[csr_ch] && !halting_reg[csr_ch] && !rst_pend_reg[csr_ch] &&
                        !tok_need_reg[csr_ch] && !tok_out_reg[csr_ch]) begin
                    ch_stop(csr_ch, `NDMA_ERR_ABORT);
                end
            end
            `NDMA_CMD_RESET: rst_pend_reg[csr_ch] <= 1'b1;
            default: cmd_error(csr_ch);
        endcase
    end

    if (rst) begin
        intr_en_reg <= 1'b0;
        intr_delay_reg <= 32'd0;
        mem_base_reg <= 64'd0;
        mem_limit_reg <= 64'd0;
        started_reg <= {CHANNELS{1'b0}};
        halted_reg <= {CHANNELS{1'b0}};
        halting_reg <= {CHANNELS{1'b0}};
        rst_pend_reg <= {CHANNELS{1'b0}};
        discard_reg <= {CHANNELS{1'b0}};
        susp_reg <= {CHANNELS{1'b0}};
        fence_reg <= {CHANNELS{1'b0}};
        tok_need_reg <= {CHANNELS{1'b0}};
        tok_out_reg <= {CHANNELS{1'b0}};
        for (cc = 0; cc < CHANNELS; cc = cc + 1) begin
            ch_ctrl[cc] <= 9'd0;
            ch_dmacount[cc] <= 16'd0;
            ch_done[cc] <= 16'd0;
            ch_issued[cc] <= 16'd0;
            ch_err[cc] <= 8'd0;
            ch_erraddr[cc] <= 64'd0;
            ch_stat[cc] <= 58'd0;
            ch_dstate[cc] <= D_NONE;
        end
        sl_head_reg <= {SL_W{1'b0}};
        sl_tail_reg <= {SL_W{1'b0}};
        sl_cnt_reg <= {SL_W+1{1'b0}};
        rq_valid_reg <= 1'b0;
        dbeat_reg <= 4'd0;
        chk_valid_reg <= 1'b0;
        arb_last_reg <= {CW{1'b0}};
        rs_reg <= RS_HEAD;
        p_valid_reg <= 1'b0;
        pflush_reg <= 1'b0;
        o_valid_reg <= 1'b0;
        pend_reg <= {CHANNELS{1'b0}};
        raised_reg <= {CHANNELS{1'b0}};
        pq_head_reg <= {CW{1'b0}};
        pq_tail_reg <= {CW{1'b0}};
        pq_cnt_reg <= {CW+1{1'b0}};
        irq_valid_reg <= 1'b0;
        rvalid_reg <= 1'b0;
    end
end

// a command error: halts (like ABORT) unless already halting, else only the bit
task cmd_error;
    input [CW-1:0] n;
    begin
        if (halted_reg[n] || halting_reg[n] || tok_need_reg[n] || tok_out_reg[n] || rst_pend_reg[n]) begin
            ch_err[n] <= ch_err[n] | `NDMA_ERR_CMD;
        end else begin
            ch_stop(n, `NDMA_ERR_CMD);
        end
    end
endtask

// stop issuing now, drop what is in flight, then halt with err
task ch_stop;
    input [CW-1:0] n;
    input [7:0]    e;
    begin
        halting_reg[n] <= 1'b1;
        discard_reg[n] <= 1'b1;
        tok_need_reg[n] <= 1'b1;
        ch_tok_kind[n] <= K_HALT;
        ch_tok_err[n] <= e;
        ch_tok_addr[n] <= ch_dstate[n] == D_NONE ? ch_next[n] : ch_cur[n];
        // (a descriptor the checker loads in this cycle is dropped too)
        if (ch_dstate[n] == D_RUN || (chk_valid_reg && chk_ch_reg == n)) begin
            ch_dstate[n] <= D_NONE;
        end
    end
endtask

// descriptor capture: the first 32 bytes of the 64-byte read
generate
    if (KW >= 32) begin : g_dwide
        always @(posedge clk) begin
            if (dcpl && dbeat_reg == 4'd0) begin
                dreg <= s_dma_rd_cpl_data[255:0];
            end
        end
    end else begin : g_dnarrow
        always @(posedge clk) begin
            if (dcpl && dbeat_reg < DB4) begin
                dreg[dbeat_reg[1:0] * DATA_WIDTH +: DATA_WIDTH] <= s_dma_rd_cpl_data;
            end
        end
    end
endgenerate

/* verilator lint_off UNUSEDSIGNAL */
wire [1:0]  unused_addr_bits = s_csr_addr[1:0];
wire [6:0]  unused_tag_bits = s_dma_rd_cpl_tag[6:0];
wire [25:0] unused_ctl_bits = d_ctl[31:6];
wire [CW-1:0] unused_last = arb_last_reg;
/* verilator lint_on UNUSEDSIGNAL */

assign s_csr_rdata = rdata_reg;
assign s_csr_rvalid = rvalid_reg;

assign timer_armed = pq_cnt_reg != {CW+1{1'b0}};
assign timer_deadline_ns = dl[pq_head_reg];

assign m_dma_rd_req_valid = rq_valid_reg;
assign m_dma_rd_req_addr = rq_addr_reg;
assign m_dma_rd_req_len = rq_len_reg;
assign m_dma_rd_req_tag = rq_tag_reg;
assign s_dma_rd_cpl_ready = 1'b1;

assign m_dma_wr_valid = o_valid_reg && o_wr_reg;
assign m_dma_wr_addr = o_addr_reg;
assign m_dma_wr_data = o_data_reg;
assign m_dma_wr_strb = o_strb_reg;
assign m_dma_wr_last = o_last_reg;

assign m_irq_valid = irq_valid_reg;
assign m_irq_vector = irq_vector_reg;



assign idle = !(rq_valid_reg || sl_cnt_reg != {SL_W+1{1'b0}} || p_valid_reg || o_valid_reg ||
    pflush_reg || chk_valid_reg || rvalid_reg || irq_valid_reg || pq_due ||
    (want_fetch | want_slot | rst_pend_reg | tok_out_reg | wait_v) != {CHANNELS{1'b0}});

endmodule

`resetall
