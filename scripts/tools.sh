#!/usr/bin/env bash
# Command-line tools the tests use as independent checkers and real peers, from Debian's packages:
#   softhsm2       a real PKCS#11 token (the school seal's USB token stand-in) for the signing service
#   poppler-utils  pdfsig (independent PDF signature validation) and pdftotext (what a rendered PDF says)
#   qpdf           structural checks of generated PDFs
#   libnss3-tools  certutil: an NSS database trusting the test root, so pdfsig also validates the certificates
#   kannel         the SMS gateway (bearerbox + smsbox) the notifications service sends SMS through
#   kannel-extras  fakesmsc, a fake operator (SMSC) behind Kannel for the notifications tests
#   chromium       the headless browser Playwright drives for the portal's end-to-end tests
#
#   scripts/tools.sh install   install the missing ones (idempotent; fast when all are present)
set -euo pipefail
EDU_NAME=tools.sh
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-install}" in
install) apt_install softhsm2 poppler-utils qpdf libnss3-tools kannel kannel-extras chromium ;;
*) die "usage: $0 install" ;;
esac
