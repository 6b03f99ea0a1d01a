"""Draw a workflow as inline SVG, server-side, with no library and no script.

Layout: states in layers by longest path from the initial state (loops back are
set aside first), terminal states together on the last layer, each layer
ordered by the mean position of its predecessors to cut crossings. Forward
transitions run downwards; transitions back up or within a layer curve round
the right-hand side. Styling is by CSS classes (the CSP forbids inline
styles); every label is also in the accessible table on the page.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from flask_babel import ngettext

from mla.workflow.definitions import Transition, Workflow
from mla.workflow.roles import ordered

NODE_W, NODE_H = 210, 58
COL, ROW = 250, 150
MARGIN_X, MARGIN_Y = 30, 30
LOOP_SPACE = 260  # room on the right for loops back
ROLE_ABBR = {"caseworker": "CW", "supervisor": "SV", "admin": "AD", "trainee": "TR",
             "prosecutor": "PR", "auditor": "AU", "system": "SYS"}
LABEL_CHARS = 30


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: _Box) -> bool:
        return not (self.x + self.w <= other.x or other.x + other.w <= self.x
                    or self.y + self.h <= other.y or other.y + other.h <= self.y)


def role_abbreviations(roles: frozenset[str]) -> str:
    return " ".join(ROLE_ABBR.get(r, r) for r in ordered(roles))


def _edges(workflow: Workflow) -> list[tuple[str, str, Transition]]:
    # Steps that stay in their state (recording an arrest, a consent) are listed in the
    # table under the diagram, not drawn.
    return [(s, t.target, t) for t in workflow.transitions for s in t.sources
            if s in workflow.states and t.target in workflow.states and not t.stays]


def _back_edges(workflow: Workflow,
                edges: list[tuple[str, str, Transition]]) -> set[tuple[str, str]]:
    graph: dict[str, list[str]] = {name: [] for name in workflow.states}
    for source, target, _t in edges:
        if target not in graph[source]:
            graph[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    roots = [workflow.initial] if workflow.initial in graph else []
    for root in [*roots, *graph]:
        if root not in state:
            visit(root)
    return back


def layout(workflow: Workflow) -> dict[str, tuple[int, int]]:
    """State -> (layer, position in layer)."""
    edges = _edges(workflow)
    back = _back_edges(workflow, edges)
    forward = [(s, t) for s, t, _x in edges if (s, t) not in back and s != t]
    layer = dict.fromkeys(workflow.states, 0)
    for _round in range(len(workflow.states)):
        changed = False
        for source, target in forward:
            if layer[target] < layer[source] + 1:
                layer[target] = layer[source] + 1
                changed = True
        if not changed:
            break
    terminals = [n for n, s in workflow.states.items() if s.terminal]
    open_layers = [layer[n] for n, s in workflow.states.items() if not s.terminal]
    last = (max(open_layers) + 1) if open_layers else 0
    for name in terminals:
        layer[name] = last
    rows: dict[int, list[str]] = {}
    for name in workflow.states:  # file order is the first guess
        rows.setdefault(layer[name], []).append(name)
    preds: dict[str, list[str]] = {n: [] for n in workflow.states}
    succs: dict[str, list[str]] = {n: [] for n in workflow.states}
    for source, target in forward:
        preds[target].append(source)
        succs[source].append(target)
    for _sweep in range(4):
        for depth in sorted(rows)[1:]:
            _reorder(rows, depth, preds, layer)
        for depth in sorted(rows, reverse=True)[1:]:
            _reorder(rows, depth, succs, layer)
    return {name: (depth, rows[depth].index(name)) for depth in rows for name in rows[depth]}


def _reorder(rows: dict[int, list[str]], depth: int, neighbours: dict[str, list[str]],
             layer: dict[str, int]) -> None:
    position = {name: index for row in rows.values() for index, name in enumerate(row)}

    def key(name: str) -> float:
        near = [position[n] for n in neighbours[name] if n in position]
        return sum(near) / len(near) if near else position[name]

    rows[depth].sort(key=key)


def _wrap(text: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], textwrap.shorten(" ".join(wrapped[lines - 1:]),
                                                           width, placeholder="…")]
    return wrapped


def _short(text: str) -> str:
    return textwrap.shorten(text, LABEL_CHARS, placeholder="…")


def render_svg(workflow: Workflow, highlight: str | None = None) -> str:
    places = layout(workflow)
    widest = max((p[1] for p in places.values()), default=0) + 1
    depth = max((p[0] for p in places.values()), default=0) + 1
    width = MARGIN_X * 2 + widest * COL + LOOP_SPACE
    height = MARGIN_Y * 2 + depth * ROW

    def centre(name: str) -> tuple[float, float]:
        layer, index = places[name]
        row_len = sum(1 for p in places.values() if p[0] == layer)
        offset = (widest - row_len) * COL / 2
        return (MARGIN_X + offset + index * COL + NODE_W / 2,
                MARGIN_Y + layer * ROW + NODE_H / 2)

    parts: list[str] = []
    labels: list[str] = []
    placed: list[_Box] = [_Box(*(_node_box(centre(n)))) for n in workflow.states]
    labelled: set[str] = set()
    loop_slot = 0
    for source, target, transition in _edges(workflow):
        (sx, sy), (tx, ty) = centre(source), centre(target)
        many = len(transition.sources) > 2
        css = "wf-edge wf-edge-many" if many else "wf-edge"
        if source == target:
            x = sx + NODE_W / 2
            curve = ((x, sy - 10), (x + 60, sy - 50), (x + 60, sy + 30), (x, sy + 10))
        elif places[target][0] > places[source][0]:
            y1, y2 = sy + NODE_H / 2, ty - NODE_H / 2
            bend = (y2 - y1) / 2
            curve = ((sx, y1), (sx, y1 + bend), (tx, y2 - bend), (tx, y2))
        else:
            loop_slot += 1
            x1, x2 = sx + NODE_W / 2, tx + NODE_W / 2
            reach = max(x1, x2) + 40 + (loop_slot % 6) * 18
            curve = ((x1, sy), (reach, sy), (reach, ty), (x2, ty))
        path = "M{:.0f},{:.0f} C{:.0f},{:.0f} {:.0f},{:.0f} {:.0f},{:.0f}".format(
            *(v for point in curve for v in point))
        title = escape(f"{transition.label} ({', '.join(ordered(transition.roles))})")
        parts.append(f'<path class="{css}" d="{path}" marker-end="url(#wf-arrow)">'
                     f"<title>{title}</title></path>")
        if many and transition.name in labelled:
            continue
        labelled.add(transition.name)
        labels.append(_edge_label(transition, curve, placed))

    nodes = [_node(workflow, name, centre(name), name == highlight) for name in workflow.states]
    title = escape(workflow.title)
    desc = _("%(states)s and %(steps)s; the table below lists each step.",
             states=ngettext("%(num)d state", "%(num)d states", len(workflow.states)),
             steps=ngettext("%(num)d step", "%(num)d steps", len(workflow.transitions)))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wf-diagram" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="wf-svg-title wf-svg-desc">'
        f'<title id="wf-svg-title">{title}</title>'
        f'<desc id="wf-svg-desc">{escape(desc)}</desc>'
        '<defs><marker id="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'class="wf-arrowhead"/></marker></defs>'
        + "".join(parts) + "".join(nodes) + "".join(labels) + "</svg>"
    )


def _node_box(centre: tuple[float, float]) -> tuple[float, float, float, float]:
    x, y = centre
    return x - NODE_W / 2, y - NODE_H / 2, NODE_W, NODE_H


def _node(workflow: Workflow, name: str, centre: tuple[float, float], current: bool) -> str:
    state = workflow.states[name]
    x, y, w, h = _node_box(centre)
    css = ["wf-state"]
    if state.terminal:
        css.append("wf-terminal")
    if state.pauses_clocks:
        css.append("wf-paused")
    if state.approval:
        css.append("wf-approval")
    if name == workflow.initial:
        css.append("wf-initial")
    if current:
        css.append("wf-current")
    lines = _wrap(state.label, 28, 3)
    first = centre[1] - (len(lines) - 1) * 7
    text = "".join(f'<tspan x="{centre[0]:.0f}" y="{first + i * 14 + 4:.0f}">{escape(line)}'
                   "</tspan>" for i, line in enumerate(lines))
    marks = []
    if state.pauses_clocks:
        marks.append(_("clocks paused"))
    if state.approval:
        marks.append(_("awaits approval"))
    if current:
        marks.append(_("current state"))
    note = f" ({', '.join(marks)})" if marks else ""
    return (f'<g class="{" ".join(css)}" id="wf-state-{name}">'
            f"<title>{escape(state.label + note)}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="8" ry="8"/>'
            f'<text class="wf-state-label" text-anchor="middle">{text}</text></g>')


def _point(curve: tuple[tuple[float, float], ...], t: float) -> tuple[float, float]:
    """A point of a cubic Bezier curve."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = curve
    u = 1 - t
    return (u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3)


# Where along its curve a label may sit, best first.
_LABEL_POSITIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)


def _edge_label(transition: Transition, curve: tuple[tuple[float, float], ...],
                placed: list[_Box]) -> str:
    label = _short(transition.label)
    roles = role_abbreviations(transition.roles)
    width = max(len(label) * 6.0, len(roles) * 6.4) + 12
    box = None
    for t in _LABEL_POSITIONS:
        for shift in (0, 1, -1):
            x, y = _point(curve, t)
            candidate = _Box(x - width / 2 + shift * (width / 2 + 6), y - 13, width, 26)
            if not any(candidate.overlaps(other) for other in placed):
                box = candidate
                break
        if box is not None:
            break
    if box is None:
        x, y = _point(curve, 0.5)
        box = _Box(x - width / 2, y - 13, width, 26)
    placed.append(box)
    cx = box.x + box.w / 2
    return (f'<g class="wf-edge-label"><title>{escape(transition.label)}</title>'
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}" '
            'rx="3" ry="3"/>'
            f'<text x="{cx:.0f}" y="{box.y + 11:.0f}" text-anchor="middle">{escape(label)}</text>'
            f'<text class="wf-roles" x="{cx:.0f}" y="{box.y + 22:.0f}" '
            f'text-anchor="middle">{escape(roles)}</text></g>')
