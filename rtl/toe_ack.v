`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * TOE ACK builder: turns an ACK request (the connection's addresses, ports,
 * seq, ack, window and timestamps) into a complete TCP ACK frame on an
 * AXI-stream output.
 *
 * Frame: Ethernet (dst, src, optional 802.1Q tag 0x8100 + TCI, ethertype),
 * then
 *   IPv4: version 4, IHL 5, TOS, total length, ID 0, DF, TTL, protocol 6,
 *         header checksum, or
 *   IPv6: version 6, traffic class = tos, flow label 0, payload length,
 *         next header 6, hop limit = ttl,
 * then TCP: ports, seq, ack, data offset 5 (8 with the timestamp option:
 * NOP, NOP, kind 8 length 10, TSval, TSecr), flags ACK only, window,
 * checksum over the pseudo header and the TCP header, urgent pointer 0.
 * Padded with zero bytes to 60 (the minimum frame without FCS); the longest
 * frame is 18 + 40 + 32 = 90 bytes.
 *
 * Addresses: an IPv4 address a.b.c.d in s_ack_*_addr[31:0] with a in
 * [31:24] (bits [127:32] ignored), an IPv6 address with its first byte in
 * [127:120]; MAC byte 0 in [47:40].
 *
 * Pipeline, one request at a time:
 *   IDLE   s_ack_ready; the request is registered
 *   SUM    one's-complement sums of the IPv4 header and of the TCP pseudo
 *          header + header (32-bit accumulators, folded)
 *   BUILD  the frame image (96 bytes, byte k in bits [8k+7:8k]) with both
 *          checksums, written byte by byte from the narrow request registers
 *   SEND   beat i of the image (selected by a beat counter) per beat taken;
 *          all beats full except the last
 * The next request is accepted in the cycle the last beat is taken, so ACKs
 * leave one per (beats + 2) cycles under no backpressure. All logic that
 * builds the frame is in the clocked block under its state, with no wide
 * temporaries (which Verilator would clear on every clock edge); when idle
 * only the beat select of the output is evaluated.
 */
module toe_ack #
(
    // Width of the data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * ACK request
     */
    input  wire                   s_ack_valid,
    output wire                   s_ack_ready,
    input  wire                   s_ack_v6,
    input  wire                   s_ack_vlan,
    input  wire [15:0]            s_ack_vlan_tci,
    input  wire [7:0]             s_ack_ttl,
    input  wire [7:0]             s_ack_tos,
    input  wire [47:0]            s_ack_src_mac,
    input  wire [47:0]            s_ack_dst_mac,
    input  wire [127:0]           s_ack_src_addr,
    input  wire [127:0]           s_ack_dst_addr,
    input  wire [15:0]            s_ack_src_port,
    input  wire [15:0]            s_ack_dst_port,
    input  wire [31:0]            s_ack_seq,
    input  wire [31:0]            s_ack_ack,
    input  wire [15:0]            s_ack_win,
    input  wire                   s_ack_ts,
    input  wire [31:0]            s_ack_tsval,
    input  wire [31:0]            s_ack_tsecr,

    /*
     * Frame output
     */
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,

    output wire                   busy
);

localparam BYTES = DATA_WIDTH / 8;
localparam FRAME_BYTES = 96;
localparam [6:0] BYTES7 = BYTES[6:0];
// beats of the image and the beat index width
localparam NBEATS = (FRAME_BYTES + BYTES - 1) / BYTES;
localparam BEAT_W = NBEATS > 4 ? $clog2(NBEATS) : 2;
localparam IMG_BITS = NBEATS * DATA_WIDTH;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_ack: DATA_WIDTH must be a power of two 64..512 and KEEP_WIDTH = DATA_WIDTH/8");
`endif
        initial $fatal(1, "toe_ack: bad DATA_WIDTH/KEEP_WIDTH");
    end
endgenerate

localparam [1:0] S_IDLE = 2'd0, S_SUM = 2'd1, S_BUILD = 2'd2, S_SEND = 2'd3;

reg [1:0] st_reg = S_IDLE;

// the request
reg         v6_reg = 1'b0, vlan_reg = 1'b0, ts_reg = 1'b0;
reg [15:0]  tci_reg = 16'd0;
reg [7:0]   ttl_reg = 8'd0, tos_reg = 8'd0;
reg [47:0]  smac_reg = 48'd0, dmac_reg = 48'd0;
reg [127:0] saddr_reg = 128'd0, daddr_reg = 128'd0;
reg [15:0]  sport_reg = 16'd0, dport_reg = 16'd0, win_reg = 16'd0;
reg [31:0]  seq_reg = 32'd0, ack_reg = 32'd0, tsval_reg = 32'd0, tsecr_reg = 32'd0;

// checksums (complemented, ready to insert)
reg [15:0]  ipcs_reg = 16'd0, tcpcs_reg = 16'd0;

// the frame image and the bytes left to send
reg [IMG_BITS-1:0] frame_reg = {IMG_BITS{1'b0}};
reg [6:0]   rem_reg = 7'd0;
reg [BEAT_W-1:0] beat_reg = {BEAT_W{1'b0}};
reg [KEEP_WIDTH-1:0] keep_reg = {KEEP_WIDTH{1'b0}};

wire last_beat = rem_reg <= BYTES7;
wire out_take = st_reg == S_SEND && m_axis_tready;
wire take_req = s_ack_valid && s_ack_ready;

assign s_ack_ready = st_reg == S_IDLE || (out_take && last_beat);

// TCP header length and the fixed header words
wire [5:0]  thl = ts_reg ? 6'd32 : 6'd20;
wire [15:0] tcp_off_flags = ts_reg ? 16'h8010 : 16'h5010;
wire [15:0] ip4_len = {10'd0, thl} + 16'd20;

// 16-bit words of a 32-bit field
function [16:0] add32(input [31:0] v);
    add32 = {1'b0, v[31:16]} + {1'b0, v[15:0]};
endfunction

// fold a 32-bit one's-complement accumulator to 16 bits
function [15:0] fold(input [31:0] s);
    reg [16:0] t;
    begin
        t = {1'b0, s[31:16]} + {1'b0, s[15:0]};
        t = {16'd0, t[16]} + {1'b0, t[15:0]};
        fold = t[15:0];
    end
endfunction

always @(posedge clk) begin
    case (st_reg)
        S_SUM: begin
            // IPv4 header: 4500|tos, length, ID 0, DF, ttl|6, addresses
            ipcs_reg <= ~fold({16'd0, 8'h45, tos_reg} + {16'd0, ip4_len} + 32'h4000 +
                {16'd0, ttl_reg, 8'd6} + {15'd0, add32(saddr_reg[31:0])} +
                {15'd0, add32(daddr_reg[31:0])});
            // pseudo header + TCP header (checksum 0, urgent 0)
            tcpcs_reg <= ~fold(
                (v6_reg ? {15'd0, add32(saddr_reg[127:96])} + {15'd0, add32(saddr_reg[95:64])} +
                          {15'd0, add32(saddr_reg[63:32])} + {15'd0, add32(daddr_reg[127:96])} +
                          {15'd0, add32(daddr_reg[95:64])} + {15'd0, add32(daddr_reg[63:32])}
                        : 32'd0) +
                {15'd0, add32(saddr_reg[31:0])} + {15'd0, add32(daddr_reg[31:0])} +
                32'd6 + {26'd0, thl} +
                {16'd0, sport_reg} + {16'd0, dport_reg} + {15'd0, add32(seq_reg)} +
                {15'd0, add32(ack_reg)} + {16'd0, tcp_off_flags} + {16'd0, win_reg} +
                (ts_reg ? 32'h0101 + 32'h080a + {15'd0, add32(tsval_reg)} +
                          {15'd0, add32(tsecr_reg)}
                        : 32'd0));
        end
        default: ;
    endcase
end

// byte k of the frame, from the registered request and checksums (narrow
// logic only: the image is written byte by byte in BUILD, no wide
// temporaries); l3/l4 are the IP and TCP header offsets
function [7:0] ip4_byte(input [5:0] i);
    case (i)
        6'd0:  ip4_byte = 8'h45;
        6'd1:  ip4_byte = tos_reg;
        6'd2:  ip4_byte = ip4_len[15:8];
        6'd3:  ip4_byte = ip4_len[7:0];
        6'd6:  ip4_byte = 8'h40;            // DF
        6'd8:  ip4_byte = ttl_reg;
        6'd9:  ip4_byte = 8'd6;
        6'd10: ip4_byte = ipcs_reg[15:8];
        6'd11: ip4_byte = ipcs_reg[7:0];
        6'd12: ip4_byte = saddr_reg[31:24];
        6'd13: ip4_byte = saddr_reg[23:16];
        6'd14: ip4_byte = saddr_reg[15:8];
        6'd15: ip4_byte = saddr_reg[7:0];
        6'd16: ip4_byte = daddr_reg[31:24];
        6'd17: ip4_byte = daddr_reg[23:16];
        6'd18: ip4_byte = daddr_reg[15:8];
        6'd19: ip4_byte = daddr_reg[7:0];
        default: ip4_byte = 8'd0;           // ID 0, fragment offset 0
    endcase
endfunction

function [7:0] ip6_byte(input [5:0] i);
    if (i >= 6'd24)
        ip6_byte = daddr_reg[8*(39-i) +: 8];
    else if (i >= 6'd8)
        ip6_byte = saddr_reg[8*(23-i) +: 8];
    else
        case (i[2:0])
            3'd0:    ip6_byte = {4'd6, tos_reg[7:4]};
            3'd1:    ip6_byte = {tos_reg[3:0], 4'd0};
            3'd5:    ip6_byte = {2'd0, thl};
            3'd6:    ip6_byte = 8'd6;
            3'd7:    ip6_byte = ttl_reg;
            default: ip6_byte = 8'd0;       // flow label, payload length high
        endcase
endfunction

function [7:0] tcp_byte(input [5:0] i);
    case (i)
        6'd0:  tcp_byte = sport_reg[15:8];
        6'd1:  tcp_byte = sport_reg[7:0];
        6'd2:  tcp_byte = dport_reg[15:8];
        6'd3:  tcp_byte = dport_reg[7:0];
        6'd4:  tcp_byte = seq_reg[31:24];
        6'd5:  tcp_byte = seq_reg[23:16];
        6'd6:  tcp_byte = seq_reg[15:8];
        6'd7:  tcp_byte = seq_reg[7:0];
        6'd8:  tcp_byte = ack_reg[31:24];
        6'd9:  tcp_byte = ack_reg[23:16];
        6'd10: tcp_byte = ack_reg[15:8];
        6'd11: tcp_byte = ack_reg[7:0];
        6'd12: tcp_byte = tcp_off_flags[15:8];
        6'd13: tcp_byte = tcp_off_flags[7:0];
        6'd14: tcp_byte = win_reg[15:8];
        6'd15: tcp_byte = win_reg[7:0];
        6'd16: tcp_byte = tcpcs_reg[15:8];
        6'd17: tcp_byte = tcpcs_reg[7:0];
        6'd20: tcp_byte = 8'd1;             // NOP
        6'd21: tcp_byte = 8'd1;             // NOP
        6'd22: tcp_byte = 8'd8;             // timestamp
        6'd23: tcp_byte = 8'd10;
        6'd24: tcp_byte = tsval_reg[31:24];
        6'd25: tcp_byte = tsval_reg[23:16];
        6'd26: tcp_byte = tsval_reg[15:8];
        6'd27: tcp_byte = tsval_reg[7:0];
        6'd28: tcp_byte = tsecr_reg[31:24];
        6'd29: tcp_byte = tsecr_reg[23:16];
        6'd30: tcp_byte = tsecr_reg[15:8];
        6'd31: tcp_byte = tsecr_reg[7:0];
        default: tcp_byte = 8'd0;           // urgent pointer
    endcase
endfunction

wire [6:0] l3 = vlan_reg ? 7'd18 : 7'd14;
wire [6:0] l4 = l3 + (v6_reg ? 7'd40 : 7'd20);
wire [6:0] l4_end = l4 + {1'b0, thl};
wire [15:0] etype = v6_reg ? 16'h86dd : 16'h0800;

function [7:0] frame_byte(input [6:0] k);
    if (k < 7'd6)
        frame_byte = dmac_reg[8*(5-k) +: 8];
    else if (k < 7'd12)
        frame_byte = smac_reg[8*(11-k) +: 8];
    else if (vlan_reg && k < 7'd16)
        case (k[1:0])
            2'd0:    frame_byte = 8'h81;
            2'd1:    frame_byte = 8'h00;
            2'd2:    frame_byte = tci_reg[15:8];
            default: frame_byte = tci_reg[7:0];
        endcase
    else if (k < l3)
        frame_byte = k[0] ? etype[7:0] : etype[15:8];
    else if (k < l4)
        frame_byte = v6_reg ? ip6_byte(k[5:0] - l3[5:0]) : ip4_byte(k[5:0] - l3[5:0]);
    else if (k < l4_end)
        frame_byte = tcp_byte(k[5:0] - l4[5:0]);
    else
        frame_byte = 8'd0;                  // padding
endfunction

integer fk;
always @(posedge clk) begin
    if (st_reg == S_BUILD)
        for (fk = 0; fk < FRAME_BYTES; fk = fk + 1)
            frame_reg[8*fk +: 8] <= frame_byte(fk[6:0]);
end

// frame length: headers, at least 60
wire [6:0] hdr_bytes = (vlan_reg ? 7'd18 : 7'd14) + (v6_reg ? 7'd40 : 7'd20) + {1'b0, thl};
wire [6:0] flen = hdr_bytes < 7'd60 ? 7'd60 : hdr_bytes;

// keep of the last beat of a frame of n + 1 bytes (lanes 0 .. n mod BYTES)
function [KEEP_WIDTH-1:0] keep_mask(input [6:0] n);
    integer k;
    begin
        for (k = 0; k < KEEP_WIDTH; k = k + 1)
            keep_mask[k] = k <= ({25'd0, n} & (BYTES - 1));
    end
endfunction

always @(posedge clk) begin
    case (st_reg)
        S_IDLE: if (take_req) st_reg <= S_SUM;
        S_SUM: st_reg <= S_BUILD;
        S_BUILD: begin
            st_reg <= S_SEND;
            beat_reg <= {BEAT_W{1'b0}};
            rem_reg <= flen;
            keep_reg <= keep_mask(flen - 7'd1);
        end
        default: if (out_take) begin
            rem_reg <= rem_reg - BYTES7;
            beat_reg <= beat_reg + {{(BEAT_W-1){1'b0}}, 1'b1};
            if (last_beat) st_reg <= take_req ? S_SUM : S_IDLE;
        end
    endcase

    if (take_req) begin
        v6_reg <= s_ack_v6;
        vlan_reg <= s_ack_vlan;
        ts_reg <= s_ack_ts;
        tci_reg <= s_ack_vlan_tci;
        ttl_reg <= s_ack_ttl;
        tos_reg <= s_ack_tos;
        smac_reg <= s_ack_src_mac;
        dmac_reg <= s_ack_dst_mac;
        saddr_reg <= s_ack_v6 ? s_ack_src_addr : {96'd0, s_ack_src_addr[31:0]};
        daddr_reg <= s_ack_v6 ? s_ack_dst_addr : {96'd0, s_ack_dst_addr[31:0]};
        sport_reg <= s_ack_src_port;
        dport_reg <= s_ack_dst_port;
        seq_reg <= s_ack_seq;
        ack_reg <= s_ack_ack;
        win_reg <= s_ack_win;
        tsval_reg <= s_ack_tsval;
        tsecr_reg <= s_ack_tsecr;
    end

    if (rst) begin
        st_reg <= S_IDLE;
        rem_reg <= 7'd0;
    end
end

assign m_axis_tdata = frame_reg[beat_reg*DATA_WIDTH +: DATA_WIDTH];
assign m_axis_tkeep = last_beat ? keep_reg : {KEEP_WIDTH{1'b1}};
assign m_axis_tvalid = st_reg == S_SEND;
assign m_axis_tlast = last_beat;
assign busy = st_reg != S_IDLE;

endmodule

`resetall
