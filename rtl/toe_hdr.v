`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * TOE header field extractor (combinational).
 *
 * Takes the first bytes of a received frame (hdr_data, byte i in bits
 * [8i+7:8i], hdr_len of them valid) and extracts the TCP fields the offload
 * engine needs: addresses, ports, seq, ack, flags, window, the payload's
 * offset and length, and the timestamp option.
 *
 * cand (the frame is plain TCP the engine handles) requires:
 *   - Ethernet with 0, 1 or 2 VLAN tags (TPID 0x8100 or 0x88a8), then
 *   - IPv4: version 4, IHL 5, MF clear, fragment offset 0, protocol 6,
 *     total length >= 20 + TCP header length (so >= 40), or
 *   - IPv6: version 6, next header 6 directly, payload length >= TCP header
 *     length (so >= 20),
 *   - TCP data offset 5..15, and the whole TCP header within hdr_len.
 * So pay_len = IP length - headers never underflows when cand is set.
 * The IP length is not compared with the frame length here (hdr_len
 * saturates at HDR_BYTES); the user checks pay_off + pay_len against the
 * frame length it gets at the frame's end.
 *
 * ts: the timestamp option (kind 8, length 10) at option offset 0, or at
 * offset 2 after two NOPs (kind 1); it lies within the TCP header (data
 * offset >= 8) and so within hdr_len when cand is set.
 *
 * Every field output is meaningful only when cand is set.
 *
 * Structure: the IP header starts at one of three fixed offsets (14, 18,
 * 22), the TCP header at one of six (IHL is fixed at 5, the IPv6 header is
 * 40 bytes); each window is selected by a mux, never by a loop over bytes.
 */
module toe_hdr #
(
    // Header bytes captured (64..1024); at least 94 to see every candidate's
    // fixed TCP fields (2 VLAN tags, IPv6, timestamp option at offset 2)
    parameter HDR_BYTES = 128,
    // Width of hdr_len (must hold HDR_BYTES)
    parameter HDR_LEN_WIDTH = 8
)
(
    input  wire [HDR_BYTES*8-1:0]   hdr_data,
    input  wire [HDR_LEN_WIDTH-1:0] hdr_len,

    output wire                     cand,
    output wire                     v6,
    output wire [127:0]             src_addr,
    output wire [127:0]             dst_addr,
    output wire [15:0]              src_port,
    output wire [15:0]              dst_port,
    output wire [31:0]              seq,
    output wire [31:0]              ack,
    // bit 0 FIN, 1 SYN, 2 RST, 3 PSH, 4 ACK, 5 URG, 6 ECE, 7 CWR, 8 NS
    output wire [8:0]               flags,
    output wire [15:0]              win,
    output wire [15:0]              pay_off,
    output wire [15:0]              pay_len,
    output wire                     ts,
    output wire [31:0]              tsval,
    output wire [31:0]              tsecr
);

// parameter checks
generate
    if (HDR_BYTES < 64 || HDR_BYTES > 1024 || HDR_LEN_WIDTH < 7 || HDR_LEN_WIDTH > 16 ||
            (1 << HDR_LEN_WIDTH) <= HDR_BYTES) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_hdr: HDR_BYTES must be 64..1024 and HDR_LEN_WIDTH (<= 16) must hold HDR_BYTES");
`endif
        initial $fatal(1, "toe_hdr: bad HDR_BYTES/HDR_LEN_WIDTH");
    end
endgenerate

// bytes looked at: the last fixed field is the TSecr at offset 2 of the
// options behind 2 VLAN tags and IPv6 (62 + 20 + 12 = 94 bytes)
localparam SEEN = 94;
localparam IPW = 40;    // IP header window (IPv6 fixed header)
localparam TCPW = 32;   // TCP header window (fixed header + 12 option bytes)

wire [SEEN*8-1:0] h;
generate
    if (HDR_BYTES >= SEEN) begin : g_h_cut
        assign h = hdr_data[SEEN*8-1:0];
        if (HDR_BYTES > SEEN) begin : g_unused
            /* verilator lint_off UNUSEDSIGNAL */
            wire [(HDR_BYTES-SEEN)*8-1:0] unused_tail = hdr_data[HDR_BYTES*8-1:SEEN*8];
            /* verilator lint_on UNUSEDSIGNAL */
        end
    end else begin : g_h_pad
        assign h = {{(SEEN-HDR_BYTES)*8{1'b0}}, hdr_data};
    end
endgenerate

/*
 * Ethernet and VLAN tags: the L3 offset
 */
wire [15:0] et0 = {h[12*8 +: 8], h[13*8 +: 8]};
wire [15:0] et1 = {h[16*8 +: 8], h[17*8 +: 8]};
wire [15:0] et2 = {h[20*8 +: 8], h[21*8 +: 8]};
wire tag0 = et0 == 16'h8100 || et0 == 16'h88a8;
wire tag1 = et1 == 16'h8100 || et1 == 16'h88a8;
wire [1:0] nvlan = !tag0 ? 2'd0 : !tag1 ? 2'd1 : 2'd2;
wire [15:0] et = !tag0 ? et0 : !tag1 ? et1 : et2;
wire is4 = et == 16'h0800;
wire is6 = et == 16'h86dd;

// IP header window, byte k in bits [8k+7:8k]
reg [IPW*8-1:0] ip;
always @* begin
    case (nvlan)
        2'd0:    ip = h[14*8 +: IPW*8];
        2'd1:    ip = h[18*8 +: IPW*8];
        default: ip = h[22*8 +: IPW*8];
    endcase
end

// IPv4 (IHL 5): 0x45, flags/fragment, protocol, total length
wire [7:0] ip0 = ip[0*8 +: 8];
wire [7:0] ip6 = ip[6*8 +: 8];
wire ok4 = ip0 == 8'h45 && ip6[5:0] == 6'd0 && ip[7*8 +: 8] == 8'd0 && ip[9*8 +: 8] == 8'd6;
wire [15:0] len4 = {ip[2*8 +: 8], ip[3*8 +: 8]};
// IPv6: version, next header, payload length
wire ok6 = ip0[7:4] == 4'd6 && ip6 == 8'd6;
wire [15:0] len6 = {ip[4*8 +: 8], ip[5*8 +: 8]};

/*
 * TCP header window: l3 + 20 (IPv4) or l3 + 40 (IPv6)
 */
reg [TCPW*8-1:0] tcp;
reg [6:0] l4;
always @* begin
    case ({is6, nvlan})
        3'b000:  begin l4 = 7'd34; tcp = h[34*8 +: TCPW*8]; end
        3'b001:  begin l4 = 7'd38; tcp = h[38*8 +: TCPW*8]; end
        3'b010:  begin l4 = 7'd42; tcp = h[42*8 +: TCPW*8]; end
        3'b100:  begin l4 = 7'd54; tcp = h[54*8 +: TCPW*8]; end
        3'b101:  begin l4 = 7'd58; tcp = h[58*8 +: TCPW*8]; end
        default: begin l4 = 7'd62; tcp = h[62*8 +: TCPW*8]; end
    endcase
end

// the windows are little-endian byte arrays; the fields are big-endian
// numbers: swap the bytes (wiring only)
wire [255:0] tcp_be;    // TCP window byte k in bits [255-8k:248-8k]
wire [127:0] src6, dst6;
genvar gi;
generate
    for (gi = 0; gi < TCPW; gi = gi + 1) begin : g_tswap
        assign tcp_be[255-8*gi -: 8] = tcp[8*gi +: 8];
    end
    for (gi = 0; gi < 16; gi = gi + 1) begin : g_aswap
        assign src6[127-8*gi -: 8] = ip[(8+gi)*8 +: 8];
        assign dst6[127-8*gi -: 8] = ip[(24+gi)*8 +: 8];
    end
endgenerate
wire [31:0] src4 = {ip[12*8 +: 8], ip[13*8 +: 8], ip[14*8 +: 8], ip[15*8 +: 8]};
wire [31:0] dst4 = {ip[16*8 +: 8], ip[17*8 +: 8], ip[18*8 +: 8], ip[19*8 +: 8]};

// TCP window byte k (k = 0..31) is tcp_be[255-8k -: 8]
wire [7:0] t12 = tcp_be[255-8*12 -: 8];
wire [3:0] doff = t12[7:4];
wire [5:0] thl = {doff, 2'b00};                 // TCP header bytes
wire [7:0] tcp_end = {1'b0, l4} + {2'b00, thl}; // <= 62 + 60 = 122
wire [15:0] ip_len = is6 ? len6 : len4;
wire [15:0] ip_hdrs = is6 ? {10'd0, thl} : {10'd0, thl} + 16'd20;
wire len_ok = ip_len >= ip_hdrs;

wire [15:0] hdr_len16 = {{(16-HDR_LEN_WIDTH){1'b0}}, hdr_len};

assign cand = ((is4 && ok4) || (is6 && ok6)) && doff >= 4'd5 && len_ok &&
    {8'd0, tcp_end} <= hdr_len16;
assign v6 = is6;
assign src_addr = is6 ? src6 : {96'd0, src4};
assign dst_addr = is6 ? dst6 : {96'd0, dst4};
assign src_port = tcp_be[255 -: 16];                // bytes 0..1
assign dst_port = tcp_be[255-16 -: 16];             // bytes 2..3
assign seq = tcp_be[255-32 -: 32];                  // bytes 4..7
assign ack = tcp_be[255-64 -: 32];                  // bytes 8..11
assign flags = {t12[0], tcp_be[255-8*13 -: 8]};     // byte 12 bit 0 (NS), byte 13
assign win = tcp_be[255-8*14 -: 16];                // bytes 14..15
assign pay_off = {9'd0, l4} + {10'd0, thl};
assign pay_len = ip_len - ip_hdrs;
/* verilator lint_off UNUSEDSIGNAL */
wire [95:0] unused_macs = h[95:0];
wire [7:0] unused_tos = ip[15:8];
wire [2:0] unused_rsvd = t12[3:1];
wire [31:0] unused_csum_urg = tcp_be[255-8*16 -: 32]; // bytes 16..19
/* verilator lint_on UNUSEDSIGNAL */

// timestamp option: at option offset 0, or 2 behind two NOPs; needs data
// offset >= 8 (option bytes 0..9 or 0..11 inside the header)
wire [31:0] opt0 = tcp_be[255-8*20 -: 32];          // option bytes 0..3
wire ts0 = opt0[31:16] == 16'h080a;
wire ts2 = opt0 == 32'h0101080a;
assign ts = doff >= 4'd8 && (ts0 || ts2);
assign tsval = ts0 ? tcp_be[255-8*22 -: 32] : tcp_be[255-8*24 -: 32];
assign tsecr = ts0 ? tcp_be[255-8*26 -: 32] : tcp_be[255-8*28 -: 32];

endmodule

`resetall
