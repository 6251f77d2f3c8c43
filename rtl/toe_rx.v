`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * toe_rx: the receive engine of the TCP offload engine (docs/toe.md, "The
 * offload engine in nic_top" and section "toe_rx").
 *
 *   header tap -> toe_hdr (fields) -> toe_conn_table lookup (every header, 1
 *   per cycle, 4 cycles) -> frame FIFO -> one engine that, one operation at a
 *   time, decides a frame (route), commits a frame (on the result stream),
 *   runs a command or handles an expired timer.
 *
 * Context: one RAM of SLOTS words (registered read), every field of a
 * connection in one word. The engine keeps one word in working registers
 * (w_*) for the slot it worked on last: an operation on that slot needs no
 * read; an operation on another slot writes the working word back and reads
 * the new one in the same cycle (one cycle more). Operations are atomic:
 * commands run between two decisions and two commits.
 *
 * Decisions are speculative: route PLACE/HOST DATA reserve their sequence
 * range (decided_max, pend_ooo) and the frame's record waits in the commit
 * FIFO for its result (checksum, fate) from nic_dma_rx; only a good result
 * changes rcv_nxt, intervals, buffers, ACK state.
 *
 * Timers: two FIFOs (delayed ACK, push) of (slot, deadline), in deadline
 * order, one entry per slot at most (per-slot flags armed / queued): a timer
 * cancelled stays queued and is ignored at expiry; one re-armed while its old
 * entry is queued fires at that entry's deadline.
 *
 * Commands: NIC_TOE_CMD latches ARG0..ARG24 + cookie into a 16-entry FIFO;
 * entries beyond NIC_TOE_CMDQ_DEPTH pending are marked BUSY (they complete, in
 * order, with result BUSY and no effect).
 */
module toe_rx #(
    parameter SLOTS = 1024,
    parameter HDR_BYTES = 128,
    parameter HDR_LEN_WIDTH = 8,
    parameter NUM_Q = 16
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire [63:0]              s_now_ns,

    input  wire                     s_hdr_valid,
    output wire                     s_hdr_ready,
    input  wire [HDR_BYTES*8-1:0]   s_hdr_data,
    input  wire [HDR_LEN_WIDTH-1:0] s_hdr_len,

    output wire                     m_route_valid,
    input  wire                     m_route_ready,
    output wire [1:0]               m_route_kind,
    output wire [7:0]               m_route_flags,
    output wire [15:0]              m_route_slot,
    output wire [15:0]              m_route_skip,
    output wire [15:0]              m_route_plen,
    output wire [63:0]              m_route_addr0,
    output wire [15:0]              m_route_len0,
    output wire [63:0]              m_route_addr1,

    input  wire                     s_res_valid,
    output wire                     s_res_ready,
    input  wire [2:0]               s_res_csum,
    input  wire [2:0]               s_res_fate,
    input  wire [6:0]               s_res_queue,

    output wire                     m_ev_valid,
    input  wire                     m_ev_ready,
    output wire [6:0]               m_ev_queue,
    output wire [127:0]             m_ev_entry,

    output wire                     m_ack_valid,
    input  wire                     m_ack_ready,
    output wire                     m_ack_v6,
    output wire                     m_ack_vlan,
    output wire [15:0]              m_ack_vlan_tci,
    output wire [7:0]               m_ack_ttl,
    output wire [7:0]               m_ack_tos,
    output wire [47:0]              m_ack_src_mac,
    output wire [47:0]              m_ack_dst_mac,
    output wire [127:0]             m_ack_src_addr,
    output wire [127:0]             m_ack_dst_addr,
    output wire [15:0]              m_ack_src_port,
    output wire [15:0]              m_ack_dst_port,
    output wire [31:0]              m_ack_seq,
    output wire [31:0]              m_ack_ack,
    output wire [15:0]              m_ack_win,
    output wire                     m_ack_ts,
    output wire [31:0]              m_ack_tsval,
    output wire [31:0]              m_ack_tsecr,

    output wire                     m_blk_valid,
    input  wire                     m_blk_ready,
    output wire [63:0]              m_blk_addr,
    output wire [1535:0]            m_blk_data,
    input  wire                     s_blk_done,

    input  wire                     s_csr_wr,
    input  wire                     s_csr_rd,
    input  wire                     s_csr_sel,
    input  wire [7:0]               s_csr_idx,
    input  wire [3:0]               s_csr_off,
    input  wire [31:0]              s_csr_wdata,
    output wire [31:0]              m_csr_rdata,

    output wire                     timer_armed,
    output wire [63:0]              timer_deadline_ns,
    output wire                     busy,
    // busy, less a live timer that is due only because s_now_ns reached its deadline (that one
    // is exported through timer_armed / timer_deadline_ns): depends on registers only
    output wire                     busy_held
);

localparam SW = $clog2(SLOTS);

generate
    if (SLOTS < 64 || SLOTS > 65536 || (1 << SW) != SLOTS || NUM_Q < 1 || NUM_Q > 128) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_rx: SLOTS must be a power of two 64..65536, NUM_Q 1..128");
`endif
        initial $fatal(1, "toe_rx: bad SLOTS/NUM_Q");
    end
endgenerate

localparam [1:0] K_HOST = 2'd0, K_PLACE = 2'd1, K_CONS = 2'd2;

// sequence compare (mod 2^32)
function lt32(input [31:0] a, input [31:0] b);
    lt32 = a != b && (a - b) >= 32'h8000_0000;
endfunction
function le32(input [31:0] a, input [31:0] b);
    le32 = (a - b) == 32'd0 || (a - b) >= 32'h8000_0000;
endfunction

/*
 * Global registers
 */
reg         en_reg = 1'b0;
reg [31:0]  cookie_reg = 32'd0;
reg [31:0]  delack_reg = 32'd200000000;
reg [31:0]  push_reg = 32'd0;
reg [31:0]  arg_reg [0:47];
reg [63:0]  st_placed = 64'd0, st_ind = 64'd0;
reg [31:0]  st_acks = 32'd0, st_exc = 32'd0, st_cons = 32'd0, st_segs = 32'd0;

/*
 * Front: toe_hdr, lookup, frame FIFO (fields at header acceptance, lookup
 * result 4 cycles later into a second FIFO of the same order)
 */
wire         h_cand, h_v6;
wire [127:0] h_src, h_dst;
wire [15:0]  h_sport, h_dport, h_win, h_poff, h_plen;
wire [31:0]  h_seq, h_ack, h_tsval, h_tsecr;
wire [8:0]   h_flags;
wire         h_ts;

toe_hdr #(.HDR_BYTES(HDR_BYTES), .HDR_LEN_WIDTH(HDR_LEN_WIDTH)) u_hdr (
    .hdr_data(s_hdr_data), .hdr_len(s_hdr_len),
    .cand(h_cand), .v6(h_v6), .src_addr(h_src), .dst_addr(h_dst),
    .src_port(h_sport), .dst_port(h_dport), .seq(h_seq), .ack(h_ack), .flags(h_flags),
    .win(h_win), .pay_off(h_poff), .pay_len(h_plen), .ts(h_ts), .tsval(h_tsval), .tsecr(h_tsecr)
);

localparam FW = 1 + 32 + 32 + 9 + 16 + 16 + 16 + 1 + 32 + 32;
reg [FW-1:0] fa_mem [0:15];
reg [SW:0]   fb_mem [0:15];
reg [3:0] fa_wp = 4'd0, fb_wp = 4'd0, f_rp = 4'd0;
reg [4:0] fa_cnt = 5'd0, fb_cnt = 5'd0;

// connection table
wire         tb_lk_ready, tb_res_valid, tb_res_hit;
wire [SW-1:0] tb_res_slot;
wire         tb_cmd_ready, tb_cpl_valid;
wire [1:0]   tb_cpl_status;
wire [SW-1:0] tb_cpl_slot;
wire [SW:0]  tb_occ;
reg          tc_valid = 1'b0;
reg  [1:0]   tc_op = 2'd0;
reg          tc_v6 = 1'b0;
reg  [127:0] tc_src = 128'd0, tc_dst = 128'd0;
reg  [15:0]  tc_sport = 16'd0, tc_dport = 16'd0;
reg  [SW-1:0] tc_slot = {SW{1'b0}};
reg          tc_cpl_ready;
reg          sweeping = 1'b1;
reg  [SW-1:0] sweep_ix = {SW{1'b0}};

assign s_hdr_ready = tb_lk_ready && !fa_cnt[4] && !sweeping;
wire hdr_take = s_hdr_valid && s_hdr_ready;

/* verilator lint_off UNUSEDSIGNAL */
wire         tbu_m_lookup_user, tbu_m_cmd_v6, tbu_status_ready;
wire [1:0]   tbu_m_cmd_op;
wire [127:0] tbu_m_cmd_src_addr, tbu_m_cmd_dst_addr;
wire [15:0]  tbu_m_cmd_src_port, tbu_m_cmd_dst_port;
wire [6:0]   tbu_status_stash_used;
wire [31:0]  tbu_stat_lookups, tbu_stat_hits, tbu_stat_inserts, tbu_stat_refused, tbu_stat_deletes;
/* verilator lint_on UNUSEDSIGNAL */

toe_conn_table #(.SLOTS(SLOTS), .USER_WIDTH(1)) u_tab (
    .clk(clk), .rst(rst),
    .s_lookup_valid(hdr_take), .s_lookup_ready(tb_lk_ready),
    .s_lookup_v6(h_v6), .s_lookup_src_addr(h_src), .s_lookup_dst_addr(h_dst),
    .s_lookup_src_port(h_sport), .s_lookup_dst_port(h_dport), .s_lookup_user(1'b0),
    .m_lookup_valid(tb_res_valid), .m_lookup_hit(tb_res_hit), .m_lookup_slot(tb_res_slot),
    .m_lookup_user(tbu_m_lookup_user),
    .s_cmd_valid(tc_valid), .s_cmd_ready(tb_cmd_ready), .s_cmd_op(tc_op),
    .s_cmd_v6(tc_v6), .s_cmd_src_addr(tc_src), .s_cmd_dst_addr(tc_dst),
    .s_cmd_src_port(tc_sport), .s_cmd_dst_port(tc_dport), .s_cmd_slot(tc_slot),
    .m_cmd_valid(tb_cpl_valid), .m_cmd_ready(tc_cpl_ready), .m_cmd_op(tbu_m_cmd_op),
    .m_cmd_status(tb_cpl_status), .m_cmd_slot(tb_cpl_slot), .m_cmd_v6(tbu_m_cmd_v6),
    .m_cmd_src_addr(tbu_m_cmd_src_addr), .m_cmd_dst_addr(tbu_m_cmd_dst_addr), .m_cmd_src_port(tbu_m_cmd_src_port), .m_cmd_dst_port(tbu_m_cmd_dst_port),
    .status_ready(tbu_status_ready), .status_occupancy(tb_occ), .status_stash_used(tbu_status_stash_used),
    .stat_lookups(tbu_stat_lookups), .stat_hits(tbu_stat_hits), .stat_inserts(tbu_stat_inserts), .stat_refused(tbu_stat_refused), .stat_deletes(tbu_stat_deletes)
);

// head of the frame FIFOs
wire [FW-1:0] fa_head = fa_mem[f_rp];
wire [SW:0]   fb_head = fb_mem[f_rp];
wire         f_cand = fa_head[FW-1];
wire [31:0]  f_seq = fa_head[FW-2 -: 32];
wire [31:0]  f_ack = fa_head[FW-34 -: 32];
/* verilator lint_off UNUSEDSIGNAL */
wire [8:0]   f_flags = fa_head[FW-66 -: 9];    // NS, CWR, ECE, ACK: no effect
/* verilator lint_on UNUSEDSIGNAL */
wire [15:0]  f_win = fa_head[FW-75 -: 16];
wire [15:0]  f_poff = fa_head[FW-91 -: 16];
wire [15:0]  f_plen = fa_head[FW-107 -: 16];
wire         f_ts = fa_head[64];
wire [31:0]  f_tsval = fa_head[63:32];
wire         f_hit = fb_head[SW];
wire [SW-1:0] f_slot = fb_head[SW-1:0];

/*
 * Context: working registers and the RAM
 */
reg         w_valid, w_upl, w_v6, w_tsok, w_vlan, w_pushm;
reg [7:0]   w_infl;
reg [3:0]   w_swsc, w_rwsc;
reg [4:0]   w_queue;
reg [127:0] w_raddr, w_laddr;
reg [15:0]  w_rport, w_lport;
reg [47:0]  w_rmac, w_lmac;
reg [15:0]  w_tci;
reg [7:0]   w_ttl, w_tos;
reg [15:0]  w_mss;
reg [7:0]   w_afreq;
reg [31:0]  w_rwnd, w_rcv_nxt, w_snd_una, w_snd_nxt, w_snd_max, w_snd_wnd, w_ts_recent, w_ts_off;
reg [7:0]   w_unacked;
reg         w_dack_arm, w_dack_inq, w_push_arm, w_push_inq;
reg [2:0]   w_pend;
reg [4:0]   w_ivv;
reg [159:0] w_ivs, w_ive;
reg [2:0]   w_nb;
reg [255:0] w_ba;
reg [127:0] w_bs, w_bl;
reg [3:0]   w_bc;
reg [31:0]  w_dmax, w_segs, w_dups, w_placed, w_ind, w_acks, w_ooo;

`define TOE_RX_CTX {w_valid, w_upl, w_v6, w_tsok, w_vlan, w_pushm, w_infl, w_swsc, w_rwsc, w_queue, \
    w_raddr, w_laddr, w_rport, w_lport, w_rmac, w_lmac, w_tci, w_ttl, w_tos, w_mss, w_afreq, \
    w_rwnd, w_rcv_nxt, w_snd_una, w_snd_nxt, w_snd_max, w_snd_wnd, w_ts_recent, w_ts_off, \
    w_unacked, w_dack_arm, w_dack_inq, w_push_arm, w_push_inq, w_pend, w_ivv, w_ivs, w_ive, \
    w_nb, w_ba, w_bs, w_bl, w_bc, w_dmax, w_segs, w_dups, w_placed, w_ind, w_acks, w_ooo}

localparam CW = 6 + 8 + 4 + 4 + 5 + 256 + 32 + 96 + 16 + 16 + 16 + 8 + 32 + 7 * 32 + 8 + 4 + 3 + 5 +
                320 + 3 + 256 + 256 + 4 + 7 * 32;

reg [CW-1:0] ctx_mem [0:SLOTS-1];   // read in S_LOAD at cur_slot (a registered address)

reg [SW-1:0] cur_slot = {SW{1'b0}};
reg          cur_ok = 1'b0;     // working registers hold cur_slot's word
reg          dirty = 1'b0;      // ... and differ from the RAM

/*
 * Commit FIFO: one record per decided frame
 */
localparam CRW = 1 + SW + 1 + 3 + 1 + 1 + 1 + 1 + 1 + 32 + 32 + 32 + 16 + 1 + 32;
reg [CRW-1:0] cq_mem [0:31];
reg [4:0] cq_wp = 5'd0, cq_rp = 5'd0;
reg [5:0] cq_cnt = 6'd0;
wire [CRW-1:0] cq_head = cq_mem[cq_rp];
// record fields (head)
wire         c_offl  = cq_head[CRW-1];
wire [SW-1:0] c_slot = cq_head[CRW-2 -: SW];
wire         c_upreq = cq_head[CRW-2-SW];
wire [2:0]   c_reason = cq_head[CRW-3-SW -: 3];
wire         c_resv  = cq_head[CRW-6-SW];
wire         c_data  = cq_head[CRW-7-SW];
wire         c_place = cq_head[CRW-8-SW];
wire         c_dup   = cq_head[CRW-9-SW];
wire         c_pack  = cq_head[CRW-10-SW];
wire [31:0]  c_seq   = cq_head[CRW-11-SW -: 32];
wire [31:0]  c_end   = cq_head[CRW-43-SW -: 32];
wire [31:0]  c_ack   = cq_head[CRW-75-SW -: 32];
wire [15:0]  c_win   = cq_head[CRW-107-SW -: 16];
wire         c_ts    = cq_head[32];
wire [31:0]  c_tsval = cq_head[31:0];

/*
 * Command FIFO
 */
localparam QW = 1 + 32 + 32 + 25 * 32;
reg [QW-1:0] cmq_mem [0:15];
reg [3:0] cmq_wp = 4'd0, cmq_rp = 4'd0;
reg [4:0] cmq_cnt = 5'd0;
reg [4:0] cmq_ok_cnt = 5'd0;       // accepted (not BUSY) and not completed
reg          cc_busy;
/* verilator lint_off UNUSEDSIGNAL */
reg [31:0]   cc_word;    // bits 15:9 unused
/* verilator lint_on UNUSEDSIGNAL */
reg [31:0]   cc_cookie;
reg [799:0]  cc_args;
/* verilator lint_off UNUSEDSIGNAL */
wire [7:0]   cc_arg14_hi = cc_args[479:472];   // ARG14 bits 31:24: not used
/* verilator lint_on UNUSEDSIGNAL */
reg [1:0]    cmd_phase = 2'd0;     // 0 none, 1 running / waiting for in-flight frames, 2 waiting for block
reg          cmd_active = 1'b0;
reg          infl_zero = 1'b0;
reg          blk_seen = 1'b0;
reg [7:0]    cc_res;
reg [15:0]   cc_evslot;
wire [3:0]   cc_op = cc_word[3:0];
wire [4:0]   cc_q = cc_word[8:4];
wire [15:0]  cc_slot16 = cc_word[31:16];
wire [SW-1:0] cc_slot = cc_word[16 +: SW];
wire         cc_slot_ok = (cc_slot16 >> SW) == 16'd0;
// argument word k of an 800-bit snapshot (a macro, not a function: a function's wide argument
// is a temporary the simulation clears on every clock edge)
`define TOE_RX_CARG(a, k) a[32*(k) +: 32]

/*
 * Output FIFOs: events (16), ACK requests (4); route and block registers
 */
localparam EW = 7 + 128;
reg [EW-1:0] ev_mem [0:15];
reg [3:0] ev_wp = 4'd0, ev_rp = 4'd0;
reg [4:0] ev_cnt = 5'd0;
reg       ev_push;
reg [EW-1:0] ev_din;
assign m_ev_valid = ev_cnt != 5'd0;
assign m_ev_queue = ev_mem[ev_rp][EW-1 -: 7];
assign m_ev_entry = ev_mem[ev_rp][127:0];
wire ev_room = ev_cnt < 5'd15;

localparam AKW = 1 + 1 + 16 + 8 + 8 + 48 + 48 + 128 + 128 + 16 + 16 + 32 + 32 + 16 + 1 + 32 + 32;
reg [AKW-1:0] ak_mem [0:3];
reg [1:0] ak_wp = 2'd0, ak_rp = 2'd0;
reg [2:0] ak_cnt = 3'd0;
reg       ak_push;
reg [AKW-1:0] ak_din_r;
wire [AKW-1:0] ak_head = ak_mem[ak_rp];
assign m_ack_valid = ak_cnt != 3'd0;
assign {m_ack_v6, m_ack_vlan, m_ack_vlan_tci, m_ack_ttl, m_ack_tos, m_ack_src_mac, m_ack_dst_mac,
        m_ack_src_addr, m_ack_dst_addr, m_ack_src_port, m_ack_dst_port, m_ack_seq, m_ack_ack,
        m_ack_win, m_ack_ts, m_ack_tsval, m_ack_tsecr} = ak_head;
wire ak_room = ak_cnt != 3'd4;
wire [31:0] ak_win32 = w_rwnd >> w_rwsc;
// (the request is assembled in S_ACK only: the time changes every cycle)
`define TOE_RX_AK_DIN {w_v6, w_vlan, w_tci, w_ttl, w_tos, w_lmac, w_rmac, w_laddr, w_raddr, \
                       w_lport, w_rport, w_snd_nxt, w_rcv_nxt, \
                       ak_win32[31:16] != 16'd0 ? 16'hffff : ak_win32[15:0], \
                       w_tsok, w_ts_off + s_now_ns[51:20], w_ts_recent}

reg        rt_valid = 1'b0;
reg [1:0]  rt_kind;
reg [7:0]  rt_flags;
reg [15:0] rt_slot, rt_skip, rt_plen, rt_len0;
reg [63:0] rt_addr0, rt_addr1;
assign m_route_valid = rt_valid;
assign m_route_kind = rt_kind;
assign m_route_flags = rt_flags;
assign m_route_slot = rt_slot;
assign m_route_skip = rt_skip;
assign m_route_plen = rt_plen;
assign m_route_addr0 = rt_addr0;
assign m_route_len0 = rt_len0;
assign m_route_addr1 = rt_addr1;

reg          blk_valid = 1'b0;
reg [63:0]   blk_addr;
reg [1535:0] blk_data;
assign m_blk_valid = blk_valid;
assign m_blk_addr = blk_addr;
assign m_blk_data = blk_data;

/*
 * Timer FIFOs: {slot, deadline}
 */
wire        td_full, td_hv, td_busy, tp_full, tp_hv, tp_busy;
/* verilator lint_off UNUSEDSIGNAL */
wire [79:0] td_head, tp_head;   // slot bits above SW unused
/* verilator lint_on UNUSEDSIGNAL */
reg         td_push, tp_push, td_pop, tp_pop;
wire [79:0] td_din = {{(16-SW){1'b0}}, cur_slot, s_now_ns + {32'd0, delack_reg}};
wire [79:0] tp_din = {{(16-SW){1'b0}}, cur_slot, s_now_ns + {32'd0, push_reg}};

toe_rx_tfifo #(.DEPTH(SLOTS), .WIDTH(80)) u_tdack (
    .clk(clk), .rst(rst), .push(td_push), .din(td_din), .full(td_full),
    .pop(td_pop), .head_valid(td_hv), .head(td_head), .busy(td_busy));
toe_rx_tfifo #(.DEPTH(SLOTS), .WIDTH(80)) u_tpush (
    .clk(clk), .rst(rst), .push(tp_push), .din(tp_din), .full(tp_full),
    .pop(tp_pop), .head_valid(tp_hv), .head(tp_head), .busy(tp_busy));

// Live timers: a timer entry whose connection is no longer offloaded (uploaded) is stale; it
// is handled at once like an expired one (S_TMR clears the queued flag and sends nothing), and
// timer_armed / timer_deadline_ns follow the entries of offloaded connections only, so the
// simulation's idle skipping does not run time on to the deadline of an uploaded connection.
// Whether a slot holds a connection: v_bits, updated when the working word is written back, or
// the working registers for the slot they hold. (A cancelled timer of a connection still
// offloaded stays queued and is ignored when it expires, as before.)
reg v_bits [0:SLOTS-1];   // cleared by the reset sweep like the context RAM
wire [SW-1:0] td_slot = td_head[64 +: SW];
wire [SW-1:0] tp_slot = tp_head[64 +: SW];
wire td_live = (cur_ok && td_slot == cur_slot) ? w_valid : v_bits[td_slot];
wire tp_live = (cur_ok && tp_slot == cur_slot) ? w_valid : v_bits[tp_slot];
wire td_lhv = td_hv && td_live;
wire tp_lhv = tp_hv && tp_live;
wire td_stale = td_hv && !td_live;
wire tp_stale = tp_hv && !tp_live;
wire td_due = td_stale || (td_lhv && td_head[63:0] <= s_now_ns);
wire tp_due = tp_stale || (tp_lhv && tp_head[63:0] <= s_now_ns);
assign timer_armed = td_lhv || tp_lhv;
assign timer_deadline_ns = (td_lhv && (!tp_lhv || td_head[63:0] <= tp_head[63:0])) ? td_head[63:0] :
                           tp_head[63:0];

/*
 * Decision (combinational, on the working word and the head frame)
 */
reg [1:0]   d_kind;
reg [7:0]   d_flags;
reg [15:0]  d_skip, d_plen, d_len0;
reg [63:0]  d_addr0, d_addr1;
reg         d_offl, d_upreq, d_resv, d_data, d_place, d_dup, d_pack, d_exc, d_cons, d_upl;
reg [2:0]   d_reason, d_pend;
reg [31:0]  d_seq, d_end, d_dmax, d_pos;
reg [127:0] d_bs, d_bl;
reg [3:0]   d_bc;
reg         d_inord, d_in1, d_in2, d_ovl, d_ooo_ok;
reg [2:0]   d_nreg;
reg [1:0]   d_bi, d_bn;
integer     i;

// engine states (the engine itself is further down)
localparam [3:0] S_IDLE = 4'd0, S_LOAD = 4'd1, S_DEC = 4'd2, S_COMMIT = 4'd3, S_BUFS = 4'd4,
                 S_ACK = 4'd5, S_TMR = 4'd6, S_CMD = 4'd7, S_CINS = 4'd8, S_CX = 4'd9,
                 S_CUP = 4'd10, S_CDEL = 4'd11, S_CEV = 4'd12, S_SWEEP = 4'd13;
reg [3:0] state = S_SWEEP, ld_next = S_IDLE;

wire [31:0] f_end = f_seq + {16'd0, f_plen};

always @* begin
    d_kind = K_HOST; d_flags = 8'd0; d_skip = 16'd0; d_plen = 16'd0; d_len0 = 16'd0;
    d_addr0 = 64'd0; d_addr1 = 64'd0;
    d_offl = 1'b0; d_upreq = 1'b0; d_resv = 1'b0; d_data = 1'b0; d_place = 1'b0;
    d_dup = 1'b0; d_pack = 1'b0; d_exc = 1'b0; d_cons = 1'b0; d_upl = w_upl;
    d_reason = 3'd0; d_pend = w_pend; d_seq = f_seq; d_end = f_end; d_dmax = w_dmax;
    d_bs = w_bs; d_bl = w_bl; d_bc = w_bc; d_pos = 32'd0;
    d_inord = 1'b0; d_in1 = 1'b0; d_in2 = 1'b0; d_ovl = 1'b0; d_ooo_ok = 1'b0;
    d_nreg = 3'd0; d_bi = 2'd0; d_bn = 2'd0;
    // evaluated only where it is used (S_DEC): idle cycles cost nothing
    if (state == S_DEC && en_reg && f_cand && f_hit && w_valid) begin
        if (w_upl) begin
            d_exc = 1'b1;
            d_reason = `NIC_TOE_UP_PENDING;
        end else begin
            d_offl = 1'b1;
            if (f_flags[1] || f_flags[2] || f_flags[5] || f_flags[0]) begin
                d_exc = 1'b1;
                d_upreq = 1'b1;
                d_upl = 1'b1;
                d_reason = f_flags[1] ? `NIC_TOE_UP_SYN : f_flags[2] ? `NIC_TOE_UP_RST :
                           f_flags[5] ? `NIC_TOE_UP_URG : `NIC_TOE_UP_FIN;
            end else if (f_plen == 16'd0) begin
                d_cons = 1'b1;
                d_pack = 1'b1;
            end else if (le32(f_end, w_rcv_nxt)) begin
                d_cons = 1'b1;
                d_dup = 1'b1;
            end else begin
                d_skip = f_poff;
                if (lt32(f_seq, w_rcv_nxt)) begin
                    d_skip = f_poff + (w_rcv_nxt[15:0] - f_seq[15:0]);
                    d_seq = w_rcv_nxt;
                end
                d_plen = d_end[15:0] - d_seq[15:0];
                d_inord = d_seq == w_rcv_nxt || d_seq == w_dmax;
                for (i = 0; i < 4; i = i + 1) begin
                    if (w_ivv[i]) d_nreg = d_nreg + 3'd1;
                end
                d_ooo_ok = d_inord || ({1'b0, d_nreg} + {1'b0, w_pend}) < 4'd4;
                // placement against the buffers
                for (i = 0; i < 4; i = i + 1) begin
                    if (i < w_nb) begin
                        if (lt32(d_seq, w_bs[32*i +: 32] + w_bl[32*i +: 32]) && lt32(w_bs[32*i +: 32], d_end))
                            d_ovl = 1'b1;
                        if (!d_in1 && !d_in2 && le32(w_bs[32*i +: 32], d_seq) &&
                                le32(d_end, w_bs[32*i +: 32] + w_bl[32*i +: 32])) begin
                            d_in1 = 1'b1;
                            d_bi = i[1:0];
                        end
                    end
                    if (i < 3 && i + 1 < w_nb && !d_in1 && !d_in2 &&
                            w_bs[32*i +: 32] + w_bl[32*i +: 32] == w_bs[32*(i+1) +: 32] &&
                            le32(w_bs[32*i +: 32], d_seq) && lt32(d_seq, w_bs[32*(i+1) +: 32]) &&
                            lt32(w_bs[32*(i+1) +: 32], d_end) &&
                            le32(d_end, w_bs[32*(i+1) +: 32] + w_bl[32*(i+1) +: 32])) begin
                        d_in2 = 1'b1;
                        d_bi = i[1:0];
                    end
                end
                if (!d_ooo_ok) begin
                    d_exc = 1'b1;
                    d_upreq = 1'b1;
                    d_upl = 1'b1;
                    d_reason = `NIC_TOE_UP_OOO;
                end else if (d_in1 || d_in2) begin
                    d_kind = K_PLACE;
                    d_place = 1'b1;
                    d_addr0 = w_ba[64*d_bi +: 64] + {32'd0, d_seq - w_bs[32*d_bi +: 32]};
                    d_len0 = d_plen;
                    if (d_in2) begin
                        d_bn = d_bi + 2'd1;
                        d_len0 = w_bs[32*d_bn +: 16] - d_seq[15:0];
                        d_addr1 = w_ba[64*d_bn +: 64];
                    end
                end else if (!d_ovl || le32(w_dmax, d_seq)) begin
                    d_data = 1'b1;
                    if (d_ovl) begin
                        // rebase(seq, end)
                        d_pos = d_end;
                        for (i = 0; i < 4; i = i + 1) begin
                            if (i < w_nb) begin
                                if (lt32(w_bs[32*i +: 32], d_seq) &&
                                        lt32(d_seq, w_bs[32*i +: 32] + w_bl[32*i +: 32])) begin
                                    d_bl[32*i +: 32] = d_seq - w_bs[32*i +: 32];
                                end else if (le32(d_seq, w_bs[32*i +: 32])) begin
                                    d_bs[32*i +: 32] = d_pos;
                                    d_pos = d_pos + w_bl[32*i +: 32];
                                end
                            end
                        end
                    end
                end else begin
                    d_exc = 1'b1;
                    d_upreq = 1'b1;
                    d_upl = 1'b1;
                    d_reason = `NIC_TOE_UP_OTHER;
                end
                if (d_place || d_data) begin
                    if (lt32(w_dmax, d_end)) d_dmax = d_end;
                    if (!d_inord) begin
                        d_resv = 1'b1;
                        d_pend = w_pend + 3'd1;
                    end
                    // push: rebase(end, end)
                    if (d_place && w_pushm && f_flags[3] && le32(w_dmax, d_end)) begin
                        d_pos = d_end;
                        for (i = 0; i < 4; i = i + 1) begin
                            if (i < w_nb) begin
                                if (lt32(w_bs[32*i +: 32], d_end) &&
                                        lt32(d_end, w_bs[32*i +: 32] + w_bl[32*i +: 32])) begin
                                    d_bl[32*i +: 32] = d_end - w_bs[32*i +: 32];
                                    d_bc[i] = 1'b1;
                                end else if (le32(d_end, w_bs[32*i +: 32])) begin
                                    d_bs[32*i +: 32] = d_pos;
                                    d_pos = d_pos + w_bl[32*i +: 32];
                                end
                            end
                        end
                    end
                end
            end
        end
        if (d_exc) d_flags = {3'd0, d_reason, 2'b10};
        else if (d_data) d_flags = 8'd1;
        if (d_cons) d_kind = K_CONS;
    end
end

wire [CRW-1:0] d_rec = {d_offl, f_slot, d_upreq, d_reason, d_resv, d_data, d_place, d_dup, d_pack,
                        d_seq, d_end, f_ack, f_win, f_ts, f_tsval};

/*
 * Commit (combinational, on the working word and the head record + result)
 */
reg         m_ok;
reg [31:0]  m_rcv, m_a, m_b;
reg [4:0]   m_ivv;
reg [159:0] m_ivs, m_ive;
reg         m_gap, m_ack, m_arm, m_merged, m_reg_ok;
reg [7:0]   m_unacked;
reg [2:0]   m_nreg, m_pend;
reg [2:0]   m_slot_i;
reg         m_found;
reg [31:0]  m_plen32;
reg [3:0]   m_upd;    // bit 0 snd, 1 dup, 2 data(in order), 3 data(ooo)

always @* begin
    m_ok = r_csum == `NIC_CSUM_OK && (r_fate == `NIC_FATE_DELIVERED ||
           r_fate == `NIC_FATE_PLACED || r_fate == `NIC_FATE_CONSUMED);
    m_rcv = w_rcv_nxt; m_ivv = w_ivv; m_ivs = w_ivs; m_ive = w_ive;
    m_gap = 1'b0; m_ack = 1'b0; m_arm = 1'b0; m_merged = 1'b0; m_reg_ok = 1'b0;
    m_unacked = w_unacked; m_nreg = 3'd0; m_slot_i = 3'd7; m_found = 1'b0;
    m_pend = w_pend - {2'd0, c_resv};
    m_a = c_seq; m_b = c_end; m_plen32 = c_end - c_seq; m_upd = 4'd0;
    // evaluated only where it is used (S_COMMIT)
    if (state == S_COMMIT && c_offl && m_ok) begin
        if (c_pack) begin
            m_upd[0] = lt32(w_snd_una, c_ack);
        end else if (c_dup) begin
            m_upd[1] = 1'b1;
            m_ack = 1'b1;
        end else if (c_data || c_place) begin
            if (le32(c_seq, w_rcv_nxt) && lt32(w_rcv_nxt, c_end)) begin
                m_upd[2] = 1'b1;
                m_rcv = c_end;
                for (i = 0; i < 5; i = i + 1) begin
                    if (w_ivv[i] && le32(w_ivs[32*i +: 32], c_end)) begin
                        m_ivv[i] = 1'b0;
                        m_gap = 1'b1;
                        if (lt32(m_rcv, w_ive[32*i +: 32])) m_rcv = w_ive[32*i +: 32];
                    end
                end
                if (m_gap) begin
                    m_ack = 1'b1;
                end else if (m_plen32 >= {16'd0, w_mss}) begin
                    m_unacked = w_unacked + 8'd1;
                    if (m_unacked >= w_afreq) m_ack = 1'b1;
                    else m_arm = 1'b1;
                end else begin
                    m_arm = 1'b1;
                end
            end else if (le32(c_end, w_rcv_nxt)) begin
                m_upd[1] = 1'b1;
                m_ack = 1'b1;
            end else begin
                m_upd[3] = 1'b1;
                m_ack = 1'b1;
                // merge with every interval it overlaps or touches
                for (i = 0; i < 5; i = i + 1) begin
                    if (w_ivv[i] && le32(w_ivs[32*i +: 32], c_end) && le32(c_seq, w_ive[32*i +: 32])) begin
                        m_ivv[i] = 1'b0;
                        if (!m_merged) m_slot_i = i[2:0];
                        m_merged = 1'b1;
                        if (lt32(w_ivs[32*i +: 32], m_a)) m_a = w_ivs[32*i +: 32];
                        if (lt32(m_b, w_ive[32*i +: 32])) m_b = w_ive[32*i +: 32];
                    end
                end
                for (i = 0; i < 4; i = i + 1) begin
                    if (m_ivv[i]) m_nreg = m_nreg + 3'd1;
                end
                m_reg_ok = c_resv || ({1'b0, m_nreg} + {1'b0, m_pend}) < 4'd4;
                if (!m_merged) begin
                    for (i = 3; i >= 0; i = i - 1) begin
                        if (m_reg_ok && !m_ivv[i]) m_slot_i = i[2:0];
                    end
                    if (m_slot_i == 3'd7 && !m_ivv[4]) m_slot_i = 3'd4;
                end
                if (m_slot_i != 3'd7) begin
                    m_found = 1'b1;
                    m_ivv[m_slot_i] = 1'b1;
                    m_ivs[32*m_slot_i +: 32] = m_a;
                    m_ive[32*m_slot_i +: 32] = m_b;
                end
            end
        end
    end
end

/*
 * The engine
 */
reg       op_ack;            // the commit/timer wants an ACK after the buffers
reg [6:0] op_q;              // event queue of the operation
reg       op_tmr_push;       // S_TMR: the push timer (else delayed ACK)
reg [2:0] r_csum = 3'd0, r_fate = 3'd0;

// Fast paths: a frame that is not a hit of an enabled engine (not TCP, not offloaded) is
// routed HOST from S_IDLE in one cycle, and its result is taken without the engine, so frames
// the engine has nothing to do with pass at one per cycle (line rate at 512 bits) while the
// engine works on offloaded ones.
wire commit_fast = s_res_valid && cq_cnt != 6'd0 && !c_offl;
wire pick_commit = s_res_valid && cq_cnt != 6'd0 && c_offl;
// a commit proceeds once its UPREQ event has room (the only event it writes in its first cycle)
wire commit_go = state == S_COMMIT && !(c_offl && c_upreq && !ev_room);
wire pick_cmd = (cmd_phase == 2'd0 && !cmd_active && cmq_cnt != 5'd0) ||
                (cmd_phase == 2'd1 && infl_zero) || (cmd_phase == 2'd2 && blk_seen);
wire pick_tmr = td_due || tp_due;
wire pick_dec = fb_cnt != 5'd0 && !cq_cnt[5] && (!rt_valid || m_route_ready);
wire dec_fast = state == S_IDLE && pick_dec && !(en_reg && f_cand && f_hit);
wire dec_fire = state == S_DEC || dec_fast;

assign s_res_ready = commit_fast || (state == S_IDLE && pick_commit);

// go to op state nxt on slot sl: from the working registers or after a read
task start_op(input [SW-1:0] sl, input [3:0] nxt);
    begin
        if (cur_ok && cur_slot == sl) begin
            state <= nxt;
        end else begin
            cur_slot <= sl;
            ld_next <= nxt;
            state <= S_LOAD;
        end
    end
endtask

// result block image
task blk_image_load;
    integer k;
    begin
        blk_data <= 1536'd0;
        blk_data[31:0] <= {7'd0, w_pushm, 3'd0, w_queue, 4'd0, w_rwsc, w_swsc, 1'b0, w_vlan, w_tsok, w_v6};
        blk_data[32*1 +: 32] <= w_v6 ? w_raddr[127:96] : w_raddr[31:0];
        blk_data[32*2 +: 32] <= w_v6 ? w_raddr[95:64] : 32'd0;
        blk_data[32*3 +: 32] <= w_v6 ? w_raddr[63:32] : 32'd0;
        blk_data[32*4 +: 32] <= w_v6 ? w_raddr[31:0] : 32'd0;
        blk_data[32*5 +: 32] <= w_v6 ? w_laddr[127:96] : w_laddr[31:0];
        blk_data[32*6 +: 32] <= w_v6 ? w_laddr[95:64] : 32'd0;
        blk_data[32*7 +: 32] <= w_v6 ? w_laddr[63:32] : 32'd0;
        blk_data[32*8 +: 32] <= w_v6 ? w_laddr[31:0] : 32'd0;
        blk_data[32*9 +: 32] <= {w_rport, w_lport};
        blk_data[32*10 +: 32] <= w_rmac[47:16];
        blk_data[32*11 +: 32] <= {w_rmac[15:0], w_lmac[47:32]};
        blk_data[32*12 +: 32] <= w_lmac[31:0];
        blk_data[32*13 +: 32] <= {w_tos, w_ttl, w_tci};
        blk_data[32*14 +: 32] <= {8'd0, w_afreq, w_mss};
        blk_data[32*15 +: 32] <= w_rcv_nxt;
        blk_data[32*16 +: 32] <= w_snd_una;
        blk_data[32*17 +: 32] <= w_snd_nxt;
        blk_data[32*18 +: 32] <= w_snd_max;
        blk_data[32*19 +: 32] <= w_snd_wnd;
        blk_data[32*20 +: 32] <= w_rwnd;
        blk_data[32*21 +: 32] <= w_ts_recent;
        blk_data[32*22 +: 32] <= w_ts_off;
        blk_data[32*23 +: 32] <= w_segs;
        blk_data[32*24 +: 32] <= w_dups;
        blk_data[32*25 +: 32] <= {8'd0, w_unacked, 7'd0, w_ivv, 1'b0, w_nb};
        for (k = 0; k < 5; k = k + 1) begin
            blk_data[32*(26+2*k) +: 32] <= w_ivs[32*k +: 32];
            blk_data[32*(27+2*k) +: 32] <= w_ive[32*k +: 32];
        end
        for (k = 0; k < 4; k = k + 1) begin
            blk_data[32*(36+2*k) +: 32] <= k < w_nb ? w_bs[32*k +: 32] : 32'd0;
            blk_data[32*(37+2*k) +: 32] <= k < w_nb ? w_bl[32*k +: 32] : 32'd0;
        end
        blk_data[32*44 +: 32] <= w_placed;
        blk_data[32*45 +: 32] <= w_ind;
        blk_data[32*46 +: 32] <= w_acks;
        blk_data[32*47 +: 32] <= w_ooo;
    end
endtask

wire [1:0]  nb_last = w_nb[1:0] - 2'd1;
wire [31:0] post_last_end = w_bs[32*nb_last +: 32] + w_bl[32*nb_last +: 32];
reg  [31:0] post_start;
always @* begin
    post_start = w_rcv_nxt;
    if (lt32(post_start, w_dmax)) post_start = w_dmax;
    if (w_nb != 3'd0 && lt32(post_start, post_last_end)) post_start = post_last_end;
end
wire [31:0] head_end = w_bs[31:0] + w_bl[31:0];

always @(posedge clk) begin
    ev_push <= 1'b0;
    ak_push <= 1'b0;
    td_push <= 1'b0;
    tp_push <= 1'b0;
    td_pop <= 1'b0;
    tp_pop <= 1'b0;
    tc_cpl_ready <= 1'b0;
    if (tc_valid && tb_cmd_ready) tc_valid <= 1'b0;
    if (rt_valid && m_route_ready) rt_valid <= 1'b0;
    if (commit_fast) cq_rp <= cq_rp + 1'b1;  // the result of a frame the engine did not take
    if (blk_valid && m_blk_ready) blk_valid <= 1'b0;
    if (s_blk_done) blk_seen <= 1'b1;

    case (state)
        S_SWEEP: begin
            ctx_mem[sweep_ix] <= {CW{1'b0}};
            v_bits[sweep_ix] <= 1'b0;
            sweep_ix <= sweep_ix + 1'b1;
            if (&sweep_ix) begin
                sweeping <= 1'b0;
                state <= S_IDLE;
            end
        end
        S_IDLE: begin
            if (dirty) begin
                ctx_mem[cur_slot] <= `TOE_RX_CTX;
                v_bits[cur_slot] <= w_valid;
                dirty <= 1'b0;
            end
            if (pick_commit) begin
                r_csum <= s_res_csum;
                r_fate <= s_res_fate;
                op_q <= s_res_queue;
                start_op(c_slot, S_COMMIT);
            end else if (pick_cmd) begin
                if (cmd_phase == 2'd0) begin
                    {cc_busy, cc_word, cc_cookie, cc_args} <= cmq_mem[cmq_rp];
                    cmq_rp <= cmq_rp + 1'b1;
                    cmd_active <= 1'b1;
                    state <= S_CMD;
                end else if (cmd_phase == 2'd1) begin
                    infl_zero <= 1'b0;
                    start_op(cc_slot, S_CUP);
                end else begin
                    state <= S_CEV;
                end
            end else if (pick_tmr) begin
                op_tmr_push <= !td_due;
                if (td_due) begin
                    td_pop <= 1'b1;
                    start_op(td_head[64 +: SW], S_TMR);
                end else begin
                    tp_pop <= 1'b1;
                    start_op(tp_head[64 +: SW], S_TMR);
                end
            end else if (pick_dec && !dec_fast) begin
                start_op(f_slot, S_DEC);
            end
            if (dec_fast) begin
                // a frame the engine has nothing to do with: HOST, unmarked
                rt_valid <= 1'b1;
                rt_kind <= K_HOST;
                rt_flags <= 8'd0;
                rt_slot <= 16'd0;
                rt_skip <= 16'd0;
                rt_plen <= 16'd0;
                rt_addr0 <= 64'd0;
                rt_len0 <= 16'd0;
                rt_addr1 <= 64'd0;
                cq_mem[cq_wp] <= d_rec;
                cq_wp <= cq_wp + 1'b1;
                f_rp <= f_rp + 1'b1;
            end
        end
        S_LOAD: begin
            // the RAM read at the address registered by start_op (nothing writes the RAM in
            // between: only S_IDLE and S_SWEEP do), straight into the working registers
            `TOE_RX_CTX <= ctx_mem[cur_slot];
            cur_ok <= 1'b1;
            state <= ld_next;
        end
        S_DEC: begin
            // route, commit record, context
            rt_valid <= 1'b1;
            rt_kind <= d_kind;
            rt_flags <= d_flags;
            rt_slot <= (d_offl || d_exc) ? {{(16-SW){1'b0}}, f_slot} : 16'd0;
            rt_skip <= d_kind == K_PLACE ? d_skip : 16'd0;
            rt_plen <= d_kind == K_PLACE ? d_plen : 16'd0;
            rt_addr0 <= d_addr0;
            rt_len0 <= d_len0;
            rt_addr1 <= d_addr1;
            cq_mem[cq_wp] <= d_rec;
            cq_wp <= cq_wp + 1'b1;
            f_rp <= f_rp + 1'b1;
            if (d_offl) begin
                w_infl <= w_infl + 8'd1;
                w_upl <= d_upl;
                w_pend <= d_pend;
                w_dmax <= d_dmax;
                w_bs <= d_bs;
                w_bl <= d_bl;
                w_bc <= d_bc;
                dirty <= 1'b1;
                st_segs <= st_segs + 1'b1;
            end
            if (d_exc) st_exc <= st_exc + 1'b1;
            if (d_cons) st_cons <= st_cons + 1'b1;
            state <= S_IDLE;
        end
        S_COMMIT: if (commit_go) begin
            cq_rp <= cq_rp + 1'b1;
            op_ack <= 1'b0;
            if (c_offl) begin
                dirty <= 1'b1;
                w_infl <= w_infl - 8'd1;
                w_pend <= m_pend;
                if (cmd_phase == 2'd1 && cc_slot == c_slot && w_infl == 8'd1) infl_zero <= 1'b1;
                if (c_upreq) begin
                    ev_push <= 1'b1;
                    ev_din <= {op_q, 8'd0, `NIC_CPL_TYPE_TOE_UPREQ, {(16-SW){1'b0}}, c_slot, 32'd0,
                               29'd0, c_reason, w_rcv_nxt};
                end
                if (m_upd[0]) begin
                    w_snd_una <= c_ack;
                    w_snd_wnd <= {16'd0, c_win} << w_swsc;
                end
                if (m_upd[1] || m_upd[2] || m_upd[3]) w_segs <= w_segs + 1'b1;
                if (m_upd[2] || (m_upd[3] && m_found)) begin
                    if (c_place) begin
                        w_placed <= w_placed + m_plen32;
                        st_placed <= st_placed + {32'd0, m_plen32};
                    end else begin
                        w_ind <= w_ind + m_plen32;
                        st_ind <= st_ind + {32'd0, m_plen32};
                    end
                end
                if (m_upd[1]) w_dups <= w_dups + 1'b1;
                if (m_upd[3]) w_ooo <= w_ooo + 1'b1;
                if (m_upd[2] && c_ts && w_tsok) w_ts_recent <= c_tsval;
                w_rcv_nxt <= m_rcv;
                w_ivv <= m_ivv;
                w_ivs <= m_ivs;
                w_ive <= m_ive;
                w_unacked <= m_unacked;
                op_ack <= m_ack;
                if (m_arm && !m_ack && !w_dack_arm) begin
                    w_dack_arm <= 1'b1;
                    if (!w_dack_inq && !td_full) begin
                        w_dack_inq <= 1'b1;
                        td_push <= 1'b1;
                    end
                end
                state <= S_BUFS;
            end else begin
                state <= S_IDLE;
            end
        end
        S_BUFS: begin
            if (w_nb != 3'd0 && le32(head_end, w_rcv_nxt)) begin
                if (ev_room && !ev_push) begin
                    ev_push <= 1'b1;
                    ev_din <= {op_q, 7'd0, w_bc[0], `NIC_CPL_TYPE_TOE_BUF, {(16-SW){1'b0}}, cur_slot,
                               32'd0, w_bl[31:0], w_bs[31:0]};
                    w_nb <= w_nb - 3'd1;
                    w_ba <= {64'd0, w_ba[255:64]};
                    w_bs <= {32'd0, w_bs[127:32]};
                    w_bl <= {32'd0, w_bl[127:32]};
                    w_bc <= {1'b0, w_bc[3:1]};
                    w_push_arm <= 1'b0;
                end
            end else begin
                if (push_reg != 32'd0 && w_nb != 3'd0 && lt32(w_bs[31:0], w_rcv_nxt) && !w_push_arm) begin
                    w_push_arm <= 1'b1;
                    if (!w_push_inq && !tp_full) begin
                        w_push_inq <= 1'b1;
                        tp_push <= 1'b1;
                    end
                end
                state <= op_ack ? S_ACK : S_IDLE;
            end
        end
        S_ACK: begin
            if (ak_room && !ak_push) begin
                ak_push <= 1'b1;
                ak_din_r <= `TOE_RX_AK_DIN;
                w_acks <= w_acks + 1'b1;
                st_acks <= st_acks + 1'b1;
                w_unacked <= 8'd0;
                w_dack_arm <= 1'b0;
                state <= S_IDLE;
            end
        end
        S_TMR: begin
            dirty <= 1'b1;
            op_ack <= 1'b0;
            op_q <= {2'd0, w_queue};
            state <= S_IDLE;
            if (!op_tmr_push) begin
                w_dack_inq <= 1'b0;
                if (w_valid && w_dack_arm) begin
                    op_ack <= 1'b1;
                    state <= S_ACK;
                end
            end else begin
                w_push_inq <= 1'b0;
                if (w_valid && w_push_arm) begin
                    w_push_arm <= 1'b0;
                    if (w_nb != 3'd0 && lt32(w_bs[31:0], w_rcv_nxt) && lt32(w_rcv_nxt, head_end) &&
                            le32(w_dmax, w_rcv_nxt)) begin
                        // rebase(rcv_nxt, rcv_nxt): the head is cut, the rest back to back from rcv_nxt
                        w_bl[31:0] <= w_rcv_nxt - w_bs[31:0];
                        w_bc[0] <= 1'b1;
                        w_bs[63:32] <= w_rcv_nxt;
                        w_bs[95:64] <= w_rcv_nxt + w_bl[63:32];
                        w_bs[127:96] <= w_rcv_nxt + w_bl[63:32] + w_bl[95:64];
                        state <= S_BUFS;
                    end
                end
            end
        end
        S_CMD: begin
            cc_res <= `NIC_TOE_R_OK;
            cc_evslot <= cc_slot16;
            state <= S_CEV;
            if (cc_busy) begin
                cc_res <= `NIC_TOE_R_BUSY;
            end else if (!en_reg) begin
                cc_res <= `NIC_TOE_R_DISABLED;
            end else if (cc_op == `NIC_TOE_OP_OFFLOAD) begin
                tc_valid <= 1'b1;
                tc_op <= 2'd0;
                tc_v6 <= cc_args[0];
                tc_src <= cc_args[0] ? {`TOE_RX_CARG(cc_args, 1), `TOE_RX_CARG(cc_args, 2), `TOE_RX_CARG(cc_args, 3), `TOE_RX_CARG(cc_args, 4)}
                                          : {96'd0, `TOE_RX_CARG(cc_args, 1)};
                tc_dst <= cc_args[0] ? {`TOE_RX_CARG(cc_args, 5), `TOE_RX_CARG(cc_args, 6), `TOE_RX_CARG(cc_args, 7), `TOE_RX_CARG(cc_args, 8)}
                                          : {96'd0, `TOE_RX_CARG(cc_args, 5)};
                tc_sport <= cc_args[32*9+16 +: 16];
                tc_dport <= cc_args[32*9 +: 16];
                state <= S_CINS;
            end else if (cc_op >= `NIC_TOE_OP_UPLOAD && cc_op <= `NIC_TOE_OP_QUERY) begin
                if (!cc_slot_ok) cc_res <= `NIC_TOE_R_NO_CONN;
                else start_op(cc_slot, S_CX);
            end else begin
                cc_res <= `NIC_TOE_R_BAD;
            end
        end
        S_CINS: begin
            if (tb_cpl_valid && !tc_cpl_ready) begin
                tc_cpl_ready <= 1'b1;
                cc_evslot <= {{(16-SW){1'b0}}, tb_cpl_slot};
                state <= S_CEV;
                case (tb_cpl_status)
                    2'd0: begin
                        cc_res <= `NIC_TOE_R_OK;
                        // a new context in the working registers
                        cur_slot <= tb_cpl_slot;
                        cur_ok <= 1'b1;
                        dirty <= 1'b1;
                        `TOE_RX_CTX <= {CW{1'b0}};
                        w_valid <= 1'b1;
                        w_v6 <= cc_args[0];
                        w_tsok <= cc_args[1];
                        w_vlan <= cc_args[2];
                        w_swsc <= cc_args[7:4];
                        w_rwsc <= cc_args[11:8];
                        w_queue <= cc_args[20:16];
                        w_pushm <= cc_args[24];
                        w_raddr <= tc_src;
                        w_laddr <= tc_dst;
                        w_rport <= tc_sport;
                        w_lport <= tc_dport;
                        w_rmac <= {`TOE_RX_CARG(cc_args, 10), cc_args[32*11+16 +: 16]};
                        w_lmac <= {cc_args[32*11 +: 16], `TOE_RX_CARG(cc_args, 12)};
                        w_tci <= cc_args[32*13 +: 16];
                        w_ttl <= cc_args[32*13+16 +: 8];
                        w_tos <= cc_args[32*13+24 +: 8];
                        w_mss <= cc_args[32*14 +: 16];
                        w_afreq <= cc_args[32*14+16 +: 8];
                        w_rcv_nxt <= `TOE_RX_CARG(cc_args, 15);
                        w_dmax <= `TOE_RX_CARG(cc_args, 15);
                        w_snd_una <= `TOE_RX_CARG(cc_args, 16);
                        w_snd_nxt <= `TOE_RX_CARG(cc_args, 17);
                        w_snd_max <= `TOE_RX_CARG(cc_args, 18);
                        w_snd_wnd <= `TOE_RX_CARG(cc_args, 19);
                        w_rwnd <= `TOE_RX_CARG(cc_args, 20);
                        w_ts_recent <= `TOE_RX_CARG(cc_args, 21);
                        w_ts_off <= `TOE_RX_CARG(cc_args, 22);
                    end
                    2'd1: cc_res <= `NIC_TOE_R_EXISTS;
                    default: begin
                        cc_res <= `NIC_TOE_R_RESOURCES;
                        cc_evslot <= 16'd0;
                    end
                endcase
            end
        end
        S_CX: begin
            state <= S_CEV;
            if (!w_valid) begin
                cc_res <= `NIC_TOE_R_NO_CONN;
            end else if (cc_op == `NIC_TOE_OP_POST) begin
                if (w_nb == 3'd4) begin
                    cc_res <= `NIC_TOE_R_RING_FULL;
                end else if (`TOE_RX_CARG(cc_args, 2) == 32'd0 || `TOE_RX_CARG(cc_args, 2) > 32'h8000_0000) begin
                    cc_res <= `NIC_TOE_R_BAD;
                end else begin
                    dirty <= 1'b1;
                    w_nb <= w_nb + 3'd1;
                    w_ba[64*w_nb[1:0] +: 64] <= {`TOE_RX_CARG(cc_args, 1), `TOE_RX_CARG(cc_args, 0)};
                    w_bs[32*w_nb[1:0] +: 32] <= post_start;
                    w_bl[32*w_nb[1:0] +: 32] <= `TOE_RX_CARG(cc_args, 2);
                    w_bc[w_nb[1:0]] <= 1'b0;
                end
            end else if (cc_op == `NIC_TOE_OP_UPDATE) begin
                dirty <= 1'b1;
                w_mss <= cc_args[32*14 +: 16];
                w_afreq <= cc_args[32*14+16 +: 8];
                w_rwnd <= `TOE_RX_CARG(cc_args, 20);
            end else if (cc_op == `NIC_TOE_OP_QUERY) begin
                blk_valid <= 1'b1;
                blk_addr <= {`TOE_RX_CARG(cc_args, 24), `TOE_RX_CARG(cc_args, 23)};
                blk_image_load;
                blk_seen <= 1'b0;
                cmd_phase <= 2'd2;
                state <= S_IDLE;
            end else begin
                // UPLOAD: no new decisions for the slot; wait for its frames in flight
                dirty <= 1'b1;
                w_upl <= 1'b1;
                if (w_infl == 8'd0) begin
                    state <= S_CUP;
                end else begin
                    cmd_phase <= 2'd1;
                    infl_zero <= 1'b0;
                    state <= S_IDLE;
                end
            end
        end
        S_CUP: begin
            blk_valid <= 1'b1;
            blk_addr <= {`TOE_RX_CARG(cc_args, 24), `TOE_RX_CARG(cc_args, 23)};
            blk_image_load;
            blk_seen <= 1'b0;
            dirty <= 1'b1;
            w_valid <= 1'b0;
            tc_valid <= 1'b1;
            tc_op <= 2'd2;
            tc_slot <= cc_slot;
            state <= S_CDEL;
        end
        S_CDEL: begin
            if (tb_cpl_valid && !tc_cpl_ready) begin
                tc_cpl_ready <= 1'b1;
                cmd_phase <= 2'd2;
                state <= S_IDLE;
            end
        end
        S_CEV: begin
            if (ev_room && !ev_push) begin
                ev_push <= 1'b1;
                ev_din <= {cc_q < NUM_Q ? {2'd0, cc_q} : 7'd0, 8'd0, `NIC_CPL_TYPE_TOE_CMD, cc_evslot, 32'd0,
                           16'd0, cc_res, 4'd0, cc_op, cc_cookie};
                cmd_phase <= 2'd0;
                cmd_active <= 1'b0;
                blk_seen <= 1'b0;
                state <= S_IDLE;
            end
        end
        default: state <= S_IDLE;
    endcase

    if (rst) begin
        state <= S_SWEEP;
        sweeping <= 1'b1;
        sweep_ix <= {SW{1'b0}};
        cur_ok <= 1'b0;
        dirty <= 1'b0;
        rt_valid <= 1'b0;
        blk_valid <= 1'b0;
        blk_seen <= 1'b0;
        tc_valid <= 1'b0;
        cmd_phase <= 2'd0;
        cmd_active <= 1'b0;
        infl_zero <= 1'b0;
        cq_rp <= 5'd0;
        cq_wp <= 5'd0;
        f_rp <= 4'd0;
        cmq_rp <= 4'd0;
        st_placed <= 64'd0;
        st_ind <= 64'd0;
        st_acks <= 32'd0;
        st_exc <= 32'd0;
        st_cons <= 32'd0;
        st_segs <= 32'd0;
    end
end

// commit FIFO count
always @(posedge clk) begin
    cq_cnt <= cq_cnt + (dec_fire ? 6'd1 : 6'd0) - (commit_go || commit_fast ? 6'd1 : 6'd0);
    if (rst) cq_cnt <= 6'd0;
end

// frame FIFOs
always @(posedge clk) begin
    if (hdr_take) begin
        fa_mem[fa_wp] <= {h_cand, h_seq, h_ack, h_flags, h_win, h_poff, h_plen, h_ts, h_tsval, h_tsecr};
        fa_wp <= fa_wp + 1'b1;
    end
    if (tb_res_valid) begin
        fb_mem[fb_wp] <= {tb_res_hit, tb_res_slot};
        fb_wp <= fb_wp + 1'b1;
    end
    fa_cnt <= fa_cnt + (hdr_take ? 5'd1 : 5'd0) - (dec_fire ? 5'd1 : 5'd0);
    fb_cnt <= fb_cnt + (tb_res_valid ? 5'd1 : 5'd0) - (dec_fire ? 5'd1 : 5'd0);
    if (rst) begin
        fa_wp <= 4'd0;
        fb_wp <= 4'd0;
        fa_cnt <= 5'd0;
        fb_cnt <= 5'd0;
    end
end

// event and ACK FIFOs
always @(posedge clk) begin
    if (ev_push) begin
        ev_mem[ev_wp] <= ev_din;
        ev_wp <= ev_wp + 1'b1;
    end
    if (m_ev_valid && m_ev_ready) ev_rp <= ev_rp + 1'b1;
    ev_cnt <= ev_cnt + (ev_push ? 5'd1 : 5'd0) - ((m_ev_valid && m_ev_ready) ? 5'd1 : 5'd0);
    if (ak_push) begin
        ak_mem[ak_wp] <= ak_din_r;
        ak_wp <= ak_wp + 1'b1;
    end
    if (m_ack_valid && m_ack_ready) ak_rp <= ak_rp + 1'b1;
    ak_cnt <= ak_cnt + (ak_push ? 3'd1 : 3'd0) - ((m_ack_valid && m_ack_ready) ? 3'd1 : 3'd0);
    if (rst) begin
        ev_wp <= 4'd0;
        ev_rp <= 4'd0;
        ev_cnt <= 5'd0;
        ak_wp <= 2'd0;
        ak_rp <= 2'd0;
        ak_cnt <= 3'd0;
    end
end

/*
 * Registers
 */
reg [31:0] rdata_reg = 32'd0;
assign m_csr_rdata = rdata_reg;
wire cmd_wr = s_csr_wr && s_csr_sel && s_csr_idx == 8'd0 && s_csr_off == 4'd3;
wire [4:0] cmq_pending = cmq_ok_cnt;
wire [799:0] arg_snap;
genvar g;
generate
    for (g = 0; g < 25; g = g + 1) begin : g_snap
        assign arg_snap[32*g +: 32] = arg_reg[g];
    end
endgenerate

always @(posedge clk) begin
    if (s_csr_wr && s_csr_sel) begin
        if (s_csr_idx == 8'd0) begin
            case (s_csr_off)
                4'd0: en_reg <= s_csr_wdata[0];
                4'd4: cookie_reg <= s_csr_wdata;
                4'd6: delack_reg <= s_csr_wdata;
                4'd7: push_reg <= s_csr_wdata;
                default: ;
            endcase
        end else if (s_csr_idx >= 8'd1 && s_csr_idx <= 8'd3) begin
            arg_reg[{s_csr_idx[1:0] - 2'd1, s_csr_off}] <= s_csr_wdata;
        end
    end
    if (cmd_wr && !cmq_cnt[4]) begin
        cmq_mem[cmq_wp] <= {cmq_pending >= 5'd8, s_csr_wdata, cookie_reg, arg_snap};
        cmq_wp <= cmq_wp + 1'b1;
    end
    cmq_cnt <= cmq_cnt + ((cmd_wr && !cmq_cnt[4]) ? 5'd1 : 5'd0) -
               ((state == S_IDLE && pick_cmd && cmd_phase == 2'd0 && !pick_commit) ? 5'd1 : 5'd0);
    cmq_ok_cnt <= cmq_ok_cnt + ((cmd_wr && !cmq_cnt[4] && cmq_pending < 5'd8) ? 5'd1 : 5'd0) -
                  ((state == S_CEV && ev_room && !ev_push && !cc_busy) ? 5'd1 : 5'd0);
    if (s_csr_rd) begin
        rdata_reg <= 32'd0;
        if (s_csr_sel) begin
            if (s_csr_idx == 8'd0) begin
                case (s_csr_off)
                    4'd0: rdata_reg <= {31'd0, en_reg};
                    4'd1: rdata_reg <= SLOTS;
                    4'd2: rdata_reg <= {{(31-SW){1'b0}}, tb_occ};
                    4'd4: rdata_reg <= cookie_reg;
                    4'd5: rdata_reg <= {27'd0, cmq_pending};
                    4'd6: rdata_reg <= delack_reg;
                    4'd7: rdata_reg <= push_reg;
                    4'd8: rdata_reg <= st_placed[31:0];
                    4'd9: rdata_reg <= st_placed[63:32];
                    4'd10: rdata_reg <= st_ind[31:0];
                    4'd11: rdata_reg <= st_ind[63:32];
                    4'd12: rdata_reg <= st_acks;
                    4'd13: rdata_reg <= st_exc;
                    4'd14: rdata_reg <= st_cons;
                    4'd15: rdata_reg <= st_segs;
                    default: rdata_reg <= 32'd0;
                endcase
            end else if (s_csr_idx >= 8'd1 && s_csr_idx <= 8'd3) begin
                rdata_reg <= arg_reg[{s_csr_idx[1:0] - 2'd1, s_csr_off}];
            end
        end
    end
    if (rst) begin
        en_reg <= 1'b0;
        cookie_reg <= 32'd0;
        delack_reg <= 32'd200000000;
        push_reg <= 32'd0;
        cmq_wp <= 4'd0;
        cmq_cnt <= 5'd0;
        cmq_ok_cnt <= 5'd0;
        rdata_reg <= 32'd0;
    end
end

assign busy_held = sweeping || state != S_IDLE || fa_cnt != 5'd0 || cq_cnt != 6'd0 || cmq_cnt != 5'd0 ||
                   cmd_active || ev_cnt != 5'd0 || ak_cnt != 3'd0 || rt_valid || blk_valid ||
                   td_stale || tp_stale || td_busy || tp_busy || tc_valid;
assign busy = busy_held || td_due || tp_due;

`undef TOE_RX_CTX
`undef TOE_RX_AK_DIN
`undef TOE_RX_CARG

endmodule

`resetall
