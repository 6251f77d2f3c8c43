/* Cost profiles: the fuzz bytes as a profile file read by hs_cost_load. Every error is one
 * line naming FILE:LINE; an accepted profile is in range (hs_cost_check) and reads back to the
 * same values after hs_cost_save. */
#include "fuzz_util.h"

#include <string.h>

#include "hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    static hs_cost c, back;
    char err[512] = "";
    const char *path = fz_file(data, size);
    if (hs_cost_load(&c, path, err, sizeof err) != 0) {
        FZ_CHECK(fz_one_line(err), "load message '%s'", err);
        FZ_CHECK(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':',
                 "message without FILE:LINE: '%s'", err);
        return 0;
    }
    FZ_CHECK(hs_cost_check(&c, err, sizeof err) == 0, "accepted profile out of range: %s", err);
    /* per-operation prices of the largest counts stay exact */
    for (int k = 1; k < HS_COST_COUNT; k++)
        (void)hs_cost_cycles(&c, hs_cost_key_name(k), 1u << 31);
    (void)hs_ns_to_cycles(&c, 1000000000000ull);
    (void)hs_cycles_to_ns(&c, 1000000000000ull);
    FZ_CHECK(hs_cost_save(&c, path, err, sizeof err) == 0, "save: %s", err);
    FZ_CHECK(hs_cost_load(&back, path, err, sizeof err) == 0, "reload: %s", err);
    FZ_CHECK(strcmp(c.name, back.name) == 0, "name '%s' read back as '%s'", c.name, back.name);
    for (int k = 0; k < HS_COST_COUNT; k++)
        FZ_CHECK(c.v[k] == back.v[k], "%s: %.17g read back as %.17g", hs_cost_key_name(k),
                 c.v[k], back.v[k]);
    return 0;
}
