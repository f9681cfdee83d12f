"""``python -m meterops.sts``: the STS token engine's command line."""

import sys

from meterops.sts.cli import main

sys.exit(main())
