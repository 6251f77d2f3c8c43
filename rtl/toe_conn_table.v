`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * TOE connection table: maps a TCP 4-tuple (IPv4 or IPv6) to the slot index
 * of an offloaded connection (TCP Chimney "initiate offload" allocates a slot,
 * "terminate/upload" frees it).
 *
 * Structure: two-choice (d-left) set-associative hash with an overflow stash.
 *
 *   - Two sub-tables, each BUCKETS = SLOTS/WAYS buckets of WAYS entries, so
 *     2*SLOTS entries in all. Each (sub-table, way) is its own simple
 *     dual-port RAM with a registered read (toe_ram), all ways of a bucket
 *     read in the same cycle at the same address: 2*WAYS RAMs, each
 *     SLOTS/WAYS deep. An entry is {valid, slot, key}: the full key is stored,
 *     so a hit is decided by 2*WAYS exact compares, never by a tag.
 *   - Sub-table t is indexed by its own hash h_t(key), a CRC-32C (t = 0) and
 *     a CRC-32 (t = 1) over the key (toe_hash). An insert goes to the less
 *     loaded of its two candidate buckets (ties: sub-table 0), first free way.
 *   - Overflow: a STASH-entry fully associative register stash takes keys
 *     whose two buckets are both full (and keys forced onto one bucket pair).
 *   - Slots are not positions: an insert takes a slot index from a free list
 *     (never-used slots in order, then freed slots first-in first-out, so a
 *     freed slot is reused as late as possible), and a location RAM maps
 *     slot -> (sub-table, bucket, way | stash entry) for delete by slot.
 *     Every one of the SLOTS slots can be filled: with 2*SLOTS entries and two
 *     choices a random key set of size SLOTS essentially never overflows its
 *     buckets (see docs/toe.md for the measured figures).
 *
 * Why this and not cuckoo hashing or a CAM: at 65536 slots a CAM (a compare
 * against every slot per cycle) is not buildable from block RAM; cuckoo
 * hashing reaches ~95% of its entries but an insert is a chain of up to N
 * evictions that moves live entries between tables while lookups run, which
 * needs a consistency mechanism and makes insert latency variable. The
 * two-choice table never moves an entry once written: an insert or delete is
 * one read (shared with the lookup pipeline) and one write, so every lookup
 * sees the table either entirely before or entirely after each command. The
 * price is memory headroom (2 entries per slot); the stash covers the rare
 * overflow and adversarial collisions.
 *
 * Hash: computed here from the key, not taken from the RSS Toeplitz hash:
 * inserts come from the driver with no frame, RSS may be off or hash only
 * addresses (fragments), its key changes at run time (which would invalidate
 * every placement), and two independent hashes are needed.
 *
 * Key: {v6, src_addr, dst_addr, src_port, dst_port}, 289 bits, every field
 * in network byte order, most significant byte first on the wire (IPv6
 * address byte 0 in [127:120]; an IPv4 address a.b.c.d in [31:0] with a in
 * [31:24]; bits [127:32] of IPv4 addresses are ignored and taken as zero).
 * The key is the tuple as the received frame carries it (source = the peer).
 *
 * Timing (one clock, no multicycle paths):
 *   cycle A    request accepted (lookup or command); location and free-list
 *              RAM reads issued for a command
 *   cycle A+1  hashes, sub-table RAM reads issued, stash compared
 *   cycle A+2  RAM data: 2*WAYS key compares, delete-by-slot check
 *   cycle A+3  hit select; a command's writes happen at the end of this cycle
 *   cycle A+4  lookup result / command completion presented
 * Lookup latency LOOKUP_LATENCY = 4 cycles, fixed; one lookup accepted per
 * cycle except the one cycle each command takes in the pipeline and the
 * reset sweep (SLOTS/WAYS cycles after rst, status_ready low).
 * The lookup result has no backpressure: the consumer takes one per cycle.
 *
 * Commands (s_cmd_*): INSERT (key), DELETE_KEY (key), DELETE_SLOT (slot).
 * One command is in the pipeline at a time; the next is issued after the
 * previous completion has been taken (m_cmd_ready), so at most one command
 * per 5 cycles and lookups keep at least 4 of every 5 cycles. The command
 * input is a one-entry buffer with a registered ready.
 * Completion statuses: OK, EXISTS (insert of a key already present: its
 * slot is returned, nothing changes), RESOURCES (insert refused: no free slot,
 * or both buckets and the stash full; nothing changes), NOT_FOUND (delete of
 * an absent key or unused slot). A completion carries the slot and the key
 * (for DELETE_SLOT the key that was removed).
 *
 * Ordering: a command accepted in cycle A writes at the end of A+3. Lookups
 * accepted in cycles <= A+2 see the table without it, lookups accepted in
 * cycles >= A+3 see it: in particular every lookup accepted once the
 * completion is presented sees the command. Each lookup sees the table
 * atomically (all RAMs and the stash sampled at the same clock edge).
 * Results leave in acceptance order.
 */
module toe_conn_table #
(
    // Number of connection slots (power of two, 64..65536)
    parameter SLOTS = 1024,
    // Entries per bucket, read in parallel (2, 4 or 8)
    parameter WAYS = 4,
    // Overflow stash entries, fully associative registers (2..64)
    parameter STASH = 16,
    // Width of the opaque tag carried from lookup request to result
    parameter USER_WIDTH = 16,
    // Slot index width (must be $clog2(SLOTS))
    parameter SLOT_WIDTH = $clog2(SLOTS)
)
(
    input  wire                   clk,
    input  wire                   rst,

    /*
     * Lookup request (one per cycle while s_lookup_ready)
     */
    input  wire                   s_lookup_valid,
    output wire                   s_lookup_ready,
    input  wire                   s_lookup_v6,
    input  wire [127:0]           s_lookup_src_addr,
    input  wire [127:0]           s_lookup_dst_addr,
    input  wire [15:0]            s_lookup_src_port,
    input  wire [15:0]            s_lookup_dst_port,
    input  wire [USER_WIDTH-1:0]  s_lookup_user,

    /*
     * Lookup result (LOOKUP_LATENCY cycles after acceptance, no backpressure)
     */
    output wire                   m_lookup_valid,
    output wire                   m_lookup_hit,
    output wire [SLOT_WIDTH-1:0]  m_lookup_slot,
    output wire [USER_WIDTH-1:0]  m_lookup_user,

    /*
     * Command request: op 0 = INSERT, 1 = DELETE_KEY, 2 = DELETE_SLOT
     */
    input  wire                   s_cmd_valid,
    output wire                   s_cmd_ready,
    input  wire [1:0]             s_cmd_op,
    input  wire                   s_cmd_v6,
    input  wire [127:0]           s_cmd_src_addr,
    input  wire [127:0]           s_cmd_dst_addr,
    input  wire [15:0]            s_cmd_src_port,
    input  wire [15:0]            s_cmd_dst_port,
    input  wire [SLOT_WIDTH-1:0]  s_cmd_slot,

    /*
     * Command completion: status 0 = OK, 1 = EXISTS, 2 = RESOURCES, 3 = NOT_FOUND
     */
    output wire                   m_cmd_valid,
    input  wire                   m_cmd_ready,
    output wire [1:0]             m_cmd_op,
    output wire [1:0]             m_cmd_status,
    output wire [SLOT_WIDTH-1:0]  m_cmd_slot,
    output wire                   m_cmd_v6,
    output wire [127:0]           m_cmd_src_addr,
    output wire [127:0]           m_cmd_dst_addr,
    output wire [15:0]            m_cmd_src_port,
    output wire [15:0]            m_cmd_dst_port,

    /*
     * Status
     */
    output wire                   status_ready,
    output wire [SLOT_WIDTH:0]    status_occupancy,
    output wire [6:0]             status_stash_used,

    /*
     * Statistics (wrap at 2^32)
     */
    output wire [31:0]            stat_lookups,
    output wire [31:0]            stat_hits,
    output wire [31:0]            stat_inserts,
    output wire [31:0]            stat_refused,
    output wire [31:0]            stat_deletes
);

// key width: v6 flag, two 128-bit addresses, two ports
localparam KEY_WIDTH = 1 + 128 + 128 + 16 + 16;
// buckets per sub-table and their index width
localparam BUCKETS = SLOTS / WAYS;
localparam IDX_WIDTH = $clog2(BUCKETS);
// way index width
localparam WAY_WIDTH = $clog2(WAYS);
// entries read per lookup (both sub-tables)
localparam NWAY = 2 * WAYS;
// stash index width
localparam STASH_WIDTH = $clog2(STASH);
// RAM entry: {valid, slot, key}
localparam ENTRY_WIDTH = 1 + SLOT_WIDTH + KEY_WIDTH;
// location of a slot's entry: {in_stash, stash index, sub-table, way, bucket}
localparam LOC_WIDTH = 1 + STASH_WIDTH + 1 + WAY_WIDTH + IDX_WIDTH;

localparam [1:0] OP_INSERT = 2'd0, OP_DELETE_KEY = 2'd1, OP_DELETE_SLOT = 2'd2;
localparam [1:0] ST_OK = 2'd0, ST_EXISTS = 2'd1, ST_RESOURCES = 2'd2, ST_NOT_FOUND = 2'd3;

// parameter checks
generate
    if (SLOTS < 64 || SLOTS > 65536 || (1 << SLOT_WIDTH) != SLOTS ||
            (WAYS != 2 && WAYS != 4 && WAYS != 8) ||
            STASH < 2 || STASH > 64 || USER_WIDTH < 1) begin : g_bad_param
`ifdef VERILATOR
        $error("toe_conn_table: SLOTS must be a power of two 64..65536 with SLOT_WIDTH = log2(SLOTS), WAYS 2/4/8, STASH 2..64, USER_WIDTH >= 1");
`endif
        initial $fatal(1, "toe_conn_table: bad SLOTS/SLOT_WIDTH/WAYS/STASH/USER_WIDTH");
    end
endgenerate

// slot count as a counter value
localparam [SLOT_WIDTH:0] SLOTS_COUNT = {1'b1, {SLOT_WIDTH{1'b0}}};

/*
 * Reset sweep: clears the valid bit of every RAM entry
 */
reg                  init_reg = 1'b1, init_next;
reg [IDX_WIDTH-1:0]  init_addr_reg = {IDX_WIDTH{1'b0}}, init_addr_next;

/*
 * Command input buffer and issue
 */
reg                  cmd_buf_valid_reg = 1'b0, cmd_buf_valid_next;
reg [1:0]            cmd_buf_op_reg = 2'd0;
reg [KEY_WIDTH-1:0]  cmd_buf_key_reg = {KEY_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] cmd_buf_slot_reg = {SLOT_WIDTH{1'b0}};
reg                  cmd_issue_reg = 1'b0, cmd_issue_next;
reg                  cmd_busy_reg = 1'b0, cmd_busy_next;

wire [KEY_WIDTH-1:0] lookup_key = {s_lookup_v6,
    s_lookup_v6 ? s_lookup_src_addr : {96'd0, s_lookup_src_addr[31:0]},
    s_lookup_v6 ? s_lookup_dst_addr : {96'd0, s_lookup_dst_addr[31:0]},
    s_lookup_src_port, s_lookup_dst_port};
wire [KEY_WIDTH-1:0] cmd_key = {s_cmd_v6,
    s_cmd_v6 ? s_cmd_src_addr : {96'd0, s_cmd_src_addr[31:0]},
    s_cmd_v6 ? s_cmd_dst_addr : {96'd0, s_cmd_dst_addr[31:0]},
    s_cmd_src_port, s_cmd_dst_port};

assign s_lookup_ready = !init_reg && !cmd_issue_reg;
assign s_cmd_ready = !cmd_buf_valid_reg;

wire in_valid = cmd_issue_reg || (s_lookup_valid && s_lookup_ready);

/*
 * Pipeline registers (stage n holds a request accepted n cycles ago)
 */
reg                  p1_valid_reg = 1'b0;
reg                  p1_cmd_reg = 1'b0;
reg [1:0]            p1_op_reg = 2'd0;
reg [KEY_WIDTH-1:0]  p1_key_reg = {KEY_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p1_slot_reg = {SLOT_WIDTH{1'b0}};
reg [USER_WIDTH-1:0] p1_user_reg = {USER_WIDTH{1'b0}};

reg                  p2_valid_reg = 1'b0;
reg                  p2_cmd_reg = 1'b0;
reg [1:0]            p2_op_reg = 2'd0;
reg [KEY_WIDTH-1:0]  p2_key_reg = {KEY_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p2_slot_reg = {SLOT_WIDTH{1'b0}};
reg [USER_WIDTH-1:0] p2_user_reg = {USER_WIDTH{1'b0}};
reg [IDX_WIDTH-1:0]  p2_idx0_reg = {IDX_WIDTH{1'b0}};
reg [IDX_WIDTH-1:0]  p2_idx1_reg = {IDX_WIDTH{1'b0}};
reg [LOC_WIDTH-1:0]  p2_loc_reg = {LOC_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p2_free_reg = {SLOT_WIDTH{1'b0}};
reg                  p2_stash_hit_reg = 1'b0;
reg [STASH_WIDTH-1:0] p2_stash_idx_reg = {STASH_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p2_stash_slot_reg = {SLOT_WIDTH{1'b0}};

reg                  p3_valid_reg = 1'b0;
reg                  p3_cmd_reg = 1'b0;
reg [1:0]            p3_op_reg = 2'd0;
reg [KEY_WIDTH-1:0]  p3_key_reg = {KEY_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p3_slot_reg = {SLOT_WIDTH{1'b0}};
reg [USER_WIDTH-1:0] p3_user_reg = {USER_WIDTH{1'b0}};
reg [IDX_WIDTH-1:0]  p3_idx0_reg = {IDX_WIDTH{1'b0}};
reg [IDX_WIDTH-1:0]  p3_idx1_reg = {IDX_WIDTH{1'b0}};
reg [LOC_WIDTH-1:0]  p3_loc_reg = {LOC_WIDTH{1'b0}};
reg                  p3_loc_ok_reg = 1'b0;
reg [SLOT_WIDTH-1:0] p3_free_reg = {SLOT_WIDTH{1'b0}};
reg                  p3_stash_hit_reg = 1'b0;
reg [STASH_WIDTH-1:0] p3_stash_idx_reg = {STASH_WIDTH{1'b0}};
reg [SLOT_WIDTH-1:0] p3_stash_slot_reg = {SLOT_WIDTH{1'b0}};
reg [NWAY-1:0]       p3_way_match_reg = {NWAY{1'b0}};
reg [NWAY-1:0]       p3_way_valid_reg = {NWAY{1'b0}};
reg [NWAY*SLOT_WIDTH-1:0] p3_way_slot_reg = {NWAY*SLOT_WIDTH{1'b0}};

/*
 * Outputs
 */
reg                  m_lookup_valid_reg = 1'b0, m_lookup_valid_next;
reg                  m_lookup_hit_reg = 1'b0, m_lookup_hit_next;
reg [SLOT_WIDTH-1:0] m_lookup_slot_reg = {SLOT_WIDTH{1'b0}}, m_lookup_slot_next;
reg [USER_WIDTH-1:0] m_lookup_user_reg = {USER_WIDTH{1'b0}}, m_lookup_user_next;

reg                  m_cmd_valid_reg = 1'b0, m_cmd_valid_next;
reg [1:0]            m_cmd_op_reg = 2'd0, m_cmd_op_next;
reg [1:0]            m_cmd_status_reg = 2'd0, m_cmd_status_next;
reg [SLOT_WIDTH-1:0] m_cmd_slot_reg = {SLOT_WIDTH{1'b0}}, m_cmd_slot_next;
reg [KEY_WIDTH-1:0]  m_cmd_key_reg = {KEY_WIDTH{1'b0}};

assign m_lookup_valid = m_lookup_valid_reg;
assign m_lookup_hit = m_lookup_hit_reg;
assign m_lookup_slot = m_lookup_slot_reg;
assign m_lookup_user = m_lookup_user_reg;

assign m_cmd_valid = m_cmd_valid_reg;
assign m_cmd_op = m_cmd_op_reg;
assign m_cmd_status = m_cmd_status_reg;
assign m_cmd_slot = m_cmd_slot_reg;
assign m_cmd_v6 = m_cmd_key_reg[KEY_WIDTH-1];
assign m_cmd_src_addr = m_cmd_key_reg[32+128 +: 128];
assign m_cmd_dst_addr = m_cmd_key_reg[32 +: 128];
assign m_cmd_src_port = m_cmd_key_reg[16 +: 16];
assign m_cmd_dst_port = m_cmd_key_reg[0 +: 16];

/*
 * Allocation state, status and statistics
 */
reg [SLOT_WIDTH:0]   fresh_reg = {SLOT_WIDTH+1{1'b0}}, fresh_next;
reg [SLOT_WIDTH-1:0] free_rd_ptr_reg = {SLOT_WIDTH{1'b0}}, free_rd_ptr_next;
reg [SLOT_WIDTH-1:0] free_wr_ptr_reg = {SLOT_WIDTH{1'b0}}, free_wr_ptr_next;
reg [SLOT_WIDTH:0]   occupancy_reg = {SLOT_WIDTH+1{1'b0}}, occupancy_next;
reg [6:0]            stash_used_reg = 7'd0, stash_used_next;
reg [31:0]           stat_lookups_reg = 32'd0, stat_lookups_next;
reg [31:0]           stat_hits_reg = 32'd0, stat_hits_next;
reg [31:0]           stat_inserts_reg = 32'd0, stat_inserts_next;
reg [31:0]           stat_refused_reg = 32'd0, stat_refused_next;
reg [31:0]           stat_deletes_reg = 32'd0, stat_deletes_next;

assign status_ready = !init_reg;
assign status_occupancy = occupancy_reg;
assign status_stash_used = stash_used_reg;
assign stat_lookups = stat_lookups_reg;
assign stat_hits = stat_hits_reg;
assign stat_inserts = stat_inserts_reg;
assign stat_refused = stat_refused_reg;
assign stat_deletes = stat_deletes_reg;

/*
 * Overflow stash
 */
reg [STASH-1:0]      stash_valid_reg = {STASH{1'b0}};
reg [STASH*KEY_WIDTH-1:0]  stash_key_reg;  // meaningful only where stash_valid_reg is set
reg [STASH*SLOT_WIDTH-1:0] stash_slot_reg;

/*
 * Decisions of stage 3, applied at the end of the cycle
 */
reg                  way_wr_en;
reg                  way_wr_table;
reg [WAY_WIDTH-1:0]  way_wr_way;
reg [IDX_WIDTH-1:0]  way_wr_idx;
reg [ENTRY_WIDTH-1:0] way_wr_data;
reg                  stash_wr_en;
reg [STASH_WIDTH-1:0] stash_wr_idx;
reg                  stash_wr_valid;
reg                  loc_wr_en;
reg [SLOT_WIDTH-1:0] loc_wr_addr;
reg [LOC_WIDTH-1:0]  loc_wr_data;
reg                  free_wr_en;
reg [SLOT_WIDTH-1:0] free_wr_data;

/*
 * Hashes of the stage-1 key (registered by toe_hash as the key enters stage 1)
 */
wire [IDX_WIDTH-1:0] hash0;
wire [IDX_WIDTH-1:0] hash1;

toe_hash #(
    .KEY_WIDTH(KEY_WIDTH),
    .POLY(32'h1EDC6F41),
    .INIT(32'hFFFFFFFF),
    .OUT_WIDTH(IDX_WIDTH)
)
hash0_inst (
    .clk(clk),
    .en(in_valid),
    .key(cmd_issue_reg ? cmd_buf_key_reg : lookup_key),
    .hash(hash0)
);

toe_hash #(
    .KEY_WIDTH(KEY_WIDTH),
    .POLY(32'h04C11DB7),
    .INIT(32'hFFFFFFFF),
    .OUT_WIDTH(IDX_WIDTH)
)
hash1_inst (
    .clk(clk),
    .en(in_valid),
    .key(cmd_issue_reg ? cmd_buf_key_reg : lookup_key),
    .hash(hash1)
);

/*
 * Location RAM (slot -> entry position) and free-slot FIFO RAM: read when a
 * command is issued, data in stage 1
 */
wire [LOC_WIDTH-1:0]  loc_rd_data;
wire [SLOT_WIDTH-1:0] free_rd_data;

toe_ram #(
    .WIDTH(LOC_WIDTH),
    .DEPTH(SLOTS)
)
loc_ram_inst (
    .clk(clk),
    .wr_en(loc_wr_en),
    .wr_addr(loc_wr_addr),
    .wr_data(loc_wr_data),
    .rd_en(cmd_issue_reg),
    .rd_addr(cmd_buf_slot_reg),
    .rd_data(loc_rd_data)
);

toe_ram #(
    .WIDTH(SLOT_WIDTH),
    .DEPTH(SLOTS)
)
free_ram_inst (
    .clk(clk),
    .wr_en(free_wr_en),
    .wr_addr(free_wr_ptr_reg),
    .wr_data(free_wr_data),
    .rd_en(cmd_issue_reg),
    .rd_addr(free_rd_ptr_reg),
    .rd_data(free_rd_data)
);

// location fields
wire [IDX_WIDTH-1:0]   p1_loc_idx   = loc_rd_data[IDX_WIDTH-1:0];
wire                   p2_loc_stash = p2_loc_reg[LOC_WIDTH-1];
wire [STASH_WIDTH-1:0] p2_loc_sidx  = p2_loc_reg[LOC_WIDTH-2 -: STASH_WIDTH];
wire                   p2_loc_table = p2_loc_reg[WAY_WIDTH+IDX_WIDTH];
wire [WAY_WIDTH-1:0]   p2_loc_way   = p2_loc_reg[IDX_WIDTH +: WAY_WIDTH];
wire                   p3_loc_stash = p3_loc_reg[LOC_WIDTH-1];
wire [STASH_WIDTH-1:0] p3_loc_sidx  = p3_loc_reg[LOC_WIDTH-2 -: STASH_WIDTH];
wire                   p3_loc_table = p3_loc_reg[WAY_WIDTH+IDX_WIDTH];
wire [WAY_WIDTH-1:0]   p3_loc_way   = p3_loc_reg[IDX_WIDTH +: WAY_WIDTH];

// stage 1 read address: the hash, or the stored location for DELETE_SLOT
wire p1_by_slot = p1_cmd_reg && p1_op_reg == OP_DELETE_SLOT;
wire [IDX_WIDTH-1:0] rd_idx0 = p1_by_slot ? p1_loc_idx : hash0;
wire [IDX_WIDTH-1:0] rd_idx1 = p1_by_slot ? p1_loc_idx : hash1;

/*
 * Sub-table RAMs: entry n = sub-table n / WAYS, way n % WAYS
 */
wire [NWAY*ENTRY_WIDTH-1:0] way_rd_data;

genvar n;
generate
    for (n = 0; n < NWAY; n = n + 1) begin : g_way
        // sub-table and way of this RAM
        localparam TABLE_N = n / WAYS;
        localparam WAY_N = n % WAYS;

        wire sel = way_wr_en && way_wr_table == TABLE_N[0] &&
                   way_wr_way == WAY_N[WAY_WIDTH-1:0];

        toe_ram #(
            .WIDTH(ENTRY_WIDTH),
            .DEPTH(BUCKETS)
        )
        ram_inst (
            .clk(clk),
            .wr_en(init_reg || sel),
            .wr_addr(init_reg ? init_addr_reg : way_wr_idx),
            .wr_data(init_reg ? {ENTRY_WIDTH{1'b0}} : way_wr_data),
            .rd_en(p1_valid_reg),
            .rd_addr(TABLE_N[0] ? rd_idx1 : rd_idx0),
            .rd_data(way_rd_data[n*ENTRY_WIDTH +: ENTRY_WIDTH])
        );
    end
endgenerate

/*
 * Stage 1: stash compare (same clock edge as the RAM reads)
 */
reg                   stash_hit;
reg [STASH_WIDTH-1:0] stash_hit_idx;
reg [SLOT_WIDTH-1:0]  stash_hit_slot;
integer s;

always @* begin
    stash_hit = 1'b0;
    stash_hit_idx = {STASH_WIDTH{1'b0}};
    stash_hit_slot = {SLOT_WIDTH{1'b0}};
    // compared only when a key is in stage 1: an idle table costs nothing per cycle (the loop
    // itself under the condition: the simulation evaluates every operand of a && in the loop)
    if (p1_valid_reg) begin
        for (s = STASH-1; s >= 0; s = s - 1) begin
            if (stash_valid_reg[s] && stash_key_reg[s*KEY_WIDTH +: KEY_WIDTH] == p1_key_reg) begin
                stash_hit = 1'b1;
                stash_hit_idx = s[STASH_WIDTH-1:0];
                stash_hit_slot = stash_slot_reg[s*SLOT_WIDTH +: SLOT_WIDTH];
            end
        end
    end
end

/*
 * Stage 2: key compares on the RAM data, delete-by-slot check
 */
reg [NWAY-1:0]            way_match;
reg [NWAY-1:0]            way_valid;
reg [NWAY*SLOT_WIDTH-1:0] way_slot;
reg                       loc_ok;
reg [KEY_WIDTH-1:0]       loc_key;
reg [ENTRY_WIDTH-1:0]     loc_entry;
reg                       loc_stash_valid;
reg [SLOT_WIDTH-1:0]      loc_stash_slot;
reg [KEY_WIDTH-1:0]       loc_stash_key;
integer k;

always @* begin
    way_match = {NWAY{1'b0}};
    way_valid = {NWAY{1'b0}};
    way_slot = {NWAY*SLOT_WIDTH{1'b0}};
    loc_entry = {ENTRY_WIDTH{1'b0}};
    loc_stash_valid = 1'b0;
    loc_stash_slot = {SLOT_WIDTH{1'b0}};
    loc_stash_key = {KEY_WIDTH{1'b0}};
    loc_ok = 1'b0;
    loc_key = {KEY_WIDTH{1'b0}};
    // evaluated only when a key is in stage 2: an idle table costs nothing per cycle
    if (p2_valid_reg) begin
    for (k = 0; k < NWAY; k = k + 1) begin
        way_valid[k] = way_rd_data[k*ENTRY_WIDTH + ENTRY_WIDTH-1];
        way_slot[k*SLOT_WIDTH +: SLOT_WIDTH] = way_rd_data[k*ENTRY_WIDTH + KEY_WIDTH +: SLOT_WIDTH];
        way_match[k] = way_valid[k] && way_rd_data[k*ENTRY_WIDTH +: KEY_WIDTH] == p2_key_reg;
    end

    // selects by comparison with constant part-selects: a variable part-select of these wide
    // vectors reads past their last word in the Verilated model (found by ASan)
    loc_entry = {ENTRY_WIDTH{1'b0}};
    for (k = 0; k < NWAY; k = k + 1)
        if ({p2_loc_table, p2_loc_way} == k[WAY_WIDTH:0])
            loc_entry = way_rd_data[k*ENTRY_WIDTH +: ENTRY_WIDTH];
    loc_stash_valid = 1'b0;
    loc_stash_slot = {SLOT_WIDTH{1'b0}};
    loc_stash_key = {KEY_WIDTH{1'b0}};
    // (a never-written location may name a stash index past STASH: no entry matches it)
    for (k = 0; k < STASH; k = k + 1)
        if ({1'b0, p2_loc_sidx} == k[STASH_WIDTH:0]) begin
            loc_stash_valid = stash_valid_reg[k];
            loc_stash_slot = stash_slot_reg[k*SLOT_WIDTH +: SLOT_WIDTH];
            loc_stash_key = stash_key_reg[k*KEY_WIDTH +: KEY_WIDTH];
        end
    if (p2_loc_stash) begin
        loc_ok = loc_stash_valid && loc_stash_slot == p2_slot_reg;
        loc_key = loc_stash_key;
    end else begin
        loc_ok = loc_entry[ENTRY_WIDTH-1] && loc_entry[KEY_WIDTH +: SLOT_WIDTH] == p2_slot_reg;
        loc_key = loc_entry[KEY_WIDTH-1:0];
    end
    end
end

/*
 * Stage 3: hit select, command decision, all next-state logic
 */
reg                   hit;
reg [SLOT_WIDTH-1:0]  hit_slot;
reg                   hit_in_stash;
reg                   hit_table;
reg [WAY_WIDTH-1:0]   hit_way;
reg [WAY_WIDTH:0]     cnt0, cnt1;
reg                   free0_ok, free1_ok;
reg [WAY_WIDTH-1:0]   free0_way, free1_way;
reg                   stash_free_ok;
reg [STASH_WIDTH-1:0] stash_free_idx;
reg [SLOT_WIDTH-1:0]  new_slot;
integer j;

always @* begin
    // hit: lowest matching way, else the stash
    hit = 1'b0;
    hit_slot = p3_stash_slot_reg;
    hit_in_stash = p3_stash_hit_reg;
    hit_table = 1'b0;
    hit_way = {WAY_WIDTH{1'b0}};
    cnt0 = {WAY_WIDTH+1{1'b0}};
    cnt1 = {WAY_WIDTH+1{1'b0}};
    free0_ok = 1'b0;
    free1_ok = 1'b0;
    free0_way = {WAY_WIDTH{1'b0}};
    free1_way = {WAY_WIDTH{1'b0}};
    stash_free_ok = 1'b0;
    stash_free_idx = {STASH_WIDTH{1'b0}};
    // evaluated only with a request in stage 3 (every use is under p3_valid_reg)
    if (p3_valid_reg) begin
    for (j = NWAY-1; j >= 0; j = j - 1) begin
        if (p3_way_match_reg[j]) begin
            hit = 1'b1;
            hit_in_stash = 1'b0;
            hit_slot = p3_way_slot_reg[j*SLOT_WIDTH +: SLOT_WIDTH];
            hit_table = j >= WAYS;
            hit_way = j[WAY_WIDTH-1:0];
        end
    end
    if (p3_stash_hit_reg) begin
        hit = 1'b1;
    end

    // free ways of the two candidate buckets and their fill
    for (j = WAYS-1; j >= 0; j = j - 1) begin
        cnt0 = cnt0 + {{WAY_WIDTH{1'b0}}, p3_way_valid_reg[j]};
        cnt1 = cnt1 + {{WAY_WIDTH{1'b0}}, p3_way_valid_reg[WAYS+j]};
        if (!p3_way_valid_reg[j]) begin
            free0_ok = 1'b1;
            free0_way = j[WAY_WIDTH-1:0];
        end
        if (!p3_way_valid_reg[WAYS+j]) begin
            free1_ok = 1'b1;
            free1_way = j[WAY_WIDTH-1:0];
        end
    end

    // first free stash entry
    for (j = STASH-1; j >= 0; j = j - 1) begin
        if (!stash_valid_reg[j]) begin
            stash_free_ok = 1'b1;
            stash_free_idx = j[STASH_WIDTH-1:0];
        end
    end
    end

    // slot an insert would take: never-used slots first, then the free FIFO
    new_slot = fresh_reg[SLOT_WIDTH] ? p3_free_reg : fresh_reg[SLOT_WIDTH-1:0];
end

always @* begin
    init_next = init_reg;
    init_addr_next = init_addr_reg;

    cmd_buf_valid_next = cmd_buf_valid_reg;
    cmd_busy_next = cmd_busy_reg;

    m_lookup_valid_next = 1'b0;
    m_lookup_hit_next = 1'b0;
    m_lookup_slot_next = m_lookup_slot_reg;
    m_lookup_user_next = m_lookup_user_reg;

    m_cmd_valid_next = m_cmd_valid_reg;
    m_cmd_op_next = m_cmd_op_reg;
    m_cmd_status_next = m_cmd_status_reg;
    m_cmd_slot_next = m_cmd_slot_reg;

    fresh_next = fresh_reg;
    free_rd_ptr_next = free_rd_ptr_reg;
    free_wr_ptr_next = free_wr_ptr_reg;
    occupancy_next = occupancy_reg;
    stash_used_next = stash_used_reg;
    stat_lookups_next = stat_lookups_reg;
    stat_hits_next = stat_hits_reg;
    stat_inserts_next = stat_inserts_reg;
    stat_refused_next = stat_refused_reg;
    stat_deletes_next = stat_deletes_reg;

    way_wr_en = 1'b0;
    way_wr_table = 1'b0;
    way_wr_way = {WAY_WIDTH{1'b0}};
    way_wr_idx = {IDX_WIDTH{1'b0}};
    way_wr_data = {ENTRY_WIDTH{1'b0}};
    stash_wr_en = 1'b0;
    stash_wr_idx = {STASH_WIDTH{1'b0}};
    stash_wr_valid = 1'b0;
    loc_wr_en = 1'b0;
    loc_wr_addr = new_slot;
    loc_wr_data = {LOC_WIDTH{1'b0}};
    free_wr_en = 1'b0;
    free_wr_data = hit_slot;

    // reset sweep
    if (init_reg) begin
        init_addr_next = init_addr_reg + 1'b1;
        if (init_addr_reg == {IDX_WIDTH{1'b1}}) begin
            init_next = 1'b0;
        end
    end

    // command buffer, issue and completion handshake
    if (cmd_issue_reg) begin
        cmd_buf_valid_next = 1'b0;
        cmd_busy_next = 1'b1;
    end
    if (s_cmd_valid && s_cmd_ready) begin
        cmd_buf_valid_next = 1'b1;
    end
    if (m_cmd_valid_reg && m_cmd_ready) begin
        m_cmd_valid_next = 1'b0;
        cmd_busy_next = 1'b0;
    end

    if (p3_valid_reg && !p3_cmd_reg) begin
        // lookup result
        m_lookup_valid_next = 1'b1;
        m_lookup_hit_next = hit;
        m_lookup_slot_next = hit ? hit_slot : {SLOT_WIDTH{1'b0}};
        m_lookup_user_next = p3_user_reg;
        stat_lookups_next = stat_lookups_reg + 1'b1;
        if (hit) begin
            stat_hits_next = stat_hits_reg + 1'b1;
        end
    end else if (p3_valid_reg) begin
        // command decision
        m_cmd_valid_next = 1'b1;
        m_cmd_op_next = p3_op_reg;
        m_cmd_slot_next = p3_slot_reg;
        m_cmd_status_next = ST_NOT_FOUND;

        case (p3_op_reg)
            OP_INSERT: begin
                stat_inserts_next = stat_inserts_reg + 1'b1;
                if (hit) begin
                    m_cmd_status_next = ST_EXISTS;
                    m_cmd_slot_next = hit_slot;
                end else if (occupancy_reg == SLOTS_COUNT ||
                        !(free0_ok || free1_ok || stash_free_ok)) begin
                    m_cmd_status_next = ST_RESOURCES;
                    m_cmd_slot_next = {SLOT_WIDTH{1'b0}};
                    stat_refused_next = stat_refused_reg + 1'b1;
                end else begin
                    m_cmd_status_next = ST_OK;
                    m_cmd_slot_next = new_slot;
                    occupancy_next = occupancy_reg + 1'b1;
                    if (fresh_reg[SLOT_WIDTH]) begin
                        free_rd_ptr_next = free_rd_ptr_reg + 1'b1;
                    end else begin
                        fresh_next = fresh_reg + 1'b1;
                    end
                    way_wr_idx = p3_idx0_reg;
                    way_wr_data = {1'b1, new_slot, p3_key_reg};
                    loc_wr_en = 1'b1;
                    loc_wr_addr = new_slot;
                    if (free0_ok && (!free1_ok || cnt0 <= cnt1)) begin
                        way_wr_en = 1'b1;
                        way_wr_table = 1'b0;
                        way_wr_way = free0_way;
                        loc_wr_data = {1'b0, {STASH_WIDTH{1'b0}}, 1'b0, free0_way, p3_idx0_reg};
                    end else if (free1_ok) begin
                        way_wr_en = 1'b1;
                        way_wr_table = 1'b1;
                        way_wr_way = free1_way;
                        way_wr_idx = p3_idx1_reg;
                        loc_wr_data = {1'b0, {STASH_WIDTH{1'b0}}, 1'b1, free1_way, p3_idx1_reg};
                    end else begin
                        stash_wr_en = 1'b1;
                        stash_wr_idx = stash_free_idx;
                        stash_wr_valid = 1'b1;
                        stash_used_next = stash_used_reg + 1'b1;
                        loc_wr_data = {1'b1, stash_free_idx, 1'b0, {WAY_WIDTH{1'b0}}, {IDX_WIDTH{1'b0}}};
                    end
                end
            end
            OP_DELETE_KEY: begin
                if (hit) begin
                    m_cmd_status_next = ST_OK;
                    m_cmd_slot_next = hit_slot;
                    occupancy_next = occupancy_reg - 1'b1;
                    stat_deletes_next = stat_deletes_reg + 1'b1;
                    free_wr_en = 1'b1;
                    free_wr_data = hit_slot;
                    free_wr_ptr_next = free_wr_ptr_reg + 1'b1;
                    if (hit_in_stash) begin
                        stash_wr_en = 1'b1;
                        stash_wr_idx = p3_stash_idx_reg;
                        stash_wr_valid = 1'b0;
                        stash_used_next = stash_used_reg - 1'b1;
                    end else begin
                        way_wr_en = 1'b1;
                        way_wr_table = hit_table;
                        way_wr_way = hit_way;
                        way_wr_idx = hit_table ? p3_idx1_reg : p3_idx0_reg;
                    end
                end
            end
            OP_DELETE_SLOT: begin
                if (p3_loc_ok_reg) begin
                    m_cmd_status_next = ST_OK;
                    occupancy_next = occupancy_reg - 1'b1;
                    stat_deletes_next = stat_deletes_reg + 1'b1;
                    free_wr_en = 1'b1;
                    free_wr_data = p3_slot_reg;
                    free_wr_ptr_next = free_wr_ptr_reg + 1'b1;
                    if (p3_loc_stash) begin
                        stash_wr_en = 1'b1;
                        stash_wr_idx = p3_loc_sidx;
                        stash_wr_valid = 1'b0;
                        stash_used_next = stash_used_reg - 1'b1;
                    end else begin
                        way_wr_en = 1'b1;
                        way_wr_table = p3_loc_table;
                        way_wr_way = p3_loc_way;
                        way_wr_idx = p3_idx0_reg;
                    end
                end
            end
            default: begin
                // op 3 is reserved: completes with NOT_FOUND, changes nothing
            end
        endcase
    end

    cmd_issue_next = cmd_buf_valid_next && !cmd_busy_next && !init_next;
end

/*
 * Pipeline data registers
 */
always @(posedge clk) begin
    if (s_cmd_valid && s_cmd_ready) begin
        cmd_buf_op_reg <= s_cmd_op;
        cmd_buf_key_reg <= cmd_key;
        cmd_buf_slot_reg <= s_cmd_slot;
    end

    // stage 1
    p1_cmd_reg <= cmd_issue_reg;
    p1_op_reg <= cmd_buf_op_reg;
    if (in_valid) p1_key_reg <= cmd_issue_reg ? cmd_buf_key_reg : lookup_key;
    p1_slot_reg <= cmd_buf_slot_reg;
    p1_user_reg <= s_lookup_user;

    // stage 2
    p2_cmd_reg <= p1_cmd_reg;
    p2_op_reg <= p1_op_reg;
    if (p1_valid_reg) p2_key_reg <= p1_key_reg;
    p2_slot_reg <= p1_slot_reg;
    p2_user_reg <= p1_user_reg;
    p2_idx0_reg <= rd_idx0;
    p2_idx1_reg <= rd_idx1;
    p2_loc_reg <= loc_rd_data;
    p2_free_reg <= free_rd_data;
    p2_stash_hit_reg <= stash_hit;
    p2_stash_idx_reg <= stash_hit_idx;
    p2_stash_slot_reg <= stash_hit_slot;

    // stage 3
    p3_cmd_reg <= p2_cmd_reg;
    p3_op_reg <= p2_op_reg;
    if (p2_valid_reg) p3_key_reg <= (p2_cmd_reg && p2_op_reg == OP_DELETE_SLOT) ? loc_key : p2_key_reg;
    p3_slot_reg <= p2_slot_reg;
    p3_user_reg <= p2_user_reg;
    p3_idx0_reg <= p2_idx0_reg;
    p3_idx1_reg <= p2_idx1_reg;
    p3_loc_reg <= p2_loc_reg;
    p3_loc_ok_reg <= loc_ok;
    p3_free_reg <= p2_free_reg;
    p3_stash_hit_reg <= p2_stash_hit_reg;
    p3_stash_idx_reg <= p2_stash_idx_reg;
    p3_stash_slot_reg <= p2_stash_slot_reg;
    p3_way_match_reg <= way_match;
    p3_way_valid_reg <= way_valid;
    if (p2_valid_reg) p3_way_slot_reg <= way_slot;

    // stash writes (a command's decision)
    if (stash_wr_en) begin
        for (s = 0; s < STASH; s = s + 1)
            if (stash_wr_idx == s[STASH_WIDTH-1:0]) begin
                stash_valid_reg[s] <= stash_wr_valid;
                if (stash_wr_valid) begin
                    stash_key_reg[s*KEY_WIDTH +: KEY_WIDTH] <= p3_key_reg;
                    stash_slot_reg[s*SLOT_WIDTH +: SLOT_WIDTH] <= new_slot;
                end
            end
    end
    if (rst) begin
        stash_valid_reg <= {STASH{1'b0}};
    end
end

/*
 * Control registers
 */
always @(posedge clk) begin
    init_reg <= init_next;
    init_addr_reg <= init_addr_next;
    cmd_buf_valid_reg <= cmd_buf_valid_next;
    cmd_issue_reg <= cmd_issue_next;
    cmd_busy_reg <= cmd_busy_next;

    p1_valid_reg <= in_valid;
    p2_valid_reg <= p1_valid_reg;
    p3_valid_reg <= p2_valid_reg;

    m_lookup_valid_reg <= m_lookup_valid_next;
    m_lookup_hit_reg <= m_lookup_hit_next;
    m_lookup_slot_reg <= m_lookup_slot_next;
    m_lookup_user_reg <= m_lookup_user_next;

    m_cmd_valid_reg <= m_cmd_valid_next;
    m_cmd_op_reg <= m_cmd_op_next;
    m_cmd_status_reg <= m_cmd_status_next;
    m_cmd_slot_reg <= m_cmd_slot_next;
    // the completion's key: the stage-3 key of a command (held otherwise)
    if (p3_valid_reg && p3_cmd_reg) m_cmd_key_reg <= p3_key_reg;

    fresh_reg <= fresh_next;
    free_rd_ptr_reg <= free_rd_ptr_next;
    free_wr_ptr_reg <= free_wr_ptr_next;
    occupancy_reg <= occupancy_next;
    stash_used_reg <= stash_used_next;
    stat_lookups_reg <= stat_lookups_next;
    stat_hits_reg <= stat_hits_next;
    stat_inserts_reg <= stat_inserts_next;
    stat_refused_reg <= stat_refused_next;
    stat_deletes_reg <= stat_deletes_next;

    if (rst) begin
        init_reg <= 1'b1;
        init_addr_reg <= {IDX_WIDTH{1'b0}};
        cmd_buf_valid_reg <= 1'b0;
        cmd_issue_reg <= 1'b0;
        cmd_busy_reg <= 1'b0;
        p1_valid_reg <= 1'b0;
        p2_valid_reg <= 1'b0;
        p3_valid_reg <= 1'b0;
        m_lookup_valid_reg <= 1'b0;
        m_cmd_valid_reg <= 1'b0;
        fresh_reg <= {SLOT_WIDTH+1{1'b0}};
        free_rd_ptr_reg <= {SLOT_WIDTH{1'b0}};
        free_wr_ptr_reg <= {SLOT_WIDTH{1'b0}};
        occupancy_reg <= {SLOT_WIDTH+1{1'b0}};
        stash_used_reg <= 7'd0;
        stat_lookups_reg <= 32'd0;
        stat_hits_reg <= 32'd0;
        stat_inserts_reg <= 32'd0;
        stat_refused_reg <= 32'd0;
        stat_deletes_reg <= 32'd0;
    end
end

endmodule

`resetall
