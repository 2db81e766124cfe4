/*
 * check_privs: privs_plan_ids (src/privs.h), the decision which of
 * --user's steps the child takes. A step whose result is already true is
 * skipped (DESIGN.md, nested inits): a reaper that already runs as the
 * user, gid and groups it is asked for changes nothing, so it needs no
 * CAP_SETGID for setgroups and proves nothing. Everything that differs is
 * still changed, and every changed id is proven gone unless its
 * capability is kept (or, for a gid, the new uid is root). What a step
 * that is not already true needs and reaper lacks is named before fork
 * (need_cap); a job as another uid that reaper could not signal without
 * CAP_KILL is no refusal but signal_as_uid (reaper takes its uid).
 */
#include <check.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <string.h>

#include "caps.h"
#include "privs.h"
#include "unit_util.h"

#define MAX_LIST 4

static const struct plan_row {
	const char *name;
	uid_t now_uid[3];           /* real, effective, saved */
	gid_t now_gid[3];
	gid_t now_groups[MAX_LIST];
	size_t now_count;
	uid_t uid;                  /* what --user wants */
	gid_t gid;
	gid_t groups[MAX_LIST];
	size_t count;
	uint64_t keep;              /* --caps */
	bool set_groups, set_gid, set_uid, prove_uid, prove_gid;
	uid_t old_uid;              /* checked when prove_uid */
	gid_t old_gid;              /* checked when prove_gid */
} rows[] = {
	{ "root to app", {0, 0, 0}, {0, 0, 0}, {0}, 1, 1000, 1000, {1000, 27}, 2, 0,
	  true, true, true, true, true, 0, 0 },
	{ "already app: nothing to do", {1000, 1000, 1000}, {1000, 1000, 1000}, {1000, 27}, 2,
	  1000, 1000, {1000, 27}, 2, 0, false, false, false, false, false, 0, 0 },
	{ "groups in another order, one twice", {1000, 1000, 1000}, {1000, 1000, 1000},
	  {27, 1000, 27}, 3, 1000, 1000, {1000, 27}, 2, 0, false, false, false, false, false, 0, 0 },
	{ "no groups wanted, none held", {23456, 23456, 23456}, {23456, 23456, 23456}, {0}, 0,
	  23456, 23456, {0}, 0, 0, false, false, false, false, false, 0, 0 },
	{ "a group more held than wanted", {1000, 1000, 1000}, {1000, 1000, 1000}, {1000, 27}, 2,
	  1000, 1000, {1000}, 1, 0, true, false, false, false, false, 0, 0 },
	{ "a group wanted that is not held", {1000, 1000, 1000}, {1000, 1000, 1000}, {1000}, 1,
	  1000, 1000, {1000, 27}, 2, 0, true, false, false, false, false, 0, 0 },
	{ "root to root: nothing to do", {0, 0, 0}, {0, 0, 0}, {0}, 1, 0, 0, {0}, 1, 0,
	  false, false, false, false, false, 0, 0 },
	{ "another gid only", {1000, 1000, 1000}, {1000, 1000, 1000}, {1000}, 1, 1000, 2000,
	  {1000}, 1, 0, false, true, false, false, true, 0, 1000 },
	{ "root to root:group: a root child can take any gid", {0, 0, 0}, {0, 0, 0}, {0}, 1,
	  0, 2000, {0}, 1, 0, false, true, false, false, false, 0, 0 },
	/* A setuid-root reaper run by app: the effective and saved ids are
	 * not app's, so setresuid runs, and the proof tries root. */
	{ "setuid root, asked for its caller", {1000, 0, 0}, {1000, 1000, 1000}, {1000}, 1,
	  1000, 1000, {1000}, 1, 0, false, false, true, true, false, 0, 0 },
	{ "saved uid differs alone", {1000, 1000, 0}, {1000, 1000, 1000}, {1000}, 1, 1000, 1000,
	  {1000}, 1, 0, false, false, true, true, false, 0, 0 },
	{ "saved gid differs alone", {1000, 1000, 1000}, {1000, 1000, 0}, {1000}, 1, 1000, 1000,
	  {1000}, 1, 0, false, true, false, false, true, 0, 0 },
	{ "the real id is the one proven", {5, 6, 7}, {8, 9, 10}, {0}, 0, 1000, 1000, {0}, 0, 0,
	  false, true, true, true, true, 5, 8 },
	{ "kept CAP_SETUID: no uid proof", {0, 0, 0}, {0, 0, 0}, {0}, 1, 1000, 1000, {1000}, 1,
	  CAPS_BIT(CAP_SETUID), true, true, true, false, true, 0, 0 },
	{ "kept CAP_SETGID: no gid proof", {0, 0, 0}, {0, 0, 0}, {0}, 1, 1000, 1000, {1000}, 1,
	  CAPS_BIT(CAP_SETGID), true, true, true, true, false, 0, 0 },
	{ "other caps kept: both proven", {0, 0, 0}, {0, 0, 0}, {0}, 1, 1000, 1000, {1000}, 1,
	  CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_NET_BIND_SERVICE), true, true, true, true, true, 0, 0 },
	{ "already app with caps kept: nothing to do", {1000, 1000, 1000}, {1000, 1000, 1000},
	  {1000}, 1, 1000, 1000, {1000}, 1, CAPS_BIT(CAP_KILL), false, false, false, false, false,
	  0, 0 },
};

START_TEST(test_plan_ids)
{
	const struct plan_row *row = &rows[_i];
	struct privs_ids now = {
		.groups = row->now_groups, .group_count = row->now_count,
	};
	memcpy(now.uid, row->now_uid, sizeof now.uid);
	memcpy(now.gid, row->now_gid, sizeof now.gid);
	gid_t groups[MAX_LIST];
	memcpy(groups, row->groups, sizeof groups);
	struct privs p = {
		.change_ids = true, .uid = row->uid, .gid = row->gid, .groups = groups,
		.group_count = row->count, .keep = row->keep, .set_caps = row->keep != 0,
	};

	privs_plan_ids(&now, &p);
	const struct privs_steps *s = &p.steps;
	ck_assert_msg(s->set_groups == row->set_groups, "%s: set_groups %d", row->name,
		      s->set_groups);
	ck_assert_msg(s->set_gid == row->set_gid, "%s: set_gid %d", row->name, s->set_gid);
	ck_assert_msg(s->set_uid == row->set_uid, "%s: set_uid %d", row->name, s->set_uid);
	ck_assert_msg(s->prove_uid == row->prove_uid, "%s: prove_uid %d", row->name, s->prove_uid);
	ck_assert_msg(s->prove_gid == row->prove_gid, "%s: prove_gid %d", row->name, s->prove_gid);
	if (row->prove_uid)
		ck_assert_msg(s->old_uid == row->old_uid, "%s: old_uid %u", row->name,
			      (unsigned)s->old_uid);
	if (row->prove_gid)
		ck_assert_msg(s->old_gid == row->old_gid, "%s: old_gid %u", row->name,
			      (unsigned)s->old_gid);
}
END_TEST

/* The privilege a step that is not already true needs, when reaper lacks
 * it (restricted profiles, issue 16): the first one, in the order of the
 * steps. -1: nothing. signal: reaper, holding no CAP_KILL, takes the job's
 * uid as its effective uid to signal it (no refusal of its own). */
#define ALL_CAPS (CAPS_BIT(41) - 1)
#define NO_KILL (ALL_CAPS & ~CAPS_BIT(CAP_KILL))
static const struct need_row {
	const char *name;
	uid_t now_uid[3];
	gid_t now_gid[3];
	gid_t now_group;             /* one held, or none when 0 */
	uint64_t caps;               /* effective and permitted */
	uid_t uid;
	gid_t gid;
	gid_t group;                 /* one wanted, or none when 0 */
	int need_cap;
	enum privs_step need_step;
	bool signal;
} need_rows[] = {
	{ "root with everything", {0, 0, 0}, {0, 0, 0}, 0, ALL_CAPS, 1000, 1000, 27, -1, 0, false },
	{ "openshift: arbitrary uid, its own user", {1000650000, 1000650000, 1000650000},
	  {0, 0, 0}, 0, 0, 1000650000, 0, 0, -1, 0, false },
	{ "openshift: another user", {1000650000, 1000650000, 1000650000}, {0, 0, 0}, 0, 0,
	  65534, 0, 0, CAP_SETUID, PRIVS_UID, true },
	{ "no capabilities, other groups", {1000, 1000, 1000}, {1000, 1000, 1000}, 0, 0, 1000,
	  1000, 27, CAP_SETGID, PRIVS_GROUPS, false },
	{ "no capabilities, another gid", {1000, 1000, 1000}, {1000, 1000, 1000}, 0, 0, 1000,
	  2000, 0, CAP_SETGID, PRIVS_GID, false },
	{ "no capabilities, a gid we hold as saved", {1000, 1000, 1000}, {1000, 1000, 2000}, 0, 0,
	  1000, 2000, 0, -1, 0, false },
	{ "setuid only: groups first", {0, 0, 0}, {0, 0, 0}, 0, CAPS_BIT(CAP_SETUID) |
	  CAPS_BIT(CAP_KILL), 1000, 1000, 27, CAP_SETGID, PRIVS_GROUPS, false },
	{ "kubernetes without kill: reaper takes the job's uid", {0, 0, 0}, {0, 0, 0}, 0,
	  CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_NET_BIND_SERVICE), 65534,
	  65534, 0, -1, 0, true },
	{ "kubernetes with kill: signals as it is", {0, 0, 0}, {0, 0, 0}, 0,
	  CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_KILL), 65534, 65534, 0, -1,
	  0, false },
	{ "kubernetes without kill or setuid: the uid step refuses", {0, 0, 0}, {0, 0, 0}, 0,
	  CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_NET_BIND_SERVICE), 65534, 65534, 0, CAP_SETUID,
	  PRIVS_UID, true },
	{ "no capabilities, the job's uid is our saved one", {1000, 1000, 65534},
	  {1000, 1000, 1000}, 0, 0, 65534, 1000, 0, -1, 0, true },
	{ "all but kill, job as root: same uid", {0, 0, 0}, {0, 0, 0}, 0, NO_KILL, 0, 1000, 0,
	  -1, 0, false },
	{ "all but kill, job as our real uid", {1000, 0, 0}, {0, 0, 0}, 0, NO_KILL, 1000, 0, 0,
	  -1, 0, false },
};

START_TEST(test_plan_needs)
{
	const struct need_row *row = &need_rows[_i];
	gid_t now_groups[1] = {row->now_group}, groups[1] = {row->group};
	struct privs_ids now = {
		.groups = now_groups, .group_count = row->now_group != 0,
		.effective = row->caps, .permitted = row->caps,
	};
	memcpy(now.uid, row->now_uid, sizeof now.uid);
	memcpy(now.gid, row->now_gid, sizeof now.gid);
	struct privs p = {
		.change_ids = true, .uid = row->uid, .gid = row->gid, .groups = groups,
		.group_count = row->group != 0,
	};

	privs_plan_ids(&now, &p);
	ck_assert_msg(p.steps.need_cap == row->need_cap, "%s: need_cap %d", row->name,
		      p.steps.need_cap);
	if (row->need_cap >= 0)
		ck_assert_msg(p.steps.need_step == (int)row->need_step, "%s: need_step %d",
			      row->name, p.steps.need_step);
	ck_assert_msg(p.steps.signal_as_uid == row->signal, "%s: signal_as_uid %d", row->name,
		      p.steps.signal_as_uid);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("privs");
	TCase *tc = unit_tcase(s, "plan_ids", 10);

	tcase_add_loop_test(tc, test_plan_ids, 0, N(rows));
	tcase_add_loop_test(tc, test_plan_needs, 0, N(need_rows));
	return s;
}
