"""Grading for credit on a platform: read its folders, grade, write its result file (docs/platforms.md).

common.py finds and grades the submission (a failure becomes a reason, never an exception);
gradescope.py and coursera.py turn the outcome into each platform's file; package.py builds what an
instructor uploads.
"""
