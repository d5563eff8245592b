"""The comparison as an HTML table the page shows (`st.html`): one column per model, one row per fact.

Every value, id and reason is HTML-escaped (they come from the Hub, cards and URLs): the only markup is ours.
Differences stand out: a row whose values differ is marked in its label; the best value of a numeric row is bold
with a star; numeric rows get small inline bars (relative to the row's largest value); an unknown value is a dash
whose tooltip (`title`) says why. `fold_equal` leaves out the rows where all models agree.
"""

from __future__ import annotations

from html import escape

from lib.compare.table import ComparedRow, Comparison, show
from lib.records import repo_web_url

STYLE = """
<style>
.cmp {border-collapse: collapse; width: 100%; font-size: 0.88rem; table-layout: fixed}
.cmp th, .cmp td {padding: 4px 8px; border-bottom: 1px solid rgba(128,128,128,0.25); vertical-align: top;
  overflow-wrap: anywhere; text-align: left}
.cmp th.fact, .cmp td.fact {width: 13rem}
.cmp tr.group td {font-weight: 600; padding-top: 10px; border-bottom: 1px solid rgba(128,128,128,0.5)}
.cmp tr.differs td.fact::after {content: " ≠"; color: #d97706; font-weight: 700}
.cmp tr.differs td.val {background: rgba(217,119,6,0.06)}
.cmp td.best {font-weight: 700}
.cmp td.best::before {content: "★ "; color: #d97706}
.cmp td.unknown {color: rgba(128,128,128,0.9); cursor: help}
.cmp .bar {height: 4px; margin-top: 3px; background: #ff9d00; border-radius: 2px; min-width: 2px}
</style>
"""


def _bars(row: ComparedRow) -> list[float | None]:
    numbers = [v if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in row.values]
    top = max((abs(v) for v in numbers if v is not None), default=0)
    return [abs(v) / top if v is not None and top else None for v in numbers]


def _cell(row: ComparedRow, i: int, bar: float | None) -> str:
    cell = row.cells[i]
    if cell.value is None:
        why = escape(cell.reason or "unknown", quote=True)
        return f'<td class="val unknown" title="{why}">–</td>'
    classes = "val best" if i in row.best else "val"
    text = escape(show(cell.value, row.format))
    raw = escape(str(cell.value), quote=True)
    bar_html = f'<div class="bar" style="width:{bar * 100:.1f}%"></div>' if bar is not None and row.numeric else ""
    return f'<td class="{classes}" title="{raw}">{text}{bar_html}</td>'


def table_html(comparison: Comparison, endpoint: str, *, fold_equal: bool = False) -> str:
    heads = "".join(
        f'<th><a href="{escape(repo_web_url("models", m, endpoint), quote=True)}" target="_blank" '
        f'rel="noopener noreferrer">{escape(m)}</a></th>'
        for m in comparison.models
    )
    lines = [STYLE, f'<table class="cmp"><thead><tr><th class="fact">Fact</th>{heads}</tr></thead><tbody>']
    group = None
    span = len(comparison.models) + 1
    for row in comparison.rows:
        if fold_equal and not row.differs:
            continue
        if row.group != group:
            group = row.group
            lines.append(f'<tr class="group"><td colspan="{span}">{escape(group)}</td></tr>')
        bars = _bars(row)
        cells = "".join(_cell(row, i, bars[i]) for i in range(len(row.cells)))
        marker = ' class="differs"' if row.differs else ""
        lines.append(f'<tr{marker}><td class="fact">{escape(row.label)}</td>{cells}</tr>')
    lines.append("</tbody></table>")
    return "".join(lines)
