/*
 * caps: capabilities through libcap (see caps.h).
 *
 * Owns: every call into libcap, and the plan of what the child's
 * capability steps are. Never: in caps_apply_child, anything but a system
 * call (the child runs on our memory until exec; see caps.h for which
 * libcap calls qualify). Invariant: masks hold only numbers below the
 * running kernel's count.
 */
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/securebits.h>

/* libcap's name, or the name with "cap_" put in front ("chown"). Only
 * letters, digits and '_': cap_from_name stops at the first other byte
 * and would take "chown " or "kill,chown" for a name. */
int caps_from_name(const char *name, size_t len, int count)
{
	char text[64] = "cap_";
	cap_value_t cap;

	if (len == 0 || len >= sizeof(text) - 4)
		return -ENOENT;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return -ENOENT;
	memcpy(text + 4, name, len);
	text[4 + len] = '\0';
	if (cap_from_name(text + 4, &cap) < 0 && cap_from_name(text, &cap) < 0)
		return -ENOENT;
	return cap >= count ? -ERANGE : (int)cap;
}

void caps_name(int cap, char *buf, size_t size)
{
	char *name = cap_to_name(cap);

	snprintf(buf, size, "%s", name != NULL ? name : "?");
	if (name != NULL)
		(void)cap_free(name); /* frees what cap_to_name allocated; cannot fail */
}

void caps_names(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int cap = 0; cap < CAPS_MAX && len + 1 < size; cap++) {
		char name[32];
		if ((mask & CAPS_BIT(cap)) == 0)
			continue;
		caps_name(cap, name, sizeof(name));
		int n = snprintf(buf + len, size - len, "%s%s", len > 0 ? "," : "", name);
		len = n < 0 ? size : len + (size_t)n;
	}
}

int caps_count(void)
{
	int count = (int)cap_max_bits();
	return count < 0 ? 0 : count > CAPS_MAX ? CAPS_MAX : count;
}

/* Bit cap of a cap_t's flag set. */
static uint64_t flag_bit(cap_t caps, int cap, cap_flag_t flag)
{
	cap_flag_value_t value = CAP_CLEAR;

	if (cap_get_flag(caps, cap, flag, &value) < 0)
		return 0;
	return value == CAP_SET ? CAPS_BIT(cap) : 0;
}

int caps_read_own(struct caps_now *now)
{
	cap_t caps = cap_get_proc();

	if (caps == NULL)
		return -errno;
	*now = (struct caps_now){.count = caps_count()};
	for (int cap = 0; cap < now->count; cap++) {
		now->effective |= flag_bit(caps, cap, CAP_EFFECTIVE);
		now->permitted |= flag_bit(caps, cap, CAP_PERMITTED);
		now->inheritable |= flag_bit(caps, cap, CAP_INHERITABLE);
		if (cap_get_bound(cap) > 0)
			now->bounding |= CAPS_BIT(cap);
		/* -1 on a kernel without ambient capabilities (before 4.3). */
		if (cap_get_ambient(cap) > 0)
			now->ambient |= CAPS_BIT(cap);
	}
	now->ambient_locked = (cap_get_secbits() & SECBIT_NO_CAP_AMBIENT_RAISE) != 0;
	(void)cap_free(caps); /* ours, from cap_get_proc */
	return 0;
}

/* The lowest capability of a non-empty mask. */
static int lowest(uint64_t mask)
{
	return __builtin_ctzll(mask);
}

static int refuse(uint64_t mask, enum caps_refusal reason, int *cap, enum caps_refusal *why)
{
	*cap = lowest(mask);
	*why = reason;
	return -EPERM;
}

/* --caps as libcap's IAB: keep in inheritable and ambient, every other
 * capability the kernel knows blocked in the bounding set. Reduced to the
 * bounding entries that are still there to drop. */
static int iab_drops(uint64_t keep, const struct caps_now *now, uint64_t *drops)
{
	cap_iab_t iab = cap_iab_init();
	int err = 0;

	if (iab == NULL)
		return -errno;
	*drops = 0;
	for (int cap = 0; cap < now->count && err == 0; cap++) {
		bool kept = (keep & CAPS_BIT(cap)) != 0;
		if ((kept && (cap_iab_set_vector(iab, CAP_IAB_INH, cap, CAP_SET) < 0 ||
			      cap_iab_set_vector(iab, CAP_IAB_AMB, cap, CAP_SET) < 0)) ||
		    (!kept && cap_iab_set_vector(iab, CAP_IAB_BOUND, cap, CAP_SET) < 0))
			err = -errno;
	}
	for (int cap = 0; cap < now->count && err == 0; cap++)
		if (cap_iab_get_vector(iab, CAP_IAB_BOUND, cap) == CAP_SET)
			*drops |= CAPS_BIT(cap) & now->bounding;
	(void)cap_free(iab); /* ours, from cap_iab_init */
	return err;
}

/* The kernel's two 32-bit words of each set (capset version 3). */
static void to_words(struct __user_cap_data_struct words[2], uint64_t effective,
		     uint64_t permitted, uint64_t inheritable)
{
	for (int i = 0; i < 2; i++)
		words[i] = (struct __user_cap_data_struct){
			.effective = (uint32_t)(effective >> (32 * i)),
			.permitted = (uint32_t)(permitted >> (32 * i)),
			.inheritable = (uint32_t)(inheritable >> (32 * i)),
		};
}

int caps_plan(const struct caps_now *now, uint64_t keep, struct caps_child *child, int *cap,
	      enum caps_refusal *why)
{
	uint64_t drops = 0;
	int err;

	/* capset: the new permitted set within the old; an inheritable
	 * capability within the old inheritable or the bounding set; an
	 * ambient one only while securebits allow raising any. */
	if ((keep & ~now->permitted) != 0)
		return refuse(keep & ~now->permitted, CAPS_NOT_HELD, cap, why);
	if ((keep & ~now->bounding & ~now->inheritable) != 0)
		return refuse(keep & ~now->bounding & ~now->inheritable, CAPS_NOT_BOUND, cap, why);
	if ((keep & ~now->ambient) != 0 && now->ambient_locked)
		return refuse(keep & ~now->ambient, CAPS_AMBIENT_LOCKED, cap, why);
	if ((err = iab_drops(keep, now, &drops)) < 0)
		return err;
	*child = (struct caps_child){
		.keep = keep,
		.bounding = now->bounding,
		.count = now->count,
		.header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0},
	};
	/* Dropping from the bounding set needs CAP_SETPCAP. Without it (a
	 * Kubernetes drop: [ALL]), what the bounding set guards against, an
	 * exec raising a capability not kept (a setuid-root or setcap file),
	 * no_new_privs rules out as well. */
	if ((now->permitted & CAPS_BIT(CAP_SETPCAP)) != 0) {
		child->drop_bound = drops;
		child->bounding &= ~drops;
	} else
		child->no_new_privs = drops != 0;
	to_words(child->raise, keep | CAPS_BIT(CAP_SETPCAP), keep | CAPS_BIT(CAP_SETPCAP), keep);
	to_words(child->final, keep, keep, keep);
	return 0;
}

/* capset from a copy: the kernel may write the header back, and the
 * prepared words are shared with reaper. */
static int set_words(const struct caps_child *child, const struct __user_cap_data_struct *words)
{
	struct __user_cap_header_struct header = child->header;
	struct __user_cap_data_struct data[2] = {words[0], words[1]};

	return capset(&header, data) < 0 ? -errno : 0;
}

#define STEP(s, call) do { int e_ = (call); if (e_ < 0) { *step = (s); return e_; } } while (0)

int caps_apply_child(const struct caps_child *child, enum caps_step *step)
{
	/* Bounding set first, while CAP_SETPCAP is still effective. */
	if (child->drop_bound != 0) {
		STEP(CAPS_STEP_SET, set_words(child, child->raise));
		for (int cap = 0; cap < child->count; cap++)
			if ((child->drop_bound & CAPS_BIT(cap)) != 0)
				STEP(CAPS_STEP_BOUNDING, cap_drop_bound(cap) < 0 ? -errno : 0);
	}
	STEP(CAPS_STEP_SET, set_words(child, child->final));
	STEP(CAPS_STEP_AMBIENT, cap_reset_ambient() < 0 ? -errno : 0);
	for (int cap = 0; cap < child->count; cap++)
		if ((child->keep & CAPS_BIT(cap)) != 0)
			STEP(CAPS_STEP_AMBIENT, cap_set_ambient(cap, CAP_SET) < 0 ? -errno : 0);
	return 0;
}

int caps_drop_own(bool keep_kill)
{
	static const cap_value_t kill_only[] = {CAP_KILL};
	cap_t caps = cap_init();
	int err = 0;

	if (caps == NULL)
		return -errno;
	/* Asking to keep CAP_KILL is refused (EPERM) only when we do not
	 * hold it; then we drop everything (a no-op when we hold nothing). */
	if (keep_kill && (cap_set_flag(caps, CAP_EFFECTIVE, 1, kill_only, CAP_SET) < 0 ||
			  cap_set_flag(caps, CAP_PERMITTED, 1, kill_only, CAP_SET) < 0))
		err = -errno;
	if (err == 0 && cap_set_proc(caps) < 0) {
		err = -errno;
		if (err == -EPERM && cap_clear(caps) == 0 && cap_set_proc(caps) == 0)
			err = 0;
		else if (err == -EPERM)
			err = -errno;
	}
	(void)cap_free(caps); /* ours, from cap_init */
	return err;
}

int caps_of_file(const char *path, uint64_t *permitted)
{
	cap_t caps = cap_get_file(path);

	*permitted = 0;
	if (caps == NULL)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	for (int cap = 0; cap < CAPS_MAX; cap++)
		*permitted |= flag_bit(caps, cap, CAP_PERMITTED);
	(void)cap_free(caps); /* ours, from cap_get_file */
	return 0;
}
