/* Command-line arguments of nicsim. */
#include "cli.h"
#include "cli_util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cli_print_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim COMMAND [ARGS]\n"
            "\n"
            "Cycle-level simulator of an offload NIC (RSS, checksum offload) replaying a\n"
            "packet capture through the Verilated RTL.\n"
            "\n"
            "commands:\n"
            "  run SCENARIO.ini [options]   simulate one scenario; 'nicsim run --help' for options\n"
            "\n"
            "options:\n"
            "  -h, --help      this help\n"
            "  --version       print the version\n"
            "\n"
            "Scenario files are described in docs/scenarios.md, reports in docs/report.md.\n");
}

void cli_print_run_usage(FILE *f)
{
    fprintf(f,
            "usage: nicsim run SCENARIO.ini [options]\n"
            "\n"
            "options:\n"
            "  --trace FILE            capture to replay (pcap or pcapng); overrides\n"
            "                          'trace' in the scenario's [scenario] section\n"
            "  --set SECTION.KEY=VALUE change one scenario key after the file is read\n"
            "                          (repeatable; e.g. --set nic.rss_queues=8)\n"
            "  -o, --output FILE       write the JSON report to FILE\n"
            "  --packet-log FILE       write one CSV row per frame the NIC received\n"
            "  --host-pcap FILE        write every frame as the driver read it from host\n"
            "                          memory (pcap)\n"
            "  --wave FILE             dump a waveform (.fst or .vcd)\n"
            "  --wave-from TIME        start of the waveform window (default: start)\n"
            "  --wave-to TIME          end of the waveform window (default: end of run)\n"
            "  -q, --quiet             no text summary on stdout\n"
            "  -h, --help              this help\n"
            "\n"
            "TIME is a number with a unit: ps, ns, us, ms or s (e.g. 1.5ms).\n"
            "Exit status: 0 success, 1 the run failed, 2 bad command line or scenario.\n");
}

void cli_args_free(cli_args *a)
{
    free(a->sets);
    a->sets = NULL;
    a->nsets = 0;
}

/* Option table for "run". */
enum {
    O_TRACE, O_SET, O_OUTPUT, O_PACKET_LOG, O_HOST_PCAP, O_WAVE, O_WAVE_FROM, O_WAVE_TO, O_QUIET,
    O_HELP
};
static const struct {
    const char *lng;
    char shrt;
    int takes_value;
} cli_run_opts[] = {
    [O_TRACE] = {"--trace", 0, 1},
    [O_SET] = {"--set", 0, 1},
    [O_OUTPUT] = {"--output", 'o', 1},
    [O_PACKET_LOG] = {"--packet-log", 0, 1},
    [O_HOST_PCAP] = {"--host-pcap", 0, 1},
    [O_WAVE] = {"--wave", 0, 1},
    [O_WAVE_FROM] = {"--wave-from", 0, 1},
    [O_WAVE_TO] = {"--wave-to", 0, 1},
    [O_QUIET] = {"--quiet", 'q', 0},
    [O_HELP] = {"--help", 'h', 0},
};
#define CLI_NRUN_OPTS ((int)(sizeof cli_run_opts / sizeof cli_run_opts[0]))

static int cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

/* Sets a single-use string option. */
static int cli_set_once(const char **dst, const char *opt, const char *v, char *err,
                        size_t errlen)
{
    if (*dst) {
        cli_msg(err, errlen, "%s given more than once", opt);
        return CLI_EUSAGE;
    }
    if (!*v) {
        cli_msg(err, errlen, "%s: empty value", opt);
        return CLI_EUSAGE;
    }
    *dst = v;
    return CLI_OK;
}

static int cli_parse_run(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    int only_positional = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->scenario) {
                cli_msg(err, errlen, "run: unexpected argument '%s' (one scenario per run)", arg);
                return CLI_EUSAGE;
            }
            a->scenario = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            continue;
        }
        /* find the option: --long, --long=VALUE, -x, -xVALUE */
        int o = -1;
        const char *value = NULL;
        for (int k = 0; k < CLI_NRUN_OPTS; k++) {
            size_t n = strlen(cli_run_opts[k].lng);
            if (arg[1] == '-' && strncmp(arg, cli_run_opts[k].lng, n) == 0 &&
                (arg[n] == '\0' || (arg[n] == '=' && cli_run_opts[k].takes_value))) {
                o = k;
                if (arg[n] == '=')
                    value = arg + n + 1;
                break;
            }
            if (arg[1] != '-' && cli_run_opts[k].shrt && arg[1] == cli_run_opts[k].shrt &&
                (arg[2] == '\0' || cli_run_opts[k].takes_value)) {
                o = k;
                if (arg[2])
                    value = arg + 2;
                break;
            }
        }
        if (o < 0) {
            cli_msg(err, errlen, "unknown option '%s' (try 'nicsim run --help')", arg);
            return CLI_EUSAGE;
        }
        const char *name = cli_run_opts[o].lng;
        if (cli_run_opts[o].takes_value && !value) {
            if (i + 1 >= argc) {
                cli_msg(err, errlen, "%s: missing argument", name);
                return CLI_EUSAGE;
            }
            if (strncmp(argv[i + 1], "--", 2) == 0) {
                cli_msg(err, errlen, "%s: missing argument (got option '%s'; write %s=%s if "
                        "that is meant as the value)", name, argv[i + 1], name, argv[i + 1]);
                return CLI_EUSAGE;
            }
            value = argv[++i];
        }
        int rc = CLI_OK;
        char sub[200];
        switch (o) {
        case O_HELP:
            a->command = CLI_CMD_RUN_HELP;
            return CLI_OK;
        case O_QUIET:
            a->quiet = 1;
            break;
        case O_TRACE:
            rc = cli_set_once(&a->trace, name, value, err, errlen);
            break;
        case O_OUTPUT:
            rc = cli_set_once(&a->report, name, value, err, errlen);
            break;
        case O_PACKET_LOG:
            rc = cli_set_once(&a->packet_log, name, value, err, errlen);
            break;
        case O_HOST_PCAP:
            rc = cli_set_once(&a->host_pcap, name, value, err, errlen);
            break;
        case O_WAVE:
            rc = cli_set_once(&a->wave, name, value, err, errlen);
            if (rc == CLI_OK && !cli_ends_with(value, ".fst") && !cli_ends_with(value, ".vcd")) {
                cli_msg(err, errlen, "--wave: '%s' must end in .fst or .vcd", value);
                rc = CLI_EUSAGE;
            }
            break;
        case O_WAVE_FROM:
        case O_WAVE_TO: {
            int *given = o == O_WAVE_FROM ? &a->wave_from_given : &a->wave_to_given;
            uint64_t *ps = o == O_WAVE_FROM ? &a->wave_from_ps : &a->wave_to_ps;
            if (*given) {
                cli_msg(err, errlen, "%s given more than once", name);
                return CLI_EUSAGE;
            }
            if (cli_parse_time(value, ps, sub, sizeof sub) != CLI_OK) {
                cli_msg(err, errlen, "%s: %s", name, sub);
                return CLI_EUSAGE;
            }
            *given = 1;
            break;
        }
        case O_SET:
            a->sets[a->nsets++] = value;
            break;
        default:
            break;
        }
        if (rc != CLI_OK)
            return rc;
    }

    if (!a->scenario) {
        cli_msg(err, errlen, "run: missing scenario file (usage: nicsim run SCENARIO.ini "
                "[options])");
        return CLI_EUSAGE;
    }
    if ((a->wave_from_given || a->wave_to_given) && !a->wave) {
        cli_msg(err, errlen, "%s needs --wave FILE",
                a->wave_from_given ? "--wave-from" : "--wave-to");
        return CLI_EUSAGE;
    }
    if (a->wave_from_given && a->wave_to_given && a->wave_from_ps >= a->wave_to_ps) {
        cli_msg(err, errlen, "--wave-from (%llu ps) must be before --wave-to (%llu ps)",
                (unsigned long long)a->wave_from_ps, (unsigned long long)a->wave_to_ps);
        return CLI_EUSAGE;
    }
    return CLI_OK;
}

int cli_args_parse(cli_args *a, int argc, char **argv, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (argc < 2) {
        cli_msg(err, errlen, "no command given (try 'nicsim --help')");
        return CLI_EUSAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        a->command = CLI_CMD_HELP;
        if (argc > 2 && strcmp(cmd, "help") == 0 && strcmp(argv[2], "run") == 0)
            a->command = CLI_CMD_RUN_HELP;
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        if (argc > 2) {
            cli_msg(err, errlen, "--version: unexpected argument '%s'", argv[2]);
            return CLI_EUSAGE;
        }
        a->command = CLI_CMD_VERSION;
        return CLI_OK;
    }
    if (strcmp(cmd, "run") == 0) {
        a->command = CLI_CMD_RUN;
        a->sets = calloc((size_t)argc, sizeof *a->sets);
        if (!a->sets) {
            cli_msg(err, errlen, "out of memory");
            return CLI_ENOMEM;
        }
        return cli_parse_run(a, argc, argv, err, errlen);
    }
    if (cmd[0] == '-')
        cli_msg(err, errlen, "unknown option '%s' (try 'nicsim --help')", cmd);
    else
        cli_msg(err, errlen, "unknown command '%s' (try 'nicsim --help')", cmd);
    return CLI_EUSAGE;
}
