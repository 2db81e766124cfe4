/*
 * podstore: the Podman suite's run directory, its two stores (rootful,
 * rootless), their images, and their clean-up. See podstore.h.
 *
 * Owns the run's directory and the two stores in it, fixed in
 * podstore_open() before Check forks any test. Never links the
 * integration harness: harness.c makes the runner a child subreaper, and
 * conmon, which podman leaves running in the background, would then
 * re-parent to the runner and be killed with its leftovers. Never blocks
 * without a deadline: every command is killed (its process group) when
 * its time is up. Never fails a test, and the clean-up paths only log.
 */
#define _GNU_SOURCE
#include "podstore.h"

#include "cmdrun.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(REAPER_BUILD_DIR) || !defined(REAPER_PODMAN_ROOTFS)
#error "REAPER_BUILD_DIR, REAPER_PODMAN_ROOTFS: the Makefile defines them"
#endif

#define PROBE_MS 60000
/*
 * Short paths: Podman 4.3 refuses a run root longer than 50 characters
 * (in the clean-up command conmon starts when a container exits, so
 * `podman run` then waits 20 s and the container stays), and the rootless
 * run root is XDG_RUNTIME_DIR/containers: /tmp/reaper-pm-PID-XXXXXX/u/xdg.
 */
#define DIR_PREFIX "reaper-pm-"
#define ROOTFUL_DIR "r"
#define ROOTLESS_DIR "u"

struct store {
	char dir[256];
	bool rootless;
	bool ok;
	char why[1024];
	char conf_env[320], storage_env[320], runc_flag[320];
	char home_env[320], xdg_env[320], uid_flag[32], gid_flag[32];
	char *prefix[20]; /* argv up to and including podman's global flags */
	int prefix_n;
};

static char podman_bin[4096], env_bin[4096], setpriv_bin[4096];
static char run_dir[256];
static char reaper_copy[300]; /* the static reaper, readable by nobody */
static struct store stores[POD_MODES];
static pid_t suite_pid;

/* ---- stores --------------------------------------------------------------- */

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (f == NULL)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The argv prefix and file names of the store in dir (no file is made). */
static void store_init(struct store *s, const char *dir, bool rootless)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	s->rootless = rootless;
	snprintf(s->conf_env, sizeof s->conf_env, "CONTAINERS_CONF=%s/containers.conf", dir);
	snprintf(s->storage_env, sizeof s->storage_env, "CONTAINERS_STORAGE_CONF=%s/storage.conf",
		 dir);
	/* runc's state under the run's directory, not /run/runc. */
	snprintf(s->runc_flag, sizeof s->runc_flag, "root=%s/runc", dir);
	snprintf(s->home_env, sizeof s->home_env, "HOME=%s/home", dir);
	snprintf(s->xdg_env, sizeof s->xdg_env, "XDG_RUNTIME_DIR=%s/xdg", dir);
	int n = 0;
	if (rootless) {
		struct passwd *pw = getpwnam("nobody");
		snprintf(s->uid_flag, sizeof s->uid_flag, "--reuid=%d", pw ? (int)pw->pw_uid : 65534);
		snprintf(s->gid_flag, sizeof s->gid_flag, "--regid=%d", pw ? (int)pw->pw_gid : 65534);
		s->prefix[n++] = setpriv_bin;
		s->prefix[n++] = s->uid_flag;
		s->prefix[n++] = s->gid_flag;
		s->prefix[n++] = "--clear-groups";
	}
	s->prefix[n++] = env_bin;
	if (rootless) {
		s->prefix[n++] = "-i";
		s->prefix[n++] = "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
		s->prefix[n++] = s->home_env;
		s->prefix[n++] = s->xdg_env;
	}
	s->prefix[n++] = s->conf_env;
	s->prefix[n++] = s->storage_env;
	s->prefix[n++] = podman_bin;
	s->prefix[n++] = "--runtime-flag";
	s->prefix[n++] = s->runc_flag;
	s->prefix_n = n;
}

/* Make the store's directories and configuration files. */
static bool store_write(struct store *s)
{
	static const char *const subdirs[] = { "home", "xdg", "runc", "tmp", NULL };
	char path[512], conf[4096];
	for (int i = 0; subdirs[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s", s->dir, subdirs[i]);
		if (mkdir(path, 0700) < 0)
			return false;
	}
	/*
	 * default_ulimits: runc cannot set Podman's default open-files and
	 * process limits here ("error setting rlimit type 7", then 6).
	 * cgroupfs: no systemd to ask. netns: no network, so no CNI bridge.
	 * No static_dir or volume_path: the clean-up command conmon runs when
	 * a container exits gets --root but not them, and would look for its
	 * database under the graph root (then `podman run` waits 20 s).
	 */
	snprintf(conf, sizeof conf,
		 "[containers]\n"
		 "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"
		 "init_path = \"%s\"\n"
		 "netns = \"none\"\n"
		 "[network]\n"
		 "network_config_dir = \"%s/net\"\n"
		 "[engine]\n"
		 "cgroup_manager = \"cgroupfs\"\n"
		 "events_logger = \"file\"\n"
		 "infra_image = \"" IMG_PAUSE "\"\n"
		 "tmp_dir = \"%s/tmp\"\n"
		 "image_copy_tmp_dir = \"%s/tmp\"\n",
		 reaper_copy, s->dir, s->dir, s->dir);
	snprintf(path, sizeof path, "%s/containers.conf", s->dir);
	if (!write_file(path, conf))
		return false;
	/* A single-UID mapping cannot chown the image's /home/app to 1000. */
	snprintf(conf, sizeof conf,
		 "[storage]\n"
		 "driver = \"vfs\"\n"
		 "graphroot = \"%s/root\"\n"
		 "runroot = \"%s/runroot\"\n"
		 "%s",
		 s->dir, s->dir,
		 s->rootless ? "[storage.options.vfs]\nignore_chown_errors = \"true\"\n" : "");
	snprintf(path, sizeof path, "%s/storage.conf", s->dir);
	return write_file(path, conf);
}

/* Remove every pod and container of the store: they are all the run's. */
static void store_clear(struct store *s)
{
	static char out[16384], err[16384];
	static const char *const cmds[][6] = {
		{ "pod", "rm", "--all", "--force", "--time", "0" },
		{ "rm", "--all", "--force", "--time", "0" },
	};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *argv[32];
		int n = 0;
		for (int j = 0; j < s->prefix_n; j++)
			argv[n++] = s->prefix[j];
		for (int j = 0; j < 6 && cmds[i][j] != NULL; j++)
			argv[n++] = (char *)cmds[i][j];
		argv[n] = NULL;
		if (cmd_capture(argv, out, sizeof out, err, sizeof err, POD_CMD_MS) != 0)
			fprintf(stderr, "podtest: %s %s in %s: %s\n", cmds[i][0], cmds[i][1], s->dir,
				err);
	}
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		fprintf(stderr, "podtest: remove %s (%d): %s\n", path, type, strerror(errno));
	return 0;
}

/* Does /proc/PID/environ hold the entry want? */
static bool environ_has(long pid, const char *want)
{
	char path[64], env[16384];
	snprintf(path, sizeof path, "/proc/%ld/environ", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t len = read(fd, env, sizeof env - 1);
	(void)close(fd); /* read-only */
	if (len <= 0)
		return false;
	env[len] = '\0';
	for (char *e = env; e < env + len; e += strlen(e) + 1)
		if (strcmp(e, want) == 0)
			return true;
	return false;
}

/*
 * Rootless Podman leaves a pause process (catatonit -P, or podman itself)
 * holding its user namespace; its pid is in tmp_dir/pause.pid. KILL it,
 * once sure by its XDG_RUNTIME_DIR that it is this store's.
 */
static void store_end_pause(const struct store *s)
{
	char path[320], line[32] = "";
	snprintf(path, sizeof path, "%s/tmp/pause.pid", s->dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return;
	bool got = fgets(line, sizeof line, f) != NULL;
	(void)fclose(f); /* read-only */
	char *end;
	errno = 0;
	long pid = got ? strtol(line, &end, 10) : 0;
	if (!got || errno != 0 || end == line || pid <= 1)
		return;
	if (environ_has(pid, s->xdg_env) && kill((pid_t)pid, SIGKILL) < 0)
		fprintf(stderr, "podtest: kill %ld (rootless pause): %s\n", pid, strerror(errno));
}

/* Clear the stores of the run directory dir, then remove it. */
static void remove_run_dir(const char *dir)
{
	char sub[300];
	struct store s;
	struct stat st;
	snprintf(sub, sizeof sub, "%s/" ROOTLESS_DIR, dir);
	if (stat(sub, &st) == 0) {
		store_init(&s, sub, true);
		store_clear(&s);
		store_end_pause(&s);
	}
	snprintf(sub, sizeof sub, "%s/" ROOTFUL_DIR, dir);
	if (stat(sub, &st) == 0) {
		store_init(&s, sub, false);
		store_clear(&s);
	}
	(void)nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Run directories of runs killed half-way: their pid is gone, or is no
 * longer a check_podman. */
static void remove_stale_runs(void)
{
	DIR *d = opendir("/tmp");
	if (d == NULL)
		return;
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		size_t plen = strlen(DIR_PREFIX);
		if (strncmp(e->d_name, DIR_PREFIX, plen) != 0)
			continue;
		char *end;
		errno = 0;
		long pid = strtol(e->d_name + plen, &end, 10);
		if (errno != 0 || end == e->d_name + plen || *end != '-' || pid <= 0)
			continue;
		char path[300], comm[64] = "";
		snprintf(path, sizeof path, "/proc/%ld/comm", pid);
		FILE *f = fopen(path, "re");
		if (f != NULL) {
			if (fgets(comm, sizeof comm, f) == NULL)
				comm[0] = '\0';
			(void)fclose(f); /* read-only */
		}
		if (strncmp(comm, "check_podman", 12) == 0)
			continue; /* a run in progress */
		snprintf(path, sizeof path, "/tmp/%s", e->d_name);
		remove_run_dir(path);
	}
	(void)closedir(d);
}

static void cleanup_at_exit(void)
{
	if (getpid() != suite_pid) /* forked tests inherit the atexit entry */
		return;
	remove_run_dir(run_dir);
}

/* ---- images ---------------------------------------------------------------- */

/* `podman import` of the run's rootfs tarball as name, with ENTRYPOINT
 * entry (a JSON array) or none, and env (NAME=value) or none; the why of a
 * failure into s->why. */
static bool import_image(struct store *s, const char *name, const char *entry, const char *env)
{
	static char out[16384], err[16384];
	char path_change[] = "ENV PATH=/usr/local/bin:/helpers:/bin:/sbin";
	char entry_change[256], env_change[256], tar[300];
	snprintf(tar, sizeof tar, "%s/rootfs.tar", run_dir);
	char *argv[40];
	int n = 0;
	for (int j = 0; j < s->prefix_n; j++)
		argv[n++] = s->prefix[j];
	argv[n++] = "import";
	argv[n++] = "--quiet";
	argv[n++] = "--change";
	argv[n++] = path_change;
	if (entry != NULL) {
		snprintf(entry_change, sizeof entry_change, "ENTRYPOINT %s", entry);
		argv[n++] = "--change";
		argv[n++] = entry_change;
	}
	if (env != NULL) {
		snprintf(env_change, sizeof env_change, "ENV %s", env);
		argv[n++] = "--change";
		argv[n++] = env_change;
	}
	argv[n++] = tar;
	argv[n++] = (char *)name;
	argv[n] = NULL;
	int code = cmd_capture(argv, out, sizeof out, err, sizeof err, PROBE_MS);
	if (code != 0)
		snprintf(s->why, sizeof s->why, "podman import %s failed (%d): %.800s", name, code,
			 err);
	return code == 0;
}

/* Make s, import its images and run one container; s->ok, or s->why. */
static void store_prepare(struct store *s, bool all_images)
{
	static char out[16384], err[16384];
	if (mkdir(s->dir, 0755) < 0 || !store_write(s)) {
		snprintf(s->why, sizeof s->why, "cannot make %s: %s", s->dir, strerror(errno));
		return;
	}
	if (s->rootless) {
		/* Its whole store belongs to nobody. */
		struct passwd *pw = getpwnam("nobody");
		if (pw == NULL) {
			snprintf(s->why, sizeof s->why, "no user nobody");
			return;
		}
		char owner[64];
		snprintf(owner, sizeof owner, "%d:%d", (int)pw->pw_uid, (int)pw->pw_gid);
		char *chown_argv[] = { "/bin/chown", "-R", owner, s->dir, NULL };
		if (cmd_capture(chown_argv, out, sizeof out, err, sizeof err, PROBE_MS) != 0) {
			snprintf(s->why, sizeof s->why, "chown %s: %.600s", s->dir, err);
			return;
		}
	}
	if (!import_image(s, IMG_TEST, "[\"/sbin/reaper\", \"--\"]", NULL))
		return;
	if (all_images &&
	    !(import_image(s, IMG_PAUSE, "[\"/sbin/reaper\", \"--pause\"]", NULL) &&
	      import_image(s, IMG_PAUSE_ENV, NULL, "REAPER_PAUSE=1") &&
	      import_image(s, IMG_SLEEP, "[\"/bin/sleep\", \"3600\"]", NULL) &&
	      import_image(s, IMG_WEB, "[\"/sbin/reaper\", \"--\"]", NULL) &&
	      import_image(s, IMG_LOG_SHIPPER, "[\"/usr/local/bin/log-shipper\"]", NULL)))
		return;
	char *argv[40];
	int n = 0;
	for (int j = 0; j < s->prefix_n; j++)
		argv[n++] = s->prefix[j];
	argv[n++] = "run";
	argv[n++] = "--rm";
	argv[n++] = IMG_TEST;
	argv[n++] = "true";
	argv[n] = NULL;
	int code = cmd_capture(argv, out, sizeof out, err, sizeof err, PROBE_MS);
	if (code != 0) {
		snprintf(s->why, sizeof s->why, "podman run fails (%d): %.800s", code, err);
		return;
	}
	s->ok = true;
}

/* ---- the run ---------------------------------------------------------------- */

/* cp SRC DST with mode 0755. */
static bool copy_exec(const char *src, const char *dst)
{
	static char out[4096], err[4096];
	char *argv[] = { "/bin/cp", (char *)src, (char *)dst, NULL };
	return cmd_capture(argv, out, sizeof out, err, sizeof err, PROBE_MS) == 0 &&
	       chmod(dst, 0755) == 0;
}

const char *podstore_open(void)
{
	if (!cmd_find("podman", NULL, podman_bin, sizeof podman_bin))
		return "no podman command in PATH (make check-podman installs it)";
	if (geteuid() != 0)
		return "Podman's rootful mode needs root, and this runs as another user";
	if (!cmd_find("env", NULL, env_bin, sizeof env_bin) ||
	    !cmd_find("setpriv", NULL, setpriv_bin, sizeof setpriv_bin))
		return "no env or setpriv command in PATH";
	suite_pid = getpid();
	remove_stale_runs();
	snprintf(run_dir, sizeof run_dir, "/tmp/" DIR_PREFIX "%d-XXXXXX", (int)suite_pid);
	if (mkdtemp(run_dir) == NULL || chmod(run_dir, 0755) < 0) {
		printf("podtest: cannot make %s: %s\n", run_dir, strerror(errno));
		exit(EXIT_FAILURE);
	}
	if (atexit(cleanup_at_exit) != 0) {
		printf("podtest: atexit failed: containers would be left behind\n");
		exit(EXIT_FAILURE);
	}
	char tar[300];
	snprintf(tar, sizeof tar, "%s/rootfs.tar", run_dir);
	snprintf(reaper_copy, sizeof reaper_copy, "%s/reaper-static", run_dir);
	if (!copy_exec(REAPER_BUILD_DIR "/reaper-static", reaper_copy) ||
	    !copy_exec(REAPER_PODMAN_ROOTFS, tar) || chmod(tar, 0644) < 0) {
		printf("podtest: cannot copy %s and %s into %s\n", REAPER_BUILD_DIR "/reaper-static",
		       REAPER_PODMAN_ROOTFS, run_dir);
		exit(EXIT_FAILURE);
	}

	char dir[300];
	snprintf(dir, sizeof dir, "%s/" ROOTFUL_DIR, run_dir);
	store_init(&stores[POD_ROOTFUL], dir, false);
	store_prepare(&stores[POD_ROOTFUL], true);
	if (!stores[POD_ROOTFUL].ok)
		return stores[POD_ROOTFUL].why; /* the atexit handler removes run_dir */
	snprintf(dir, sizeof dir, "%s/" ROOTLESS_DIR, run_dir);
	store_init(&stores[POD_ROOTLESS], dir, true);
	store_prepare(&stores[POD_ROOTLESS], false);
	return NULL;
}

void podstore_clear(void)
{
	for (int m = 0; m < POD_MODES; m++)
		if (stores[m].ok)
			store_clear(&stores[m]);
}

bool pod_mode_ok(enum pod_mode mode, const char **why)
{
	*why = stores[mode].why;
	return stores[mode].ok;
}

const char *pod_reaper_path(enum pod_mode mode)
{
	(void)mode; /* one copy, readable by both */
	return reaper_copy;
}

int podstore_prefix(enum pod_mode mode, char *const **argv)
{
	*argv = stores[mode].prefix;
	return stores[mode].prefix_n;
}

const char *podstore_podman(void)
{
	return podman_bin;
}
