/*
 * check_privs_profiles: --user and --caps in the restricted profiles real
 * clusters give (issue 16; DESIGN.md "Privileges"), each built with
 * setpriv(1) in front of reaper:
 *
 *   k8s       root, capabilities drop [ALL] add [NET_BIND_SERVICE, SETUID,
 *             SETGID]: bounding set of those three, nothing inheritable or
 *             ambient, so no CAP_SETPCAP and no CAP_KILL;
 *   k8s+kill  the same with KILL added;
 *   k8s-setuid the k8s profile without SETUID;
 *   openshift an arbitrary uid (1000650000, gid 0, no groups) with no
 *             capabilities and the host's bounding set.
 *
 * - sets: the child's five capability sets, NoNewPrivs and uid from
 *   /proc/self/status (showprivs). Without CAP_SETPCAP the bounding set
 *   stays as the profile left it, the job gets no_new_privs, and the kept
 *   capabilities are in every other set; a profile that already is what
 *   is asked changes nothing.
 * - refusals: what a profile cannot give is exit 125 with one line naming
 *   the privilege, and the command never runs: another uid without
 *   cap_setuid (which reaper would also need to signal a job as nobody
 *   without cap_kill), other groups without cap_setgid.
 * - bind: port 80 in a network namespace of its own, bound where the kept
 *   capability allows it and refused where not.
 * - file capabilities: a copy of bindport with cap_net_bind_service=ep
 *   (setcap, in a temporary directory removed after) under --caps chown is
 *   exit 126 with a line naming the file capability; within --caps it
 *   binds; under k8s (no CAP_SETPCAP) no_new_privs keeps it from gaining
 *   the capability: it runs and cannot bind.
 * - TERM: a job as nobody under k8s+kill gets reaper's TERM and ends, as
 *   PID 1 and as a subreaper; under k8s (no CAP_KILL: reaper takes the
 *   job's uid as its effective uid) too, after binding port 80 with the
 *   kept cap_net_bind_service; and there the job's orphans are terminated
 *   and reaped when it exits.
 *
 * Needs root, setpriv, and for the file case setcap (libcap2-bin).
 */
#include <check.h>
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "harness_util.h"

#define TIMEOUT_MS 10000
#define SETPRIV "/usr/bin/setpriv"
#define SETCAP "/usr/sbin/setcap"
#define BIT(cap) (1ULL << (cap))
#define OURS (~0ULL)   /* want: the bounding set of the test process */
#define NOBODY 65534UL
#define ARBITRARY_UID "1000650000"

enum profile { K8S, K8S_KILL, K8S_NO_SETUID, OPENSHIFT };
#define K8S_CAPS (BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID) | BIT(CAP_SETGID))

/* setpriv's arguments for a profile, NULL-terminated. */
static const char *const *profile_args(enum profile p)
{
	static const char *const k8s[] = {
		"--inh-caps=-all", "--ambient-caps=-all",
		"--bounding-set=-all,+net_bind_service,+setuid,+setgid", NULL,
	};
	static const char *const k8s_kill[] = {
		"--inh-caps=-all", "--ambient-caps=-all",
		"--bounding-set=-all,+net_bind_service,+setuid,+setgid,+kill", NULL,
	};
	static const char *const k8s_no_setuid[] = {
		"--inh-caps=-all", "--ambient-caps=-all",
		"--bounding-set=-all,+net_bind_service,+setgid", NULL,
	};
	static const char *const openshift[] = {
		"--reuid=" ARBITRARY_UID, "--regid=0", "--clear-groups", "--inh-caps=-all",
		"--ambient-caps=-all", NULL,
	};
	static const char *const *const all[] = {
		[K8S] = k8s, [K8S_KILL] = k8s_kill, [K8S_NO_SETUID] = k8s_no_setuid,
		[OPENSHIFT] = openshift,
	};
	return all[p];
}

static bool usable(void)
{
	const struct passwd *nobody = getpwnam("nobody");
	if (access(SETPRIV, X_OK) != 0 || nobody == NULL || nobody->pw_uid != NOBODY) {
		test_skip("needs " SETPRIV " and nobody as 65534");
		return false;
	}
	return true;
}

/* [unshare --net] setpriv PROFILE reaper OPTS -- CMD into argv (room for
 * 40). */
static void profile_argv(char **argv, bool own_net, enum profile p, const char *const *opts,
			 const char *const *cmd)
{
	static char unshare[4096];
	size_t n = 0;
	if (own_net) {
		ck_assert_msg(find_program("unshare", unshare, sizeof unshare) != NULL,
			      "unshare(1) not found");
		argv[n++] = unshare;
		argv[n++] = "--net"; /* port 80 free, the limit 1024 */
	}
	argv[n++] = SETPRIV;
	for (const char *const *a = profile_args(p); *a != NULL; a++)
		argv[n++] = (char *)*a;
	argv[n++] = (char *)reaper_path();
	for (size_t i = 0; opts[i] != NULL; i++)
		argv[n++] = (char *)opts[i];
	argv[n++] = "--";
	for (size_t i = 0; cmd[i] != NULL; i++)
		argv[n++] = (char *)cmd[i];
	argv[n] = NULL;
	ck_assert(n < 40);
}

static unsigned long long mask_of(const char *text, const char *key, const char *what)
{
	char got[64], *end;
	showprivs_value(text, key, got, sizeof got, what);
	errno = 0;
	unsigned long long v = strtoull(got, &end, 16);
	ck_assert_msg(errno == 0 && end != got && *end == '\0', "%s: %s not a mask: '%s'", what,
		      key, got);
	return v;
}

static unsigned long long own_bounding(void)
{
	char status[8192];
	FILE *f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	size_t len = fread(status, 1, sizeof status - 1, f);
	fclose(f);
	status[len] = '\0';
	const char *p = strstr(status, "\nCapBnd:\t");
	ck_assert_ptr_nonnull(p);
	return strtoull(p + 9, NULL, 16);
}

/* ---- the child's sets ----------------------------------------------------- */

static const struct {
	const char *name;
	enum profile profile;
	const char *opts[6];
	unsigned long long keep;      /* capprm, capeff, capinh, capamb */
	unsigned long long bounding;  /* OURS: the test process's */
	const char *nonewprivs;
	const char *uid;
} set_rows[] = {
	{ "k8s+kill: --user nobody --caps net_bind_service", K8S_KILL,
	  { "--user", "nobody", "--caps", "net_bind_service", NULL }, BIT(CAP_NET_BIND_SERVICE),
	  K8S_CAPS | BIT(CAP_KILL), "1", "65534 65534 65534 65534" },
	{ "k8s: --caps NET_BIND_SERVICE, the job as root", K8S,
	  { "--caps", "NET_BIND_SERVICE", NULL }, BIT(CAP_NET_BIND_SERVICE), K8S_CAPS, "1",
	  "0 0 0 0" },
	{ "k8s: --caps all, already what the profile holds", K8S, { "--caps", "all", NULL },
	  K8S_CAPS, K8S_CAPS, "0", "0 0 0 0" },
	{ "openshift: --caps none", OPENSHIFT, { "--caps", "none", NULL }, 0, OURS, "1",
	  ARBITRARY_UID " " ARBITRARY_UID " " ARBITRARY_UID " " ARBITRARY_UID },
	{ "openshift: --user its own uid:0", OPENSHIFT, { "--user", ARBITRARY_UID ":0", NULL }, 0,
	  OURS, "0", ARBITRARY_UID " " ARBITRARY_UID " " ARBITRARY_UID " " ARBITRARY_UID },
};
#define N_SET_ROWS (int)(sizeof set_rows / sizeof set_rows[0])

START_TEST(test_sets)
{
	if (!usable())
		return;
	const char *what = set_rows[_i].name;
	const char *cmd[] = { helper_path("showprivs"), NULL };
	char *argv[40];
	profile_argv(argv, false, set_rows[_i].profile, set_rows[_i].opts, cmd);
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 0, "%s: reaper exited %d, want 0\n--- stderr:\n%s", what, code, r.err);
	char got[128];
	showprivs_value(r.out, "uid", got, sizeof got, what);
	ck_assert_msg(strcmp(got, set_rows[_i].uid) == 0, "%s: uid %s", what, got);
	static const char *const sets[] = { "capprm", "capeff", "capinh", "capamb" };
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		unsigned long long mask = mask_of(r.out, sets[i], what);
		ck_assert_msg(mask == set_rows[_i].keep, "%s: %s is %#llx, want %#llx\n%s", what,
			      sets[i], mask, set_rows[_i].keep, r.out);
	}
	unsigned long long want_bnd =
		set_rows[_i].bounding == OURS ? own_bounding() : set_rows[_i].bounding;
	unsigned long long bnd = mask_of(r.out, "capbnd", what);
	ck_assert_msg(bnd == want_bnd, "%s: capbnd %#llx, want %#llx", what, bnd, want_bnd);
	showprivs_value(r.out, "nonewprivs", got, sizeof got, what);
	ck_assert_msg(strcmp(got, set_rows[_i].nonewprivs) == 0, "%s: nonewprivs %s, want %s",
		      what, got, set_rows[_i].nonewprivs);
}
END_TEST

/* ---- what a profile cannot give ------------------------------------------ */

static const struct {
	const char *name;
	enum profile profile;
	const char *opts[6];
	const char *want;  /* stderr, exactly */
} refusal_rows[] = {
	{ "k8s without setuid: a job as nobody", K8S_NO_SETUID,
	  { "--user", "nobody", "--caps", "net_bind_service", NULL },
	  "reaper: --user: cannot set uid: reaper does not hold cap_setuid\n" },
	{ "openshift: --user nobody needs other groups", OPENSHIFT, { "--user", "nobody", NULL },
	  "reaper: --user: cannot set supplementary groups: reaper does not hold cap_setgid\n" },
	{ "openshift: --caps net_bind_service", OPENSHIFT, { "--caps", "net_bind_service", NULL },
	  "reaper: --caps: cannot keep 'cap_net_bind_service': reaper does not hold it\n" },
};
#define N_REFUSAL_ROWS (int)(sizeof refusal_rows / sizeof refusal_rows[0])

START_TEST(test_refusals)
{
	if (!usable())
		return;
	const char *what = refusal_rows[_i].name;
	const char *cmd[] = { helper_path("showprivs"), NULL };
	char *argv[40];
	profile_argv(argv, false, refusal_rows[_i].profile, refusal_rows[_i].opts, cmd);
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 125, "%s: exit %d, want 125; stderr: %s", what, code, r.err);
	ck_assert_msg(strcmp(r.err, refusal_rows[_i].want) == 0, "%s: stderr '%s', want '%s'",
		      what, r.err, refusal_rows[_i].want);
	ck_assert_msg(r.out[0] == '\0', "%s: the command ran:\n%s", what, r.out);
}
END_TEST

/* ---- port 80, and a file with capabilities of its own --------------------- */

/* A copy of bindport carrying cap_net_bind_service=ep, in a directory
 * nobody may enter; the caller removes both (remove_setcap_copy). */
static bool make_setcap_copy(char *dir, size_t dir_size, char *copy, size_t copy_size)
{
	if (access(SETCAP, X_OK) != 0) {
		test_skip("no " SETCAP " (apt-get install libcap2-bin)");
		return false;
	}
	make_tmpdir(dir, dir_size, "profiles");
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(copy, copy_size, "%s/bindport", dir);
	char *cp[] = { "/bin/cp", (char *)helper_path("bindport"), copy, NULL };
	char *setcap[] = { SETCAP, "cap_net_bind_service=ep", copy, NULL };
	struct run r;
	ck_assert_int_eq(run_simple(&r, RUN_HOST, cp, TIMEOUT_MS), 0);
	ck_assert_msg(run_simple(&r, RUN_HOST, setcap, TIMEOUT_MS) == 0, "setcap: %s", r.err);
	return true;
}

static void remove_setcap_copy(const char *dir, const char *copy)
{
	ck_assert_msg(unlink(copy) == 0 && rmdir(dir) == 0, "cannot remove %s: %s", dir,
		      strerror(errno));
}

static const struct {
	const char *name;
	enum profile profile;    /* -1: none, reaper as the test runs it */
	bool setcap_copy;        /* the file with cap_net_bind_service=ep */
	const char *opts[6];
	int want_code;
	const char *want;        /* bindport's verdict, or reaper's line (126) */
} bind_rows[] = {
	{ "k8s+kill: --user nobody --caps net_bind_service", K8S_KILL, false,
	  { "--user", "nobody", "--caps", "net_bind_service", NULL }, 0, "bound" },
	{ "k8s+kill: --user nobody --caps none", K8S_KILL, false,
	  { "--user", "nobody", "--caps", "none", NULL }, 1, "bind: EACCES" },
	{ "k8s: --caps net_bind_service as root", K8S, false,
	  { "--caps", "net_bind_service", NULL }, 0, "bound" },
	{ "setcap file under --caps chown", -1, true, { "--caps", "chown", NULL }, 126,
	  "its file capabilities (cap_net_bind_service) exceed what --caps allows: "
	  "Operation not permitted" },
	{ "setcap file as nobody under --caps chown,net_bind_service", -1, true,
	  { "--user", "nobody", "--caps", "chown,net_bind_service", NULL }, 0, "bound" },
	{ "k8s: setcap file under --caps setuid: no_new_privs, no gain", K8S, true,
	  { "--caps", "setuid", NULL }, 1, "bind: EACCES" },
};
#define N_BIND_ROWS (int)(sizeof bind_rows / sizeof bind_rows[0])

START_TEST(test_bind)
{
	if (!usable())
		return;
	const char *what = bind_rows[_i].name;
	char dir[64], copy[128];
	if (bind_rows[_i].setcap_copy && !make_setcap_copy(dir, sizeof dir, copy, sizeof copy))
		return;
	const char *cmd[] = { bind_rows[_i].setcap_copy ? copy : helper_path("bindport"), "80",
			      NULL };
	char *argv[40];
	static char unshare[4096];
	if ((int)bind_rows[_i].profile >= 0) {
		profile_argv(argv, true, bind_rows[_i].profile, bind_rows[_i].opts, cmd);
	} else {
		ck_assert(find_program("unshare", unshare, sizeof unshare) != NULL);
		const char *opts[10] = { "--net", reaper_path() };
		size_t n = 2;
		for (size_t i = 0; bind_rows[_i].opts[i] != NULL; i++)
			opts[n++] = bind_rows[_i].opts[i];
		opts[n] = NULL;
		build_argv(argv, 40, unshare, opts, cmd); /* "--" ends reaper's options */
	}
	struct run r;
	run_start(&r, RUN_HOST, argv, NULL);
	int code = run_wait(&r, TIMEOUT_MS);
	if (bind_rows[_i].setcap_copy)
		remove_setcap_copy(dir, copy);
	if (bind_rows[_i].want_code == 126) {
		char want[512];
		snprintf(want, sizeof want, "reaper: cannot run '%s': %s\n", copy, bind_rows[_i].want);
		ck_assert_msg(code == 126, "%s: exit %d, want 126; stderr: %s", what, code, r.err);
		ck_assert_msg(strcmp(r.err, want) == 0, "%s: stderr '%s', want '%s'", what, r.err,
			      want);
		return;
	}
	char start[32];
	ck_assert_msg(find_value(r.out, "port_start", start, sizeof start),
		      "%s: bindport did not run: exit %d\n--- stderr:\n%s", what, code, r.err);
	if (atoi(start) <= 80) {
		test_skip("ip_unprivileged_port_start is 80 or lower in a new network namespace");
		return;
	}
	const char *nl = strchr(r.out, '\n');
	char verdict[64];
	snprintf(verdict, sizeof verdict, "%.*s", nl ? (int)strcspn(nl + 1, "\n") : 0,
		 nl ? nl + 1 : "");
	ck_assert_msg(strcmp(verdict, bind_rows[_i].want) == 0, "%s: bindport said '%s', want '%s'",
		      what, verdict, bind_rows[_i].want);
	ck_assert_msg(code == bind_rows[_i].want_code, "%s: exit %d, want %d", what, code,
		      bind_rows[_i].want_code);
}
END_TEST

/* The job (sigrecorder --exit-on TERM --exit 9) gets ready; a TERM to
 * reaper reaches it, and reaper exits with the job's 9. */
static void term_ends_job(struct run *r, enum run_where where)
{
	ck_assert_msg(run_expect_prefix(r, "ready ", NULL, 0, TIMEOUT_MS),
		      "%s: sigrecorder not ready\n--- stderr:\n%s", where_phrase(where), r->err);
	run_signal(r, SIGTERM);
	ck_assert_msg(run_expect_line(r, "sig 15", TIMEOUT_MS), "%s: TERM did not reach the job\n"
		      "--- stdout:\n%s\n--- stderr:\n%s", where_phrase(where), r->out, r->err);
	int code = run_wait(r, TIMEOUT_MS);
	ck_assert_msg(code == 9, "%s: exit %d, want the job's 9; stderr: %s", where_phrase(where),
		      code, r->err);
}

/* ---- TERM to a job as another user ---------------------------------------- */

START_TEST(test_term_with_kill)
{
	if (!usable())
		return;
	enum run_where where = wheres[_i];
	const char *opts[] = { "--user", "nobody", NULL };
	const char *cmd[] = { helper_path("sigrecorder"), "--exit-on", "TERM", "--exit", "9", NULL };
	char *argv[40];
	profile_argv(argv, false, K8S_KILL, opts, cmd);
	sigset_t all;
	sigfillset(&all);
	struct run_opts ropts = { .mask = &all };
	struct run r;
	run_start(&r, where, argv, &ropts);
	term_ends_job(&r, where);
}
END_TEST

/* Kubernetes' drop [ALL] add [NET_BIND_SERVICE, SETUID, SETGID]: no
 * CAP_KILL. The job, as nobody, binds port 80 with the kept capability and
 * then waits for TERM, which reaper forwards as nobody in its effective
 * uid. */
START_TEST(test_term_without_kill)
{
	if (!usable())
		return;
	enum run_where where = wheres[_i];
	const char *opts[] = { "--user", "nobody", "--caps", "net_bind_service", NULL };
	const char *cmd[] = { "/bin/sh", "-c", "\"$0\" 80 && exec \"$1\" --exit-on TERM --exit 9",
			      helper_path("bindport"), helper_path("sigrecorder"), NULL };
	char *argv[40];
	profile_argv(argv, true, K8S, opts, cmd);
	sigset_t all;
	sigfillset(&all);
	/* Reaper takes the job's uid as its effective uid: the kernel makes
	 * it non-dumpable, and LeakSanitizer's exit check, which ptraces it,
	 * cannot run (the sanitized build); no_leak_check_env is NULL there. */
	struct run_opts ropts = { .mask = &all, .env_add = no_leak_check_env() };
	struct run r;
	run_start(&r, where, argv, &ropts);
	ck_assert_msg(run_expect_line(&r, "bound", TIMEOUT_MS), "%s: port 80 not bound\n"
		      "--- stdout:\n%s\n--- stderr:\n%s", where_phrase(where), r.out, r.err);
	term_ends_job(&r, where);
}
END_TEST

/* The same profile: the job's orphans (three, lingering, as nobody) are
 * sent TERM when it exits, and none outlives reaper. */
START_TEST(test_orphans_without_kill)
{
	if (!usable())
		return;
	enum run_where where = wheres[_i];
	const char *opts[] = { "--user", "nobody", "--report", NULL };
	const char *cmd[] = { helper_path("orphanfactory"), "--linger", "3", NULL };
	char *argv[40];
	profile_argv(argv, false, K8S, opts, cmd);
	struct run_opts ropts = { .env_add = no_leak_check_env() }; /* see test_term_without_kill */
	struct run r;
	run_start(&r, where, argv, &ropts);
	int code = run_wait(&r, TIMEOUT_MS);
	ck_assert_msg(code == 0, "%s: exit %d, want 0; stderr: %s", where_phrase(where), code,
		      r.err);
	ck_assert_msg(strstr(r.out, "done") != NULL, "%s: no orphans made:\n%s",
		      where_phrase(where), r.out);
	ck_assert_msg(strstr(r.err, "left-overs sent TERM: 3;") != NULL,
		      "%s: the report lacks 'left-overs sent TERM: 3;'; stderr: %s",
		      where_phrase(where), r.err);
	ck_assert_msg(r.leftovers == 0, "%s: %d orphans outlived reaper; stderr: %s",
		      where_phrase(where), r.leftovers, r.err);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("privs_profiles");
	TCase *tc = tcase_create("sets");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_sets, 0, N_SET_ROWS);
	tcase_add_loop_test(tc, test_refusals, 0, N_REFUSAL_ROWS);
	suite_add_tcase(s, tc);

	tc = tcase_create("bind");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_bind, 0, N_BIND_ROWS);
	suite_add_tcase(s, tc);

	tc = tcase_create("term");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_term_with_kill, 0, N_WHERES);
	tcase_add_loop_test(tc, test_term_without_kill, 0, N_WHERES);
	tcase_add_loop_test(tc, test_orphans_without_kill, 0, N_WHERES);
	suite_add_tcase(s, tc);
	return s;
}
