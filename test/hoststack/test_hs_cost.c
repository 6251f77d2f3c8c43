/* Check suite: cost model (hoststack_cost): profiles (built in, files, errors, round trip),
 * cycle accounting per CPU and per kind, the "1 GHz per 1 Gb/s" sanity anchor for the
 * xeon-2006 software path, calibration. argv[1]: the source tree (for profiles/). */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "hs_test_util.h"

static const char *g_src = ".";
static const char *g_tmp = "/tmp";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A valid profile as text, with one line replaced/added by the caller. */
static void valid_profile_text(char *out, size_t cap)
{
    hs_cost c;
    ck_assert_int_eq(hs_cost_builtin(&c, "xeon-2006", NULL, 0), 0);
    size_t n = (size_t)snprintf(out, cap, "name = test\n");
    for (int k = 0; k < HS_COST_COUNT; k++)
        n += (size_t)snprintf(out + n, cap - n, "%s = %g # note %d\n", hs_cost_key_name(k), c.v[k], k);
}

START_TEST(builtin_and_files_agree)
{
    const char *const *names = hs_cost_builtin_names();
    int count = 0;
    for (; names[count]; count++) {
        hs_cost b, f;
        char err[512], path[1024];
        ck_assert_msg(hs_cost_builtin(&b, names[count], err, sizeof err) == 0, "%s", err);
        snprintf(path, sizeof path, "%s/hoststack/profiles/%s.profile", g_src, names[count]);
        ck_assert_msg(hs_cost_load(&f, path, err, sizeof err) == 0, "%s", err);
        ck_assert_str_eq(b.name, names[count]);
        ck_assert_str_eq(f.name, names[count]);
        for (int k = 0; k < HS_COST_COUNT; k++) {
            ck_assert_msg(b.v[k] == f.v[k], "%s: %s", names[count], hs_cost_key_name(k));
            ck_assert_msg(b.note[k][0] != 0, "%s: %s has no source comment", names[count],
                          hs_cost_key_name(k));
        }
        ck_assert_double_gt(b.v[HS_C_CPU_MHZ], 1000);
    }
    ck_assert_int_eq(count, 2);
    hs_cost d;
    ck_assert_int_eq(hs_cost_builtin(&d, NULL, NULL, 0), 0);
    ck_assert_str_eq(d.name, "xeon-2006");
    char err[256];
    ck_assert_int_eq(hs_cost_builtin(&d, "pentium", err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "pentium"));
}
END_TEST

/* The driver's op names price from the same profile. */
START_TEST(driver_op_names)
{
    const char *ops[] = {"isr", "dpc", "rx_completion", "rx_repost", "tx_frame",
                         "tx_completion", "doorbell", "csr_read", "copy_byte"};
    hs_cost c;
    ck_assert_int_eq(hs_cost_builtin(&c, "xeon-2006", NULL, 0), 0);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        ck_assert_msg(hs_cost_get(&c, ops[i]) >= 0, "%s", ops[i]);
        ck_assert_int_ge(hs_cost_key_from_name(ops[i]), 0);
    }
    ck_assert_double_eq(hs_cost_get(&c, "no_such_op"), -1.0);
    ck_assert_uint_eq(hs_cost_cycles(&c, "isr", 3), (uint64_t)llround(3 * c.v[HS_C_ISR]));
    ck_assert_uint_eq(hs_cost_cycles(&c, "copy_byte", 1000), (uint64_t)llround(1000 * c.v[HS_C_COPY_BYTE]));
    ck_assert_uint_eq(hs_cost_cycles(&c, "bogus", 3), 0);
    /* time conversion: one function each way */
    ck_assert_uint_eq(hs_ns_to_cycles(&c, 1000), (uint64_t)llround(c.v[HS_C_CPU_MHZ]));
    ck_assert_uint_eq(hs_cycles_to_ns(&c, hs_ns_to_cycles(&c, 1000000)), 1000000);
    for (int k = 0; k < HS_K_COUNT; k++)
        ck_assert_ptr_nonnull(hs_kind_name(k));
    ck_assert_ptr_null(hs_kind_name(HS_K_COUNT));
    ck_assert_str_eq(hs_kind_name(HS_K_COPY), "copy");
}
END_TEST

/* out = text with the line starting "key =" replaced by `line`. */
static void set_line(char *out, size_t cap, const char *text, const char *key, const char *line)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\n%s = ", key);
    const char *at = strstr(text, pat);
    ck_assert_ptr_nonnull(at);
    const char *eol = strchr(at + 1, '\n');
    snprintf(out, cap, "%.*s\n%s%s", (int)(at - text), text, line, eol);
}

static void expect_error(const char *text, int code, const char *want)
{
    char path[512], err[512], full[1024];
    snprintf(path, sizeof path, "%s/hs_prof_%d.profile", g_tmp, (int)getpid());
    write_text(path, text);
    hs_cost c;
    int rc = hs_cost_load(&c, path, err, sizeof err);
    unlink(path);
    ck_assert_msg(rc == code, "rc %d want %d: %s", rc, code, err);
    snprintf(full, sizeof full, "%s:%s", path, want);
    ck_assert_msg(strstr(err, full) != NULL, "error '%s' lacks '%s'", err, full);
    ck_assert_ptr_null(strchr(err, '\n'));
}

/* Errors name FILE:LINE:KEY. */
START_TEST(profile_errors)
{
    static char text[8192], bad[9000];
    valid_profile_text(text, sizeof text);
    /* sanity: the valid text loads */
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/hs_prof_ok_%d.profile", g_tmp, (int)getpid());
    write_text(path, text);
    hs_cost c;
    ck_assert_msg(hs_cost_load(&c, path, err, sizeof err) == 0, "%s", err);
    unlink(path);
    ck_assert_str_eq(c.name, "test");
    ck_assert_str_eq(c.note[HS_C_IP_RX], "note 10");

    snprintf(bad, sizeof bad, "# comment\n\nbogus_key = 3\n%s", text);
    expect_error(bad, HS_EPARSE, "3: bogus_key: unknown key");
    set_line(bad, sizeof bad, text, "tcp_rx", "tcp_rx = 12abc");
    expect_error(bad, HS_EPARSE, "13: tcp_rx: not a number: '12abc'");
    set_line(bad, sizeof bad, text, "lookup", "lookup = -400  # cheap");
    expect_error(bad, HS_EPARSE, "16: lookup: negative");
    snprintf(bad, sizeof bad, "%sip_rx = 5\n", text);
    expect_error(bad, HS_EPARSE, "38: ip_rx: given twice (first at line 12)");
    /* a key missing: reported at the end of the file */
    set_line(bad, sizeof bad, text, "timer", "# no timer");
    expect_error(bad, HS_EPARSE, "37: timer: missing");
    snprintf(bad, sizeof bad, "%sjust words\n", text);
    expect_error(bad, HS_EPARSE, "38: expected 'key = value'");
    set_line(bad, sizeof bad, text, "cpu_mhz", "cpu_mhz = 0");
    expect_error(bad, HS_EPARSE, "2: cpu_mhz: 0 is not a clock");
    set_line(bad, sizeof bad, text, "app_recv", "app_recv =   # nothing");
    expect_error(bad, HS_EPARSE, "26: app_recv: missing value");
    set_line(bad, sizeof bad, text, "dpc", "dpc = 1e999");
    expect_error(bad, HS_EPARSE, "4: dpc: not a number");

    /* absurd values: each key's range (docs/cost-model.md) */
    set_line(bad, sizeof bad, text, "ip_rx", "ip_rx = 1e300");
    expect_error(bad, HS_EPARSE, "12: ip_rx: 1e300 is out of range (expected 0..10000000 cycles)");
    set_line(bad, sizeof bad, text, "ip_rx", "ip_rx = 10000001");
    expect_error(bad, HS_EPARSE, "12: ip_rx: 10000001 is out of range (expected 0..10000000 cycles)");
    set_line(bad, sizeof bad, text, "copy_cold_byte", "copy_cold_byte = 1000.5");
    expect_error(bad, HS_EPARSE, "23: copy_cold_byte: 1000.5 is out of range (expected 0..1000 cycles "
                                 "per byte)");
    set_line(bad, sizeof bad, text, "app_byte", "app_byte = 1e300");
    expect_error(bad, HS_EPARSE, "25: app_byte: 1e300 is out of range (expected 0..1000 cycles per "
                                 "byte)");
    set_line(bad, sizeof bad, text, "cpu_mhz", "cpu_mhz = 1e300");
    expect_error(bad, HS_EPARSE, "2: cpu_mhz: 1e300 is not a clock in MHz (expected 1..10000)");
    set_line(bad, sizeof bad, text, "cpu_mhz", "cpu_mhz = 0.5");
    expect_error(bad, HS_EPARSE, "2: cpu_mhz: 0.5 is not a clock in MHz (expected 1..10000)");
    set_line(bad, sizeof bad, text, "cpu_mhz", "cpu_mhz = 10001");
    expect_error(bad, HS_EPARSE, "2: cpu_mhz: 10001 is not a clock in MHz");
    set_line(bad, sizeof bad, text, "timer", "timer = -1e300");
    expect_error(bad, HS_EPARSE, "20: timer: negative value -1e300 (expected 0..10000000 cycles)");
    /* the ends of the ranges are accepted */
    set_line(bad, sizeof bad, text, "ip_rx", "ip_rx = 1e7");
    set_line(text, sizeof text, bad, "app_byte", "app_byte = 1000");
    set_line(bad, sizeof bad, text, "cpu_mhz", "cpu_mhz = 10000");
    write_text(path, bad);
    ck_assert_msg(hs_cost_load(&c, path, err, sizeof err) == 0, "%s", err);
    unlink(path);
    ck_assert_double_eq(c.v[HS_C_IP_RX], 1e7);
    ck_assert_int_eq(hs_cost_check(&c, err, sizeof err), 0);
    /* hs_create refuses a profile out of range, however it was made */
    c.v[HS_C_IP_RX] = 1e300;
    ck_assert_int_eq(hs_cost_check(&c, err, sizeof err), HS_EINVAL);
    ck_assert_str_eq(err, "ip_rx: 1e+300 is out of range (expected 0..10000000 cycles)");
    hs_config cfg;
    hs_config_defaults(&cfg);
    hs_stack *st = NULL;
    ck_assert_int_eq(hs_create(&st, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "cost profile: ip_rx: 1e+300 is out of range"));
    c.v[HS_C_IP_RX] = 250;
    c.v[HS_C_CPU_MHZ] = 1e-14;
    ck_assert_int_eq(hs_create(&st, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "cpu_mhz: 1e-14 is out of range (expected 1..10000 MHz)"));
    c.v[HS_C_CPU_MHZ] = 3000;
    cfg.app_rate_bytes_per_s = 1e-300;
    ck_assert_int_eq(hs_create(&st, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "app_rate_bytes_per_s 1e-300 out of range"));
    cfg.app_rate_bytes_per_s = 0;
    cfg.app_cycles_per_byte = 1e300;
    ck_assert_int_eq(hs_create(&st, &cfg, &c, NULL, NULL, err, sizeof err), HS_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "app_cycles_per_byte 1e+300 out of range"));

    /* a file that does not exist */
    int rc = hs_cost_load(&c, "/nonexistent/x.profile", err, sizeof err);
    ck_assert_int_eq(rc, HS_EIO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.profile:0:"));
}
END_TEST

START_TEST(save_load_round_trip)
{
    for (int i = 0; hs_cost_builtin_names()[i]; i++) {
        hs_cost a, b;
        ck_assert_int_eq(hs_cost_builtin(&a, hs_cost_builtin_names()[i], NULL, 0), 0);
        a.v[HS_C_COPY_WARM_BYTE] = 0.1 + 0.2; /* not exactly representable as %g */
        char path[512], err[256];
        snprintf(path, sizeof path, "%s/hs_rt_%d.profile", g_tmp, (int)getpid());
        ck_assert_msg(hs_cost_save(&a, path, err, sizeof err) == 0, "%s", err);
        ck_assert_msg(hs_cost_load(&b, path, err, sizeof err) == 0, "%s", err);
        unlink(path);
        ck_assert_str_eq(a.name, b.name);
        for (int k = 0; k < HS_COST_COUNT; k++) {
            ck_assert_msg(a.v[k] == b.v[k], "%s", hs_cost_key_name(k));
            ck_assert_str_eq(a.note[k], b.note[k]);
        }
    }
    hs_cost a;
    hs_cost_builtin(&a, NULL, NULL, 0);
    char err[256];
    ck_assert_int_eq(hs_cost_save(&a, "/nonexistent/dir/p.profile", err, sizeof err), HS_EIO);
}
END_TEST

/* Charges add up: returned cycles = per-CPU totals = sum of the per-kind breakdown, and one
 * known frame costs exactly what the profile says. */
START_TEST(accounting_adds_up)
{
    tb_tx tx = {0};
    tx.cycles_each = 777;
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.cpus = 4;
    cfg.csum_offload = 0;
    hs_stack *s = tb_stack(&cfg, &tx, NULL, "xeon-2006");
    const hs_cost *c = hs_get_cost(s);
    uint64_t ret[4] = {0};
    uint8_t pl[1460];
    tb_fill(pl, sizeof pl, 1);

    /* one known frame: new mid-stream connection, software checksums, warm copy */
    tb_flow fl;
    tb_flow4(&fl, 1, 2000, 445);
    uint8_t fr[TB_FRAME_CAP];
    int n = tb_tcp(&fl, 1, 0x10, pl, 1460, fr);
    ret[0] += tb_rx(s, fr, n, HS_CSUM_NONE, 0, 0);
    double want = c->v[HS_C_IP_RX] + 2 * c->v[HS_C_CHECKSUM_PKT] +
                  c->v[HS_C_CHECKSUM_BYTE] * (20 + 20 + 1460) + c->v[HS_C_TCP_RX] +
                  c->v[HS_C_HASH_SW] + c->v[HS_C_LOOKUP] + c->v[HS_C_CONN_CREATE] +
                  c->v[HS_C_BUFFER_POST] * cfg.posted_buffers + c->v[HS_C_COPY_WARM_BYTE] * 1460;
    ck_assert_msg(fabs((double)ret[0] - want) <= 1, "%llu vs %.1f", (unsigned long long)ret[0], want);

    /* traffic on four CPUs with ACKs (driver cycles from tx), timers, glue charges */
    for (int i = 0; i < 40; i++) {
        int cpu = i % 4;
        tb_flow f;
        tb_flow4(&f, (uint8_t)(10 + cpu), (uint16_t)(3000 + cpu), 445);
        n = tb_tcp(&f, 1 + (uint32_t)(i / 4) * 1000, 0x10, pl, 1000, fr);
        ret[cpu] += tb_rx(s, fr, n, i % 3 ? HS_CSUM_UNVERIFIED : HS_CSUM_OK, cpu, (uint64_t)i);
        ret[cpu] += hs_charge_op(s, cpu, HS_K_INTERRUPT, "isr", 1);
        ret[cpu] += hs_charge(s, cpu, HS_K_DPC, 1000);
    }
    for (int cpu = 0; cpu < 4; cpu++)
        ret[cpu] += hs_timer(s, cpu, UINT64_MAX / 2);
    hs_stats st = tb_stats(s);
    ck_assert_int_gt(tx.n, 0);
    uint64_t total = 0, kinds = 0;
    for (int cpu = 0; cpu < 4; cpu++) {
        ck_assert_uint_eq(st.cpu_cycles[cpu], ret[cpu]);
        uint64_t sum = 0;
        for (int k = 0; k < HS_K_COUNT; k++)
            sum += st.cpu_kind_cycles[cpu][k];
        /* per-kind values are truncated from exact fixed-point sums */
        ck_assert_uint_le(sum, st.cpu_cycles[cpu]);
        ck_assert_uint_gt(sum + HS_K_COUNT, st.cpu_cycles[cpu]);
        total += st.cpu_cycles[cpu];
    }
    for (int k = 0; k < HS_K_COUNT; k++)
        kinds += st.kind_cycles[k];
    ck_assert_uint_eq(st.total_cycles, total);
    ck_assert_uint_le(kinds, total);
    ck_assert_uint_gt(kinds + HS_K_COUNT, total);
    ck_assert_uint_eq(st.kind_cycles[HS_K_INTERRUPT], (uint64_t)llround(40 * c->v[HS_C_ISR]));
    ck_assert_uint_eq(st.kind_cycles[HS_K_DPC], 40000);
    ck_assert_uint_eq(st.kind_cycles[HS_K_DRIVER], 777ull * (uint64_t)tx.n);
    for (int cpu = 4; cpu < HS_MAX_CPUS; cpu++)
        ck_assert_uint_eq(st.cpu_cycles[cpu], 0);
    ck_assert_uint_eq(st.cpu_kind_cycles[1][HS_K_INTERRUPT], (uint64_t)llround(10 * c->v[HS_C_ISR]));
    hs_close(s, NULL, 0);
}
END_TEST

/* Bulk receive of 1514-byte frames on the software path of a profile: checksum in software,
 * no NIC hash, copy, ACK every 2nd segment, an interrupt (ISR + DPC + two doorbells) every
 * `per_irq` frames, driver completion and re-post per frame, driver send per ACK.
 * Returns CPU cycles per frame. */
static double bulk_cycles_per_frame(const char *profile, int per_irq, int offload, hs_stats *out)
{
    hs_cost cost;
    ck_assert_int_eq(hs_cost_builtin(&cost, profile, NULL, 0), 0);
    tb_tx tx = {0};
    tx.cycles_each = hs_cost_cycles(&cost, "tx_frame", 1) + hs_cost_cycles(&cost, "doorbell", 1) +
                     hs_cost_cycles(&cost, "tx_completion", 1);
    hs_config cfg;
    hs_config_defaults(&cfg);
    cfg.csum_offload = offload;
    hs_stack *s = tb_stack(&cfg, &tx, NULL, profile);
    tb_flow fl;
    tb_flow4(&fl, 1, 4000, 445);
    const int frames = 3000;
    static uint8_t payload[1460];
    tb_fill(payload, sizeof payload, 77);
    uint64_t sum = 0;
    uint8_t fr[TB_FRAME_CAP];
    /* warm-up: the connection exists (its creation is not bulk cost) */
    int n = tb_tcp(&fl, 0, 0x10, payload, 1460, fr);
    tb_rx(s, fr, n, HS_CSUM_NONE, 0, 0);
    hs_stats st0 = tb_stats(s);
    for (int i = 0; i < frames; i++) {
        uint64_t now = 12000ull * (uint64_t)(i + 1); /* ~1 Gb/s spacing */
        if (i % per_irq == 0) {
            sum += hs_charge_op(s, 0, HS_K_INTERRUPT, "isr", 1);
            sum += hs_charge_op(s, 0, HS_K_DPC, "dpc", 1);
            sum += hs_charge_op(s, 0, HS_K_DRIVER, "doorbell", 2);
        }
        sum += hs_charge_op(s, 0, HS_K_DRIVER, "rx_completion", 1);
        sum += hs_charge_op(s, 0, HS_K_DRIVER, "rx_repost", 1);
        n = tb_tcp(&fl, 1460u * (uint32_t)(i + 1), 0x10, payload, 1460, fr);
        ck_assert_int_eq(n, 1514);
        hs_rx_frame f = {fr, (uint32_t)n, 0, 0, offload ? HS_CSUM_OK : HS_CSUM_NONE, 0, 0, 0, 0, 0, 0, 0};
        sum += hs_rx(s, &f, now);
        sum += hs_timer(s, 0, now);
    }
    hs_stats st = tb_stats(s);
    ck_assert_uint_eq(st.total_cycles - st0.total_cycles, sum);
    ck_assert_uint_eq(st.acks_sent, (uint64_t)(frames + 1) / 2);
    ck_assert_uint_eq(st.bytes_copied, 1460ull * (uint64_t)(frames + 1));
    if (out)
        *out = st;
    hs_close(s, NULL, 0);
    return (double)sum / frames;
}

/* "1 GHz per 1 Gb/s": the xeon-2006 software path costs ~1 Hz of CPU per bit/s (+-40%). */
START_TEST(anchor_1ghz_per_gbps)
{
    const int per_irq[] = {1, 4, 8};
    for (size_t i = 0; i < sizeof per_irq / sizeof per_irq[0]; i++) {
        hs_stats st;
        double cpf = bulk_cycles_per_frame("xeon-2006", per_irq[i], 0, &st);
        double hz_per_bps = cpf / (1514.0 * 8.0);
        printf("anchor xeon-2006: interrupt every %d frames: %.0f cycles/frame, %.2f Hz per bit/s"
               " (copy %.0f, checksum %.0f per frame)\n",
               per_irq[i], cpf, hz_per_bps, (double)st.kind_cycles[HS_K_COPY] / 3001,
               (double)st.kind_cycles[HS_K_CHECKSUM] / 3001);
        ck_assert_msg(hz_per_bps >= 0.6 && hz_per_bps <= 1.4,
                      "%.2f Hz per bit/s at an interrupt every %d frames", hz_per_bps, per_irq[i]);
        ck_assert_msg(cpf >= 7000 && cpf <= 14000, "%.0f cycles per frame", cpf);
    }
    /* checksum offload saves cycles; a modern core is far cheaper per frame */
    double sw = bulk_cycles_per_frame("xeon-2006", 4, 0, NULL);
    double hw = bulk_cycles_per_frame("xeon-2006", 4, 1, NULL);
    double modern = bulk_cycles_per_frame("modern", 4, 0, NULL);
    printf("anchor: xeon-2006 checksum offload %.0f vs %.0f cycles/frame; modern %.0f (%.2f Hz per bit/s)\n",
           hw, sw, modern, modern / (1514.0 * 8.0));
    ck_assert_double_lt(hw, sw);
    ck_assert_double_lt(modern, sw / 2);
}
END_TEST

START_TEST(calibrate_writes_profile)
{
    hs_calib_opts o;
    hs_calib_defaults(&o);
    o.mhz = 2500;
    o.runs = 3;
    o.name = "here";
    o.accept_spread = 1; /* a real measurement: this test does not judge the machine */
    hs_cost c;
    char err[256];
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c.name, "here");
    ck_assert_double_eq(c.v[HS_C_CPU_MHZ], 2500);
    const int measured[] = {HS_C_IP_RX, HS_C_HASH_SW, HS_C_ACK_BUILD, HS_C_CHECKSUM_BYTE,
                            HS_C_COPY_COLD_BYTE, HS_C_COPY_WARM_BYTE};
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++) {
        ck_assert_msg(c.v[measured[i]] > 0, "%s = %g", hs_cost_key_name(measured[i]), c.v[measured[i]]);
        ck_assert_msg(strncmp(c.note[measured[i]], "measured", 8) == 0, "%s", c.note[measured[i]]);
    }
    /* what cannot be measured comes from the base profile (modern by default) */
    hs_cost m;
    hs_cost_builtin(&m, "modern", NULL, 0);
    ck_assert_double_eq(c.v[HS_C_ISR], m.v[HS_C_ISR]);
    ck_assert_double_eq(c.v[HS_C_APP_RECV], m.v[HS_C_APP_RECV]);
    ck_assert_ptr_nonnull(strstr(c.note[HS_C_ISR], "from modern"));

    /* the one-call form writes a profile that loads back */
    char path[512];
    snprintf(path, sizeof path, "%s/hs_cal_%d.profile", g_tmp, (int)getpid());
    ck_assert_msg(hs_calibrate_to_file(path, 0, err, sizeof err) == 0, "%s", err);
    hs_cost back;
    ck_assert_msg(hs_cost_load(&back, path, err, sizeof err) == 0, "%s", err);
    unlink(path);
    ck_assert_str_eq(back.name, "calibrated");
    ck_assert_double_gt(back.v[HS_C_CPU_MHZ], 100);
    ck_assert_int_eq(hs_calibrate_to_file("/nonexistent/dir/x.profile", 2000, err, sizeof err), HS_EIO);
}
END_TEST

/* ---- calibration with the measurement injected: deterministic spreads ---- */
static const int cal_measured[] = {HS_C_IP_RX, HS_C_TCP_RX, HS_C_UDP_RX, HS_C_HASH_SW,
                                   HS_C_LOOKUP, HS_C_CONN_CREATE, HS_C_REASM_SEG,
                                   HS_C_ACK_BUILD, HS_C_TIMER, HS_C_CHECKSUM_PKT,
                                   HS_C_CHECKSUM_BYTE, HS_C_COPY_COLD_BYTE,
                                   HS_C_COPY_WARM_BYTE, HS_C_COPY_BYTE};
#define CAL_NM ((int)(sizeof cal_measured / sizeof cal_measured[0]))

typedef struct fake_cal {
    int calls;
    int wide_key;        /* this key alternates 100 / 300 (or -1) */
    int fail_at;         /* run index that fails (or -1) */
    uint64_t now_ns;     /* fake clock */
    uint64_t tick_ns;    /* the fake clock advances this much per reading */
} fake_cal;

/* Every key 1000 cycles (per-byte keys 0.5) with +/-0.1 % jitter: settles at once. */
static int fake_run(void *user, int run, double *cycles, char *err, size_t errlen)
{
    fake_cal *f = user;
    f->calls++;
    if (run == f->fail_at) {
        snprintf(err, errlen, "calibrate: injected failure");
        return HS_EINVAL;
    }
    double j = 1 + 0.001 * ((run * 7) % 5 - 2);
    for (int i = 0; i < CAL_NM; i++) {
        int k = cal_measured[i];
        size_t n = strlen(hs_cost_key_name(k));
        cycles[k] = (n > 5 && strcmp(hs_cost_key_name(k) + n - 5, "_byte") == 0 ? 0.5 : 1000) * j;
    }
    if (f->wide_key >= 0)
        cycles[f->wide_key] = run % 2 ? 300 : 100;
    return 0;
}

static uint64_t fake_clock(void *user)
{
    fake_cal *f = user;
    f->now_ns += f->tick_ns;
    return f->now_ns;
}

static void fake_opts(hs_calib_opts *o, fake_cal *f, hs_calib_stats *st)
{
    memset(f, 0, sizeof *f);
    f->wide_key = -1;
    f->fail_at = -1;
    hs_calib_defaults(o);
    o->mhz = 2000;
    o->run_fn = fake_run;
    o->clock_fn = fake_clock;
    o->user = f;
    o->stats = st;
}

START_TEST(calibrate_stops_when_medians_settle)
{
    hs_calib_opts o;
    fake_cal f;
    hs_calib_stats st;
    fake_opts(&o, &f, &st);
    hs_cost c;
    char err[512] = "";
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == HS_OK, "%s", err);
    /* the jitter is far inside the 2 % tolerance: the fewest runs are enough */
    ck_assert_int_eq(f.calls, 9);
    ck_assert_int_eq(st.runs, 9);
    ck_assert_int_eq(st.stop, HS_CALIB_STABLE);
    ck_assert_int_eq(st.over, 0);
    ck_assert_int_eq(st.key[HS_C_TCP_RX].measured, 1);
    ck_assert_int_eq(st.key[HS_C_ISR].measured, 0);
    ck_assert_double_eq_tol(st.key[HS_C_TCP_RX].min, 998, 1e-9);
    ck_assert_double_eq_tol(st.key[HS_C_TCP_RX].median, 1000, 1e-9);
    ck_assert_double_eq_tol(st.key[HS_C_TCP_RX].max, 1002, 1e-9);
    ck_assert_double_lt(st.key[HS_C_TCP_RX].spread, 0.01);
    ck_assert_double_eq(c.v[HS_C_TCP_RX], 1000);
    ck_assert_double_eq(c.v[HS_C_COPY_COLD_BYTE], 0.5);
    ck_assert_ptr_nonnull(strstr(c.note[HS_C_TCP_RX], "median of 9 runs, spread 0%"));
    ck_assert_double_eq(c.v[HS_C_CPU_MHZ], 2000);
}
END_TEST

START_TEST(calibrate_refuses_a_wide_spread)
{
    hs_calib_opts o;
    fake_cal f;
    hs_calib_stats st;
    fake_opts(&o, &f, &st);
    f.wide_key = HS_C_TCP_RX;
    o.runs = 15;
    hs_cost c;
    char err[512] = "";
    /* tcp_rx never settles: the run limit ends it, and its spread is refused */
    ck_assert_int_eq(hs_calibrate(&c, &o, err, sizeof err), HS_ESPREAD);
    ck_assert_int_eq(f.calls, 15);
    ck_assert_int_eq(st.stop, HS_CALIB_RUN_LIMIT);
    ck_assert_int_eq(st.worst, HS_C_TCP_RX);
    ck_assert_int_eq(st.over, 1);
    ck_assert_double_eq(st.key[HS_C_TCP_RX].min, 100);
    ck_assert_double_eq(st.key[HS_C_TCP_RX].median, 100); /* 8 x 100, 7 x 300 */
    ck_assert_double_eq(st.key[HS_C_TCP_RX].max, 300);
    ck_assert_double_eq_tol(st.key[HS_C_TCP_RX].spread, 2.0, 1e-9);
    ck_assert_str_eq(err, "calibrate: tcp_rx varies too much between runs: spread 200% exceeds "
                          "25% (min 100, median 100, max 300 cycles over 15 runs)");
    ck_assert_ptr_null(strchr(err, '\n'));
    /* a higher threshold takes it; so does accept_spread (value: the median) */
    o.max_spread_pct = 250;
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == HS_OK, "%s", err);
    o.max_spread_pct = 25;
    o.accept_spread = 1;
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == HS_OK, "%s", err);
    ck_assert_int_eq(st.over, 1);
    ck_assert_double_eq(c.v[HS_C_TCP_RX], 100);
    ck_assert_ptr_nonnull(strstr(c.note[HS_C_TCP_RX], "spread 200%"));
    /* a per-byte key is named in its unit */
    o.accept_spread = 0;
    f.wide_key = HS_C_COPY_COLD_BYTE;
    ck_assert_int_eq(hs_calibrate(&c, &o, err, sizeof err), HS_ESPREAD);
    ck_assert_ptr_nonnull(strstr(err, "copy_cold_byte varies too much"));
    ck_assert_ptr_nonnull(strstr(err, "cycles/byte over 15 runs"));
}
END_TEST

START_TEST(calibrate_time_and_run_limits)
{
    hs_calib_opts o;
    fake_cal f;
    hs_calib_stats st;
    fake_opts(&o, &f, &st);
    f.wide_key = HS_C_REASM_SEG;
    f.tick_ns = 1000000000ull; /* every clock reading: +1 s */
    o.max_seconds = 5;
    o.accept_spread = 1;
    hs_cost c;
    char err[512] = "";
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == HS_OK, "%s", err);
    ck_assert_int_eq(st.stop, HS_CALIB_TIME_LIMIT);
    ck_assert_int_eq(st.runs, 5);
    ck_assert_double_eq(st.seconds, 5);
    /* more runs than the cap are not made */
    fake_opts(&o, &f, &st);
    f.wide_key = HS_C_REASM_SEG;
    o.runs = 1000;
    o.accept_spread = 1;
    ck_assert_msg(hs_calibrate(&c, &o, err, sizeof err) == HS_OK, "%s", err);
    ck_assert_int_eq(st.runs, HS_CALIB_MAX_RUNS);
    ck_assert_int_eq(st.stop, HS_CALIB_RUN_LIMIT);
    ck_assert_str_eq(hs_calib_stop_name(st.stop), "run limit");
    /* a failing run stops it with that run's error */
    fake_opts(&o, &f, &st);
    f.fail_at = 3;
    ck_assert_int_eq(hs_calibrate(&c, &o, err, sizeof err), HS_EINVAL);
    ck_assert_str_eq(err, "calibrate: injected failure");
    ck_assert_int_eq(f.calls, 4);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hoststack_cost");
    TCase *tc = tcase_create("cost");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, builtin_and_files_agree);
    tcase_add_test(tc, driver_op_names);
    tcase_add_test(tc, profile_errors);
    tcase_add_test(tc, save_load_round_trip);
    tcase_add_test(tc, accounting_adds_up);
    tcase_add_test(tc, anchor_1ghz_per_gbps);
    tcase_add_test(tc, calibrate_writes_profile);
    tcase_add_test(tc, calibrate_stops_when_medians_settle);
    tcase_add_test(tc, calibrate_refuses_a_wide_spread);
    tcase_add_test(tc, calibrate_time_and_run_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        g_src = argv[1];
    const char *t = getenv("TMPDIR");
    if (t && *t)
        g_tmp = t;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
