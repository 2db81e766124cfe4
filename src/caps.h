/*
 * caps: capabilities through libcap (issue 16): names as libcap reads
 * them, the running kernel's count (cap_max_bits), reaper's own sets, the
 * IAB sets --caps keeps, and the child's few capability system calls.
 *
 * Masks are 64 bits, bit N for capability N: the kernel's capset ABI
 * (version 3) is two 32-bit words, so no kernel has more; which of them
 * exist is cap_max_bits()'s answer, not the headers'. The child shares
 * reaper's memory until exec, so what it applies is prepared before fork
 * (caps_plan) into plain masks and the kernel's capset words: libcap's
 * cap_iab_set_proc allocates (cap_get_proc) and cap_set_proc locks the
 * cap_t, so the child calls only cap_drop_bound, cap_reset_ambient,
 * cap_set_ambient (one prctl each) and capset.
 */
#ifndef REAPER_CAPS_H
#define REAPER_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/capability.h>

#define CAPS_MAX 64
#define CAPS_BIT(cap) ((uint64_t)1 << (cap))

/* What a process holds: its five sets, and whether the ambient set is
 * locked against raising (SECBIT_NO_CAP_AMBIENT_RAISE). */
struct caps_now {
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
	uint64_t bounding;
	uint64_t ambient;
	bool ambient_locked;
	int count;               /* capabilities the running kernel knows */
};

/* Why caps_plan refused: the capability and what it lacks. */
enum caps_refusal {
	CAPS_NOT_HELD,           /* not in reaper's permitted set */
	CAPS_NOT_BOUND,          /* neither in the bounding nor the inheritable set */
	CAPS_AMBIENT_LOCKED,     /* securebits forbid raising ambient capabilities */
};

/* What the child applies, all decided before fork. */
struct caps_child {
	uint64_t keep;           /* permitted, effective, inheritable, ambient */
	uint64_t drop_bound;     /* bounding-set entries to drop */
	uint64_t bounding;       /* the bounding set the child execs with */
	bool no_new_privs;       /* bounding entries not kept stay (no CAP_SETPCAP):
				  * no_new_privs keeps exec from raising them */
	int count;
	struct __user_cap_header_struct header;
	struct __user_cap_data_struct raise[2]; /* keep + CAP_SETPCAP, to drop bounds */
	struct __user_cap_data_struct final[2]; /* keep in E, P and I */
};

/*
 * The capability named by the len bytes at name: whatever libcap's
 * cap_from_name reads ("cap_chown", "CAP_CHOWN", a number), the same
 * without "cap_" ("chown", "NET_BIND_SERVICE"), in any case. Returns its
 * number, -ENOENT for a name nobody knows, -ERANGE for a number the
 * running kernel does not have (count: caps_count()).
 */
int caps_from_name(const char *name, size_t len, int count);

/* "cap_chown" for 0 (libcap's name; a number for one newer than libcap)
 * into buf. */
void caps_name(int cap, char *buf, size_t size);

/* "cap_a,cap_b" for a mask, into buf (cut short when it does not fit). */
void caps_names(uint64_t mask, char *buf, size_t size);

/* Capabilities the running kernel knows (cap_max_bits, at most CAPS_MAX). */
int caps_count(void);

/* Reaper's own sets. 0, or -errno. */
int caps_read_own(struct caps_now *now);

/*
 * What the child does to keep exactly keep (DESIGN.md: --caps), given
 * what reaper holds now, expressed as libcap's IAB (inheritable and
 * ambient: keep; bounding: everything else) and reduced to what is not
 * already true: a bounding entry already gone needs no dropping, and
 * where dropping needs CAP_SETPCAP that reaper lacks, the child gets
 * no_new_privs instead. Returns 0, or -EPERM with the capability that
 * cannot be kept and why in *cap and *why. Allocates only the IAB,
 * released before it returns.
 */
int caps_plan(const struct caps_now *now, uint64_t keep, struct caps_child *child, int *cap,
	      enum caps_refusal *why);

/* Which step of caps_apply_child failed. */
enum caps_step {
	CAPS_STEP_BOUNDING,
	CAPS_STEP_SET,
	CAPS_STEP_AMBIENT,
};

/* In the child: apply child. Returns 0, or -errno with *step set. Only
 * system calls (see the top of this file). */
int caps_apply_child(const struct caps_child *child, enum caps_step *step);

/* Reaper itself: keep CAP_KILL alone in its effective and permitted sets
 * when keep_kill and it holds it, else drop everything. 0, or -errno. */
int caps_drop_own(bool keep_kill);

/* The capabilities a file carries in its permitted set (its
 * security.capability), through libcap. 0 with *permitted (0 for a file
 * without any), or -errno. */
int caps_of_file(const char *path, uint64_t *permitted);

#endif
