// Sanitizer builds only: two SystemC simulations in one process, each in a fresh
// sc_simcontext (as nicsim runs a scenario and then its software baseline). The first leaves a
// thread blocked in wait() inside an instrumented frame full of ASan redzones; its coroutine
// stack is unmapped with that poison still in the shadow memory. The second simulation's
// thread stack is mapped, typically at the same address, and checked from a frame that is not
// instrumented (like libsystemc's or libstdc++'s): its memory must not be poisoned.
// model/asan_stacks.c is what makes that true. With NICSIM_ASAN_STACKS_KEEP=1 the stale
// poison is left in place and the memset below is reported as a stack-buffer-overflow whose
// description aborts in "CHECK failed: asan_thread.cpp:371 ((ptr[0] ==
// kCurrentStackFrameMagic)) != (0)": the abort seen on 512-bit captures with the baseline.
#include <sanitizer/asan_interface.h>
#include <systemc>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int g_stale = -1;  // second simulation: 1 if its stack carried poison, 0 if not

// Instrumented, with arrays between redzones; never returns (the thread waits forever).
void __attribute__((noinline)) deep_wait()
{
    char a[200], b[300], c[500], d[1000], e[2000];
    __asm__ volatile("" : : "r"(a), "r"(b), "r"(c), "r"(d), "r"(e) : "memory");
    for (;;)
        sc_core::wait(1, sc_core::SC_NS);
}

// Not instrumented: a plain frame, as in a library built without ASan.
__attribute__((noinline, no_sanitize("address"))) void plain_frame()
{
    char buf[16384];
    __asm__ volatile("" : : "r"(buf) : "memory");
    g_stale = __asan_region_is_poisoned(buf, sizeof buf) != nullptr;
    if (g_stale && std::getenv("NICSIM_ASAN_STACKS_KEEP"))
        std::memset(buf, 0, sizeof buf);  // the false positive: stack-buffer-overflow
}

struct First : sc_core::sc_module {
    SC_HAS_PROCESS(First);
    explicit First(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run() { deep_wait(); }
};

struct Second : sc_core::sc_module {
    SC_HAS_PROCESS(Second);
    explicit Second(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run()
    {
        plain_frame();
        for (;;)
            sc_core::wait(1, sc_core::SC_NS);
    }
};

template <class M> void simulate()
{
    sc_core::sc_simcontext *prev = sc_core::sc_curr_simcontext;
    auto *ctx = new sc_core::sc_simcontext();
    sc_core::sc_curr_simcontext = ctx;
    sc_core::sc_default_global_context = ctx;
    {
        M m("m");
        sc_core::sc_start(10, sc_core::SC_NS);
    }
    delete ctx;
    sc_core::sc_curr_simcontext = prev;
    sc_core::sc_default_global_context = prev;
}

}  // namespace

int sc_main(int, char **)
{
    simulate<First>();
    simulate<Second>();
    std::printf("second simulation's thread stack: %s\n",
                g_stale < 0 ? "not reached" : g_stale ? "stale poison" : "clean");
    return g_stale == 0 ? 0 : 1;
}
