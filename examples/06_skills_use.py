"""06 skills, part 2: a second program imports the skill saved by 06_skills_save.py and reuses it."""
# expect: ^march total: 79277.77 EUR$
# expect: ^march travel: 13886.43 EUR$
from skills.expense_total import total_in_eur

print(f"march total: {total_in_eur('2026-03'):.2f} EUR")
print(f"march travel: {total_in_eur('2026-03', category='travel'):.2f} EUR")
