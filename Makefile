# clankers: records what AI coding agents do into SQLite and JSONL.
#
#   make            build ./clankers
#   make demo       replay a built-in example session and show what was stored
#   make test       unit tests and shell tests through the real binary
#   make e2e        only the end-to-end tests with the real Claude Code and
#                   OpenCode (test/t-e2e*.sh, which make test runs too)
#   make bench      hook cost against a minimal-insert floor, reports, search,
#                   import (not a test; IMPORT_MB=... sizes the imported history)
#   make stress     load and crash runs at full size (make test runs them small)
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS (60) each
#   make install    the binary and clankers.1; PREFIX=/usr/local DESTDIR=
#
# Switches: WERROR=1 (warnings are errors), SANITIZE=address,undefined,
# VALGRIND=1 (run the tests under valgrind). `deps` installs the libraries
# when pkg-config cannot find them (demo and test depend on it).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = sqlite3 libcjson

# The required flags are added even to a CFLAGS given on the command line.
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -pthread -Wall -Wextra -Wpedantic
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -pthread

LIBOBJS = util.o redact.o log.o db.o payload.o project.o jscan.o price.o store.o config.o check.o \
	claude.o transcript.o claude_import.o opencode.o opencode_db.o claude_setup.o opencode_setup.o agent.o event.o spool.o hook.o \
	query.o install.o import.o report.o doctor.o search.o show.o
# report's parts, and what query and report share (table.c, fmt.c, map.c)
LIBOBJS += section.o audit.o usage.o tools.o logread.o table.o fmt.o map.o
OBJS = clankers.o $(LIBOBJS)

all: clankers

clankers: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

%.o: %.c clankers.h
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

db.o: schema.inc
price.o: prices.inc
opencode_setup.o: opencode-plugin.inc

$(OBJS): | check-pkgs

# schema.sql becomes the bytes of a C array (generated, not committed).
schema.inc: schema.sql
	od -An -v -tx1 schema.sql | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' > $@.tmp
	mv $@.tmp $@

# prices.tsv, the price table, is embedded the same way.
prices.inc: prices.tsv
	od -An -v -tx1 prices.tsv | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' > $@.tmp
	mv $@.tmp $@

# The OpenCode plugin, which install opencode writes out.
opencode-plugin.inc: opencode-plugin.js
	od -An -v -tx1 opencode-plugin.js | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' > $@.tmp
	mv $@.tmp $@

# Says which library is missing and how to get it; `make deps` installs it.
check-pkgs:
	@missing=""; for p in $(PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "clankers: pkg-config cannot find:$$missing" >&2; \
		echo "clankers: run 'make deps', or install them yourself: $$(sh test/deps.sh --print)" >&2; \
		exit 1; \
	fi

deps:
	@sh test/deps.sh

test/unit: test/unit.c $(LIBOBJS) clankers.h
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -I. -o $@ test/unit.c $(LIBOBJS) $(PKG_LIBS)

test check: deps
	@$(MAKE) --no-print-directory clankers test/unit test/rss
	@VALGRIND=$(VALGRIND) sh test/run.sh

e2e: deps
	@$(MAKE) --no-print-directory clankers
	@VALGRIND=$(VALGRIND) sh test/run.sh test/t-e2e.sh test/t-e2e-opencode.sh

demo: deps
	@$(MAKE) --no-print-directory clankers
	@sh test/demo.sh

bench: deps
	@$(MAKE) --no-print-directory clankers test/floor test/rss
	@sh test/bench.sh
	@sh test/bench-report.sh
	@sh test/bench-search.sh
	@sh test/bench-import.sh

# Load and crashes at full size (test/t-stress.sh; make test runs it small).
stress: deps
	@$(MAKE) --no-print-directory clankers
	@STRESS_WRITERS="16 64" STRESS_EVENTS=200 STRESS_KILLS=300 sh test/run.sh test/t-stress.sh

test/floor: test/floor.c
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ test/floor.c $(PKG_LIBS)

test/rss: test/rss.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ test/rss.c

install: clankers
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 clankers $(DESTDIR)$(BINDIR)/clankers
	install -m 644 clankers.1 $(DESTDIR)$(MANDIR)/man1/clankers.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/clankers $(DESTDIR)$(MANDIR)/man1/clankers.1

clean:
	rm -f clankers $(OBJS) schema.inc schema.inc.tmp prices.inc prices.inc.tmp opencode-plugin.inc opencode-plugin.inc.tmp test/unit test/floor test/rss

.PHONY: all check-pkgs deps test check e2e demo bench stress install uninstall clean

# make fuzz: libFuzzer targets (clang), FUZZ_SECONDS each
include test/fuzz/fuzz.mk
