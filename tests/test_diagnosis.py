"""Diagnosis through the CLI: explanations fit the exercise, evidence says where to look."""

import numpy as np

from grader.diagnosis import Variants, applicable, diagnose
from grader.mistakes import CATALOGUE

from .conftest import ROOT, SUBMISSIONS, grade_json, run_cli

REQUIRED_IDS = {
    "extra_output_derivative", "missing_output_derivative", "output_delta_sign", "hidden_derivative_of_activation",
    "missing_hidden_derivative", "wrong_bias_column_dropped", "gradient_not_averaged", "cost_not_averaged",
    "cost_averaged_over_classes", "cost_missing_negative_class_term", "labels_not_one_hot", "labels_off_by_one",
    "regularized_bias_cost", "regularized_bias_gradient", "cost_regularization_factor",
    "gradient_regularization_factor", "missing_cost_regularization", "missing_gradient_regularization",
    "gradient_unrolled_wrong_order", "params_reshaped_wrong_order", "activation_gradient_of_input",
    # issue 12
    "regularization_row_not_bias_column", "regularization_of_accumulated_gradient", "regularization_bias_column_ones",
    "regularization_builtin_sum", "bias_gradient_zeroed", "delta_labels_not_one_hot", "not_implemented",
    "wrong_activation_derivative",
}


def _part(report, part_id):
    return next(p for p in report["parts"] if p["id"] == part_id)


def test_catalogue_has_every_required_mistake_once():
    keys = [m.key for m in CATALOGUE]
    assert REQUIRED_IDS <= {m.id for m in CATALOGUE} and len(keys) == len(set(keys))
    for m in CATALOGUE:  # the forms of one id share its title (reports and class counts show one name)
        assert m.title == next(other.title for other in CATALOGUE if other.id == m.id)
    assert all(m.title and m.explanation for m in CATALOGUE)


def test_extra_output_derivative_is_explained_for_cross_entropy():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "extra_output_derivative.py", "--exercise", "ex5")
    [mistake] = _part(report, "gradient")["mistakes"]
    text = mistake["explanation"]
    assert mistake["id"] == "extra_output_derivative"
    assert "cross_entropy" in text and "cancel" in text and "δ(L) = a(L) − y" in text
    assert "squared error" in text  # says when the factor would be right


def test_missing_output_derivative_is_explained_for_squared_error():
    report, _ = grade_json(SUBMISSIONS / "ex5_mse" / "missing_output_derivative.py", "--exercise", "ex5_mse")
    [mistake] = _part(report, "gradient")["mistakes"]
    text = mistake["explanation"]
    assert mistake["id"] == "missing_output_derivative"
    assert "squared_error" in text and "do not cancel" in text and "a·(1 − a)" in text


def test_hidden_layer_mistake_evidence_points_at_the_hidden_delta():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "missing_hidden_derivative.py", "--exercise", "ex5")
    evidence = " ".join(_part(report, "gradient")["evidence"])
    assert "Theta1 wrong, Theta2 right" in evidence and "hidden-layer deltas" in evidence
    assert "does not agree with the numerical slope of your own cost" in evidence
    assert "Your cost is right" in evidence


def test_consistent_cost_and_gradient_evidence_says_the_cost_is_wrong_too():
    """Wrong one-hot rows change cost and gradient alike: the gradient matches its own cost's slope."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "labels_off_by_one.py", "--exercise", "ex5")
    evidence = " ".join(_part(report, "gradient")["evidence"])
    assert "agrees with the numerical slope of your own cost function" in evidence
    assert "what both read (the weights as rebuilt from nn_params, the labels) — fix that first" in evidence


def test_unexplained_error_says_so_honestly():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "unexplained_gradient.py", "--exercise", "ex5")
    part = _part(report, "gradient")
    assert part["mistakes"] == [] and part["score"] == 0
    assert any("No mistake in the grader's catalogue" in line for line in part["evidence"])
    assert any("Theta1 wrong, Theta2 right" in line for line in part["evidence"])


def test_passed_parts_are_never_diagnosed():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "regularized_bias_gradient.py", "--exercise", "ex5")
    for part in report["parts"]:
        assert bool(part["mistakes"]) == (not part["passed"])
        assert part["passed"] or part["evidence"]


def test_reference_values_are_not_matched_by_any_mistake():
    """Diagnose the reference itself as if it had failed: no catalogue variant may match it."""
    from grader.cases import build_all
    from grader.spec import load

    for name in ("ex5", "ex5_mse", "softmax_tanh", "regression", "deep_relu"):
        exercise = load(ROOT / "exercises" / f"{name}.yaml")
        cases = build_all(exercise)
        variants = Variants(exercise, cases)
        mistakes = applicable(exercise, cases)
        for part in exercise.parts:
            observed = {c: variants.output(part, c) for c in part.cases}
            assert diagnose(variants, part, observed, mistakes) == [], (name, part.id)


def test_every_mistake_variant_is_named_by_itself():
    """Feed each variant's own outputs back: diagnosis must name exactly that mistake on each part it changes."""
    from grader.cases import build_all
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    cases = build_all(exercise)
    variants = Variants(exercise, cases)
    mistakes = applicable(exercise, cases)
    for mistake in mistakes:
        for part in exercise.parts:
            if variants.changes(part, (mistake,)):
                observed = {c: variants.output(part, c, (mistake,)) for c in part.cases}
                named = diagnose(variants, part, observed, mistakes)
                assert [m.id for m in named] == [mistake.id], (mistake.key, part.id)


def test_lambda_term_is_blamed_when_the_unregularized_twin_passes():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "lambda_squared.py", "--exercise", "ex5")
    cost, gradient = _part(report, "regularized_cost"), _part(report, "regularized_gradient")
    assert cost["mistakes"] == [] and gradient["mistakes"] == []
    assert any("right with λ = 0" in line and "bug is in the λ term" in line for line in cost["evidence"])
    assert any("right with λ = 0" in line and "bug is in the λ term" in line for line in gradient["evidence"])
    blocks = next(line for line in gradient["evidence"] if line.startswith("Gradient by weight matrix"))
    assert "Theta1 wrong, Theta2 wrong" in blocks and "the λ term alone" in blocks
    assert "every layer is off" not in " ".join(gradient["evidence"])


def test_the_lambda_term_forgotten_for_one_theta_is_named_for_it():
    """Both λ terms regularize Theta1 only: the cost part names its catalogue mistake, made for Theta2 only, and
    the gradient part, which compares J too, names both, as it names the pair when the λ terms are missing for
    every Θ (acceptance run 9, D1; review 16, F1: the J it also compares was left unexplained)."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "lambda_term_only_theta1.py", "--exercise", "ex5")
    cost, gradient = _part(report, "regularized_cost"), _part(report, "regularized_gradient")
    assert [(m["id"], m["title"]) for m in cost["mistakes"]] == \
        [("missing_cost_regularization", "No λ term in the cost (Theta2 only)")]
    assert [m["id"] for m in gradient["mistakes"]] == ["missing_gradient_regularization", "missing_cost_regularization"]
    assert gradient["mistakes"][0]["explanation"].endswith(
        "Here the mistake is in Theta2's gradient only; Theta1's is right.")


def test_a_mistake_for_one_theta_beside_a_wrong_j_is_named_with_what_makes_j_wrong(tmp_path):
    """Theta2's λ term is missing from the gradient, and the cost is not divided by m: the gradient part, which
    compares J too, names both, as it names the pair when the gradient's λ term is missing for every Θ; not
    the one-Θ mistake alone, which would leave its J unexplained (review 16, F1)."""
    source = (SUBMISSIONS / "ex5" / "lambda_term_only_theta1.py").read_text()
    source = source.replace("    J += lambda_ / (2 * m) * np.sum(Theta1[:, 1:] ** 2)\n",
                            "    J = J * m + lambda_ / (2 * m) * (np.sum(Theta1[:, 1:] ** 2)"
                            " + np.sum(Theta2[:, 1:] ** 2))\n")
    assert "J = J * m" in source
    path = tmp_path / "ex5.py"
    path.write_text(source)
    report, _ = grade_json(path, "--exercise", "ex5")
    gradient = _part(report, "regularized_gradient")
    assert [m["title"] for m in gradient["mistakes"]] == ["No λ term in the gradient (Theta2 only)",
                                                          "Cost not divided by m"]


def test_unwritten_parts_are_named_per_part_without_factor_analysis():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "unfinished_backprop.py", "--exercise", "ex5")
    for part_id in ("sigmoid_gradient", "gradient", "regularized_gradient"):
        part = _part(report, part_id)
        assert [m["id"] for m in part["mistakes"]] == ["not_implemented"]
        assert part["feedback"].startswith("Not written yet: ")
        assert not any("factor" in line for line in part["evidence"])
    assert _part(report, "gradient")["feedback"].startswith("Not written yet: grad is still the template's zeros")
    assert _part(report, "cost")["mistakes"] == [] and _part(report, "cost")["passed"]


def test_a_written_backprop_calling_the_unwritten_sigmoid_gradient_is_not_called_unwritten(tmp_path):
    """Student review 4, F3: backpropagation written, sigmoid_gradient left as the template's zeros. Theta1's
    gradient is then zero, and the gradient parts said "Not written yet" (and the regularized one that no mistake
    explains); they now say their values are the right ones with every hidden δ zero, and which part to write."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    written = "    g = sigmoid(z)\n    return g * (1 - g)\n"
    assert written in solution
    path = tmp_path / "ex5.py"
    path.write_text(solution.replace(written, "    g = np.zeros(z.shape)\n    return g\n"))
    report, status = grade_json(path, "--exercise", "ex5")
    assert status == 1 and [m["id"] for m in _part(report, "sigmoid_gradient")["mistakes"]] == ["not_implemented"]
    for part_id in ("gradient", "regularized_gradient"):
        part = _part(report, part_id)
        assert part["mistakes"] == [] and "Not written yet" not in part["feedback"], part
        assert part["evidence"][0] == (
            "These are the right values with every hidden layer's δ zero: the activation gradient your function "
            "calls still returns the template's zeros (part 3, Sigmoid Gradient). Write that one, then grade again.")
        assert "No mistake in the grader's catalogue" not in " ".join(part["evidence"])


LINEAR_GRADIENT = """\
id: linear_grad
title: Linear gradient
network:
  activations: [relu, linear]
  loss: squared_error
conventions: {targets: values}
functions:
  linear_gradient:
    arguments: [z]
    returns: [g]
cases:
  z_a:
    z: {random: normal, seed: 6, scale: 2.0, shape: [4, 6]}
parts:
  - {id: act_grad, title: Linear Gradient, points: 10, function: linear_gradient, check: activation_gradient,
     activation: linear, cases: [z_a]}
tolerance: 1.0e-4
"""


def test_an_activation_gradient_part_of_an_activation_that_borrows_nothing_is_diagnosed(tmp_path):
    """Author review 4, E1: a linear_gradient part beside a ReLU layer (whose borrowed-derivative mistake then
    applies) validated, then a wrong submission and `grade audit` stopped with "internal error (KeyError:
    'linear')". Now the wrong one scores 0 with exit 1, the right one 10, and the audit runs."""
    spec = tmp_path / "linear_grad.yaml"
    spec.write_text(LINEAR_GRADIENT)
    for body, score, status in (("np.ones_like(z)", 10, 0), ("z", 0, 1)):
        path = tmp_path / "linear_grad.py"
        path.write_text(f"import numpy as np\n\n\ndef linear_gradient(z):\n    return {body}\n")
        report, code = grade_json(path, "--exercise", str(spec))
        assert (report["score"], code) == (score, status), report
    result = run_cli("audit", str(spec))
    assert "internal error" not in result.output and result.exit_code in (0, 1), result.output
    assert result.output.startswith("Audit of linear_grad"), result.output


def test_the_gradient_check_line_does_not_blame_the_cost_formula_for_scrambled_weights():
    """Student review 4, F12: beside params_reshaped_wrong_order (the cost formula right, the weights scrambled), the
    slope line said "the cost formula itself is wrong". It now names what the cost and the gradient share."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "params_reshaped_wrong_order.py", "--exercise", "ex5")
    part = _part(report, "gradient")
    slope = next(e for e in part["evidence"] if "numerical slope" in e)
    assert [m["id"] for m in part["mistakes"]] == ["params_reshaped_wrong_order"]
    assert "the cost formula itself is wrong" not in slope and "the weights as rebuilt from nn_params" in slope, slope


def test_relus_derivative_at_zero_may_be_either_convention(tmp_path):
    """Author review 4, E4: ReLU has no derivative at z = 0, and a right `(z >= 0)` failed a z case holding exact
    zeros (a grid from −3 by 0.25) where the reference says 0. Either 0 or 1 is right there; elsewhere a wrong
    value still fails."""
    text = (ROOT / "exercises" / "deep_relu.yaml").read_text()
    old = "z: {sequence: sin, start: 1, step: 1, scale: 3, order: column, shape: [3, 10]}"
    assert old in text
    spec = tmp_path / "deep_relu.yaml"
    spec.write_text(text.replace(old, "z: {sequence: linear, start: -3, step: 0.25, shape: [4, 6]}"))
    solution = (ROOT / "solutions" / "deep_relu.py").read_text()
    for body, score in (("(z >= 0).astype(float)", 5), ("(z > 0).astype(float)", 5), ("np.heaviside(z, 1.0)", 5),
                        ("(z >= -0.25).astype(float)", 0)):
        path = tmp_path / "deep_relu.py"
        path.write_text(solution.replace("def relu_gradient(z):", f"def relu_gradient(z):\n    return {body}\n\n\n"
                                         "def _unused(z):"))
        report, _ = grade_json(path, "--exercise", str(spec))
        assert _part(report, "relu_gradient")["score"] == score, (body, _part(report, "relu_gradient"))


def test_every_mistake_variant_is_named_by_itself_on_every_exercise():
    """Fed its own outputs, each form of each mistake is named by its id alone, on every shipped exercise."""
    from grader.cases import build_all
    from grader.spec import load

    for name in ("ex5_mse", "softmax_tanh", "regression", "deep_relu"):
        exercise = load(ROOT / "exercises" / f"{name}.yaml")
        cases = build_all(exercise)
        variants = Variants(exercise, cases)
        mistakes = applicable(exercise, cases)
        for mistake in mistakes:
            for part in exercise.parts:
                if variants.changes(part, (mistake,)):
                    observed = {c: variants.output(part, c, (mistake,)) for c in part.cases}
                    named = diagnose(variants, part, observed, mistakes)
                    assert [m.id for m in named] == [mistake.id], (name, mistake.key, part.id)


def test_wrong_activation_derivative_says_which_derivative_was_used_and_which_is_needed():
    report, _ = grade_json(SUBMISSIONS / "softmax_tanh" / "wrong_activation_derivative.py", "--exercise",
                           "softmax_tanh")
    [mistake] = _part(report, "gradient")["mistakes"]
    assert mistake["id"] == "wrong_activation_derivative"
    assert "tanh layer you used sigmoid's derivative a·(1 − a)" in mistake["explanation"]
    assert "tanh needs tanh′(z) = 1 − a²" in mistake["explanation"]
    report, _ = grade_json(SUBMISSIONS / "deep_relu" / "wrong_activation_derivative.py", "--exercise", "deep_relu")
    [mistake] = _part(report, "relu_gradient")["mistakes"]
    assert "relu layer you used sigmoid's derivative a·(1 − a)" in mistake["explanation"]
    assert "relu needs relu′(z) = 1 where z > 0" in mistake["explanation"]


def test_gradient_length_tells_a_dropped_bias_column_or_a_kept_one():
    from grader.diagnosis import gradient_size_report
    from grader.engine.network import Network

    network = Network((2, 4, 4), ("sigmoid", "sigmoid"), "cross_entropy")  # Theta1 4×3, Theta2 4×5: 32
    assert gradient_size_report(network, 28)[0] == "bias_gradient_zeroed"  # Theta1's bias column only
    assert gradient_size_report(network, 24)[0] == "bias_gradient_zeroed"  # both
    mistake, text = gradient_size_report(network, 35)  # δ2 kept its bias column: Theta1's gradient is 5×3
    assert mistake is None and "δ2 kept the bias column of δ3·Theta2" in text
    assert gradient_size_report(network, 31) == (None, "")


def test_dropped_bias_gradient_is_named_from_the_gradients_length():
    report, _ = grade_json(SUBMISSIONS / "ex5" / "bias_gradient_dropped.py", "--exercise", "ex5")
    part = _part(report, "gradient")
    assert [m["id"] for m in part["mistakes"]] == ["bias_gradient_zeroed"]
    first = part["evidence"][0]
    assert first.startswith("Your gradient has ") and "bias column of Theta1 and Theta2" in first


def _slope_lines(report: dict) -> dict[str, list[str]]:
    return {part: [e for e in _part(report, part)["evidence"] if "numerical slope" in e]
            for part in ("gradient", "regularized_gradient")}


def test_every_failed_gradient_part_gets_its_slope_evidence():
    """The slope calls of both failed gradient parts run in one worker; each part gets its own line."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "missing_hidden_derivative.py", "--exercise", "ex5")
    assert all(len(lines) == 1 for lines in _slope_lines(report).values()), _slope_lines(report)


def test_a_crash_among_the_slope_calls_costs_only_that_part_its_slope(tmp_path):
    """The cost crashes the worker on its 13th call at λ = 0 (only the slope calls get that far in one worker:
    the graded run makes 8 calls of it): the λ = 0 part loses its slope line, the λ > 0 part's calls run again
    in a worker of their own."""
    source = (SUBMISSIONS / "ex5" / "missing_hidden_derivative.py").read_text()
    source = source.replace("def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,\n"
                            "                     X, y, lambda_=0.0):\n",
                            "CALLS = [0]\n\n\n"
                            "def nn_cost_function(nn_params, input_layer_size, hidden_layer_size, num_labels,\n"
                            "                     X, y, lambda_=0.0):\n"
                            "    CALLS[0] += 1\n"
                            "    if CALLS[0] > 12 and lambda_ == 0:\n"
                            "        import os\n"
                            "        os._exit(3)\n", 1)
    assert "CALLS[0] > 12" in source
    path = tmp_path / "ex5.py"
    path.write_text(source)
    report, _ = grade_json(path, "--exercise", "ex5")
    assert [_part(report, p)["score"] for p in ("cost", "regularized_cost")] == [30, 15]  # graded run unharmed
    lines = _slope_lines(report)
    assert lines["gradient"] == [] and len(lines["regularized_gradient"]) == 1, lines


def _ex5_variants():
    from grader.cases import build_all
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    cases = build_all(exercise)
    return exercise, Variants(exercise, cases), applicable(exercise, cases)


def test_a_mistake_within_the_grading_tolerance_is_named_only_when_no_other_comes_as_close():
    """A variant's values moved by 5e-5 (relative: outside MATCH_TOLERANCE, inside the exercise's 1e-4, as a
    log(a + 1e-5) moves J) are still named; when the grading tolerance is so loose that several candidates
    come that close, nothing is."""
    from grader.diagnosis import MATCH_TOLERANCE
    from grader.mistakes import BY_KEY

    exercise, variants, mistakes = _ex5_variants()
    nudge = 1 + 5 * MATCH_TOLERANCE
    assert nudge - 1 < exercise.tolerance
    for key, part_id in [("extra_output_derivative", "gradient"), ("labels_off_by_one", "cost"),
                         ("gradient_regularization_factor", "regularized_gradient")]:
        part = next(p for p in exercise.parts if p.id == part_id)
        observed = {c: {name: value * nudge for name, value in variants.output(part, c, (BY_KEY[key],)).items()}
                    for c in part.cases}
        assert [m.id for m in diagnose(variants, part, observed, mistakes)] == [key], key
        loose = Variants(exercise._replace(tolerance=10.0), variants.cases)
        assert diagnose(loose, part, observed, mistakes) == [], key
        tight = Variants(exercise._replace(tolerance=MATCH_TOLERANCE), variants.cases)
        assert diagnose(tight, part, observed, mistakes) == [], key


def test_a_wrong_factor_composes_with_another_wrong_form_of_its_step():
    """λ/(2m)·Θ with the bias column is gradient_regularization_factor on top of regularized_bias_gradient;
    a factor of a missing term is no pair (it equals the missing term), nor are two factors of one step."""
    import numpy as np

    from grader.diagnosis import candidates, distinct
    from grader.mistakes import BY_KEY, overlapping, steps_for

    theta, lambda_, m = np.arange(6.0).reshape(2, 3), 1.5, 7
    composed = steps_for([BY_KEY["gradient_regularization_factor"], BY_KEY["regularized_bias_gradient"]], None)
    assert np.allclose(composed.gradient_penalty(theta.copy(), lambda_, m), lambda_ / (2 * m) * theta)
    summed = steps_for([BY_KEY["cost_not_averaged"], BY_KEY["cost_missing_negative_class_term"]], None)
    a, t = np.array([[0.2, 0.7], [0.6, 0.1]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    assert np.isclose(summed.data_cost(None, a, t), -np.sum(t * np.log(a)))
    assert overlapping(BY_KEY["cost_not_averaged"], BY_KEY["cost_averaged_over_classes"])
    assert not overlapping(BY_KEY["cost_not_averaged"], BY_KEY["cost_missing_negative_class_term"])
    assert overlapping(BY_KEY["gradient_regularization_factor"],  # λ·D is λ/m·Δ: still one expression
                       BY_KEY["regularization_of_accumulated_gradient[averaged, bias included]"])

    exercise, variants, mistakes = _ex5_variants()
    part = next(p for p in exercise.parts if p.id == "regularized_gradient")
    _, pairs = candidates(variants, part, mistakes)
    ids = {frozenset(m.id for m in pair) for pair in distinct(variants, part, pairs)}
    assert frozenset({"gradient_regularization_factor", "regularized_bias_gradient"}) in ids
    assert frozenset({"gradient_regularization_factor", "missing_gradient_regularization"}) not in ids


def test_the_slope_check_perturbs_where_the_gradient_is_off(tmp_path, sandbox_runs):
    """One coordinate of the gradient is off (Theta2's first bias entry, doubled): the slope check perturbs that
    coordinate among at most FD_COORDINATES (8) per failed part (2 calls each, a worker round trip per call), and
    says that the gradient does not follow the student's own (right) cost. Perturbing every coordinate of the
    smallest case cost 64 calls a part, most of a wrong submission's grade."""
    from grader.cases import build_all
    from grader.diagnosis import FD_STEP
    from grader.spec import load

    from .conftest import argument

    source = (ROOT / "solutions" / "ex5.py").read_text()
    line = "    grad = np.concatenate([Theta1_grad.ravel(), Theta2_grad.ravel()])\n"
    assert line in source
    path = tmp_path / "ex5.py"
    path.write_text(source.replace(line, "    Theta2_grad[0, 0] *= 2\n" + line))
    report, _ = grade_json(path, "--exercise", "ex5")
    assert [_part(report, p)["score"] for p in ("cost", "regularized_cost", "gradient")] == [30, 15, 0]
    assert "does not agree with the numerical slope" in " ".join(_part(report, "gradient")["evidence"])
    params = build_all(load(ROOT / "exercises" / "ex5.yaml"))["coursera"].params
    perturbed: dict[float, set[int]] = {}  # λ -> the coordinates the slope calls moved by ± FD_STEP
    for call, _ in sandbox_runs:
        given = np.ravel(argument(call, "nn_params", ()))
        moved = given - params if given.size == params.size else None
        if moved is not None and np.count_nonzero(moved) == 1 and np.isclose(abs(moved).max(), FD_STEP):
            perturbed.setdefault(argument(call, "lambda_"), set()).add(int(np.flatnonzero(moved)[0]))
    theta2_bias = 4 * 3  # coursera's Theta1 is 4 × 3: Theta2 starts here
    assert perturbed and all(theta2_bias in moved and len(moved) <= 16 for moved in perturbed.values()), perturbed


def test_order_f_reshape_with_the_templates_ravel_is_one_mistake_that_leaves_ravel_alone():
    """order='F' in the reshape with the template's ravel(): one name, whose text does not blame the ravel()."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "reshaped_fortran_unrolled_right.py", "--exercise", "ex5")
    for part_id in ("gradient", "regularized_gradient"):
        [mistake] = _part(report, part_id)["mistakes"]
        assert mistake["id"] == "params_reshaped_wrong_order"
        assert "order='F'" in mistake["explanation"] and "Reshape with order='C'" in mistake["explanation"]
        assert "unroll the gradient row-major like the parameters, with ravel()" in mistake["explanation"]


def test_order_f_reshape_with_order_f_ravel_is_told_to_change_the_ravel_too():
    """Both 'F' (reshape and the gradient's ravel, the whole Octave habit): the text names that ravel as wrong too."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "params_reshaped_wrong_order.py", "--exercise", "ex5")
    for part_id in ("cost", "gradient", "regularized_gradient"):
        [mistake] = _part(report, part_id)["mistakes"]
        assert mistake["id"] == "params_reshaped_wrong_order"
        assert "if you used ravel(order='F') there, change it too" in mistake["explanation"]


def test_every_exclusion_names_a_catalogue_entry():
    """`Mistake.excludes` holds keys (id[form]); a misspelt one would silently exclude nothing."""
    keys = {m.key for m in CATALOGUE}
    assert [k for m in CATALOGUE for k in m.excludes if k not in keys] == []
    assert any(m.excludes for m in CATALOGUE)


def test_the_slope_check_sees_a_bug_confined_to_the_bias_columns(tmp_path):
    """Cost and gradient both not averaged (consistent with each other) and the gradient's bias columns zeroed (a
    bug of the gradient's own): the slope check takes one coordinate of each Θ's bias column and of its other
    columns first, so it says the gradient does not agree with the cost (review 8: with 8 coordinates in a
    fixed order, none was a bias entry and it said 'backpropagation is consistent with your cost')."""
    source = (SUBMISSIONS / "ex5" / "bias_gradient_zeroed_not_averaged.py").read_text()
    averaged = "J = np.sum(-Y * np.log(out) - (1 - Y) * np.log(1 - out)) / m\n"
    assert averaged in source
    path = tmp_path / "ex5.py"
    path.write_text(source.replace(averaged, averaged.replace(" / m", ""), 1))
    report, _ = grade_json(path, "--exercise", "ex5")
    evidence = " ".join(_part(report, "gradient")["evidence"])
    assert "does not agree with the numerical slope" in evidence, evidence


def test_a_right_gradient_beside_a_wrong_cost_is_told_only_that():
    """The cost's λ term is wrong in a way no catalogue entry names, the gradient is right: the Regularized
    Gradient part fails only by the J it compares. It says so and points at the cost part; it does not also
    say that no mistake explains its values, nor that the gradient's λ term is the bug (acceptance run 9, D3)."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "cost_lambda_squared.py", "--exercise", "ex5")
    cost, gradient = _part(report, "regularized_cost"), _part(report, "regularized_gradient")
    assert (cost["score"], gradient["score"], cost["mistakes"], gradient["mistakes"]) == (0, 0, [], [])
    assert "No mistake in the grader's catalogue explains these values." in cost["evidence"]
    assert any("Your cost is right with λ = 0" in line for line in cost["evidence"])
    told = " ".join(gradient["evidence"])
    assert "Your gradient is right; this part fails because J is wrong (see part 2, Regularized Cost" in told
    assert "No mistake" not in told and "λ/m·Θ" not in told and "Your gradient is right with λ = 0" not in told


def test_a_mistake_made_for_one_theta_only_is_named_with_that_theta():
    """Each catalogue mistake whose step is per Θ (a Θ's gradient, a Θ's λ term in the cost), made for one Θ
    and not the other, is named with that Θ in its title (acceptance run 9, D1: none was named): the values
    fed back are the reference's with that Θ's share taken from the mistake's variant."""
    from grader.cases import build_all
    from grader.checks import relative_error
    from grader.diagnosis import LAYER_STEPS, SEPARATION
    from grader.engine import network as nn
    from grader.mistakes import steps_for
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    cases = build_all(exercise)
    variants = Variants(exercise, cases)
    mistakes = applicable(exercise, cases)
    tried = set()
    for mistake in mistakes:
        for part in exercise.parts:
            steps = LAYER_STEPS.get(part.check)
            if not mistake.steps or not set(mistake.steps) <= (steps or set()) or \
                    not variants.changes(part, (mistake,)):
                continue
            for layer in (0, 1):
                observed = {}
                for name in part.cases:
                    case, network = cases[name], variants.network(name)
                    right, wrong = variants.output(part, name), variants.output(part, name, (mistake,))
                    if part.check == "gradient":
                        shapes, order = network.theta_shapes, network.order
                        blocks = nn.reshape(right["grad"], shapes, order)
                        blocks[layer] = nn.reshape(wrong["grad"], shapes, order)[layer]
                        observed[name] = {"J": right["J"], "grad": nn.unroll(blocks, order)}
                    else:
                        theta = nn.reshape(case.params, network.theta_shapes, network.order)[layer]
                        m = case.X.shape[0]
                        change = steps_for((mistake,), network).cost_penalty([theta], part.lambda_, m) - \
                            nn.REFERENCE.cost_penalty([theta], part.lambda_, m)
                        observed[name] = {"J": np.float64(right["J"] + change)}
                if all(relative_error(observed[c][k], variants.output(part, c)[k]) <= SEPARATION
                       for c in part.cases for k in observed[c]):
                    continue  # the mistake does not change this Θ's share on these cases (no λ: no λ term)
                named = diagnose(variants, part, observed, mistakes)
                assert [(m.id, m.title.endswith(f"(Theta{layer + 1} only)")) for m in named] == \
                    [(mistake.id, True)], (mistake.key, part.id, layer, [m.title for m in named])
                tried.add(mistake.id)
    assert {"bias_gradient_zeroed", "missing_gradient_regularization", "missing_cost_regularization",
            "regularized_bias_gradient", "regularized_bias_cost", "gradient_not_averaged"} <= tried, tried
    assert len(tried) >= 10, tried


def test_a_mistake_in_some_of_three_thetas_says_which_in_plain_english():
    """Review 16, F6: "Theta1 and Theta2's is right" read wrong."""
    from grader.diagnosis import _in_layers
    from grader.mistakes import BY_ID

    network = Variants(*_ex5_cases()).network("coursera")
    mistake = BY_ID["missing_gradient_regularization"]
    assert _in_layers(mistake, (2,), 3).explanation(network).endswith(
        "Here the mistake is in Theta3's gradient only; Theta1's and Theta2's are right.")
    assert _in_layers(mistake, (0, 1), 3).explanation(network).endswith(
        "Here the mistake is in Theta1's and Theta2's gradients only; Theta3's is right.")
    assert _in_layers(mistake, (0, 1), 3).title == "No λ term in the gradient (Theta1 and Theta2 only)"


def _ex5_cases():
    from grader.cases import build_all
    from grader.spec import load

    exercise = load(ROOT / "exercises" / "ex5.yaml")
    return exercise, build_all(exercise)


def test_zeros_from_written_code_are_not_called_unwritten(tmp_path):
    """Review 21, R10: a sigmoid_gradient that computes into np.zeros(z.shape, dtype=int), every value cut to 0, was
    "Not written yet", and the gradient parts told the student to write it. Its code is written: the part says the
    values are all zeros and why they may be, and the gradient parts say to fix it."""
    solution = (ROOT / "solutions" / "ex5.py").read_text()
    written = "    g = sigmoid(z)\n    return g * (1 - g)\n"
    path = tmp_path / "ex5.py"
    path.write_text(solution.replace(written, "    g = np.zeros(z.shape, dtype=int)\n    g[:] = sigmoid(z) * "
                                              "(1 - sigmoid(z))\n    return g\n"))
    report, _ = grade_json(path, "--exercise", "ex5")
    part = _part(report, "sigmoid_gradient")
    assert part["mistakes"] == [] and "Not written yet" not in part["feedback"], part
    assert part["evidence"][0].startswith("Your function computes something, but g is all zeros: check what it "
                                          "returns (an array made with dtype=int"), part["evidence"]
    assert "returns only zeros (part 3, Sigmoid Gradient). Fix that one" in _part(report, "gradient")["evidence"][0]


def test_a_mistake_of_some_thetas_is_named_in_every_part_it_explains():
    """Student review 4, F13: the cost's λ term left out for Theta2 was named in the Regularized Cost part, and not
    in the Regularized Gradient part, whose right gradient beside that J names the same mistake made for every Θ;
    and the delta's sign beside Theta1's gradient not divided by m was no mistake in the catalogue, while each alone
    was named. The Θ not named in the pair is wrong by the sign, so it is not called right."""
    report, _ = grade_json(SUBMISSIONS / "ex5" / "cost_regularization_theta1_only.py", "--exercise", "ex5")
    for part_id in ("regularized_cost", "regularized_gradient"):
        assert [m["title"] for m in _part(report, part_id)["mistakes"]] == ["No λ term in the cost (Theta2 only)"]
    report, _ = grade_json(SUBMISSIONS / "ex5" / "output_delta_sign_theta1_not_averaged.py", "--exercise", "ex5")
    for part_id in ("gradient", "regularized_gradient"):
        part = _part(report, part_id)
        assert [m["title"] for m in part["mistakes"]] == ["Output delta with the wrong sign",
                                                         "Gradient not divided by m (Theta1 only)"], part
        assert part["mistakes"][1]["explanation"].endswith(
            "Here the mistake is in Theta1's gradient only; Theta2's does not have it."), part["mistakes"][1]
        assert "No mistake in the grader's catalogue" not in " ".join(part["evidence"])
