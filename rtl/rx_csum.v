`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Receive checksum stage and result assembly.
 *
 * Streams each frame's beats out of the data FIFO once the frame's parse
 * result is at the head of the parse-result FIFO, and sums per beat, as
 * big-endian 16-bit words aligned to frame offset 0:
 *   - the IPv4 header bytes [L3 offset, L4 offset) (when it is checked)
 *   - the L4 bytes [L4 offset, IP end) (Ethernet padding after the IP end is
 *     excluded; an odd last byte is paired with zero)
 * into 32-bit end-around-carry accumulators, counts the frame length, and
 * on the last beat decides the checksum status from the parse-time plan
 * (rules listed in rx_parser). Results go to a FIFO that drives the
 * m_axis_rxmeta port; the beats continue, delayed, on m_axis_* (frame data
 * towards the host side).
 *
 * Pipeline: R0 pop, R1 per-beat masked sums, R2 accumulate, then the status
 * decision is written into the output FIFOs. All stages stall together
 * while either output FIFO is full (registered flags).
 */
module rx_csum #
(
    // Width of the data path in bits (power of two, 64..512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep (one bit per byte)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Depth of the result and data output FIFOs (power of two)
    parameter OUT_DEPTH = 4
)
(
    /*
     * Clock/reset
     */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Frame data input (from the data FIFO)
     */
    input  wire [DATA_WIDTH-1:0] s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0] s_axis_tkeep,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,
    input  wire                  s_axis_tlast,
    input  wire                  s_axis_tuser,

    /*
     * Parse results (one per frame, in order)
     */
    input  wire                  s_pr_valid,
    output wire                  s_pr_ready,
    input  wire [1:0]            s_pr_l3,
    input  wire [1:0]            s_pr_l4,
    input  wire                  s_pr_frag,
    input  wire [2:0]            s_pr_hash_type,
    input  wire [31:0]           s_pr_hash,
    input  wire [6:0]            s_pr_queue,
    input  wire                  s_pr_cs_en,
    input  wire                  s_pr_cs_bad_ip,
    input  wire                  s_pr_cs_chk_end,
    input  wire                  s_pr_cs_chk_ip,
    input  wire                  s_pr_cs_unver,
    input  wire                  s_pr_cs_chk_l4,
    input  wire [4:0]            s_pr_l3_off,
    input  wire [11:0]           s_pr_l4_off,
    input  wire [16:0]           s_pr_ip_end,
    input  wire [20:0]           s_pr_pseudo,

    /*
     * Receive result output
     */
    output wire                  m_axis_rxmeta_tvalid,
    input  wire                  m_axis_rxmeta_tready,
    output wire [15:0]           m_axis_rxmeta_len,
    output wire [1:0]            m_axis_rxmeta_l3,
    output wire [1:0]            m_axis_rxmeta_l4,
    output wire [2:0]            m_axis_rxmeta_hash_type,
    output wire [31:0]           m_axis_rxmeta_hash,
    output wire [6:0]            m_axis_rxmeta_queue,
    output wire [2:0]            m_axis_rxmeta_csum,
    output wire                  m_axis_rxmeta_frag,

    /*
     * Frame data output (delayed stream; last beat leaves with its result)
     */
    output wire [DATA_WIDTH-1:0] m_axis_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_tkeep,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast,

    /*
     * Statistics (one strobe per result)
     */
    output wire                  stat_valid,
    output wire [15:0]           stat_len,
    output wire [2:0]            stat_csum,
    output wire [1:0]            stat_l3,

    /*
     * Status
     */
    output wire                  busy
);

// 16-bit words per beat
localparam WORDS = KEEP_WIDTH / 2;
// 64-bit chunks per beat
localparam CHUNKS = DATA_WIDTH / 64;
// the low byte of each 16-bit lane of a chunk
localparam [63:0] LANE_MASK = 64'h00ff00ff00ff00ff;
// width of one beat's word sum
localparam SUM_WIDTH = 16 + $clog2(WORDS);
// width of a per-beat byte count
localparam CNT_WIDTH = $clog2(KEEP_WIDTH+1);
// frame offsets and lengths (saturating)
localparam OFF_WIDTH = 17;
// parse-result bundle carried with the beats
localparam PRM_WIDTH = 2 + 2 + 1 + 3 + 32 + 7 + 6 + 5 + 12 + 17 + 21;
// result FIFO entry
localparam META_WIDTH = 16 + 2 + 2 + 3 + 32 + 7 + 3 + 1;

// checksum status codes
localparam [2:0] CS_NONE = `NIC_CSUM_NONE;
localparam [2:0] CS_OK = `NIC_CSUM_OK;
localparam [2:0] CS_BAD_IP = `NIC_CSUM_BAD_IP;
localparam [2:0] CS_BAD_L4 = `NIC_CSUM_BAD_L4;
localparam [2:0] CS_UNVERIFIED = `NIC_CSUM_UNVERIFIED;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH || OUT_DEPTH < 2 ||
            (1 << $clog2(OUT_DEPTH)) != OUT_DEPTH) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "rx_csum: DATA_WIDTH must be 64, 128, 256 or 512, KEEP_WIDTH DATA_WIDTH/8, OUT_DEPTH a power of two >= 2");
`endif
        initial $fatal(1, "rx_csum: DATA_WIDTH must be 64, 128, 256 or 512, KEEP_WIDTH DATA_WIDTH/8, OUT_DEPTH a power of two >= 2");
    end
endgenerate

// bytes of the 8-byte chunk at frame offset `base` whose offset is below
// `lim`, as a bit mask (byte i of the chunk in bits [8*i+7:8*i])
function [63:0] bytes_below;
    input [OFF_WIDTH-1:0] lim;
    input [OFF_WIDTH-1:0] base;
    reg [OFF_WIDTH-1:0] rel;
    begin
        rel = lim - base;
        if (lim <= base) begin
            bytes_below = 64'd0;
        end else if (rel >= 8) begin
            bytes_below = ~64'd0;
        end else begin
            bytes_below = ~(~64'd0 << {rel[2:0], 3'b000});
        end
    end
endfunction

// number of ones in a 64-bit mask (adder tree on packed lanes)
function [6:0] ones64;
    input [63:0] x;
    reg [63:0] a, b, c, d;
    begin
        a = x - ((x >> 1) & 64'h5555555555555555);
        b = (a & 64'h3333333333333333) + ((a >> 2) & 64'h3333333333333333);
        c = (b + (b >> 4)) & 64'h0f0f0f0f0f0f0f0f;
        d = c + (c >> 8);
        d = d + (d >> 16);
        d = d + (d >> 32);
        ones64 = d[6:0];
    end
endfunction

function [CNT_WIDTH-1:0] keep_count;
    input [KEEP_WIDTH-1:0] keep;
    // at most KEEP_WIDTH, which fits CNT_WIDTH
    /* verilator lint_off UNUSEDSIGNAL */
    reg [6:0] n;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
        n = ones64({{64-KEEP_WIDTH{1'b0}}, keep});
        keep_count = n[CNT_WIDTH-1:0];
    end
endfunction

// ones'-complement style addition modulo 2^32-1 (end-around carry)
function [31:0] eac_add;
    input [31:0] a;
    input [31:0] b;
    reg [32:0] t;
    begin
        t = {1'b0, a} + {1'b0, b};
        eac_add = t[31:0] + {31'd0, t[32]};
    end
endfunction

function [15:0] fold16;
    input [31:0] x;
    reg [16:0] t;
    begin
        t = {1'b0, x[31:16]} + {1'b0, x[15:0]};
        fold16 = t[15:0] + {15'd0, t[16]};
    end
endfunction

wire meta_ready;
wire dout_ready;
wire adv = meta_ready && dout_ready;

/*
 * R0: pop a beat (and, on a frame's first beat, its parse result)
 */
reg                  in_frame_reg = 1'b0, in_frame_next;
reg [OFF_WIDTH-1:0]  base_reg = {OFF_WIDTH{1'b0}}, base_next;
reg [PRM_WIDTH-1:0]  prm_reg = {PRM_WIDTH{1'b0}}, prm_next;

wire [PRM_WIDTH-1:0] s_prm = {s_pr_l3, s_pr_l4, s_pr_frag, s_pr_hash_type, s_pr_hash, s_pr_queue,
                              s_pr_cs_en, s_pr_cs_bad_ip, s_pr_cs_chk_end, s_pr_cs_chk_ip,
                              s_pr_cs_unver, s_pr_cs_chk_l4,
                              s_pr_l3_off, s_pr_l4_off, s_pr_ip_end, s_pr_pseudo};

wire can_take = in_frame_reg || s_pr_valid;
wire pop = adv && s_axis_tvalid && can_take;
wire [PRM_WIDTH-1:0] prm_cur = in_frame_reg ? prm_reg : s_prm;
wire [OFF_WIDTH:0] base_inc = {1'b0, base_reg} + KEEP_WIDTH[OFF_WIDTH:0];

always @* begin
    in_frame_next = in_frame_reg;
    base_next = base_reg;
    prm_next = prm_reg;

    if (pop) begin
        in_frame_next = !s_axis_tlast;
        prm_next = prm_cur;
        if (s_axis_tlast) begin
            base_next = {OFF_WIDTH{1'b0}};
        end else if (!base_inc[OFF_WIDTH]) begin
            // saturates far beyond any IP end
            base_next = base_inc[OFF_WIDTH-1:0];
        end
    end
end

reg                  r0_valid_reg = 1'b0;
reg                  r0_first_reg = 1'b0;
reg                  r0_last_reg = 1'b0;
reg                  r0_user_reg = 1'b0;
reg [DATA_WIDTH-1:0] r0_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] r0_keep_reg = {KEEP_WIDTH{1'b0}};
reg [OFF_WIDTH-1:0]  r0_base_reg = {OFF_WIDTH{1'b0}};
reg [PRM_WIDTH-1:0]  r0_prm_reg = {PRM_WIDTH{1'b0}};

always @(posedge clk) begin
    in_frame_reg <= in_frame_next;
    base_reg <= base_next;
    prm_reg <= prm_next;

    if (adv) begin
        r0_valid_reg <= pop;
        // data registers only move with a valid beat (here and below)
        if (pop) begin
            r0_first_reg <= !in_frame_reg;
            r0_last_reg <= s_axis_tlast;
            r0_user_reg <= s_axis_tuser;
            r0_data_reg <= s_axis_tdata;
            r0_keep_reg <= s_axis_tkeep;
            r0_base_reg <= base_reg;
            r0_prm_reg <= prm_cur;
        end
    end

    if (rst) begin
        in_frame_reg <= 1'b0;
        base_reg <= {OFF_WIDTH{1'b0}};
        r0_valid_reg <= 1'b0;
    end
end

/*
 * R1: per-beat masked word sums and byte count
 */
wire         r0_chk_ip;
wire [4:0]   r0_l3_off;
wire [11:0]  r0_l4_off;
wire [16:0]  r0_ip_end;

// only the IPv4 header check flag and the offsets are looked at here
/* verilator lint_off UNUSEDSIGNAL */
wire [1:0]   r0_l3, r0_l4;
wire         r0_frag;
wire [2:0]   r0_ht;
wire [31:0]  r0_hash;
wire [6:0]   r0_queue;
wire         r0_cs_en, r0_bad_ip, r0_chk_end, r0_unver, r0_chk_l4;
wire [20:0]  r0_pseudo;
/* verilator lint_on UNUSEDSIGNAL */

assign {r0_l3, r0_l4, r0_frag, r0_ht, r0_hash, r0_queue,
        r0_cs_en, r0_bad_ip, r0_chk_end, r0_chk_ip, r0_unver, r0_chk_l4,
        r0_l3_off, r0_l4_off, r0_ip_end, r0_pseudo} = r0_prm_reg;

wire [OFF_WIDTH-1:0] r0_l3_off_w = {12'd0, r0_l3_off};
wire [OFF_WIDTH-1:0] r0_l4_off_w = {5'd0, r0_l4_off};

// Masked word sums: per 64-bit chunk, the bytes of each range are kept by a
// mask built from the offsets, then the even bytes (high byte of each
// big-endian word) and the odd bytes are added in four 16-bit lanes (at most
// CHUNKS * 255 per lane, no carry between lanes). The beat's sum is
// 256 * (even bytes) + (odd bytes), summed over the lanes.
wire [DATA_WIDTH-1:0] data_ip;   // the beat with bytes outside the IPv4 header zeroed
wire [DATA_WIDTH-1:0] data_l4;   // the beat with bytes outside [L4 offset, IP end) zeroed

genvar g;
generate
    for (g = 0; g < CHUNKS; g = g + 1) begin : g_chunk
        wire [OFF_WIDTH-1:0] cbase = r0_base_reg + 8 * g;
        wire [63:0] m_ip = r0_chk_ip ?
            (bytes_below(r0_l4_off_w, cbase) & ~bytes_below(r0_l3_off_w, cbase)) : 64'd0;
        wire [63:0] m_l4 = bytes_below(r0_ip_end, cbase) & ~bytes_below(r0_l4_off_w, cbase);
        assign data_ip[64*g +: 64] = r0_data_reg[64*g +: 64] & m_ip;
        assign data_l4[64*g +: 64] = r0_data_reg[64*g +: 64] & m_l4;
    end
endgenerate

reg [63:0] even_ip, odd_ip, even_l4, odd_l4;
integer ci;

always @* begin
    even_ip = 64'd0;
    odd_ip = 64'd0;
    even_l4 = 64'd0;
    odd_l4 = 64'd0;
    for (ci = 0; ci < CHUNKS; ci = ci + 1) begin
        even_ip = even_ip + (data_ip[64*ci +: 64] & LANE_MASK);
        odd_ip = odd_ip + ((data_ip[64*ci +: 64] >> 8) & LANE_MASK);
        even_l4 = even_l4 + (data_l4[64*ci +: 64] & LANE_MASK);
        odd_l4 = odd_l4 + ((data_l4[64*ci +: 64] >> 8) & LANE_MASK);
    end
end

// sum of a beat from its even- and odd-byte lane sums
function [SUM_WIDTH-1:0] lane_total;
    input [63:0] even;
    input [63:0] odd;
    reg [SUM_WIDTH-1:0] e, o;
    begin
        e = {{SUM_WIDTH-16{1'b0}}, even[15:0]} + {{SUM_WIDTH-16{1'b0}}, even[31:16]} +
            {{SUM_WIDTH-16{1'b0}}, even[47:32]} + {{SUM_WIDTH-16{1'b0}}, even[63:48]};
        o = {{SUM_WIDTH-16{1'b0}}, odd[15:0]} + {{SUM_WIDTH-16{1'b0}}, odd[31:16]} +
            {{SUM_WIDTH-16{1'b0}}, odd[47:32]} + {{SUM_WIDTH-16{1'b0}}, odd[63:48]};
        lane_total = (e << 8) + o;
    end
endfunction

reg                  r1_valid_reg = 1'b0;
reg                  r1_first_reg = 1'b0;
reg                  r1_last_reg = 1'b0;
reg                  r1_user_reg = 1'b0;
reg [SUM_WIDTH-1:0]  r1_sum_ip_reg = {SUM_WIDTH{1'b0}};
reg [SUM_WIDTH-1:0]  r1_sum_l4_reg = {SUM_WIDTH{1'b0}};
reg [CNT_WIDTH-1:0]  r1_cnt_reg = {CNT_WIDTH{1'b0}};
reg [DATA_WIDTH-1:0] r1_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] r1_keep_reg = {KEEP_WIDTH{1'b0}};
reg [PRM_WIDTH-1:0]  r1_prm_reg = {PRM_WIDTH{1'b0}};

always @(posedge clk) begin
    if (adv) begin
        r1_valid_reg <= r0_valid_reg;
        if (r0_valid_reg) begin
            r1_first_reg <= r0_first_reg;
            r1_last_reg <= r0_last_reg;
            r1_user_reg <= r0_user_reg;
            r1_sum_ip_reg <= lane_total(even_ip, odd_ip);
            r1_sum_l4_reg <= lane_total(even_l4, odd_l4);
            r1_cnt_reg <= keep_count(r0_keep_reg);
            r1_data_reg <= r0_data_reg;
            r1_keep_reg <= r0_keep_reg;
            r1_prm_reg <= r0_prm_reg;
        end
    end

    if (rst) begin
        r1_valid_reg <= 1'b0;
    end
end

/*
 * R2: accumulate over the frame
 */
reg [31:0]           acc_ip_reg = 32'd0, acc_ip_next;
reg [31:0]           acc_l4_reg = 32'd0, acc_l4_next;
reg [OFF_WIDTH-1:0]  len_reg = {OFF_WIDTH{1'b0}}, len_next;
reg                  user_reg = 1'b0, user_next;

wire [OFF_WIDTH-1:0] len_base = r1_first_reg ? {OFF_WIDTH{1'b0}} : len_reg;
wire [OFF_WIDTH:0]   len_sum = {1'b0, len_base} + {{OFF_WIDTH+1-CNT_WIDTH{1'b0}}, r1_cnt_reg};

always @* begin
    acc_ip_next = acc_ip_reg;
    acc_l4_next = acc_l4_reg;
    len_next = len_reg;
    user_next = user_reg;

    if (adv && r1_valid_reg) begin
        acc_ip_next = eac_add(r1_first_reg ? 32'd0 : acc_ip_reg,
                              {{32-SUM_WIDTH{1'b0}}, r1_sum_ip_reg});
        acc_l4_next = eac_add(r1_first_reg ? 32'd0 : acc_l4_reg,
                              {{32-SUM_WIDTH{1'b0}}, r1_sum_l4_reg});
        len_next = len_sum[OFF_WIDTH] ? {OFF_WIDTH{1'b1}} : len_sum[OFF_WIDTH-1:0];
        user_next = (r1_user_reg || (!r1_first_reg && user_reg));
    end
end

reg                  r2_valid_reg = 1'b0;
reg                  r2_last_reg = 1'b0;
reg [DATA_WIDTH-1:0] r2_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] r2_keep_reg = {KEEP_WIDTH{1'b0}};
reg [PRM_WIDTH-1:0]  r2_prm_reg = {PRM_WIDTH{1'b0}};

always @(posedge clk) begin
    acc_ip_reg <= acc_ip_next;
    acc_l4_reg <= acc_l4_next;
    len_reg <= len_next;
    user_reg <= user_next;

    if (adv) begin
        r2_valid_reg <= r1_valid_reg;
        if (r1_valid_reg) begin
            r2_last_reg <= r1_last_reg;
            r2_data_reg <= r1_data_reg;
            r2_keep_reg <= r1_keep_reg;
            r2_prm_reg <= r1_prm_reg;
        end
    end

    if (rst) begin
        r2_valid_reg <= 1'b0;
        len_reg <= {OFF_WIDTH{1'b0}};
        user_reg <= 1'b0;
    end
end

/*
 * Status decision and outputs
 */
wire [1:0]  f_l3;
wire [1:0]  f_l4;
wire        f_frag;
wire [2:0]  f_ht;
wire [31:0] f_hash;
wire [6:0]  f_queue;
wire        f_cs_en, f_bad_ip, f_chk_end, f_chk_ip, f_unver, f_chk_l4;
wire [4:0]  f_l3_off;
wire [11:0] f_l4_off;
wire [16:0] f_ip_end;
wire [20:0] f_pseudo;

assign {f_l3, f_l4, f_frag, f_ht, f_hash, f_queue,
        f_cs_en, f_bad_ip, f_chk_end, f_chk_ip, f_unver, f_chk_l4,
        f_l3_off, f_l4_off, f_ip_end, f_pseudo} = r2_prm_reg;

// the offsets were only needed for the masks
/* verilator lint_off UNUSEDSIGNAL */
wire [16:0] unused_offsets = {f_l3_off, f_l4_off};
/* verilator lint_on UNUSEDSIGNAL */

wire ip_ok = fold16(acc_ip_reg) == 16'hffff;
wire l4_ok = fold16(eac_add(acc_l4_reg, {11'd0, f_pseudo})) == 16'hffff;
wire end_bad = f_chk_end && f_ip_end > len_reg;

reg [2:0] status;

always @* begin
    if (!f_cs_en) begin
        status = CS_NONE;
    end else if (user_reg) begin
        status = CS_UNVERIFIED;
    end else if (f_bad_ip || end_bad || (f_chk_ip && !ip_ok)) begin
        status = CS_BAD_IP;
    end else if (f_unver) begin
        status = CS_UNVERIFIED;
    end else if (f_chk_l4 && !l4_ok) begin
        status = CS_BAD_L4;
    end else begin
        status = CS_OK;
    end
end

wire [15:0] len16 = len_reg[OFF_WIDTH-1:16] != 0 ? 16'hffff : len_reg[15:0];
wire meta_write = adv && r2_valid_reg && r2_last_reg;
wire dout_write = adv && r2_valid_reg;

wire meta_empty;
wire dout_empty;
wire [META_WIDTH-1:0] meta_out;

rx_fifo #(
    .WIDTH(META_WIDTH),
    .DEPTH(OUT_DEPTH)
)
meta_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({len16, f_l3, f_l4, f_ht, f_hash, f_queue, status, f_frag}),
    .s_valid(meta_write),
    .s_ready(meta_ready),
    .m_data(meta_out),
    .m_valid(m_axis_rxmeta_tvalid),
    .m_ready(m_axis_rxmeta_tready),
    .empty(meta_empty)
);

assign {m_axis_rxmeta_len, m_axis_rxmeta_l3, m_axis_rxmeta_l4, m_axis_rxmeta_hash_type,
        m_axis_rxmeta_hash, m_axis_rxmeta_queue, m_axis_rxmeta_csum, m_axis_rxmeta_frag} = meta_out;

rx_fifo #(
    .WIDTH(DATA_WIDTH + KEEP_WIDTH + 1),
    .DEPTH(OUT_DEPTH)
)
dout_fifo_inst (
    .clk(clk),
    .rst(rst),
    .s_data({r2_data_reg, r2_keep_reg, r2_last_reg}),
    .s_valid(dout_write),
    .s_ready(dout_ready),
    .m_data({m_axis_tdata, m_axis_tkeep, m_axis_tlast}),
    .m_valid(m_axis_tvalid),
    .m_ready(m_axis_tready),
    .empty(dout_empty)
);

assign s_axis_tready = adv && can_take;
assign s_pr_ready = adv && s_axis_tvalid && !in_frame_reg;

assign stat_valid = meta_write;
assign stat_len = len16;
assign stat_csum = status;
assign stat_l3 = f_l3;

assign busy = in_frame_reg || r0_valid_reg || r1_valid_reg || r2_valid_reg ||
              !meta_empty || !dout_empty;

endmodule

`resetall
