`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Icarus Verilog smoke test of toe_conn_table (SLOTS = 64): the block simulates in a second
 * simulator with the same results for a short fixed sequence. Prints PASS or FAIL lines.
 * The randomized testbench is tb_toe_conn_table.cpp (Verilator).
 */
module tb_toe_conn_table_iv;

localparam SLOTS = 64;
localparam SW = 6;

reg          clk = 1'b0;
reg          rst = 1'b1;
reg          lk_valid = 1'b0;
reg          lk_v6 = 1'b0;
reg  [127:0] lk_src = 128'd0, lk_dst = 128'd0;
reg  [15:0]  lk_sport = 16'd0, lk_dport = 16'd0, lk_user = 16'd0;
wire         lk_ready;
wire         r_valid, r_hit;
wire [SW-1:0] r_slot;
wire [15:0]  r_user;
reg          c_valid = 1'b0;
reg  [1:0]   c_op = 2'd0;
reg          c_v6 = 1'b0;
reg  [127:0] c_src = 128'd0, c_dst = 128'd0;
reg  [15:0]  c_sport = 16'd0, c_dport = 16'd0;
reg  [SW-1:0] c_slot = {SW{1'b0}};
wire         c_ready;
wire         d_valid;
wire [1:0]   d_op, d_status;
wire [SW-1:0] d_slot;
wire         d_v6;
wire [127:0] d_src, d_dst;
wire [15:0]  d_sport, d_dport;
wire         st_ready;
wire [SW:0]  st_occ;
wire [6:0]   st_stash;
wire [31:0]  s_lookups, s_hits, s_inserts, s_refused, s_deletes;

integer errors = 0;

toe_conn_table #(
    .SLOTS(SLOTS)
)
dut (
    .clk(clk), .rst(rst),
    .s_lookup_valid(lk_valid), .s_lookup_ready(lk_ready), .s_lookup_v6(lk_v6),
    .s_lookup_src_addr(lk_src), .s_lookup_dst_addr(lk_dst), .s_lookup_src_port(lk_sport),
    .s_lookup_dst_port(lk_dport), .s_lookup_user(lk_user),
    .m_lookup_valid(r_valid), .m_lookup_hit(r_hit), .m_lookup_slot(r_slot), .m_lookup_user(r_user),
    .s_cmd_valid(c_valid), .s_cmd_ready(c_ready), .s_cmd_op(c_op), .s_cmd_v6(c_v6),
    .s_cmd_src_addr(c_src), .s_cmd_dst_addr(c_dst), .s_cmd_src_port(c_sport),
    .s_cmd_dst_port(c_dport), .s_cmd_slot(c_slot),
    .m_cmd_valid(d_valid), .m_cmd_ready(1'b1), .m_cmd_op(d_op), .m_cmd_status(d_status),
    .m_cmd_slot(d_slot), .m_cmd_v6(d_v6), .m_cmd_src_addr(d_src), .m_cmd_dst_addr(d_dst),
    .m_cmd_src_port(d_sport), .m_cmd_dst_port(d_dport),
    .status_ready(st_ready), .status_occupancy(st_occ), .status_stash_used(st_stash),
    .stat_lookups(s_lookups), .stat_hits(s_hits), .stat_inserts(s_inserts),
    .stat_refused(s_refused), .stat_deletes(s_deletes)
);

always #5 clk = !clk;

// a command; waits for its completion and checks status and slot
task cmd(input [1:0] op, input v6, input [127:0] src, input [127:0] dst, input [15:0] sp,
         input [15:0] dp, input [SW-1:0] slot, input [1:0] want_st, input [SW-1:0] want_slot);
    begin
        @(negedge clk);
        c_valid = 1'b1; c_op = op; c_v6 = v6; c_src = src; c_dst = dst;
        c_sport = sp; c_dport = dp; c_slot = slot;
        @(posedge clk);
        while (!c_ready) @(posedge clk);
        @(negedge clk);
        c_valid = 1'b0;
        while (!d_valid) @(negedge clk);
        if (d_status !== want_st || (want_st != 2'd3 && d_slot !== want_slot)) begin
            $display("FAIL: command op %0d: status %0d slot %0d, want %0d slot %0d",
                     op, d_status, d_slot, want_st, want_slot);
            errors = errors + 1;
        end
    end
endtask

// a lookup; checks the result 4 cycles later
task lookup(input v6, input [127:0] src, input [127:0] dst, input [15:0] sp, input [15:0] dp,
            input want_hit, input [SW-1:0] want_slot);
    begin
        @(negedge clk);
        lk_valid = 1'b1; lk_v6 = v6; lk_src = src; lk_dst = dst; lk_sport = sp; lk_dport = dp;
        lk_user = lk_user + 16'd1;
        @(posedge clk);
        while (!lk_ready) @(posedge clk);
        @(negedge clk);
        lk_valid = 1'b0;
        repeat (3) @(negedge clk);
        if (!r_valid || r_hit !== want_hit || (want_hit && r_slot !== want_slot) || r_user !== lk_user) begin
            $display("FAIL: lookup: valid %0d hit %0d slot %0d, want hit %0d slot %0d",
                     r_valid, r_hit, r_slot, want_hit, want_slot);
            errors = errors + 1;
        end
    end
endtask

localparam [127:0] A4 = 128'h0000_0000_0000_0000_0000_0000_c0a8_0102;
localparam [127:0] B4 = 128'h0000_0000_0000_0000_0000_0000_0a00_0001;
localparam [127:0] A6 = 128'h2001_0db8_0000_0000_0000_0000_0000_0099;
localparam [127:0] B6 = 128'h2001_0db8_0000_0000_0000_0000_0000_0001;

initial begin
    repeat (4) @(posedge clk);
    rst = 1'b0;
    while (!st_ready) @(posedge clk);

    lookup(1'b0, A4, B4, 16'd40000, 16'd445, 1'b0, 0);
    cmd(2'd0, 1'b0, A4, B4, 16'd40000, 16'd445, 0, 2'd0, 0);      // insert -> slot 0
    cmd(2'd0, 1'b1, A6, B6, 16'd40001, 16'd80, 0, 2'd0, 1);       // insert -> slot 1
    cmd(2'd0, 1'b0, A4, B4, 16'd40000, 16'd445, 0, 2'd1, 0);      // again -> EXISTS slot 0
    lookup(1'b0, A4, B4, 16'd40000, 16'd445, 1'b1, 0);
    lookup(1'b1, A6, B6, 16'd40001, 16'd80, 1'b1, 1);
    lookup(1'b0, A4, B4, 16'd40001, 16'd445, 1'b0, 0);            // other port: miss
    cmd(2'd2, 1'b0, 128'd0, 128'd0, 16'd0, 16'd0, 0, 2'd0, 0);    // delete slot 0
    if (d_src !== A4 || d_sport !== 16'd40000) begin
        $display("FAIL: delete by slot returned the wrong key");
        errors = errors + 1;
    end
    lookup(1'b0, A4, B4, 16'd40000, 16'd445, 1'b0, 0);
    cmd(2'd1, 1'b1, A6, B6, 16'd40001, 16'd80, 0, 2'd0, 1);       // delete key -> slot 1
    cmd(2'd1, 1'b1, A6, B6, 16'd40001, 16'd80, 0, 2'd3, 0);       // again -> NOT_FOUND
    lookup(1'b1, A6, B6, 16'd40001, 16'd80, 1'b0, 0);
    @(negedge clk);
    if (st_occ !== 0 || s_inserts !== 3 || s_deletes !== 2 || s_hits !== 2 || s_lookups !== 6) begin
        $display("FAIL: occupancy %0d inserts %0d deletes %0d hits %0d lookups %0d",
                 st_occ, s_inserts, s_deletes, s_hits, s_lookups);
        errors = errors + 1;
    end
    if (errors == 0) $display("PASS");
    $finish;
end

endmodule

`resetall
