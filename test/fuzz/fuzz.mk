# test/fuzz/fuzz.mk: libFuzzer targets, included by the Makefile.
#
#   make fuzz                  each target FUZZ_SECONDS (60) seconds
#   make fuzz FUZZ_SECONDS=20 FUZZ_TARGETS="redact claude"
#
# Needs clang (libFuzzer ships with it). The library objects are built
# again under test/fuzz/obj with -fsanitize=fuzzer-no-link,address,undefined.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= redact claude opencode transcript
FUZZ_CFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -pthread -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS = $(addprefix test/fuzz/obj/,$(LIBOBJS))
FUZZ_BINS = $(addprefix test/fuzz/fuzz-,$(FUZZ_TARGETS))

test/fuzz/obj/%.o: %.c clankers.h
	@mkdir -p test/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

test/fuzz/obj/db.o: schema.inc
test/fuzz/obj/price.o: prices.inc
test/fuzz/obj/opencode_setup.o: opencode-plugin.inc

test/fuzz/fuzz-%: test/fuzz/fuzz-%.c test/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -I. -o $@ $< \
		$(FUZZ_OBJS) $(PKG_LIBS)

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "clankers: make fuzz needs $(FUZZ_CC) (apt-get install clang)" >&2; exit 1; }
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh test/fuzz/run.sh $(FUZZ_TARGETS)

# Kept between runs: make would delete them as intermediate files.
.SECONDARY: $(FUZZ_OBJS)

fuzz-clean:
	rm -rf test/fuzz/obj test/fuzz/work $(addprefix test/fuzz/fuzz-,redact claude opencode transcript)

.PHONY: fuzz fuzz-clean
