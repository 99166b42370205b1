"""What each note id means, in a few words: the class report's column and docs/batch.md's list.

Apart from notes.py, which finds the notes, so that the class report reads these words without loading numpy.
"""

TITLES = {
    "inputs_modified": "the function changes its input arrays (passed the same array again, it gives other results)",
    "prints": "the function prints while it runs",
    "return_shapes": "J comes back as an array, grad as a row, or the two in a list: graded, but the course's "
                     "submit cell fails on them",
    "num_labels_from_data": "the number of classes is taken from y instead of num_labels",
    "scalar_activation_gradient": "the activation's gradient fails on a plain number",
    "slow_at_full_size": "far slower than a vectorized version at the assignment's full size (loops over examples)",
    "extra_parameter": "a parameter beyond the exercise's, whose default changes what the function returns",
    "both_names_defined": "a function is defined under two of its names: the note says which one is graded and why",
    "unread_redefinition": "a later definition of a graded function could not be read (a syntax error): an earlier "
                           "one is graded",
    "unsubmitted_definition": "a graded function is defined again after the course's grader cell that submits it: "
                              "the definition that cell submits is graded",
    "hard_coded_sizes": "a failed function writes the assignment's layer sizes as numbers (10, 25, 401) instead of "
                        "reading them from its arguments",
    "defined_twice": "a graded function is defined more than once: the last definition is graded",
    "module_level_value": "a failed function reads a module-level value instead of computing it",
    "work_beside": "graded 0 on a file with nothing done in it, though other files were handed in beside it "
                   "(grade batch)",
    "newer_stubs_not_graded": "a newer file handed in beside the graded one holds only the template's stubs: the "
                              "file with work in it is graded (grade batch)",
    "script_not_run": "top-level code was left out: the grader calls the functions itself (usual for notebooks)",
    "registered_other_name": "a course grader cell submits a function under a name the exercise does not accept: "
                             "that function is graded",
    "registered_other_failed": "the function a course grader cell submits in place of the student's own could not "
                               "be run here: the student's own was graded",
    "numpy_removed_name": "a name NumPy has removed (np.int, np.float_, np.product): it runs here, but not on a "
                          "current NumPy",
    "python_not_notebook": "a file named .ipynb holds Python source, not a notebook: it was graded as Python",
}
