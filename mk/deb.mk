# ---- Debian package (issue 19) -----------------------------------------------
#
#   make deb   $(DEB_FILE): make install (PREFIX=/usr) into $(BUILD)/deb/root,
#              the static build, copyright and changelog added by
#              pkg/mkdeb.sh, then dpkg-deb; no debhelper
#
# Tested by tests/release/check_deb (in check-release): lintian finds no
# error, and apt installs it, /usr/bin/reaper runs, apt removes it.

DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE := $(BUILD)/reaper_$(VERSION)-1_$(DEB_ARCH).deb
DEB_SUITE := $(BUILD)/tests/release/check_deb

.PHONY: deb

deb: $(BUILD)/reaper $(BUILD)/reaper-static
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD))/deb/root PREFIX=/usr
	pkg/mkdeb.sh $(abspath $(BUILD)) $(VERSION) $(REAPER_COMMIT)
