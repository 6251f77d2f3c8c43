`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * NIC control/status registers, statistics and register-port decoding.
 *
 * 32-bit registers at word-aligned byte addresses (address bits [1:0] are
 * ignored). Reads return data one cycle after the read strobe.
 *
 * Global registers (0x0000-0x0FFF), held here:
 *   0x000 RO  ID 0x4E494353 ("NICS")
 *   0x004 RO  DATA_WIDTH
 *   0x008 RW  CTRL: bit0 rss_enable (reset 1), bit1 csum_enable (reset 1),
 *             bit2 RX DMA enable (reset 0), bit3 TX enable (reset 0)
 *   0x00C RW  RSS hash-type enable mask, bits [5:0] (reset 0x1B)
 *   0x010 RW  indirection table size minus 1, bits [6:0] (reset 0)
 *   0x01C RO  number of RX queues (NUM_RXQ)
 *   0x020 RO  number of interrupt vectors (NUM_RXQ + 1)
 *   0x040..0x064 RW  RSS key word k = key bytes 4k..4k+3, byte 4k in [31:24]
 *   0x100..0x17C RW  indirection table word j = entries 4j..4j+3,
 *                    entry 4j+b in bits [8b+6:8b]
 *   0x200 RO  rx_frames          0x204 RO  rx_bytes[31:0]
 *   0x208 RO  rx_bytes[63:32]    0x20C RO  frames with checksum bad_ip
 *   0x210 RO  bad_l4             0x214 RO  unverified
 *   0x218 RO  non-IP frames
 *   0x220 RO  frames dropped: no RX descriptor (all queues)
 *   0x224 RO  frames dropped: completion ring full (all queues)
 *   0x228 RO  frames transmitted
 *   0x22C RO  interrupt messages sent (all vectors)
 * Sub-blocks, reached through the m_sub_* strobes (index and word offset
 * decoded here; each block registers its own read data, which is zero
 * unless the read hit it, and s_sub_rdata is their OR):
 *   0x1000 + 0x40 q  RX queue q (m_sub_rxq)
 *   0x2000..0x203F   TX queue (m_sub_txq)
 *   0x3000 + 0x10 v  interrupt vector v (m_sub_vec)
 * Other addresses read as zero and ignore writes.
 */
module nic_csr #
(
    // Line-side data path width reported at 0x004
    parameter DATA_WIDTH = 64,
    // Number of RX queues reported at 0x01C (vectors: NUM_RXQ + 1)
    parameter NUM_RXQ = 16
)
(
    /*
     * Clock/reset
     */
    input  wire               clk,
    input  wire               rst,

    /*
     * Register port
     */
    input  wire [15:0]        s_csr_addr,
    input  wire [31:0]        s_csr_wdata,
    input  wire               s_csr_wr,
    input  wire               s_csr_rd,
    output wire [31:0]        s_csr_rdata,
    output wire               s_csr_rvalid,

    /*
     * Sub-block register access
     */
    output wire               m_sub_wr,
    output wire               m_sub_rd,
    output wire               m_sub_rxq,
    output wire               m_sub_txq,
    output wire               m_sub_vec,
    output wire [7:0]         m_sub_idx,
    output wire [3:0]         m_sub_off,
    output wire [31:0]        m_sub_wdata,
    input  wire [31:0]        s_sub_rdata,

    /*
     * Configuration
     */
    output wire               cfg_rss_enable,
    output wire               cfg_csum_enable,
    output wire               cfg_rx_dma_enable,
    output wire               cfg_tx_enable,
    output wire [5:0]         cfg_hash_mask,
    output wire [6:0]         cfg_table_mask,
    output wire [319:0]       cfg_key,       // key byte 0 in bits [319:312]
    output wire [128*7-1:0]   cfg_table,     // entry e in bits [7*e+6:7*e]

    /*
     * Statistics
     */
    input  wire               stat_valid,
    input  wire [15:0]        stat_len,
    input  wire [2:0]         stat_csum,
    input  wire [1:0]         stat_l3,
    input  wire               stat_drop_nodesc,
    input  wire               stat_drop_full,
    input  wire               stat_tx_frame,
    input  wire               stat_irq
);

// identification value
localparam [31:0] ID_VALUE = `NIC_ID_VALUE;
// reported data width, queues and vectors
localparam [31:0] WIDTH_VALUE = DATA_WIDTH;
localparam [31:0] RXQ_VALUE = NUM_RXQ;
localparam [31:0] VEC_VALUE = NUM_RXQ + 1;

// word addresses (byte address / 4)
localparam [9:0] A_ID = `NIC_REG_ID_W;
localparam [9:0] A_WIDTH = `NIC_REG_WIDTH_W;
localparam [9:0] A_CTRL = `NIC_REG_CTRL_W;
localparam [9:0] A_HMASK = `NIC_REG_HASH_TYPES_W;
localparam [9:0] A_TMASK = `NIC_REG_TABLE_MASK_W;
localparam [9:0] A_NUM_RXQ = `NIC_REG_NUM_RXQ_W;
localparam [9:0] A_NUM_VEC = `NIC_REG_NUM_VEC_W;
localparam [9:0] A_KEY = `NIC_REG_KEY0_W;
localparam [9:0] A_TABLE = `NIC_REG_TABLE0_W;
localparam [9:0] A_FRAMES = `NIC_REG_STAT_RX_FRAMES_W;
localparam [9:0] A_BYTES_LO = `NIC_REG_STAT_RX_BYTES_LO_W;
localparam [9:0] A_BYTES_HI = `NIC_REG_STAT_RX_BYTES_HI_W;
localparam [9:0] A_BAD_IP = `NIC_REG_STAT_BAD_IP_W;
localparam [9:0] A_BAD_L4 = `NIC_REG_STAT_BAD_L4_W;
localparam [9:0] A_UNVER = `NIC_REG_STAT_UNVERIFIED_W;
localparam [9:0] A_NON_IP = `NIC_REG_STAT_NON_IP_W;
localparam [9:0] A_DROP_NODESC = `NIC_REG_STAT_DROP_NODESC_W;
localparam [9:0] A_DROP_FULL = `NIC_REG_STAT_DROP_CPL_FULL_W;
localparam [9:0] A_TX_FRAMES = `NIC_REG_STAT_TX_FRAMES_W;
localparam [9:0] A_IRQS = `NIC_REG_STAT_IRQS_W;

// checksum status codes counted
localparam [2:0] CS_BAD_IP = `NIC_CSUM_BAD_IP;
localparam [2:0] CS_BAD_L4 = `NIC_CSUM_BAD_L4;
localparam [2:0] CS_UNVERIFIED = `NIC_CSUM_UNVERIFIED;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            NUM_RXQ < 1 || NUM_RXQ > 32) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_csr: DATA_WIDTH or NUM_RXQ out of range");
`endif
        initial $fatal(1, "nic_csr: DATA_WIDTH or NUM_RXQ out of range");
    end
endgenerate

// byte addresses are word aligned; the low two bits carry no information
/* verilator lint_off UNUSEDSIGNAL */
wire [1:0] unused_addr_bits = s_csr_addr[1:0];
/* verilator lint_on UNUSEDSIGNAL */
wire [9:0] waddr = s_csr_addr[11:2];

// regions: globals, RX queues, TX queue, vectors
wire glob = s_csr_addr[15:12] == `NIC_BLK_GLOBAL;
wire sub_rxq = s_csr_addr[15:12] == `NIC_BLK_RXQ;
wire sub_txq = s_csr_addr[15:12] == `NIC_BLK_TXQ && s_csr_addr[11:6] == 6'd0;
wire sub_vec = s_csr_addr[15:12] == `NIC_BLK_VEC;

reg         rss_enable_reg = 1'b1;
reg         csum_enable_reg = 1'b1;
reg [5:0]   hash_mask_reg = 6'h1b;
reg [6:0]   table_mask_reg = 7'd0;
reg [319:0] key_reg = 320'd0;
reg [895:0] table_reg = 896'd0;

reg [31:0]  rdata_reg = 32'd0;
reg         rvalid_reg = 1'b0;

reg [31:0]  stat_frames_reg = 32'd0;
reg [63:0]  stat_bytes_reg = 64'd0;
reg [31:0]  stat_bad_ip_reg = 32'd0;
reg [31:0]  stat_bad_l4_reg = 32'd0;
reg [31:0]  stat_unver_reg = 32'd0;
reg [31:0]  stat_non_ip_reg = 32'd0;
reg [31:0]  stat_drop_nodesc_reg = 32'd0;
reg [31:0]  stat_drop_full_reg = 32'd0;
reg [31:0]  stat_tx_frames_reg = 32'd0;
reg [31:0]  stat_irqs_reg = 32'd0;
reg         rx_dma_enable_reg = 1'b0;
reg         tx_enable_reg = 1'b0;
reg         sub_read_reg = 1'b0;

wire key_sel = glob && waddr >= A_KEY && waddr < A_KEY + 10'd10;
wire table_sel = glob && waddr >= A_TABLE && waddr < A_TABLE + 10'd32;
wire [3:0] key_word = waddr[3:0] - A_KEY[3:0];
wire [4:0] table_word = waddr[4:0];

// bit position of key word k: key byte 4k sits at [319-32k -: 8]
wire [8:0] key_pos = 9'd288 - {key_word, 5'd0};
// bit position of table entry 4j
wire [9:0] table_pos = {table_word, 2'b00} * 10'd7;

// Read data for the selected register. Evaluated inside the clocked block,
// only on a read strobe.
function [31:0] read_data;
    input       glob_hit;
    input [9:0] addr;
    input       key_hit;
    input       table_hit;
    input [8:0] kpos;
    input [9:0] tpos;
    begin
        read_data = 32'd0;

        if (key_hit) begin
            read_data = key_reg[kpos +: 32];
        end else if (table_hit) begin
            read_data = {1'b0, table_reg[tpos + 21 +: 7],
                         1'b0, table_reg[tpos + 14 +: 7],
                         1'b0, table_reg[tpos + 7 +: 7],
                         1'b0, table_reg[tpos +: 7]};
        end else if (glob_hit) begin
            case (addr)
                A_ID: read_data = ID_VALUE;
                A_WIDTH: read_data = WIDTH_VALUE;
                A_CTRL: read_data = {28'd0, tx_enable_reg, rx_dma_enable_reg,
                                     csum_enable_reg, rss_enable_reg};
                A_HMASK: read_data = {26'd0, hash_mask_reg};
                A_TMASK: read_data = {25'd0, table_mask_reg};
                A_NUM_RXQ: read_data = RXQ_VALUE;
                A_NUM_VEC: read_data = VEC_VALUE;
                A_FRAMES: read_data = stat_frames_reg;
                A_BYTES_LO: read_data = stat_bytes_reg[31:0];
                A_BYTES_HI: read_data = stat_bytes_reg[63:32];
                A_BAD_IP: read_data = stat_bad_ip_reg;
                A_BAD_L4: read_data = stat_bad_l4_reg;
                A_UNVER: read_data = stat_unver_reg;
                A_NON_IP: read_data = stat_non_ip_reg;
                A_DROP_NODESC: read_data = stat_drop_nodesc_reg;
                A_DROP_FULL: read_data = stat_drop_full_reg;
                A_TX_FRAMES: read_data = stat_tx_frames_reg;
                A_IRQS: read_data = stat_irqs_reg;
                default: read_data = 32'd0;
            endcase
        end
    end
endfunction

always @(posedge clk) begin
    rvalid_reg <= s_csr_rd;
    if (s_csr_rd) begin
        rdata_reg <= read_data(glob, waddr, key_sel, table_sel, key_pos, table_pos);
        sub_read_reg <= sub_rxq || sub_txq || sub_vec;
    end

    if (s_csr_wr) begin
        if (key_sel) begin
            key_reg[key_pos +: 32] <= s_csr_wdata;
        end else if (table_sel) begin
            table_reg[table_pos +: 7] <= s_csr_wdata[6:0];
            table_reg[table_pos + 7 +: 7] <= s_csr_wdata[14:8];
            table_reg[table_pos + 14 +: 7] <= s_csr_wdata[22:16];
            table_reg[table_pos + 21 +: 7] <= s_csr_wdata[30:24];
        end else if (glob) begin
            case (waddr)
                A_CTRL: begin
                    rss_enable_reg <= s_csr_wdata[0];
                    csum_enable_reg <= s_csr_wdata[1];
                    rx_dma_enable_reg <= s_csr_wdata[2];
                    tx_enable_reg <= s_csr_wdata[3];
                end
                A_HMASK: hash_mask_reg <= s_csr_wdata[5:0];
                A_TMASK: table_mask_reg <= s_csr_wdata[6:0];
                default: ;
            endcase
        end
    end

    if (stat_valid) begin
        stat_frames_reg <= stat_frames_reg + 32'd1;
        stat_bytes_reg <= stat_bytes_reg + {48'd0, stat_len};
        if (stat_csum == CS_BAD_IP) begin
            stat_bad_ip_reg <= stat_bad_ip_reg + 32'd1;
        end
        if (stat_csum == CS_BAD_L4) begin
            stat_bad_l4_reg <= stat_bad_l4_reg + 32'd1;
        end
        if (stat_csum == CS_UNVERIFIED) begin
            stat_unver_reg <= stat_unver_reg + 32'd1;
        end
        if (stat_l3 == 2'd0) begin
            stat_non_ip_reg <= stat_non_ip_reg + 32'd1;
        end
    end
    if (stat_drop_nodesc) begin
        stat_drop_nodesc_reg <= stat_drop_nodesc_reg + 32'd1;
    end
    if (stat_drop_full) begin
        stat_drop_full_reg <= stat_drop_full_reg + 32'd1;
    end
    if (stat_tx_frame) begin
        stat_tx_frames_reg <= stat_tx_frames_reg + 32'd1;
    end
    if (stat_irq) begin
        stat_irqs_reg <= stat_irqs_reg + 32'd1;
    end

    if (rst) begin
        rss_enable_reg <= 1'b1;
        csum_enable_reg <= 1'b1;
        hash_mask_reg <= 6'h1b;
        table_mask_reg <= 7'd0;
        key_reg <= 320'd0;
        table_reg <= 896'd0;
        rdata_reg <= 32'd0;
        rvalid_reg <= 1'b0;
        stat_frames_reg <= 32'd0;
        stat_bytes_reg <= 64'd0;
        stat_bad_ip_reg <= 32'd0;
        stat_bad_l4_reg <= 32'd0;
        stat_unver_reg <= 32'd0;
        stat_non_ip_reg <= 32'd0;
        stat_drop_nodesc_reg <= 32'd0;
        stat_drop_full_reg <= 32'd0;
        stat_tx_frames_reg <= 32'd0;
        stat_irqs_reg <= 32'd0;
        rx_dma_enable_reg <= 1'b0;
        tx_enable_reg <= 1'b0;
        sub_read_reg <= 1'b0;
    end
end

assign s_csr_rdata = sub_read_reg ? s_sub_rdata : rdata_reg;
assign s_csr_rvalid = rvalid_reg;

assign m_sub_wr = s_csr_wr;
assign m_sub_rd = s_csr_rd;
assign m_sub_rxq = sub_rxq;
assign m_sub_txq = sub_txq;
assign m_sub_vec = sub_vec;
assign m_sub_idx = sub_vec ? s_csr_addr[11:4] : {2'b00, s_csr_addr[11:6]};
assign m_sub_off = sub_vec ? {2'b00, s_csr_addr[3:2]} : s_csr_addr[5:2];
assign m_sub_wdata = s_csr_wdata;

assign cfg_rss_enable = rss_enable_reg;
assign cfg_csum_enable = csum_enable_reg;
assign cfg_rx_dma_enable = rx_dma_enable_reg;
assign cfg_tx_enable = tx_enable_reg;
assign cfg_hash_mask = hash_mask_reg;
assign cfg_table_mask = table_mask_reg;
assign cfg_key = key_reg;
assign cfg_table = table_reg;

endmodule

`resetall
