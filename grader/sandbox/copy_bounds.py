"""How much of a submission's folder a run may see: the bounds of the root copy (submission_copy.py) and of a
Dask task's files (batch/task_files.py). Plain numbers, importable on every system."""

COPY_FILES, COPY_BYTES, COPY_DEPTH = 200, 64 << 20, 3  # files, bytes and levels of the submission's folder
SUBMISSION_BYTES = 16 << 20  # a submission larger than this is refused (the course's files are a few kB)
