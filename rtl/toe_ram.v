`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Simple dual-port RAM for the TOE tables: one write port, one read port,
 * registered read (read-first: a read and a write to the same address in
 * one cycle return the old contents). This is the shape a block RAM or
 * UltraRAM takes on an FPGA and a two-port SRAM macro in an ASIC; no reset,
 * contents are undefined until written (the users sweep or track validity).
 */
module toe_ram #
(
    // Width of one word in bits
    parameter WIDTH = 32,
    // Number of words (power of two, at least 2)
    parameter DEPTH = 1024
)
(
    input  wire                     clk,

    /*
     * Write port
     */
    input  wire                     wr_en,
    input  wire [$clog2(DEPTH)-1:0] wr_addr,
    input  wire [WIDTH-1:0]         wr_data,

    /*
     * Read port: rd_data holds mem[rd_addr] from the cycle after rd_en
     */
    input  wire                     rd_en,
    input  wire [$clog2(DEPTH)-1:0] rd_addr,
    output wire [WIDTH-1:0]         rd_data
);

// address bits
localparam ADDR_WIDTH = $clog2(DEPTH);

// parameter checks
generate
    if (DEPTH < 2 || (1 << ADDR_WIDTH) != DEPTH || WIDTH < 1) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_ram: DEPTH must be a power of two >= 2 and WIDTH >= 1");
`endif
        initial $fatal(1, "toe_ram: DEPTH must be a power of two >= 2 and WIDTH >= 1");
    end
endgenerate

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [WIDTH-1:0] rd_data_reg = {WIDTH{1'b0}};

assign rd_data = rd_data_reg;

// One block, the read before the write: the read sees the word from before the edge, as with a
// delayed write. mem is read nowhere else, so the write can be blocking, which spares the
// Verilated model a delayed-write value (a WIDTH-bit temporary cleared on every clock edge).
/* verilator lint_off BLKSEQ */
always @(posedge clk) begin
    if (rd_en) begin
        rd_data_reg <= mem[rd_addr];
    end
    if (wr_en) begin
        mem[wr_addr] = wr_data;
    end
end
/* verilator lint_on BLKSEQ */

endmodule

`resetall
