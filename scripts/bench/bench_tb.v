// Icarus Verilog benchmark bench for nic_top: back-to-back 1514-byte TCP/IPv4 frames (fixed
// header, random-free payload) with the result stream always ready, for CYCLES cycles.
// Used by scripts/bench-rtl to compare event-driven simulation speed with Verilator.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module bench_tb;

    // Data width of the NIC under test.
    parameter DATA_WIDTH = 64;
    // Cycles to simulate.
    parameter CYCLES = 200000;
    // Frame length in bytes.
    parameter FRAME_LEN = 1514;

    localparam KEEP_WIDTH = DATA_WIDTH / 8;
    localparam BEATS = (FRAME_LEN + KEEP_WIDTH - 1) / KEEP_WIDTH;

    reg clk = 1'b0;
    reg rst = 1'b1;
    reg [DATA_WIDTH-1:0] tdata;
    reg [KEEP_WIDTH-1:0] tkeep;
    reg tvalid = 1'b0;
    reg tlast;
    wire tready;
    wire [31:0] csr_rdata;
    wire csr_rvalid;
    wire meta_valid;
    wire [15:0] meta_len;
    wire [1:0] meta_l3, meta_l4;
    wire [2:0] meta_ht, meta_csum;
    wire [31:0] meta_hash;
    wire [6:0] meta_queue;
    wire meta_frag, idle;

    reg [7:0] frame [0:FRAME_LEN-1];
    integer i, beat, cycles, results;
    reg taken;

    nic_top #(.DATA_WIDTH(DATA_WIDTH)) dut (
        .clk(clk), .rst(rst),
        .s_axis_rx_tdata(tdata), .s_axis_rx_tkeep(tkeep), .s_axis_rx_tvalid(tvalid),
        .s_axis_rx_tready(tready), .s_axis_rx_tlast(tlast), .s_axis_rx_tuser(1'b0),
        .s_csr_addr(16'd0), .s_csr_wdata(32'd0), .s_csr_wr(1'b0), .s_csr_rd(1'b0),
        .s_csr_rdata(csr_rdata), .s_csr_rvalid(csr_rvalid),
        .m_axis_rxmeta_tvalid(meta_valid), .m_axis_rxmeta_tready(1'b1),
        .m_axis_rxmeta_len(meta_len), .m_axis_rxmeta_l3(meta_l3), .m_axis_rxmeta_l4(meta_l4),
        .m_axis_rxmeta_hash_type(meta_ht), .m_axis_rxmeta_hash(meta_hash),
        .m_axis_rxmeta_queue(meta_queue), .m_axis_rxmeta_csum(meta_csum),
        .m_axis_rxmeta_frag(meta_frag), .idle(idle),
        // host interface idle: RX DMA is off after reset, so frames end on the result stream
        .s_now_ns(64'd0), .m_dma_rd_req_ready(1'b0), .s_dma_rd_cpl_valid(1'b0),
        .s_dma_rd_cpl_data({DATA_WIDTH{1'b0}}), .s_dma_rd_cpl_tag(8'd0), .s_dma_rd_cpl_last(1'b0),
        .m_dma_wr_ready(1'b1), .m_axis_tx_tready(1'b1)
    );

    always #3.2 clk = ~clk;

    task load_beat;
        integer b;
        begin
            for (b = 0; b < KEEP_WIDTH; b = b + 1) begin
                tdata[b*8 +: 8] = (beat*KEEP_WIDTH + b < FRAME_LEN) ? frame[beat*KEEP_WIDTH + b] : 8'd0;
                tkeep[b] = (beat*KEEP_WIDTH + b < FRAME_LEN);
            end
            tlast = (beat == BEATS - 1);
        end
    endtask

    initial begin
        for (i = 0; i < FRAME_LEN; i = i + 1) frame[i] = i[7:0];
        // Ethernet/IPv4/TCP header: 10.0.1.1:40000 -> 10.0.0.2:5001 (checksums not fixed up)
        frame[12] = 8'h08; frame[13] = 8'h00;
        frame[14] = 8'h45; frame[15] = 8'h00; frame[16] = 8'h05; frame[17] = 8'hdc;
        frame[22] = 8'h40; frame[23] = 8'h06;
        frame[26] = 8'd10; frame[27] = 8'd0; frame[28] = 8'd1; frame[29] = 8'd1;
        frame[30] = 8'd10; frame[31] = 8'd0; frame[32] = 8'd0; frame[33] = 8'd2;
        frame[34] = 8'h9c; frame[35] = 8'h40; frame[36] = 8'h13; frame[37] = 8'h89;
        frame[46] = 8'h50;
        beat = 0;
        cycles = 0;
        results = 0;
        load_beat;
        repeat (4) @(posedge clk);
        rst <= 1'b0;
        tvalid <= 1'b1;
        while (cycles < CYCLES) begin
            @(negedge clk);
            taken = tready;
            if (meta_valid) results = results + 1;
            @(posedge clk);
            #0.1;
            cycles = cycles + 1;
            if (taken) begin
                beat = (beat == BEATS - 1) ? 0 : beat + 1;
                load_beat;
            end
        end
        $display("cycles=%0d results=%0d", cycles, results);
        $finish;
    end

endmodule

`resetall
