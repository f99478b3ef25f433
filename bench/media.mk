# The media benchmark (bench/media.c, docs/media.md): channels one worker
# thread sustains (relay alone; relay + DTMF + echo canceller; the bare
# canceller) and the latency a bridge adds. Built with `make all` so it
# cannot rot; run on demand: `make bench-media` (no database needed).
# Included from the top Makefile.am.

check_PROGRAMS += bench/media
all-local: bench/media$(EXEEXT)
bench_media_SOURCES = bench/media.c
bench_media_LDADD = $(MEDIA_LIBS)

bench-media: bench/media$(EXEEXT)
	./bench/media$(EXEEXT)
bench: bench-media
.PHONY: bench-media
