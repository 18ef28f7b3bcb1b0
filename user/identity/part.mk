# SPDX-License-Identifier: GPL-2.0
# user/identity: SPIFFE X.509-SVIDs, their validator, a small CA and mutual
# TLS 1.3, all on GnuTLS. Used by every controller connection and x0ttactl.
identity_DEPS := lib
identity_LDLIBS := -lgnutls
