/* The nicsim NIC's hardware/software contract: register map, descriptor and completion
 * layouts, status codes and their names. The one place these values are defined: the driver,
 * the model, the fake NIC of the driver tests and the RTL testbenches include this header, and
 * the RTL includes `nic_hw.vh`, generated from it (`nicsim-gen-hw-vh`; the CTest check
 * `hw_contract_vh` fails when the two differ). docs/hw-interface.md describes each item.
 *
 * All multi-byte fields in host memory are little-endian; register addresses are byte
 * addresses of 32-bit registers. */
#ifndef NICSIM_NIC_HW_H
#define NICSIM_NIC_HW_H

#include <stdint.h>

/* X(name, value, verilog_bits, comment): one row per constant. verilog_bits is the width of
 * the Verilog literal in nic_hw.vh (0: not needed by the RTL, C only); a negative width -w
 * marks a register address the RTL decodes as a word address: nic_hw.vh then holds
 * NAME_W = value / 4 in w bits. */
#define NIC_HW_CONSTANTS(X)                                                                    \
    /* identification */                                                                       \
    X(NIC_ID_VALUE, 0x4E494353, 32, "value of NIC_REG_ID: \"NICS\"")                           \
    /* global registers (byte addresses) */                                                    \
    X(NIC_REG_ID, 0x000, -10, "RO identification")                                               \
    X(NIC_REG_WIDTH, 0x004, -10, "RO DATA_WIDTH")                                                \
    X(NIC_REG_CTRL, 0x008, -10, "RW control bits NIC_CTRL_*")                                    \
    X(NIC_REG_HASH_TYPES, 0x00C, -10, "RW RSS hash-type enable mask (bit t-1: type t)")          \
    X(NIC_REG_TABLE_MASK, 0x010, -10, "RW indirection table size minus 1")                       \
    X(NIC_REG_NUM_RXQ, 0x01C, -10, "RO RX queues built")                                         \
    X(NIC_REG_NUM_VEC, 0x020, -10, "RO interrupt vectors built")                                 \
    X(NIC_REG_KEY0, 0x040, -10, "RW RSS key: NIC_KEY_WORDS words, byte 4k in bits 31:24")        \
    X(NIC_REG_TABLE0, 0x100, -10, "RW indirection table: entries 4j..4j+3, entry 4j in 6:0")     \
    X(NIC_REG_STAT_RX_FRAMES, 0x200, -10, "RO frames received")                                  \
    X(NIC_REG_STAT_RX_BYTES_LO, 0x204, -10, "RO bytes received, low word")                       \
    X(NIC_REG_STAT_RX_BYTES_HI, 0x208, -10, "RO bytes received, high word")                      \
    X(NIC_REG_STAT_BAD_IP, 0x20C, -10, "RO frames with checksum status bad_ip")                  \
    X(NIC_REG_STAT_BAD_L4, 0x210, -10, "RO frames with checksum status bad_l4")                  \
    X(NIC_REG_STAT_UNVERIFIED, 0x214, -10, "RO frames with checksum status unverified")          \
    X(NIC_REG_STAT_NON_IP, 0x218, -10, "RO non-IP frames")                                       \
    X(NIC_REG_STAT_DROP_NODESC, 0x220, -10, "RO frames dropped: no RX descriptor")               \
    X(NIC_REG_STAT_DROP_CPL_FULL, 0x224, -10, "RO frames dropped: completion ring full")         \
    X(NIC_REG_STAT_TX_FRAMES, 0x228, -10, "RO frames transmitted")                               \
    X(NIC_REG_STAT_IRQS, 0x22C, -10, "RO interrupt messages sent")                               \
    X(NIC_HASH_TYPES_MASK, 0x3F, 0, "NIC_REG_HASH_TYPES bits that exist (types 1..6)")          \
    X(NIC_KEY_WORDS, 10, 0, "RSS key registers (40 bytes)")                                    \
    X(NIC_TABLE_WORDS, 32, 0, "indirection table registers (128 entries of 7 bits)")          \
    /* CTRL bits */                                                                            \
    X(NIC_CTRL_RSS, 0x1, 0, "RSS hashing and queue selection (reset 1)")                       \
    X(NIC_CTRL_CSUM, 0x2, 0, "checksum verification (reset 1)")                                \
    X(NIC_CTRL_RX_DMA, 0x4, 0, "receive DMA enable (reset 0)")                                 \
    X(NIC_CTRL_TX, 0x8, 0, "transmit enable (reset 0)")                                        \
    /* register blocks: address bits 15:12 select the block */                                 \
    X(NIC_BLK_GLOBAL, 0x0, 4, "block of the global registers (address bits 15:12)")           \
    X(NIC_BLK_RXQ, 0x1, 4, "block of the RX queues")                                           \
    X(NIC_BLK_TXQ, 0x2, 4, "block of the TX queue")                                            \
    X(NIC_BLK_VEC, 0x3, 4, "block of the interrupt vectors")                                   \
    X(NIC_REG_RXQ0, 0x1000, 0, "RX queue 0's registers")                                       \
    X(NIC_REG_RXQ_STRIDE, 0x40, 0, "distance between RX queue blocks")                         \
    X(NIC_REG_TXQ, 0x2000, 0, "TX queue's registers")                                          \
    X(NIC_REG_VEC0, 0x3000, 0, "interrupt vector 0's registers")                               \
    X(NIC_REG_VEC_STRIDE, 0x10, 0, "distance between vector blocks")                           \
    /* registers of an RX or TX queue block (byte offsets) */                                  \
    X(NIC_Q_DESC_LO, 0x00, -4, "RW descriptor ring base, low")                                  \
    X(NIC_Q_DESC_HI, 0x04, -4, "RW descriptor ring base, high")                                 \
    X(NIC_Q_DESC_LOG2, 0x08, -4, "RW log2 of descriptor ring entries")                          \
    X(NIC_Q_TAIL, 0x0C, -4, "RW doorbell: descriptor tail (free-running 16-bit)")               \
    X(NIC_Q_HEAD, 0x10, -4, "RO descriptor head (free-running 16-bit)")                         \
    X(NIC_Q_CPL_LO, 0x14, -4, "RW completion ring base, low")                                   \
    X(NIC_Q_CPL_HI, 0x18, -4, "RW completion ring base, high")                                  \
    X(NIC_Q_CPL_LOG2, 0x1C, -4, "RW log2 of completion ring entries")                           \
    X(NIC_Q_CPL_HEAD, 0x20, -4, "RW completion head (driver = consumer)")                       \
    X(NIC_Q_CPL_TAIL, 0x24, -4, "RO completion tail (NIC = producer)")                          \
    X(NIC_Q_VECTOR, 0x28, -4, "RW interrupt vector of the queue")                               \
    X(NIC_Q_ENABLE, 0x2C, -4, "RW enable (bit 0)")                                              \
    X(NIC_Q_DROP_NODESC, 0x30, -4, "RO frames dropped: no descriptor")                          \
    X(NIC_Q_DROP_CPL_FULL, 0x34, -4, "RO frames dropped: completion ring full")                 \
    X(NIC_Q_DONE, 0x38, -4, "RO frames completed (TX: frames sent)")                            \
    X(NIC_Q_BLOCK_BYTES, 0x40, 0, "bytes of one queue block")                                  \
    /* registers of an interrupt vector block (byte offsets) */                                \
    X(NIC_V_MOD_FRAMES, 0x0, -2, "RW moderation: frames threshold")                             \
    X(NIC_V_MOD_TIME, 0x4, -2, "RW moderation: time threshold in ns")                           \
    X(NIC_V_CTRL, 0x8, -2, "W re-arm/enable; reads enable and masked")                          \
    X(NIC_V_SENT, 0xC, -2, "RO messages sent")                                                  \
    X(NIC_VEC_REARM, 0x1, 0, "V_CTRL bit: re-arm (unmask)")                                    \
    X(NIC_VEC_ENABLE, 0x2, 0, "V_CTRL bit: enable")                                            \
    X(NIC_VEC_MASKED, 0x4, 0, "V_CTRL read bit: masked")                                       \
    /* descriptors and completions in host memory */                                           \
    X(NIC_DESC_BYTES, 16, 0, "RX and TX descriptor size")                                      \
    X(NIC_RXD_ADDR, 0, 0, "RX descriptor: u64 buffer address")                                 \
    X(NIC_RXD_LEN, 8, 0, "RX descriptor: u32 buffer bytes")                                    \
    X(NIC_TXD_ADDR, 0, 0, "TX descriptor: u64 buffer address")                                 \
    X(NIC_TXD_LEN, 8, 0, "TX descriptor: u16 bytes")                                           \
    X(NIC_TXD_FLAGS, 10, 0, "TX descriptor: u16 flags NIC_TXD_F_*")                            \
    X(NIC_TXD_COOKIE, 12, 0, "TX descriptor: u32 cookie returned in the completion")           \
    X(NIC_TXD_F_EOP, 0x1, 0, "TX descriptor flag: last descriptor of the frame")               \
    X(NIC_CPL_BYTES, 16, 0, "completion entry size")                                           \
    X(NIC_CPL_HASH, 0, 0, "u32 RSS hash (TX: cookie)")                                         \
    X(NIC_CPL_LEN, 4, 0, "u16 frame length")                                                   \
    X(NIC_CPL_HASH_TYPE, 6, 0, "u8 hash type NIC_HT_*")                                        \
    X(NIC_CPL_STATUS, 7, 0, "u8 bits 2:0 checksum, 4:3 l3, 6:5 l4, 7 fragment")                \
    X(NIC_CPL_ST_CSUM_MASK, 0x07, 0, "status: checksum status (bits 2:0)")                        \
    X(NIC_CPL_ST_L3_SHIFT, 3, 0, "status: L3 kind in bits 4:3")                                 \
    X(NIC_CPL_ST_L4_SHIFT, 5, 0, "status: L4 kind in bits 6:5")                                 \
    X(NIC_CPL_ST_KIND_MASK, 0x3, 0, "mask of the L3/L4 kind after its shift")                   \
    X(NIC_CPL_ST_FRAG, 0x80, 0, "status: IP fragment")                                          \
    X(NIC_CPL_FIRST_DESC, 8, 0, "u16 descriptor counter of the frame's first descriptor")      \
    X(NIC_CPL_NDESC, 10, 0, "u8 descriptors used")                                             \
    X(NIC_CPL_QUEUE, 11, 0, "u8 queue")                                                        \
    X(NIC_CPL_TYPE, 14, 0, "u8 NIC_CPL_TYPE_*")                                                \
    X(NIC_CPL_FLAGS, 15, 0, "u8 bit 7 phase")                                                  \
    X(NIC_CPL_PHASE, 0x80, 0, "phase bit in NIC_CPL_FLAGS")                                    \
    X(NIC_CPL_TYPE_RX, 1, 8, "completion of a received frame")                                 \
    X(NIC_CPL_TYPE_TX, 2, 8, "completion of a transmitted frame")                              \
    X(NIC_MAX_FRAME, 65535, 0, "largest frame: the completion length field is 16 bits")       \
    X(NIC_MAX_DESC_PER_FRAME, 255, 0, "the completion's descriptors-used field is 8 bits")    \
    /* checksum status (completion status bits 2:0; receive result m_axis_rxmeta_csum) */      \
    X(NIC_CSUM_NONE, 0, 3, "not an IP frame or not looked at")                                 \
    X(NIC_CSUM_OK, 1, 3, "IP header and TCP/UDP checksum verified good")                       \
    X(NIC_CSUM_BAD_IP, 2, 3, "IPv4 header checksum wrong")                                     \
    X(NIC_CSUM_BAD_L4, 3, 3, "TCP/UDP checksum wrong")                                         \
    X(NIC_CSUM_UNVERIFIED, 4, 3, "could not verify (fragment, other protocol, offload off)")   \
    X(NIC_CSUM_COUNT, 5, 0, "number of checksum status codes")                                 \
    /* L3 and L4 kinds (completion status bits 4:3 and 6:5) */                                \
    X(NIC_L3_OTHER, 0, 2, "not IP")                                                            \
    X(NIC_L3_IPV4, 1, 2, "IPv4")                                                               \
    X(NIC_L3_IPV6, 2, 2, "IPv6")                                                               \
    X(NIC_L4_NONE, 0, 2, "no L4 header parsed")                                                \
    X(NIC_L4_TCP, 1, 2, "TCP")                                                                 \
    X(NIC_L4_UDP, 2, 2, "UDP")                                                                 \
    X(NIC_L4_OTHER, 3, 2, "other protocol or a fragment")                                      \
    /* RSS hash types (completion byte 6; NIC_REG_HASH_TYPES bit t-1 enables type t) */       \
    X(NIC_HT_NONE, 0, 3, "no hash")                                                            \
    X(NIC_HT_IPV4, 1, 3, "IPv4 addresses")                                                     \
    X(NIC_HT_TCP_IPV4, 2, 3, "IPv4 addresses and TCP ports")                                   \
    X(NIC_HT_UDP_IPV4, 3, 3, "IPv4 addresses and UDP ports")                                   \
    X(NIC_HT_IPV6, 4, 3, "IPv6 addresses")                                                     \
    X(NIC_HT_TCP_IPV6, 5, 3, "IPv6 addresses and TCP ports")                                   \
    X(NIC_HT_UDP_IPV6, 6, 3, "IPv6 addresses and UDP ports")                                   \
    X(NIC_HT_COUNT, 7, 0, "number of hash type codes")                                         \
    /* frame fate (receive result m_axis_rxmeta_drop, 3 bits; 5 and 6 are the model's own) */  \
    X(NIC_FATE_DELIVERED, 0, 3, "delivered to the host")                                       \
    X(NIC_FATE_NO_DESC, 1, 3, "dropped: no descriptor")                                        \
    X(NIC_FATE_CPL_FULL, 2, 3, "dropped: completion ring full")                                \
    X(NIC_FATE_PLACED, 3, 3, "TOE: payload placed in a posted buffer")                         \
    X(NIC_FATE_CONSUMED, 4, 3, "TOE: absorbed by the NIC (pure ACK, duplicate)")               \
    X(NIC_FATE_FIFO_OVERFLOW, 5, 0, "dropped before the NIC: MAC receive FIFO full (model)")   \
    X(NIC_FATE_PENDING, 6, 0, "completed, never processed by a DPC (model)")                   \
    X(NIC_FATE_LINK_DOWN, 7, 0, "lost on the link: it was down (model, [events] link down)")   \
    X(NIC_FATE_COUNT, 8, 0, "number of frame fates")                                           \
    /* TCP offload engine (Chimney): register block 0x4000 (docs/toe.md) */                    \
    X(NIC_BLK_TOE, 0x4, 4, "block of the TCP offload engine")                                  \
    X(NIC_TOE_CTRL, 0x4000, -14, "RW bit 0: engine enabled (reset 0)")                           \
    X(NIC_TOE_SLOTS, 0x4004, -14, "RO connection slots built")                                   \
    X(NIC_TOE_USED, 0x4008, -14, "RO slots in use")                                              \
    X(NIC_TOE_CMD, 0x400C, -14, "W command: bits 3:0 op, 8:4 completion queue, 31:16 slot")      \
    X(NIC_TOE_CMD_COOKIE, 0x4010, -14, "RW cookie returned in the command's completion")          \
    X(NIC_TOE_CMD_PENDING, 0x4014, -14, "RO commands accepted and not yet completed")             \
    X(NIC_TOE_DELACK_NS, 0x4018, -14, "RW delayed-ACK timer in ns (reset 200000000)")             \
    X(NIC_TOE_PUSH_NS, 0x401C, -14, "RW push timer in ns, 0: off (reset 0)")                     \
    X(NIC_TOE_STAT_PLACED_LO, 0x4020, -14, "RO payload bytes placed, low word")                  \
    X(NIC_TOE_STAT_PLACED_HI, 0x4024, -14, "RO payload bytes placed, high word")                 \
    X(NIC_TOE_STAT_IND_LO, 0x4028, -14, "RO payload bytes indicated, low word")                  \
    X(NIC_TOE_STAT_IND_HI, 0x402C, -14, "RO payload bytes indicated, high word")                 \
    X(NIC_TOE_STAT_ACKS, 0x4030, -14, "RO ACK frames generated")                                 \
    X(NIC_TOE_STAT_EXC, 0x4034, -14, "RO exception frames sent to the host")                     \
    X(NIC_TOE_STAT_CONSUMED, 0x4038, -14, "RO frames absorbed (pure ACKs, duplicates)")          \
    X(NIC_TOE_STAT_SEGS, 0x403C, -14, "RO segments of offloaded connections")                    \
    X(NIC_TOE_ARG0, 0x4040, -14, "RW command argument words 0..47 (4 bytes apart)")              \
    X(NIC_TOE_ARGS, 48, 0, "command argument words")                                           \
    X(NIC_TOE_CMDQ_DEPTH, 8, 0, "commands the NIC holds (more are refused with NIC_TOE_R_BUSY)") \
    X(NIC_TOE_RESULT_BYTES, 192, 0, "result block: ARG0..ARG47 image, u32 little-endian")      \
    X(NIC_TOE_OP_OFFLOAD, 1, 4, "initiate offload: key and state from ARG0..ARG22")           \
    X(NIC_TOE_OP_UPLOAD, 2, 4, "terminate offload: state to the result block, slot freed")    \
    X(NIC_TOE_OP_POST, 3, 4, "post a receive buffer: ARG0/1 address, ARG2 bytes")             \
    X(NIC_TOE_OP_UPDATE, 4, 4, "update cached state: ARG14, ARG20")             \
    X(NIC_TOE_OP_QUERY, 5, 4, "state to the result block, slot kept")                         \
    X(NIC_TOE_R_OK, 0, 8, "command done")                                                      \
    X(NIC_TOE_R_RESOURCES, 1, 8, "offload refused: no slot or no room in the table")          \
    X(NIC_TOE_R_EXISTS, 2, 8, "offload refused: the 4-tuple is already offloaded")            \
    X(NIC_TOE_R_NO_CONN, 3, 8, "no connection in this slot")                                   \
    X(NIC_TOE_R_RING_FULL, 4, 8, "buffer post refused: NIC_TOE_BUFS buffers already posted")  \
    X(NIC_TOE_R_DISABLED, 5, 8, "engine disabled (NIC_TOE_CTRL bit 0 clear)")                  \
    X(NIC_TOE_R_BAD, 6, 8, "unknown op or bad argument")                                       \
    X(NIC_TOE_R_BUSY, 7, 8, "command refused: NIC_TOE_CMDQ_DEPTH commands pending")            \
    X(NIC_TOE_BUFS, 4, 0, "receive buffers a connection can have posted")                      \
    X(NIC_TOE_OOO, 4, 0, "out-of-order intervals tracked per connection")                      \
    X(NIC_TOE_F_V6, 0x1, 0, "ARG0 flag: IPv6")                                                 \
    X(NIC_TOE_F_TS, 0x2, 0, "ARG0 flag: TCP timestamps in use")                                \
    X(NIC_TOE_F_VLAN, 0x4, 0, "ARG0 flag: 802.1Q tag on sent frames")                          \
    X(NIC_TOE_F_PUSH, 0x1000000, 0, "ARG0 flag (bit 24): complete a buffer on PSH")            \
    X(NIC_CPL_TYPE_TOE_BUF, 3, 8, "TOE event: a posted buffer is complete")                    \
    X(NIC_CPL_TYPE_TOE_UPREQ, 4, 8, "TOE event: the NIC asks the host to upload")              \
    X(NIC_CPL_TYPE_TOE_CMD, 5, 8, "TOE event: a command completed")                            \
    X(NIC_CPL_SLOT, 12, 0, "u16 TOE slot (RX completion with a NIC_CPL_F_TOE_* flag; events)") \
    X(NIC_CPL_F_TOE_DATA, 0x01, 0, "flag: indicated data the NIC accepted (rcv state advanced)") \
    X(NIC_CPL_F_TOE_EXC, 0x02, 0, "flag: exception frame of an offloaded connection")          \
    X(NIC_CPL_F_REASON_SHIFT, 2, 0, "flags bits 4:2: exception reason NIC_TOE_UP_*")            \
    X(NIC_CPL_F_PUSH, 0x01, 0, "TOE_BUF event flag: completed early by PSH or the push timer")  \
    X(NIC_TOE_UP_PENDING, 0, 3, "exception: upload already requested")                         \
    X(NIC_TOE_UP_FIN, 1, 3, "upload reason: FIN received")                                     \
    X(NIC_TOE_UP_RST, 2, 3, "upload reason: RST received")                                     \
    X(NIC_TOE_UP_URG, 3, 3, "upload reason: urgent data")                                      \
    X(NIC_TOE_UP_SYN, 4, 3, "upload reason: SYN on an offloaded connection")                   \
    X(NIC_TOE_UP_OOO, 5, 3, "upload reason: HighOutofOrderPackets")                            \
    X(NIC_TOE_UP_OTHER, 6, 3, "upload reason: other exception (options, length)")              \
    X(NIC_TOE_UP_COUNT, 7, 0, "number of upload reason codes")                                \
    /* ---- NetDMA copy engine (rtl/netdma_top.v, a separate device in the chipset: its own  \
       register port, DMA port on host memory, interrupts; docs/hw-interface.md "NetDMA") */  \
    X(NDMA_ID_VALUE, 0x4E444D41, 32, "value of NDMA_REG_ID: \"NDMA\"")                         \
    X(NDMA_REG_ID, 0x000, -10, "RO identification")                                           \
    X(NDMA_REG_CHANCNT, 0x004, -10, "RO channels built (parameter CHANNELS)")                  \
    X(NDMA_REG_XFERCAP, 0x008, -10, "RO most bytes one descriptor may move (parameter)")       \
    X(NDMA_REG_INTRCTRL, 0x00C, -10, "RW bit 0: master interrupt enable (reset 0)")           \
    X(NDMA_REG_INTRDELAY_NS, 0x010, -10, "RW interrupt coalescing delay in ns, 0: at once")    \
    X(NDMA_REG_ATTN, 0x014, -10, "RO channels with an interrupt pending or raised (bit c)")    \
    X(NDMA_REG_MEMBASE_LO, 0x018, -10, "RW lowest valid host address, low word")              \
    X(NDMA_REG_MEMBASE_HI, 0x01C, -10, "RW lowest valid host address, high word")             \
    X(NDMA_REG_MEMLIMIT_LO, 0x020, -10, "RW first address above host memory, low word")       \
    X(NDMA_REG_MEMLIMIT_HI, 0x024, -10, "RW first address above host memory, high word")      \
    X(NDMA_REG_CH0, 0x100, -10, "first channel block")                                        \
    X(NDMA_REG_CH_STRIDE, 0x080, 12, "bytes between channel blocks")                            \
    X(NDMA_CH_CTRL, 0x00, -5, "RW bit 0: channel interrupt enable; bits 15:8 MSI vector")      \
    X(NDMA_CH_DMACOUNT, 0x04, -5, "RW 16-bit count of descriptors appended since START (v2)")  \
    X(NDMA_CH_CHAINADDR_LO, 0x08, -5, "RW address of the first descriptor, low word")          \
    X(NDMA_CH_CHAINADDR_HI, 0x0C, -5, "RW address of the first descriptor, high word")         \
    X(NDMA_CH_CMD, 0x10, -5, "W command NDMA_CMD_*")                                           \
    X(NDMA_CH_STATUS_LO, 0x14, -5, "RO last completed descriptor address (bits 31:6), state NDMA_ST_* (bits 2:0)")   \
    X(NDMA_CH_STATUS_HI, 0x18, -5, "RO last completed descriptor address, high word")          \
    X(NDMA_CH_COMPLETED, 0x1C, -5, "RO 16-bit count of descriptors completed since START")      \
    X(NDMA_CH_CMPLADDR_LO, 0x20, -5, "RW completion status write-back address, low word")     \
    X(NDMA_CH_CMPLADDR_HI, 0x24, -5, "RW completion status write-back address, high word")    \
    X(NDMA_CH_ERR, 0x28, -5, "RO/W1C error bits NDMA_ERR_* (any set: channel halted)")         \
    X(NDMA_CH_ERRADDR_LO, 0x2C, -5, "RO descriptor address of the first error, low word")      \
    X(NDMA_CH_ERRADDR_HI, 0x30, -5, "RO descriptor address of the first error, high word")     \
    X(NDMA_CMD_START, 1, 4, "load CHAINADDR, counts to 0, state ACTIVE")                       \
    X(NDMA_CMD_APPEND, 2, 4, "DMACOUNT += 1 (one more descriptor; v1-style doorbell)")        \
    X(NDMA_CMD_SUSPEND, 3, 4, "finish the current descriptor, then SUSPENDED")                \
    X(NDMA_CMD_RESUME, 4, 4, "SUSPENDED -> ACTIVE")                                           \
    X(NDMA_CMD_ABORT, 5, 4, "stop now (current descriptor not completed) -> HALTED, ERR_ABORT") \
    X(NDMA_CMD_RESET, 6, 4, "after outstanding transfers drain: errors, counts, status cleared, IDLE") \
    X(NDMA_ST_ACTIVE, 0, 3, "state: descriptors to process")                                  \
    X(NDMA_ST_IDLE, 1, 3, "state: completed count == DMACOUNT (or never started)")            \
    X(NDMA_ST_SUSPENDED, 2, 3, "state: suspended")                                            \
    X(NDMA_ST_HALTED, 3, 3, "state: halted by an error or ABORT")                             \
    X(NDMA_ST_MASK, 0x7, 3, "status word: state bits; the rest is the descriptor address")    \
    X(NDMA_ERR_DESC_ADDR, 0x01, 8, "error: descriptor address misaligned or outside memory")  \
    X(NDMA_ERR_SRC_ADDR, 0x02, 8, "error: source range outside memory")                      \
    X(NDMA_ERR_DST_ADDR, 0x04, 8, "error: destination range outside memory")                 \
    X(NDMA_ERR_LEN_ZERO, 0x08, 8, "error: zero length without NDMA_DC_NULL")                 \
    X(NDMA_ERR_LEN_CAP, 0x10, 8, "error: length above XFERCAP")                              \
    X(NDMA_ERR_CMPL_ADDR, 0x20, 8, "error: completion address misaligned or outside memory")  \
    X(NDMA_ERR_ABORT, 0x40, 8, "error: aborted by NDMA_CMD_ABORT")                           \
    X(NDMA_ERR_CMD, 0x80, 8, "error: command not allowed in this state")                     \
    X(NDMA_DESC_BYTES, 64, 8, "descriptor size (64-byte aligned)")                             \
    X(NDMA_D_SIZE, 0, 8, "descriptor u32: bytes to copy")                                      \
    X(NDMA_D_CTL, 4, 8, "descriptor u32: control NDMA_DC_*")                                    \
    X(NDMA_D_SRC, 8, 8, "descriptor u64: source address")                                      \
    X(NDMA_D_DST, 16, 8, "descriptor u64: destination address")                                \
    X(NDMA_D_NEXT, 24, 8, "descriptor u64: next descriptor address")                           \
    X(NDMA_D_RSVD1, 32, 8, "descriptor u64: reserved (next source in I/OAT 2.0), written 0")  \
    X(NDMA_D_RSVD2, 40, 8, "descriptor u64: reserved (next destination), written 0")          \
    X(NDMA_D_USER1, 48, 8, "descriptor u64: software context, not read by the engine")        \
    X(NDMA_D_USER2, 56, 8, "descriptor u64: software context, not read by the engine")        \
    X(NDMA_DC_INT, 0x01, 32, "ctl: interrupt on completion")                                     \
    X(NDMA_DC_CMPL_WRITE, 0x08, 32, "ctl: write the status word to CMPLADDR on completion")     \
    X(NDMA_DC_FENCE, 0x10, 32, "ctl: all writes done before the next descriptor is read")        \
    X(NDMA_DC_NULL, 0x20, 32, "ctl: null transfer (no data; size ignored)")                     \
    X(NDMA_CMPL_BYTES, 8, 0, "status write-back: u64, same word as STATUS_HI:STATUS_LO")

#define NIC_HW_ENUM_(name, value, bits, comment) name = (value),
enum nic_hw_constant { NIC_HW_CONSTANTS(NIC_HW_ENUM_) };
#undef NIC_HW_ENUM_

#ifdef __cplusplus
extern "C" {
#endif

/* Names (report keys and packet-log words); NULL for a code out of range. */
const char *nic_csum_name(int csum);      /* "none", "ok", "bad_ip", "bad_l4", "unverified" */
const char *nic_fate_name(int fate);      /* "host", "drop:no_descriptor", ... (packet log) */
const char *nic_fate_drop_key(int fate);  /* "no_descriptor", ... (report drop counters); NULL for delivered/pending */
const char *nic_l3_name(int l3);          /* "other", "ipv4", "ipv6" */
const char *nic_l4_name(int l4);          /* "none", "tcp", "udp", "other" */
const char *nic_cpl_type_name(int type);  /* "rx", "tx", "toe_buf", "toe_upreq" */
const char *nic_toe_up_name(int reason);  /* NIC_TOE_UP_*: "pending", "fin", ... */

/* Register address of a queue or vector block's register. */
static inline unsigned nic_reg_rxq(int q, unsigned off) { return NIC_REG_RXQ0 + NIC_REG_RXQ_STRIDE * (unsigned)q + off; }
static inline unsigned nic_reg_txq(unsigned off) { return NIC_REG_TXQ + off; }
static inline unsigned nic_reg_vec(int v, unsigned off) { return NIC_REG_VEC0 + NIC_REG_VEC_STRIDE * (unsigned)v + off; }
static inline unsigned ndma_reg_ch(int c, unsigned off) { return NDMA_REG_CH0 + NDMA_REG_CH_STRIDE * (unsigned)c + off; }
static inline unsigned nic_reg_toe_arg(int k) { return NIC_TOE_ARG0 + 4u * (unsigned)k; }

/* The state of an offloaded connection as TOE commands carry it (docs/toe.md, "Commands"):
 * what OFFLOAD takes (constant, cached and delegated state) and what UPLOAD/QUERY return in the
 * result block (the same words plus the out-only ones). IP addresses and MACs in network order
 * (an IPv4 address in the first 4 bytes); everything else in host order. */
typedef struct nic_toe_state {
    /* constant */
    uint8_t v6, ts_ok, vlan, push_mode;
    uint8_t snd_wscale, rcv_wscale; /* 0..14: the peer's shift, ours */
    uint8_t queue;                  /* RX queue of the connection (0..31) */
    uint8_t remote_addr[16], local_addr[16];
    uint16_t remote_port, local_port;
    uint8_t remote_mac[6], local_mac[6];
    uint16_t vlan_tci;
    uint8_t ttl, tos;
    /* cached */
    uint16_t mss;
    uint8_t ack_freq;
    uint32_t rcv_wnd;
    /* delegated */
    uint32_t rcv_nxt, snd_una, snd_nxt, snd_max, snd_wnd, ts_recent, ts_offset;
    /* UPLOAD/QUERY only (out) */
    uint8_t nbufs;                   /* buffers still posted, from the head */
    uint8_t ivl_valid;               /* bit i: interval i valid; bit 4: the overflow interval */
    uint8_t unacked;                 /* full-size segments not yet acknowledged */
    uint32_t ivl_start[5], ivl_end[5];
    uint32_t buf_start[4], buf_len[4];
    uint32_t bytes_placed, bytes_indicated, acks_sent, ooo_segs; /* 32 bits, wrap */
    uint32_t segs, dup_segs;         /* data segments the NIC committed; those with no new byte */
} nic_toe_state;

/* ARG0..ARG22 of an OFFLOAD from st (args[23..47] zeroed); and st from a result block's 48
 * words (ARG0..ARG47, as the NIC writes them). */
void nic_toe_state_to_args(const nic_toe_state *st, uint32_t args[NIC_TOE_ARGS]);
void nic_toe_state_from_args(nic_toe_state *st, const uint32_t args[NIC_TOE_ARGS]);
/* The NIC_TOE_CMD word. */
static inline uint32_t nic_toe_cmd(unsigned op, unsigned queue, unsigned slot)
{
    return (op & 0xFu) | ((queue & 0x1Fu) << 4) | ((slot & 0xFFFFu) << 16);
}

/* Phase bit the NIC writes in the completion entry at counter c of a ring of 2^log2 entries. */
static inline unsigned nic_cpl_phase(unsigned c, unsigned log2) { return ((c >> log2) & 1u) ^ 1u; }

#ifdef __cplusplus
}
#endif
#endif
