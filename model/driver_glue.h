// The environment the C driver and host stack run in: register access (direct before the run,
// posted by the calling CPU during it), frames handed up from the driver to the stack (and to
// the host capture), frames the stack sends, and the pricing of driver operations.
#ifndef NICSIM_DRIVER_GLUE_H
#define NICSIM_DRIVER_GLUE_H

#include "nic.h"
#include "platform.h"

struct DriverGlue {
    Platform *pf;
    NicBase *nic;
    Engine *eng = nullptr;        // the NetDMA copy engine (nullptr: none)
    drv_hw_ops hw_ops();          // register access for drv_open
    drv_callbacks callbacks();    // frames handed up, costs
    drv_hw_ops nd_hw_ops();       // the copy engine's registers, for nd_open
    nd_callbacks nd_cbs();        // copies completed, costs
};

// The stack's transmit function (hs_tx_fn): sends through the driver's TX ring; user = Platform.
uint64_t glue_tx(void *user, int cpu, const uint8_t *frame, uint32_t len);
// The stack's offload target (TCP Chimney) through the driver's TOE commands; user = Platform.
hs_toe_if glue_toe_if(Platform &pf);
// The stack's NetDMA engine through the provider; user = Platform.
hs_netdma_if glue_netdma_if(Platform &pf, int channels);
// hs_config.app_consumed (application latency); user = Platform.
void glue_app_consumed(void *user, uint64_t conn, uint32_t incarnation, uint32_t seq, int cpu);

#endif
