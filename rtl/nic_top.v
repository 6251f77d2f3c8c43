`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * NIC top level: receive pipeline, host interface (descriptor-ring DMA for
 * receive and transmit, interrupt vectors) and control/status registers.
 *
 *   line RX --> rx_ingress --+--> data FIFO ----------------+
 *                            |                              v
 *                            +--> rx_parser --> results --> rx_csum --> nic_dma_rx --> writes
 *                                 (L2/L3/L4, RSS hash,      |   queue   (buffers,      (data,
 *                                  indirection)             +---------> completions)  completions)
 *                                                                          |
 *                                                                          +--> m_axis_rxmeta
 *   nic_desc_fetch (RX queues) --reads--> host     nic_desc_fetch (TX queue)
 *   nic_dma_tx: descriptors -> buffer reads -> m_axis_tx, completions
 *   nic_dma_rd_arb: read requests (RX descriptors, TX descriptors, TX data),
 *                   tags, completions routed by tag
 *   nic_dma_wr_arb: host writes (RX data/completions, TX completions)
 *   nic_irq: per-vector moderation; events when a completion's last beat is
 *            accepted by the host
 *   nic_csr: configuration, statistics, register-port decoding
 *
 * rx_ingress launches a frame's header to the parser as soon as HDR_BYTES
 * bytes (or the whole frame) have arrived, so the data FIFO only has to
 * cover the capture time plus the parser latency, independent of the frame
 * length. The frame's queue is handed to the DMA engine when the checksum
 * stage takes the parse result, i.e. before the frame's first beat. Every
 * stage moves one beat or one frame per cycle.
 */
module nic_top #
(
    // Width of the line-side data path in bits (64, 128, 256 or 512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep (one bit per byte, must be DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Header bytes captured per frame for parsing (power of two, 64..256,
    // at least one beat)
    parameter HDR_BYTES = 128,
    // IPv6 extension headers walked before a chain counts as unparsed (1..8)
    parameter EXT_MAX = 4,
    // Receive queues (1..32); interrupt vectors: NUM_RXQ + 1
    parameter NUM_RXQ = 16,
    // DMA read tags (power of two, 2..128): reads outstanding at most
    parameter READ_TAGS = 32,
    // Descriptors prefetched per queue (power of two, 2..16)
    parameter DESC_DEPTH = 8,
    // Transmit read-data reorder buffer in bytes (power of two, >= 4096)
    parameter TX_BUF_BYTES = 16384,
    // TCP offload engine: connection slots (power of two, 64..65536)
    parameter TOE_SLOTS = 1024
)
(
    /*
     * Clock/reset
     */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Line-side receive stream
     */
    input  wire [DATA_WIDTH-1:0] s_axis_rx_tdata,
    input  wire [KEEP_WIDTH-1:0] s_axis_rx_tkeep,
    input  wire                  s_axis_rx_tvalid,
    output wire                  s_axis_rx_tready,
    input  wire                  s_axis_rx_tlast,
    input  wire                  s_axis_rx_tuser,

    /*
     * Configuration (register port)
     */
    input  wire [15:0]           s_csr_addr,
    input  wire [31:0]           s_csr_wdata,
    input  wire                  s_csr_wr,
    input  wire                  s_csr_rd,
    output wire [31:0]           s_csr_rdata,
    output wire                  s_csr_rvalid,

    /*
     * Per-frame receive results
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
     * Time, for interrupt moderation (may jump over idle time)
     */
    input  wire [63:0]           s_now_ns,
    output wire                  timer_armed,
    output wire [63:0]           timer_deadline_ns,

    /*
     * DMA read requests and completions
     */
    output wire                  m_dma_rd_req_valid,
    input  wire                  m_dma_rd_req_ready,
    output wire [63:0]           m_dma_rd_req_addr,
    output wire [12:0]           m_dma_rd_req_len,
    output wire [7:0]            m_dma_rd_req_tag,

    input  wire                  s_dma_rd_cpl_valid,
    output wire                  s_dma_rd_cpl_ready,
    input  wire [DATA_WIDTH-1:0] s_dma_rd_cpl_data,
    input  wire [7:0]            s_dma_rd_cpl_tag,
    input  wire                  s_dma_rd_cpl_last,

    /*
     * DMA writes
     */
    output wire                  m_dma_wr_valid,
    input  wire                  m_dma_wr_ready,
    output wire [63:0]           m_dma_wr_addr,
    output wire [DATA_WIDTH-1:0] m_dma_wr_data,
    output wire [KEEP_WIDTH-1:0] m_dma_wr_strb,
    output wire                  m_dma_wr_last,

    /*
     * Interrupt messages
     */
    output wire                  m_irq_valid,
    output wire [7:0]            m_irq_vector,

    /*
     * Line-side transmit stream
     */
    output wire [DATA_WIDTH-1:0] m_axis_tx_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_tx_tkeep,
    output wire                  m_axis_tx_tvalid,
    input  wire                  m_axis_tx_tready,
    output wire                  m_axis_tx_tlast,

    /*
     * Status: no work in the NIC but its timers. A timer whose deadline s_now_ns has reached
     * is not counted here (idle depends on registers only, so it is not re-evaluated for
     * every change of a top-level input): it is exported through timer_armed and
     * timer_deadline_ns, and a model that skips idle time clocks the NIC when now reaches
     * timer_deadline_ns.
     */
    output wire                  idle
);

// header capture length in beats
localparam HDR_BEATS = HDR_BYTES / KEEP_WIDTH;
// width of the captured-length field
localparam HDR_LEN_WIDTH = $clog2(HDR_BYTES+1);
// parser latency in cycles from header launch to its result FIFO
localparam PARSE_LAT = EXT_MAX + 7;
// data FIFO: capture time + parser latency + slack, rounded up to a power of two
localparam DATA_FIFO_DEPTH = 1 << $clog2(HDR_BEATS + PARSE_LAT + 8);
// parse-result FIFO
localparam PR_FIFO_DEPTH = 1 << $clog2(PARSE_LAT + 4);
// result output FIFO
localparam OUT_FIFO_DEPTH = 4;
// queue index widths
localparam RXQ_WIDTH = NUM_RXQ > 1 ? $clog2(NUM_RXQ) : 1;
// interrupt vectors (the last one serves the TX queue by the driver's convention)
localparam NUM_VEC = NUM_RXQ + 1;
// transmit chunks (reads) in flight
localparam TX_CHUNKS = 32;
// read context words: RX descriptors, TX descriptors, TX data; the widest sets the width
localparam SLOT_WIDTH = $clog2(DESC_DEPTH);
localparam CTX_RXD = RXQ_WIDTH + 2 * SLOT_WIDTH + 1;
localparam CTX_TXD = 1 + 2 * SLOT_WIDTH + 1;
localparam CTX_TXB = $clog2(TX_CHUNKS) + $clog2(TX_BUF_BYTES / KEEP_WIDTH);
localparam CTX_A = CTX_RXD > CTX_TXD ? CTX_RXD : CTX_TXD;
localparam CTX_WIDTH = CTX_A > CTX_TXB ? CTX_A : CTX_TXB;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH || HDR_BYTES < 64 || HDR_BYTES > 256 ||
            (1 << $clog2(HDR_BYTES)) != HDR_BYTES || HDR_BYTES < KEEP_WIDTH ||
            EXT_MAX < 1 || EXT_MAX > 8 || NUM_RXQ < 1 || NUM_RXQ > 32 ||
            READ_TAGS < 2 || READ_TAGS > 128 || (1 << $clog2(READ_TAGS)) != READ_TAGS ||
            DESC_DEPTH < 2 || DESC_DEPTH > 16 || (1 << SLOT_WIDTH) != DESC_DEPTH ||
            TX_BUF_BYTES < 4096 || (1 << $clog2(TX_BUF_BYTES)) != TX_BUF_BYTES ||
            TOE_SLOTS < 64 || TOE_SLOTS > 65536 || (1 << $clog2(TOE_SLOTS)) != TOE_SLOTS) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_top: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES/EXT_MAX/NUM_RXQ/READ_TAGS/DESC_DEPTH/TX_BUF_BYTES/TOE_SLOTS");
`endif
        initial $fatal(1, "nic_top: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES/EXT_MAX/NUM_RXQ/READ_TAGS/DESC_DEPTH/TX_BUF_BYTES/TOE_SLOTS");
    end
endgenerate

/*
 * Configuration and statistics
 */
wire         cfg_rss_enable;
wire         cfg_csum_enable;
wire [5:0]   cfg_hash_mask;
wire [6:0]   cfg_table_mask;
wire [319:0] cfg_key;
wire [895:0] cfg_table;

wire         cfg_rx_dma_enable;
wire         cfg_tx_enable;

wire         stat_valid;
wire [15:0]  stat_len;
wire [2:0]   stat_csum;
wire [1:0]   stat_l3;
wire         stat_drop_nodesc;
wire         stat_drop_full;
wire         stat_tx_frame;
wire         stat_irq;

wire [31:0]  csr_rdata;
wire [31:0]  toe_rdata;

// the TOE's register block (0x4000..0x4FFF) is decoded here: nic_csr reads zero there
assign s_csr_rdata = csr_rdata | toe_rdata;

wire         sub_wr;
wire         sub_rd;
wire         sub_rxq;
wire         sub_txq;
wire         sub_vec;
wire [7:0]   sub_idx;
wire [3:0]   sub_off;
wire [31:0]  sub_wdata;
wire [31:0]  rxd_rdata;
wire [31:0]  rxe_rdata;
wire [31:0]  txd_rdata;
wire [31:0]  txe_rdata;
wire [31:0]  irq_rdata;

nic_csr #(
    .DATA_WIDTH(DATA_WIDTH),
    .NUM_RXQ(NUM_RXQ)
)
csr_inst (
    .clk(clk),
    .rst(rst),
    .s_csr_addr(s_csr_addr),
    .s_csr_wdata(s_csr_wdata),
    .s_csr_wr(s_csr_wr),
    .s_csr_rd(s_csr_rd),
    .s_csr_rdata(csr_rdata),
    .s_csr_rvalid(s_csr_rvalid),
    .m_sub_wr(sub_wr),
    .m_sub_rd(sub_rd),
    .m_sub_rxq(sub_rxq),
    .m_sub_txq(sub_txq),
    .m_sub_vec(sub_vec),
    .m_sub_idx(sub_idx),
    .m_sub_off(sub_off),
    .m_sub_wdata(sub_wdata),
    .s_sub_rdata(rxd_rdata | rxe_rdata | txd_rdata | txe_rdata | irq_rdata),
    .cfg_rss_enable(cfg_rss_enable),
    .cfg_csum_enable(cfg_csum_enable),
    .cfg_rx_dma_enable(cfg_rx_dma_enable),
    .cfg_tx_enable(cfg_tx_enable),
    .cfg_hash_mask(cfg_hash_mask),
    .cfg_table_mask(cfg_table_mask),
    .cfg_key(cfg_key),
    .cfg_table(cfg_table),
    .stat_valid(stat_valid),
    .stat_len(stat_len),
    .stat_csum(stat_csum),
    .stat_l3(stat_l3),
    .stat_drop_nodesc(stat_drop_nodesc),
    .stat_drop_full(stat_drop_full),
    .stat_tx_frame(stat_tx_frame),
    .stat_irq(stat_irq)
);

/*
 * Ingress and header capture
 */
wire [DATA_WIDTH-1:0]    in_tdata;
wire [KEEP_WIDTH-1:0]    in_tkeep;
wire                     in_tvalid;
wire                     in_tready;
wire                     in_tlast;
wire                     in_tuser;

wire [HDR_BYTES*8-1:0]   hdr_data;
wire [HDR_LEN_WIDTH-1:0] hdr_len;
wire                     hdr_valid;
wire                     hdr_ready;
// the parser and the TOE take every header in the same cycle
wire                     prs_hdr_ready;
wire                     toe_hdr_ready;
assign hdr_ready = prs_hdr_ready && toe_hdr_ready;

wire                     ingress_busy;

rx_ingress #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .HDR_BYTES(HDR_BYTES),
    .HDR_LEN_WIDTH(HDR_LEN_WIDTH)
)
ingress_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_rx_tdata(s_axis_rx_tdata),
    .s_axis_rx_tkeep(s_axis_rx_tkeep),
    .s_axis_rx_tvalid(s_axis_rx_tvalid),
    .s_axis_rx_tready(s_axis_rx_tready),
    .s_axis_rx_tlast(s_axis_rx_tlast),
    .s_axis_rx_tuser(s_axis_rx_tuser),
    .m_axis_data_tdata(in_tdata),
    .m_axis_data_tkeep(in_tkeep),
    .m_axis_data_tvalid(in_tvalid),
    .m_axis_data_tready(in_tready),
    .m_axis_data_tlast(in_tlast),
    .m_axis_data_tuser(in_tuser),
    .m_hdr_data(hdr_data),
    .m_hdr_len(hdr_len),
    .m_hdr_valid(hdr_valid),
    .m_hdr_ready(hdr_ready),
    .busy(ingress_busy)
);

/*
 * Frame data FIFO
 */
wire [DATA_WIDTH-1:0] fd_tdata;
wire [KEEP_WIDTH-1:0] fd_tkeep;
wire                  fd_tvalid;
wire                  fd_tready;
wire                  fd_tlast;
wire                  fd_tuser;
wire                  fd_empty;

rx_fifo #(
    .WIDTH(DATA_WIDTH + KEEP_WIDTH + 2),
    .DEPTH(DATA_FIFO_DEPTH)
)
data_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({in_tdata, in_tkeep, in_tlast, in_tuser}),
    .s_valid(in_tvalid),
    .s_ready(in_tready),
    .m_data({fd_tdata, fd_tkeep, fd_tlast, fd_tuser}),
    .m_valid(fd_tvalid),
    .m_ready(fd_tready),
    .empty(fd_empty)
);

/*
 * Parser, RSS
 */
wire         pr_valid;
wire         pr_ready;
wire [1:0]   pr_l3;
wire [1:0]   pr_l4;
wire         pr_frag;
wire [2:0]   pr_hash_type;
wire [31:0]  pr_hash;
wire [6:0]   pr_queue;
wire         pr_cs_en;
wire         pr_cs_bad_ip;
wire         pr_cs_chk_end;
wire         pr_cs_chk_ip;
wire         pr_cs_unver;
wire         pr_cs_chk_l4;
wire [4:0]   pr_l3_off;
wire [11:0]  pr_l4_off;
wire [16:0]  pr_ip_end;
wire [20:0]  pr_pseudo;
wire         parser_busy;

rx_parser #(
    .HDR_BYTES(HDR_BYTES),
    .HDR_LEN_WIDTH(HDR_LEN_WIDTH),
    .EXT_MAX(EXT_MAX),
    .FIFO_DEPTH(PR_FIFO_DEPTH)
)
parser_inst (
    .clk(clk),
    .rst(rst),
    .s_hdr_data(hdr_data),
    .s_hdr_len(hdr_len),
    .s_hdr_valid(hdr_valid && toe_hdr_ready),
    .s_hdr_ready(prs_hdr_ready),
    .m_pr_valid(pr_valid),
    .m_pr_ready(pr_ready),
    .m_pr_l3(pr_l3),
    .m_pr_l4(pr_l4),
    .m_pr_frag(pr_frag),
    .m_pr_hash_type(pr_hash_type),
    .m_pr_hash(pr_hash),
    .m_pr_queue(pr_queue),
    .m_pr_cs_en(pr_cs_en),
    .m_pr_cs_bad_ip(pr_cs_bad_ip),
    .m_pr_cs_chk_end(pr_cs_chk_end),
    .m_pr_cs_chk_ip(pr_cs_chk_ip),
    .m_pr_cs_unver(pr_cs_unver),
    .m_pr_cs_chk_l4(pr_cs_chk_l4),
    .m_pr_l3_off(pr_l3_off),
    .m_pr_l4_off(pr_l4_off),
    .m_pr_ip_end(pr_ip_end),
    .m_pr_pseudo(pr_pseudo),
    .cfg_rss_enable(cfg_rss_enable),
    .cfg_csum_enable(cfg_csum_enable),
    .cfg_hash_mask(cfg_hash_mask),
    .cfg_key(cfg_key),
    .cfg_table(cfg_table),
    .cfg_table_mask(cfg_table_mask),
    .busy(parser_busy)
);

/*
 * Checksum stage
 */
wire [DATA_WIDTH-1:0] rxd_tdata;
wire [KEEP_WIDTH-1:0] rxd_tkeep;
wire                  rxd_tvalid;
wire                  rxd_tready;
wire                  rxd_tlast;
wire                  csum_busy;

wire                  cm_valid;
wire                  cm_ready;
wire [15:0]           cm_len;
wire [1:0]            cm_l3;
wire [1:0]            cm_l4;
wire [2:0]            cm_hash_type;
wire [31:0]           cm_hash;
wire [6:0]            cm_queue;
wire [2:0]            cm_csum;
wire                  cm_frag;

// the frame's queue goes to the DMA engine when the checksum stage takes the
// parse result (before the frame's first beat); a full queue FIFO holds both
wire                  csum_pr_ready;
wire                  rxq_ready;

// the TOE's route for the frame, paired with its parse result
wire                  rt_valid;
wire                  rt_ready;
wire [1:0]            rt_kind;
wire [7:0]            rt_flags;
wire [15:0]           rt_slot;
wire [15:0]           rt_skip;
wire [15:0]           rt_plen;
wire [63:0]           rt_addr0;
wire [15:0]           rt_len0;
wire [63:0]           rt_addr1;

assign pr_ready = csum_pr_ready && rxq_ready && rt_valid;
assign rt_ready = pr_valid && csum_pr_ready && rxq_ready;

rx_csum #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .OUT_DEPTH(OUT_FIFO_DEPTH)
)
csum_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(fd_tdata),
    .s_axis_tkeep(fd_tkeep),
    .s_axis_tvalid(fd_tvalid),
    .s_axis_tready(fd_tready),
    .s_axis_tlast(fd_tlast),
    .s_axis_tuser(fd_tuser),
    .s_pr_valid(pr_valid && rxq_ready && rt_valid),
    .s_pr_ready(csum_pr_ready),
    .s_pr_l3(pr_l3),
    .s_pr_l4(pr_l4),
    .s_pr_frag(pr_frag),
    .s_pr_hash_type(pr_hash_type),
    .s_pr_hash(pr_hash),
    .s_pr_queue(pr_queue),
    .s_pr_cs_en(pr_cs_en),
    .s_pr_cs_bad_ip(pr_cs_bad_ip),
    .s_pr_cs_chk_end(pr_cs_chk_end),
    .s_pr_cs_chk_ip(pr_cs_chk_ip),
    .s_pr_cs_unver(pr_cs_unver),
    .s_pr_cs_chk_l4(pr_cs_chk_l4),
    .s_pr_l3_off(pr_l3_off),
    .s_pr_l4_off(pr_l4_off),
    .s_pr_ip_end(pr_ip_end),
    .s_pr_pseudo(pr_pseudo),
    .m_axis_rxmeta_tvalid(cm_valid),
    .m_axis_rxmeta_tready(cm_ready),
    .m_axis_rxmeta_len(cm_len),
    .m_axis_rxmeta_l3(cm_l3),
    .m_axis_rxmeta_l4(cm_l4),
    .m_axis_rxmeta_hash_type(cm_hash_type),
    .m_axis_rxmeta_hash(cm_hash),
    .m_axis_rxmeta_queue(cm_queue),
    .m_axis_rxmeta_csum(cm_csum),
    .m_axis_rxmeta_frag(cm_frag),
    .m_axis_tdata(rxd_tdata),
    .m_axis_tkeep(rxd_tkeep),
    .m_axis_tvalid(rxd_tvalid),
    .m_axis_tready(rxd_tready),
    .m_axis_tlast(rxd_tlast),
    .stat_valid(stat_valid),
    .stat_len(stat_len),
    .stat_csum(stat_csum),
    .stat_l3(stat_l3),
    .busy(csum_busy)
);

/*
 * Receive DMA and its descriptor prefetch
 */
wire [RXQ_WIDTH-1:0] rxc_q;
wire                 rxc_req;
wire                 rxc_avail;
wire                 rxc_valid;
wire                 rxc_room;
wire [127:0]         rxc_desc;
wire [15:0]          rxc_ctr;
// the receive engine looks at its queue itself at every frame start
/* verilator lint_off UNUSEDSIGNAL */
wire                 rxc_wake;
/* verilator lint_on UNUSEDSIGNAL */
wire                 rxc_pop;
wire                 rxc_commit;
wire                 rxc_rewind;

wire                 rxd_req_valid;
wire                 rxd_req_ready;
wire [63:0]          rxd_req_addr;
wire [12:0]          rxd_req_len;
wire [CTX_WIDTH-1:0] rxd_req_ctx;

wire                 rxw_valid;
wire                 rxw_ready;
wire [63:0]          rxw_addr;
wire [DATA_WIDTH-1:0] rxw_data;
wire [KEEP_WIDTH-1:0] rxw_strb;
wire                 rxw_last;
wire [8:0]           rxw_user;

wire [2:0]           cpl_valid;
wire [2:0]           cpl_ready;
wire [DATA_WIDTH-1:0] cpl_data;
wire [CTX_WIDTH-1:0] cpl_ctx;
wire                 cpl_last;

wire                 rx_df_busy;
wire                 rx_dma_busy;

// TOE events into the completion rings
wire                 ev_valid;
wire                 ev_ready;
wire [6:0]           ev_queue;
wire [127:0]         ev_entry;
/* verilator lint_off UNUSEDSIGNAL */
wire                 stat_ev_dropped;
/* verilator lint_on UNUSEDSIGNAL */

// the per-frame result goes to the host model and to the TOE's commit stage together
wire                 rm_valid;
wire                 rm_ready;
wire                 toe_res_ready;
assign m_axis_rxmeta_tvalid = rm_valid && toe_res_ready;
assign rm_ready = m_axis_rxmeta_tready && toe_res_ready;

nic_desc_fetch #(
    .DATA_WIDTH(DATA_WIDTH),
    .NUM_Q(NUM_RXQ),
    .Q_WIDTH(RXQ_WIDTH),
    .DEPTH(DESC_DEPTH),
    .CTX_WIDTH(CTX_WIDTH)
)
rx_df_inst (
    .clk(clk),
    .rst(rst),
    .cfg_enable(cfg_rx_dma_enable),
    .s_csr_wr(sub_wr),
    .s_csr_rd(sub_rd),
    .s_csr_sel(sub_rxq),
    .s_csr_idx(sub_idx),
    .s_csr_off(sub_off),
    .s_csr_wdata(sub_wdata),
    .m_csr_rdata(rxd_rdata),
    .s_cons_q(rxc_q),
    .s_cons_req(rxc_req),
    .m_cons_avail(rxc_avail),
    .m_cons_valid(rxc_valid),
    .m_cons_room(rxc_room),
    .m_cons_desc(rxc_desc),
    .m_cons_ctr(rxc_ctr),
    .m_cons_wake(rxc_wake),
    .s_cons_pop(rxc_pop),
    .s_cons_commit(rxc_commit),
    .s_cons_rewind(rxc_rewind),
    .m_rd_req_valid(rxd_req_valid),
    .m_rd_req_ready(rxd_req_ready),
    .m_rd_req_addr(rxd_req_addr),
    .m_rd_req_len(rxd_req_len),
    .m_rd_req_ctx(rxd_req_ctx),
    .s_rd_cpl_valid(cpl_valid[0]),
    .s_rd_cpl_ready(cpl_ready[0]),
    .s_rd_cpl_data(cpl_data),
    .s_rd_cpl_ctx(cpl_ctx),
    .s_rd_cpl_last(cpl_last),
    .busy(rx_df_busy)
);

nic_dma_rx #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .NUM_Q(NUM_RXQ),
    .Q_WIDTH(RXQ_WIDTH)
)
rx_dma_inst (
    .clk(clk),
    .rst(rst),
    .cfg_enable(cfg_rx_dma_enable),
    .s_csr_wr(sub_wr),
    .s_csr_rd(sub_rd),
    .s_csr_sel(sub_rxq),
    .s_csr_idx(sub_idx),
    .s_csr_off(sub_off),
    .s_csr_wdata(sub_wdata),
    .m_csr_rdata(rxe_rdata),
    .s_q_valid(pr_valid && csum_pr_ready && rt_valid),
    .s_q_ready(rxq_ready),
    .s_q_queue(pr_queue),
    .s_q_kind(rt_kind),
    .s_q_flags(rt_flags),
    .s_q_slot(rt_slot),
    .s_q_skip(rt_skip),
    .s_q_plen(rt_plen),
    .s_q_addr0(rt_addr0),
    .s_q_len0(rt_len0),
    .s_q_addr1(rt_addr1),
    .s_ev_valid(ev_valid),
    .s_ev_ready(ev_ready),
    .s_ev_queue(ev_queue),
    .s_ev_entry(ev_entry),
    .s_axis_tdata(rxd_tdata),
    .s_axis_tkeep(rxd_tkeep),
    .s_axis_tvalid(rxd_tvalid),
    .s_axis_tready(rxd_tready),
    .s_axis_tlast(rxd_tlast),
    .s_meta_valid(cm_valid),
    .s_meta_ready(cm_ready),
    .s_meta_len(cm_len),
    .s_meta_l3(cm_l3),
    .s_meta_l4(cm_l4),
    .s_meta_hash_type(cm_hash_type),
    .s_meta_hash(cm_hash),
    .s_meta_queue(cm_queue),
    .s_meta_csum(cm_csum),
    .s_meta_frag(cm_frag),
    .m_axis_rxmeta_tvalid(rm_valid),
    .m_axis_rxmeta_tready(rm_ready),
    .m_axis_rxmeta_len(m_axis_rxmeta_len),
    .m_axis_rxmeta_l3(m_axis_rxmeta_l3),
    .m_axis_rxmeta_l4(m_axis_rxmeta_l4),
    .m_axis_rxmeta_hash_type(m_axis_rxmeta_hash_type),
    .m_axis_rxmeta_hash(m_axis_rxmeta_hash),
    .m_axis_rxmeta_queue(m_axis_rxmeta_queue),
    .m_axis_rxmeta_csum(m_axis_rxmeta_csum),
    .m_axis_rxmeta_frag(m_axis_rxmeta_frag),
    .m_axis_rxmeta_drop(m_axis_rxmeta_drop),
    .m_cons_q(rxc_q),
    .m_cons_req(rxc_req),
    .s_cons_avail(rxc_avail),
    .s_cons_valid(rxc_valid),
    .s_cons_room(rxc_room),
    .s_cons_desc(rxc_desc),
    .s_cons_ctr(rxc_ctr),
    .m_cons_pop(rxc_pop),
    .m_cons_commit(rxc_commit),
    .m_cons_rewind(rxc_rewind),
    .m_wr_valid(rxw_valid),
    .m_wr_ready(rxw_ready),
    .m_wr_addr(rxw_addr),
    .m_wr_data(rxw_data),
    .m_wr_strb(rxw_strb),
    .m_wr_last(rxw_last),
    .m_wr_user(rxw_user),
    .stat_drop_nodesc(stat_drop_nodesc),
    .stat_drop_full(stat_drop_full),
    .stat_ev_dropped(stat_ev_dropped),
    .busy(rx_dma_busy)
);

/*
 * Transmit DMA and its descriptor prefetch
 */
wire                 txc_req;
wire                 txc_avail;
wire                 txc_valid;
wire [127:0]         txc_desc;
wire [15:0]          txc_ctr;
wire                 txc_wake;
wire                 txc_pop;
wire                 txc_commit;

wire                 txd_req_valid;
wire                 txd_req_ready;
wire [63:0]          txd_req_addr;
wire [12:0]          txd_req_len;
wire [CTX_WIDTH-1:0] txd_req_ctx;

wire                 txb_req_valid;
wire                 txb_req_ready;
wire [63:0]          txb_req_addr;
wire [12:0]          txb_req_len;
wire [CTX_WIDTH-1:0] txb_req_ctx;

wire                 txw_valid;
wire                 txw_ready;
wire [63:0]          txw_addr;
wire [DATA_WIDTH-1:0] txw_data;
wire [KEEP_WIDTH-1:0] txw_strb;
wire                 txw_last;
wire [8:0]           txw_user;

wire                 tx_df_busy;
wire                 tx_dma_busy;

// the host's frames, before the line-side multiplexer
wire [DATA_WIDTH-1:0] dtx_tdata;
wire [KEEP_WIDTH-1:0] dtx_tkeep;
wire                  dtx_tvalid;
wire                  dtx_tready;
wire                  dtx_tlast;

// one TX queue: a single always-free room for the consumer (no rewinds)
/* verilator lint_off UNUSEDSIGNAL */
wire                 txc_room;
/* verilator lint_on UNUSEDSIGNAL */

nic_desc_fetch #(
    .DATA_WIDTH(DATA_WIDTH),
    .NUM_Q(1),
    .Q_WIDTH(1),
    .DEPTH(DESC_DEPTH),
    .CTX_WIDTH(CTX_WIDTH)
)
tx_df_inst (
    .clk(clk),
    .rst(rst),
    .cfg_enable(cfg_tx_enable),
    .s_csr_wr(sub_wr),
    .s_csr_rd(sub_rd),
    .s_csr_sel(sub_txq),
    .s_csr_idx(8'd0),
    .s_csr_off(sub_off),
    .s_csr_wdata(sub_wdata),
    .m_csr_rdata(txd_rdata),
    .s_cons_q(1'b0),
    .s_cons_req(txc_req),
    .m_cons_avail(txc_avail),
    .m_cons_valid(txc_valid),
    .m_cons_room(txc_room),
    .m_cons_desc(txc_desc),
    .m_cons_ctr(txc_ctr),
    .m_cons_wake(txc_wake),
    .s_cons_pop(txc_pop),
    .s_cons_commit(txc_commit),
    .s_cons_rewind(1'b0),
    .m_rd_req_valid(txd_req_valid),
    .m_rd_req_ready(txd_req_ready),
    .m_rd_req_addr(txd_req_addr),
    .m_rd_req_len(txd_req_len),
    .m_rd_req_ctx(txd_req_ctx),
    .s_rd_cpl_valid(cpl_valid[1]),
    .s_rd_cpl_ready(cpl_ready[1]),
    .s_rd_cpl_data(cpl_data),
    .s_rd_cpl_ctx(cpl_ctx),
    .s_rd_cpl_last(cpl_last),
    .busy(tx_df_busy)
);

nic_dma_tx #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .BUF_BYTES(TX_BUF_BYTES),
    .CHUNKS(TX_CHUNKS),
    .CTX_WIDTH(CTX_WIDTH)
)
tx_dma_inst (
    .clk(clk),
    .rst(rst),
    .cfg_enable(cfg_tx_enable),
    .s_csr_wr(sub_wr),
    .s_csr_rd(sub_rd),
    .s_csr_sel(sub_txq),
    .s_csr_off(sub_off),
    .s_csr_wdata(sub_wdata),
    .m_csr_rdata(txe_rdata),
    .s_cons_avail(txc_avail),
    .s_cons_valid(txc_valid),
    .s_cons_desc(txc_desc),
    .s_cons_ctr(txc_ctr),
    .s_cons_wake(txc_wake),
    .m_cons_req(txc_req),
    .m_cons_pop(txc_pop),
    .m_cons_commit(txc_commit),
    .m_rd_req_valid(txb_req_valid),
    .m_rd_req_ready(txb_req_ready),
    .m_rd_req_addr(txb_req_addr),
    .m_rd_req_len(txb_req_len),
    .m_rd_req_ctx(txb_req_ctx),
    .s_rd_cpl_valid(cpl_valid[2]),
    .s_rd_cpl_ready(cpl_ready[2]),
    .s_rd_cpl_data(cpl_data),
    .s_rd_cpl_ctx(cpl_ctx),
    .s_rd_cpl_last(cpl_last),
    .m_axis_tx_tdata(dtx_tdata),
    .m_axis_tx_tkeep(dtx_tkeep),
    .m_axis_tx_tvalid(dtx_tvalid),
    .m_axis_tx_tready(dtx_tready),
    .m_axis_tx_tlast(dtx_tlast),
    .m_wr_valid(txw_valid),
    .m_wr_ready(txw_ready),
    .m_wr_addr(txw_addr),
    .m_wr_data(txw_data),
    .m_wr_strb(txw_strb),
    .m_wr_last(txw_last),
    .m_wr_user(txw_user),
    .stat_tx_frame(stat_tx_frame),
    .busy(tx_dma_busy)
);

/*
 * Host port arbitration
 */
wire                 rd_arb_busy;
wire                 wr_arb_busy;
wire [8:0]           wr_user;

nic_dma_rd_arb #(
    .DATA_WIDTH(DATA_WIDTH),
    .PORTS(3),
    .CTX_WIDTH(CTX_WIDTH),
    .READ_TAGS(READ_TAGS)
)
rd_arb_inst (
    .clk(clk),
    .rst(rst),
    .s_req_valid({txb_req_valid, txd_req_valid, rxd_req_valid}),
    .s_req_ready({txb_req_ready, txd_req_ready, rxd_req_ready}),
    .s_req_addr({txb_req_addr, txd_req_addr, rxd_req_addr}),
    .s_req_len({txb_req_len, txd_req_len, rxd_req_len}),
    .s_req_ctx({txb_req_ctx, txd_req_ctx, rxd_req_ctx}),
    .m_cpl_valid(cpl_valid),
    .m_cpl_ready(cpl_ready),
    .m_cpl_data(cpl_data),
    .m_cpl_ctx(cpl_ctx),
    .m_cpl_last(cpl_last),
    .m_dma_rd_req_valid(m_dma_rd_req_valid),
    .m_dma_rd_req_ready(m_dma_rd_req_ready),
    .m_dma_rd_req_addr(m_dma_rd_req_addr),
    .m_dma_rd_req_len(m_dma_rd_req_len),
    .m_dma_rd_req_tag(m_dma_rd_req_tag),
    .s_dma_rd_cpl_valid(s_dma_rd_cpl_valid),
    .s_dma_rd_cpl_ready(s_dma_rd_cpl_ready),
    .s_dma_rd_cpl_data(s_dma_rd_cpl_data),
    .s_dma_rd_cpl_tag(s_dma_rd_cpl_tag),
    .s_dma_rd_cpl_last(s_dma_rd_cpl_last),
    .busy(rd_arb_busy)
);

nic_dma_wr_arb #(
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .PORTS(3),
    .USER_WIDTH(9)
)
wr_arb_inst (
    .clk(clk),
    .rst(rst),
    .s_wr_valid({blw_valid, txw_valid, rxw_valid}),
    .s_wr_ready({blw_ready, txw_ready, rxw_ready}),
    .s_wr_addr({blw_addr, txw_addr, rxw_addr}),
    .s_wr_data({blw_data, txw_data, rxw_data}),
    .s_wr_strb({blw_strb, txw_strb, rxw_strb}),
    .s_wr_last({blw_last, txw_last, rxw_last}),
    .s_wr_user({blw_user, txw_user, rxw_user}),
    .m_wr_valid(m_dma_wr_valid),
    .m_wr_ready(m_dma_wr_ready),
    .m_wr_addr(m_dma_wr_addr),
    .m_wr_data(m_dma_wr_data),
    .m_wr_strb(m_dma_wr_strb),
    .m_wr_last(m_dma_wr_last),
    .m_wr_user(wr_user),
    .busy(wr_arb_busy)
);

/*
 * TCP offload engine: receive decisions and commits, ACK frames, result blocks,
 * and the line-side transmit multiplexer (docs/toe.md)
 */
wire                 toe_busy;
// busy with a due timer counted: unused here (idle counts the timers through timer_armed)
/* verilator lint_off UNUSEDSIGNAL */
wire                 toe_busy_due, irq_busy_due;
/* verilator lint_on UNUSEDSIGNAL */
wire                 ack_busy;
wire                 blk_busy;
wire                 txm_busy;
wire                 toe_timer_armed;
wire [63:0]          toe_timer_deadline_ns;
wire                 irq_timer_armed;
wire [63:0]          irq_timer_deadline_ns;

wire                 ak_valid;
wire                 ak_ready;
wire                 ak_v6;
wire                 ak_vlan;
wire [15:0]          ak_vlan_tci;
wire [7:0]           ak_ttl;
wire [7:0]           ak_tos;
wire [47:0]          ak_src_mac;
wire [47:0]          ak_dst_mac;
wire [127:0]         ak_src_addr;
wire [127:0]         ak_dst_addr;
wire [15:0]          ak_src_port;
wire [15:0]          ak_dst_port;
wire [31:0]          ak_seq;
wire [31:0]          ak_ack;
wire [15:0]          ak_win;
wire                 ak_ts;
wire [31:0]          ak_tsval;
wire [31:0]          ak_tsecr;

wire                 bk_valid;
wire                 bk_ready;
wire [63:0]          bk_addr;
wire [1535:0]        bk_data;
wire                 bk_done;

wire                 blw_valid;
wire                 blw_ready;
wire [63:0]          blw_addr;
wire [DATA_WIDTH-1:0] blw_data;
wire [KEEP_WIDTH-1:0] blw_strb;
wire                 blw_last;
wire [8:0]           blw_user;

wire [DATA_WIDTH-1:0] atx_tdata;
wire [KEEP_WIDTH-1:0] atx_tkeep;
wire                  atx_tvalid;
wire                  atx_tready;
wire                  atx_tlast;

toe_rx #(
    .SLOTS(TOE_SLOTS),
    .HDR_BYTES(HDR_BYTES),
    .HDR_LEN_WIDTH(HDR_LEN_WIDTH),
    .NUM_Q(NUM_RXQ)
)
toe_rx_inst (
    .clk(clk),
    .rst(rst),
    .s_now_ns(s_now_ns),
    .s_hdr_valid(hdr_valid && prs_hdr_ready),
    .s_hdr_ready(toe_hdr_ready),
    .s_hdr_data(hdr_data),
    .s_hdr_len(hdr_len),
    .m_route_valid(rt_valid),
    .m_route_ready(rt_ready),
    .m_route_kind(rt_kind),
    .m_route_flags(rt_flags),
    .m_route_slot(rt_slot),
    .m_route_skip(rt_skip),
    .m_route_plen(rt_plen),
    .m_route_addr0(rt_addr0),
    .m_route_len0(rt_len0),
    .m_route_addr1(rt_addr1),
    .s_res_valid(rm_valid && m_axis_rxmeta_tready),
    .s_res_ready(toe_res_ready),
    .s_res_csum(m_axis_rxmeta_csum),
    .s_res_fate(m_axis_rxmeta_drop),
    .s_res_queue(m_axis_rxmeta_queue),
    .m_ev_valid(ev_valid),
    .m_ev_ready(ev_ready),
    .m_ev_queue(ev_queue),
    .m_ev_entry(ev_entry),
    .m_ack_valid(ak_valid),
    .m_ack_ready(ak_ready),
    .m_ack_v6(ak_v6),
    .m_ack_vlan(ak_vlan),
    .m_ack_vlan_tci(ak_vlan_tci),
    .m_ack_ttl(ak_ttl),
    .m_ack_tos(ak_tos),
    .m_ack_src_mac(ak_src_mac),
    .m_ack_dst_mac(ak_dst_mac),
    .m_ack_src_addr(ak_src_addr),
    .m_ack_dst_addr(ak_dst_addr),
    .m_ack_src_port(ak_src_port),
    .m_ack_dst_port(ak_dst_port),
    .m_ack_seq(ak_seq),
    .m_ack_ack(ak_ack),
    .m_ack_win(ak_win),
    .m_ack_ts(ak_ts),
    .m_ack_tsval(ak_tsval),
    .m_ack_tsecr(ak_tsecr),
    .m_blk_valid(bk_valid),
    .m_blk_ready(bk_ready),
    .m_blk_addr(bk_addr),
    .m_blk_data(bk_data),
    .s_blk_done(bk_done),
    .s_csr_wr(s_csr_wr),
    .s_csr_rd(s_csr_rd),
    .s_csr_sel(s_csr_addr[15:12] == `NIC_BLK_TOE),
    .s_csr_idx({2'b00, s_csr_addr[11:6]}),
    .s_csr_off(s_csr_addr[5:2]),
    .s_csr_wdata(s_csr_wdata),
    .m_csr_rdata(toe_rdata),
    .timer_armed(toe_timer_armed),
    .timer_deadline_ns(toe_timer_deadline_ns),
    .busy(toe_busy_due),
    .busy_held(toe_busy)
);

toe_ack #(
    .DATA_WIDTH(DATA_WIDTH)
)
toe_ack_inst (
    .clk(clk),
    .rst(rst),
    .s_ack_valid(ak_valid),
    .s_ack_ready(ak_ready),
    .s_ack_v6(ak_v6),
    .s_ack_vlan(ak_vlan),
    .s_ack_vlan_tci(ak_vlan_tci),
    .s_ack_ttl(ak_ttl),
    .s_ack_tos(ak_tos),
    .s_ack_src_mac(ak_src_mac),
    .s_ack_dst_mac(ak_dst_mac),
    .s_ack_src_addr(ak_src_addr),
    .s_ack_dst_addr(ak_dst_addr),
    .s_ack_src_port(ak_src_port),
    .s_ack_dst_port(ak_dst_port),
    .s_ack_seq(ak_seq),
    .s_ack_ack(ak_ack),
    .s_ack_win(ak_win),
    .s_ack_ts(ak_ts),
    .s_ack_tsval(ak_tsval),
    .s_ack_tsecr(ak_tsecr),
    .m_axis_tdata(atx_tdata),
    .m_axis_tkeep(atx_tkeep),
    .m_axis_tvalid(atx_tvalid),
    .m_axis_tready(atx_tready),
    .m_axis_tlast(atx_tlast),
    .busy(ack_busy)
);

toe_blkwr #(
    .DATA_WIDTH(DATA_WIDTH)
)
toe_blkwr_inst (
    .clk(clk),
    .rst(rst),
    .s_blk_valid(bk_valid),
    .s_blk_ready(bk_ready),
    .s_blk_addr(bk_addr),
    .s_blk_data(bk_data),
    .m_blk_done(bk_done),
    .m_wr_valid(blw_valid),
    .m_wr_ready(blw_ready),
    .m_wr_addr(blw_addr),
    .m_wr_data(blw_data),
    .m_wr_strb(blw_strb),
    .m_wr_last(blw_last),
    .m_wr_user(blw_user),
    .busy(blk_busy)
);

tx_mux #(
    .DATA_WIDTH(DATA_WIDTH)
)
tx_mux_inst (
    .clk(clk),
    .rst(rst),
    .s0_axis_tdata(dtx_tdata),
    .s0_axis_tkeep(dtx_tkeep),
    .s0_axis_tvalid(dtx_tvalid),
    .s0_axis_tready(dtx_tready),
    .s0_axis_tlast(dtx_tlast),
    .s1_axis_tdata(atx_tdata),
    .s1_axis_tkeep(atx_tkeep),
    .s1_axis_tvalid(atx_tvalid),
    .s1_axis_tready(atx_tready),
    .s1_axis_tlast(atx_tlast),
    .m_axis_tdata(m_axis_tx_tdata),
    .m_axis_tkeep(m_axis_tx_tkeep),
    .m_axis_tvalid(m_axis_tx_tvalid),
    .m_axis_tready(m_axis_tx_tready),
    .m_axis_tlast(m_axis_tx_tlast),
    .busy(txm_busy)
);

// the earliest of the interrupt and TOE timers
assign timer_armed = irq_timer_armed || toe_timer_armed;
assign timer_deadline_ns = !toe_timer_armed ? irq_timer_deadline_ns :
                           !irq_timer_armed ? toe_timer_deadline_ns :
                           (toe_timer_deadline_ns < irq_timer_deadline_ns ? toe_timer_deadline_ns :
                                                                           irq_timer_deadline_ns);

/*
 * Interrupts: an event when the host accepts a completion's last beat
 */
wire                 irq_busy;

nic_irq #(
    .NUM_VEC(NUM_VEC)
)
irq_inst (
    .clk(clk),
    .rst(rst),
    .s_now_ns(s_now_ns),
    .s_csr_wr(sub_wr),
    .s_csr_rd(sub_rd),
    .s_csr_sel(sub_vec),
    .s_csr_idx(sub_idx),
    .s_csr_off(sub_off[1:0]),
    .s_csr_wdata(sub_wdata),
    .m_csr_rdata(irq_rdata),
    .s_evt_valid(m_dma_wr_valid && m_dma_wr_ready && wr_user[8]),
    .s_evt_vector(wr_user[7:0]),
    .m_irq_valid(m_irq_valid),
    .m_irq_vector(m_irq_vector),
    .timer_armed(irq_timer_armed),
    .timer_deadline_ns(irq_timer_deadline_ns),
    .stat_irq(stat_irq),
    .busy(irq_busy_due),
    .busy_held(irq_busy)
);

assign idle = !ingress_busy && fd_empty && !parser_busy && !csum_busy && !rx_df_busy &&
              !rx_dma_busy && !tx_df_busy && !tx_dma_busy && !rd_arb_busy && !wr_arb_busy &&
              !irq_busy && !toe_busy && !ack_busy && !blk_busy && !txm_busy;

endmodule

`resetall
