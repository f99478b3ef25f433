# directory: the daemon's directory: routing data loaded from PostgreSQL, reloaded on NOTIFY. Included from the top Makefile.am.
