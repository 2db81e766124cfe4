/*
 * caps: capability names, and the kernel's three capability calls
 * (capget, capset, prctl) for the sets reaper reads and writes.
 *
 * Not libcap, though it is what we used first: its constructor probes the
 * kernel with six prctl calls on every start, and loading libcap.so costs
 * nine more system calls and 40 KiB of private memory (13 kB of the static
 * build), all for what is three system calls and a table of names here
 * (issue 7). Names follow libcap's and capabilities(7): "cap_chown".
 */
#ifndef REAPER_CAPS_H
#define REAPER_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's capability sets are 64 bits wide. */
#define CAPS_MAX 64
#define CAPS_BIT(cap) ((uint64_t)1 << (cap))

/* A process's three sets, bit N for capability N. */
struct caps_sets {
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
};

/* The capability named by the len bytes at name: "chown", "CAP_CHOWN" or
 * "cap_chown", in any case. Returns its number, or -1 for a name we do not
 * know (numbers are not names). Pure. */
int caps_from_name(const char *name, size_t len);

/* "cap_chown" for CAP_CHOWN; NULL for a number without a name. Pure. */
const char *caps_name(int cap);

/* Our own sets. Return 0, or -1 with errno. */
int caps_get(struct caps_sets *sets);
int caps_set(const struct caps_sets *sets);

/* Drop cap from the bounding set (needs CAP_SETPCAP). Returns 0, or -1
 * with errno: EINVAL for a number the kernel does not know. */
int caps_drop_bound(int cap);

/* Clear the ambient set; raise cap in it. Return 0, or -1 with errno. */
int caps_clear_ambient(void);
int caps_raise_ambient(int cap);

#endif
