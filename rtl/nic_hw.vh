// Generated from rtl/nic_hw.h by nicsim-gen-hw-vh: do not edit. The hardware/software
// contract (docs/hw-interface.md); the CTest check hw_contract_vh keeps the two equal.
`ifndef NICSIM_NIC_HW_VH
`define NICSIM_NIC_HW_VH
`define NIC_ID_VALUE                     32'h4e494353  // value of NIC_REG_ID: "NICS"
`define NIC_REG_ID_W                     10'h0  // RO identification
`define NIC_REG_WIDTH_W                  10'h1  // RO DATA_WIDTH
`define NIC_REG_CTRL_W                   10'h2  // RW control bits NIC_CTRL_*
`define NIC_REG_HASH_TYPES_W             10'h3  // RW RSS hash-type enable mask (bit t-1: type t)
`define NIC_REG_TABLE_MASK_W             10'h4  // RW indirection table size minus 1
`define NIC_REG_NUM_RXQ_W                10'h7  // RO RX queues built
`define NIC_REG_NUM_VEC_W                10'h8  // RO interrupt vectors built
`define NIC_REG_KEY0_W                   10'h10  // RW RSS key: NIC_KEY_WORDS words, byte 4k in bits 31:24
`define NIC_REG_TABLE0_W                 10'h40  // RW indirection table: entries 4j..4j+3, entry 4j in 6:0
`define NIC_REG_STAT_RX_FRAMES_W         10'h80  // RO frames received
`define NIC_REG_STAT_RX_BYTES_LO_W       10'h81  // RO bytes received, low word
`define NIC_REG_STAT_RX_BYTES_HI_W       10'h82  // RO bytes received, high word
`define NIC_REG_STAT_BAD_IP_W            10'h83  // RO frames with checksum status bad_ip
`define NIC_REG_STAT_BAD_L4_W            10'h84  // RO frames with checksum status bad_l4
`define NIC_REG_STAT_UNVERIFIED_W        10'h85  // RO frames with checksum status unverified
`define NIC_REG_STAT_NON_IP_W            10'h86  // RO non-IP frames
`define NIC_REG_STAT_DROP_NODESC_W       10'h88  // RO frames dropped: no RX descriptor
`define NIC_REG_STAT_DROP_CPL_FULL_W     10'h89  // RO frames dropped: completion ring full
`define NIC_REG_STAT_TX_FRAMES_W         10'h8a  // RO frames transmitted
`define NIC_REG_STAT_IRQS_W              10'h8b  // RO interrupt messages sent
`define NIC_BLK_GLOBAL                   4'h0  // block of the global registers (address bits 15:12)
`define NIC_BLK_RXQ                      4'h1  // block of the RX queues
`define NIC_BLK_TXQ                      4'h2  // block of the TX queue
`define NIC_BLK_VEC                      4'h3  // block of the interrupt vectors
`define NIC_Q_DESC_LO_W                  4'h0  // RW descriptor ring base, low
`define NIC_Q_DESC_HI_W                  4'h1  // RW descriptor ring base, high
`define NIC_Q_DESC_LOG2_W                4'h2  // RW log2 of descriptor ring entries
`define NIC_Q_TAIL_W                     4'h3  // RW doorbell: descriptor tail (free-running 16-bit)
`define NIC_Q_HEAD_W                     4'h4  // RO descriptor head (free-running 16-bit)
`define NIC_Q_CPL_LO_W                   4'h5  // RW completion ring base, low
`define NIC_Q_CPL_HI_W                   4'h6  // RW completion ring base, high
`define NIC_Q_CPL_LOG2_W                 4'h7  // RW log2 of completion ring entries
`define NIC_Q_CPL_HEAD_W                 4'h8  // RW completion head (driver = consumer)
`define NIC_Q_CPL_TAIL_W                 4'h9  // RO completion tail (NIC = producer)
`define NIC_Q_VECTOR_W                   4'ha  // RW interrupt vector of the queue
`define NIC_Q_ENABLE_W                   4'hb  // RW enable (bit 0)
`define NIC_Q_DROP_NODESC_W              4'hc  // RO frames dropped: no descriptor
`define NIC_Q_DROP_CPL_FULL_W            4'hd  // RO frames dropped: completion ring full
`define NIC_Q_DONE_W                     4'he  // RO frames completed (TX: frames sent)
`define NIC_V_MOD_FRAMES_W               2'h0  // RW moderation: frames threshold
`define NIC_V_MOD_TIME_W                 2'h1  // RW moderation: time threshold in ns
`define NIC_V_CTRL_W                     2'h2  // W re-arm/enable; reads enable and masked
`define NIC_V_SENT_W                     2'h3  // RO messages sent
`define NIC_CPL_TYPE_RX                  8'h1  // completion of a received frame
`define NIC_CPL_TYPE_TX                  8'h2  // completion of a transmitted frame
`define NIC_CSUM_NONE                    3'h0  // not an IP frame or not looked at
`define NIC_CSUM_OK                      3'h1  // IP header and TCP/UDP checksum verified good
`define NIC_CSUM_BAD_IP                  3'h2  // IPv4 header checksum wrong
`define NIC_CSUM_BAD_L4                  3'h3  // TCP/UDP checksum wrong
`define NIC_CSUM_UNVERIFIED              3'h4  // could not verify (fragment, other protocol, offload off)
`define NIC_L3_OTHER                     2'h0  // not IP
`define NIC_L3_IPV4                      2'h1  // IPv4
`define NIC_L3_IPV6                      2'h2  // IPv6
`define NIC_L4_NONE                      2'h0  // no L4 header parsed
`define NIC_L4_TCP                       2'h1  // TCP
`define NIC_L4_UDP                       2'h2  // UDP
`define NIC_L4_OTHER                     2'h3  // other protocol or a fragment
`define NIC_HT_NONE                      3'h0  // no hash
`define NIC_HT_IPV4                      3'h1  // IPv4 addresses
`define NIC_HT_TCP_IPV4                  3'h2  // IPv4 addresses and TCP ports
`define NIC_HT_UDP_IPV4                  3'h3  // IPv4 addresses and UDP ports
`define NIC_HT_IPV6                      3'h4  // IPv6 addresses
`define NIC_HT_TCP_IPV6                  3'h5  // IPv6 addresses and TCP ports
`define NIC_HT_UDP_IPV6                  3'h6  // IPv6 addresses and UDP ports
`define NIC_FATE_DELIVERED               3'h0  // delivered to the host
`define NIC_FATE_NO_DESC                 3'h1  // dropped: no descriptor
`define NIC_FATE_CPL_FULL                3'h2  // dropped: completion ring full
`define NIC_FATE_PLACED                  3'h3  // TOE: payload placed in a posted buffer
`define NIC_FATE_CONSUMED                3'h4  // TOE: absorbed by the NIC (pure ACK, duplicate)
`define NIC_BLK_TOE                      4'h4  // block of the TCP offload engine
`define NIC_TOE_CTRL_W                   14'h1000  // RW bit 0: engine enabled (reset 0)
`define NIC_TOE_SLOTS_W                  14'h1001  // RO connection slots built
`define NIC_TOE_USED_W                   14'h1002  // RO slots in use
`define NIC_TOE_CMD_W                    14'h1003  // W command: bits 3:0 op, 8:4 completion queue, 31:16 slot
`define NIC_TOE_CMD_COOKIE_W             14'h1004  // RW cookie returned in the command's completion
`define NIC_TOE_CMD_PENDING_W            14'h1005  // RO commands accepted and not yet completed
`define NIC_TOE_DELACK_NS_W              14'h1006  // RW delayed-ACK timer in ns (reset 200000000)
`define NIC_TOE_PUSH_NS_W                14'h1007  // RW push timer in ns, 0: off (reset 0)
`define NIC_TOE_STAT_PLACED_LO_W         14'h1008  // RO payload bytes placed, low word
`define NIC_TOE_STAT_PLACED_HI_W         14'h1009  // RO payload bytes placed, high word
`define NIC_TOE_STAT_IND_LO_W            14'h100a  // RO payload bytes indicated, low word
`define NIC_TOE_STAT_IND_HI_W            14'h100b  // RO payload bytes indicated, high word
`define NIC_TOE_STAT_ACKS_W              14'h100c  // RO ACK frames generated
`define NIC_TOE_STAT_EXC_W               14'h100d  // RO exception frames sent to the host
`define NIC_TOE_STAT_CONSUMED_W          14'h100e  // RO frames absorbed (pure ACKs, duplicates)
`define NIC_TOE_STAT_SEGS_W              14'h100f  // RO segments of offloaded connections
`define NIC_TOE_ARG0_W                   14'h1010  // RW command argument words 0..47 (4 bytes apart)
`define NIC_TOE_OP_OFFLOAD               4'h1  // initiate offload: key and state from ARG0..ARG22
`define NIC_TOE_OP_UPLOAD                4'h2  // terminate offload: state to the result block, slot freed
`define NIC_TOE_OP_POST                  4'h3  // post a receive buffer: ARG0/1 address, ARG2 bytes
`define NIC_TOE_OP_UPDATE                4'h4  // update cached state: ARG14, ARG20
`define NIC_TOE_OP_QUERY                 4'h5  // state to the result block, slot kept
`define NIC_TOE_R_OK                     8'h0  // command done
`define NIC_TOE_R_RESOURCES              8'h1  // offload refused: no slot or no room in the table
`define NIC_TOE_R_EXISTS                 8'h2  // offload refused: the 4-tuple is already offloaded
`define NIC_TOE_R_NO_CONN                8'h3  // no connection in this slot
`define NIC_TOE_R_RING_FULL              8'h4  // buffer post refused: NIC_TOE_BUFS buffers already posted
`define NIC_TOE_R_DISABLED               8'h5  // engine disabled (NIC_TOE_CTRL bit 0 clear)
`define NIC_TOE_R_BAD                    8'h6  // unknown op or bad argument
`define NIC_TOE_R_BUSY                   8'h7  // command refused: NIC_TOE_CMDQ_DEPTH commands pending
`define NIC_CPL_TYPE_TOE_BUF             8'h3  // TOE event: a posted buffer is complete
`define NIC_CPL_TYPE_TOE_UPREQ           8'h4  // TOE event: the NIC asks the host to upload
`define NIC_CPL_TYPE_TOE_CMD             8'h5  // TOE event: a command completed
`define NIC_TOE_UP_PENDING               3'h0  // exception: upload already requested
`define NIC_TOE_UP_FIN                   3'h1  // upload reason: FIN received
`define NIC_TOE_UP_RST                   3'h2  // upload reason: RST received
`define NIC_TOE_UP_URG                   3'h3  // upload reason: urgent data
`define NIC_TOE_UP_SYN                   3'h4  // upload reason: SYN on an offloaded connection
`define NIC_TOE_UP_OOO                   3'h5  // upload reason: HighOutofOrderPackets
`define NIC_TOE_UP_OTHER                 3'h6  // upload reason: other exception (options, length)
`define NDMA_ID_VALUE                    32'h4e444d41  // value of NDMA_REG_ID: "NDMA"
`define NDMA_REG_ID_W                    10'h0  // RO identification
`define NDMA_REG_CHANCNT_W               10'h1  // RO channels built (parameter CHANNELS)
`define NDMA_REG_XFERCAP_W               10'h2  // RO most bytes one descriptor may move (parameter)
`define NDMA_REG_INTRCTRL_W              10'h3  // RW bit 0: master interrupt enable (reset 0)
`define NDMA_REG_INTRDELAY_NS_W          10'h4  // RW interrupt coalescing delay in ns, 0: at once
`define NDMA_REG_ATTN_W                  10'h5  // RO channels with an interrupt pending or raised (bit c)
`define NDMA_REG_MEMBASE_LO_W            10'h6  // RW lowest valid host address, low word
`define NDMA_REG_MEMBASE_HI_W            10'h7  // RW lowest valid host address, high word
`define NDMA_REG_MEMLIMIT_LO_W           10'h8  // RW first address above host memory, low word
`define NDMA_REG_MEMLIMIT_HI_W           10'h9  // RW first address above host memory, high word
`define NDMA_REG_CH0_W                   10'h40  // first channel block
`define NDMA_REG_CH_STRIDE               12'h80  // bytes between channel blocks
`define NDMA_CH_CTRL_W                   5'h0  // RW bit 0: channel interrupt enable; bits 15:8 MSI vector
`define NDMA_CH_DMACOUNT_W               5'h1  // RW 16-bit count of descriptors appended since START (v2)
`define NDMA_CH_CHAINADDR_LO_W           5'h2  // RW address of the first descriptor, low word
`define NDMA_CH_CHAINADDR_HI_W           5'h3  // RW address of the first descriptor, high word
`define NDMA_CH_CMD_W                    5'h4  // W command NDMA_CMD_*
`define NDMA_CH_STATUS_LO_W              5'h5  // RO last completed descriptor address (bits 31:6), state NDMA_ST_* (bits 2:0)
`define NDMA_CH_STATUS_HI_W              5'h6  // RO last completed descriptor address, high word
`define NDMA_CH_COMPLETED_W              5'h7  // RO 16-bit count of descriptors completed since START
`define NDMA_CH_CMPLADDR_LO_W            5'h8  // RW completion status write-back address, low word
`define NDMA_CH_CMPLADDR_HI_W            5'h9  // RW completion status write-back address, high word
`define NDMA_CH_ERR_W                    5'ha  // RO/W1C error bits NDMA_ERR_* (any set: channel halted)
`define NDMA_CH_ERRADDR_LO_W             5'hb  // RO descriptor address of the first error, low word
`define NDMA_CH_ERRADDR_HI_W             5'hc  // RO descriptor address of the first error, high word
`define NDMA_CMD_START                   4'h1  // load CHAINADDR, counts to 0, state ACTIVE
`define NDMA_CMD_APPEND                  4'h2  // DMACOUNT += 1 (one more descriptor; v1-style doorbell)
`define NDMA_CMD_SUSPEND                 4'h3  // finish the current descriptor, then SUSPENDED
`define NDMA_CMD_RESUME                  4'h4  // SUSPENDED -> ACTIVE
`define NDMA_CMD_ABORT                   4'h5  // stop now (current descriptor not completed) -> HALTED, ERR_ABORT
`define NDMA_CMD_RESET                   4'h6  // after outstanding transfers drain: errors, counts, status cleared, IDLE
`define NDMA_ST_ACTIVE                   3'h0  // state: descriptors to process
`define NDMA_ST_IDLE                     3'h1  // state: completed count == DMACOUNT (or never started)
`define NDMA_ST_SUSPENDED                3'h2  // state: suspended
`define NDMA_ST_HALTED                   3'h3  // state: halted by an error or ABORT
`define NDMA_ST_MASK                     3'h7  // status word: state bits; the rest is the descriptor address
`define NDMA_ERR_DESC_ADDR               8'h1  // error: descriptor address misaligned or outside memory
`define NDMA_ERR_SRC_ADDR                8'h2  // error: source range outside memory
`define NDMA_ERR_DST_ADDR                8'h4  // error: destination range outside memory
`define NDMA_ERR_LEN_ZERO                8'h8  // error: zero length without NDMA_DC_NULL
`define NDMA_ERR_LEN_CAP                 8'h10  // error: length above XFERCAP
`define NDMA_ERR_CMPL_ADDR               8'h20  // error: completion address misaligned or outside memory
`define NDMA_ERR_ABORT                   8'h40  // error: aborted by NDMA_CMD_ABORT
`define NDMA_ERR_CMD                     8'h80  // error: command not allowed in this state
`define NDMA_DESC_BYTES                  8'h40  // descriptor size (64-byte aligned)
`define NDMA_D_SIZE                      8'h0  // descriptor u32: bytes to copy
`define NDMA_D_CTL                       8'h4  // descriptor u32: control NDMA_DC_*
`define NDMA_D_SRC                       8'h8  // descriptor u64: source address
`define NDMA_D_DST                       8'h10  // descriptor u64: destination address
`define NDMA_D_NEXT                      8'h18  // descriptor u64: next descriptor address
`define NDMA_D_RSVD1                     8'h20  // descriptor u64: reserved (next source in I/OAT 2.0), written 0
`define NDMA_D_RSVD2                     8'h28  // descriptor u64: reserved (next destination), written 0
`define NDMA_D_USER1                     8'h30  // descriptor u64: software context, not read by the engine
`define NDMA_D_USER2                     8'h38  // descriptor u64: software context, not read by the engine
`define NDMA_DC_INT                      32'h1  // ctl: interrupt on completion
`define NDMA_DC_CMPL_WRITE               32'h8  // ctl: write the status word to CMPLADDR on completion
`define NDMA_DC_FENCE                    32'h10  // ctl: all writes done before the next descriptor is read
`define NDMA_DC_NULL                     32'h20  // ctl: null transfer (no data; size ignored)
`endif
