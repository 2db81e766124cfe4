/*
 * check_docker_slim: the slim image (docker/slim.Dockerfile, issue 18 item
 * 4) and its arm64 twin (issue 19 item 3), on the engine `docker info`
 * reaches.
 *
 * 1. The slim image, built from the context `make docker-context` staged
 *    (build/docker/slim), holds reaper and nothing to run besides: no
 *    shell (127), under 1 MB; `--user nobody` is looked up in its
 *    /etc/passwd; `docker run IMAGE --help` is 127 with the hint about
 *    REAPER_* and --entrypoint.
 * 2. With the aarch64 release binary (`make release`), docker/mkimage.sh
 *    makes the arm64 image: its config says linux/arm64, the binary in it
 *    is an aarch64 ELF, and, where qemu-aarch64-static is installed, it
 *    prints reaper's version. Without the release binary the case says so
 *    and passes (make check runs check-release, which builds it, later).
 *
 * Images are tagged reaper-e2e:<pid>-slim and -arm64, so dockertest's
 * clean-up removes them.
 */
#define _GNU_SOURCE
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dockertest.h"
#include "harness.h"

#ifndef REAPER_SOURCE_DIR
#error "REAPER_SOURCE_DIR: the repository (mk/docker-slim.mk defines it)"
#endif

#define SLIM_CONTEXT REAPER_BUILD_DIR "/docker/slim"
#define AARCH64_BIN REAPER_BUILD_DIR "/release/reaper-" REAPER_VERSION "-aarch64"
#define BUILD_MS 120000
#define VERSION_LINE "reaper " REAPER_VERSION " - git." /* --version's start */

static char slim_tag[96], arm_tag[96];

static void tags(void)
{
	snprintf(slim_tag, sizeof slim_tag, "%s-slim", docker_image());
	snprintf(arm_tag, sizeof arm_tag, "%s-arm64", docker_image());
}

static void build_slim(void)
{
	struct docker_cmd c;
	docker_cmd(&c, "build", "-q", "--label", (char *)docker_label(), "-t", slim_tag,
		   SLIM_CONTEXT, NULL);
	char out[8192];
	int code = docker_capture(&c, out, sizeof out, BUILD_MS);
	ck_assert_msg(code == 0, "docker build %s (make docker-context stages it): %d: %s",
		      SLIM_CONTEXT, code, out);
}

/* ---- 1. the slim image --------------------------------------------------- */

START_TEST(test_slim)
{
	tags();
	build_slim();
	char out[8192];
	struct docker_cmd c;

	docker_cmd(&c, "image", "inspect", "-f", "{{.Size}}", slim_tag, NULL);
	ck_assert_int_eq(docker_capture(&c, out, sizeof out, DOCKER_CMD_MS), 0);
	long size = strtol(out, NULL, 10);
	printf("slim image: %ld bytes\n", size);
	(void)fflush(stdout);
	ck_assert_msg(size > 100000 && size < 1000000, "slim image size %ld", size);

	/* No shell: reaper is all there is to run. */
	docker_cmd_run(&c, "slim-sh", "--network", "none", slim_tag, "/bin/sh", "-c", "true", NULL);
	int code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 127 && strstr(out, "reaper: cannot run '/bin/sh'") != NULL,
		      "/bin/sh in the slim image: exit %d: %s", code, out);

	/* --user by name, from the image's /etc/passwd. */
	docker_cmd_run(&c, "slim-user", "--network", "none", "--entrypoint", "/sbin/reaper",
		       slim_tag, "-u", "nobody", "--", "/sbin/reaper", "--version", NULL);
	code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 0 && strncmp(out, VERSION_LINE, strlen(VERSION_LINE)) == 0,
		      "-u nobody: exit %d: %s", code, out);

	/* An option after the image name: 127 and the hint. */
	docker_cmd_run(&c, "slim-help", "--network", "none", slim_tag, "--help", NULL);
	code = docker_capture(&c, out, sizeof out, DOCKER_CMD_MS);
	ck_assert_msg(code == 127 && strstr(out, "REAPER_") != NULL &&
			      strstr(out, "--entrypoint") != NULL,
		      "docker run IMAGE --help: exit %d: %s", code, out);
}
END_TEST

/* ---- 2. the arm64 image -------------------------------------------------- */

/* sh -c script on the host within timeout_ms; its exit code, output in r. */
static int host_sh(struct run *r, const char *script, int timeout_ms)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	return run_simple(r, RUN_HOST, argv, timeout_ms);
}

/* The ELF machine of path (EM_*), or -1. */
static int elf_machine(const char *path)
{
	Elf64_Ehdr h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t got = read(fd, &h, sizeof h);
	(void)close(fd); /* read-only */
	if (got != (ssize_t)sizeof h || memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
		return -1;
	return h.e_machine;
}

START_TEST(test_arm64)
{
	tags();
	if (access(AARCH64_BIN, X_OK) != 0) {
		printf("check_docker_slim: arm64 image not tested: no %s (make release)\n",
		       AARCH64_BIN);
		return;
	}
	static struct run r;
	char dir[] = "/tmp/reaper-slim-arm64.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char script[2048];
	snprintf(script, sizeof script,
		 "set -e; %s/docker/stage-slim.sh %s/ctx %s aarch64-linux-gnu-strip && "
		 "%s/docker/mkimage.sh %s/ctx arm64 %s | %s load && "
		 "id=$(%s create %s) && %s cp \"$id:/sbin/reaper\" %s/reaper; "
		 "%s rm \"$id\" >/dev/null",
		 REAPER_SOURCE_DIR, dir, AARCH64_BIN, REAPER_SOURCE_DIR, dir, arm_tag,
		 docker_path(), docker_path(), arm_tag, docker_path(), dir, docker_path());
	int code = host_sh(&r, script, BUILD_MS);
	ck_assert_msg(code == 0, "arm64 image: %d: %s %s", code, r.out, r.err);

	char out[8192];
	struct docker_cmd c;
	docker_cmd(&c, "image", "inspect", "-f", "{{.Os}}/{{.Architecture}}/{{.Variant}}",
		   arm_tag, NULL);
	ck_assert_int_eq(docker_capture(&c, out, sizeof out, DOCKER_CMD_MS), 0);
	ck_assert_msg(strcmp(out, "linux/arm64/v8\n") == 0, "arm64 image config: %s", out);

	char bin[128];
	snprintf(bin, sizeof bin, "%s/reaper", dir);
	ck_assert_int_eq(elf_machine(bin), EM_AARCH64);
	if (access("/usr/bin/qemu-aarch64-static", X_OK) == 0) {
		snprintf(script, sizeof script, "/usr/bin/qemu-aarch64-static %s --version", bin);
		code = host_sh(&r, script, DOCKER_CMD_MS);
		ck_assert_msg(code == 0 && strncmp(r.out, VERSION_LINE, strlen(VERSION_LINE)) == 0,
			      "qemu-aarch64-static reaper --version: %d: %s %s", code, r.out, r.err);
	} else {
		printf("check_docker_slim: the arm64 binary was not run: no qemu-aarch64-static\n");
	}
	snprintf(script, sizeof script, "rm -rf %s", dir);
	ck_assert_int_eq(host_sh(&r, script, DOCKER_CMD_MS), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = docker_suite("docker slim");
	TCase *tc = docker_tcase("slim image", 180);
	tcase_add_test(tc, test_slim);
	tcase_add_test(tc, test_arm64);
	suite_add_tcase(s, tc);
	return s;
}
