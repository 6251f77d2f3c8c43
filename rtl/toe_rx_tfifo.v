`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * toe_rx timer FIFO: DEPTH entries of WIDTH bits in a RAM with a registered
 * read, plus a head register (the entry compared with the time). An entry
 * pushed into an empty FIFO reaches the head two cycles later. Only the head
 * is ever looked at, so its cost per cycle is independent of DEPTH.
 */
module toe_rx_tfifo #(
    parameter DEPTH = 1024,
    parameter WIDTH = 80
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             push,
    input  wire [WIDTH-1:0] din,
    output wire             full,
    input  wire             pop,        // head taken (only with head_valid)
    output wire             head_valid,
    output wire [WIDTH-1:0] head,
    output wire             busy        // an entry is on its way to the empty head
);

localparam AW = $clog2(DEPTH);

generate
    if (DEPTH < 2 || (1 << AW) != DEPTH) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_rx_tfifo: DEPTH must be a power of two >= 2");
`endif
        initial $fatal(1, "toe_rx_tfifo: DEPTH must be a power of two >= 2");
    end
endgenerate

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [AW-1:0] wp = {AW{1'b0}}, rp = {AW{1'b0}};
reg [AW:0] cnt = {(AW+1){1'b0}};     // entries in the RAM (not the head)
reg hv = 1'b0, rd_pend = 1'b0;
reg [WIDTH-1:0] hd = {WIDTH{1'b0}};

assign full = cnt[AW] || (&cnt[AW-1:0] && (hv || rd_pend));
assign head_valid = hv;
assign head = hd;
assign busy = cnt != 0 && !hv;

wire take = cnt != 0 && !rd_pend && (!hv || pop);

always @(posedge clk) begin
    if (push) mem[wp] <= din;
end

always @(posedge clk) begin
    if (push) wp <= wp + 1'b1;
    if (take) begin
        hd <= mem[rp];
        rp <= rp + 1'b1;
    end
    rd_pend <= 1'b0;
    if (pop) hv <= 1'b0;
    if (take) hv <= 1'b1;
    cnt <= cnt + {{AW{1'b0}}, push} - {{AW{1'b0}}, take};
    if (rst) begin
        wp <= {AW{1'b0}};
        rp <= {AW{1'b0}};
        cnt <= {(AW+1){1'b0}};
        hv <= 1'b0;
        rd_pend <= 1'b0;
    end
end

endmodule

`resetall
