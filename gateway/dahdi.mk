# dahdi: the DAHDI span backend and its system-call emulation for tests. Included from the top Makefile.am.
