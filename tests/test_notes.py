"""Notes that cost no points: what they say, and that they never change a score."""

import pytest

from .conftest import ROOT, SUBMISSIONS, grade_json, run_cli

EX5 = SUBMISSIONS / "ex5"


def _notes(name: str) -> tuple[dict, dict[str, str]]:
    report, _ = grade_json(EX5 / f"{name}.py", "--exercise", "ex5", "--timeout", "20")
    return report, {n["id"]: n["message"] for n in report["notes"]}


@pytest.mark.parametrize("name, note_id, words", [
    ("modifies_inputs", "inputs_modified", ["column 0 of Theta1 inside nn_params was set to 0",
                                            "passes the same array again passes the changed one",
                                            "as utils.checkNNGradients does"]),
    ("num_labels_from_data", "num_labels_from_data", ["lacks one of the num_labels labels", "num_labels"]),
    ("prints", "prints", ["prints while it runs", "cost:"]),
    ("scalar_fails", "scalar_activation_gradient", ["sigmoid_gradient(0.5) fails"]),
    ("slow_loops", "slow_at_full_size", ["5000 examples, layers 400-25-10", "vectorized version takes",
                                         "replace the loops over examples with matrix operations"]),
])
def test_note_says_what_happened(name, note_id, words):
    report, notes = _notes(name)
    assert report["score"] == 100  # notes never cost points
    assert list(notes) == [note_id]
    for word in words:
        assert word in notes[note_id]


def test_speed_note_gives_both_times():
    import re

    _, notes = _notes("slow_loops")
    times = re.findall(r"takes (\d+\.\d+) s", notes["slow_at_full_size"])
    assert len(times) == 2  # the student's time, then the reference's
    assert float(times[0]) >= 10 * float(times[1])


def test_no_probe_notes_when_the_parts_they_concern_failed():
    """num_labels and speed probes only run when the cost function's parts passed."""
    report, notes = _notes("crashes")
    assert "num_labels_from_data" not in notes and "slow_at_full_size" not in notes
    assert report["score"] == 5


def test_text_report_has_a_short_notes_section(cli):
    result = cli(str(EX5 / "modifies_inputs.py"), "--exercise", "ex5")
    assert result.exit_code == 0
    assert "Notes (no points taken)" in result.output and "column 0 of Theta1" in result.output


def test_a_full_size_call_that_times_out_is_a_speed_note(sandbox_runs):
    """The screening call runs out of its own --timeout: that is the note, and the grade waits out no other
    timeout and makes no full-size call (it would wait out one more --timeout). Counted from the sandbox
    runs, not timed: a grade's wall time on a busy machine says nothing (this test once bounded it by 4 s
    and failed 4 times in 20 at load 11)."""
    from .conftest import ROOT, argument

    report, status = grade_json(ROOT / "tests" / "timeouts" / "hangs_at_full_size.py", "--exercise", "ex5",
                                "--timeout", "2")  # 2: the graded calls before it may take 1 s on a busy machine
    assert (report["score"], status) == (100, 0)
    assert [n["id"] for n in report["notes"]] == ["slow_at_full_size"]
    # the screening call beside the graded calls (a fifth of the examples) already ran out of its own timeout
    message = report["notes"][0]["message"]  # in the student's words (student review 4, F10), not the sandbox's
    assert "did not finish one call at a fifth of the assignment's full size (1000 examples, layers 400-25-10) " \
           "in the 2 s the grader gives it (it was still running " in message, message
    assert "budget" not in message and "--timeout" not in message
    # review 25, F10: the file has no loop, so the note tells it to replace none
    assert "loop" not in message.replace("has no loop,", ""), message
    assert "your code has no loop, so look for what makes its array operations slow" in message, message

    def examples(call):
        return len(argument(call, "X", ()))

    assert max(examples(call) for call, _ in sandbox_runs) == 1000  # the screen ran; no call at the full size
    timed_out = [call for call, outcome in sandbox_runs if outcome is not None and outcome.status == "timeout"]
    assert [examples(call) for call in timed_out] == [1000]


def test_the_references_cpu_time_counts_no_other_thread():
    """A batch grades in threads: the reference's CPU time is its own thread's, not the process's, or the other
    slots' work would make the reference look slow and a slow submission fast. Here the measured function
    waits while another thread spins for 0.3 s of its own CPU time: the process's CPU time is then at least
    0.3 s whatever the machine's load, the waiting thread's close to nothing."""
    import threading
    import time

    from grader.notes import _cpu_seconds

    def wait_for_a_busy_thread():
        def spin():
            start = time.thread_time()
            while time.thread_time() - start < 0.3:
                pass

        busy = threading.Thread(target=spin)
        busy.start()
        busy.join()

    assert _cpu_seconds(wait_for_a_busy_thread) < 0.1


def _speed_outcome(status: str, cpu: float = 0.0, message: str = "") -> "object":
    from grader.sandbox import Outcome

    return Outcome(status, (0.5,) if status == "ok" else None, message, seconds=cpu, cpu_seconds=cpu)


def _speed_probe(screen):
    """probe_speed on ex5 with this screening outcome: (the note or None, the calls it ran at full size)."""
    from grader import notes
    from grader.spec import load

    from .conftest import ROOT

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    ran = []

    def run(calls):
        ran.extend(calls)
        return [_speed_outcome("ok", cpu=0.01)]

    part = next(p for p in exercise.parts if p.check == "cost")
    return notes.probe_speed(exercise, run, part, screen), ran


def test_a_quick_screening_call_spares_the_full_size_call():
    """1000 examples in 10 ms: even growing with m squared, 5000 would take 0.25 s, under the 0.5 s bar."""
    note, ran = _speed_probe(_speed_outcome("ok", cpu=0.010))
    assert note is None and ran == []


@pytest.mark.parametrize("screen", [None, "slow", "crashed", "out of the run's budget"])
def test_otherwise_the_full_size_call_decides(screen):
    outcome = {None: None, "slow": _speed_outcome("ok", cpu=0.030), "crashed": _speed_outcome("crash"),
               "out of the run's budget": _speed_outcome(
                   "timeout", message="running nn_cost_function was stopped: the run used up its 20 s budget")}[screen]
    note, ran = _speed_probe(outcome)
    assert note is None  # the full-size call (0.01 s here) is fast
    assert len(ran) == 1 and ran[0].args[4].shape == (5000, 400)


def test_a_screening_call_out_of_its_own_timeout_is_the_note():
    note, ran = _speed_probe(_speed_outcome("timeout", message="running nn_cost_function took longer than 10 s"))
    assert ran == [] and note.id == "slow_at_full_size"
    assert "at a fifth of the assignment's full size (1000 examples, layers 400-25-10)" in note.message


def test_notes_follow_the_parts_shortest_first(cli):
    report, _ = grade_json(SUBMISSIONS / "ex5" / "prints_and_modifies.py", "--exercise", "ex5")
    assert list(report).index("parts") < list(report).index("notes")
    lengths = [len(n["message"]) for n in report["notes"]]
    assert len(lengths) == 2 and lengths == sorted(lengths)
    text = cli("check", str(SUBMISSIONS / "ex5" / "prints_and_modifies.py"), "--exercise", "ex5").stdout
    first, second = (n["message"][:40] for n in report["notes"])
    assert text.index("Notes (no points taken)") < text.index(first) < text.index(second)


def test_extra_parameters_are_read_from_the_def():
    from grader.notes import extra_parameters
    from grader.spec import Function

    function = Function("f", ("F",), ("a", "b"), ("J",))
    assert extra_parameters("def f(a, b, flag=False, n=3, *, k=1): pass", function) == [("flag", False), ("n", 3)]
    assert extra_parameters("def F(a, b=1, c=None, d=len): pass", function) == [("c", None)]
    assert extra_parameters("def f(a, b): pass", function) == []
    assert extra_parameters("def f(a, b, c=1", function) == []  # unparsable: no note, no crash


def test_a_flag_the_course_never_passes_is_a_note_when_it_changes_the_result():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "extra_parameter.py", "--exercise", "ex5")
    [note] = report["notes"]
    assert note["id"] == "extra_parameter"
    assert "regularized=False" in note["message"] and "with regularized=True it returns the expected values" \
        in note["message"]
    assert "verbose" not in note["message"]  # printing changes no value


def _module_value_report(tmp_path, scale: str) -> dict:
    """Both functions read a module-level SCALE, which makes them wrong (2, 2.0) or stops the import (1 / 0)."""
    source = (SUBMISSIONS.parent.parent / "solutions" / "ex5.py").read_text()
    source = source.replace("import numpy as np\n", f"import numpy as np\n\nSCALE = {scale}\n", 1)
    source = source.replace("    return g * (1 - g)", "    return SCALE * g * (1 - g)", 1)
    source = source.replace("    J = ", "    J = SCALE * ", 1)
    assert source.count("SCALE") == 3
    path = tmp_path / "ex5.py"
    path.write_text(source)
    report, status = grade_json(path, "--timeout", "20")
    assert status == 1
    return report


def test_functions_that_read_a_module_level_value_are_named_together(tmp_path):
    """A whole number may be a count of the data (m = 5), which other inputs change: the note. A number that is
    not whole is the same on every input (HALF = 1 / 2): the note would be false there (review 25, F7)."""
    report = _module_value_report(tmp_path, "2")
    [message] = [n["message"] for n in report["notes"] if n["id"] == "module_level_value"]
    assert message.startswith("nn_cost_function and sigmoid_gradient read module-level SCALE (line 10) instead of "
                              "computing it from their arguments; the grader calls them with other inputs")
    report = _module_value_report(tmp_path, "2.0")
    assert "module_level_value" not in {n["id"] for n in report["notes"]}, report["notes"]


def test_a_part_no_mistake_explains_points_to_the_note_that_may(tmp_path):
    """Not "no mistake explains these values" alone above the note that names the cause (student review 3, F3)."""
    report = _module_value_report(tmp_path, "2")
    cost = next(p for p in report["parts"] if p["id"] == "cost")
    assert "No mistake in the grader's catalogue explains these values, but a note below may: a failed function " \
           "reads a module-level value instead of computing it." in cost["evidence"], cost["evidence"]
    assert "No mistake in the grader's catalogue explains these values." not in cost["evidence"]


def test_no_module_level_note_when_the_file_could_not_be_imported(tmp_path):
    """The functions never ran, so nothing they read can be why they failed (acceptance run 6, L2)."""
    report = _module_value_report(tmp_path, "1 / 0")
    assert report["score"] == 0 and "could not be imported: ZeroDivisionError" in report["parts"][0]["feedback"]
    assert "module_level_value" not in {n["id"] for n in report["notes"]}, report["notes"]


def test_a_call_counter_a_failed_function_updates_is_no_module_level_value(tmp_path):
    """`global calls; calls += 1` reads calls (so `calls = 0` runs), but it is the function's own state, not a
    value it should compute from its arguments: the failed function gets no module_level_value note for it."""
    source = (EX5 / "global_counter.py").read_text().replace("J = (1 / m)", "J = (0.5 / m)", 1)
    path = tmp_path / "ex5.py"
    path.write_text(source)
    report, _ = grade_json(path, "--exercise", "ex5")
    assert report["parts"][0]["score"] == 0 and "module_level_value" not in {n["id"] for n in report["notes"]}



def test_a_module_count_derived_from_another_constant_is_a_module_level_value(tmp_path):
    """fix28, T9: K = len(CLASS_NAMES) (ten digit names) read instead of num_labels fails every case with another
    number of classes; the note says why, as for K = 10. EPSILON_INIT = 0.12 beside it stands for no argument."""
    _, notes = _notes("module_class_count")
    assert notes == {"module_level_value": "nn_cost_function reads module-level K (line 10) instead of computing it "
                                           "from its arguments; the grader calls it with other inputs, where K is "
                                           "different."}, notes
    source = (EX5 / "module_class_count.py").read_text()
    names = source[source.index("\nCLASS_NAMES = ") + 1:source.index("\nEPSILON_INIT = ") + 1]  # the two lines
    digits = "CLASS_NAMES = ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')\n"
    loop = "Y = np.zeros((m, K))\n    for k, _ in enumerate(CLASS_NAMES):\n        Y[:, k] = y == k\n"
    counts = "counts the items of module-level CLASS_NAMES (line 9) instead of taking that number from its arguments"
    for header, changes, words in (
            ("CLASS_NAMES = list('0123456789')\nK = np.size(CLASS_NAMES)\n", {}, "reads module-level K (line 10)"),
            ("num_labels = 10\nK = num_labels\n", {}, "reads module-level K (line 10)"),  # the argument's own name
            (digits, {"(K, hidden": "(len(CLASS_NAMES), hidden", "eye(K)": "eye(len(CLASS_NAMES))"}, counts),
            (digits, {"(K, hidden": "(num_labels, hidden", "Y = np.eye(K)[y]\n": loop, "(m, K)": "(m, num_labels)"},
             counts)):
        text = source.replace(names, header, 1)
        for old, replacement in changes.items():
            assert old in text, old
            text = text.replace(old, replacement)
        path = tmp_path / "ex5.py"
        path.write_text(text)
        report, status = grade_json(path, "--timeout", "20")
        assert status == 1 and report["parts"][0]["score"] == 0, report
        [message] = [n["message"] for n in report["notes"] if n["id"] == "module_level_value"]
        assert message.startswith(f"nn_cost_function {words}"), message
    # a loop over the network's own two parts is the same on every input: K alone is noted
    path.write_text(source.replace(names, f"{names}LAYERS = ('Theta1', 'Theta2')\n", 1).replace(
        "    m = y.size\n", "    for _ in enumerate(LAYERS):\n        pass\n    m = y.size\n", 1))
    report, _ = grade_json(path, "--timeout", "20")
    assert [n["message"][:41] for n in report["notes"]] == ["nn_cost_function reads module-level K (li"], report


def _swapped_names(text: str) -> str:
    """The file with the snake_case and camelCase names of each function exchanged."""
    for snake, camel in (("nn_cost_function", "nnCostFunction"), ("sigmoid_gradient", "sigmoidGradient")):
        text = text.replace(snake, "\0").replace(camel, snake).replace("\0", camel)
    return text


def test_a_stub_under_the_other_name_is_not_graded_either_way(tmp_path):
    """The template's stubs left in under one name, the work under the other: the work is graded, whichever
    name the grader tries first, and a note says which and why (both_names_defined)."""
    path = tmp_path / "ex5.py"
    path.write_text(_swapped_names((EX5 / "both_names_stub.py").read_text()))
    report, _ = grade_json(path, "--exercise", "ex5")
    assert report["score"] == 100
    notes = [n["message"] for n in report["notes"] if n["id"] == "both_names_defined"]
    assert len(notes) == 2
    assert "nn_cost_function was graded, because nnCostFunction is still a stub" in notes[0] + notes[1]
    assert "sigmoid_gradient was graded, because sigmoidGradient is still a stub" in notes[0] + notes[1]


def test_two_real_definitions_say_which_one_the_grader_tried_first(tmp_path):
    body = (EX5 / "camel_case.py").read_text()
    path = tmp_path / "ex5.py"
    path.write_text(body + "\n\n" + _swapped_names(body.split("\n", 4)[4]))
    report, _ = grade_json(path, "--exercise", "ex5")
    assert report["score"] == 100
    notes = sorted(n["message"] for n in report["notes"] if n["id"] == "both_names_defined")
    assert len(notes) == 2 and all("neither is a stub, and the grader tries" in n for n in notes)
    assert "nn_cost_function was graded" in notes[0] and "sigmoid_gradient was graded" in notes[1]


def test_the_inputs_note_blames_callers_that_reuse_an_array_not_the_optimizer():
    """scipy.optimize.minimize passes every call a copy of its vector (ScalarFunction: "Send a copy because the
    user may overwrite it"), so the note once blamed the wrong caller: what a changed nn_params alters is the
    next call given the same array (the notebook's cells, checkNNGradients' slope around its nn_params)."""
    _, notes = _notes("modifies_inputs")
    assert "scipy.optimize.minimize" not in notes["inputs_modified"]
    assert "would corrupt" not in notes["inputs_modified"]


def _variant(tmp_path, name: str, old: str, new: str) -> dict:
    text = (ROOT / "solutions" / "ex5.py").read_text()
    assert old in text
    path = tmp_path / f"{name}.py"
    path.write_text(text.replace(old, new))
    report, _ = grade_json(path, "--exercise", "ex5")
    return report


def test_return_shapes_the_course_cannot_submit_get_a_note(tmp_path):
    """Student review 4, F5: J as a 1×1 array or grad as a 1×32 row get full marks here (the values are right),
    but the course's submit cell raises on them (np.hstack([J, grad]), grad[:12]): a note says so. A right return
    gets no such note."""
    for name, old, new, words in (("j_array", "    return J, grad", "    return np.array([[J]]), grad",
                                   "returns J as a 1×1 array, not a number"),
                                  ("grad_row", "    return J, grad", "    return J, grad.reshape(1, -1)",
                                   "returns grad as a 1×32 row, not a vector")):
        report = _variant(tmp_path, name, old, new)
        messages = {n["id"]: n["message"] for n in report["notes"]}
        assert report["score"] == 100 and words in messages.get("return_shapes", ""), report["notes"]
        fix = "Return float(J)." if name == "j_array" else "Return grad.ravel()."  # review 21, R8: only its own
        assert messages["return_shapes"].endswith(fix), messages["return_shapes"]
    report, _ = grade_json(ROOT / "solutions" / "ex5.py", "--exercise", "ex5")
    assert "return_shapes" not in {n["id"] for n in report["notes"]}


def test_a_list_return_the_course_cannot_submit_gets_a_note(tmp_path):
    """Student review 4, F5 (its third case): `return [J, grad]` gets full marks here, but the course's
    regularized-cost part hands the result to its sprintf, which reads a tuple's first value and makes one array
    of a list, and raises. The worker now says a list came back; the note names it and the tuple to return. A
    list beside a J that is a 1×1 array names both, with one fix."""
    report = _variant(tmp_path, "as_list", "    return J, grad", "    return [J, grad]")
    messages = {n["id"]: n["message"] for n in report["notes"]}
    assert report["score"] == 100, report
    assert messages["return_shapes"].startswith("nn_cost_function returns [J, grad] as a list, not a tuple."), messages
    assert "np.asarray([J, grad]) raises" in messages["return_shapes"]
    assert "code that expects a number and a vector" not in messages["return_shapes"]  # J, grad = f() works
    assert messages["return_shapes"].endswith("Return them as a tuple: return J, grad (no brackets).")
    report = _variant(tmp_path, "as_list_j_array", "    return J, grad", "    return [np.array([[J]]), grad]")
    message = next(n["message"] for n in report["notes"] if n["id"] == "return_shapes")
    assert "returns J as a 1×1 array, not a number; and [J, grad] as a list, not a tuple." in message, message
    assert message.endswith("Return float(J), as a tuple: return float(J), grad (no brackets)."), message


def test_the_scalar_note_explains_the_error_it_quotes(tmp_path):
    """Student review 4, F17: np.zeros(len(z)) fails on a plain float for its len(), and the note explained .shape."""
    report = _variant(tmp_path, "zeros_of_len", "    g = sigmoid(z)\n    return g * (1 - g)\n",
                      "    g = np.zeros(len(z))\n    g = sigmoid(z) * (1 - sigmoid(z))\n    return g\n")
    message = next(n["message"] for n in report["notes"] if n["id"] == "scalar_activation_gradient")
    assert report["score"] == 100 and "has no len()" in message, message
    assert "a plain float has no len(), so np.zeros(len(z))" in message and ".shape" not in message, message
    _, notes = _notes("scalar_fails")
    assert "a plain float has no .shape" in notes["scalar_activation_gradient"]  # the template's z.shape


def test_the_inputs_note_names_the_array_changed_and_a_failed_part(tmp_path):
    """Student review 4, F9: a changed y got the nn_params advice, and a change that cost the points said "No
    points are taken". The advice now follows the array changed, and a function that failed a part is told the
    change may be why."""
    first_layer = "    a1 = np.concatenate([np.ones((m, 1)), X], axis=1)\n"
    report = _variant(tmp_path, "changes_x", first_layer, first_layer + "    X[:, 0] = 0\n")
    message = next(n["message"] for n in report["notes"] if n["id"] == "inputs_modified")
    assert "The caller's X is changed too" in message and "nn_params" not in message, message
    assert report["score"] == 100 and "No points are taken" in message
    _, notes = _notes("modifies_inputs")
    assert "nn_params" in notes["inputs_modified"] and "No points are taken" in notes["inputs_modified"]
    report = _variant(tmp_path, "zeroes_bias", "    m = y.size\n", "    m = y.size\n    Theta1[:, 0] = 0\n")
    message = next(n["message"] for n in report["notes"] if n["id"] == "inputs_modified")
    assert report["score"] < 100 and "the change may be why a part failed" in message, message


def test_a_note_that_may_explain_a_failed_part_agrees_with_its_heading(tmp_path):
    """Review 21, R7: under "Notes (no points taken)" the changed-input note said "This may be why a part failed",
    as if the note had taken the points. It says the note takes none, and what may have."""
    text = (ROOT / "solutions" / "ex5.py").read_text()
    path = tmp_path / "zeroes_bias.py"
    path.write_text(text.replace("    m = y.size\n", "    m = y.size\n    Theta1[:, 0] = 0\n"))
    notes = run_cli(str(path), "--exercise", "ex5").output.split("Notes (no points taken)\n")[1]
    said = " ".join(notes.split())
    assert "This note takes no points itself, but the change may be why a part failed" in said, notes
    assert "This may be why" not in said


def test_the_assignments_sizes_written_as_numbers_are_named(tmp_path):
    """Student review 4, F11: np.eye(10)[y] and reshape(nn_params[:25 * 401], (25, 401)) work on the course's digits
    and fail on every other size; the shapes in the messages did not say why. A note names the numbers and their
    lines, for a function that failed a part; a right function gets none."""
    report = _variant(tmp_path, "hard_coded", "    y_matrix = np.eye(num_labels)[y]\n",
                      "    y_matrix = np.eye(10)[y]\n")
    message = next((n["message"] for n in report["notes"] if n["id"] == "hard_coded_sizes"), "")
    assert report["score"] < 100 and message.startswith("nn_cost_function writes the assignment's sizes as numbers "
                                                        "(10 at line "), report["notes"]
    assert "use input_layer_size, hidden_layer_size and num_labels" in message
    report, _ = grade_json(ROOT / "solutions" / "ex5.py", "--exercise", "ex5")
    assert "hard_coded_sizes" not in {n["id"] for n in report["notes"]}


def test_a_list_return_too_large_to_send_is_told_so(tmp_path):
    """Review 22, R1: the list flag was set before the worker's size check, so a list return over --result's
    32 MB went out as a bad_return flagged as a list, which the protocol refuses: the student read "stopped the
    Python process: sent a malformed result (bad list flag)" instead of the size of what they returned."""
    report = _variant(tmp_path, "huge_list", "    return J, grad", "    return [J, np.zeros(5_000_000)]")
    feedback = " ".join(p["feedback"] for p in report["parts"])
    assert "more than the 32 MB a result may hold" in feedback and "malformed" not in feedback, feedback


def test_the_templates_zeros_line_written_with_numpy_itself_is_no_scalar_note(tmp_path):
    """Acceptance run 15, N9: the template's `g = np.zeros(z.shape)` fails on a plain float by design, so it is no
    note (docs/submissions.md); written `numpy.zeros(z.shape)` after `import numpy`, it still got one."""
    for name, module in (("np_alias", "np"), ("numpy_itself", "numpy")):
        report = _variant(tmp_path, name, "    g = sigmoid(z)\n    return g * (1 - g)\n",
                          f"    import numpy\n    g = {module}.zeros(z.shape)\n    g = sigmoid(z) * (1 - sigmoid(z))\n"
                          f"    return g\n")
        assert report["score"] == 100 and report["notes"] == [], (name, report["notes"])


def test_the_scalar_note_explains_an_attribute_a_float_lacks(tmp_path):
    """Review 25, F9: `z = z.astype(np.float64)` fails on a plain float for its .astype, and the note explained
    .shape and the template's line, which the file does not have."""
    report = _variant(tmp_path, "astype", "    g = sigmoid(z)\n    return g * (1 - g)\n",
                      "    z = z.astype(np.float64)\n    g = sigmoid(z)\n    return g * (1 - g)\n")
    message = next(n["message"] for n in report["notes"] if n["id"] == "scalar_activation_gradient")
    assert report["score"] == 100, report
    assert "a plain float has no .astype, so the line that uses .astype breaks on it" in message, message
    assert ".shape" not in message and "template" not in message, message


def test_the_script_note_names_only_code_that_would_change_something(tmp_path):
    """Review 25, F11: `__version__ = ...` and np.seterr(...) left out change nothing (nothing the functions use),
    so the note no longer names them; a data load left out is still named."""
    report = _variant(tmp_path, "unread", "import numpy as np\n",
                      'import numpy as np\n__version__ = "1.0"\nnp.seterr(all="ignore")\ndata = np.loadtxt("d.txt")\n')
    message = next(n["message"] for n in report["notes"] if n["id"] == "script_not_run")
    assert report["score"] == 100 and message.startswith("Top-level code in line 11 of unread.py was not run"), message


def test_the_removed_numpy_names_note_says_each_name_as_written(tmp_path):
    """Review 26, R9: `from numpy import float_, NINF` and np.NINF were not in the note, and `numpy.product` was
    called np.product. Each is named as the file writes it, and all of them run."""
    text = (ROOT / "solutions" / "ex5.py").read_text().replace(
        "import numpy as np\n", "import numpy\nimport numpy as np\nfrom numpy import float_, NINF\n\nONE = "
        "int(numpy.product([NINF, 1.0]) < 0 and float_(1) == 1.0)\n").replace(
        "    m = y.size\n", "    m = y.size * ONE\n")
    path = tmp_path / "removed_as_written.py"
    path.write_text(text)
    report, _ = grade_json(path, "--exercise", "ex5")
    assert report["score"] == 100, report
    message = next(n["message"] for n in report["notes"] if n["id"] == "numpy_removed_name")
    for written in ("from numpy import float_", "from numpy import NINF", "numpy.product"):
        assert written in message, message


def test_the_scalar_note_explains_a_loop_or_an_index_over_a_float(tmp_path):
    """Review 27, T12: `for v in z` and `z[i]` on a plain float were told about the template's z.shape line, which
    the files do not have. (And T11: the removed-names note said "write -np.inf for from numpy import NINF".)"""
    body = "    g = sigmoid(z)\n    return g * (1 - g)\n"
    report = _variant(tmp_path, "loops", body, "    z = np.array([v for v in z])\n" + body)
    message = next(n["message"] for n in report["notes"] if n["id"] == "scalar_activation_gradient")
    assert "a loop over z (for v in z)" in message and "z.shape" not in message, message
    report = _variant(tmp_path, "indexes", body, "    z = z[:]\n" + body)
    message = next(n["message"] for n in report["notes"] if n["id"] == "scalar_activation_gradient")
    assert "indexing z" in message and "z.shape" not in message, message
    path = tmp_path / "ninf_used.py"
    path.write_text((ROOT / "solutions" / "ex5.py").read_text().replace(
        "import numpy as np\n", "import numpy as np\nfrom numpy import NINF\n", 1).replace(
        "    m = y.size\n", "    m = y.size + int(NINF > 0)\n"))
    report, _ = grade_json(path, "--exercise", "ex5")
    message = next(n["message"] for n in report["notes"] if n["id"] == "numpy_removed_name")
    assert "-np.inf where you use NINF" in message and "for from numpy import" not in message, message
