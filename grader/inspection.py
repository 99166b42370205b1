"""What `grade inspect` shows instructors: parts, hidden cases, input shapes, expected outputs."""

import numpy as np

from . import calling
from .cases import build_all
from .checks import expected_outputs
from .engine.network import ORDER_WORDS
from .spec import Exercise


def _plain(value):
    return value.tolist() if isinstance(value, np.ndarray | np.floating) else value


def _shape(value) -> dict:
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape), "dtype": str(value.dtype)}
    return {"value": value}


def describe(exercise: Exercise) -> dict:
    cases = build_all(exercise)
    net = exercise.network
    parts = []
    for part in exercise.parts:
        function = exercise.functions[part.function]
        shown = []
        for name in part.cases:
            case = cases[name]
            args = calling.arguments(function, case, part.lambda_)
            shown.append({
                "name": name,
                "inputs": {arg: _shape(value) for arg, value in zip(function.arguments, args, strict=True)},
                "expected": {k: _plain(v) for k, v in expected_outputs(exercise, part, case).items()},
            })
        parts.append({"id": part.id, "title": part.title, "points": part.points, "function": part.function,
                      "check": part.check, "lambda": part.lambda_, "cases": shown})
    return {
        "exercise": exercise.id, "aliases": list(exercise.aliases), "title": exercise.title,
        "max_score": exercise.max_score,
        "network": {"activations": list(net.activations), "loss": net.loss,
                    "unroll_order": ORDER_WORDS[net.order][0],
                    "targets": net.targets, "label_base": net.label_base},
        "functions": {f.name: {"aliases": list(f.aliases), "arguments": list(f.arguments),
                               "returns": list(f.returns)} for f in exercise.functions.values()},
        "tolerance": exercise.tolerance,
        "parts": parts,
        "training_parts": [_training(exercise, part) for part in exercise.training_parts],
    }


def _training(exercise: Exercise, part) -> dict:
    """A training part, with the figure the reference reaches (it trains once, so scipy is loaded here)."""
    from . import datasets, training

    data = datasets.build(exercise, part)
    t = part.training
    source = t.data.name if t.data.kind == "generated" else t.data.file
    return {"id": part.id, "title": part.title, "points": part.points, "function": part.function,
            "lambda": part.lambda_, "on_request": part.on_request, "method": t.method, "iterations": t.iterations,
            "within": t.within, "data": {"source": source, "examples": int(data.X.shape[0]),
                                         "sizes": list(data.sizes)},
            "measure": "loss" if exercise.network.targets == "values" else "accuracy",
            "reference": training.reference_figure(exercise, part, data)}


def _brief(value) -> str:
    if isinstance(value, list):
        flat = np.asarray(value, dtype=np.float64).ravel()
        head = ", ".join(f"{x:.6g}" for x in flat[:4])
        return f"[{head}{', …' if flat.size > 4 else ''}] ({flat.size} values)"
    return f"{value:.10g}"


def describe_text(data: dict) -> str:
    net = data["network"]
    also = f", also named {', '.join(data['aliases'])}" if data.get("aliases") else ""
    lines = [f"{data['title']} ({data['exercise']}{also}): {data['max_score']} points, "
             f"tolerance {data['tolerance']:g}",
             f"network: activations {', '.join(net['activations'])}; loss {net['loss']}; "
             f"unrolled by {net['unroll_order']}; {net['targets']} (base {net['label_base']})"]
    for part in data["parts"]:
        lam = f", λ = {part['lambda']:g}" if part["check"] != "activation_gradient" else ""
        lines += ["", f"{part['id']}: {part['title']} ({part['points']} points; {part['check']} of "
                      f"{part['function']}{lam})"]
        for case in part["cases"]:
            inputs = ", ".join(f"{k} {'×'.join(map(str, v['shape']))} {v['dtype']}" if "shape" in v
                               else f"{k}={v['value']}" for k, v in case["inputs"].items())
            lines.append(f"  case {case['name']}: {inputs}")
            lines += [f"    expected {k} = {_brief(v)}" for k, v in case["expected"].items()]
    for part in data.get("training_parts", []):
        d = part["data"]
        when = "with grade --train" if part["on_request"] else "on every grade"
        lines += ["", f"{part['id']}: {part['title']} ({part['points']} points; training of {part['function']}, "
                      f"λ = {part['lambda']:g}, {when})",
                  f"  data {d['source']}: {d['examples']} examples, layers {'-'.join(map(str, d['sizes']))}; "
                  f"{part['method']}, {part['iterations']} iterations",
                  f"  the reference reaches {part['measure']} {part['reference']:.4g}; passes within "
                  f"{part['within']:g}"]
    return "\n".join(lines)
