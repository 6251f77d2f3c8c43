// The frames of the capture with their wire arrival times (capture reader + pacing + host
// filter, model/replay.h), offered to the NIC through a SystemC interface.
#ifndef NICSIM_TRACE_SOURCE_H
#define NICSIM_TRACE_SOURCE_H

#include <systemc>

#include <cstdint>
#include <vector>

extern "C" {
#include "replay.h"
}

class FrameSourceIf : virtual public sc_core::sc_interface {
  public:
    virtual bool peek(const rp_frame **f) = 0;  // false at the end of the trace or on error
    virtual void pop() = 0;
};

class TraceSource : public sc_core::sc_module, public FrameSourceIf {
  public:
    TraceSource(sc_core::sc_module_name name, rp_replay *rp) : sc_module(name), rp_(rp) {}
    bool peek(const rp_frame **f) override
    {
        if (!have_ && !done_) {
            int rc = rp_next(rp_, &cur_, err_, sizeof err_);
            if (rc > 0) {
                have_ = true;
                buf_.assign(cur_.f.data, cur_.f.data + cur_.f.len);  // the reader reuses its buffer
                cur_.f.data = buf_.data();
            } else {
                done_ = true;
                failed_ = rc < 0;
            }
        }
        *f = have_ ? &cur_ : nullptr;
        return have_;
    }
    void pop() override { have_ = false; }
    bool failed() const { return failed_; }
    const char *error() const { return err_; }

  private:
    rp_replay *rp_;
    rp_frame cur_{};
    std::vector<uint8_t> buf_;
    bool have_ = false, done_ = false, failed_ = false;
    char err_[512] = {0};
};

#endif
