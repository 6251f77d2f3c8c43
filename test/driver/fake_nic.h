/* A C model of the nicsim NIC's software-visible behaviour (docs/hw-interface.md), to test
 * the driver without the RTL: the CSR file, RX queues (descriptor consumption, data and
 * completion writes with the phase bit, drops), the TX queue (descriptor fetch, frame
 * output, completions), interrupt vectors (events, moderation by frames and time, auto-mask,
 * re-arm), the statistics registers, and (fake_nic_toe_init) a behavioural TCP offload
 * engine: its register block, commands, result blocks and events.
 *
 * It is deliberately written from the contract and not from the driver: register addresses
 * and entry layouts are spelled out here again, so a misreading on one side shows up as a
 * failing test instead of agreeing with itself.
 *
 * Time does not pass by itself: the test sets it (fake_nic_set_time). Frames arrive when the
 * test calls fake_nic_rx; transmit descriptors are consumed when it calls fake_nic_tx_run.
 * Interrupt messages queue up and are taken with fake_nic_next_irq.
 *
 * Besides the registers it checks the driver's side of the contract (doorbell beyond the
 * ring, completion head beyond the tail, descriptors outside host memory, writes to
 * read-only or unknown registers, …) and counts each violation in fake_nic_errors. */
#ifndef NICSIM_FAKE_NIC_H
#define NICSIM_FAKE_NIC_H
#include "drv.h"

#include <stddef.h>
#include <stdint.h>

typedef struct fake_nic fake_nic;

/* Per-frame results the RTL receive pipeline would attach to a frame. */
typedef struct fake_rx_meta {
    uint32_t hash;
    uint8_t hash_type; /* 0 none: the frame goes to queue 0 */
    uint8_t csum;      /* 0..4 */
    uint8_t l3, l4, frag;
} fake_rx_meta;

/* fake_nic_rx results below 0: why the frame was dropped. */
enum {
    FAKE_DROP_NO_DESC = -1,  /* queue disabled, RX DMA off, or not enough descriptors */
    FAKE_DROP_CPL_FULL = -2, /* completion ring full */
    FAKE_DROP_BAD = -3,      /* the fake could not do it (e.g. descriptor outside memory) */
};

typedef struct fake_csr_write {
    uint32_t addr, val;
} fake_csr_write;

/* A NIC with num_rxq RX queues (vectors 0..num_rxq) serving DMA into [mem, mem+size), which
 * the bus sees at dma_base. */
fake_nic *fake_nic_new(int num_rxq, uint8_t *mem, uint64_t dma_base, uint64_t size);
void fake_nic_free(fake_nic *f);
/* Register access for the driver. */
drv_hw_ops fake_nic_hw_ops(fake_nic *f);
/* Overrides the value of a read-only identification register (ID, NUM_RXQ) for tests of
 * bad devices. */
void fake_nic_poke(fake_nic *f, uint32_t addr, uint32_t val);

/* A register's current value as the driver would read it, without counting a read. */
uint32_t fake_nic_reg(const fake_nic *f, uint32_t addr);
/* Writes the driver made, in order (the log keeps the first 65536). */
size_t fake_nic_write_count(const fake_nic *f);
const fake_csr_write *fake_nic_write_log(const fake_nic *f);
/* Writes to addr since the log began. */
size_t fake_nic_writes_to(const fake_nic *f, uint32_t addr);
void fake_nic_clear_log(fake_nic *f);
uint64_t fake_nic_read_count(const fake_nic *f);

/* Contract violations seen, and the first one's description ("" if none). */
unsigned fake_nic_errors(const fake_nic *f);
const char *fake_nic_first_error(const fake_nic *f);

/* One received frame: routed as the NIC would (CTRL RSS bit, hash type, table and mask read
 * from the registers), written into the queue's posted buffers, completed. Returns the queue
 * or a FAKE_DROP_* code. */
int fake_nic_rx(fake_nic *f, const uint8_t *data, uint32_t len, const fake_rx_meta *m);
/* The same on a given queue, bypassing RSS. */
int fake_nic_rx_queue(fake_nic *f, int q, const uint8_t *data, uint32_t len,
                      const fake_rx_meta *m);
/* Writes a raw 16-byte completion entry (the fake sets its phase bit) on RX queue q (or the
 * TX queue with q = -1) as if the NIC had completed something, without touching descriptors;
 * the vector counts an event. Returns 0, or -1 if the completion ring is full. */
int fake_nic_inject_completion(fake_nic *f, int q, const uint8_t entry[16]);
/* The next RX completion entry the fake writes gets entry[byte] = value (byte 0..14): a
 * frame whose descriptors and data are real but whose completion is wrong. */
void fake_nic_corrupt_next_rx(fake_nic *f, int byte, uint8_t value);
/* Descriptors the driver has made available on RX queue q (tail - head). */
uint32_t fake_nic_rx_avail(const fake_nic *f, int q);

/* Consumes up to max_frames frames from the TX ring (all complete frames if max_frames < 0),
 * appends each to the TX output, writes its completion. Stops when the completion ring is
 * full. Returns the frames sent. */
int fake_nic_tx_run(fake_nic *f, int max_frames);
size_t fake_nic_tx_count(const fake_nic *f);
const uint8_t *fake_nic_tx_frame(const fake_nic *f, size_t i, uint32_t *len);

/* Moves time forward (never back) and lets moderation timers fire. */
void fake_nic_set_time(fake_nic *f, uint64_t now_ns);
/* The oldest interrupt message not yet taken, or -1. */
int fake_nic_next_irq(fake_nic *f);
int fake_nic_irq_pending(const fake_nic *f);
int fake_nic_vector_masked(const fake_nic *f, int v);
uint32_t fake_nic_vector_events(const fake_nic *f, int v);

/* ---- TCP offload engine (docs/toe.md "Commands", "Events"). Without fake_nic_toe_init the
 * NIC has no engine: NIC_TOE_SLOTS reads 0 and the rest of the block does not exist. ---- */
/* Builds the engine with `slots` connection slots (1..4096), registers at reset values. */
void fake_nic_toe_init(fake_nic *f, uint32_t slots);
/* A write to NIC_TOE_CMD latches ARG0..ARG24 and the cookie into the command queue
 * (NIC_TOE_CMDQ_DEPTH entries; a further one is a violation and completes at once with
 * BUSY). This executes up to max_cmds queued commands in order (all if max_cmds < 0): the
 * behavioural engine keeps a slot table (free slots handed out first-in first-out), each
 * slot's state as the 48 argument words UPLOAD returns (OFFLOAD sets ARG0..22 and clears the
 * rest; POST appends a buffer at max(end of the last, rcv_nxt); UPDATE sets ARG14 and ARG20;
 * UPLOAD/QUERY write the words to the result block at ARG23/24; UPLOAD frees the slot), then
 * writes the CMD event to the ring of the command's queue. Stops when that ring is full.
 * Returns the commands executed. */
int fake_nic_toe_run(fake_nic *f, int max_cmds);
unsigned fake_nic_toe_pending(const fake_nic *f);
uint32_t fake_nic_toe_accepted(const fake_nic *f);
/* The 48-word state of a slot in use (the test may change it, as the receive path would);
 * NULL if the slot is free. */
uint32_t *fake_nic_toe_slot_words(fake_nic *f, uint32_t slot);
/* Bus address of a slot's posted buffer i (0..3, from the head). */
uint64_t fake_nic_toe_buf_addr(const fake_nic *f, uint32_t slot, int i);
/* Writes an event entry (BUF, UPREQ, or any type) on RX queue q: word0 bytes 0..3, word1
 * bytes 4..7, slot, flags byte (the fake adds the phase bit). 0, or -1 if the ring is full. */
int fake_nic_toe_event(fake_nic *f, int q, uint8_t type, uint32_t w0, uint32_t w1, uint16_t slot, uint8_t flags);
/* fake_nic_rx_queue for a frame whose completion carries TOE flags (byte 15 bits 6:0) and a
 * slot (bytes 12..13). */
int fake_nic_rx_queue_marked(fake_nic *f, int q, const uint8_t *data, uint32_t len, const fake_rx_meta *m,
                             uint8_t toe_flags, uint16_t slot);

#endif
