"""What a student's return value shows, told through the CLI: values swapped, a gradient not unrolled."""

from .conftest import SUBMISSIONS, grade_json


def _parts(report):
    return {p["id"]: p for p in report["parts"]}


def test_swapped_return_values_are_named_and_the_gradient_is_not_called_right():
    report, status = grade_json(SUBMISSIONS / "ex5" / "returns_swapped.py", "--exercise", "ex5")
    parts = _parts(report)
    assert status == 1 and report["score"] == 5
    for part_id in ("cost", "regularized_cost", "gradient", "regularized_gradient"):
        feedback = parts[part_id]["feedback"]
        assert "nn_cost_function returned (grad, J); the course's functions return J, grad" in feedback, part_id
        assert "swapped back, both values are right" in feedback, part_id
        assert "gradient is right" not in feedback and "has shape" not in feedback, part_id
        assert parts[part_id]["mistakes"] == []


def test_a_gradient_left_as_a_list_of_matrices_keeps_the_cost_parts_and_is_told_to_unroll():
    report, status = grade_json(SUBMISSIONS / "ex5" / "gradient_not_unrolled.py", "--exercise", "ex5")
    parts = _parts(report)
    assert status == 1 and report["score"] == 50
    assert parts["cost"]["passed"] and parts["regularized_cost"]["passed"]
    assert parts["cost"]["feedback"] == "Nice work!"
    for part_id in ("gradient", "regularized_gradient"):
        feedback = parts[part_id]["feedback"]
        assert "returned a list for grad" in feedback, part_id
        assert "np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])" in feedback, part_id


def test_a_wrong_gradient_preview_starts_where_the_values_differ_and_names_the_theta(cli):
    """Only Theta2's block is wrong: the first entries (Theta1's) agree, so the preview shows Theta2's."""
    path = SUBMISSIONS / "ex5" / "theta2_gradient_from_z2.py"
    text = cli("check", str(path), "--exercise", "ex5").output
    section = text[text.index("* Neural Network Gradient"):text.index("* Regularized Gradient")]
    section = " ".join(section.split())  # the report wraps long lines
    assert "grad is […, " in section and "expected […, " in section
    # 2-4-4 network (case coursera): Theta1 holds 4 × 3 = 12 entries, then Theta2's bias column (from the
    # ones, right) begins row 0 of Theta2: grad[13] is the first wrong entry
    assert "the first 13 entries agree; grad[13], Theta2's gradient [0, 1], is the first that differs" in section
    report, _ = grade_json(path, "--exercise", "ex5")
    assert "is wrong (relative error" in _parts(report)["gradient"]["feedback"]


def test_a_return_with_an_extra_value_keeps_the_cost_parts_as_the_course_reads_f_0():
    """`return J, grad, cache`: the course's grader reads the cost parts as f(...)[0] and passes them; its
    `J, grad = f(...)` fails the gradient parts, here with the count message."""
    report, status = grade_json(SUBMISSIONS / "ex5" / "returns_extra_value.py", "--exercise", "ex5")
    parts = _parts(report)
    assert status == 1 and report["score"] == 50
    assert (parts["cost"]["score"], parts["regularized_cost"]["score"]) == (30, 15)
    assert parts["cost"]["feedback"] == "Nice work!"
    for part_id in ("gradient", "regularized_gradient"):
        assert parts[part_id]["score"] == 0
        assert "nn_cost_function returned 3 values, expected 2 (J, grad)" in parts[part_id]["feedback"], part_id
        assert parts[part_id]["mistakes"] == []


def test_a_wrong_matrix_preview_names_its_first_differing_entry_by_row_and_column(cli, tmp_path):
    """sigmoid_gradient's g is 3 × 10 in the course's case: rows 1 and 2 wrong make g[1, 0] the first that
    differs (a flat g[10] would be an IndexError in numpy)."""
    path = tmp_path / "ex5.py"
    path.write_text("import numpy as np\n\n\ndef sigmoid_gradient(z):\n    s = 1.0 / (1.0 + np.exp(-z))\n"
                    "    g = s * (1.0 - s)\n    g[1:] *= 1.01\n    return g\n")
    text = " ".join(cli("check", str(path), "--exercise", "ex5").output.split())  # the report wraps long lines
    assert "the first 10 entries agree; g[1, 0] is the first that differs (case coursera_z)" in text
