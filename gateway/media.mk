# media: media: RTP endpoints and the RTP <-> B-channel bridge. Included from the top Makefile.am.
# The media library is the only code that sees SpanDSP (media_worker.c);
# media_sdp.c reads SDP with Sofia's parser (not nua).

noinst_LIBRARIES += gateway/libtandem_media.a
gateway_libtandem_media_a_SOURCES = \
	gateway/rtp.c gateway/rtp.h \
	gateway/rtp_endpoint.c \
	gateway/rtcp.c gateway/rtcp.h \
	gateway/rtp_srtp.c gateway/rtp_srtp.h \
	gateway/media_sdp.c gateway/media_sdp.h gateway/sdp_out.h \
	gateway/media.c gateway/media.h gateway/media_int.h \
	gateway/media_worker.c \
	gateway/g711.c gateway/g711.h \
	gateway/media_echo.c gateway/media_echo.h \
	gateway/media_plc.c gateway/media_plc.h \
	gateway/media_gate.c gateway/media_gate.h \
	gateway/media_fax.c gateway/media_fax.h \
	gateway/udptl.c gateway/udptl.h \
	gateway/media_t38sdp.c gateway/media_t38sdp.h
gateway_libtandem_media_a_CFLAGS = $(AM_CFLAGS) $(SOFIA_CFLAGS) $(SPANDSP_CFLAGS) $(SRTP_CFLAGS) $(SPEEXDSP_CFLAGS)

# Link order: media, span, then the loop (gateway) and common.
MEDIA_LIBS = gateway/libtandem_media.a gateway/libtandem_span.a gateway/libtandem_gateway.a \
	common/libtandem_common.a $(SOFIA_LIBS) $(SPANDSP_LIBS) $(SPEEXDSP_LIBS) $(SRTP_LIBS) -lpthread -lm

MEDIA_TESTS = tests/unit/test_rtp tests/unit/test_media_sdp tests/unit/test_media_bridge tests/unit/test_srtp \
	tests/unit/test_media_echo tests/unit/test_udptl tests/unit/test_t38sdp tests/unit/test_media_fax \
	tests/unit/test_rtcp tests/unit/test_media_gate tests/unit/test_g711
check_PROGRAMS += $(MEDIA_TESTS)
tests_unit_test_rtp_SOURCES = tests/unit/test_rtp.c tests/tap.h
tests_unit_test_rtp_LDADD = $(MEDIA_LIBS)
tests_unit_test_media_sdp_SOURCES = tests/unit/test_media_sdp.c tests/tap.h
tests_unit_test_media_sdp_LDADD = $(MEDIA_LIBS)
tests_unit_test_rtcp_SOURCES = tests/unit/test_rtcp.c tests/tap.h
tests_unit_test_rtcp_LDADD = $(MEDIA_LIBS)
tests_unit_test_srtp_SOURCES = tests/unit/test_srtp.c tests/tap.h
tests_unit_test_srtp_LDADD = $(MEDIA_LIBS)
tests_unit_test_udptl_SOURCES = tests/unit/test_udptl.c tests/tap.h
tests_unit_test_udptl_LDADD = $(MEDIA_LIBS)
tests_unit_test_t38sdp_SOURCES = tests/unit/test_t38sdp.c tests/tap.h
tests_unit_test_t38sdp_LDADD = $(MEDIA_LIBS)
tests_unit_test_media_fax_SOURCES = tests/unit/test_media_fax.c tests/fax_tiff.c tests/fax_tiff.h tests/tap.h
tests_unit_test_media_fax_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(TIFF_CFLAGS)
tests_unit_test_media_fax_LDADD = $(MEDIA_LIBS) $(TIFF_LIBS)
tests_unit_test_media_bridge_SOURCES = tests/unit/test_media_bridge.c tests/tap.h
tests_unit_test_media_bridge_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_unit_test_media_bridge_LDADD = $(MEDIA_LIBS)
tests_unit_test_media_gate_SOURCES = tests/unit/test_media_gate.c tests/tap.h
tests_unit_test_media_gate_LDADD = $(MEDIA_LIBS)
tests_unit_test_media_gate_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_unit_test_g711_SOURCES = tests/unit/test_g711.c tests/tap.h
tests_unit_test_g711_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_unit_test_g711_LDADD = $(MEDIA_LIBS)
tests_unit_test_media_echo_SOURCES = tests/unit/test_media_echo.c tests/tap.h
tests_unit_test_media_echo_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_unit_test_media_echo_LDADD = $(MEDIA_LIBS)
TESTS += $(MEDIA_TESTS)

# The SRTP peer of tests/integration/sip_srtp.sh (libsrtp2 directly).
check_PROGRAMS += tests/integration/srtp_peer
tests_integration_srtp_peer_SOURCES = tests/integration/srtp_peer.c
tests_integration_srtp_peer_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_integration_srtp_peer_LDADD = $(SRTP_LIBS)

# The echo canceller candidates (bench/echo.c, docs/media.md): built with
# `make all` so it cannot rot, run by hand (`bench/echo`).
check_PROGRAMS += bench/echo
all-local: bench/echo$(EXEEXT)
bench_echo_SOURCES = bench/echo.c
bench_echo_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS) $(SPEEXDSP_CFLAGS)
bench_echo_LDADD = $(MEDIA_LIBS)

# The fax test programs of tests/integration/fax_t38.sh: the SIP side's
# T.38 / G.711 fax terminal (SpanDSP over our UDPTL), and test pages; and
# of tests/integration/udptl_tshark.sh: a fax over our UDPTL FEC in a pcap.
check_PROGRAMS += tests/integration/t38_peer tests/integration/fax_page tests/integration/udptl_pcap
tests_integration_t38_peer_SOURCES = tests/integration/t38_peer.c
tests_integration_t38_peer_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_integration_t38_peer_LDADD = $(MEDIA_LIBS)
tests_integration_fax_page_SOURCES = tests/integration/fax_page.c tests/fax_tiff.c tests/fax_tiff.h
tests_integration_fax_page_CFLAGS = $(AM_CFLAGS) $(TIFF_CFLAGS)
tests_integration_fax_page_LDADD = $(TIFF_LIBS)
tests_integration_udptl_pcap_SOURCES = tests/integration/udptl_pcap.c tests/pcap_raw.h
tests_integration_udptl_pcap_CFLAGS = $(AM_CFLAGS) $(SPANDSP_CFLAGS)
tests_integration_udptl_pcap_LDADD = $(MEDIA_LIBS)
