`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Receive DMA: frames after the checksum stage into host buffers, then a
 * completion entry per frame; TOE routes (place, consume) and TOE events.
 *
 * Inputs, all in frame order:
 *   s_q_*     the frame's queue and route, as soon as the parse result is
 *             taken by the checksum stage (before the frame's first beat):
 *             kind 0 HOST (flags/slot go into the completion: byte 15 bits
 *             4:0, bytes 12..13 when flags != 0), 1 PLACE (frame bytes
 *             [skip, skip+plen): the first len0 at addr0, the rest at addr1;
 *             len0 is clamped to plen), 2 CONSUME (discarded); 3 is taken
 *             as HOST
 *   s_axis_*  the frame's beats (all full except the last)
 *   s_meta_*  the frame's result (length, hash, checksum status...), present
 *             by the time the frame's last beat is
 *
 * Frame by frame (state machine):
 *   START  write a waiting event first (see below); a frame starts only
 *          when its result has room in the result FIFO (reserved here, so
 *          a frame never waits for that room once started, and events are
 *          written while the result stream is held). RX DMA disabled -> drop
 *          1 (every route); CONSUME -> discard, fate CONSUMED; PLACE -> DATA
 *          with three segments: skip (nothing written), extent 0, extent
 *          1, then the rest is discarded (DROP), fate PLACED. HOST: decide
 *          with the queue alone: no descriptor (queue disabled, unknown
 *          queue, rd == tail) -> drop 1; completion ring full -> drop 2
 *          (discarding starts in this cycle); else take the first descriptor
 *          (or wait for it)
 *   DESC   take the next descriptor; a frame whose buffers run out (or that
 *          would need more than the prefetch depth) is dropped as
 *          'no descriptor' and gives its descriptors back (rewind)
 *   DATA   write the frame's bytes into the buffer, one aligned beat per
 *          cycle, realigning them to the buffer address; a burst ends at the
 *          buffer's end, the frame's end and every 4 KiB boundary
 *   DROP   discard the frame's beats
 * A delivered frame commits its descriptors and queues a 16-byte completion
 * (one beat, two at 64 bits) which is written before the next frame's data;
 * the next frame's decision overlaps it, so back-to-back frames in aligned
 * buffers need no idle write cycle. Every frame's result leaves on
 * m_axis_rxmeta_* with its fate (0 delivered, 1 dropped: no descriptor,
 * 2 dropped: completion ring full) when the fate is final; a full result
 * FIFO holds the engine (tready is honoured).
 *
 * The byte window is two beats deep (E0, E1); the frame offset within E0
 * is pm. An output beat takes n = min(bytes to the next aligned address,
 * bytes left in the buffer, bytes left in the frame) bytes from the window.
 * The wide shifts happen only when a beat is written, in the clocked block.
 *
 * The completion's last beat carries the event sideband {1, vector}; the
 * top level counts the event when the host accepts that beat.
 *
 * Events (s_ev_*): a 16-byte entry for queue s_ev_queue's completion ring,
 * written like a frame's completion (phase ORed into byte 15 bit 7, tail,
 * sideband), only in START with no completion pending (never inside a
 * frame's burst or completion); a waiting event holds the next frame's
 * start. A full ring holds the event; an event for a disabled or unknown
 * queue, or with RX DMA disabled, is taken and dropped (stat_ev_dropped).
 * The queue enables are the enable bits written to the queue blocks.
 *
 * Register sub-port (word offsets within the queue's block): 5/6 completion
 * ring base low/high, 7 log2 entries, 8 completion head (driver), 9
 * completion tail (RO), 10 vector, 11 enable (write only here), 12 drops no descriptor, 13 drops
 * completion ring full, 14 frames completed. Other offsets read zero here.
 */
module nic_dma_rx #
(
    // Width of the data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep and of the write strobes (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Number of receive queues (1..64)
    parameter NUM_Q = 16,
    // Width of a queue index
    parameter Q_WIDTH = NUM_Q > 1 ? $clog2(NUM_Q) : 1,
    // Frame-queue FIFO depth (power of two; covers the frames between the
    // parse-result hand-off and this engine)
    parameter QFIFO_DEPTH = 16,
    // Result FIFO depth (power of two)
    parameter META_DEPTH = 4
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
     * Frame queue, one per frame
     */
    input  wire                  s_q_valid,
    output wire                  s_q_ready,
    input  wire [6:0]            s_q_queue,
    input  wire [1:0]            s_q_kind,
    input  wire [7:0]            s_q_flags,
    input  wire [15:0]           s_q_slot,
    input  wire [15:0]           s_q_skip,
    input  wire [15:0]           s_q_plen,
    input  wire [63:0]           s_q_addr0,
    input  wire [15:0]           s_q_len0,
    input  wire [63:0]           s_q_addr1,

    /*
     * Events: completion-ring entries (byte k in [8k+7:8k]; the phase is ORed in)
     */
    input  wire                  s_ev_valid,
    output wire                  s_ev_ready,
    input  wire [6:0]            s_ev_queue,
    input  wire [127:0]          s_ev_entry,

    /*
     * Frame data
     */
    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,

    /*
     * Frame results from the checksum stage
     */
    input  wire                  s_meta_valid,
    output wire                  s_meta_ready,
    input  wire [15:0]           s_meta_len,
    input  wire [1:0]            s_meta_l3,
    input  wire [1:0]            s_meta_l4,
    input  wire [2:0]            s_meta_hash_type,
    input  wire [31:0]           s_meta_hash,
    input  wire [6:0]            s_meta_queue,
    input  wire [2:0]            s_meta_csum,
    input  wire                  s_meta_frag,

    /*
     * Frame results with their fate
     */
    output wire                  m_axis_rxmeta_tvalid,
    input  wire                  m_axis_rxmeta_tready,
    output wire [15:0]           m_axis_rxmeta_len,
    output wire [1:0]            m_axis_rxmeta_l3,
    output wire [1:0]            m_axis_rxmeta_l4,
    output wire [2:0]            m_axis_rxmeta_hash_type,
    output wire [31:0]           m_axis_rxmeta_hash,
    output wire [6:0]            m_axis_rxmeta_queue,
    output wire [2:0]            m_axis_rxmeta_csum,
    output wire                  m_axis_rxmeta_frag,
    output wire [2:0]            m_axis_rxmeta_drop,

    /*
     * Descriptors (nic_desc_fetch consumer port)
     */
    output wire [Q_WIDTH-1:0]    m_cons_q,
    output wire                  m_cons_req,
    input  wire                  s_cons_avail,
    input  wire                  s_cons_valid,
    input  wire                  s_cons_room,
    input  wire [127:0]          s_cons_desc,
    input  wire [15:0]           s_cons_ctr,
    output wire                  m_cons_pop,
    output wire                  m_cons_commit,
    output wire                  m_cons_rewind,

    /*
     * Host writes (data bursts and completions)
     */
    output wire                  m_wr_valid,
    input  wire                  m_wr_ready,
    output wire [63:0]           m_wr_addr,
    output wire [DATA_WIDTH-1:0] m_wr_data,
    output wire [KEEP_WIDTH-1:0] m_wr_strb,
    output wire                  m_wr_last,
    output wire [8:0]            m_wr_user,

    /*
     * Statistics (one strobe per dropped frame)
     */
    output wire                  stat_drop_nodesc,
    output wire                  stat_drop_full,
    output wire                  stat_ev_dropped,

    /*
     * Status
     */
    output wire                  busy
);

// queues provided for (power of two; indices >= NUM_Q are never selected)
localparam QN = 1 << Q_WIDTH;
// lane-offset bits
localparam LO_W = $clog2(KEEP_WIDTH);
// byte count within a beat (0..KEEP_WIDTH)
localparam NB_W = LO_W + 1;
// beats of a completion entry
localparam CPL_BEATS = DATA_WIDTH == 64 ? 2 : 1;
// result FIFO entry: result fields + fate
localparam RM_WIDTH = 16 + 2 + 2 + 3 + 32 + 7 + 3 + 1 + 3;
// frame-queue entry: {addr1, len0, addr0, plen, skip, slot, flags, kind, queue}
localparam QI_WIDTH = 64 + 16 + 64 + 16 + 16 + 16 + 8 + 2 + 7;
// result FIFO reservation counter
localparam RC_W = $clog2(META_DEPTH) + 1;

// routes
localparam [1:0] K_PLACE = 2'd1;
localparam [1:0] K_CONSUME = 2'd2;

// states
localparam [1:0] S_START = 2'd0;
localparam [1:0] S_DESC = 2'd1;
localparam [1:0] S_DATA = 2'd2;
localparam [1:0] S_DROP = 2'd3;

// fates
localparam [2:0] F_DELIVERED = `NIC_FATE_DELIVERED;
localparam [2:0] F_NO_DESC = `NIC_FATE_NO_DESC;
localparam [2:0] F_CPL_FULL = `NIC_FATE_CPL_FULL;
localparam [2:0] F_PLACED = `NIC_FATE_PLACED;
localparam [2:0] F_CONSUMED = `NIC_FATE_CONSUMED;

// register word offsets
localparam [3:0] R_CPL_LO = `NIC_Q_CPL_LO_W;
localparam [3:0] R_CPL_HI = `NIC_Q_CPL_HI_W;
localparam [3:0] R_CPL_LOG2 = `NIC_Q_CPL_LOG2_W;
localparam [3:0] R_CPL_HEAD = `NIC_Q_CPL_HEAD_W;
localparam [3:0] R_CPL_TAIL = `NIC_Q_CPL_TAIL_W;
localparam [3:0] R_VECTOR = `NIC_Q_VECTOR_W;
localparam [3:0] R_DROP_NODESC = `NIC_Q_DROP_NODESC_W;
localparam [3:0] R_DROP_FULL = `NIC_Q_DROP_CPL_FULL_W;
localparam [3:0] R_DONE = `NIC_Q_DONE_W;
localparam [3:0] R_ENABLE = `NIC_Q_ENABLE_W;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH || NUM_Q < 1 || NUM_Q > 64 ||
            (NUM_Q > 1 && Q_WIDTH != $clog2(NUM_Q)) || (NUM_Q == 1 && Q_WIDTH != 1) ||
            QFIFO_DEPTH < 2 || (1 << $clog2(QFIFO_DEPTH)) != QFIFO_DEPTH ||
            META_DEPTH < 2 || (1 << $clog2(META_DEPTH)) != META_DEPTH) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_dma_rx: bad DATA_WIDTH/KEEP_WIDTH/NUM_Q/Q_WIDTH/FIFO depths");
`endif
        initial $fatal(1, "nic_dma_rx: bad DATA_WIDTH/KEEP_WIDTH/NUM_Q/Q_WIDTH/FIFO depths");
    end
endgenerate

// number of bytes in a (contiguous) keep mask
function [NB_W-1:0] keep_count;
    input [KEEP_WIDTH-1:0] keep;
    integer k;
    begin
        keep_count = {NB_W{1'b0}};
        for (k = 0; k < KEEP_WIDTH; k = k + 1) begin
            keep_count = keep_count + {{NB_W-1{1'b0}}, keep[k]};
        end
    end
endfunction

// output beat: frame bytes from window offset pm placed at lane lo
// (the upper half of the shifted window is not needed)
/* verilator lint_off UNUSEDSIGNAL */
function [DATA_WIDTH-1:0] realign;
    input [DATA_WIDTH-1:0] d0;
    input [DATA_WIDTH-1:0] d1;
    input [LO_W-1:0]       pm;
    input [LO_W-1:0]       lo;
    reg [2*DATA_WIDTH-1:0] w;
    begin
        if (pm == lo) begin
            realign = d0;
        end else if (pm > lo) begin
            w = {d1, d0} >> {pm - lo, 3'b000};
            realign = w[DATA_WIDTH-1:0];
        end else begin
            realign = d0 << {lo - pm, 3'b000};
        end
    end
endfunction
/* verilator lint_on UNUSEDSIGNAL */

// n strobes starting at lane lo
function [KEEP_WIDTH-1:0] strobes;
    input [NB_W-1:0] n;
    input [LO_W-1:0] lo;
    begin
        strobes = ~({KEEP_WIDTH{1'b1}} << n) << lo;
    end
endfunction

// a queue's completion-ring registers with one register written
function [91:0] ccfg_write;
    input [91:0] cfg;
    input [3:0]  off;
    input [31:0] data;
    begin
        ccfg_write = cfg;
        case (off)
            R_CPL_LO: ccfg_write[31:0] = data;
            R_CPL_HI: ccfg_write[63:32] = data;
            R_CPL_LOG2: ccfg_write[67:64] = data[3:0];
            R_CPL_HEAD: ccfg_write[83:68] = data[15:0];
            default: ccfg_write[91:84] = data[7:0];
        endcase
    end
endfunction

// completion beat: the 16-byte entry at lane off (second: its upper half at 64 bits)
function [DATA_WIDTH-1:0] cpl_data;
    input [127:0]    entry;
    input [LO_W-1:0] off;
    input            second;
    reg [DATA_WIDTH+127:0] t;
    begin
        t = {{DATA_WIDTH{1'b0}}, entry} << {off, 3'b000};
        if (second) begin
            t = t >> DATA_WIDTH;
        end
        cpl_data = t[DATA_WIDTH-1:0];
    end
endfunction

function [KEEP_WIDTH-1:0] cpl_strb;
    input [LO_W-1:0] off;
    begin
        cpl_strb = ~({KEEP_WIDTH{1'b1}} << 16) << off;
    end
endfunction

// descriptor fields used: address and buffer bytes
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] unused_desc_rsvd = s_cons_desc[127:96];
/* verilator lint_on UNUSEDSIGNAL */

/*
 * Per-queue completion-ring state and counters
 */
// registers the driver writes: {vector[7:0], completion head[15:0], log2[3:0],
// ring base high[31:0], ring base low[31:0]}
reg [91:0]      ccfg_mem [0:QN-1];
// {frames completed[31:0], completions generated[15:0]}
reg [47:0]      cgen_mem [0:QN-1];
// completions handed to the write port (completion tail)
reg [15:0]      ctail_mem [0:QN-1];
// {frames dropped: no descriptor[31:0], completion ring full[31:0]}
reg [63:0]      cdrop_mem [0:QN-1];

/*
 * Frame queue FIFO and the next frame's queue
 */
wire            qf_valid;
wire [QI_WIDTH-1:0] qf_data;
wire            qf_empty;
wire            qf_take;
reg             qn_valid_reg = 1'b0;
reg [QI_WIDTH-1:0] qn_info_reg = {QI_WIDTH{1'b0}};
wire [6:0]      qn_reg = qn_info_reg[6:0];
wire [1:0]      qn_kind = qn_info_reg[8:7];
wire [7:0]      qn_flags = qn_info_reg[16:9];
wire [15:0]     qn_slot = qn_info_reg[32:17];
wire [15:0]     qn_skip = qn_info_reg[48:33];
wire [15:0]     qn_plen = qn_info_reg[64:49];
wire [63:0]     qn_addr0 = qn_info_reg[128:65];
wire [15:0]     qn_len0 = qn_info_reg[144:129];
wire [63:0]     qn_addr1 = qn_info_reg[208:145];
// first extent clamped to the bytes to place
wire [15:0]     qn_len0c = qn_len0 < qn_plen ? qn_len0 : qn_plen;

rx_fifo #(
    .WIDTH(QI_WIDTH),
    .DEPTH(QFIFO_DEPTH)
)
qfifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({s_q_addr1, s_q_len0, s_q_addr0, s_q_plen, s_q_skip, s_q_slot, s_q_flags, s_q_kind,
             s_q_queue}),
    .s_valid(s_q_valid),
    .s_ready(s_q_ready),
    .m_data(qf_data),
    .m_valid(qf_valid),
    .m_ready(qf_take),
    .empty(qf_empty)
);

/*
 * Engine registers
 */
reg [1:0]            st_reg = S_START;
reg [Q_WIDTH-1:0]    q_reg = {Q_WIDTH{1'b0}};
reg                  q_in_range_reg = 1'b0;
reg [2:0]            drop_code_reg = F_NO_DESC;
// HOST: completion slot and flags
reg [15:0]           hslot_reg = 16'd0;
reg [4:0]            hflags_reg = 5'd0;
// PLACE: the frame is placed; segment 0 skip, 1 first extent, 2 second extent
reg                  place_reg = 1'b0;
reg [1:0]            pseg_reg = 2'd0;
reg [63:0]           paddr0_reg = 64'd0;
reg [15:0]           plen0_reg = 16'd0;
reg [63:0]           paddr1_reg = 64'd0;
reg [15:0]           plen1_reg = 16'd0;
// result FIFO entries in use or reserved by a started frame
reg [RC_W-1:0]       rcnt_reg = {RC_W{1'b0}};
// queue enables (written through the register sub-port)
reg [QN-1:0]         qen_reg = {QN{1'b0}};

// byte window
reg [DATA_WIDTH-1:0] e0_data_reg = {DATA_WIDTH{1'b0}};
reg [NB_W-1:0]       e0_n_reg = {NB_W{1'b0}};
reg                  e0_last_reg = 1'b0;
reg                  c0_reg = 1'b0;
reg [DATA_WIDTH-1:0] e1_data_reg = {DATA_WIDTH{1'b0}};
reg [NB_W-1:0]       e1_n_reg = {NB_W{1'b0}};
reg                  e1_last_reg = 1'b0;
reg                  c1_reg = 1'b0;
reg [LO_W-1:0]       pm_reg = {LO_W{1'b0}};

// current buffer
reg [63:0]           sa_reg = 64'd0;
reg [31:0]           srem_reg = 32'd0;
reg                  burst_open_reg = 1'b0;
reg [15:0]           dfirst_reg = 16'd0;
reg [7:0]            dused_reg = 8'd0;

// completion being written
reg [1:0]            cpl_pend_reg = 2'd0;
reg [127:0]          cpl_entry_reg = 128'd0;
reg [63:0]           cpl_addr_reg = 64'd0;
reg [7:0]            cpl_vec_reg = 8'd0;
reg [Q_WIDTH-1:0]    cpl_q_reg = {Q_WIDTH{1'b0}};

// write output register
reg                  wo_valid_reg = 1'b0;
reg [63:0]           wo_addr_reg = 64'd0;
reg [DATA_WIDTH-1:0] wo_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] wo_strb_reg = {KEEP_WIDTH{1'b0}};
reg                  wo_last_reg = 1'b0;
reg [8:0]            wo_user_reg = 9'd0;

wire out_free = !wo_valid_reg || m_wr_ready;

/*
 * Result FIFO
 */
wire                 rm_ready;
wire                 rm_empty;
wire                 rm_push;
wire [2:0]           rm_fate;

/*
 * Frame control: only the current state's logic is evaluated
 *   START  decision on the next frame's queue
 *   DESC   the next descriptor of the frame
 *   DATA   the next output beat
 *   DROP   discard (from the START cycle on for a frame dropped at its start)
 */
wire [Q_WIDTH-1:0]   n_q = qn_reg[Q_WIDTH-1:0];
wire                 n_in_range = qn_reg < NUM_Q[6:0];
wire                 n_host = qn_kind != K_PLACE && qn_kind != K_CONSUME;
// result FIFO room for one more frame (reserved when the frame starts)
wire                 rm_room = rcnt_reg != META_DEPTH[RC_W-1:0];
// a frame starts when no event waits (events first) and its result has room
wire                 st_start = st_reg == S_START && qn_valid_reg && !s_ev_valid && rm_room;
wire [15:0]          n_cpl_alloc = cgen_mem[n_q][15:0];
wire [15:0]          n_cpl_head = ccfg_mem[n_q][83:68];
wire [3:0]           n_cpl_log2 = ccfg_mem[n_q][67:64];

wire [NB_W-1:0]      e0_rem = e0_n_reg - {1'b0, pm_reg};
wire [LO_W-1:0]      lo = sa_reg[LO_W-1:0];
wire                 p_skip = place_reg && pseg_reg == 2'd0;

// event queue
wire [Q_WIDTH-1:0]   ev_q = s_ev_queue[Q_WIDTH-1:0];
wire                 ev_in_range = s_ev_queue < NUM_Q[6:0];
wire [15:0]          ev_cpl_alloc = cgen_mem[ev_q][15:0];
wire [15:0]          ev_cpl_head = ccfg_mem[ev_q][83:68];
wire [3:0]           ev_cpl_log2 = ccfg_mem[ev_q][67:64];
wire                 meta_ok = s_meta_valid && rm_ready;

reg                  start_load;
reg                  start_drop;
reg                  start_place;
reg                  ev_take;
reg                  ev_write;
reg                  x_finish;
reg                  x_drop;
reg                  x_load;
reg                  drop_pop;
reg [2:0]            drop_code;
reg [Q_WIDTH-1:0]    drop_q;
reg                  drop_in_range;

reg                  d_go;
reg [NB_W-1:0]       d_n;
reg                  d_pop0;
reg                  d_pop1;
reg                  d_fend;
reg                  d_beat;
reg                  d_seg_end;
reg                  d_last;
reg [NB_W-1:0]       d_room;
reg [NB_W:0]         d_e01;
reg                  d_have;

always @* begin
    start_load = 1'b0;
    start_drop = 1'b0;
    start_place = 1'b0;
    ev_take = 1'b0;
    ev_write = 1'b0;
    x_finish = 1'b0;
    x_drop = 1'b0;
    x_load = 1'b0;
    drop_pop = 1'b0;
    drop_code = drop_code_reg;
    drop_q = q_reg;
    drop_in_range = q_in_range_reg;

    d_go = 1'b0;
    d_n = {NB_W{1'b0}};
    d_pop0 = 1'b0;
    d_pop1 = 1'b0;
    d_fend = 1'b0;
    d_beat = 1'b0;
    d_seg_end = 1'b0;
    d_last = 1'b0;
    d_room = {NB_W{1'b0}};
    d_e01 = {NB_W+1{1'b0}};
    d_have = 1'b0;

    case (st_reg)
        S_START: begin
            if (s_ev_valid) begin
                // an event between frames: dropped for a disabled or unknown queue,
                // else written when the completion port is free and its ring has room
                if (!cfg_enable || !ev_in_range || !qen_reg[ev_q]) begin
                    ev_take = 1'b1;
                end else if (cpl_pend_reg == 2'd0 &&
                             {1'b0, ev_cpl_alloc - ev_cpl_head} < (17'd1 << ev_cpl_log2)) begin
                    ev_take = 1'b1;
                    ev_write = 1'b1;
                end
            end
            if (st_start) begin
                if (!cfg_enable || (n_host && (!n_in_range || !s_cons_avail))) begin
                    start_drop = 1'b1;
                    drop_code = F_NO_DESC;
                end else if (qn_kind == K_CONSUME) begin
                    start_drop = 1'b1;
                    drop_code = F_CONSUMED;
                end else if (qn_kind == K_PLACE) begin
                    start_place = 1'b1;
                end else if ({1'b0, n_cpl_alloc - n_cpl_head} >= (17'd1 << n_cpl_log2)) begin
                    start_drop = 1'b1;
                    drop_code = F_CPL_FULL;
                end else begin
                    start_load = s_cons_valid;
                end
                // a frame dropped at its start is discarded from this cycle on
                drop_q = n_q;
                drop_in_range = n_in_range;
                drop_pop = start_drop && c0_reg && (!e0_last_reg || meta_ok);
            end
        end
        S_DESC: begin
            if (c0_reg) begin
                if (e0_last_reg && e0_rem == {NB_W{1'b0}}) begin
                    // the frame ended at the previous buffer's end (zero-byte last beat)
                    x_finish = cpl_pend_reg == 2'd0 && meta_ok;
                end else if (!s_cons_avail || !s_cons_room) begin
                    x_drop = 1'b1;
                end else begin
                    x_load = s_cons_valid;
                end
            end
        end
        S_DATA: begin
            if (c0_reg && cpl_pend_reg == 2'd0) begin
                // bytes to the next aligned address, capped by the buffer
                d_room = KEEP_WIDTH[NB_W-1:0] - {1'b0, lo};
                d_n = srem_reg < {{32-NB_W{1'b0}}, d_room} ? srem_reg[NB_W-1:0] : d_room;
                if (e0_last_reg) begin
                    d_have = 1'b1;
                    d_fend = d_n >= e0_rem;
                    if (d_fend) begin
                        d_n = e0_rem;
                    end
                end else if (d_n <= e0_rem) begin
                    d_have = 1'b1;
                end else if (c1_reg) begin
                    d_have = 1'b1;
                    d_e01 = {1'b0, e0_rem} + {1'b0, e1_n_reg};
                    if ({1'b0, d_n} >= d_e01) begin
                        // E1 (the frame's last beat) is used up too
                        d_n = d_e01[NB_W-1:0];
                        d_pop1 = 1'b1;
                        d_fend = 1'b1;
                    end
                end
                d_pop0 = d_n >= e0_rem;
                // a zero-byte beat only closes an open burst
                // (nothing is written while a placed frame's leading bytes are skipped)
                d_beat = !p_skip && (d_n != {NB_W{1'b0}} || burst_open_reg);
                d_go = d_have && (!d_beat || out_free) && (!d_fend || meta_ok);
                d_seg_end = {{32-NB_W{1'b0}}, d_n} == srem_reg;
                // the beat ends at the buffer's end, the frame's end or a 4 KiB boundary
                d_last = d_fend || d_seg_end || ((&sa_reg[11:LO_W]) && d_n == d_room);
            end
        end
        default: begin
            drop_pop = c0_reg && (!e0_last_reg || meta_ok);
        end
    endcase
end

wire drop_end = drop_pop && e0_last_reg;
wire fend_any = (d_go && d_fend) || x_finish;
wire deliver = fend_any && !place_reg;
wire place_done = fend_any && place_reg;
wire load_desc = start_load || x_load;

wire win_pop1 = d_go && d_pop1;
wire win_pop0 = (d_go && d_pop0) || x_finish || drop_pop;
wire in_fire = s_axis_tvalid && s_axis_tready;

// the next frame's queue is loaded when the register is free or being used
assign qf_take = !qn_valid_reg || st_start;

/*
 * Completion emission
 */
wire cpl_emit = cpl_pend_reg != 2'd0 && out_free;
wire cpl_second = CPL_BEATS == 2 && cpl_pend_reg == 2'd1;
wire cpl_final = cpl_emit && cpl_pend_reg == 2'd1;

reg [31:0]  rdata_reg = 32'd0;

wire [Q_WIDTH-1:0] csr_q = s_csr_idx[Q_WIDTH-1:0];

integer j;

always @(posedge clk) begin
    // next frame's queue
    if (st_start) begin
        qn_valid_reg <= 1'b0;
    end
    if (qf_take && qf_valid) begin
        qn_valid_reg <= 1'b1;
        qn_info_reg <= qf_data;
    end

    // byte window: pops, then the incoming beat goes to the first free entry
    if (win_pop1) begin
        c0_reg <= 1'b0;
        c1_reg <= 1'b0;
    end else if (win_pop0) begin
        if (c1_reg) begin
            e0_data_reg <= e1_data_reg;
            e0_n_reg <= e1_n_reg;
            e0_last_reg <= e1_last_reg;
            c1_reg <= 1'b0;
        end else begin
            c0_reg <= 1'b0;
        end
    end
    if (in_fire) begin
        if (!c0_reg || win_pop1 || (win_pop0 && !c1_reg)) begin
            e0_data_reg <= s_axis_tdata;
            e0_n_reg <= s_axis_tlast ? keep_count(s_axis_tkeep) : KEEP_WIDTH[NB_W-1:0];
            e0_last_reg <= s_axis_tlast;
            c0_reg <= 1'b1;
        end else begin
            e1_data_reg <= s_axis_tdata;
            e1_n_reg <= s_axis_tlast ? keep_count(s_axis_tkeep) : KEEP_WIDTH[NB_W-1:0];
            e1_last_reg <= s_axis_tlast;
            c1_reg <= 1'b1;
        end
    end

    // frame start
    if (st_start) begin
        q_reg <= n_q;
        q_in_range_reg <= n_in_range;
        dfirst_reg <= s_cons_ctr;
        dused_reg <= 8'd0;
        st_reg <= start_drop ? S_DROP : S_DESC;
        drop_code_reg <= drop_code;
        hslot_reg <= qn_flags != 8'd0 ? qn_slot : 16'd0;
        hflags_reg <= qn_flags[4:0];
        place_reg <= start_place;
    end
    if (start_place) begin
        // skip segment first (address 0: whole beats), then the extents
        pseg_reg <= 2'd0;
        sa_reg <= 64'd0;
        srem_reg <= {16'd0, qn_skip};
        paddr0_reg <= qn_addr0;
        plen0_reg <= qn_len0c;
        paddr1_reg <= qn_addr1;
        plen1_reg <= qn_plen - qn_len0c;
        st_reg <= S_DATA;
    end

    // next buffer
    if (load_desc) begin
        sa_reg <= s_cons_desc[63:0];
        srem_reg <= s_cons_desc[95:64];
        dused_reg <= start_load ? 8'd1 : dused_reg + 8'd1;
        st_reg <= s_cons_desc[95:64] == 32'd0 ? S_DESC : S_DATA;
    end
    if (x_drop) begin
        st_reg <= S_DROP;
        drop_code_reg <= F_NO_DESC;
    end

    // data beats
    if (d_go) begin
        if (!p_skip) begin
            sa_reg <= sa_reg + {{64-NB_W{1'b0}}, d_n};
        end
        srem_reg <= srem_reg - {{32-NB_W{1'b0}}, d_n};
        pm_reg <= d_fend ? {LO_W{1'b0}} : pm_reg + d_n[LO_W-1:0];
        if (d_fend) begin
            st_reg <= S_START;
        end else if (d_seg_end) begin
            if (!place_reg) begin
                st_reg <= S_DESC;
            end else if (pseg_reg == 2'd0) begin
                pseg_reg <= 2'd1;
                sa_reg <= paddr0_reg;
                srem_reg <= {16'd0, plen0_reg};
            end else if (pseg_reg == 2'd1) begin
                pseg_reg <= 2'd2;
                sa_reg <= paddr1_reg;
                srem_reg <= {16'd0, plen1_reg};
            end else begin
                // everything placed: the rest of the frame is discarded
                st_reg <= S_DROP;
                drop_code_reg <= F_PLACED;
            end
        end
    end

    // write output: completion beats first, then data beats
    if (cpl_emit) begin
        wo_valid_reg <= 1'b1;
        wo_addr_reg <= {cpl_addr_reg[63:LO_W], {LO_W{1'b0}}} +
                       (cpl_second ? {{64-NB_W{1'b0}}, KEEP_WIDTH[NB_W-1:0]} : 64'd0);
        wo_data_reg <= cpl_data(cpl_entry_reg, cpl_addr_reg[LO_W-1:0], cpl_second);
        wo_strb_reg <= cpl_strb(cpl_addr_reg[LO_W-1:0]);
        wo_last_reg <= cpl_final;
        wo_user_reg <= {cpl_final, cpl_vec_reg};
        cpl_pend_reg <= cpl_pend_reg - 2'd1;
    end else if (d_go && d_beat) begin
        wo_valid_reg <= 1'b1;
        wo_addr_reg <= {sa_reg[63:LO_W], {LO_W{1'b0}}};
        wo_data_reg <= realign(e0_data_reg, e1_data_reg, pm_reg, lo);
        wo_strb_reg <= strobes(d_n, lo);
        wo_last_reg <= d_last;
        wo_user_reg <= 9'd0;
        burst_open_reg <= !d_last;
    end else if (m_wr_ready) begin
        wo_valid_reg <= 1'b0;
    end

    // frame delivered: completion entry
    if (deliver) begin
        st_reg <= S_START;
        pm_reg <= {LO_W{1'b0}};
        burst_open_reg <= 1'b0;
        cpl_pend_reg <= CPL_BEATS[1:0];
        cpl_addr_reg <= {ccfg_mem[q_reg][63:4], 4'd0} +
                        {44'd0, cgen_mem[q_reg][15:0] &
                                ((16'd1 << ccfg_mem[q_reg][67:64]) - 16'd1), 4'd0};
        cpl_entry_reg <= {!cgen_mem[q_reg][{2'b00, ccfg_mem[q_reg][67:64]}], 2'd0, hflags_reg,
                          `NIC_CPL_TYPE_RX, hslot_reg,
                          {{8-Q_WIDTH{1'b0}}, q_reg}, dused_reg, dfirst_reg,
                          s_meta_frag, s_meta_l4, s_meta_l3, s_meta_csum,
                          5'd0, s_meta_hash_type, s_meta_len, s_meta_hash};
        cpl_vec_reg <= ccfg_mem[q_reg][91:84];
        cpl_q_reg <= q_reg;
        cgen_mem[q_reg] <= {cgen_mem[q_reg][47:16] + 32'd1, cgen_mem[q_reg][15:0] + 16'd1};
    end
    if (place_done) begin
        st_reg <= S_START;
        pm_reg <= {LO_W{1'b0}};
        burst_open_reg <= 1'b0;
    end

    // event: written as the queue's next completion entry
    if (ev_write) begin
        cpl_pend_reg <= CPL_BEATS[1:0];
        cpl_addr_reg <= {ccfg_mem[ev_q][63:4], 4'd0} +
                        {44'd0, ev_cpl_alloc & ((16'd1 << ev_cpl_log2) - 16'd1), 4'd0};
        cpl_entry_reg <= {s_ev_entry[127] | !cgen_mem[ev_q][{2'b00, ev_cpl_log2}], s_ev_entry[126:0]};
        cpl_vec_reg <= ccfg_mem[ev_q][91:84];
        cpl_q_reg <= ev_q;
        cgen_mem[ev_q] <= {cgen_mem[ev_q][47:16], ev_cpl_alloc + 16'd1};
    end
    if (cpl_final) begin
        ctail_mem[cpl_q_reg] <= ctail_mem[cpl_q_reg] + 16'd1;
    end

    // result FIFO: reserved at the frame's start, freed when the result leaves
    if (st_start != (m_axis_rxmeta_tvalid && m_axis_rxmeta_tready)) begin
        rcnt_reg <= st_start ? rcnt_reg + {{RC_W-1{1'b0}}, 1'b1} : rcnt_reg - {{RC_W-1{1'b0}}, 1'b1};
    end

    // frame dropped
    if (drop_end) begin
        st_reg <= S_START;
        pm_reg <= {LO_W{1'b0}};
        if (drop_in_range && (drop_code == F_NO_DESC || drop_code == F_CPL_FULL)) begin
            cdrop_mem[drop_q] <= cdrop_mem[drop_q] +
                                 (drop_code == F_NO_DESC ? {32'd1, 32'd0} : 64'd1);
        end
    end

    // registers
    if (s_csr_wr && s_csr_sel && s_csr_idx < NUM_Q[7:0]) begin
        case (s_csr_off)
            R_CPL_LO, R_CPL_HI, R_CPL_LOG2, R_CPL_HEAD, R_VECTOR:
                ccfg_mem[csr_q] <= ccfg_write(ccfg_mem[csr_q], s_csr_off, s_csr_wdata);
            R_ENABLE: qen_reg[csr_q] <= s_csr_wdata[0];
            default: ;
        endcase
    end
    if (s_csr_rd) begin
        rdata_reg <= 32'd0;
        if (s_csr_sel && s_csr_idx < NUM_Q[7:0]) begin
            case (s_csr_off)
                R_CPL_LO: rdata_reg <= ccfg_mem[csr_q][31:0];
                R_CPL_HI: rdata_reg <= ccfg_mem[csr_q][63:32];
                R_CPL_LOG2: rdata_reg <= {28'd0, ccfg_mem[csr_q][67:64]};
                R_CPL_HEAD: rdata_reg <= {16'd0, ccfg_mem[csr_q][83:68]};
                R_CPL_TAIL: rdata_reg <= {16'd0, ctail_mem[csr_q]};
                R_VECTOR: rdata_reg <= {24'd0, ccfg_mem[csr_q][91:84]};
                R_DROP_NODESC: rdata_reg <= cdrop_mem[csr_q][63:32];
                R_DROP_FULL: rdata_reg <= cdrop_mem[csr_q][31:0];
                R_DONE: rdata_reg <= cgen_mem[csr_q][47:16];
                default: rdata_reg <= 32'd0;
            endcase
        end
    end

    if (rst) begin
        qn_valid_reg <= 1'b0;
        st_reg <= S_START;
        c0_reg <= 1'b0;
        c1_reg <= 1'b0;
        pm_reg <= {LO_W{1'b0}};
        burst_open_reg <= 1'b0;
        cpl_pend_reg <= 2'd0;
        wo_valid_reg <= 1'b0;
        rdata_reg <= 32'd0;
        rcnt_reg <= {RC_W{1'b0}};
        qen_reg <= {QN{1'b0}};
        place_reg <= 1'b0;
        for (j = 0; j < QN; j = j + 1) begin
            ccfg_mem[j] <= 92'd0;
            cgen_mem[j] <= 48'd0;
            ctail_mem[j] <= 16'd0;
            cdrop_mem[j] <= 64'd0;
        end
    end
end

/*
 * Result FIFO
 */
assign rm_push = deliver || place_done || drop_end;
assign rm_fate = deliver ? F_DELIVERED : place_done ? F_PLACED : drop_code;

wire [RM_WIDTH-1:0] rm_out;

rx_fifo #(
    .WIDTH(RM_WIDTH),
    .DEPTH(META_DEPTH)
)
rm_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({s_meta_len, s_meta_l3, s_meta_l4, s_meta_hash_type, s_meta_hash, s_meta_queue,
             s_meta_csum, s_meta_frag, rm_fate}),
    .s_valid(rm_push),
    .s_ready(rm_ready),
    .m_data(rm_out),
    .m_valid(m_axis_rxmeta_tvalid),
    .m_ready(m_axis_rxmeta_tready),
    .empty(rm_empty)
);

assign {m_axis_rxmeta_len, m_axis_rxmeta_l3, m_axis_rxmeta_l4, m_axis_rxmeta_hash_type,
        m_axis_rxmeta_hash, m_axis_rxmeta_queue, m_axis_rxmeta_csum, m_axis_rxmeta_frag,
        m_axis_rxmeta_drop} = rm_out;

assign s_meta_ready = rm_push;
assign s_axis_tready = !(c0_reg && c1_reg) || win_pop0;

assign m_cons_q = st_reg == S_START ? n_q : q_reg;
assign m_cons_req = (st_start && n_host) || st_reg == S_DESC;
assign m_cons_pop = load_desc;
assign m_cons_commit = deliver;
assign m_cons_rewind = x_drop;

assign m_wr_valid = wo_valid_reg;
assign m_wr_addr = wo_addr_reg;
assign m_wr_data = wo_data_reg;
assign m_wr_strb = wo_strb_reg;
assign m_wr_last = wo_last_reg;
assign m_wr_user = wo_user_reg;

assign m_csr_rdata = rdata_reg;

assign stat_drop_nodesc = drop_end && drop_code == F_NO_DESC;
assign stat_drop_full = drop_end && drop_code == F_CPL_FULL;
assign stat_ev_dropped = ev_take && !ev_write;
assign s_ev_ready = ev_take;

assign busy = st_reg != S_START || qn_valid_reg || !qf_empty || c0_reg || c1_reg ||
              cpl_pend_reg != 2'd0 || wo_valid_reg || !rm_empty;

endmodule

`resetall
