/* Sanitizer builds only (NICSIM_SANITIZE): fresh memory mappings start unpoisoned.
 *
 * SystemC's QuickThreads coroutines (libsystemc 2.3.4) run every SC_THREAD on a stack of its
 * own, mmap'ed when the thread is created and munmap'ed when its sc_simcontext is destroyed.
 * The threads of a finished simulation never return: they are still inside wait(), several
 * instrumented frames deep (the Verilated model's eval among them), so AddressSanitizer's
 * shadow memory for those stacks still holds the frames' redzone poison when the stack is
 * unmapped. The AddressSanitizer runtimes of GCC 12 and clang 14 (Debian 12) do not clear
 * the shadow on munmap or mmap, and the kernel hands the same addresses to the next
 * simulation's stacks (nicsim runs the scenario, then the software baseline, in one process).
 * Frames that uninstrumented code (libsystemc, libstdc++) puts there keep the stale poison,
 * and the first instrumented access to one of them is reported as a stack-buffer-overflow
 * whose description walks back to a stale frame of the first simulation
 * (kCurrentStackFrameMagic in a Verilated eval function): a false positive that depends on
 * where each frame happens to land, so only some captures hit it.
 *
 * The fix: this definition of mmap, which the dynamic linker binds in preference to libc's
 * for libsystemc, unpoisons every new mapping (what later compiler-rt releases do in their
 * own mmap interceptor). Memory fresh from the kernel is addressable, so nothing real is
 * hidden. NICSIM_ASAN_STACKS_DEBUG=1 prints each mapping that carried stale poison;
 * NICSIM_ASAN_STACKS_KEEP=1 leaves it (to reproduce the false positive).
 * docs/fuzzing.md ("Sanitizer builds and SystemC coroutine stacks"). */
#define _GNU_SOURCE
#include <errno.h>
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    /* the system call itself: no libc or sanitizer wrapper to recurse through */
    long rc = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    void *p = (void *)rc;
    if (rc < 0 && rc > -4096) {
        errno = (int)-rc;
        return MAP_FAILED;
    }
    if (len && __asan_region_is_poisoned(p, len)) {
        int keep = getenv("NICSIM_ASAN_STACKS_KEEP") != NULL;
        if (getenv("NICSIM_ASAN_STACKS_DEBUG"))
            fprintf(stderr, "asan_stacks: new mapping %p (%zu bytes) had stale poison: %s\n", p,
                    len, keep ? "kept" : "cleared");
        if (!keep)
            __asan_unpoison_memory_region(p, len);
    }
    return p;
}
