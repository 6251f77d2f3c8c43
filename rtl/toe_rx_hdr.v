`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * toe_hdr (stand-in used by toe_rx's testbench; the integrated design uses
 * rtl/toe_hdr.v, same module name and ports): combinational extraction of
 * the header fields toe_rx decides on, from the first HDR_BYTES bytes of a
 * frame (byte i in bits [8i+7:8i]).
 *
 * cand: Ethernet with 0..2 VLAN tags (0x8100 / 0x88a8), then IPv4 with IHL 5,
 * not a fragment, protocol TCP, or IPv6 with next header TCP; TCP data offset
 * 5..15; the TCP header inside the captured bytes; the IP length covering the
 * TCP header. Timestamps: kind 8 length 10 at option offset 0, or after NOP NOP.
 */
/* verilator lint_off DECLFILENAME */
module toe_hdr #(
    parameter HDR_BYTES = 128,
    parameter HDR_LEN_WIDTH = 8
) (
    input  wire [HDR_BYTES*8-1:0]   hdr_data,
    input  wire [HDR_LEN_WIDTH-1:0] hdr_len,
    output wire         cand,
    output wire         v6,
    output wire [127:0] src_addr,
    output wire [127:0] dst_addr,
    output wire [15:0]  src_port,
    output wire [15:0]  dst_port,
    output wire [31:0]  seq,
    output wire [31:0]  ack,
    output wire [8:0]   flags,
    output wire [15:0]  win,
    output wire [15:0]  pay_off,
    output wire [15:0]  pay_len,
    output wire         ts,
    output wire [31:0]  tsval,
    output wire [31:0]  tsecr
);

generate
    if (HDR_BYTES < 64 || HDR_BYTES > 256 || HDR_LEN_WIDTH < 7 || HDR_LEN_WIDTH > 16) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_hdr: HDR_BYTES must be 64..256, HDR_LEN_WIDTH 7..16");
`endif
        initial $fatal(1, "toe_hdr: bad HDR_BYTES/HDR_LEN_WIDTH");
    end
endgenerate

localparam IW = $clog2(HDR_BYTES * 8);

// byte at a variable offset (0 beyond the captured window)
function [7:0] byt(input [HDR_BYTES*8-1:0] d, input [15:0] i);
    begin
        if (i < HDR_BYTES) byt = d[{i[IW-4:0], 3'b000} +: 8];
        else byt = 8'd0;
    end
endfunction

function [15:0] be16(input [HDR_BYTES*8-1:0] d, input [15:0] i);
    be16 = {byt(d, i), byt(d, i + 16'd1)};
endfunction

function [31:0] be32(input [HDR_BYTES*8-1:0] d, input [15:0] i);
    be32 = {be16(d, i), be16(d, i + 16'd2)};
endfunction

wire [15:0] et0 = be16(hdr_data, 16'd12);
wire        tag0 = et0 == 16'h8100 || et0 == 16'h88a8;
wire [15:0] et1 = be16(hdr_data, 16'd16);
wire        tag1 = tag0 && (et1 == 16'h8100 || et1 == 16'h88a8);
wire [15:0] l3 = tag1 ? 16'd22 : tag0 ? 16'd18 : 16'd14;
wire [15:0] et = be16(hdr_data, l3 - 16'd2);

wire        is4 = et == 16'h0800;
wire        is6 = et == 16'h86dd;
wire [7:0]  b0 = byt(hdr_data, l3);
wire [15:0] ip4_tl = be16(hdr_data, l3 + 16'd2);
wire [15:0] ip4_frag = be16(hdr_data, l3 + 16'd6);
wire [7:0]  ip4_proto = byt(hdr_data, l3 + 16'd9);
wire        ok4 = is4 && b0 == 8'h45 && (ip4_frag & 16'h3fff) == 16'd0 && ip4_proto == 8'd6 &&
                  ip4_tl >= 16'd40;
wire [15:0] ip6_pl = be16(hdr_data, l3 + 16'd4);
wire [7:0]  ip6_nh = byt(hdr_data, l3 + 16'd6);
wire        ok6 = is6 && b0[7:4] == 4'd6 && ip6_nh == 8'd6 && ip6_pl >= 16'd20;

wire [15:0] l4 = l3 + (is6 ? 16'd40 : 16'd20);
wire [15:0] ip_pay = is6 ? ip6_pl : ip4_tl - 16'd20;
/* verilator lint_off UNUSEDSIGNAL */
wire [7:0]  doff_b = byt(hdr_data, l4 + 16'd12);   // bits 3:1 reserved
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0] thl = {10'd0, doff_b[7:4], 2'b00};
wire [15:0] hdr_end = l4 + thl;

assign v6 = is6;
assign cand = (ok4 || ok6) && doff_b[7:4] >= 4'd5 && ip_pay >= thl &&
              {{(16-HDR_LEN_WIDTH){1'b0}}, hdr_len} >= hdr_end;
assign src_addr = is6 ? {be32(hdr_data, l3 + 16'd8), be32(hdr_data, l3 + 16'd12),
                         be32(hdr_data, l3 + 16'd16), be32(hdr_data, l3 + 16'd20)}
                      : {96'd0, be32(hdr_data, l3 + 16'd12)};
assign dst_addr = is6 ? {be32(hdr_data, l3 + 16'd24), be32(hdr_data, l3 + 16'd28),
                         be32(hdr_data, l3 + 16'd32), be32(hdr_data, l3 + 16'd36)}
                      : {96'd0, be32(hdr_data, l3 + 16'd16)};
assign src_port = be16(hdr_data, l4);
assign dst_port = be16(hdr_data, l4 + 16'd2);
assign seq = be32(hdr_data, l4 + 16'd4);
assign ack = be32(hdr_data, l4 + 16'd8);
assign flags = {doff_b[0], byt(hdr_data, l4 + 16'd13)};
assign win = be16(hdr_data, l4 + 16'd14);
assign pay_off = hdr_end;
assign pay_len = ip_pay - thl;

wire [15:0] o = l4 + 16'd20;
wire ts0 = thl >= 16'd30 && byt(hdr_data, o) == 8'd8 && byt(hdr_data, o + 16'd1) == 8'd10;
wire ts2 = thl >= 16'd32 && byt(hdr_data, o) == 8'd1 && byt(hdr_data, o + 16'd1) == 8'd1 &&
           byt(hdr_data, o + 16'd2) == 8'd8 && byt(hdr_data, o + 16'd3) == 8'd10;
assign ts = ts0 || ts2;
assign tsval = be32(hdr_data, o + (ts0 ? 16'd2 : 16'd4));
assign tsecr = be32(hdr_data, o + (ts0 ? 16'd6 : 16'd8));

endmodule
/* verilator lint_on DECLFILENAME */

`resetall
