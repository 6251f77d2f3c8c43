# nicsim cost profile: 2006 dual-socket Xeon 5100 ("Woodcrest", Core microarchitecture,
# 2.66 GHz, 4 MB shared L2) on the Bensley platform (5000P, FB-DIMM 667, 1333 MT/s FSB),
# Windows Server 2003 SP2 + SNP: the SNP's launch target and nicsim's default.
# Cycles per occurrence; keys ending in _byte are cycles per byte.
# Sources and reasoning for every value: docs/cost-model.md ("assumption": no published
# figure; the recipe and what checks it are given there)
name = xeon-2006
cpu_mhz        = 2666   # Xeon 5150: 2.66 GHz, 1333 MT/s FSB (Intel Xeon 5100 series)
# driver (the miniport's op costs)
isr            = 1500   # interrupt delivery, entry/exit, APIC EOI, ISR body (~560 ns); assumption
dpc            = 1200   # DPC queue + dispatch + loop overhead per run (~450 ns); assumption
rx_completion  = 700    # completion read (1 DRAM miss ~110 ns FB-DIMM) + NDIS packet setup; assumption
rx_repost      = 300    # descriptor write + buffer bookkeeping; assumption
tx_frame       = 700    # NDIS send path + descriptor writes for one frame; assumption
tx_completion  = 400    # send-complete + descriptor reclaim; assumption
doorbell       = 250    # posted uncached MMIO write (~95 ns) ; assumption
csr_read       = 1600   # non-posted MMIO read, a PCIe round trip ~600 ns (pcie-bench 520-560 ns DMA reads)
copy_byte      = 0.6    # driver bounce copy, small cache-warm source: as copy_warm_byte
# stack, per packet / event
ip_rx          = 1000   # NDIS indicate + IP receive incl. first touch of the cold header (~300 cycles miss); assumption
tcp_rx         = 2000   # tcpip.sys segment processing ~1000 instr at CPI ~2 (receive is memory-bound: Makineni & Iyer HPCA'04)
udp_rx         = 1200   # UDP demux + socket indication; assumption (between ip_rx and tcp_rx)
hash_sw        = 300    # software Toeplitz of the 12-byte tuple, table-less (~148 cycles measured modern, slower 2006 core)
lookup         = 400    # TCB hash lookup incl. one cache miss on the TCB; assumption
conn_create    = 5000   # TCB allocation + init + socket/AFD setup; assumption
reasm_seg      = 600    # queue one segment out of order (list walk, hold the packet); assumption
ack_build      = 1500   # build a pure ACK (headers, checksum) + TCP send path; driver cost is extra
timer          = 300    # one delayed-ACK / drain timer expiry; assumption
checksum_pkt   = 100    # setup of one software checksum pass; assumption
# per byte
checksum_byte  = 0.9    # cold DRAM read stream over the FSB, ~3 GB/s per core at 2.66 GHz + add
copy_cold_byte = 1.3    # both sides cold: read + RFO + write-back = 3x traffic; ~6 GB/s per socket / 3 = 2 GB/s copied
copy_warm_byte = 0.6    # source in L2 after the checksum; destination write-allocate still misses
app_byte       = 0      # application work is workload-specific: set it in the scenario
# application events
app_recv       = 4000   # receive completion to the app: IRP completion, wake, return to user mode; assumption
buffer_post    = 2000   # app posts one receive (WSARecv: syscall, IRP, probe+lock of the pages); assumption
# TCP Chimney (docs/cost-model.md, "TCP Chimney costs")
toe_offload    = 20000  # initiate offload: state snapshot, NDIS chimney offload path, 23 posted argument writes; assumption
toe_upload     = 20000  # terminate offload: completion, merge of the returned state and buffers back into the TCB; assumption
toe_post       = 1000   # hand one posted receive to the NIC: 4 posted MMIO writes + bookkeeping; assumption
toe_buf        = 1500   # one buffer completed by the NIC: event decode + IRP completion bookkeeping (no copy); assumption
toe_indicate   = 1200   # one indicated frame: deliver by sequence number, no TCP processing; ip_rx-like; assumption
toe_exception  = 600    # hold one exception frame until the upload (queue it, like reasm_seg); assumption
# NetDMA (docs/cost-model.md, "NetDMA costs")
dma_desc       = 150    # write one 64-byte descriptor into the channel ring (a cached write-back line); assumption
dma_poll       = 250    # read the channel's completion word, written by the engine: one cache miss to DRAM (~95 ns); assumption
dma_completion = 300    # retire one completed copy: ring bookkeeping + hand it back to TCP; assumption
app_cold_byte  = 0.43   # the application's first read of engine-written data: a DRAM read stream, 1x traffic of copy_cold_byte's 3x (1.3 / 3)
