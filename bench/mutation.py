"""`make mutation`: mutation testing as a measurement (issue 23 item 6) — how many small changes to the checks'
rules and identifiers and to the mapping transforms the targeted tests notice.

A small runner on the standard library's `ast` instead of mutmut: mutmut 3 copies the project into
`mutants/` and rewrites every function into a trampoline, which breaks the tests' `pythonpath` layout
(`tests/helpers`) and the registries that import by module name. Here each mutant is one change to one
module's syntax tree — an operator, a comparison, a boolean operator, a negation, a constant — and the module's
targeted tests run in a pytest that imports the mutated module from memory (an import hook installed by this
module as a pytest plugin: `-p bench.mutation`), so the source files are never touched and mutants can run side
by side. A mutant is *killed* when the tests fail (or error, or exceed the timeout), *survived* when they pass.

Each run is a child forked from a worker that imported pytest and the tests' libraries once (`ForkedPytest`):
a new interpreter spent two to three seconds importing dagster, polars and pandera before the first test, the
fork a fraction of that. The clean run takes the same way as the mutants; a run the fork cannot decide (a
timeout, a crash) is run again in a new process, and `--fresh-process` runs every mutant that way.

Surviving mutants are listed in `bench/mutation.json` with the reason they survive: the reason written in
`bench/mutation_survivors.yaml` after looking at the mutant (an equivalent mutant, text nobody asserts, …),
otherwise "not analysed yet: no targeted test tells this mutant apart".

    python -m bench.mutation                      # every module below (slow: ~750 mutants)
    python -m bench.mutation checks/rules.py      # one module
    python -m bench.mutation --list               # list the mutants without running them
    python -m bench.mutation --refresh-reasons    # after writing reasons: update bench/mutation.json
    python -m bench.mutation --survivors checks/identifiers.py   # after adding tests: re-test the survivors only
    python -m bench.mutation --fresh-process checks/rules.py   # a new pytest process per mutant (to cross-check)
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import importlib.abc
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import threading
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
    # The rules' edges on a few rows first (a second): most mutants end there, under `-x`, before the staged
    # practice the second module builds.
    "checks/rules.py": ["tests/checks/test_approval_rules.py", "tests/checks/test_approval_checks_fail.py"],
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


def _pytest_arguments(tests: list[str]) -> list[str]:
    return ["-x", "-q", "-p", "no:cacheprovider", "-p", "bench.mutation", *tests]


def _exit_outcome(returncode: int, tests: list[str]) -> str:
    """'passed' or 'failed' from a pytest exit status (any failure, error or collection error kills a mutant)."""
    if returncode == 5:  # no tests collected: the target list is wrong, not the mutant
        raise SystemExit(f"no tests collected from {tests}")
    return "passed" if returncode == 0 else "failed"


def _pytest(tests: list[str], mutant: Mutant | None, timeout: float) -> tuple[str, float]:
    """Run the tests in a new pytest process (with the mutant applied when given): 'passed', 'failed' or
    'timeout', and seconds."""
    env = {k: v for k, v in os.environ.items() if k not in (MODULE_ENV, INDEX_ENV)}
    if mutant is not None:
        env |= {MODULE_ENV: mutant.module, INDEX_ENV: str(mutant.index)}
    command = [sys.executable, "-m", "pytest", *_pytest_arguments(tests)]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    return _exit_outcome(done.returncode, tests), time.monotonic() - start


# Exit statuses a forked pytest decides a mutant with: passed, tests failed, collection interrupted (a mutant
# that breaks an import). Anything else — pytest's internal or usage error, a death by signal, a timeout — may
# be the fork itself, so that mutant is run again in a new process.
_FORK_DECIDES = (0, 1, 2)


class ForkedPytest:
    """Runs the tests once per mutant in a child forked from a worker that imported pytest and the tests'
    libraries once (dagster, polars, duckdb …): a mutant then costs its tests, not the two or three seconds
    a new interpreter spends importing them.

    The worker (`python -m bench.mutation --worker TESTS…`) collects the tests once, then drops every module of
    the project from `sys.modules`, so each child imports the project afresh — the mutated module through the
    same import hook as a new process, and every module that imports it bound to the mutant. It forks only while
    no thread runs but those known to be safe to leave behind (`_FORK_SAFE_THREADS`: a thread pool copied into
    a child without its threads can deadlock it, which would read as a timeout, i.e. a kill); otherwise, and for
    a child whose end is not a test outcome, the run falls back to a new process."""

    def __init__(self, tests: list[str]) -> None:
        self.tests = tests
        env = {k: v for k, v in os.environ.items() if k not in (MODULE_ENV, INDEX_ENV)}
        # numpy's OpenBLAS starts a thread pool when imported (pandera imports it); one thread keeps the worker
        # forkable, and nothing the targeted tests compute goes through BLAS.
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.mutation", "--worker", *tests],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._requests, self._replies = self.process.stdin, self.process.stdout
        # "ready", or "threads <names>": the worker cannot fork safely and every run takes a new process.
        self.forks = self._replies.readline().strip() == "ready"
        self.fallbacks = 0  # runs a forked child did not decide, run again in a new process

    def _fallback(self, mutant: Mutant | None, timeout: float) -> tuple[str, float]:
        self.fallbacks += 1
        return _pytest(self.tests, mutant, timeout)

    def run(self, mutant: Mutant | None, timeout: float) -> tuple[str, float]:
        """'passed', 'failed' or 'timeout', and seconds — what `_pytest` answers for the same mutant."""
        if not self.forks:
            return self._fallback(mutant, timeout)
        module, index = (mutant.module, mutant.index) if mutant is not None else ("-", -1)
        self._requests.write(f"{module} {index} {timeout}\n")
        self._requests.flush()
        reply = self._replies.readline().split()
        if not reply:
            raise SystemExit(f"the mutation worker for {self.tests} ended")
        status, seconds = reply[0], float(reply[1])
        # A timeout is confirmed in a new process: a forked child that hangs on a lock no thread will release
        # must not count as a kill.
        if status == "timeout" or int(status) not in (*_FORK_DECIDES, 5):
            return self._fallback(mutant, timeout)
        return _exit_outcome(int(status), self.tests), seconds

    def close(self) -> None:
        self._requests.close()
        self.process.wait(timeout=60)

    def __enter__(self) -> ForkedPytest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _project_module(module: Any) -> bool:
    """A module loaded from the project's source (not from the virtualenv): re-imported by each child."""
    spec = getattr(module, "__spec__", None)
    places = [getattr(module, "__file__", None), *(getattr(spec, "submodule_search_locations", None) or [])]
    for place in places:
        if place:
            path = Path(place).resolve()
            if path.is_relative_to(ROOT) and not path.is_relative_to(ROOT / ".venv"):
                return True
    return False


# Threads a child may be forked without: jemalloc's background purging (jemalloc's own fork handlers restart it)
# and polars' spill-file cleaner (no computation waits on it). Polars' compute pool is started lazily and is
# not among them: a worker that started it does not fork.
_FORK_SAFE_THREADS = {"jemalloc_bg_thd", "polars-ooc-clea"}


def _unsafe_threads() -> list[str]:
    """The names of the process's threads, besides the main one, that a forked child would miss (Linux: native
    threads included); elsewhere every Python thread but the main one."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    names = [(task / "comm").read_text().strip() for task in tasks.iterdir() if task.name != str(os.getpid())]
    return [name for name in names if name not in _FORK_SAFE_THREADS]


def serve(tests: list[str]) -> int:
    """The worker of `ForkedPytest`: read "<module> <index> <timeout>" lines (index -1: no mutant), fork a
    pytest run per line, answer "<exit status or 'timeout'> <seconds>"."""
    import pytest

    replies = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # pytest's own output never mixes into the replies
    pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *tests])
    for name in [name for name, module in sys.modules.items() if name != "__main__" and _project_module(module)]:
        del sys.modules[name]
    unsafe = _unsafe_threads()
    replies.write(f"threads {','.join(unsafe)}\n" if unsafe else "ready\n")
    if unsafe:
        return 0
    for line in sys.stdin:
        module, index, timeout = line.split()
        start = time.monotonic()
        status = _fork_pytest(tests, module, int(index), float(timeout), devnull)
        replies.write(f"{status} {time.monotonic() - start:.3f}\n")
    return 0


def _fork_pytest(tests: list[str], module: str, index: int, timeout: float, devnull: int) -> str:
    import pytest

    pid = os.fork()
    if pid == 0:  # the child: its own process group (a timeout ends whatever the tests started too)
        code = 3
        try:
            os.setpgid(0, 0)
            os.dup2(devnull, 0)
            os.dup2(devnull, 2)
            if index >= 0:
                os.environ[MODULE_ENV], os.environ[INDEX_ENV] = module, str(index)
            code = int(pytest.main(_pytest_arguments(tests)))
        finally:
            os._exit(code)
    with contextlib.suppress(OSError):  # whichever of parent and child gets there first
        os.setpgid(pid, pid)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return str(os.waitstatus_to_exitcode(status))
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


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


def run_module(module: str, jobs: int, only: set[str] | None = None, fork: bool = True) -> dict[str, Any]:
    """Test every mutant of `module`, or only those whose `survivor_key` is in `only` (the others count as
    killed by an earlier measurement of the same source). `fork`: each run forked from a preloaded worker
    (`ForkedPytest`), else a new pytest process per run."""
    tests = TARGETS[module]
    runners: queue.Queue[ForkedPytest | None] = queue.Queue()
    for _ in range(jobs):
        runners.put(ForkedPytest(tests) if fork else None)

    def test(mutant: Mutant | None, timeout: float) -> tuple[str, float]:
        runner = runners.get()
        try:
            return runner.run(mutant, timeout) if runner is not None else _pytest(tests, mutant, timeout)
        finally:
            runners.put(runner)

    try:
        return _measure(module, tests, jobs, only, test)
    finally:
        while not runners.empty():
            if (runner := runners.get()) is not None:
                runner.close()


def _measure(module: str, tests: list[str], jobs: int, only: set[str] | None, test: Any) -> dict[str, Any]:
    # The clean run takes the same way as the mutants: a runner that failed the unmutated tests would count
    # every mutant as killed.
    baseline, seconds = test(None, 1800)
    if baseline != "passed":
        raise SystemExit(f"the targeted tests of {module} fail without any mutant: {tests}")
    # A mutant can turn a loop endless; far beyond the clean run's duration it counts as killed.
    timeout = max(120.0, 5 * seconds)
    mutants = list_mutants(module)
    started = time.monotonic()

    def run(mutant: Mutant) -> str:
        outcome = test(mutant, timeout)[0]
        shown = "survived" if outcome == "passed" else "killed" if outcome == "failed" else outcome
        print(f"  #{mutant.index} {shown}: line {mutant.line} {mutant.description}", flush=True)
        return outcome

    def run_or_keep(mutant: Mutant) -> str:
        return run(mutant) if only is None or survivor_key(mutant) in only else "failed"

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(run_or_keep, mutants))
    run_seconds = time.monotonic() - started
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
        # A `--survivors` run tests only the last survivors: its seconds are theirs, not the module's.
        "mutants_tested": len(mutants) if only is None else sum(survivor_key(m) in only for m in mutants),
        "mutants_run_seconds": round(run_seconds),
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
    parser.add_argument(
        "--fresh-process",
        action="store_true",
        help="a new pytest process per mutant instead of forking a preloaded worker (slower; to cross-check)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # ForkedPytest's worker
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.worker:
        return serve(args.modules)
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
        only = _previous_survivors(results, module) if args.survivors else None
        entry = run_module(module, args.jobs, only, fork=not args.fresh_process)
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
