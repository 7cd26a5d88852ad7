"""`make mutation`: mutation testing as a measurement (issue 23 item 6) — how many small changes to the checks'
rules and identifiers and to the mapping transforms the targeted tests notice.

A small runner on the standard library's `ast` instead of mutmut: mutmut 3 copies the project into
`mutants/` and rewrites every function into a trampoline, which breaks the tests' `pythonpath` layout
(`tests/helpers`) and the registries that import by module name. Here each mutant is one change to one
module's syntax tree — an operator, a comparison, a boolean operator, a negation, a constant — and the module's
targeted tests run in a fresh `pytest` process that imports the mutated module from memory (an import hook
installed by this module as a pytest plugin: `-p bench.mutation`), so the source files are never touched and
mutants can run side by side. A mutant is *killed* when the tests fail (or error, or exceed the timeout),
*survived* when they pass.

Surviving mutants are listed in `bench/mutation.json` with the reason they survive: the reason written in
`bench/mutation_survivors.yaml` after looking at the mutant (an equivalent mutant, text nobody asserts, …),
otherwise "not analysed yet: no targeted test tells this mutant apart".

    python -m bench.mutation                      # every module below (slow: ~750 mutants)
    python -m bench.mutation checks/rules.py      # one module
    python -m bench.mutation --list               # list the mutants without running them
    python -m bench.mutation --refresh-reasons    # after writing reasons: update bench/mutation.json
    python -m bench.mutation --survivors checks/identifiers.py   # after adding tests: re-test the survivors only
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "mutation.json"
SURVIVOR_REASONS = ROOT / "bench" / "mutation_survivors.yaml"
UNANALYSED = "not analysed yet: no targeted test tells this mutant apart"
# The child pytest reads which mutant to apply from these (set only for the child process).
MODULE_ENV = "PM_MUTATION_MODULE"
INDEX_ENV = "PM_MUTATION_INDEX"

# Module → the tests that exercise it (the tests a developer would run after changing the module).
TRANSFORM_TESTS = ["tests/mapping/test_transforms.py"]
TARGETS: dict[str, list[str]] = {
    "checks/rules.py": ["tests/checks/test_approval_checks_fail.py"],
    "checks/identifiers.py": ["tests/checks/test_identifiers.py"],
    "mappings/transforms/cliniko.py": TRANSFORM_TESTS,
    "mappings/transforms/contact.py": TRANSFORM_TESTS,
    "mappings/transforms/coreplus.py": [*TRANSFORM_TESTS, "tests/coreplus/test_coreplus_transforms.py"],
    "mappings/transforms/files.py": TRANSFORM_TESTS,
    "mappings/transforms/jsondecode.py": TRANSFORM_TESTS,
    "mappings/transforms/registry.py": TRANSFORM_TESTS,
    "mappings/transforms/temporal.py": TRANSFORM_TESTS,
    "mappings/transforms/text.py": TRANSFORM_TESTS,
    "mappings/transforms/values.py": TRANSFORM_TESTS,
}

_SWAPPED_OPERATORS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
_SWAPPED_COMPARISONS: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the project root
    index: int  # position in the module's deterministic list of mutants
    line: int
    description: str
    code: str  # the source line, stripped


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Nodes whose mutation changes nothing at run time: docstrings, annotations (never evaluated under
    `from __future__ import annotations`), the text parts of f-strings, `__all__`."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            skip(first)
        if isinstance(node, ast.arg | ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skip(node.returns)
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(v) for v in node.values if isinstance(v, ast.Constant))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            skip(node)
    return skipped


def _mutations(node: ast.AST) -> list[tuple[str, Any]]:
    """The changes one node admits: (description, how to apply it to a copy of the node)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _SWAPPED_OPERATORS:
        new = _SWAPPED_OPERATORS[type(node.op)]
        return [(f"{type(node.op).__name__} → {new.__name__}", ("op", new))]
    if isinstance(node, ast.Compare):
        return [
            (f"comparison {i}: {type(op).__name__} → {_SWAPPED_COMPARISONS[type(op)].__name__}", ("cmp", i))
            for i, op in enumerate(node.ops)
            if type(op) in _SWAPPED_COMPARISONS
        ]
    if isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        return [(f"{type(node.op).__name__} → {new.__name__}", ("op", new))]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.Invert | ast.USub):
        return [(f"{type(node.op).__name__} removed", ("unary", None))]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return [(f"{value} → {not value}", ("const", not value))]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [(f"{value!r} → {value + 1!r}", ("const", value + 1))]
        if isinstance(value, str):
            return [(f"{_short(value)} → {_short('XX' + value + 'XX')}", ("const", "XX" + value + "XX"))]
    return []


def _short(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:27] + "…")


def _candidates(tree: ast.AST) -> list[tuple[ast.AST, str, Any]]:
    skipped = _skipped_nodes(tree)
    found = []
    for node in ast.walk(tree):  # breadth-first and deterministic: the same source gives the same list
        if id(node) in skipped:
            continue
        found.extend((node, description, change) for description, change in _mutations(node))
    return found


def list_mutants(module: str) -> list[Mutant]:
    source = (ROOT / module).read_text(encoding="utf-8")
    lines = source.splitlines()
    return [
        Mutant(module, i, node.lineno, description, lines[node.lineno - 1].strip())  # type: ignore[attr-defined]
        for i, (node, description, _) in enumerate(_candidates(ast.parse(source)))
    ]


def mutated_code(module: str, index: int) -> Any:
    """The module compiled with mutant `index` applied."""
    path = ROOT / module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    node, _, (kind, arg) = _candidates(tree)[index]
    if kind == "op":
        node.op = arg()  # type: ignore[attr-defined]
    elif kind == "cmp":
        node.ops[arg] = _SWAPPED_COMPARISONS[type(node.ops[arg])]()  # type: ignore[attr-defined]
    elif kind == "const":
        node.value = arg  # type: ignore[attr-defined]
    elif kind == "unary":
        _replace(tree, node, node.operand)  # type: ignore[attr-defined]
    return compile(ast.fix_missing_locations(tree), str(path), "exec")


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, copy.copy(new))
                return
            if isinstance(value, list) and any(v is old for v in value):
                value[next(i for i, v in enumerate(value) if v is old)] = new
                return


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports one module from its mutated syntax tree instead of its file."""

    def __init__(self, module: str, index: int) -> None:
        self.module, self.index = module, index
        self.name = module.removesuffix(".py").replace("/", ".")

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, ROOT / self.module, loader=self)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        exec(mutated_code(self.module, self.index), module.__dict__)  # noqa: S102 — the point of the tool


# Loaded as a pytest plugin (`-p bench.mutation`) by the child process: install the hook before any test or
# conftest imports the project.
if os.environ.get(MODULE_ENV) and os.environ.get(INDEX_ENV):
    sys.meta_path.insert(0, _MutantFinder(os.environ[MODULE_ENV], int(os.environ[INDEX_ENV])))


def _pytest(tests: list[str], mutant: Mutant | None, timeout: float) -> tuple[str, float]:
    """Run the tests (with the mutant applied when given): 'passed', 'failed' or 'timeout', and seconds."""
    env = {k: v for k, v in os.environ.items() if k not in (MODULE_ENV, INDEX_ENV)}
    if mutant is not None:
        env |= {MODULE_ENV: mutant.module, INDEX_ENV: str(mutant.index)}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "bench.mutation", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    if done.returncode == 5:  # no tests collected: the target list is wrong, not the mutant
        raise SystemExit(f"no tests collected from {tests}")
    return ("passed" if done.returncode == 0 else "failed"), time.monotonic() - start


def _survivor_reasons() -> dict[str, dict[str, str]]:
    if not SURVIVOR_REASONS.exists():
        return {}
    return yaml.safe_load(SURVIVOR_REASONS.read_text(encoding="utf-8")) or {}


def survivor_key(mutant: Mutant) -> str:
    """How bench/mutation_survivors.yaml names a mutant: its source line and change (stable across edits
    elsewhere in the module)."""
    return reason_key(mutant.code, mutant.description)


def reason_key(code: str, description: str) -> str:
    return f"{code} :: {description}"


def run_module(module: str, jobs: int, only: set[str] | None = None) -> dict[str, Any]:
    """Test every mutant of `module`, or only those whose `survivor_key` is in `only` (the others count as
    killed by an earlier measurement of the same source)."""
    tests = TARGETS[module]
    baseline, seconds = _pytest(tests, None, timeout=1800)
    if baseline != "passed":
        raise SystemExit(f"the targeted tests of {module} fail without any mutant: {tests}")
    # A mutant can turn a loop endless; far beyond the clean run's duration it counts as killed.
    timeout = max(120.0, 5 * seconds)
    mutants = list_mutants(module)

    def run(mutant: Mutant) -> str:
        outcome = _pytest(tests, mutant, timeout)[0]
        shown = "survived" if outcome == "passed" else "killed" if outcome == "failed" else outcome
        print(f"  #{mutant.index} {shown}: line {mutant.line} {mutant.description}", flush=True)
        return outcome

    def run_or_keep(mutant: Mutant) -> str:
        return run(mutant) if only is None or survivor_key(mutant) in only else "failed"

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(run_or_keep, mutants))
    reasons = _survivor_reasons().get(module, {})
    survivors = [
        {
            "line": m.line,
            "mutation": m.description,
            "code": m.code,
            "reason": reasons.get(survivor_key(m), UNANALYSED),
        }
        for m, outcome in sorted(zip(mutants, outcomes, strict=True), key=lambda pair: pair[0].line)
        if outcome == "passed"
    ]
    killed = len(mutants) - len(survivors)
    return {
        "tests": tests,
        "mutants": len(mutants),
        "killed": killed,
        "timed_out": outcomes.count("timeout"),
        "survived": len(survivors),
        "killed_share": round(killed / len(mutants), 3) if mutants else None,
        "clean_run_seconds": round(seconds, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "survivors": survivors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default: all of {len(TARGETS)})")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1: a shared machine)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument(
        "--refresh-reasons",
        action="store_true",
        help="rewrite the survivors' reasons in the results from bench/mutation_survivors.yaml, run nothing",
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="re-test only the mutants that survived the last measurement of each module (after adding tests)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    modules = args.modules or list(TARGETS)
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        parser.error(f"no targeted tests known for {unknown}; add them to TARGETS in bench/mutation.py")
    if args.list:
        for module in modules:
            for m in list_mutants(module):
                print(f"{m.module}:{m.line}  #{m.index}  {m.description}  |  {m.code}")
        return 0
    results = json.loads(args.results.read_text(encoding="utf-8")) if args.results.exists() else {}
    results.setdefault("modules", {})
    if args.refresh_reasons:
        reasons = _survivor_reasons()
        for module, entry in results["modules"].items():
            for s in entry["survivors"]:
                s["reason"] = reasons.get(module, {}).get(reason_key(s["code"], s["mutation"]), UNANALYSED)
        args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    for module in modules:
        print(f"{module}: {len(list_mutants(module))} mutants against {' '.join(TARGETS[module])}", flush=True)
        entry = run_module(module, args.jobs, _previous_survivors(results, module) if args.survivors else None)
        results["modules"][module] = entry
        print(f"  killed {entry['killed']}/{entry['mutants']} ({entry['killed_share']:.0%})", flush=True)
        for s in entry["survivors"]:
            print(f"  survived {module}:{s['line']} {s['mutation']}  |  {s['code']}", flush=True)
        # Written after every module: a long run interrupted keeps what it measured.
        results["total"] = _total(results["modules"])
        results["tool"] = "bench/mutation.py (stdlib ast; see its docstring)"
        args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _previous_survivors(results: dict[str, Any], module: str) -> set[str]:
    """The survivors of the module's last measurement, by `survivor_key`; refused when the module's source
    changed since (its mutants would no longer be the ones measured)."""
    entry = results["modules"].get(module)
    if entry is None:
        raise SystemExit(f"{module} was never measured: run it whole first")
    if entry["mutants"] != len(list_mutants(module)):
        raise SystemExit(f"{module} changed since it was measured ({entry['mutants']} mutants then): run it whole")
    return {reason_key(s["code"], s["mutation"]) for s in entry["survivors"]}


def _total(modules: dict[str, dict[str, Any]]) -> dict[str, Any]:
    mutants = sum(m["mutants"] for m in modules.values())
    killed = sum(m["killed"] for m in modules.values())
    return {
        "modules_measured": len(modules),
        "modules_known": len(TARGETS),
        "mutants": mutants,
        "killed": killed,
        "survived": mutants - killed,
        "killed_share": round(killed / mutants, 3) if mutants else None,
        "target_share": 0.85,
    }


if __name__ == "__main__":
    raise SystemExit(main())
