# pstnsim: the carrier side of virtual PRI spans (libpri in network mode).
# Included from the top Makefile.am after gateway/span.mk (SPAN_LIBS).

bin_PROGRAMS += pstnsim/pstnsim
pstnsim_pstnsim_SOURCES = pstnsim/pstnsim.c pstnsim/tone.c pstnsim/tone.h
pstnsim_pstnsim_LDADD = $(SPAN_LIBS)
