"""Orders by status over 7 days as a server-rendered SVG (stacked bars): no script, no chart library,
nothing for the CSP to allow. Colours come from a fixed palette per status; the page also shows the
same numbers as a table, for screen readers and for reading exact values."""

from __future__ import annotations

from html import escape

PALETTE = {
    "completed": "#2f9e44",
    "partial": "#94d82d",
    "cancelled": "#e03131",
    "expired": "#f08c00",
    "failed": "#c2255c",
    "pending": "#868e96",
    "processing": "#1c7ed6",
    "in_progress": "#4dabf7",
    "waiting": "#7950f2",
}
WIDTH, HEIGHT, BOTTOM = 420, 180, 24


def stacked_bars(days: list[str], by_status: dict[str, list[int]]) -> str:
    totals = [sum(counts[i] for counts in by_status.values()) for i in range(len(days))]
    top = max([1, *totals])
    slot = WIDTH / max(1, len(days))
    bar = slot * 0.6
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + BOTTOM}" role="img" '
        'aria-labelledby="chart-title"><title id="chart-title">Orders by status over the last 7 days</title>'
    ]
    for i, day in enumerate(days):
        x = i * slot + (slot - bar) / 2
        y = float(HEIGHT)
        for status, counts in by_status.items():
            if counts[i] == 0:
                continue
            height = HEIGHT * counts[i] / top
            y -= height
            colour = PALETTE.get(status, "#adb5bd")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="{colour}">'
                f"<title>{escape(day)}: {counts[i]} {escape(status)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT + 16}" text-anchor="middle" font-size="11">'
            f"{escape(day[5:])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
