"""06 skills, part 1: keep a function that worked as a skill (an Agent Skills folder in .agents/skills/); 06_skills_use.py reuses it."""
# expect: ^saved skill expense-total version [0-9]+ with total_in_eur$
# expect: ^it calls ledger\.get_exchange_rate, ledger\.list_expenses$
from _vtcode import call_tool

CODE = '''from servers.ledger import get_exchange_rate, list_expenses


def total_in_eur(month: str, category: str | None = None) -> float:
    """Total of one month's expenses (optionally of one category), in euros."""
    rows, page = [], 1
    while page:
        batch = list_expenses(month=month, category=category, page=page)
        rows += batch["expenses"]
        page = batch["next_page"]
    rates = {}
    for r in rows:
        if r["currency"] not in rates:
            rates[r["currency"]] = get_exchange_rate(currency=r["currency"])["to_eur"]
    return round(sum(r["amount"] * rates[r["currency"]] for r in rows), 2)
'''

saved = call_tool("vtcode", "save_skill", {
    "name": "expense-total",
    "description": "Total of a month's ledger expenses in euros, optionally for one category.",
    "code": CODE,
    "tags": ["ledger", "finance"],
})
print(f"saved skill {saved['name']} version {saved['version']} with {', '.join(saved['functions'])}")
print(f"it calls {', '.join(saved['tools'])}")
