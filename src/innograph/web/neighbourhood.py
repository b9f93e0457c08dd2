"""The small neighbourhood picture on an entity page: inline SVG drawn on the server.

The entity sits in the middle; its neighbours (what it links to, then what links to it) sit on a
circle around it, each a link to its own page, each edge labelled with the property. No script, no
fonts or images from elsewhere; the <title>/<desc> give screen readers the same content as text.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from ..linked_data.entities import Neighbour

WIDTH, HEIGHT = 820, 420
CENTRE = (WIDTH / 2, HEIGHT / 2)
RADIUS_X, RADIUS_Y = 230, 160


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def neighbourhood_svg(label: str, neighbours: list[Neighbour]) -> str:
    """An SVG fragment (safe to inline in HTML) showing ``label`` and its ``neighbours``."""
    cx, cy = CENTRE
    described = "; ".join(
        f"{'links to' if n.outgoing else 'is linked from'} {n.link.label} ({n.predicate})" for n in neighbours)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="neighbourhood" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="nb-title nb-desc">',
             f'<title id="nb-title">Neighbourhood of {escape(label)}</title>',
             f'<desc id="nb-desc">{escape(described) or "No linked resources."}</desc>',
             '<defs><marker id="nb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
             'class="nb-arrowhead"/></marker></defs>']
    count = max(len(neighbours), 1)
    for index, neighbour in enumerate(neighbours):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        x, y = cx + RADIUS_X * math.cos(angle), cy + RADIUS_Y * math.sin(angle)
        # Edges stop short of the node circles so the arrowheads stay visible.
        dx, dy = x - cx, y - cy
        length = math.hypot(dx, dy) or 1
        sx, sy = cx + dx / length * 34, cy + dy / length * 34
        ex, ey = x - dx / length * 10, y - dy / length * 10
        if not neighbour.outgoing:
            sx, sy, ex, ey = ex, ey, sx, sy
        parts.append(f'<line class="nb-edge" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                     f'marker-end="url(#nb-arrow)"/>')
        mx, my = (cx + x) / 2, (cy + y) / 2
        parts.append(f'<text class="nb-edge-label" x="{mx:.1f}" y="{my - 3:.1f}" text-anchor="middle">'
                     f'{escape(_short(neighbour.predicate, 22))}</text>')
        anchor = "middle" if abs(dx) < 40 else ("start" if dx > 0 else "end")
        offset = 0 if anchor == "middle" else (12 if anchor == "start" else -12)
        text_y = y + (20 if dy > 0 and anchor == "middle" else -12 if anchor == "middle" else 4)
        parts.append(f'<a href={quoteattr(neighbour.link.href)}><title>{escape(neighbour.link.label)}</title>'
                     f'<circle class="nb-node{" nb-local" if neighbour.link.local else ""}" cx="{x:.1f}" '
                     f'cy="{y:.1f}" r="8"/><text class="nb-label" x="{x + offset:.1f}" y="{text_y:.1f}" '
                     f'text-anchor="{anchor}">{escape(_short(neighbour.link.label))}</text></a>')
    parts.append(f'<circle class="nb-centre" cx="{cx}" cy="{cy}" r="30"/>'
                 f'<text class="nb-centre-label" x="{cx}" y="{cy + 4}" text-anchor="middle">'
                 f'{escape(_short(label, 16))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
