# media: media: RTP endpoints and the RTP <-> B-channel bridge. Included from the top Makefile.am.
