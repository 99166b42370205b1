"""`python -m grader` is the same as the `grade` command."""

from .prestart import main

main()
