"""The examples' data source: a small expense ledger as an MCP server.

Everything is generated from a fixed seed, so every run (and every machine)
sees the same 1,000 expenses and the examples can say exactly what they
should print. Run it with the Python MCP SDK: `python examples/servers/ledger.py`.
"""

import random

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

CATEGORIES = ["travel", "meals", "software", "hardware", "office", "training"]
CURRENCIES = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "JPY": 0.0062}
REGIONS = ["emea", "amer", "apac"]
PAGE_SIZE = 100

server = MCPServer("ledger", version="1.0.0")


def build_expenses():
    rng = random.Random(20260301)
    rows = []
    for i in range(1, 1001):
        currency = rng.choice(list(CURRENCIES))
        amount = rng.uniform(5, 900) * (150 if currency == "JPY" else 1)
        rows.append(
            {
                "id": i,
                "date": f"2026-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}",
                "category": rng.choice(CATEGORIES),
                "region": rng.choice(REGIONS),
                "amount": round(amount, 2),
                "currency": currency,
                "employee": f"employee-{rng.randint(1, 40):02d}",
            }
        )
    return rows


EXPENSES = build_expenses()

# Every tool only reads: vtcode runs read-only tools without asking.
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)


@server.tool(annotations=READ_ONLY)
def list_expenses(month: str | None = None, category: str | None = None, page: int = 1) -> dict:
    """List expenses, 100 per page, optionally of one month (YYYY-MM) or category.

    Returns {"expenses": [...], "page": n, "next_page": n+1 or null, "total": count}.
    Each expense has id, date, category, region, amount, currency and employee.
    """
    rows = [
        e
        for e in EXPENSES
        if (month is None or e["date"].startswith(month)) and (category is None or e["category"] == category)
    ]
    if page < 1:
        raise ToolError("page starts at 1")
    start = (page - 1) * PAGE_SIZE
    chunk = rows[start : start + PAGE_SIZE]
    more = start + PAGE_SIZE < len(rows)
    return {"expenses": chunk, "page": page, "next_page": page + 1 if more else None, "total": len(rows)}


@server.tool(annotations=READ_ONLY)
def get_exchange_rate(currency: str) -> dict:
    """The rate that converts an amount in `currency` to euros (EUR)."""
    code = currency.upper()
    if code not in CURRENCIES:
        raise ToolError(f"unknown currency {currency}; known: {', '.join(CURRENCIES)}")
    return {"currency": code, "to_eur": CURRENCIES[code]}


@server.tool(annotations=READ_ONLY)
def list_categories() -> list[str]:
    """The expense categories."""
    return CATEGORIES


server.run()
