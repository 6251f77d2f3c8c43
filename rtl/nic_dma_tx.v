`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Transmit DMA: descriptors -> buffer reads -> line-side frames -> completions.
 *
 * Issue stage: takes the next descriptor (u64 address, u16 bytes, u16 flags
 * with bit 0 = end of frame, u32 cookie) and cuts its buffer into chunks
 * that end at 4 KiB boundaries (so at most 4096 bytes). Each chunk reserves
 * ceil(len / beat) beats in a reorder buffer of BUF_BYTES and an entry in a
 * chunk FIFO of CHUNKS entries, then issues one read whose context word
 * names the chunk and its first beat. A zero-length descriptor makes an
 * empty chunk and no read.
 *
 * Completion stage: read data beats land in their reserved beats (byte 0 of
 * the chunk in lane 0); the chunk is marked done with its last beat. Reads
 * may complete in any order.
 *
 * Output stage: chunks leave in order once done. A packer appends each
 * chunk's bytes to a residual of up to one beat and sends a beat when more
 * than one beat's worth is held, so a frame's bytes leave contiguous and its
 * last beat (tkeep, tlast) is always the residual. After the frame's last
 * beat a 16-byte completion (cookie of the last descriptor, frame length,
 * counter of the first descriptor, descriptors used, type 2, phase) is
 * written once the completion ring has a free slot; its last beat carries
 * the event sideband {1, vector}. The next frame starts after that. The
 * line-side output has a skid register, so the packer never waits on the
 * line's ready combinationally.
 *
 * The descriptor queue is looked at only after a descriptor arrived on chip
 * (s_cons_wake) or the current one is used up, and the clocked logic beyond
 * storing read data is evaluated only while something is in progress, so an
 * idle transmit path costs little simulation time.
 *
 * Register sub-port (word offsets within the TX queue's block): 5/6
 * completion ring base low/high, 7 log2 entries, 8 completion head
 * (driver), 9 completion tail (RO), 10 vector, 14 frames sent. Other
 * offsets read zero here.
 */
module nic_dma_tx #
(
    // Width of the data path in bits (64..512)
    parameter DATA_WIDTH = 64,
    // Width of tkeep and of the write strobes (DATA_WIDTH/8)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // Reorder buffer for read data in bytes (power of two, at least 4096 and 4 beats)
    parameter BUF_BYTES = 16384,
    // Chunks (reads) in flight or waiting to be sent (power of two, 2..64)
    parameter CHUNKS = 32,
    // Width of the read context word (at least log2(CHUNKS) + log2(BUF_BYTES/beat bytes))
    parameter CTX_WIDTH = 16
)
(
    /*
     * Clock/reset
     */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * Configuration
     */
    input  wire                  cfg_enable,

    /*
     * Register sub-port
     */
    input  wire                  s_csr_wr,
    input  wire                  s_csr_rd,
    input  wire                  s_csr_sel,
    input  wire [3:0]            s_csr_off,
    input  wire [31:0]           s_csr_wdata,
    output wire [31:0]           m_csr_rdata,

    /*
     * Descriptors (nic_desc_fetch consumer port, single queue)
     */
    input  wire                  s_cons_avail,
    input  wire                  s_cons_valid,
    input  wire [127:0]          s_cons_desc,
    input  wire [15:0]           s_cons_ctr,
    input  wire                  s_cons_wake,   // a descriptor has arrived on chip
    output wire                  m_cons_req,
    output wire                  m_cons_pop,
    output wire                  m_cons_commit,

    /*
     * Buffer reads
     */
    output wire                  m_rd_req_valid,
    input  wire                  m_rd_req_ready,
    output wire [63:0]           m_rd_req_addr,
    output wire [12:0]           m_rd_req_len,
    output wire [CTX_WIDTH-1:0]  m_rd_req_ctx,

    input  wire                  s_rd_cpl_valid,
    output wire                  s_rd_cpl_ready,
    input  wire [DATA_WIDTH-1:0] s_rd_cpl_data,
    input  wire [CTX_WIDTH-1:0]  s_rd_cpl_ctx,
    input  wire                  s_rd_cpl_last,

    /*
     * Line-side transmit stream
     */
    output wire [DATA_WIDTH-1:0] m_axis_tx_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_tx_tkeep,
    output wire                  m_axis_tx_tvalid,
    input  wire                  m_axis_tx_tready,
    output wire                  m_axis_tx_tlast,

    /*
     * Completion writes
     */
    output wire                  m_wr_valid,
    input  wire                  m_wr_ready,
    output wire [63:0]           m_wr_addr,
    output wire [DATA_WIDTH-1:0] m_wr_data,
    output wire [KEEP_WIDTH-1:0] m_wr_strb,
    output wire                  m_wr_last,
    output wire [8:0]            m_wr_user,

    /*
     * Statistics (one strobe per frame sent)
     */
    output wire                  stat_tx_frame,

    /*
     * Status
     */
    output wire                  busy
);

// lane-offset bits
localparam LO_W = $clog2(KEEP_WIDTH);
// byte count within a beat (0..KEEP_WIDTH)
localparam NB_W = LO_W + 1;
// reorder buffer beats and index bits
localparam ROB_BEATS = BUF_BYTES / KEEP_WIDTH;
localparam RAW = $clog2(ROB_BEATS);
// chunk index bits
localparam CHW = $clog2(CHUNKS);
// context bits used: chunk, first beat
localparam CTX_USED = CHW + RAW;
// beats of a completion entry
localparam CPL_BEATS = DATA_WIDTH == 64 ? 2 : 1;

// register word offsets
localparam [3:0] R_CPL_LO = `NIC_Q_CPL_LO_W;
localparam [3:0] R_CPL_HI = `NIC_Q_CPL_HI_W;
localparam [3:0] R_CPL_LOG2 = `NIC_Q_CPL_LOG2_W;
localparam [3:0] R_CPL_HEAD = `NIC_Q_CPL_HEAD_W;
localparam [3:0] R_CPL_TAIL = `NIC_Q_CPL_TAIL_W;
localparam [3:0] R_VECTOR = `NIC_Q_VECTOR_W;
localparam [3:0] R_SENT = `NIC_Q_DONE_W;

// completion writer states
localparam [1:0] CW_IDLE = 2'd0;
localparam [1:0] CW_WAIT = 2'd1;
localparam [1:0] CW_EMIT = 2'd2;

// parameter checks
generate
    if (DATA_WIDTH < 64 || DATA_WIDTH > 512 || (1 << $clog2(DATA_WIDTH)) != DATA_WIDTH ||
            KEEP_WIDTH * 8 != DATA_WIDTH || BUF_BYTES < 4096 || ROB_BEATS < 4 ||
            (1 << RAW) != ROB_BEATS || (1 << $clog2(BUF_BYTES)) != BUF_BYTES ||
            CHUNKS < 2 || CHUNKS > 64 || (1 << CHW) != CHUNKS ||
            CTX_WIDTH < CTX_USED) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_dma_tx: bad DATA_WIDTH/KEEP_WIDTH/BUF_BYTES/CHUNKS/CTX_WIDTH");
`endif
        initial $fatal(1, "nic_dma_tx: bad DATA_WIDTH/KEEP_WIDTH/BUF_BYTES/CHUNKS/CTX_WIDTH");
    end
endgenerate

// the first bn bytes of b
function [DATA_WIDTH-1:0] first_bytes;
    input [DATA_WIDTH-1:0] b;
    input [NB_W-1:0]       bn;
    begin
        if (bn == KEEP_WIDTH[NB_W-1:0]) begin
            first_bytes = b;
        end else begin
            first_bytes = b & ~({DATA_WIDTH{1'b1}} << {bn, 3'b000});
        end
    end
endfunction

// residual (rn bytes) followed by bn bytes of b: lower beat
function [DATA_WIDTH-1:0] pack_lo;
    input [DATA_WIDTH-1:0] res;
    input [NB_W-1:0]       rn;
    input [DATA_WIDTH-1:0] b;
    input [NB_W-1:0]       bn;
    begin
        if (rn == {NB_W{1'b0}}) begin
            pack_lo = first_bytes(b, bn);
        end else if (rn == KEEP_WIDTH[NB_W-1:0]) begin
            pack_lo = res;
        end else begin
            pack_lo = res | (first_bytes(b, bn) << {rn, 3'b000});
        end
    end
endfunction

// ... and the upper beat
function [DATA_WIDTH-1:0] pack_hi;
    input [NB_W-1:0]       rn;
    input [DATA_WIDTH-1:0] b;
    input [NB_W-1:0]       bn;
    begin
        if (rn == {NB_W{1'b0}}) begin
            pack_hi = {DATA_WIDTH{1'b0}};
        end else if (rn == KEEP_WIDTH[NB_W-1:0]) begin
            pack_hi = first_bytes(b, bn);
        end else begin
            pack_hi = first_bytes(b, bn) >> {KEEP_WIDTH[NB_W-1:0] - rn, 3'b000};
        end
    end
endfunction

// the first n lanes
function [KEEP_WIDTH-1:0] lanes;
    input [NB_W-1:0] n;
    begin
        lanes = ~({KEEP_WIDTH{1'b1}} << n);
    end
endfunction

// completion beat: the 16-byte entry at lane off (second: its upper half at 64 bits)
function [DATA_WIDTH-1:0] cpl_data;
    input [127:0]    entry;
    input [LO_W-1:0] off;
    input            second;
    reg [DATA_WIDTH+127:0] t;
    begin
        t = {{DATA_WIDTH{1'b0}}, entry} << {off, 3'b000};
        if (second) begin
            t = t >> DATA_WIDTH;
        end
        cpl_data = t[DATA_WIDTH-1:0];
    end
endfunction

function [KEEP_WIDTH-1:0] cpl_strb;
    input [LO_W-1:0] off;
    begin
        cpl_strb = ~({KEEP_WIDTH{1'b1}} << 16) << off;
    end
endfunction

// descriptor flags other than end of frame are reserved
/* verilator lint_off UNUSEDSIGNAL */
wire [14:0]          unused_flags = s_cons_desc[95:81];
/* verilator lint_on UNUSEDSIGNAL */

/*
 * Registers of the TX completion ring
 */
reg [31:0]           cpl_lo_reg = 32'd0;
reg [31:0]           cpl_hi_reg = 32'd0;
reg [3:0]            cpl_log2_reg = 4'd0;
reg [15:0]           cpl_head_reg = 16'd0;
reg [15:0]           cpl_alloc_reg = 16'd0;
reg [15:0]           cpl_tail_reg = 16'd0;
reg [7:0]            vec_reg = 8'd0;
reg [31:0]           cnt_sent_reg = 32'd0;
reg [31:0]           rdata_reg = 32'd0;

/*
 * Issue stage
 */
reg                  da_valid_reg = 1'b0;
reg [63:0]           da_addr_reg = 64'd0;
reg [15:0]           da_rem_reg = 16'd0;
reg                  da_eof_reg = 1'b0;
reg                  da_first_reg = 1'b0;
reg [31:0]           da_cookie_reg = 32'd0;
reg [15:0]           da_ctr_reg = 16'd0;

reg [RAW:0]          rob_alloc_reg = {RAW+1{1'b0}};
reg [RAW:0]          rob_rd_reg = {RAW+1{1'b0}};
reg [CHW:0]          ch_wr_reg = {CHW+1{1'b0}};
reg [CHW:0]          ch_rd_reg = {CHW+1{1'b0}};
reg [CHUNKS-1:0]     done_reg = {CHUNKS{1'b0}};

// chunk FIFO
// {descriptor counter[15:0], cookie[31:0], first chunk of its descriptor,
//  last chunk of its frame, length[12:0], first beat[RAW-1:0]}
localparam CH_WIDTH = 16 + 32 + 1 + 1 + 13 + RAW;
reg [CH_WIDTH-1:0]   ch_mem [0:CHUNKS-1];
wire [CH_WIDTH-1:0]  h_entry;
wire [RAW-1:0]       h_base;
wire [12:0]          h_len;
wire                 h_eof;
wire                 h_first;
wire [31:0]          h_cookie;
wire [15:0]          h_ctr;
assign {h_ctr, h_cookie, h_first, h_eof, h_len, h_base} = h_entry;

reg [DATA_WIDTH-1:0] rob_mem [0:ROB_BEATS-1];

reg                  rq_valid_reg = 1'b0;
reg [63:0]           rq_addr_reg = 64'd0;
reg [12:0]           rq_len_reg = 13'd0;
reg [CTX_USED-1:0]   rq_ctx_reg = {CTX_USED{1'b0}};

// the descriptor queue is looked at after a descriptor arrived or one was used
// up, until it turns out empty
reg                  want_reg = 1'b0;

wire                 rq_free = !rq_valid_reg || m_rd_req_ready;
wire                 cons_req = want_reg && cfg_enable && !da_valid_reg;
wire                 take_desc = cons_req && s_cons_avail && s_cons_valid;
wire                 ch_empty = ch_wr_reg == ch_rd_reg;
wire [CHW-1:0]       i_ch = ch_wr_reg[CHW-1:0];

// the next chunk of the current descriptor (evaluated only while there is one)
reg [12:0]           i_len;
reg [12:0]           i_beats;
reg                  i_lod;
reg                  i_empty;
reg                  issue;

always @* begin
    i_len = 13'd0;
    i_beats = 13'd0;
    i_lod = 1'b0;
    i_empty = 1'b0;
    issue = 1'b0;

    if (da_valid_reg) begin
        i_len = 13'h1000 - {1'b0, da_addr_reg[11:0]};
        if (da_rem_reg < {3'd0, i_len}) begin
            i_len = da_rem_reg[12:0];
        end
        i_beats = (i_len + {{13-NB_W{1'b0}}, KEEP_WIDTH[NB_W-1:0]} - 13'd1) >> LO_W;
        i_lod = {3'd0, i_len} == da_rem_reg;
        i_empty = i_len == 13'd0;
        issue = (ch_wr_reg ^ ch_rd_reg) != {1'b1, {CHW{1'b0}}} &&
                {{20-RAW{1'b0}}, ROB_BEATS[RAW+1:0] - {1'b0, rob_alloc_reg - rob_rd_reg}} >=
                {9'd0, i_beats} &&
                (i_empty || rq_free);
    end
end

/*
 * Read completions into the reorder buffer
 */
wire [CHW-1:0]       r_ch;
wire [RAW-1:0]       r_base;

// context bits above the ones used here are zero
/* verilator lint_off UNUSEDSIGNAL */
wire [CTX_WIDTH-1:0] rd_ctx_full = s_rd_cpl_ctx;
/* verilator lint_on UNUSEDSIGNAL */
assign {r_ch, r_base} = rd_ctx_full[CTX_USED-1:0];

reg                  rc_act_reg = 1'b0;
reg [RAW-1:0]        rc_idx_reg = {RAW{1'b0}};

/*
 * Output stage
 */
reg                  oc_act_reg = 1'b0;
reg [RAW-1:0]        oc_idx_reg = {RAW{1'b0}};
reg [12:0]           oc_rem_reg = 13'd0;
reg                  oc_eof_reg = 1'b0;
reg [31:0]           oc_cookie_reg = 32'd0;

reg [DATA_WIDTH-1:0] pk_data_reg = {DATA_WIDTH{1'b0}};
reg [NB_W-1:0]       pk_n_reg = {NB_W{1'b0}};
reg                  flush_reg = 1'b0;

reg                  f_new_reg = 1'b1;
reg [15:0]           f_len_reg = 16'd0;
reg [7:0]            f_dused_reg = 8'd0;
reg [15:0]           f_dfirst_reg = 16'd0;

// line-side output register and its skid register
reg                  tx_valid_reg = 1'b0;
reg [DATA_WIDTH-1:0] tx_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] tx_keep_reg = {KEEP_WIDTH{1'b0}};
reg                  tx_last_reg = 1'b0;
reg                  txs_valid_reg = 1'b0;
reg [DATA_WIDTH-1:0] txs_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] txs_keep_reg = {KEEP_WIDTH{1'b0}};
reg                  txs_last_reg = 1'b0;

// completion writer
reg [1:0]            cw_state_reg = CW_IDLE;
reg [1:0]            cw_pend_reg = 2'd0;
reg [127:0]          cw_entry_reg = 128'd0;
reg [63:0]           cw_addr_reg = 64'd0;

reg                  wo_valid_reg = 1'b0;
reg [63:0]           wo_addr_reg = 64'd0;
reg [DATA_WIDTH-1:0] wo_data_reg = {DATA_WIDTH{1'b0}};
reg [KEEP_WIDTH-1:0] wo_strb_reg = {KEEP_WIDTH{1'b0}};
reg                  wo_last_reg = 1'b0;
reg [8:0]            wo_user_reg = 9'd0;

// the packer may produce a beat when the skid register is free; the output
// register moves on when the line takes it (or is empty)
wire                 tx_move = !tx_valid_reg || m_axis_tx_tready;
wire                 wo_free = !wo_valid_reg || m_wr_ready;

wire [CHW-1:0]       h_ch = ch_rd_reg[CHW-1:0];
assign h_entry = ch_mem[h_ch];
wire                 start_go = !oc_act_reg && !flush_reg && cw_state_reg == CW_IDLE &&
                                !ch_empty && done_reg[h_ch];

// one beat of the current chunk (evaluated only while a chunk is being sent)
reg                  beat_go;
reg                  flush_go;
reg                  o_real;
reg                  o_last;
reg [NB_W-1:0]       o_n;
reg [NB_W:0]         o_total;
reg                  o_over;
reg                  o_fend;
reg                  o_emit;

always @* begin
    beat_go = 1'b0;
    flush_go = 1'b0;
    o_real = 1'b0;
    o_last = 1'b0;
    o_n = {NB_W{1'b0}};
    o_total = {NB_W+1{1'b0}};
    o_over = 1'b0;
    o_fend = 1'b0;
    o_emit = 1'b0;

    if (!txs_valid_reg) begin
        if (flush_reg) begin
            flush_go = 1'b1;
            o_emit = 1'b1;
        end else if (oc_act_reg) begin
            beat_go = 1'b1;
            o_real = oc_rem_reg != 13'd0;
            o_last = oc_rem_reg <= {{13-NB_W{1'b0}}, KEEP_WIDTH[NB_W-1:0]};
            o_n = o_last ? oc_rem_reg[NB_W-1:0] : KEEP_WIDTH[NB_W-1:0];
            o_total = {1'b0, pk_n_reg} + {1'b0, o_n};
            o_over = o_total > {1'b0, KEEP_WIDTH[NB_W-1:0]};
            o_fend = o_last && oc_eof_reg;
            o_emit = o_over || (o_fend && o_total != {NB_W+1{1'b0}});
        end
    end
end

// completion writer (evaluated only while a completion is pending)
reg                  cw_start;
reg                  cw_emit;
reg                  cw_second;
reg                  cw_final;

always @* begin
    cw_start = 1'b0;
    cw_emit = 1'b0;
    cw_second = 1'b0;
    cw_final = 1'b0;

    if (cw_state_reg == CW_WAIT) begin
        cw_start = !flush_reg &&
                   {1'b0, cpl_alloc_reg - cpl_head_reg} < (17'd1 << cpl_log2_reg);
    end else if (cw_state_reg == CW_EMIT) begin
        cw_emit = wo_free;
        cw_second = CPL_BEATS == 2 && cw_pend_reg == 2'd1;
        cw_final = wo_free && cw_pend_reg == 2'd1;
    end
end

// anything in progress besides read data arriving: the clocked logic below
// is evaluated only then
wire                 awake = da_valid_reg || !ch_empty || oc_act_reg || flush_reg ||
                             cw_state_reg != CW_IDLE || tx_valid_reg || txs_valid_reg ||
                             wo_valid_reg || rq_valid_reg || cons_req;

always @(posedge clk) begin
    // register reads first: statements that read a register come before the
    // ones that write it, throughout this block (no effect on the result, but
    // the simulator then needs no copies of the old values)
    if (s_csr_rd) begin
        rdata_reg <= 32'd0;
        if (s_csr_sel) begin
            case (s_csr_off)
                R_CPL_LO: rdata_reg <= cpl_lo_reg;
                R_CPL_HI: rdata_reg <= cpl_hi_reg;
                R_CPL_LOG2: rdata_reg <= {28'd0, cpl_log2_reg};
                R_CPL_HEAD: rdata_reg <= {16'd0, cpl_head_reg};
                R_CPL_TAIL: rdata_reg <= {16'd0, cpl_tail_reg};
                R_VECTOR: rdata_reg <= {24'd0, vec_reg};
                R_SENT: rdata_reg <= cnt_sent_reg;
                default: rdata_reg <= 32'd0;
            endcase
        end
    end


    // read data (byte 0 of the chunk in lane 0 of its first beat); a chunk is
    // done with its last beat
    if (s_rd_cpl_valid) begin
        rob_mem[rc_act_reg ? rc_idx_reg : r_base] <= s_rd_cpl_data;
        rc_idx_reg <= (rc_act_reg ? rc_idx_reg : r_base) + 1'b1;
        rc_act_reg <= !s_rd_cpl_last;
        if (s_rd_cpl_last) begin
            done_reg[r_ch] <= 1'b1;
        end
    end
    if (s_cons_wake) begin
        want_reg <= 1'b1;
    end

    if (awake) begin
        if (cons_req && !take_desc) begin
            want_reg <= s_cons_wake;
        end
        if (start_go) begin
            done_reg[h_ch] <= 1'b0;
        end
        if (issue && i_empty) begin
            done_reg[i_ch] <= 1'b1;
        end

        // issue stage
        if (issue && !i_empty) begin
            rq_valid_reg <= 1'b1;
            rq_addr_reg <= da_addr_reg;
            rq_len_reg <= i_len;
            rq_ctx_reg <= {i_ch, rob_alloc_reg[RAW-1:0]};
        end else if (m_rd_req_ready) begin
            rq_valid_reg <= 1'b0;
        end

        if (take_desc) begin
            da_valid_reg <= 1'b1;
            da_addr_reg <= s_cons_desc[63:0];
            da_rem_reg <= s_cons_desc[79:64];
            da_eof_reg <= s_cons_desc[80];
            da_cookie_reg <= s_cons_desc[127:96];
            da_ctr_reg <= s_cons_ctr;
            da_first_reg <= 1'b1;
        end
        if (issue) begin
            ch_mem[i_ch] <= {da_ctr_reg, da_cookie_reg, da_first_reg, i_lod && da_eof_reg,
                             i_len, rob_alloc_reg[RAW-1:0]};
            ch_wr_reg <= ch_wr_reg + 1'b1;
            rob_alloc_reg <= rob_alloc_reg + i_beats[RAW:0];
            da_addr_reg <= da_addr_reg + {51'd0, i_len};
            da_rem_reg <= da_rem_reg - {3'd0, i_len};
            da_first_reg <= 1'b0;
            if (i_lod) begin
                da_valid_reg <= 1'b0;
                want_reg <= 1'b1;
            end
        end


        // line-side output: the skid register first, then new beats
        if (tx_move) begin
            if (txs_valid_reg) begin
                tx_valid_reg <= 1'b1;
                tx_data_reg <= txs_data_reg;
                tx_keep_reg <= txs_keep_reg;
                tx_last_reg <= txs_last_reg;
                txs_valid_reg <= 1'b0;
            end else if (!o_emit) begin
                tx_valid_reg <= 1'b0;
            end
        end
        if (o_emit) begin
            if (tx_move) begin
                tx_valid_reg <= 1'b1;
            end else begin
                txs_valid_reg <= 1'b1;
            end
        end

        // output stage: the residual as the frame's last beat
        if (flush_go) begin
            if (tx_move) begin
                tx_data_reg <= pk_data_reg;
                tx_keep_reg <= lanes(pk_n_reg);
                tx_last_reg <= 1'b1;
            end else begin
                txs_data_reg <= pk_data_reg;
                txs_keep_reg <= lanes(pk_n_reg);
                txs_last_reg <= 1'b1;
            end
            pk_n_reg <= {NB_W{1'b0}};
            flush_reg <= 1'b0;
        end

        // output stage: one chunk beat
        if (beat_go) begin
            if (o_real) begin
                oc_idx_reg <= oc_idx_reg + 1'b1;
                oc_rem_reg <= oc_rem_reg - {{13-NB_W{1'b0}}, o_n};
                rob_rd_reg <= rob_rd_reg + 1'b1;
                f_len_reg <= f_len_reg + {{16-NB_W{1'b0}}, o_n};
            end
            if (o_last) begin
                oc_act_reg <= 1'b0;
            end
            if (o_over) begin
                // a full beat leaves; the rest stays (1..KEEP_WIDTH bytes)
                if (tx_move) begin
                    tx_data_reg <= pack_lo(pk_data_reg, pk_n_reg, rob_mem[oc_idx_reg], o_n);
                    tx_keep_reg <= {KEEP_WIDTH{1'b1}};
                    tx_last_reg <= 1'b0;
                end else begin
                    txs_data_reg <= pack_lo(pk_data_reg, pk_n_reg, rob_mem[oc_idx_reg], o_n);
                    txs_keep_reg <= {KEEP_WIDTH{1'b1}};
                    txs_last_reg <= 1'b0;
                end
                pk_data_reg <= pack_hi(pk_n_reg, rob_mem[oc_idx_reg], o_n);
                pk_n_reg <= o_total[NB_W-1:0] - KEEP_WIDTH[NB_W-1:0];
                flush_reg <= o_fend;
            end else if (o_emit) begin
                // the frame's last beat
                if (tx_move) begin
                    tx_data_reg <= pack_lo(pk_data_reg, pk_n_reg, rob_mem[oc_idx_reg], o_n);
                    tx_keep_reg <= lanes(o_total[NB_W-1:0]);
                    tx_last_reg <= 1'b1;
                end else begin
                    txs_data_reg <= pack_lo(pk_data_reg, pk_n_reg, rob_mem[oc_idx_reg], o_n);
                    txs_keep_reg <= lanes(o_total[NB_W-1:0]);
                    txs_last_reg <= 1'b1;
                end
                pk_n_reg <= {NB_W{1'b0}};
            end else begin
                if (o_real) begin
                    pk_data_reg <= pack_lo(pk_data_reg, pk_n_reg, rob_mem[oc_idx_reg], o_n);
                end
                pk_n_reg <= o_fend ? {NB_W{1'b0}} : o_total[NB_W-1:0];
            end
            if (o_fend) begin
                f_new_reg <= 1'b1;
                cw_state_reg <= CW_WAIT;
                cw_entry_reg <= {8'd0, `NIC_CPL_TYPE_TX, 16'd0, 8'd0, f_dused_reg, f_dfirst_reg,
                                 16'd0, f_len_reg + {{16-NB_W{1'b0}}, o_n}, oc_cookie_reg};
            end
        end

        // output stage: next chunk
        if (start_go) begin
            oc_act_reg <= 1'b1;
            oc_idx_reg <= h_base;
            oc_rem_reg <= h_len;
            oc_eof_reg <= h_eof;
            oc_cookie_reg <= h_cookie;
            ch_rd_reg <= ch_rd_reg + 1'b1;
            if (f_new_reg) begin
                f_new_reg <= 1'b0;
                f_len_reg <= 16'd0;
                f_dused_reg <= 8'd0;
                f_dfirst_reg <= h_ctr;
            end
            if (f_new_reg || h_first) begin
                f_dused_reg <= (f_new_reg ? 8'd0 : f_dused_reg) + 8'd1;
            end
        end

        // completion writer
        if (cw_emit) begin
            wo_valid_reg <= 1'b1;
            wo_addr_reg <= {cw_addr_reg[63:LO_W], {LO_W{1'b0}}} +
                           (cw_second ? {{64-NB_W{1'b0}}, KEEP_WIDTH[NB_W-1:0]} : 64'd0);
            wo_data_reg <= cpl_data(cw_entry_reg, cw_addr_reg[LO_W-1:0], cw_second);
            wo_strb_reg <= cpl_strb(cw_addr_reg[LO_W-1:0]);
            wo_last_reg <= cw_final;
            wo_user_reg <= {cw_final, vec_reg};
            cw_pend_reg <= cw_pend_reg - 2'd1;
            if (cw_final) begin
                cw_state_reg <= CW_IDLE;
                cpl_tail_reg <= cpl_tail_reg + 16'd1;
            end
        end else if (m_wr_ready) begin
            wo_valid_reg <= 1'b0;
        end

        if (cw_start) begin
            cw_state_reg <= CW_EMIT;
            cw_pend_reg <= CPL_BEATS[1:0];
            cw_addr_reg <= {cpl_hi_reg, cpl_lo_reg[31:4], 4'd0} +
                           {44'd0, cpl_alloc_reg & ((16'd1 << cpl_log2_reg) - 16'd1), 4'd0};
            cw_entry_reg[127] <= !cpl_alloc_reg[cpl_log2_reg];
            cpl_alloc_reg <= cpl_alloc_reg + 16'd1;
            cnt_sent_reg <= cnt_sent_reg + 32'd1;
        end

    end

    // registers
    if (s_csr_wr && s_csr_sel) begin
        case (s_csr_off)
            R_CPL_LO: cpl_lo_reg <= s_csr_wdata;
            R_CPL_HI: cpl_hi_reg <= s_csr_wdata;
            R_CPL_LOG2: cpl_log2_reg <= s_csr_wdata[3:0];
            R_CPL_HEAD: cpl_head_reg <= s_csr_wdata[15:0];
            R_VECTOR: vec_reg <= s_csr_wdata[7:0];
            default: ;
        endcase
    end
    if (rst) begin
        cpl_lo_reg <= 32'd0;
        cpl_hi_reg <= 32'd0;
        cpl_log2_reg <= 4'd0;
        cpl_head_reg <= 16'd0;
        cpl_alloc_reg <= 16'd0;
        cpl_tail_reg <= 16'd0;
        vec_reg <= 8'd0;
        cnt_sent_reg <= 32'd0;
        rdata_reg <= 32'd0;
        da_valid_reg <= 1'b0;
        want_reg <= 1'b0;
        rob_alloc_reg <= {RAW+1{1'b0}};
        rob_rd_reg <= {RAW+1{1'b0}};
        ch_wr_reg <= {CHW+1{1'b0}};
        ch_rd_reg <= {CHW+1{1'b0}};
        done_reg <= {CHUNKS{1'b0}};
        rq_valid_reg <= 1'b0;
        rc_act_reg <= 1'b0;
        oc_act_reg <= 1'b0;
        pk_n_reg <= {NB_W{1'b0}};
        flush_reg <= 1'b0;
        f_new_reg <= 1'b1;
        tx_valid_reg <= 1'b0;
        txs_valid_reg <= 1'b0;
        cw_state_reg <= CW_IDLE;
        cw_pend_reg <= 2'd0;
        wo_valid_reg <= 1'b0;
    end
end

assign m_csr_rdata = rdata_reg;

assign m_cons_req = cons_req;
assign m_cons_pop = take_desc;
assign m_cons_commit = take_desc;

assign m_rd_req_valid = rq_valid_reg;
assign m_rd_req_addr = rq_addr_reg;
assign m_rd_req_len = rq_len_reg;

generate
    if (CTX_WIDTH > CTX_USED) begin : g_ctx_pad
        assign m_rd_req_ctx = {{CTX_WIDTH-CTX_USED{1'b0}}, rq_ctx_reg};
    end else begin : g_ctx_exact
        assign m_rd_req_ctx = rq_ctx_reg;
    end
endgenerate

assign s_rd_cpl_ready = 1'b1;

assign m_axis_tx_tdata = tx_data_reg;
assign m_axis_tx_tkeep = tx_keep_reg;
assign m_axis_tx_tvalid = tx_valid_reg;
assign m_axis_tx_tlast = tx_last_reg;

assign m_wr_valid = wo_valid_reg;
assign m_wr_addr = wo_addr_reg;
assign m_wr_data = wo_data_reg;
assign m_wr_strb = wo_strb_reg;
assign m_wr_last = wo_last_reg;
assign m_wr_user = wo_user_reg;

assign stat_tx_frame = cw_start;

assign busy = da_valid_reg || !ch_empty || oc_act_reg || flush_reg || rq_valid_reg ||
              rc_act_reg || tx_valid_reg || txs_valid_reg || cw_state_reg != CW_IDLE ||
              wo_valid_reg;

endmodule

`resetall
