#!/usr/bin/env python3
"""Turns the Berkeley Function Calling Leaderboard (BFCL v4, the `bfcl-eval`
package, Apache-2.0) into a tool-retrieval set for the semantic bench.

BFCL gives each task a user request, the functions offered to the model
and the call(s) a correct answer makes. As a retrieval set:
  - the catalog is every distinct function of the single-turn categories
    (a function offered under one name with several descriptions keeps the
    first), served as tools of one server, `bfcl`;
  - a task's query is its whole user text (every user message of the turn);
  - the tools it needs are the functions its ground-truth answer calls.
Multi-turn, irrelevance and format categories are left out: they have no
single request to search with, or no tool to find.

Usage: bfcl-retrieval-set.py OUT.json   (bfcl-eval must be importable)
"""

import importlib.resources
import json
import sys

CATEGORIES = [
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
]


def schema(node):
    """BFCL writes JSON Schema with Python type names (`dict`, `float`)."""
    if isinstance(node, dict):
        out = {k: schema(v) for k, v in node.items()}
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = {
                "dict": "object",
                "float": "number",
                "int": "integer",
                "tuple": "array",
                "list": "array",
                "any": "string",
                "bool": "boolean",
                "str": "string",
            }.get(kind, kind)
        return out
    if isinstance(node, list):
        return [schema(v) for v in node]
    return node


def lines(path):
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = importlib.resources.files("bfcl_eval") / "data"
    tools = {}
    tasks = []
    for category in CATEGORIES:
        answers = {
            a["id"]: a["ground_truth"]
            for a in lines(data / "possible_answer" / f"BFCL_v4_{category}.json")
        }
        for entry in lines(data / f"BFCL_v4_{category}.json"):
            for function in entry["function"]:
                tools.setdefault(
                    function["name"],
                    {
                        "server": "bfcl",
                        "name": function["name"],
                        "description": function.get("description", ""),
                        "inputSchema": schema(function.get("parameters", {"type": "object"})),
                    },
                )
            turn = entry["question"][0]
            query = "\n".join(m["content"] for m in turn if m["role"] == "user")
            needed = sorted({name for call in answers[entry["id"]] for name in call})
            if query and needed:
                tasks.append(
                    {"id": entry["id"], "query": query, "tools": [f"bfcl.{n}" for n in needed]}
                )
    missing = {t for task in tasks for t in task["tools"]} - {f"bfcl.{n}" for n in tools}
    if missing:
        sys.exit(f"ground truth names functions no task offers: {sorted(missing)[:5]}")
    out = {
        "source": "BFCL v4 (bfcl-eval), categories: " + ", ".join(CATEGORIES),
        "catalog": list(tools.values()),
        "tasks": tasks,
    }
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f)
    print(f"bfcl: {len(tools)} tools, {len(tasks)} tasks -> {sys.argv[1]}", file=sys.stderr)


if __name__ == "__main__":
    main()
