`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * Receive ingress: accepts the line-side stream, forwards every beat to the
 * frame data FIFO as received (lanes that tkeep marks absent are don't-care
 * there, qualified by tkeep) and captures the first HDR_BYTES bytes of each
 * frame with the absent bytes zeroed. The header descriptor is launched on
 * the beat that completes the capture: the beat that brings the byte count to
 * HDR_BYTES, or the frame's last beat if that comes first. It is registered
 * here (the parser's stage S0): m_hdr_valid rises the cycle after the launch
 * beat and the descriptor holds while m_hdr_ready is low. The parser
 * therefore starts before a long frame has fully arrived, which keeps the
 * data FIFO small and independent of the maximum frame length.
 *
 * Beats are captured one per cycle into a small beat array; the full header
 * vector is assembled only at launch, once per frame.
 *
 * Header layout: byte i of the frame in bits [8*i+7:8*i]; bytes past the end
 * of a short frame are zero. m_hdr_len is the number of captured bytes
 * (min(frame length, HDR_BYTES)).
 *
 * s_axis_rx_tready is the AND of the two downstream readies, both of which
 * come straight from registers (FIFO full flag, parser pipeline enable). A
 * launch needs m_hdr_ready, so a waiting descriptor is never overwritten.
 */
module rx_ingress #
(
    // Width of the line-side data path in bits (multiple of 64)
    parameter DATA_WIDTH = 64,
    // Width of tkeep (one bit per byte)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Number of header bytes captured per frame (multiple of KEEP_WIDTH)
    parameter HDR_BYTES = 128,
    // Width of the captured-length field (holds 0..HDR_BYTES)
    parameter HDR_LEN_WIDTH = $clog2(HDR_BYTES+1)
)
(
    /*
     * Clock/reset
     */
    input  wire                     clk,
    input  wire                     rst,

    /*
     * Line-side receive stream
     */
    input  wire [DATA_WIDTH-1:0]    s_axis_rx_tdata,
    input  wire [KEEP_WIDTH-1:0]    s_axis_rx_tkeep,
    input  wire                     s_axis_rx_tvalid,
    output wire                     s_axis_rx_tready,
    input  wire                     s_axis_rx_tlast,
    input  wire                     s_axis_rx_tuser,

    /*
     * Frame data towards the data FIFO
     */
    output wire [DATA_WIDTH-1:0]    m_axis_data_tdata,
    output wire [KEEP_WIDTH-1:0]    m_axis_data_tkeep,
    output wire                     m_axis_data_tvalid,
    input  wire                     m_axis_data_tready,
    output wire                     m_axis_data_tlast,
    output wire                     m_axis_data_tuser,

    /*
     * Header descriptor towards the parser
     */
    output wire [HDR_BYTES*8-1:0]   m_hdr_data,
    output wire [HDR_LEN_WIDTH-1:0] m_hdr_len,
    output wire                     m_hdr_valid,
    input  wire                     m_hdr_ready,

    /*
     * Status
     */
    output wire                     busy
);

// header capture length in beats
localparam HDR_BEATS = HDR_BYTES / KEEP_WIDTH;
// width of the beat index within the header
localparam BEAT_WIDTH = HDR_BEATS > 1 ? $clog2(HDR_BEATS) : 1;
// log2 of the bytes per beat
localparam KEEP_LOG = $clog2(KEEP_WIDTH);
// index of the beat that completes the header capture
localparam integer LAST_BEAT = HDR_BEATS - 1;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH ||
            HDR_BYTES % KEEP_WIDTH != 0 || HDR_BYTES < 64 ||
            HDR_LEN_WIDTH < $clog2(HDR_BYTES+1)) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_ingress: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES combination");
`endif
        initial $fatal(1, "rx_ingress: bad DATA_WIDTH/KEEP_WIDTH/HDR_BYTES combination");
    end
endgenerate

// number of ones in a contiguous keep mask
function [HDR_LEN_WIDTH-1:0] keep_count;
    input [KEEP_WIDTH-1:0] keep;
    integer i;
    begin
        keep_count = {HDR_LEN_WIDTH{1'b0}};
        for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
            keep_count = keep_count + {{HDR_LEN_WIDTH-1{1'b0}}, keep[i]};
        end
    end
endfunction

reg [BEAT_WIDTH-1:0]         beat_reg = {BEAT_WIDTH{1'b0}}, beat_next;
reg                          launched_reg = 1'b0, launched_next;
reg                          mid_frame_reg = 1'b0, mid_frame_next;

// beats of the current frame's header captured so far (beats at and above
// beat_reg are stale and never read)
reg [DATA_WIDTH-1:0]         cap_mem [0:HDR_BEATS-1];

// registered header descriptor (stage S0 of the parser pipeline)
reg                          hdr_valid_reg = 1'b0;
reg [HDR_BYTES*8-1:0]        hdr_data_reg = {HDR_BYTES*8{1'b0}};
reg [HDR_LEN_WIDTH-1:0]      hdr_len_reg = {HDR_LEN_WIDTH{1'b0}};

wire ready = m_axis_data_tready && m_hdr_ready;
wire fire  = s_axis_rx_tvalid && ready;

// a beat with the bytes that `keep` marks absent zeroed
function [DATA_WIDTH-1:0] mask_beat;
    input [DATA_WIDTH-1:0] data;
    input [KEEP_WIDTH-1:0] keep;
    integer i;
    begin
        for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
            mask_beat[i*8 +: 8] = keep[i] ? data[i*8 +: 8] : 8'd0;
        end
    end
endfunction

genvar g;

wire last_hdr_beat = beat_reg == LAST_BEAT[BEAT_WIDTH-1:0];
wire launch = fire && !launched_reg && (s_axis_rx_tlast || last_hdr_beat);

// bytes captured before this beat
wire [HDR_LEN_WIDTH-1:0] beat_base = {{HDR_LEN_WIDTH-BEAT_WIDTH{1'b0}}, beat_reg} << KEEP_LOG;

always @* begin
    beat_next = beat_reg;
    launched_next = launched_reg;
    mid_frame_next = mid_frame_reg;

    if (fire) begin
        mid_frame_next = !s_axis_rx_tlast;
        if (s_axis_rx_tlast) begin
            beat_next = {BEAT_WIDTH{1'b0}};
            launched_next = 1'b0;
        end else if (launch) begin
            launched_next = 1'b1;
        end else if (!launched_reg) begin
            beat_next = beat_reg + 1'b1;
        end
    end
end

always @(posedge clk) begin
    beat_reg <= beat_next;
    launched_reg <= launched_next;
    mid_frame_reg <= mid_frame_next;

    // capture one beat per cycle; the launch beat goes straight to the descriptor
    if (fire && !launched_reg && !launch) begin
        cap_mem[beat_reg] <= mask_beat(s_axis_rx_tdata, s_axis_rx_tkeep);
    end

    // the descriptor advances with the parser; it only loads on a launch, so
    // the header is assembled once per frame
    if (m_hdr_ready) begin
        hdr_valid_reg <= launch;
    end
    if (launch) begin
        // bytes captured including this beat
        hdr_len_reg <= beat_base + keep_count(s_axis_rx_tkeep);
    end

    if (rst) begin
        beat_reg <= {BEAT_WIDTH{1'b0}};
        launched_reg <= 1'b0;
        mid_frame_reg <= 1'b0;
        hdr_valid_reg <= 1'b0;
    end
end

// header assembly at launch: captured beats, the launch beat, zeros past it
generate
    for (g = 0; g < HDR_BEATS; g = g + 1) begin : g_slot
        always @(posedge clk) begin
            if (launch) begin
                if (beat_reg == g) begin
                    hdr_data_reg[g*DATA_WIDTH +: DATA_WIDTH] <=
                        mask_beat(s_axis_rx_tdata, s_axis_rx_tkeep);
                end else if (beat_reg > g) begin
                    hdr_data_reg[g*DATA_WIDTH +: DATA_WIDTH] <= cap_mem[g];
                end else begin
                    hdr_data_reg[g*DATA_WIDTH +: DATA_WIDTH] <= {DATA_WIDTH{1'b0}};
                end
            end
        end
    end
endgenerate

assign s_axis_rx_tready = ready;

assign m_axis_data_tdata = s_axis_rx_tdata;
assign m_axis_data_tkeep = s_axis_rx_tkeep;
assign m_axis_data_tvalid = fire;
assign m_axis_data_tlast = s_axis_rx_tlast;
assign m_axis_data_tuser = s_axis_rx_tuser;

assign m_hdr_data = hdr_data_reg;
assign m_hdr_len = hdr_len_reg;
assign m_hdr_valid = hdr_valid_reg;

assign busy = mid_frame_reg || hdr_valid_reg;

endmodule

`resetall
