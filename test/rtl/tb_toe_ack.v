`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Testbench wrapper of the TOE transmit-side blocks: each instantiated once
 * with its ports brought out, prefixed with the block's short name, so one
 * Verilated model per DATA_WIDTH serves test/rtl/tb_toe_ack.cpp.
 *
 *   hdr   toe_hdr (HDR_BYTES 128, independent of DATA_WIDTH)
 *   ack   toe_ack
 *   blk   toe_blkwr
 *   mux   tx_mux
 */
module tb_toe_ack #
(
    // Width of the data paths in bits (64..512)
    parameter DATA_WIDTH = 64
)
(
    input  wire clk,
    input  wire rst,
    input  wire [(1024)-1:0] hdr_hdr_data,
    input  wire [(8)-1:0] hdr_hdr_len,
    output wire hdr_cand,
    output wire hdr_v6,
    output wire [(128)-1:0] hdr_src_addr,
    output wire [(128)-1:0] hdr_dst_addr,
    output wire [(16)-1:0] hdr_src_port,
    output wire [(16)-1:0] hdr_dst_port,
    output wire [(32)-1:0] hdr_seq,
    output wire [(32)-1:0] hdr_ack,
    output wire [(9)-1:0] hdr_flags,
    output wire [(16)-1:0] hdr_win,
    output wire [(16)-1:0] hdr_pay_off,
    output wire [(16)-1:0] hdr_pay_len,
    output wire hdr_ts,
    output wire [(32)-1:0] hdr_tsval,
    output wire [(32)-1:0] hdr_tsecr,
    input  wire ack_s_ack_valid,
    output wire ack_s_ack_ready,
    input  wire ack_s_ack_v6,
    input  wire ack_s_ack_vlan,
    input  wire [(16)-1:0] ack_s_ack_vlan_tci,
    input  wire [(8)-1:0] ack_s_ack_ttl,
    input  wire [(8)-1:0] ack_s_ack_tos,
    input  wire [(48)-1:0] ack_s_ack_src_mac,
    input  wire [(48)-1:0] ack_s_ack_dst_mac,
    input  wire [(128)-1:0] ack_s_ack_src_addr,
    input  wire [(128)-1:0] ack_s_ack_dst_addr,
    input  wire [(16)-1:0] ack_s_ack_src_port,
    input  wire [(16)-1:0] ack_s_ack_dst_port,
    input  wire [(32)-1:0] ack_s_ack_seq,
    input  wire [(32)-1:0] ack_s_ack_ack,
    input  wire [(16)-1:0] ack_s_ack_win,
    input  wire ack_s_ack_ts,
    input  wire [(32)-1:0] ack_s_ack_tsval,
    input  wire [(32)-1:0] ack_s_ack_tsecr,
    output wire [(DATA_WIDTH)-1:0] ack_m_axis_tdata,
    output wire [((DATA_WIDTH/8))-1:0] ack_m_axis_tkeep,
    output wire ack_m_axis_tvalid,
    input  wire ack_m_axis_tready,
    output wire ack_m_axis_tlast,
    output wire ack_busy,
    input  wire blk_s_blk_valid,
    output wire blk_s_blk_ready,
    input  wire [(64)-1:0] blk_s_blk_addr,
    input  wire [(1536)-1:0] blk_s_blk_data,
    output wire blk_m_blk_done,
    output wire blk_m_wr_valid,
    input  wire blk_m_wr_ready,
    output wire [(64)-1:0] blk_m_wr_addr,
    output wire [(DATA_WIDTH)-1:0] blk_m_wr_data,
    output wire [((DATA_WIDTH/8))-1:0] blk_m_wr_strb,
    output wire blk_m_wr_last,
    output wire [(9)-1:0] blk_m_wr_user,
    output wire blk_busy,
    input  wire [(DATA_WIDTH)-1:0] mux_s0_axis_tdata,
    input  wire [((DATA_WIDTH/8))-1:0] mux_s0_axis_tkeep,
    input  wire mux_s0_axis_tvalid,
    output wire mux_s0_axis_tready,
    input  wire mux_s0_axis_tlast,
    input  wire [(DATA_WIDTH)-1:0] mux_s1_axis_tdata,
    input  wire [((DATA_WIDTH/8))-1:0] mux_s1_axis_tkeep,
    input  wire mux_s1_axis_tvalid,
    output wire mux_s1_axis_tready,
    input  wire mux_s1_axis_tlast,
    output wire [(DATA_WIDTH)-1:0] mux_m_axis_tdata,
    output wire [((DATA_WIDTH/8))-1:0] mux_m_axis_tkeep,
    output wire mux_m_axis_tvalid,
    input  wire mux_m_axis_tready,
    output wire mux_m_axis_tlast,
    output wire mux_busy
);

toe_hdr #(.HDR_BYTES(128), .HDR_LEN_WIDTH(8)) u_hdr (
        .hdr_data(hdr_hdr_data),
        .hdr_len(hdr_hdr_len),
        .cand(hdr_cand),
        .v6(hdr_v6),
        .src_addr(hdr_src_addr),
        .dst_addr(hdr_dst_addr),
        .src_port(hdr_src_port),
        .dst_port(hdr_dst_port),
        .seq(hdr_seq),
        .ack(hdr_ack),
        .flags(hdr_flags),
        .win(hdr_win),
        .pay_off(hdr_pay_off),
        .pay_len(hdr_pay_len),
        .ts(hdr_ts),
        .tsval(hdr_tsval),
        .tsecr(hdr_tsecr)
);

toe_ack #(.DATA_WIDTH(DATA_WIDTH)) u_ack (
        .clk(clk),
        .rst(rst),
        .s_ack_valid(ack_s_ack_valid),
        .s_ack_ready(ack_s_ack_ready),
        .s_ack_v6(ack_s_ack_v6),
        .s_ack_vlan(ack_s_ack_vlan),
        .s_ack_vlan_tci(ack_s_ack_vlan_tci),
        .s_ack_ttl(ack_s_ack_ttl),
        .s_ack_tos(ack_s_ack_tos),
        .s_ack_src_mac(ack_s_ack_src_mac),
        .s_ack_dst_mac(ack_s_ack_dst_mac),
        .s_ack_src_addr(ack_s_ack_src_addr),
        .s_ack_dst_addr(ack_s_ack_dst_addr),
        .s_ack_src_port(ack_s_ack_src_port),
        .s_ack_dst_port(ack_s_ack_dst_port),
        .s_ack_seq(ack_s_ack_seq),
        .s_ack_ack(ack_s_ack_ack),
        .s_ack_win(ack_s_ack_win),
        .s_ack_ts(ack_s_ack_ts),
        .s_ack_tsval(ack_s_ack_tsval),
        .s_ack_tsecr(ack_s_ack_tsecr),
        .m_axis_tdata(ack_m_axis_tdata),
        .m_axis_tkeep(ack_m_axis_tkeep),
        .m_axis_tvalid(ack_m_axis_tvalid),
        .m_axis_tready(ack_m_axis_tready),
        .m_axis_tlast(ack_m_axis_tlast),
        .busy(ack_busy)
);

toe_blkwr #(.DATA_WIDTH(DATA_WIDTH)) u_blk (
        .clk(clk),
        .rst(rst),
        .s_blk_valid(blk_s_blk_valid),
        .s_blk_ready(blk_s_blk_ready),
        .s_blk_addr(blk_s_blk_addr),
        .s_blk_data(blk_s_blk_data),
        .m_blk_done(blk_m_blk_done),
        .m_wr_valid(blk_m_wr_valid),
        .m_wr_ready(blk_m_wr_ready),
        .m_wr_addr(blk_m_wr_addr),
        .m_wr_data(blk_m_wr_data),
        .m_wr_strb(blk_m_wr_strb),
        .m_wr_last(blk_m_wr_last),
        .m_wr_user(blk_m_wr_user),
        .busy(blk_busy)
);

tx_mux #(.DATA_WIDTH(DATA_WIDTH)) u_mux (
        .clk(clk),
        .rst(rst),
        .s0_axis_tdata(mux_s0_axis_tdata),
        .s0_axis_tkeep(mux_s0_axis_tkeep),
        .s0_axis_tvalid(mux_s0_axis_tvalid),
        .s0_axis_tready(mux_s0_axis_tready),
        .s0_axis_tlast(mux_s0_axis_tlast),
        .s1_axis_tdata(mux_s1_axis_tdata),
        .s1_axis_tkeep(mux_s1_axis_tkeep),
        .s1_axis_tvalid(mux_s1_axis_tvalid),
        .s1_axis_tready(mux_s1_axis_tready),
        .s1_axis_tlast(mux_s1_axis_tlast),
        .m_axis_tdata(mux_m_axis_tdata),
        .m_axis_tkeep(mux_m_axis_tkeep),
        .m_axis_tvalid(mux_m_axis_tvalid),
        .m_axis_tready(mux_m_axis_tready),
        .m_axis_tlast(mux_m_axis_tlast),
        .busy(mux_busy)
);

endmodule

`resetall
