#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# x0ttactl_cli.sh again with the ASan+UBSan build of x0ttactl: the replies
# of the real kernel go through the sanitized parsers too.
export X0TTA_BUILD=build/asan
exec "$(dirname "$0")/x0ttactl_cli.sh"
