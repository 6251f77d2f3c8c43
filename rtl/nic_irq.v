`resetall
`timescale 1ns / 1ps
`default_nettype none

`include "nic_hw.vh"

/*
 * Interrupt vectors with moderation (MSI-X style messages).
 *
 * Each vector counts events (completions written on queues that use it).
 * An enabled, unmasked vector becomes ready to send when
 *   events >= max(frames threshold, 1), or
 *   events > 0, time threshold != 0 and now >= first event time + time threshold.
 * Sending (one message per cycle, ready vectors taken round-robin by a
 * pointer that walks while any is ready and jumps to a vector that becomes
 * ready when none is) masks the vector and clears its events; the driver
 * re-arms (unmasks) it. Events keep counting while masked and fire at re-arm
 * if they meet a threshold.
 *
 * Checks: the vector of an event is checked in the next cycle; vectors
 * whose registers were written are marked and checked one per cycle. A
 * check either makes the vector ready, arms its timer (deadline = first
 * event time + time threshold) or disarms it.
 *
 * Timers: timer_deadline_ns is the earliest deadline of the armed vectors,
 * kept conservatively: arming lowers it at once; disarming starts a rescan,
 * one vector per cycle, that recomputes it (until then it may be early,
 * never late). When now reaches it, a scan fires every armed vector whose
 * deadline has passed. `now` is an input, so the host model may jump over
 * idle time straight to the deadline; busy stays high from that point until
 * the message has been sent. Checks and scans compare against `now` as
 * registered at the last clock edge.
 *
 * Simulation cost: apart from counting events, the logic is evaluated only
 * while something is pending (a check, a mark, a ready vector, a scan or a
 * reached deadline).
 *
 * Register sub-port (word offsets within the vector's 0x10 block): 0 frames
 * threshold (15:0), 1 time threshold in ns, 2 control: write bit 0 re-arm,
 * bit 1 enable; read bit 1 enable, bit 2 masked; 3 messages sent (RO).
 */
module nic_irq #
(
    // Number of vectors (1..64)
    parameter NUM_VEC = 17,
    // Width of a vector index
    parameter V_WIDTH = NUM_VEC > 1 ? $clog2(NUM_VEC) : 1
)
(
    /*
     * Clock/reset
     */
    input  wire        clk,
    input  wire        rst,

    /*
     * Time
     */
    input  wire [63:0] s_now_ns,

    /*
     * Register sub-port
     */
    input  wire        s_csr_wr,
    input  wire        s_csr_rd,
    input  wire        s_csr_sel,
    input  wire [7:0]  s_csr_idx,
    input  wire [1:0]  s_csr_off,
    input  wire [31:0] s_csr_wdata,
    output wire [31:0] m_csr_rdata,

    /*
     * Events (one per cycle at most)
     */
    input  wire        s_evt_valid,
    input  wire [7:0]  s_evt_vector,

    /*
     * Messages and timers
     */
    output wire        m_irq_valid,
    output wire [7:0]  m_irq_vector,
    output wire        timer_armed,
    output wire [63:0] timer_deadline_ns,

    /*
     * Statistics (one strobe per message)
     */
    output wire        stat_irq,

    /*
     * Status
     */
    output wire        busy,
    // busy, less a timer that is due only because s_now_ns reached its deadline (exported
    // through timer_armed / timer_deadline_ns): depends on registers only
    output wire        busy_held
);

// vectors provided for (power of two; indices >= NUM_VEC are never selected)
localparam VN = 1 << V_WIDTH;
// index of the last vector
localparam [V_WIDTH-1:0] V_LAST = NUM_VEC[V_WIDTH-1:0] - 1'b1;

// register word offsets
localparam [1:0] R_FRAMES = `NIC_V_MOD_FRAMES_W;
localparam [1:0] R_TIME = `NIC_V_MOD_TIME_W;
localparam [1:0] R_CTRL = `NIC_V_CTRL_W;
localparam [1:0] R_SENT = `NIC_V_SENT_W;

// parameter checks
generate
    if (NUM_VEC < 1 || NUM_VEC > 64 || (NUM_VEC > 1 && V_WIDTH != $clog2(NUM_VEC)) ||
            (NUM_VEC == 1 && V_WIDTH != 1)) begin : g_bad_param
`ifdef VERILATOR
        $fatal(1, "nic_irq: bad NUM_VEC/V_WIDTH");
`endif
        initial $fatal(1, "nic_irq: bad NUM_VEC/V_WIDTH");
    end
endgenerate

// moderation registers: {time threshold[31:0], frames threshold[15:0]}
reg [47:0]     thr_mem [0:VN-1];
// events: {time of the first event[63:0], count[15:0] (saturating)}
reg [79:0]     evf_mem [0:VN-1];
reg [63:0]     dl_mem [0:VN-1];
reg [31:0]     sent_mem [0:VN-1];

reg [VN-1:0]   en_reg = {VN{1'b0}};
reg [VN-1:0]   mask_reg = {VN{1'b0}};
reg [VN-1:0]   rdy_reg = {VN{1'b0}};
reg [VN-1:0]   tarm_reg = {VN{1'b0}};
reg [VN-1:0]   mark_reg = {VN{1'b0}};

// check of the last event's vector
reg            ck_valid_reg = 1'b0;
reg [V_WIDTH-1:0] ck_v_reg = {V_WIDTH{1'b0}};
// pointers of the marked-vector checks and of the sender
reg [V_WIDTH-1:0] mp_reg = {V_WIDTH{1'b0}};
reg [V_WIDTH-1:0] sp_reg = {V_WIDTH{1'b0}};

// published earliest deadline and the rescan
reg            min_valid_reg = 1'b0;
reg [63:0]     min_dl_reg = 64'd0;
reg            scan_act_reg = 1'b0;
reg [V_WIDTH-1:0] scan_idx_reg = {V_WIDTH{1'b0}};
reg            scan_found_reg = 1'b0;
reg [63:0]     scan_min_reg = 64'd0;
reg            rescan_reg = 1'b0;

reg            irq_valid_reg = 1'b0;
reg [7:0]      irq_vec_reg = 8'd0;
reg [31:0]     rdata_reg = 32'd0;

/*
 * Event
 */
wire              evt_ok = s_evt_valid && s_evt_vector < NUM_VEC[7:0];
wire [V_WIDTH-1:0] evt_v = s_evt_vector[V_WIDTH-1:0];

// a deadline has been reached (now may jump: compared every cycle, acted on
// in the next)
wire              tmr_now = min_valid_reg && s_now_ns >= min_dl_reg;
reg               tmr_hit_reg = 1'b0;
// time as of the last clock edge, for the checks and the scan
reg [63:0]        now_reg = 64'd0;
wire              tmr_hit = tmr_hit_reg && min_valid_reg;
// anything to do besides counting events; the logic below is evaluated only then
wire              act = ck_valid_reg || mark_reg != {VN{1'b0}} || rdy_reg != {VN{1'b0}} ||
                        scan_act_reg || rescan_reg || tmr_hit;

/*
 * Sender (the vector under the pointer, if ready), check unit, deadline scan
 */
reg               send_any;
reg               send_hit;
reg               send_ok;

// the vector checked: the last event's, else the marked one under the pointer
wire [V_WIDTH-1:0] cv = ck_valid_reg ? ck_v_reg : mp_reg;
wire [15:0]       cv_ev = evf_mem[cv][15:0];
wire [15:0]       cv_fth = thr_mem[cv][15:0];
wire [31:0]       cv_tth = thr_mem[cv][47:16];
wire [63:0]       cv_first = evf_mem[cv][79:16];
wire [63:0]       sv_dl = dl_mem[scan_idx_reg];

reg               ck_do;
reg [63:0]        c_dl;
reg               c_fire;
reg               c_arm;

reg               scan_start;
reg [63:0]        s_dl;
reg               s_fire;
reg               s_end;

reg [VN-1:0]      rdy_next;
reg [VN-1:0]      tarm_next;
reg               rescan_next;
reg               min_valid_next;
reg [63:0]        min_dl_next;
reg               scan_found_next;
reg [63:0]        scan_min_next;

always @* begin
    send_any = 1'b0;
    send_hit = 1'b0;
    send_ok = 1'b0;
    ck_do = 1'b0;
    c_dl = 64'd0;
    c_fire = 1'b0;
    c_arm = 1'b0;
    scan_start = 1'b0;
    s_dl = 64'd0;
    s_fire = 1'b0;
    s_end = 1'b0;
    rdy_next = rdy_reg;
    tarm_next = tarm_reg;
    rescan_next = rescan_reg;
    min_valid_next = min_valid_reg;
    min_dl_next = min_dl_reg;
    scan_found_next = scan_found_reg;
    scan_min_next = scan_min_reg;

    if (act) begin
        send_any = rdy_reg != {VN{1'b0}};
        send_hit = rdy_reg[sp_reg];
        send_ok = send_hit && en_reg[sp_reg] && !mask_reg[sp_reg];

        // check
        ck_do = ck_valid_reg || mark_reg[mp_reg];
        if (ck_do) begin
            c_dl = cv_first + {32'd0, cv_tth};
            if (en_reg[cv] && !mask_reg[cv] && !rdy_reg[cv] && cv_ev != 16'd0) begin
                c_fire = cv_ev >= cv_fth || (cv_tth != 32'd0 && now_reg >= c_dl);
                c_arm = !c_fire && cv_tth != 32'd0;
            end
        end

        // deadline scan, one vector per cycle
        scan_start = !scan_act_reg && (rescan_reg || tmr_hit);
        rescan_next = rescan_reg && !scan_start;
        if (scan_start) begin
            scan_found_next = 1'b0;
            scan_min_next = 64'd0;
        end
        if (scan_act_reg) begin
            s_end = scan_idx_reg == V_LAST;
            // the check unit decides about this vector itself this cycle
            if (tarm_reg[scan_idx_reg] && !(ck_do && cv == scan_idx_reg)) begin
                s_dl = sv_dl;
                if (now_reg >= s_dl) begin
                    s_fire = 1'b1;
                    rdy_next[scan_idx_reg] = 1'b1;
                    tarm_next[scan_idx_reg] = 1'b0;
                end else if (!scan_found_next || s_dl < scan_min_next) begin
                    scan_found_next = 1'b1;
                    scan_min_next = s_dl;
                end
            end
            if (s_end) begin
                min_valid_next = scan_found_next;
                min_dl_next = scan_min_next;
            end
        end

        if (send_hit) begin
            rdy_next[sp_reg] = 1'b0;
        end

        if (ck_do) begin
            if (c_fire) begin
                rdy_next[cv] = 1'b1;
            end
            tarm_next[cv] = c_arm;
            if (tarm_reg[cv] && !c_arm) begin
                rescan_next = 1'b1;
            end
            if (c_arm) begin
                if (!min_valid_next || c_dl < min_dl_next) begin
                    min_valid_next = 1'b1;
                    min_dl_next = c_dl;
                end
                if (scan_act_reg && !s_end && (!scan_found_next || c_dl < scan_min_next)) begin
                    scan_found_next = 1'b1;
                    scan_min_next = c_dl;
                end
            end
        end
    end
end

wire [V_WIDTH-1:0] csr_v = s_csr_idx[V_WIDTH-1:0];

integer j;

always @(posedge clk) begin
    if (tmr_hit_reg != tmr_now) begin
        tmr_hit_reg <= tmr_now;
    end
    now_reg <= s_now_ns;

    if (act) begin
        rdy_reg <= rdy_next;
        tarm_reg <= tarm_next;
        rescan_reg <= rescan_next;
        min_valid_reg <= min_valid_next;
        min_dl_reg <= min_dl_next;
        scan_found_reg <= scan_found_next;
        scan_min_reg <= scan_min_next;
    end

    // events (a message sent this cycle clears the events before this one)
    if (send_hit && !(evt_ok && sp_reg == evt_v)) begin
        evf_mem[sp_reg] <= {evf_mem[sp_reg][79:16], 16'd0};
    end
    if (evt_ok) begin
        if ((send_hit && sp_reg == evt_v) || evf_mem[evt_v][15:0] == 16'd0) begin
            evf_mem[evt_v] <= {s_now_ns, 16'd1};
        end else if (evf_mem[evt_v][15:0] != 16'hffff) begin
            evf_mem[evt_v] <= {evf_mem[evt_v][79:16], evf_mem[evt_v][15:0] + 16'd1};
        end
    end
    if (ck_valid_reg || evt_ok) begin
        ck_valid_reg <= evt_ok;
        ck_v_reg <= evt_v;
    end
    if (irq_valid_reg) begin
        irq_valid_reg <= 1'b0;
    end

    if (act) begin
        // marked checks: the pointer walks while anything is marked
        if (!ck_valid_reg && mark_reg != {VN{1'b0}}) begin
            mp_reg <= mp_reg == V_LAST ? {V_WIDTH{1'b0}} : mp_reg + 1'b1;
            mark_reg[mp_reg] <= 1'b0;
        end

        // armed timers remember their deadline
        if (c_arm) begin
            dl_mem[cv] <= c_dl;
        end

        // scan
        if (scan_start) begin
            scan_act_reg <= 1'b1;
            scan_idx_reg <= {V_WIDTH{1'b0}};
        end else if (scan_act_reg) begin
            scan_idx_reg <= scan_idx_reg + 1'b1;
            if (s_end) begin
                scan_act_reg <= 1'b0;
            end
        end

        // sender
        if (send_any) begin
            sp_reg <= sp_reg == V_LAST ? {V_WIDTH{1'b0}} : sp_reg + 1'b1;
        end else if (c_fire) begin
            // nothing else waiting: the pointer goes straight to the new ready vector
            sp_reg <= cv;
        end else if (s_fire) begin
            sp_reg <= scan_idx_reg;
        end
        if (send_ok) begin
            irq_valid_reg <= 1'b1;
            irq_vec_reg <= {{8-V_WIDTH{1'b0}}, sp_reg};
            mask_reg[sp_reg] <= 1'b1;
            sent_mem[sp_reg] <= sent_mem[sp_reg] + 32'd1;
        end
    end

    // registers (a write marks the vector for a check)
    if (s_csr_wr && s_csr_sel && s_csr_idx < NUM_VEC[7:0]) begin
        mark_reg[csr_v] <= 1'b1;
        case (s_csr_off)
            R_FRAMES, R_TIME: thr_mem[csr_v] <= s_csr_off == R_FRAMES ?
                                                {thr_mem[csr_v][47:16], s_csr_wdata[15:0]} :
                                                {s_csr_wdata, thr_mem[csr_v][15:0]};
            R_CTRL: begin
                en_reg[csr_v] <= s_csr_wdata[1];
                if (s_csr_wdata[0]) begin
                    mask_reg[csr_v] <= 1'b0;
                end
            end
            default: ;
        endcase
    end
    if (s_csr_rd) begin
        rdata_reg <= 32'd0;
        if (s_csr_sel && s_csr_idx < NUM_VEC[7:0]) begin
            case (s_csr_off)
                R_FRAMES: rdata_reg <= {16'd0, thr_mem[csr_v][15:0]};
                R_TIME: rdata_reg <= thr_mem[csr_v][47:16];
                R_CTRL: rdata_reg <= {29'd0, mask_reg[csr_v], en_reg[csr_v], 1'b0};
                R_SENT: rdata_reg <= sent_mem[csr_v];
                default: rdata_reg <= 32'd0;
            endcase
        end
    end

    if (rst) begin
        en_reg <= {VN{1'b0}};
        mask_reg <= {VN{1'b0}};
        rdy_reg <= {VN{1'b0}};
        tarm_reg <= {VN{1'b0}};
        mark_reg <= {VN{1'b0}};
        ck_valid_reg <= 1'b0;
        tmr_hit_reg <= 1'b0;
        mp_reg <= {V_WIDTH{1'b0}};
        sp_reg <= {V_WIDTH{1'b0}};
        min_valid_reg <= 1'b0;
        scan_act_reg <= 1'b0;
        scan_idx_reg <= {V_WIDTH{1'b0}};
        rescan_reg <= 1'b0;
        irq_valid_reg <= 1'b0;
        rdata_reg <= 32'd0;
        for (j = 0; j < VN; j = j + 1) begin
            thr_mem[j] <= 48'd0;
            evf_mem[j] <= 80'd0;
            dl_mem[j] <= 64'd0;
            sent_mem[j] <= 32'd0;
        end
    end
end

assign m_csr_rdata = rdata_reg;
assign m_irq_valid = irq_valid_reg;
assign m_irq_vector = irq_vec_reg;
assign timer_armed = min_valid_reg;
assign timer_deadline_ns = min_dl_reg;
assign stat_irq = irq_valid_reg;

assign busy_held = act || irq_valid_reg;
assign busy = busy_held || tmr_now;

endmodule

`resetall
