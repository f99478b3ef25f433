# mapping: mappings: Q.850 causes <-> SIP status, numbers and identity. Included from the top Makefile.am.
