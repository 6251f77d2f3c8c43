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
 * two pipeline stages, one hash per cycle. All registers advance on `en`.
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

reg [31:0] part_a_reg = 32'd0;
reg [31:0] part_b_reg = 32'd0;
reg [31:0] hash_reg = 32'd0;

wire [31:0] part_a;
wire [31:0] part_b;

// The final key bit is never used: the last input bit meets key bits
// IN_BITS-1 .. IN_BITS+30, one short of the end of the key.
/* verilator lint_off UNUSEDSIGNAL */
wire unused_key_bit = key[0];
/* verilator lint_on UNUSEDSIGNAL */

genvar j;
generate
    for (j = 0; j < 32; j = j + 1) begin : g_bit
        // input bits 0..HALF_A-1 (MSB first) meet key bits j..j+HALF_A-1
        assign part_a[31-j] = ^(s_data[IN_BITS-1 -: HALF_A] & key[KEY_BITS-1-j -: HALF_A]);
        // input bits HALF_A..IN_BITS-1 meet key bits HALF_A+j..
        assign part_b[31-j] = ^(s_data[HALF_B-1:0] & key[KEY_BITS-1-HALF_A-j -: HALF_B]);
    end
endgenerate

always @(posedge clk) begin
    if (en) begin
        part_a_reg <= part_a;
        part_b_reg <= part_b;
        hash_reg <= part_a_reg ^ part_b_reg;
    end

    if (rst) begin
        part_a_reg <= 32'd0;
        part_b_reg <= 32'd0;
        hash_reg <= 32'd0;
    end
end

assign m_hash = hash_reg;

endmodule

`resetall
