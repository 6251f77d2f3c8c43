`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * TOE connection key hash: a CRC over the key, registered in the cycle a
 * key enters.
 *
 * The key is shifted in most significant bit first, non-reflected, starting
 * from INIT, with no final XOR; the low OUT_WIDTH bits of the CRC register
 * are the output. Different POLY values give the independent hash functions
 * of the connection table's sub-tables. A CRC is linear over GF(2): it
 * spreads the structured keys of real traffic (consecutive ports, one
 * server address) evenly, costs only XOR gates, and lets a testbench
 * construct colliding keys on purpose.
 */
module toe_hash #
(
    // Width of the key in bits
    parameter KEY_WIDTH = 289,
    // CRC-32 polynomial (normal form, x^32 implied)
    parameter [31:0] POLY = 32'h1EDC6F41,
    // CRC register start value
    parameter [31:0] INIT = 32'hFFFFFFFF,
    // Number of hash bits out (1..32)
    parameter OUT_WIDTH = 16
)
(
    input  wire                 clk,
    // key entering the pipeline: its hash is registered (hash valid the next cycle)
    input  wire                 en,
    input  wire [KEY_WIDTH-1:0] key,
    output wire [OUT_WIDTH-1:0] hash
);

// parameter checks
generate
    if (KEY_WIDTH < 1 || OUT_WIDTH < 1 || OUT_WIDTH > 32) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_hash: KEY_WIDTH must be >= 1 and OUT_WIDTH 1..32");
`endif
        initial $fatal(1, "toe_hash: KEY_WIDTH must be >= 1 and OUT_WIDTH 1..32");
    end
endgenerate

// The CRC, computed only in a cycle where a key enters (so an idle table costs nothing per
// cycle in simulation). The KEY_WIDTH % 8 leading bits go in one at a time, then the key's bytes
// through a 256-entry table (the CRC register after shifting in 8 bits with its top byte
// already XORed in): the same CRC as a bit-serial loop with an eighth of the steps, each a
// byte select instead of a bit select of the wide key (the simulation's cost per key).
localparam LEAD = KEY_WIDTH % 8;
localparam NBYTES = KEY_WIDTH / 8;

function [31:0] crc_step8(input [7:0] b);
    integer i;
    reg [31:0] c;
    begin
        c = {b, 24'd0};
        for (i = 0; i < 8; i = i + 1) begin
            if (c[31]) c = {c[30:0], 1'b0} ^ POLY;
            else c = {c[30:0], 1'b0};
        end
        crc_step8 = c;
    end
endfunction

reg [31:0] crc_tab [0:255];
integer t;
initial begin
    for (t = 0; t < 256; t = t + 1) crc_tab[t] = crc_step8(t[7:0]);
end

function [OUT_WIDTH-1:0] crc_of(input [KEY_WIDTH-1:0] k);
    integer i;
    reg [31:0] c;
    begin
        c = INIT;
        for (i = KEY_WIDTH-1; i >= KEY_WIDTH-LEAD; i = i - 1) begin
            if (c[31] ^ k[i]) begin
                c = {c[30:0], 1'b0} ^ POLY;
            end else begin
                c = {c[30:0], 1'b0};
            end
        end
        for (i = NBYTES-1; i >= 0; i = i - 1) begin
            c = {c[23:0], 8'd0} ^ crc_tab[c[31:24] ^ k[8*i +: 8]];
        end
        crc_of = c[OUT_WIDTH-1:0];
    end
endfunction

reg [OUT_WIDTH-1:0] hash_reg = {OUT_WIDTH{1'b0}};

always @(posedge clk) begin
    if (en) hash_reg <= crc_of(key);
end

assign hash = hash_reg;

endmodule

`resetall
