"""A yaml.py beside the submission: if the grader imports it (python -m grader from the student's folder puts
that folder first on sys.path), it runs as the grader, here leaving a mark beside itself."""
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile-yaml-ran"), "w").close()
raise ImportError("the grader imported the student's yaml.py")
