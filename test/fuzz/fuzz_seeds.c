/* Seed inputs for fuzz_hs_rx from captures: every run of up to 8 consecutive frames of each
 * capture given becomes one file in OUTDIR, in fuzz_hs_rx's record format.
 *   fuzz_seeds OUTDIR CAPTURE...                                                          */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR CAPTURE...\n");
        return 2;
    }
    int files = 0;
    for (int a = 2; a < argc; a++) {
        char err[512];
        tr_trace *t = NULL;
        tr_options opt = {.mtu = 1500, .resegment = 1};
        if (tr_open(&t, argv[a], &opt, err, sizeof err) < 0) {
            fprintf(stderr, "fuzz_seeds: %s\n", err);
            return 1;
        }
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        tr_frame f;
        FILE *out = NULL;
        int n = 0, rc;
        while ((rc = tr_next(t, &f, err, sizeof err)) > 0 && files < 400) {
            if (!out) {
                char path[1024];
                snprintf(path, sizeof path, "%s/%s-%04d", argv[1], base, n / 8);
                out = fopen(path, "wb");
                if (!out) {
                    perror(path);
                    return 1;
                }
                files++;
            }
            uint32_t len = f.len > 65535 ? 65535 : f.len;
            /* verdict: unverified (the stack checks in software); timers every 4th frame */
            uint8_t hdr[3] = {(uint8_t)(4 | ((n % 4 == 3) ? 0x10 : 0) | 0x20), (uint8_t)(len >> 8),
                              (uint8_t)len};
            fwrite(hdr, 1, 3, out);
            fwrite(f.data, 1, len, out);
            if (++n % 8 == 0) {
                fclose(out);
                out = NULL;
            }
        }
        if (out)
            fclose(out);
        if (rc < 0)
            fprintf(stderr, "fuzz_seeds: %s (kept the frames before)\n", err);
        tr_close(t);
    }
    printf("fuzz_seeds: %d seed files in %s\n", files, argv[1]);
    return 0;
}
