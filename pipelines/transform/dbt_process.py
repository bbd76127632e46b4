"""The child process ``run_dbt_build`` starts: dbt's CLI, invoked in-process, and a results file.

``python -m pipelines.transform.dbt_process RESULTS_FILE build …`` runs ``dbt build …`` exactly
as ``python -m dbt.cli.main build …`` would (same output, same exit codes: 0 success, 1 a node
failed, 2 dbt could not run) and writes what each node did to ``RESULTS_FILE``, in the shape of
the ``results`` of dbt's ``run_results.json``::

    {"results": [{"unique_id": "model.sfsync.companies", "status": "success",
                  "execution_time": 0.41, "message": "OK", "failures": null,
                  "relation_name": "\\"warehouse\\".\\"main\\".\\"companies\\""}, …]}

The child runs with Python's cyclic garbage collector off: dbt's objects (the manifest, one
Jinja context per node) make a heap that each full collection walks again, a sixth of a build's
CPU time. A process that lives for one build frees its memory when it exits; until then,
reference counting frees the rest as usual (peak memory measured the same). Its objects are
frozen before it exits, so that shutdown does not walk them once more.

Started early (``--wait``, :func:`pipelines.transform.build.start_warm_build`), the child imports
dbt and parses the project (``dbt parse``, which does not open the warehouse) while the sync job
is still extracting, then waits for one line on its standard input: ``go`` runs the build with
the parsed manifest; end of input (the job failed, or its build changed) exits without building.
Importing dbt and parsing take 3 to 5 s of a periodic build; a sync job no longer waits for them.

Why not dbt's own artifacts: a build that writes them (``--write-json``) serializes the whole
manifest to ``manifest.json`` and every node's compiled SQL and timing to ``run_results.json``,
about a second of a periodic build on a 2-core machine, for files nothing in sfsync reads. The
caller passes ``--no-write-json``; this file is the part it needs.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any


def node_results(outcome: Any) -> list[dict[str, Any]]:
    """What each node of a dbt invocation's result did (empty when dbt did not run nodes)."""
    results = getattr(outcome.result, "results", None) or []
    rows = []
    for entry in results:
        node = entry.node
        status = entry.status
        rows.append(
            {
                "unique_id": node.unique_id,
                "status": str(getattr(status, "value", status)),
                "execution_time": entry.execution_time,
                "message": entry.message,
                "failures": entry.failures,
                "relation_name": getattr(node, "relation_name", None),
            }
        )
    return rows


# Options of a build that ``dbt parse`` takes too: with them, the parse writes the partial-parse
# state the build would have written, where the build would have written it.
_PARSE_OPTIONS = ("--project-dir", "--profiles-dir", "--target-path", "--log-path")
_PARSE_FLAGS = ("--no-use-colors", "--no-write-json")


def parse_args_of(build_args: list[str]) -> list[str]:
    """``dbt parse`` with the project, profile, target and log options of ``build_args``."""
    args = ["parse", "--quiet"]
    for position, arg in enumerate(build_args):
        if arg in _PARSE_OPTIONS and position + 1 < len(build_args):
            args += [arg, build_args[position + 1]]
        elif arg in _PARSE_FLAGS:
            args.append(arg)
    return args


def main(argv: list[str]) -> int:
    """Run ``dbt argv[1:]`` and write its node results to ``argv[0]``; dbt's exit code.

    With ``--wait`` first: parse the project, then run only once ``go`` arrives on stdin.
    """
    wait = bool(argv) and argv[0] == "--wait"
    if wait:
        argv = argv[1:]
    if len(argv) < 2:
        print("usage: python -m pipelines.transform.dbt_process [--wait] RESULTS_FILE DBT_ARGS…")
        return 2
    results_file = Path(argv[0])
    gc.disable()
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    manifest: Manifest | None = None
    if wait:
        parsed = dbtRunner().invoke(parse_args_of(list(argv[1:])))
        # A project that does not parse is left to the build, which reports it as usual.
        manifest = parsed.result if parsed.success and isinstance(parsed.result, Manifest) else None
        if sys.stdin.readline().strip() != "go":
            return 0
    outcome = dbtRunner(manifest=manifest).invoke(list(argv[1:]))
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps({"results": node_results(outcome)}), encoding="utf-8")
    # Interpreter shutdown collects garbage once more, across everything dbt built (1.2 s of a
    # 1.4 s exit, measured); frozen objects are skipped. dbt has closed the warehouse by now.
    gc.freeze()
    if outcome.success:
        return 0
    if outcome.exception is not None:
        # dbt's CLI prints what stopped it; dbtRunner hands it back instead (a bad option
        # or project is otherwise silent).
        print(f"Error: dbt could not run: {outcome.exception}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
