#define _GNU_SOURCE
#include "args.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *to)
{
    fprintf(to,
            "usage: %s [options] [--] IMAGE [guest arguments...]\n"
            "  --mem=MiB             guest memory in MiB (default %d)\n"
            "  --net:NAME=TAP        attach the image's net device NAME to the existing tap TAP\n"
            "  --net-mac:NAME=MAC    MAC address of net device NAME (default: random, locally administered)\n"
            "  --block:NAME=FILE     attach the image's block device NAME to FILE (size a multiple of 512)\n"
            "  --help                this text\n",
            tender_name, TENDER_DEFAULT_MEM_MIB);
}

bool parse_mac(const char *text, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int d = 0; d < 2; d++) {
            char c = *text++;
            unsigned x;
            if (c >= '0' && c <= '9') x = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') x = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') x = (unsigned)(c - 'A' + 10);
            else return false;
            v = v * 16 + x;
        }
        mac[i] = (uint8_t)v;
        if (i < 5 && *text++ != ':') return false;
    }
    return *text == '\0';
}

/* Splits "NAME=VALUE" (the part after "--net:" etc.) in place. */
static void split_name_value(char *spec, const char *flag, char **name, char **value)
{
    char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec || eq[1] == '\0')
        die("%s needs NAME=VALUE (got \"%s\")", flag, spec);
    *eq = '\0';
    *name = spec;
    *value = eq + 1;
    if (strlen(*name) >= MIRAGE_DEVICE_NAME_MAX)
        die("%s: device name \"%s\" is longer than %d characters", flag, *name, MIRAGE_DEVICE_NAME_MAX - 1);
}

static struct tender_net_arg *net_slot(struct tender_args *a, const char *name)
{
    for (unsigned i = 0; i < a->net_count; i++)
        if (strcmp(a->nets[i].name, name) == 0) return &a->nets[i];
    if (a->net_count == MIRAGE_MAX_DEVICES) die("too many net devices (at most %d)", MIRAGE_MAX_DEVICES);
    struct tender_net_arg *n = &a->nets[a->net_count++];
    memset(n, 0, sizeof *n);
    n->name = name;
    return n;
}

static void parse_mem(const char *text, struct tender_args *a)
{
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (*text == '\0' || *end != '\0' || text[0] == '-')
        die("--mem needs a whole number of MiB (got \"%s\")", text);
    if (v == 0 || v > TENDER_MAX_MEM_MIB)
        die("--mem=%s is out of range (1..%d MiB)", text, TENDER_MAX_MEM_MIB);
    a->mem_mib = v;
    a->mem_given = true;
}

static void parse_option(char *arg, struct tender_args *a)
{
    char *name, *value;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
        usage(stdout);
        exit(0);
    } else if (strncmp(arg, "--mem=", 6) == 0) {
        parse_mem(arg + 6, a);
    } else if (strncmp(arg, "--net:", 6) == 0) {
        split_name_value(arg + 6, "--net", &name, &value);
        struct tender_net_arg *n = net_slot(a, name);
        if (n->tap != NULL) die("--net:%s given twice", name);
        n->tap = value;
    } else if (strncmp(arg, "--net-mac:", 10) == 0) {
        split_name_value(arg + 10, "--net-mac", &name, &value);
        struct tender_net_arg *n = net_slot(a, name);
        if (n->has_mac) die("--net-mac:%s given twice", name);
        if (!parse_mac(value, n->mac)) die("--net-mac:%s=%s: not a MAC address like 02:00:00:00:00:01", name, value);
        if (n->mac[0] & 1) die("--net-mac:%s=%s: a multicast MAC cannot be a device address", name, value);
        n->has_mac = true;
    } else if (strncmp(arg, "--block:", 8) == 0) {
        split_name_value(arg + 8, "--block", &name, &value);
        for (unsigned i = 0; i < a->block_count; i++)
            if (strcmp(a->blocks[i].name, name) == 0) die("--block:%s given twice", name);
        if (a->block_count == MIRAGE_MAX_DEVICES) die("too many block devices (at most %d)", MIRAGE_MAX_DEVICES);
        a->blocks[a->block_count].name = name;
        a->blocks[a->block_count].file = value;
        a->block_count++;
    } else {
        die("unknown option \"%s\"", arg);
    }
}

void args_parse(int argc, char **argv, struct tender_args *a)
{
    memset(a, 0, sizeof *a);
    a->mem_mib = TENDER_DEFAULT_MEM_MIB;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (argv[i][0] != '-' || argv[i][1] == '\0') break; /* the image */
        parse_option(argv[i], a);
    }
    if (i >= argc) {
        die("no image given");
    }
    a->image = argv[i];
    a->guest_argc = argc - i - 1;
    a->guest_argv = argv + i + 1;
    for (unsigned n = 0; n < a->net_count; n++)
        if (a->nets[n].tap == NULL)
            die("--net-mac:%s given without --net:%s=TAP", a->nets[n].name, a->nets[n].name);
}
