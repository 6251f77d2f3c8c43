`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * NIC top level: receive pipeline and control/status registers.
 *
 *   line RX --> rx_ingress --+--> data FIFO ----------------+
 *                            |                              v
 *                            +--> rx_parser --> results --> rx_csum --> m_axis_rxmeta
 *                                 (L2/L3/L4, RSS hash,      |
 *                                  indirection)             +--> frame data stream
 *                                                                (towards DMA; dropped here)
 *   nic_csr: configuration (RSS key/table/types, enables) and statistics.
 *
 * rx_ingress launches a frame's header to the parser as soon as HDR_BYTES
 * bytes (or the whole frame) have arrived, so the data FIFO only has to
 * cover the capture time plus the parser latency, independent of the frame
 * length. Every stage moves one beat or one frame per cycle.
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
    parameter EXT_MAX = 4
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
    input  wire [11:0]           s_csr_addr,
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

    /*
     * Status
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

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH || HDR_BYTES < 64 || HDR_BYTES > 256 ||
            (1 << $clog2(HDR_BYTES)) != HDR_BYTES || HDR_BYTES < KEEP_WIDTH ||
            EXT_MAX < 1 || EXT_MAX > 8) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_top: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES/EXT_MAX");
`endif
        initial $fatal(1, "nic_top: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES/EXT_MAX");
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

wire         stat_valid;
wire [15:0]  stat_len;
wire [2:0]   stat_csum;
wire [1:0]   stat_l3;

nic_csr #(
    .DATA_WIDTH(DATA_WIDTH)
)
csr_inst (
    .clk(clk),
    .rst(rst),
    .s_csr_addr(s_csr_addr),
    .s_csr_wdata(s_csr_wdata),
    .s_csr_wr(s_csr_wr),
    .s_csr_rd(s_csr_rd),
    .s_csr_rdata(s_csr_rdata),
    .s_csr_rvalid(s_csr_rvalid),
    .cfg_rss_enable(cfg_rss_enable),
    .cfg_csum_enable(cfg_csum_enable),
    .cfg_hash_mask(cfg_hash_mask),
    .cfg_table_mask(cfg_table_mask),
    .cfg_key(cfg_key),
    .cfg_table(cfg_table),
    .stat_valid(stat_valid),
    .stat_len(stat_len),
    .stat_csum(stat_csum),
    .stat_l3(stat_l3)
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
    .s_hdr_valid(hdr_valid),
    .s_hdr_ready(hdr_ready),
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
 * Checksum stage and results
 */
// delayed frame data: the host-side DMA will consume it; dropped for now
/* verilator lint_off UNUSEDSIGNAL */
wire [DATA_WIDTH-1:0] rxd_tdata;
wire [KEEP_WIDTH-1:0] rxd_tkeep;
wire                  rxd_tvalid;
wire                  rxd_tlast;
/* verilator lint_on UNUSEDSIGNAL */
wire                  csum_busy;

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
    .s_pr_valid(pr_valid),
    .s_pr_ready(pr_ready),
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
    .m_axis_rxmeta_tvalid(m_axis_rxmeta_tvalid),
    .m_axis_rxmeta_tready(m_axis_rxmeta_tready),
    .m_axis_rxmeta_len(m_axis_rxmeta_len),
    .m_axis_rxmeta_l3(m_axis_rxmeta_l3),
    .m_axis_rxmeta_l4(m_axis_rxmeta_l4),
    .m_axis_rxmeta_hash_type(m_axis_rxmeta_hash_type),
    .m_axis_rxmeta_hash(m_axis_rxmeta_hash),
    .m_axis_rxmeta_queue(m_axis_rxmeta_queue),
    .m_axis_rxmeta_csum(m_axis_rxmeta_csum),
    .m_axis_rxmeta_frag(m_axis_rxmeta_frag),
    .m_axis_tdata(rxd_tdata),
    .m_axis_tkeep(rxd_tkeep),
    .m_axis_tvalid(rxd_tvalid),
    .m_axis_tready(1'b1),
    .m_axis_tlast(rxd_tlast),
    .stat_valid(stat_valid),
    .stat_len(stat_len),
    .stat_csum(stat_csum),
    .stat_l3(stat_l3),
    .busy(csum_busy)
);

assign idle = !ingress_busy && fd_empty && !parser_busy && !csum_busy;

endmodule

`resetall
