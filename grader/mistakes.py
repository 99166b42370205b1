"""The mistake catalogue: known wrong ways to write the cost, backpropagation and activation gradient.

Each mistake is data: an id, a title, an explanation (a function of the exercise's network, so the
text speaks of this exercise's activation and loss), when it applies, and how it is realised as a
variant of the reference engine: replacements for some of `engine.network.Steps`, and/or a wrong
activation-gradient function. The grader runs these variants on the same hidden inputs as the
student and names the ones whose outputs match (diagnosis.py). docs/mistakes.md lists them all and
is kept in step with this table by a test.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .engine import network as nn
from .engine.activations import ACTIVATIONS
from .engine.losses import LOSSES, cancels

# ---- words for explanations: ∂loss/∂a per loss and f'(z) per activation --------------------

LOSS_DERIVATIVE = {
    "cross_entropy": "(a − y) / (a·(1 − a))",
    "categorical_cross_entropy": "−y / a",
    "squared_error": "a − y",
}
ACTIVATION_DERIVATIVE = {
    "sigmoid": "σ′(z) = a·(1 − a)",
    "tanh": "tanh′(z) = 1 − a²",
    "relu": "relu′(z) = 1 where z > 0, else 0",
    "linear": "f′(z) = 1",
    "softmax": "the softmax Jacobian diag(a) − a·aᵀ",
}
PAIR_WORDS = {
    ("sigmoid", "cross_entropy"): "a sigmoid output and the cross-entropy cost",
    ("softmax", "categorical_cross_entropy"): "a softmax output and the categorical cross-entropy cost",
    ("linear", "squared_error"): "a linear output and the squared-error cost",
    ("sigmoid", "categorical_cross_entropy"): "a sigmoid output and the categorical cross-entropy cost",
    ("softmax", "cross_entropy"): "a softmax output and the (binary) cross-entropy cost",
}
# δ(L) = ∂J/∂a ⊙ f′(z(L)) multiplied out, where it comes out shorter.
SIMPLER_DELTA = {("sigmoid", "categorical_cross_entropy"): "−y ⊙ (1 − a)"}
CANCELLING_WORDS = ("sigmoid with the cross-entropy cost (the course's), softmax with the categorical cross-entropy, "
                    "or linear with squared error")


def _pair(network: nn.Network) -> str:
    key = (network.activations[-1], network.loss)
    return PAIR_WORDS.get(key, f"a {key[0]} output and the {key[1].replace('_', ' ')} cost")


def _output_chain(network: nn.Network) -> str:
    act, loss = network.activations[-1], network.loss
    return (f"For this exercise's loss ({loss}: J = (1/m)·Σᵢ {LOSSES[loss].formula}), "
            f"∂J/∂a = {LOSS_DERIVATIVE[loss]} per example, and the output layer's derivative is "
            f"{ACTIVATION_DERIVATIVE[act]}.")


def _chain_rule(network: nn.Network) -> str:
    """The right δ(L) = ∂J/∂z(L) of a pair that does not cancel, written out: the explanations of the output-delta
    mistakes compare what the student wrote with it. Softmax's Jacobian is a matrix per example, never a factor
    taken elementwise (⊙)."""
    act, loss = network.activations[-1], network.loss
    if act == "softmax":
        return (f"a ⊙ (g − Σₖ aₖ·gₖ) with g = ∂J/∂a = {LOSS_DERIVATIVE[loss]}, row by row (the softmax Jacobian "
                f"diag(a) − a·aᵀ times g)")
    written = f"∂J/∂a ⊙ f′(z(L)) = ({LOSS_DERIVATIVE[loss]}) ⊙ {ACTIVATION_DERIVATIVE[act].split(' = ')[-1]}"
    simpler = SIMPLER_DELTA.get((act, loss))
    return f"{written} = {simpler}" if simpler else written


def explain_extra_output_derivative(network: nn.Network) -> str:
    act = network.activations[-1]
    return (f"Your output-layer delta is multiplied by f′(z(L)) once too often. {_output_chain(network)} "
            f"With {_pair(network)} the two cancel: ∂J/∂z(L) = ∂J/∂a · f′(z(L)) = a(L) − y, which is "
            f"already the whole chain rule, so δ(L) = a(L) − y. Multiplying it by {ACTIVATION_DERIVATIVE[act]} "
            f"again counts that derivative twice. The factor belongs in δ(L) only for a loss that does not "
            f"cancel it, such as squared error ½·Σ(a − y)² with a sigmoid output, where "
            f"δ(L) = (a − y)·a·(1 − a): a derivation from squared error is right for that loss, not for this "
            f"one. Hidden layers always need g′(z(l)).")


def explain_missing_output_derivative(network: nn.Network) -> str:
    """The variant is δ(L) = ∂J/∂a: for squared error that is a − y, the course's δ(L) where it does not hold; for a
    cross-entropy it is not a − y (that one is cancelled_output_delta), so the text says what the student wrote."""
    chain = f"With {_pair(network)} they do not cancel, so the chain rule gives δ(L) = {_chain_rule(network)}."
    if network.loss == "squared_error":
        return (f"Your output-layer delta lacks the factor f′(z(L)). {_output_chain(network)} {chain} "
                f"δ(L) = a(L) − y is right only where the loss cancels f′: a sigmoid output with cross-entropy, "
                f"a softmax output with categorical cross-entropy, or a linear output with squared error.")
    return (f"Your output-layer delta is ∂J/∂a = {LOSS_DERIVATIVE[network.loss]}, the loss's derivative with respect "
            f"to the output a(L): the chain rule stops one step short of z(L), without the output layer's f′(z(L)). "
            f"{_output_chain(network)} {chain}")


def explain_cancelled_output_delta(network: nn.Network) -> str:
    text = (f"Your output-layer delta is a(L) − y, the course's δ(L). That is the whole chain rule only where the "
            f"loss cancels f′(z(L)): {CANCELLING_WORDS}. {_output_chain(network)} With {_pair(network)} they do "
            f"not cancel, so δ(L) = {_chain_rule(network)}. Derive δ(L) from this exercise's own loss and output "
            f"activation; the hidden layers' deltas stay as they are.")
    if _diagonal_is_cancelled(network):
        text += (f" The same a − y comes out of ∂J/∂a ⊙ a·(1 − a), softmax's derivative taken elementwise, "
                 f"but {_DIAGONAL_WORDS}.")
    return text


def _diagonal_is_cancelled(network: nn.Network) -> bool:
    """A softmax output with a loss that cancels SIGMOID's derivative (binary cross-entropy): there the Jacobian's
    diagonal a·(1 − a), sigmoid's derivative, makes ∂J/∂a ⊙ a·(1 − a) = a − y, the cancelled delta itself."""
    return network.activations[-1] == "softmax" and cancels("sigmoid", network.loss)


_DIAGONAL_WORDS = ("a·(1 − a) is only the diagonal of softmax's Jacobian (∂aₖ/∂zₖ = aₖ·(1 − aₖ)): the outputs sum to "
                   "1, so each one also moves with every other unit's z (∂aₖ/∂zⱼ = −aₖ·aⱼ), and ∂J/∂z(L) is the whole "
                   "Jacobian times ∂J/∂a, one example at a time")


def explain_softmax_derivative_elementwise(network: nn.Network) -> str:
    return ("Your output-layer delta is ∂J/∂a ⊙ a·(1 − a), softmax's derivative taken elementwise, as if each "
            f"softmax output were a sigmoid of its own z alone. But {_DIAGONAL_WORDS}: δ(L) = {_chain_rule(network)}. "
            "In numpy: delta = a * (g - np.sum(g * a, axis=1, keepdims=True)).")


# ---- the variant steps ---------------------------------------------------------------------

def _hidden(network: nn.Network) -> str:
    """The hidden activation the two g′ mistakes are about (the first sigmoid or tanh hidden layer)."""
    return next((a for a in network.activations[:-1] if a in ("sigmoid", "tanh")), "sigmoid")


_FROM_OUTPUT = {"sigmoid": ("a·(1 − a)", "z·(1 − z)"), "tanh": ("1 − a²", "1 − z²")}


def explain_hidden_derivative_of_activation(network: nn.Network) -> str:
    act = _hidden(network)
    from_a, _ = _FROM_OUTPUT[act]
    return (f"In a hidden layer you multiplied by g′(a(l)), e.g. {act}_gradient(a2), instead of g′(z(l)). "
            f"{act}_gradient expects the pre-activation z: {act}_gradient(z2) = {from_a.replace('a', 'a2')}. "
            f"Either call it on z2, or write {from_a.replace('a', 'a2')} directly — not both.")


def explain_activation_gradient_of_input(network: nn.Network) -> str:
    act = _hidden(network)
    from_a, from_z = _FROM_OUTPUT[act]
    return (f"Your activation-gradient function treats its input z as if it were the activation a = g(z): "
            f"for {act}, {from_z} instead of {from_a} with a = {act}(z). The function receives z; "
            f"compute a = {act}(z) first.")


def explain_activation_gradient_returns_activation(network: nn.Network) -> str:
    """Two places make it: the activation-gradient function, or the hidden delta written out (review 18, R5: a
    right sigmoid_gradient was told it returns the activation)."""
    act = _hidden(network)
    from_a, _ = _FROM_OUTPUT[act]
    return (f"Your network uses the activation a = {act}(z) where its derivative belongs: {act}′(z) = {from_a} "
            f"with a = {act}(z), not {act}(z) itself. Look where the hidden layer's delta is made, "
            f"δ(l) = (δ(l+1)·Θ(l))[:, 1:] ⊙ {act}′(z(l)), and in your activation-gradient function: return "
            f"{from_a}, not a.")


def _hidden_activation_for_derivative(theta_next, delta_next, z, a, activation):
    return (delta_next @ theta_next)[:, 1:] * activation.forward(z)


def explain_labels_off_by_one(network: nn.Network) -> str:
    if network.label_base == 0:
        return ("Your one-hot rows are shifted by one label. The labels here are 0..K−1, so row i is "
                "np.eye(num_labels)[y[i]]; subtracting 1 (Octave's habit for labels 1..K) sends label 0 to the "
                "last column and every other label one column early.")
    return ("Your one-hot rows are shifted by one label. The labels here are 1..K, so label k belongs in "
            "column k − 1: np.eye(num_labels)[y − 1]. Using y itself as the column puts every label one column "
            "late (and label K out of range).")


def explain_one_hot_other_label_range(network: nn.Network) -> str:
    if network.label_base == 0:
        built, loop, actual, lost, fix = "1..K", "for k in range(1, K + 1): Y[:, k − 1] = (y == k)", "0..K−1", "0", \
            "np.eye(num_labels)[y]"
    else:
        built, loop, actual, lost, fix = "0..K−1", "for k in range(K): Y[:, k] = (y == k)", "1..K", "K", \
            "np.eye(num_labels)[y − 1]"
    return (f"You built the one-hot rows for labels {built} (e.g. {loop}), but the labels here are {actual}: "
            f"label {lost} gets an all-zero row and every other label lands one column off. Build them as {fix}.")


def explain_output_delta_sign(network: nn.Network) -> str:
    """"y − a instead of a − y" only where δ(L) is a − y, or a − y times f′(z(L)) elementwise (squared error)."""
    act = network.activations[-1]
    wrong = "y − a instead of a − y"
    if cancels(act, network.loss):
        right = "a(L) − y"
    elif network.loss == "squared_error" and act != "softmax":
        right = f"(a(L) − y) ⊙ {ACTIVATION_DERIVATIVE[act].split(' = ')[-1]}"
    else:
        wrong, right = "every entry negated", _chain_rule(network)
    return (f"Your output-layer delta has the wrong sign ({wrong}). It must be ∂J/∂z(L), which "
            f"for this exercise ({_pair(network)}) is {right}. With the wrong sign every gradient points uphill, "
            f"so gradient descent would increase the cost.")


def _flip_unroll(grads, order):
    """Unroll in the other order than the parameters."""
    return nn.unroll(grads, nn.other_order(order))


def _reshape_other(params, shapes, order):
    """Rebuild the Θ in the other order than the parameters were unrolled in."""
    return nn.reshape(params, shapes, nn.other_order(order))


def _swap_blocks(grads, order):
    """Unroll the Θ's gradients last layer first (np.concatenate([Theta2_grad.ravel(), Theta1_grad.ravel()]))."""
    return nn.unroll(list(reversed(grads)), order)


def explain_gradient_unrolled_wrong_order(network: nn.Network) -> str:
    major, what, ravel = nn.ORDER_WORDS[network.order]
    thetas = f"Theta1_grad.{ravel}, Theta2_grad.{ravel}" + (", ..." if len(network.activations) > 2 else "")
    return (f"Your gradient has the right numbers in the wrong places: the parameters hold Θ(1)'s block first, "
            f"then the next Θ's, each unrolled {major}-major ({what}), and the gradient must be unrolled the same way "
            f"(np.concatenate([{thetas}])), or an optimizer updates the wrong weights.")


def explain_params_reshaped_wrong_order(network: nn.Network) -> str:
    right, wrong = nn.ORDER_WORDS[network.order], nn.ORDER_WORDS[nn.other_order(network.order)]
    habit = " (order='F', or .reshape(columns, rows).T, the Octave habit)" if network.order == "C" else ""
    return (f"You rebuilt Θ from the parameter vector in {wrong[0]}-major order{habit}, but it is unrolled "
            f"{right[0]}-major ({right[1]}): your weights are scrambled, so the cost and the gradient are both "
            f"wrong. Reshape with order='{network.order}', and unroll the gradient {right[0]}-major like the "
            f"parameters, with {right[2]}: if you used {wrong[2]} there, change it too.")


def _extra_output_derivative(network, z, a, t):
    return nn.output_delta(network, z, a, t) * network.output_activation.diagonal_from_output(a)


def _missing_output_derivative(network, z, a, t):
    return network.loss_function.derivative(a, t)


def _cancelled_output_delta(network, z, a, t):
    return a - t


def _softmax_derivative_elementwise(network, z, a, t):
    return network.loss_function.derivative(a, t) * network.output_activation.diagonal_from_output(a)


def _output_delta_sign(network, z, a, t):
    return -nn.output_delta(network, z, a, t)


def _hidden_derivative_of_activation(theta_next, delta_next, z, a, activation):
    return (delta_next @ theta_next)[:, 1:] * activation.derivative(a)


def _hidden_derivative_from_input(theta_next, delta_next, z, a, activation):
    return (delta_next @ theta_next)[:, 1:] * activation.derivative_from_output(z)


def _missing_hidden_derivative(theta_next, delta_next, z, a, activation):
    return (delta_next @ theta_next)[:, 1:]


def _wrong_bias_column_dropped(theta_next, delta_next, z, a, activation):
    return activation.backward(z, a, (delta_next @ theta_next)[:, :-1])


def _labels_not_one_hot(network, y):
    return np.asarray(y, dtype=np.float64).reshape(-1, 1)


def _labels_off_by_one(network, y):
    K, base = network.sizes[-1], network.label_base
    shift = -1 if base == 0 else 1  # numpy's eye(K)[y - 1], or Octave's labels used 0-based
    return np.eye(K)[(np.asarray(y, dtype=np.int64) - base + shift) % K]


def _one_hot_other_range(network, y):
    """Y[:, k − 1] = (y == k) for k = 1..K on labels 0..K−1 (label 0 gets no column), or the reverse."""
    K, base = network.sizes[-1], network.label_base
    labels = np.asarray(y, dtype=np.int64)
    columns = np.arange(1, K + 1) if base == 0 else np.arange(0, K)
    return (labels[:, None] == columns[None, :]).astype(np.float64)


def _cost_missing_negative_class_term(network, a, t):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(t * np.log(a)) / a.shape[0])


def _penalty_with_bias(thetas, lambda_, m):
    return lambda_ / (2.0 * m) * float(sum(np.sum(theta ** 2) for theta in thetas))


def _gradient_penalty_with_bias(theta, lambda_, m):
    return lambda_ / m * theta


# ---- the λ term built wrongly (issue 12: 7 of 28 real wrong solutions) ----------------------

def _penalty_rows(thetas, lambda_, m):
    """Σ Θ[1:, :]²: the first row left out instead of the bias column."""
    return lambda_ / (2.0 * m) * float(sum(np.sum(theta[1:, :] ** 2) for theta in thetas))


def _penalty_ones(thetas, lambda_, m):
    """Σ of np.c_[ones, Θ[:, 1:]]²: the bias column filled with ones instead of zeros."""
    return nn.cost_penalty(thetas, lambda_, m) + lambda_ / (2.0 * m) * float(sum(t.shape[0] for t in thetas))


def _gradient_penalty_rows(theta, lambda_, m):
    term = lambda_ / m * theta
    term[0, :] = 0.0
    return term


def _gradient_penalty_ones(theta, lambda_, m):
    term = lambda_ / m * theta
    term[:, 0] = lambda_ / m
    return term


def _gradient_penalty_builtin_sum(theta, lambda_, m):
    """λ/m·sum(Θ[:, 1:]) with Python's sum: the column sums, one row broadcast over every row."""
    term = np.zeros_like(theta)
    term[:, 1:] = lambda_ / m * theta[:, 1:].sum(axis=0)
    return term


def _gradient_penalty_builtin_sum_with_bias(theta, lambda_, m):
    return np.broadcast_to(lambda_ / m * theta.sum(axis=0), theta.shape).copy()


def _penalize_accumulated(theta, data_gradient, m):
    """λ/m·Δ: the accumulated gradient Δ = m·D in place of Θ."""
    return data_gradient * m


def _penalize_averaged(theta, data_gradient, m):
    """λ/m·D: the (averaged) data gradient in place of Θ."""
    return data_gradient


def _bias_gradient_zeroed(delta, a_prev, m):
    gradient = nn.weight_gradient(delta, a_prev, m)
    gradient[:, 0] = 0.0
    return gradient


def _delta_labels_not_one_hot(network, z, a, t):
    """δ(L) from the label column y[:, None] while the cost used one-hot rows."""
    labels = np.argmax(t, axis=1) + network.label_base
    return nn.output_delta(network, z, a, labels[:, None].astype(np.float64))


# ---- one activation's derivative used for another -------------------------------------------

# The derivative a student borrows: sigmoid's a·(1 − a) for tanh or ReLU, tanh's 1 − a² for sigmoid.
BORROWED = {"tanh": "sigmoid", "relu": "sigmoid", "sigmoid": "tanh"}
_FROM_A = {"sigmoid": "a·(1 − a)", "tanh": "1 − a²", "relu": "1 where a > 0, else 0"}


def _borrowed_derivative(name, a):
    return ACTIVATIONS[BORROWED[name]].derivative_from_output(a)


def _hidden_wrong_derivative(theta_next, delta_next, z, a, activation):
    if activation.name not in BORROWED:
        return nn.hidden_delta(theta_next, delta_next, z, a, activation)
    return (delta_next @ theta_next)[:, 1:] * _borrowed_derivative(activation.name, a)


def _hidden_borrowed_of_z(theta_next, delta_next, z, a, activation):
    """δ(l) = (δ·Θ)[:, 1:] ⊙ sigmoid_gradient(z(l)) in a tanh layer: the other activation's g′ called on z."""
    if activation.name not in BORROWED:
        return nn.hidden_delta(theta_next, delta_next, z, a, activation)
    return (delta_next @ theta_next)[:, 1:] * ACTIVATIONS[BORROWED[activation.name]].derivative(z)


def _output_wrong_derivative(network, z, a, t):
    return network.loss_function.derivative(a, t) * _borrowed_derivative(network.activations[-1], a)


def _activation_gradient_borrowed_on_output(name, z):
    """g(z) = a·(1 − a) with a = tanh(z): the other activation's formula on this one's output. The part's own
    activation may borrow nothing (a linear_gradient part beside a ReLU layer, author review 4, E1): then the
    right one, as the hidden layers' steps do."""
    z = np.asarray(z, dtype=np.float64)
    if name not in BORROWED:
        return nn.activation_gradient(name, z)
    return _borrowed_derivative(name, ACTIVATIONS[name].forward(z))


def _activation_gradient_borrowed(name, z):
    """sigmoid(z)·(1 − sigmoid(z)) pasted into tanh_gradient: the other activation's derivative outright (the
    right one for an activation that borrows nothing, as above)."""
    return ACTIVATIONS[BORROWED.get(name, name)].derivative(np.asarray(z, dtype=np.float64))


def _borrowing_layers(network: nn.Network) -> list[str]:
    hidden = [name for name in dict.fromkeys(network.activations[:-1]) if name in BORROWED]
    out = network.activations[-1]
    output = [out] if out in BORROWED and not cancels(out, network.loss) else []
    return list(dict.fromkeys(hidden + output))


def explain_wrong_activation_derivative(network: nn.Network) -> str:
    layers = _borrowing_layers(network) or [next(iter(BORROWED))]
    parts = []
    for name in layers:
        other = BORROWED[name]
        parts.append(f"for a {name} layer you used {other}'s derivative {_FROM_A[other]}, but {name} needs "
                     f"{ACTIVATION_DERIVATIVE[name]}" + (" (with a = tanh(z))" if name == "tanh" else ""))
    return ("Each activation has its own derivative: " + "; ".join(parts) + ". a·(1 − a) is right only for "
            "a sigmoid layer, 1 − a² only for tanh, and ReLU's is 1 where z > 0 and 0 elsewhere. Use the "
            "derivative of the activation that layer actually applies (in your activation-gradient function "
            "too, if you copied it from another one).")


def explain_cost_not_finite(network: nn.Network) -> str:
    if network.loss in ("cross_entropy", "categorical_cross_entropy"):
        where = ("a log of 0 or of a negative number, or 0 × log(0) = nan. Look at every np.log(...): its argument "
                 "must be the network's output a(L)" + (" or 1 − a(L)" if network.loss == "cross_entropy" else "")
                 + " (a(L) is strictly between 0 and 1), not y (its zeros make log(0)), not a rounded or clipped "
                 "a(L), and not 1 − y")
    else:
        where = "an overflow (np.exp of a large number) or a division by zero: look at each exp and each division"
    return (f"Your cost is nan or infinite on a hidden case, and a nan cannot be compared with anything. The usual "
            f"cause is {where}. Print J on a small case of your own to find the term that goes wrong.")


def explain_not_implemented(network: nn.Network) -> str:
    return ("This part's values are still the template's: all zeros (J = 0 for a cost). The code for it "
            "has not been written yet (or its result is not assigned to the variable the function returns). "
            "Fill in the part's code in place of the zeros, then grade again.")


Variant = dict[str, Callable]  # Steps field -> replacement


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per catalogue entry
class Mistake:
    id: str
    title: str
    explanation: Callable[[nn.Network], str]
    applies: Callable[[nn.Network], bool] = lambda network: True
    steps: Variant = field(default_factory=dict)  # replacements in the cost/gradient computation
    # A wrong activation gradient g'(z), given the activation and z; None: the function is right.
    activation_gradient: Callable[[str, np.ndarray], np.ndarray] | None = None
    # One mistake written in several places or ways (the λ term in the cost and in the gradient...) is
    # several entries with the same id and different forms; diagnosis names the id once. Two forms that
    # replace different steps combine as a pair (e.g. the same wrong λ term in the cost AND the gradient).
    form: str = ""
    # A mistake that only scales its one step's right value (a missing 1/m, λ/m for λ/(2m), y − a for
    # a − y): the factor, a function of that step's arguments. It also composes with a mistake that
    # replaces the same step, as students make them together: −Σ y·log(a) with no 1/m is
    # cost_missing_negative_class_term + cost_not_averaged, λ/(2m)·Θ with the bias is
    # gradient_regularization_factor + regularized_bias_gradient.
    factor: Callable[..., float] | None = None
    # Keys of catalogue entries this one never pairs with, because the pair would only be another entry under
    # two names (see params_reshaped_wrong_order).
    excludes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Unique per catalogue entry: the id, plus the form when the id has several."""
        return f"{self.id}[{self.form}]" if self.form else self.id


def _text(text: str) -> Callable[[nn.Network], str]:
    return lambda network: text


def _any_hidden(predicate) -> Callable[[nn.Network], bool]:
    return lambda network: any(predicate(name) for name in network.activations[:-1])


def _is_labels(network):
    return network.targets == "labels"


CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "extra_output_derivative", "Extra f′(z(L)) in the output-layer delta",
        explain_extra_output_derivative,
        applies=lambda n: cancels(n.activations[-1], n.loss) and n.activations[-1] != "linear",
        steps={"output_delta": _extra_output_derivative}),
    Mistake(
        "missing_output_derivative", "Missing f′(z(L)) in the output-layer delta",
        explain_missing_output_derivative,
        applies=lambda n: not cancels(n.activations[-1], n.loss) and n.activations[-1] != "linear",
        steps={"output_delta": _missing_output_derivative}),
    Mistake(  # with squared error a − y is ∂J/∂a: missing_output_derivative's own values, named as that
        "cancelled_output_delta", "δ(L) = a(L) − y where this loss does not cancel f′(z(L))",
        explain_cancelled_output_delta,
        applies=lambda n: not cancels(n.activations[-1], n.loss) and n.loss != "squared_error",
        steps={"output_delta": _cancelled_output_delta}),
    Mistake(  # with binary cross-entropy its values are cancelled_output_delta's, whose text says so
        "softmax_derivative_elementwise", "Softmax's derivative taken elementwise as a·(1 − a)",
        explain_softmax_derivative_elementwise,
        applies=lambda n: n.activations[-1] == "softmax" and not cancels(n.activations[-1], n.loss)
        and not _diagonal_is_cancelled(n),
        steps={"output_delta": _softmax_derivative_elementwise}),
    Mistake(
        "output_delta_sign", "Output delta with the wrong sign",
        explain_output_delta_sign,
        steps={"output_delta": _output_delta_sign}, factor=lambda network, z, a, t: -1.0),
    Mistake(
        "hidden_derivative_of_activation", "g′ applied to a(l) instead of z(l)",
        explain_hidden_derivative_of_activation,
        applies=_any_hidden(lambda name: name in ("sigmoid", "tanh")),
        steps={"hidden_delta": _hidden_derivative_of_activation}),
    Mistake(
        "missing_hidden_derivative", "Missing g′(z(l)) in a hidden-layer delta",
        _text("Your hidden-layer delta is Θᵀδ(l+1) without the factor g′(z(l)). The chain rule through a "
              "hidden layer always needs it: δ(l) = (Θ(l)ᵀ δ(l+1)) ⊙ g′(z(l)), with the bias row dropped. "
              "(Only the output layer can lose f′, and only when the loss cancels it.)"),
        applies=_any_hidden(lambda name: name != "linear"),
        steps={"hidden_delta": _missing_hidden_derivative}),
    Mistake(
        "wrong_bias_column_dropped", "Dropped the wrong column of δ·Θ",
        _text("When you removed the bias term from δ(l+1)·Θ(l) you dropped its last column; the bias "
              "weights are in column 0, so drop the first column: (δ(l+1) @ Θ(l))[:, 1:]."),
        steps={"hidden_delta": _wrong_bias_column_dropped}),
    Mistake(
        "gradient_not_averaged", "Gradient not divided by m",
        _text("Your gradient is the sum over the m examples; the cost is their average, so its gradient is "
              "too: divide the accumulated Δ(l) by m (before adding the λ/m·Θ term)."),
        steps={"weight_gradient": lambda delta, a_prev, m: delta.T @ nn.add_bias(a_prev)},
        factor=lambda delta, a_prev, m: m),
    Mistake(
        "cost_not_averaged", "Cost not divided by m",
        _text("Your cost is the sum of the examples' losses; the course's cost is their average: multiply "
              "the sum by 1/m."),
        steps={"data_cost": lambda network, a, t: nn.data_cost(network, a, t) * a.shape[0]},
        factor=lambda network, a, t: a.shape[0]),
    Mistake(
        "cost_averaged_over_classes", "Cost divided by m·K",
        _text("You averaged the loss over all m·K entries (e.g. np.mean of the m×K matrix). The course's "
              "cost sums the K output units' losses and averages over the m examples only: divide by m."),
        applies=lambda n: n.sizes[-1] > 1 if n.sizes else True,
        steps={"data_cost": lambda network, a, t: nn.data_cost(network, a, t) / a.shape[1]},
        factor=lambda network, a, t: 1.0 / a.shape[1]),
    Mistake(
        "cost_missing_negative_class_term", "Cross-entropy without its (1 − y)·log(1 − a) term",
        _text("Your cost has only the −y·log(a) term. The course's cost treats each of the K outputs as a "
              "separate yes/no question, so each needs both terms: −y·log(a) − (1 − y)·log(1 − a)."),
        applies=lambda n: n.loss == "cross_entropy",
        steps={"data_cost": _cost_missing_negative_class_term}),
    Mistake(
        "labels_not_one_hot", "Labels used as numbers instead of one-hot rows",
        _text("You compared the K outputs with the label column y itself (broadcast across the K columns). "
              "Each label must become a one-hot row first, e.g. Y = np.eye(num_labels)[y], so that "
              "Y[i, k] = 1 exactly when example i has label k."),
        applies=_is_labels, steps={"targets": _labels_not_one_hot}),
    Mistake(
        "labels_off_by_one", "One-hot rows shifted by one label",
        explain_labels_off_by_one,
        applies=lambda n: _is_labels(n) and (n.sizes[-1] > 2 if n.sizes else True),
        steps={"targets": _labels_off_by_one}),
    Mistake(
        "one_hot_other_label_range", "One-hot rows built for the other label range",
        explain_one_hot_other_label_range,
        applies=_is_labels, steps={"targets": _one_hot_other_range}),
    Mistake(
        "regularized_bias_cost", "Bias weights regularized in the cost",
        _text("Your λ term in the cost includes the bias weights (column 0 of each Θ). By convention they "
              "are not regularized: sum the squares of Θ[:, 1:] only."),
        steps={"cost_penalty": _penalty_with_bias}),
    Mistake(
        "regularized_bias_gradient", "Bias weights regularized in the gradient",
        _text("Your gradient's λ/m·Θ term includes the bias column. Set column 0 of that term to zero, as "
              "the cost does not regularize the bias weights."),
        steps={"gradient_penalty": _gradient_penalty_with_bias}),
    Mistake(
        "cost_regularization_factor", "λ/m instead of λ/(2m) in the cost",
        _text("The cost's regularization term is λ/(2m)·Σθ²; you used λ/m. (Its derivative is λ/m·θ: the 2 "
              "cancels only in the gradient.)"),
        steps={"cost_penalty": lambda thetas, lambda_, m: 2.0 * nn.cost_penalty(thetas, lambda_, m)},
        factor=lambda thetas, lambda_, m: 2.0),
    Mistake(
        "cost_regularization_precedence", "λ/2·m instead of λ/(2m) in the cost",
        _text("Your regularization term is multiplied by m instead of divided by it: in Python lambda_ / 2 * m "
              "means (λ/2)·m. Write lambda_ / (2 * m)."),
        steps={"cost_penalty": lambda thetas, lambda_, m: m * m * nn.cost_penalty(thetas, lambda_, m)},
        factor=lambda thetas, lambda_, m: m * m),
    Mistake(
        "gradient_regularization_factor", "λ/(2m) instead of λ/m in the gradient",
        _text("The derivative of λ/(2m)·Σθ² is λ/m·θ: the 2 from the square cancels the ½. You kept the ½ "
              "in the gradient."),
        steps={"gradient_penalty": lambda theta, lambda_, m: 0.5 * nn.gradient_penalty(theta, lambda_, m)},
        factor=lambda theta, lambda_, m: 0.5),
    Mistake(
        "gradient_regularization_not_averaged", "λ·Θ instead of λ/m·Θ in the gradient",
        _text("The gradient's regularization term is λ/m·Θ (the derivative of λ/(2m)·Σθ²); you left out the "
              "1/m. (If you also left it out of the data term, the whole gradient is m times too large.)"),
        steps={"gradient_penalty": lambda theta, lambda_, m: m * nn.gradient_penalty(theta, lambda_, m)},
        factor=lambda theta, lambda_, m: m),
    Mistake(
        "missing_cost_regularization", "No λ term in the cost",
        _text("Your cost ignores λ: add λ/(2m)·Σθ² over all weights except the bias columns."),
        steps={"cost_penalty": lambda thetas, lambda_, m: 0.0}),
    Mistake(
        "missing_gradient_regularization", "No λ term in the gradient",
        _text("Your gradient ignores λ: add λ/m·Θ to each Θ's gradient, with column 0 (bias) left out."),
        steps={"gradient_penalty": lambda theta, lambda_, m: np.zeros_like(theta)}),
    Mistake(
        "gradient_unrolled_wrong_order", "Gradient unrolled in another order than the parameters",
        explain_gradient_unrolled_wrong_order, steps={"unroll": _flip_unroll}, form="other major order"),
    Mistake(
        "gradient_unrolled_wrong_order", "Gradient unrolled in another order than the parameters",
        explain_gradient_unrolled_wrong_order, steps={"unroll": _swap_blocks}, form="last block first"),
    # One mistake, seen with either unrolling of the gradient: the template's (right) one, the common form,
    # or the same other order as the reshape. The first never pairs with gradient_unrolled_wrong_order's
    # other major order: that pair is the second form under two names.
    Mistake(
        "params_reshaped_wrong_order", "Parameters reshaped in the other order",
        explain_params_reshaped_wrong_order, steps={"reshape": _reshape_other}, form="gradient unrolled right",
        excludes=("gradient_unrolled_wrong_order[other major order]",)),
    Mistake(
        "params_reshaped_wrong_order", "Parameters reshaped in the other order",
        explain_params_reshaped_wrong_order,
        steps={"reshape": _reshape_other, "unroll": _flip_unroll}, form="gradient unrolled the same way"),
    Mistake(
        "activation_gradient_of_input", "Activation gradient computed as if z were g(z)",
        explain_activation_gradient_of_input,
        applies=_any_hidden(lambda name: name in ("sigmoid", "tanh")),
        steps={"hidden_delta": _hidden_derivative_from_input},
        activation_gradient=lambda name, z: ACTIVATIONS[name].derivative_from_output(np.asarray(z, float))),
    Mistake(  # acceptance run 11, D2: sigmoid_gradient returning sigmoid(z)
        "activation_gradient_returns_activation", "Activation g(z) used where its derivative g′(z) belongs",
        explain_activation_gradient_returns_activation,
        applies=_any_hidden(lambda name: name in ("sigmoid", "tanh")),
        steps={"hidden_delta": _hidden_activation_for_derivative},
        activation_gradient=lambda name, z: ACTIVATIONS[name].forward(np.asarray(z, float))),
    Mistake(
        "regularization_row_not_bias_column", "λ term skips the first row instead of the bias column",
        _text("Your λ term leaves out row 0 of each Θ (Θ[1:, :]) where it should leave out column 0 (Θ[:, 1:]). "
              "The bias weights are the first COLUMN: Θ(l)[:, 0] holds one bias weight for each unit of the next "
              "layer. Regularize Θ[:, 1:] in the cost (λ/(2m)·Σ Θ[:, 1:]²) and add λ/m·Θ[:, 1:] to grad[:, 1:] "
              "in the gradient; row 0 is an ordinary unit's weights and must be regularized like the others."),
        steps={"gradient_penalty": _gradient_penalty_rows}, form="gradient"),
    Mistake(
        "regularization_row_not_bias_column", "λ term skips the first row instead of the bias column",
        lambda n: BY_ID["regularization_row_not_bias_column"].explanation(n),
        steps={"cost_penalty": _penalty_rows}, form="cost"),
    Mistake(
        "regularization_of_accumulated_gradient", "λ term built from the gradient Δ instead of Θ",
        _text("Your gradient's λ term multiplies the accumulated gradient Δ (or the averaged D = Δ/m) by λ/m, "
              "but the λ term is the derivative of λ/(2m)·Σθ², which is λ/m·Θ: the WEIGHTS, not their gradient. "
              "Add λ/m·Θ(l)[:, 1:] to the gradient's columns 1: (and leave column 0 alone)."),
        steps={"penalized_weights": _penalize_accumulated}, form="accumulated"),
    Mistake(
        "regularization_of_accumulated_gradient", "λ term built from the gradient Δ instead of Θ",
        lambda n: BY_ID["regularization_of_accumulated_gradient"].explanation(n),
        steps={"penalized_weights": _penalize_averaged}, form="averaged"),
    Mistake(
        "regularization_of_accumulated_gradient", "λ term built from the gradient Δ instead of Θ",
        lambda n: BY_ID["regularization_of_accumulated_gradient"].explanation(n),
        steps={"penalized_weights": _penalize_accumulated, "gradient_penalty": _gradient_penalty_with_bias},
        form="accumulated, bias included"),
    Mistake(
        "regularization_of_accumulated_gradient", "λ term built from the gradient Δ instead of Θ",
        lambda n: BY_ID["regularization_of_accumulated_gradient"].explanation(n),
        steps={"penalized_weights": _penalize_averaged, "gradient_penalty": _gradient_penalty_with_bias},
        form="averaged, bias included"),
    Mistake(
        "regularization_bias_column_ones", "λ term with a bias column of ones instead of zeros",
        _text("Your λ term replaces the bias column with ones (e.g. np.c_[np.ones(...), Θ[:, 1:]]), which adds "
              "λ/m to every bias weight's gradient (and λ/(2m) per unit to the cost). Leaving the bias out of "
              "the λ term means a column of ZEROS there: np.c_[np.zeros(...), Θ[:, 1:]], or add λ/m·Θ[:, 1:] to "
              "grad[:, 1:] only."),
        steps={"gradient_penalty": _gradient_penalty_ones}, form="gradient"),
    Mistake(
        "regularization_bias_column_ones", "λ term with a bias column of ones instead of zeros",
        lambda n: BY_ID["regularization_bias_column_ones"].explanation(n),
        steps={"cost_penalty": _penalty_ones}, form="cost"),
    Mistake(
        "regularization_builtin_sum", "λ term built with Python's sum (column sums)",
        _text("Your gradient's λ term uses Python's built-in sum(Θ), which on a 2-D numpy array adds up the "
              "ROWS and returns one row of column sums; numpy then broadcasts that row onto every row of the "
              "gradient. The λ term is elementwise, no sum at all: add λ/m·Θ[:, 1:] to grad[:, 1:]. (In the "
              "cost, Σθ² is a sum over ALL entries: np.sum(Θ[:, 1:] ** 2), or sum(sum(...)) twice.)"),
        steps={"gradient_penalty": _gradient_penalty_builtin_sum}, form="without bias"),
    Mistake(
        "regularization_builtin_sum", "λ term built with Python's sum (column sums)",
        lambda n: BY_ID["regularization_builtin_sum"].explanation(n),
        steps={"gradient_penalty": _gradient_penalty_builtin_sum_with_bias}, form="with bias"),
    Mistake(
        "bias_gradient_zeroed", "Bias column of the data gradient left at zero or dropped",
        _text("The bias column (column 0) of your gradient is zero or missing before the λ term: the bias weights "
              "get no gradient from the data. Only the λ term leaves out the bias; the data term δ(l+1)ᵀ·a(l) must use "
              "a(l) WITH its column of ones, so column 0 of Θ(l)'s gradient is the mean of δ(l+1) over the "
              "examples. Compute the whole matrix δᵀ·a/m, then add λ/m·Θ[:, 1:] to columns 1: only."),
        steps={"weight_gradient": _bias_gradient_zeroed}),
    Mistake(
        "delta_labels_not_one_hot", "Output delta from the label column instead of one-hot rows",
        _text("Your cost uses one-hot label rows, but your output delta subtracts the label column itself "
              "(e.g. a3 − y[:, None], broadcast across the K outputs). δ(L) needs the same one-hot rows as the "
              "cost: δ(L) = a(L) − Y with Y = np.eye(num_labels)[y]."),
        applies=_is_labels, steps={"output_delta": _delta_labels_not_one_hot}),
    Mistake(
        "wrong_activation_derivative", "Another activation's derivative",
        explain_wrong_activation_derivative,
        applies=_any_hidden(lambda name: name in BORROWED),
        steps={"hidden_delta": _hidden_wrong_derivative},
        activation_gradient=_activation_gradient_borrowed_on_output, form="hidden"),
    Mistake(
        "wrong_activation_derivative", "Another activation's derivative",
        explain_wrong_activation_derivative,
        applies=lambda n: n.activations[-1] in BORROWED and not cancels(n.activations[-1], n.loss),
        steps={"output_delta": _output_wrong_derivative}, form="output"),
    Mistake(
        "wrong_activation_derivative", "Another activation's derivative",
        explain_wrong_activation_derivative,
        applies=_any_hidden(lambda name: name in BORROWED),
        steps={"hidden_delta": _hidden_borrowed_of_z},
        activation_gradient=_activation_gradient_borrowed, form="copied function"),
    Mistake(
        "cost_not_finite", "Cost is nan or infinite", explain_cost_not_finite),
    Mistake(
        "not_implemented", "Not written yet", explain_not_implemented),
)

BY_ID = {}  # id -> its first catalogue entry (the one whose title and explanation docs show)
for _mistake in CATALOGUE:
    BY_ID.setdefault(_mistake.id, _mistake)
BY_KEY = {m.key: m for m in CATALOGUE}
NOT_IMPLEMENTED = BY_ID["not_implemented"]
COST_NOT_FINITE = BY_ID["cost_not_finite"]  # named by grading.explain, as not_implemented is: no variant makes it


def steps_for(mistakes, network: nn.Network) -> nn.Steps:
    """Reference steps with every given mistake's replacements applied.

    Replacements must not overlap (see `overlapping`), except that a mistake with a `factor` scales
    whatever another one put in its step.
    """

    changes: dict[str, Callable] = {}
    factors: dict[str, list[Callable]] = {}
    for mistake in mistakes:
        for step, function in mistake.steps.items():
            if mistake.factor is not None:
                factors.setdefault(step, []).append(mistake.factor)
            else:
                changes[step] = function
    for step, scales in factors.items():
        changes[step] = _scaled(changes.get(step, getattr(nn.REFERENCE, step)), scales)
    return nn.REFERENCE._replace(**changes)


def _scaled(step: Callable, scales: list[Callable]) -> Callable:
    def scaled(*args):
        value = step(*args)
        for scale in scales:
            value = value * scale(*args)
        return value
    return scaled


_GROUP = {"penalized_weights": "gradient_penalty"}


def overlapping(first: Mistake, second: Mistake) -> bool:
    """Two mistakes that replace the same step cannot both be made at once (a factor composes with one
    replacement of its step; two factors of one step stay one wrong factor)."""
    if second.key in first.excludes or first.key in second.excludes:
        return True
    shared = {step for step in set(first.steps) & set(second.steps)
              if (first.factor is None) == (second.factor is None)}
    # What the gradient's λ term is computed from and how are one expression in a student's code: a pair
    # across them would only rename a single mistake (λ·D is λ/m·Δ).
    for group in {_GROUP.get(s, s) for s in first.steps} & {_GROUP.get(s, s) for s in second.steps}:
        if {s for s in first.steps if _GROUP.get(s, s) == group} != {s for s in second.steps
                                                                    if _GROUP.get(s, s) == group}:
            shared.add(group)
    return bool(shared) or (first.activation_gradient is not None and second.activation_gradient is not None)
def _example_network(mistake: Mistake, network: nn.Network) -> nn.Network | None:
    """A network like this one where the mistake applies (another output activation or loss)."""
    for activation in ("sigmoid", "softmax", "tanh", "linear"):
        for loss in LOSSES:
            other = nn.Network(network.sizes, (*network.activations[:-1], activation), loss, network.order,
                               network.targets, network.label_base)
            if activation in LOSSES[loss].outputs and mistake.applies(other):
                return other
    return None


def catalogue_markdown(network: nn.Network, exercise_id: str) -> str:
    """docs/mistakes.md: every mistake with its explanation as written for this exercise's network."""
    lines = [
        "# The mistake catalogue",
        "",
        "Generated by `grade mistakes --exercise " + exercise_id + "` from `grader/mistakes.py`; a test keeps "
        "this file in step with the catalogue. Explanations that depend on the network (the output "
        "activation and loss, the unrolling order) are shown as written for `" + exercise_id + "`.",
        "",
        "When a part fails, the grader runs each applicable mistake as a variant of its reference engine on "
        "the same hidden inputs, then every pair of mistakes that change different steps (or a wrong factor "
        "on top of another wrong form of the same step), and names those whose outputs match the student's on "
        "all of the part's cases (see docs/architecture.md). A mistake in a step made once per weight matrix "
        "(a Θ's gradient, a Θ's λ term in the cost) is also recognised when it is made for some Θ only: it "
        "is then named with those Θs in its title (\"No λ term in the gradient (Theta2 only)\"), alone or beside "
        "another mistake made in every Θ.",
        "",
        "| id | title | applies to " + exercise_id + " |",
        "|---|---|---|",
    ]
    forms = {}
    for m in CATALOGUE:
        forms.setdefault(m.id, []).append(m)
    for mistake_id, entries in forms.items():
        applies = any(e.applies(network) for e in entries)
        lines.append(f"| `{mistake_id}` | {entries[0].title} | {'yes' if applies else 'no'} |")
    for entries in forms.values():
        m = next((e for e in entries if e.applies(network)), entries[0])
        lines += ["", f"## `{m.id}`: {m.title}", ""]
        if len(entries) > 1:
            lines += ["Recognised forms (named as one mistake, alone or together): "
                      + ", ".join(e.form for e in entries) + ".", ""]
        if m.applies(network):
            lines.append(m.explanation(network))
        else:
            example = _example_network(m, network)
            where = (f"a {example.activations[-1]} output with {example.loss}" if example else "other exercises")
            lines.append(f"Does not apply to {exercise_id}. As written for {where}:")
            lines += ["", (m.explanation(example) if example else m.explanation(network))]
    return "\n".join(lines) + "\n"
