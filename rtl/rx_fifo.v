`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Synchronous FIFO, first-word fall-through.
 *
 * The write side sees a ready that depends only on the pointer registers
 * (not full), so it can serve as the registered-ready buffer at a block
 * boundary. The read side presents the head entry straight from storage
 * whenever m_valid is high; it is removed when m_ready is high.
 */
module rx_fifo #
(
    // Width of one entry in bits
    parameter WIDTH = 8,
    // Number of entries (power of two, at least 2)
    parameter DEPTH = 16
)
(
    /*
     * Clock/reset
     */
    input  wire             clk,
    input  wire             rst,

    /*
     * Write side
     */
    input  wire [WIDTH-1:0] s_data,
    input  wire             s_valid,
    output wire             s_ready,

    /*
     * Read side
     */
    output wire [WIDTH-1:0] m_data,
    output wire             m_valid,
    input  wire             m_ready,

    /*
     * Status
     */
    output wire             empty
);

// address bits of the storage array
localparam ADDR_WIDTH = $clog2(DEPTH);

// parameter checks
generate
    if (DEPTH < 2 || (1 << ADDR_WIDTH) != DEPTH || WIDTH < 1) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_fifo: DEPTH must be a power of two >= 2 and WIDTH >= 1");
`endif
        initial $fatal(1, "rx_fifo: DEPTH must be a power of two >= 2 and WIDTH >= 1");
    end
endgenerate

reg [WIDTH-1:0] mem [0:DEPTH-1];

// one extra pointer bit tells full from empty
reg [ADDR_WIDTH:0] wr_ptr_reg = {ADDR_WIDTH+1{1'b0}}, wr_ptr_next;
reg [ADDR_WIDTH:0] rd_ptr_reg = {ADDR_WIDTH+1{1'b0}}, rd_ptr_next;

wire full_int  = (wr_ptr_reg ^ rd_ptr_reg) == {1'b1, {ADDR_WIDTH{1'b0}}};
wire empty_int = wr_ptr_reg == rd_ptr_reg;

wire wr_en = s_valid && !full_int;
wire rd_en = m_ready && !empty_int;

assign s_ready = !full_int;
assign m_valid = !empty_int;
assign m_data  = mem[rd_ptr_reg[ADDR_WIDTH-1:0]];
assign empty   = empty_int;

always @(posedge clk) begin
    if (wr_en) begin
        mem[wr_ptr_reg[ADDR_WIDTH-1:0]] <= s_data;
    end
end

always @* begin
    wr_ptr_next = wr_ptr_reg;
    rd_ptr_next = rd_ptr_reg;

    if (wr_en) begin
        wr_ptr_next = wr_ptr_reg + 1'b1;
    end
    if (rd_en) begin
        rd_ptr_next = rd_ptr_reg + 1'b1;
    end
end

always @(posedge clk) begin
    wr_ptr_reg <= wr_ptr_next;
    rd_ptr_reg <= rd_ptr_next;

    if (rst) begin
        wr_ptr_reg <= {ADDR_WIDTH+1{1'b0}};
        rd_ptr_reg <= {ADDR_WIDTH+1{1'b0}};
    end
end

endmodule

`resetall
