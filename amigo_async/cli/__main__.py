"""``python -m amigo_async.cli``: the same as the ``amigo-async`` command."""

import sys

from . import main

sys.exit(main())
