`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Toeplitz hash (Microsoft RSS) over a fixed 36-byte input.
 *
 * For every input bit b (MSB of input byte 0 first), when b is set the 32 key
 * bits starting at b's position are XORed into the result. Inputs shorter
 * than 36 bytes (IPv4 8/12 bytes, IPv6 32/36 bytes) are zero-padded at the
 * end, which leaves the hash unchanged, so one datapath serves all of them.
 *
 * Result bit 31-j is the parity of (input AND key bits j..j+287). The input
 * is split in two halves whose partial hashes are registered, then XORed:
 * two pipeline stages, one hash per cycle. All registers advance on `en`;
 * the datapath registers only load for a valid input (s_valid, then its
 * delayed copy), so m_hash is meaningful two enabled cycles after a valid
 * input and holds otherwise.
 *
 * Byte k of the input is s_data[287-8*k -: 8]; byte k of the key is
 * key[319-8*k -: 8].
 */
module rss_toeplitz #
(
    // Input length in bytes (fixed by the largest hash input, IPv6 + ports)
    parameter IN_BYTES = 36,
    // Key length in bytes (must be IN_BYTES + 4)
    parameter KEY_BYTES = 40
)
(
    /*
     * Clock/reset
     */
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   en,

    /*
     * Configuration
     */
    input  wire [KEY_BYTES*8-1:0] key,

    /*
     * Hash input and result (result two enabled cycles after its input)
     */
    input  wire                   s_valid,
    input  wire [IN_BYTES*8-1:0]  s_data,
    output wire [31:0]            m_hash
);

// input bits
localparam IN_BITS = IN_BYTES * 8;
// key bits
localparam KEY_BITS = KEY_BYTES * 8;
// bits in the first (most significant) half of the input
localparam HALF_A = IN_BITS / 2;
// bits in the second half
localparam HALF_B = IN_BITS - HALF_A;

// parameter checks
generate
    if (KEY_BYTES != IN_BYTES + 4 || IN_BYTES < 2) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rss_toeplitz: KEY_BYTES must equal IN_BYTES + 4");
`endif
        initial $fatal(1, "rss_toeplitz: KEY_BYTES must equal IN_BYTES + 4");
    end
endgenerate

reg        valid1_reg = 1'b0;
reg [31:0] part_a_reg = 32'd0;
reg [31:0] part_b_reg = 32'd0;
reg [31:0] hash_reg = 32'd0;

// The final key bit is never used: the last input bit meets key bits
// IN_BITS-1 .. IN_BITS+30, one short of the end of the key.
/* verilator lint_off UNUSEDSIGNAL */
wire unused_key_bit = key[0];
/* verilator lint_on UNUSEDSIGNAL */

// partial hash of input bits 0..HALF_A-1 (MSB first): they meet key bits j..j+HALF_A-1
function [31:0] part_a_hash;
    /* verilator no_inline_task */
    input [HALF_A-1:0]   d;
    input [KEY_BITS-1:0] k;
    integer j;
    begin
        for (j = 0; j < 32; j = j + 1) begin
            part_a_hash[31-j] = ^(d & k[KEY_BITS-1-j -: HALF_A]);
        end
    end
endfunction

// partial hash of input bits HALF_A..IN_BITS-1: they meet key bits HALF_A+j..
function [31:0] part_b_hash;
    /* verilator no_inline_task */
    input [HALF_B-1:0]   d;
    input [KEY_BITS-1:0] k;
    integer j;
    begin
        for (j = 0; j < 32; j = j + 1) begin
            part_b_hash[31-j] = ^(d & k[KEY_BITS-1-HALF_A-j -: HALF_B]);
        end
    end
endfunction

// the hash datapath only switches for valid inputs
always @(posedge clk) begin
    if (en) begin
        valid1_reg <= s_valid;
        if (s_valid) begin
            part_a_reg <= part_a_hash(s_data[IN_BITS-1 -: HALF_A], key);
            part_b_reg <= part_b_hash(s_data[HALF_B-1:0], key);
        end
        if (valid1_reg) begin
            hash_reg <= part_a_reg ^ part_b_reg;
        end
    end

    if (rst) begin
        valid1_reg <= 1'b0;
        part_a_reg <= 32'd0;
        part_b_reg <= 32'd0;
        hash_reg <= 32'd0;
    end
end

assign m_hash = hash_reg;

endmodule

`resetall
