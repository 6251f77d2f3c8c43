`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Round-robin arbiter (combinational grant).
 *
 * Grants the first requester after `last` in cyclic order (last + 1, ...,
 * PORTS - 1, 0, ..., last): every requester that keeps its request up is
 * granted within one round. The caller owns the pointer register and loads
 * it with the granted index when the grant is taken, so it decides whether
 * a grant is held (bursts) or moves on every cycle.
 *
 * With no request, grant_valid is low and grant equals `last`.
 *
 * A power-of-two PORTS searches once from last + 1 with wrapping indices;
 * other counts search twice (after last, else from 0), so `last` may also
 * hold an index >= PORTS there.
 */
module rr_arb #
(
    // Number of requesters (2..256)
    parameter PORTS = 4,
    // Width of a requester index
    parameter PORT_WIDTH = $clog2(PORTS)
)
(
    /*
     * Requests and the index granted last
     */
    input  wire [PORTS-1:0]      req,
    input  wire [PORT_WIDTH-1:0] last,

    /*
     * Grant
     */
    output wire                  grant_valid,
    output wire [PORT_WIDTH-1:0] grant
);

// parameter checks
generate
    if (PORTS < 2 || PORTS > 256 || PORT_WIDTH != $clog2(PORTS)) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rr_arb: bad PORTS/PORT_WIDTH");
`endif
        initial $fatal(1, "rr_arb: bad PORTS/PORT_WIDTH");
    end
endgenerate

reg [PORT_WIDTH-1:0] sel;
reg                  sel_valid;
integer              i;

generate
    if ((1 << PORT_WIDTH) == PORTS) begin : g_pow2
        // indices wrap by themselves: search last + PORTS, ..., last + 1, the
        // nearest requester after last overrides the others (no variable
        // besides the outputs, so small instances become a table in Verilator)
        always @* begin
            sel = last;
            sel_valid = 1'b0;
            if (req != {PORTS{1'b0}}) begin
                sel_valid = 1'b1;
                for (i = PORTS - 1; i >= 0; i = i - 1) begin
                    if (req[last + 1'b1 + i[PORT_WIDTH-1:0]]) begin
                        sel = last + 1'b1 + i[PORT_WIDTH-1:0];
                    end
                end
            end
        end
    end else begin : g_any
        // lowest requester, overridden by the lowest requester after last
        always @* begin
            sel = last;
            sel_valid = 1'b0;
            if (req != {PORTS{1'b0}}) begin
                for (i = PORTS - 1; i >= 0; i = i - 1) begin
                    if (req[i]) begin
                        sel = i[PORT_WIDTH-1:0];
                        sel_valid = 1'b1;
                    end
                end
                for (i = PORTS - 1; i >= 0; i = i - 1) begin
                    if (req[i] && i[PORT_WIDTH-1:0] > last) begin
                        sel = i[PORT_WIDTH-1:0];
                    end
                end
            end
        end
    end
endgenerate

assign grant_valid = sel_valid;
assign grant = sel;

endmodule

`resetall
