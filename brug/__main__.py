import sys

from brug.cli import main

sys.exit(main())
