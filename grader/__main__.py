"""`python -m grader` is the same as the `grade` command.

`python -m` puts the current folder first on sys.path, and a student's folder may hold a yaml.py or
click.py: it is taken off before anything else is imported, so the grader never runs a student's module in
its own process (the `grade` script never had the current folder on its path; `python -P -m grader`
neither).
"""

import os
import sys

if sys.path and not sys.flags.safe_path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from .prestart import main  # noqa: E402

main()
