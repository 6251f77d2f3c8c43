`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Receive header parser, RSS hash and indirection, one frame per cycle.
 *
 * Works on the captured header (first HDR_BYTES bytes, zero past the end of
 * a short frame). The pipeline has no internal back-pressure: every stage
 * advances when the output FIFO is not full, and that registered flag is the
 * input ready. Wide per-frame logic (address pair, hash input, pseudo-header
 * sum, Toeplitz, table lookup, extension steps) is computed inside each
 * stage's clocked block under the entry's valid flag, so it only switches
 * when a header passes. Stages:
 *   S0  header descriptor register (in rx_ingress, which launches the header)
 *   S1  Ethernet + up to two 802.1Q/802.1ad tags, IPv4/IPv6 fixed header
 *       (samples the checksum enable)
 *   E1..E[EXT_MAX]  IPv6 extension header walk, one header per stage
 *   L4  L4 header, fragment/hash-type decision (samples the RSS enable and
 *       the hash-type mask), hash input, checksum plan, pseudo-header sum
 *   T1, T2  Toeplitz hash (rss_toeplitz)
 *   Q   indirection table lookup
 * then a FIFO of FIFO_DEPTH results.
 *
 * Classification rules (cap = captured bytes, len = frame length; bytes past
 * cap read as zero, so a missing ethertype reads as 0 and means non-IP):
 *   ethertype 0x8100/0x88a8 -> tag (4 bytes), at most two; then 0x0800 is
 *   IPv4 (l3=1), 0x86DD IPv6 (l3=2), anything else non-IP (l3=0, nothing
 *   else reported, checksum "none").
 *   IPv4 header usable when version 4, IHL >= 5 and the whole IHL*4-byte
 *   header is captured. IPv6 header usable when version 6 and its 40 bytes
 *   are captured. An unusable header keeps l3 but reports l4=0, frag=0, no
 *   hash, queue 0 and checksum bad_ip (a malformed IP packet whose fields
 *   cannot be trusted). A usable header whose length fields are wrong (IPv4
 *   total length < IHL*4, IP end beyond the frame, IPv6 extension headers
 *   past the IP end) is classified and hashed as usual and gets bad_ip.
 *   Fragment: IPv4 MF or offset != 0; IPv6 fragment header with offset != 0
 *   or M=1 (walk stops there). Fragments: l4=3, address-only hash.
 *   IPv6 extension chain longer than EXT_MAX headers or running past cap:
 *   l4=0 (unparsed), address-only hash, checksum unverified.
 *   TCP l4=1, UDP l4=2, any other protocol l4=3. Ports are used only when
 *   the 4 port bytes are captured.
 *   Hash type (RSS enabled, usable header): TCP with ports and its type
 *   enabled, else UDP with ports and its type enabled, else the address-only
 *   type if enabled, else none. The Toeplitz input is src|dst|sport|dport
 *   exactly as on the wire.
 *   Checksum result, first match wins (evaluated in rx_csum):
 *     csum disabled or non-IP                          none
 *     tuser set on the frame                           unverified
 *     unusable header; IPv4 total length < IHL*4;
 *       IPv6 (payload length != 0) L4 offset past the IP end      bad_ip
 *     IP end beyond the frame (IPv4: L3 offset + total length, IPv6:
 *       L3 offset + 40 + payload length; not for jumbograms)     bad_ip
 *     IPv4 header checksum wrong                       bad_ip
 *     fragment, unparsed IPv6 chain, IPv6 payload length 0 (jumbogram),
 *       UDP/IPv4 with a captured checksum field of 0   unverified
 *     TCP/UDP checksum over [L4 offset, IP end) + pseudo header
 *       (src, dst, protocol, IP end - L4 offset) wrong bad_l4
 *     otherwise                                        ok
 *   The IPv6 pseudo header uses the destination of the fixed header (a
 *   routing header's final destination is not looked up).
 */
module rx_parser #
(
    // Captured header bytes (power of two, 64..256)
    parameter HDR_BYTES = 128,
    // Width of the captured-length field
    parameter HDR_LEN_WIDTH = $clog2(HDR_BYTES+1),
    // IPv6 extension headers walked (one pipeline stage each, 1..8)
    parameter EXT_MAX = 4,
    // Depth of the result FIFO (power of two)
    parameter FIFO_DEPTH = 16
)
(
    /*
     * Clock/reset
     */
    input  wire                     clk,
    input  wire                     rst,

    /*
     * Header descriptor input
     */
    input  wire [HDR_BYTES*8-1:0]   s_hdr_data,
    input  wire [HDR_LEN_WIDTH-1:0] s_hdr_len,
    input  wire                     s_hdr_valid,
    output wire                     s_hdr_ready,

    /*
     * Parse result output
     */
    output wire                     m_pr_valid,
    input  wire                     m_pr_ready,
    output wire [1:0]               m_pr_l3,
    output wire [1:0]               m_pr_l4,
    output wire                     m_pr_frag,
    output wire [2:0]               m_pr_hash_type,
    output wire [31:0]              m_pr_hash,
    output wire [6:0]               m_pr_queue,
    output wire                     m_pr_cs_en,       // report a checksum status at all
    output wire                     m_pr_cs_bad_ip,   // malformed IP header
    output wire                     m_pr_cs_chk_end,  // check IP end <= frame length
    output wire                     m_pr_cs_chk_ip,   // check the IPv4 header checksum
    output wire                     m_pr_cs_unver,    // cannot verify the L4 checksum
    output wire                     m_pr_cs_chk_l4,   // check the TCP/UDP checksum
    output wire [4:0]               m_pr_l3_off,      // IP header offset in the frame
    output wire [11:0]              m_pr_l4_off,      // L4 header offset in the frame
    output wire [16:0]              m_pr_ip_end,      // end of the IP packet in the frame
    output wire [20:0]              m_pr_pseudo,      // pseudo-header sum (unfolded)

    /*
     * Configuration
     */
    input  wire                     cfg_rss_enable,
    input  wire                     cfg_csum_enable,
    input  wire [5:0]               cfg_hash_mask,
    input  wire [319:0]             cfg_key,
    input  wire [128*7-1:0]         cfg_table,
    input  wire [6:0]               cfg_table_mask,

    /*
     * Status
     */
    output wire                     busy
);

// header byte offsets
localparam OFF_WIDTH = 12;
// aligned 4-byte slots: slot k holds header bytes 4k+2 .. 4k+5
localparam NSLOT = HDR_BYTES / 4;
// slot index width
localparam SLOT_WIDTH = $clog2(NSLOT);

// walk states (as in rx_ipv6_ext)
localparam [1:0] ST_WALK = 2'd0;
localparam [1:0] ST_DONE = 2'd1;
localparam [1:0] ST_FRAG = 2'd2;
localparam [1:0] ST_UNPARSED = 2'd3;

// side data carried through the extension walk
localparam SIDE_WIDTH = 1 + 2 + 1 + 5 + 17 + 1 + 1 + 1 + 256;
// record carried from the L4 stage to the output
localparam REC_WIDTH = 2 + 2 + 1 + 3 + 6 + 5 + OFF_WIDTH + 17 + 21;
// FIFO entry: record, hash, queue
localparam ENTRY_WIDTH = REC_WIDTH + 32 + 7;

// parameter checks
generate
    if (HDR_BYTES < 64 || HDR_BYTES > 256 || (1 << $clog2(HDR_BYTES)) != HDR_BYTES ||
            HDR_LEN_WIDTH < $clog2(HDR_BYTES+1) || EXT_MAX < 1 || EXT_MAX > 8 ||
            FIFO_DEPTH < 2 || (1 << $clog2(FIFO_DEPTH)) != FIFO_DEPTH) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_parser: bad HDR_BYTES/HDR_LEN_WIDTH/EXT_MAX/FIFO_DEPTH");
`endif
        initial $fatal(1, "rx_parser: bad HDR_BYTES/HDR_LEN_WIDTH/EXT_MAX/FIFO_DEPTH");
    end
endgenerate

function is_tag;
    input [15:0] et;
    begin
        is_tag = et == 16'h8100 || et == 16'h88a8;
    end
endfunction

function is_ext_hdr;
    input [7:0] nh;
    begin
        is_ext_hdr = nh == 8'd0 || nh == 8'd43 || nh == 8'd60 || nh == 8'd44 || nh == 8'd51;
    end
endfunction

// sum of the sixteen big-endian words of a 32-byte address pair
function [19:0] addr_words_sum;
    /* verilator no_inline_task */
    input [255:0] a;
    integer i;
    begin
        addr_words_sum = 20'd0;
        for (i = 0; i < 16; i = i + 1) begin
            addr_words_sum = addr_words_sum + {4'd0, a[16*i +: 16]};
        end
    end
endfunction

wire en;

/*
 * S0: the header descriptor register sits in rx_ingress; s_hdr_* are its
 * outputs, held while s_hdr_ready is low.
 */
wire                     s0_valid = s_hdr_valid;
wire [HDR_BYTES*8-1:0]   s0_hdr = s_hdr_data;
wire [HDR_LEN_WIDTH-1:0] s0_len = s_hdr_len;

/*
 * S1: Ethernet, tags, IP fixed header
 *
 * The narrow decode below is plain logic; the 256-bit address pair is built
 * inside the stage's clocked block for valid entries only.
 */
wire [OFF_WIDTH-1:0] s0_len_w = {{OFF_WIDTH-HDR_LEN_WIDTH{1'b0}}, s0_len};

wire [15:0] et0 = {s0_hdr[12*8 +: 8], s0_hdr[13*8 +: 8]};
wire [15:0] et1 = {s0_hdr[16*8 +: 8], s0_hdr[17*8 +: 8]};
wire [15:0] et2 = {s0_hdr[20*8 +: 8], s0_hdr[21*8 +: 8]};
wire tag0 = is_tag(et0);
wire tag1 = tag0 && is_tag(et1);
wire [15:0] ethertype = tag1 ? et2 : (tag0 ? et1 : et0);
wire [4:0] l3_off = tag1 ? 5'd22 : (tag0 ? 5'd18 : 5'd14);
wire [OFF_WIDTH-1:0] l3_off_w = {{OFF_WIDTH-5{1'b0}}, l3_off};

// first 10 bytes of the L3 header (byte i in bits [8*i+7:8*i]); bytes 1
// (DSCP) and 8 (TTL / hop limit) are not looked at
/* verilator lint_off UNUSEDSIGNAL */
wire [79:0] l3h = tag1 ? s0_hdr[22*8 +: 80] :
                  (tag0 ? s0_hdr[18*8 +: 80] : s0_hdr[14*8 +: 80]);
/* verilator lint_on UNUSEDSIGNAL */

wire is4 = ethertype == 16'h0800;
wire is6 = ethertype == 16'h86dd;

// IPv4 fixed header
wire [3:0]  v4_ver = l3h[7:4];
wire [3:0]  v4_ihl = l3h[3:0];
wire [15:0] v4_total = {l3h[2*8 +: 8], l3h[3*8 +: 8]};
wire        v4_mf = l3h[6*8+5];
wire [12:0] v4_frag_off = {l3h[6*8 +: 5], l3h[7*8 +: 8]};
wire [7:0]  v4_proto = l3h[9*8 +: 8];
wire [OFF_WIDTH-1:0] v4_hlen = {{OFF_WIDTH-6{1'b0}}, v4_ihl, 2'b00};
wire [OFF_WIDTH-1:0] v4_l4_off = l3_off_w + v4_hlen;
wire v4_hdr_ok = v4_ver == 4'd4 && v4_ihl >= 4'd5 && v4_l4_off <= s0_len_w;
wire [16:0] v4_ip_end = {12'd0, l3_off} + {1'b0, v4_total};
wire v4_len_bad = v4_total < {4'd0, v4_hlen};
wire v4_frag = v4_mf || v4_frag_off != 13'd0;

// IPv6 fixed header
wire [3:0]  v6_ver = l3h[7:4];
wire [15:0] v6_plen = {l3h[4*8 +: 8], l3h[5*8 +: 8]};
wire [7:0]  v6_nh = l3h[6*8 +: 8];
wire [OFF_WIDTH-1:0] v6_l4_off = l3_off_w + 40;
wire v6_hdr_ok = v6_ver == 4'd6 && v6_l4_off <= s0_len_w;
wire [16:0] v6_ip_end = {5'd0, v6_l4_off} + {1'b0, v6_plen};
wire v6_jumbo = v6_plen == 16'd0;

wire [1:0]  s1_l3 = is4 ? 2'd1 : (is6 ? 2'd2 : 2'd0);
wire        s1_hdr_ok = is4 ? v4_hdr_ok : (is6 && v6_hdr_ok);
wire [16:0] s1_ip_end = is4 ? v4_ip_end : v6_ip_end;
wire [7:0]  s1_nh = is4 ? v4_proto : v6_nh;
wire [OFF_WIDTH-1:0] s1_cur = is4 ? v4_l4_off : v6_l4_off;
wire [1:0]  s1_state = (is6 && v6_hdr_ok) ? ST_WALK : ST_DONE;

// Address pair in wire order, first byte in the top bits (IPv4: zero
// padded), from bytes 8..39 of the L3 header.
function [255:0] addr_pair;
    // bytes 8..11 of an IPv4 header (TTL, protocol, checksum) are not used
    /* verilator lint_off UNUSEDSIGNAL */
    input [255:0] l3a;
    /* verilator lint_on UNUSEDSIGNAL */
    input         v6;
    integer i;
    begin
        addr_pair = 256'd0;
        if (v6) begin
            for (i = 0; i < 32; i = i + 1) begin
                addr_pair[255-8*i -: 8] = l3a[8*i +: 8];
            end
        end else begin
            for (i = 0; i < 8; i = i + 1) begin
                addr_pair[255-8*i -: 8] = l3a[8*(4+i) +: 8];
            end
        end
    end
endfunction

reg                     s1_valid_reg = 1'b0;
reg [HDR_BYTES*8-1:0]   s1_hdr_reg = {HDR_BYTES*8{1'b0}};
reg [HDR_LEN_WIDTH-1:0] s1_len_reg = {HDR_LEN_WIDTH{1'b0}};
reg [7:0]               s1_nh_reg = 8'd0;
reg [OFF_WIDTH-1:0]     s1_cur_reg = {OFF_WIDTH{1'b0}};
reg [1:0]               s1_state_reg = ST_DONE;
reg [SIDE_WIDTH-1:0]    s1_side_reg = {SIDE_WIDTH{1'b0}};

always @(posedge clk) begin
    if (en) begin
        s1_valid_reg <= s0_valid;
        // data registers only move with a valid entry (here and below)
        if (s0_valid) begin
            s1_hdr_reg <= s0_hdr;
            s1_len_reg <= s0_len;
            s1_nh_reg <= s1_nh;
            s1_cur_reg <= s1_cur;
            s1_state_reg <= s1_state;
            s1_side_reg <= {cfg_csum_enable, s1_l3, s1_hdr_ok, l3_off, s1_ip_end,
                            is4 && v4_len_bad, is4 && v4_frag, is6 && v6_jumbo,
                            addr_pair(tag1 ? s0_hdr[30*8 +: 256] :
                                      (tag0 ? s0_hdr[26*8 +: 256] : s0_hdr[22*8 +: 256]),
                                      is6)};
        end
    end

    if (rst) begin
        s1_valid_reg <= 1'b0;
    end
end

/*
 * E1..E[EXT_MAX]: IPv6 extension header walk
 */
wire [EXT_MAX:0]                   e_valid;
wire [(EXT_MAX+1)*HDR_BYTES*8-1:0] e_hdr;
wire [(EXT_MAX+1)*HDR_LEN_WIDTH-1:0] e_len;
wire [(EXT_MAX+1)*8-1:0]           e_nh;
wire [(EXT_MAX+1)*OFF_WIDTH-1:0]   e_cur;
wire [(EXT_MAX+1)*2-1:0]           e_state;
wire [(EXT_MAX+1)*SIDE_WIDTH-1:0]  e_side;

assign e_valid[0] = s1_valid_reg;
assign e_hdr[0 +: HDR_BYTES*8] = s1_hdr_reg;
assign e_len[0 +: HDR_LEN_WIDTH] = s1_len_reg;
assign e_nh[0 +: 8] = s1_nh_reg;
assign e_cur[0 +: OFF_WIDTH] = s1_cur_reg;
assign e_state[0 +: 2] = s1_state_reg;
assign e_side[0 +: SIDE_WIDTH] = s1_side_reg;

genvar g;
generate
    for (g = 0; g < EXT_MAX; g = g + 1) begin : g_ext
        rx_ipv6_ext #(
            .HDR_BYTES(HDR_BYTES),
            .HDR_LEN_WIDTH(HDR_LEN_WIDTH),
            .OFF_WIDTH(OFF_WIDTH),
            .SIDE_WIDTH(SIDE_WIDTH)
        )
        ext_inst (
            .clk(clk),
            .rst(rst),
            .en(en),
            .s_valid(e_valid[g]),
            .s_hdr(e_hdr[g*HDR_BYTES*8 +: HDR_BYTES*8]),
            .s_hdr_len(e_len[g*HDR_LEN_WIDTH +: HDR_LEN_WIDTH]),
            .s_nh(e_nh[g*8 +: 8]),
            .s_cur(e_cur[g*OFF_WIDTH +: OFF_WIDTH]),
            .s_state(e_state[g*2 +: 2]),
            .s_side(e_side[g*SIDE_WIDTH +: SIDE_WIDTH]),
            .m_valid(e_valid[g+1]),
            .m_hdr(e_hdr[(g+1)*HDR_BYTES*8 +: HDR_BYTES*8]),
            .m_hdr_len(e_len[(g+1)*HDR_LEN_WIDTH +: HDR_LEN_WIDTH]),
            .m_nh(e_nh[(g+1)*8 +: 8]),
            .m_cur(e_cur[(g+1)*OFF_WIDTH +: OFF_WIDTH]),
            .m_state(e_state[(g+1)*2 +: 2]),
            .m_side(e_side[(g+1)*SIDE_WIDTH +: SIDE_WIDTH])
        );
    end
endgenerate

/*
 * L4 stage
 */
// The four header bytes at an offset 4*idx+2 (all L4 offsets are 2 modulo
// 4): slot idx of the header from byte 2 on (`word`, read at the low index
// bits); bytes past the header (`top` holds its last two) and out-of-range
// slots read as zero, as in rx_ipv6_ext.
function [31:0] slot_word;
    input [OFF_WIDTH-3:0] idx;
    input [31:0]          word;
    input [15:0]          top;
    begin
        if (idx[OFF_WIDTH-3:SLOT_WIDTH] != 0) begin
            slot_word = 32'd0;
        end else if (idx[SLOT_WIDTH-1:0] == NSLOT[SLOT_WIDTH-1:0] - 1'b1) begin
            slot_word = {16'd0, top};
        end else begin
            slot_word = word;
        end
    end
endfunction

wire                     w_valid = e_valid[EXT_MAX];
// the L4 stage reads the last stage's header from byte 2 on (bytes 0..1 unused)
/* verilator lint_off UNUSEDSIGNAL */
wire [HDR_BYTES*8-1:0]   w_hdr = e_hdr[EXT_MAX*HDR_BYTES*8 +: HDR_BYTES*8];
/* verilator lint_on UNUSEDSIGNAL */
wire [HDR_LEN_WIDTH-1:0] w_len = e_len[EXT_MAX*HDR_LEN_WIDTH +: HDR_LEN_WIDTH];
wire [7:0]               w_nh = e_nh[EXT_MAX*8 +: 8];
wire [OFF_WIDTH-1:0]     w_cur = e_cur[EXT_MAX*OFF_WIDTH +: OFF_WIDTH];
wire [1:0]               w_state = e_state[EXT_MAX*2 +: 2];

wire         w_csum_en;
wire [1:0]   w_l3;
wire         w_hdr_ok;
wire [4:0]   w_l3_off;
wire [16:0]  w_ip_end;
wire         w_v4_len_bad;
wire         w_v4_frag;
wire         w_v6_jumbo;
wire [255:0] w_addr;

assign {w_csum_en, w_l3, w_hdr_ok, w_l3_off, w_ip_end, w_v4_len_bad, w_v4_frag, w_v6_jumbo,
        w_addr} = e_side[EXT_MAX*SIDE_WIDTH +: SIDE_WIDTH];

wire [OFF_WIDTH-1:0] w_len_w = {{OFF_WIDTH-HDR_LEN_WIDTH{1'b0}}, w_len};

// the ports at w_cur and the UDP checksum four bytes later (slots, see rx_ipv6_ext)
wire [OFF_WIDTH-3:0] port_idx = w_cur[OFF_WIDTH-1:2];
wire [OFF_WIDTH-3:0] udp_idx = port_idx + 1'b1;
wire [31:0] port_word = slot_word(port_idx, w_hdr[{port_idx[SLOT_WIDTH-1:0], 5'd16} +: 32],
                                  w_hdr[HDR_BYTES*8-1 -: 16]);
// bytes 4..5 of the UDP header (length) are not needed
/* verilator lint_off UNUSEDSIGNAL */
wire [31:0] udp_word = slot_word(udp_idx, w_hdr[{udp_idx[SLOT_WIDTH-1:0], 5'd16} +: 32],
                                 w_hdr[HDR_BYTES*8-1 -: 16]);
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] sport = {port_word[7:0], port_word[15:8]};
wire [15:0] dport = {port_word[23:16], port_word[31:24]};
wire [15:0] udp_csum = {udp_word[23:16], udp_word[31:24]};

wire w_v4 = w_l3 == 2'd1;
wire w_v6 = w_l3 == 2'd2;
wire [1:0] w_final_state = w_state != ST_WALK ? w_state :
                           (is_ext_hdr(w_nh) ? ST_UNPARSED : ST_DONE);
wire w_frag = w_hdr_ok && (w_v4 ? w_v4_frag : w_final_state == ST_FRAG);
wire w_unparsed = w_v6 && w_final_state == ST_UNPARSED;

reg [1:0] w_l4;

always @* begin
    if (!w_hdr_ok || w_unparsed) begin
        w_l4 = 2'd0;
    end else if (w_frag) begin
        w_l4 = 2'd3;
    end else if (w_nh == 8'd6) begin
        w_l4 = 2'd1;
    end else if (w_nh == 8'd17) begin
        w_l4 = 2'd2;
    end else begin
        w_l4 = 2'd3;
    end
end

wire w_tcp_udp = w_l4 == 2'd1 || w_l4 == 2'd2;
wire w_ports_ok = w_tcp_udp && (w_cur + 4) <= w_len_w;
wire w_udp0 = w_v4 && w_l4 == 2'd2 && (w_cur + 8) <= w_len_w && udp_csum == 16'd0;

wire m_tcp = w_v4 ? cfg_hash_mask[1] : cfg_hash_mask[4];
wire m_udp = w_v4 ? cfg_hash_mask[2] : cfg_hash_mask[5];
wire m_ip = w_v4 ? cfg_hash_mask[0] : cfg_hash_mask[3];

reg [2:0] w_ht;

always @* begin
    if (!cfg_rss_enable || !w_hdr_ok) begin
        w_ht = `NIC_HT_NONE;
    end else if (w_l4 == 2'd1 && w_ports_ok && m_tcp) begin
        w_ht = w_v4 ? `NIC_HT_TCP_IPV4 : `NIC_HT_TCP_IPV6;
    end else if (w_l4 == 2'd2 && w_ports_ok && m_udp) begin
        w_ht = w_v4 ? `NIC_HT_UDP_IPV4 : `NIC_HT_UDP_IPV6;
    end else if (m_ip) begin
        w_ht = w_v4 ? `NIC_HT_IPV4 : `NIC_HT_IPV6;
    end else begin
        w_ht = `NIC_HT_NONE;
    end
end

wire w_use_ports = w_ht == `NIC_HT_TCP_IPV4 || w_ht == `NIC_HT_UDP_IPV4 ||
                   w_ht == `NIC_HT_TCP_IPV6 || w_ht == `NIC_HT_UDP_IPV6;
wire [31:0] w_ports = w_use_ports ? {sport, dport} : 32'd0;

wire [16:0] w_cur_17 = {5'd0, w_cur};
wire [15:0] w_l4_len = w_ip_end[15:0] - {4'd0, w_cur};

wire cs_en = w_csum_en && w_l3 != 2'd0;
wire cs_bad_ip = !w_hdr_ok || (w_v4 && w_v4_len_bad) ||
                 (w_v6 && !w_v6_jumbo && w_final_state == ST_DONE && w_cur_17 > w_ip_end);
wire cs_chk_end = w_hdr_ok && !(w_v6 && w_v6_jumbo);
wire cs_chk_ip = w_v4 && w_hdr_ok;
wire cs_unver = w_frag || w_unparsed || (w_v6 && w_v6_jumbo) || w_udp0;
wire cs_chk_l4 = w_tcp_udp;

reg                 l4_valid_reg = 1'b0;
reg [REC_WIDTH-1:0] l4_rec_reg = {REC_WIDTH{1'b0}};
reg [287:0]         l4_hin_reg = 288'd0;

// the pseudo-header sum and the hash input are built for valid entries only
always @(posedge clk) begin
    if (en) begin
        l4_valid_reg <= w_valid;
        if (w_valid) begin
            l4_rec_reg <= {w_l3, w_l4, w_frag, w_ht,
                           cs_en, cs_bad_ip, cs_chk_end, cs_chk_ip, cs_unver, cs_chk_l4,
                           w_l3_off, w_cur, w_ip_end,
                           {1'b0, addr_words_sum(w_addr)} + {13'd0, w_nh} + {5'd0, w_l4_len}};
            l4_hin_reg <= (w_ht == 3'd0) ? 288'd0 :
                          (w_v4 ? {w_addr[255:192], w_ports, 192'd0} : {w_addr, w_ports});
        end
    end

    if (rst) begin
        l4_valid_reg <= 1'b0;
    end
end

/*
 * T1, T2: Toeplitz
 */
wire [31:0] hash;

rss_toeplitz #(
    .IN_BYTES(36),
    .KEY_BYTES(40)
)
toeplitz_inst (
    .clk(clk),
    .rst(rst),
    .en(en),
    .key(cfg_key),
    .s_valid(l4_valid_reg),
    .s_data(l4_hin_reg),
    .m_hash(hash)
);

reg                 t1_valid_reg = 1'b0;
reg [REC_WIDTH-1:0] t1_rec_reg = {REC_WIDTH{1'b0}};
reg                 t2_valid_reg = 1'b0;
reg [REC_WIDTH-1:0] t2_rec_reg = {REC_WIDTH{1'b0}};

always @(posedge clk) begin
    if (en) begin
        t1_valid_reg <= l4_valid_reg;
        t2_valid_reg <= t1_valid_reg;
        if (l4_valid_reg) begin
            t1_rec_reg <= l4_rec_reg;
        end
        if (t1_valid_reg) begin
            t2_rec_reg <= t1_rec_reg;
        end
    end

    if (rst) begin
        t1_valid_reg <= 1'b0;
        t2_valid_reg <= 1'b0;
    end
end

/*
 * Q: indirection
 */
wire [2:0] t2_ht = t2_rec_reg[REC_WIDTH-6 -: 3];
wire [6:0] tbl_idx = hash[6:0] & cfg_table_mask;

reg                 q_valid_reg = 1'b0;
reg [REC_WIDTH-1:0] q_rec_reg = {REC_WIDTH{1'b0}};
reg [31:0]          q_hash_reg = 32'd0;
reg [6:0]           q_queue_reg = 7'd0;

always @(posedge clk) begin
    if (en) begin
        q_valid_reg <= t2_valid_reg;
        if (t2_valid_reg) begin
            q_rec_reg <= t2_rec_reg;
            q_hash_reg <= hash;
            // no hash (type 0) goes to queue 0
            q_queue_reg <= (t2_ht == 3'd0) ? 7'd0 : cfg_table[7*tbl_idx +: 7];
        end
    end

    if (rst) begin
        q_valid_reg <= 1'b0;
    end
end

/*
 * Result FIFO
 */
wire [ENTRY_WIDTH-1:0] fifo_out;
wire fifo_empty;

rx_fifo #(
    .WIDTH(ENTRY_WIDTH),
    .DEPTH(FIFO_DEPTH)
)
fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({q_rec_reg, q_hash_reg, q_queue_reg}),
    .s_valid(q_valid_reg),
    .s_ready(en),
    .m_data(fifo_out),
    .m_valid(m_pr_valid),
    .m_ready(m_pr_ready),
    .empty(fifo_empty)
);

assign {m_pr_l3, m_pr_l4, m_pr_frag, m_pr_hash_type,
        m_pr_cs_en, m_pr_cs_bad_ip, m_pr_cs_chk_end, m_pr_cs_chk_ip, m_pr_cs_unver, m_pr_cs_chk_l4,
        m_pr_l3_off, m_pr_l4_off, m_pr_ip_end, m_pr_pseudo, m_pr_hash, m_pr_queue} = fifo_out;

assign s_hdr_ready = en;

assign busy = s0_valid || (|e_valid) || l4_valid_reg || t1_valid_reg || t2_valid_reg ||
              q_valid_reg || !fifo_empty;

endmodule

`resetall
