"""A small, deterministic SVG writer shared by the class diagram and the pictures of the graph.

The pictures are drawn in pure Python (no graphviz, no browser) so a build gives byte-identical
files for the same graph. Every document is accessible the same way: ``role="img"``, a
``<title>`` and a ``<desc>`` referenced by ``aria-labelledby``, and a ``<title>`` inside every
mark so each has a text alternative (shown as a tooltip too).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

SVG_NS = "http://www.w3.org/2000/svg"

FONT_FAMILY = '"DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif'

BASE_CSS = f"""
svg {{ font-family: {FONT_FAMILY}; color: #1a1a1a; }}
text {{ fill: #1a1a1a; }}
.muted {{ fill: #4d4d4d; }}
.small {{ font-size: 11px; }}
.heading {{ font-size: 20px; font-weight: bold; }}
.subheading {{ font-size: 13px; fill: #4d4d4d; }}
.axis {{ stroke: #595959; stroke-width: 1; }}
.grid {{ stroke: #d9d9d9; stroke-width: 1; }}
.halo {{ paint-order: stroke; stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; }}
"""
"""Rules every document shares; each picture appends its own. Text is near-black on white (contrast
well above 4.5:1), the fonts are those any desktop has, so nothing is fetched."""

_AVERAGE_ADVANCE = 0.58
"""Average glyph advance of the font stack in ems, on the wide side (DejaVu Sans) so estimated text
boxes never come out shorter than the drawn text."""


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimate the drawn width of ``text`` at ``size`` px: layout needs it, SVG cannot say."""
    narrow = sum(1 for c in text if c in " .,:;'!|ilIjt()[]-/")
    wide = sum(1 for c in text if c in "MWmw@%") + sum(1 for c in text if c.isupper())
    ems = _AVERAGE_ADVANCE * len(text) - 0.28 * narrow + 0.12 * wide
    return ems * size * (1.07 if bold else 1.0) * 1.04


def fmt(number: float) -> str:
    """Write a coordinate with at most one decimal, so output is stable and small."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


class Document:
    """An SVG document being built: an ``ElementTree`` root with title, description, styles."""

    def __init__(
        self, width: float, height: float, *, ident: str, title: str, desc: str, lang: str,
        css: str = "",
    ) -> None:
        self.ident = ident
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "version": "1.1",
                "width": fmt(width),
                "height": fmt(height),
                "viewBox": f"0 0 {fmt(width)} {fmt(height)}",
                "role": "img",
                "aria-labelledby": f"{ident}-title {ident}-desc",
                "lang": lang,
                "xml:lang": lang,
            },
        )
        ET.SubElement(self.root, "title", {"id": f"{ident}-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": f"{ident}-desc"}).text = desc
        ET.SubElement(self.root, "style").text = BASE_CSS + css
        self.defs = ET.SubElement(self.root, "defs")
        ET.SubElement(
            self.root, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"}
        )

    def ref(self, name: str) -> str:
        """An id unique to this document, so several pictures can be inlined in one page."""
        return f"{self.ident}-{name}"

    def resize(self, width: float, height: float) -> None:
        """Set the final size once the layout knows it."""
        self.root.set("width", fmt(width))
        self.root.set("height", fmt(height))
        self.root.set("viewBox", f"0 0 {fmt(width)} {fmt(height)}")

    def to_string(self) -> str:
        """Serialise with an XML declaration and stable indentation."""
        ET.indent(self.root, space=" ")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
            self.root, encoding="unicode"
        ) + "\n"


def add(parent: ET.Element, tag: str, attrs: Mapping[str, object] | None = None,
        text: str | None = None) -> ET.Element:
    """Append a child element; numbers go through :func:`fmt`, ``None`` values are left out."""
    element = ET.SubElement(
        parent,
        tag,
        {
            key.replace("_", "-"): fmt(value) if isinstance(value, float | int) else str(value)
            for key, value in (attrs or {}).items()
            if value is not None
        },
    )
    if text is not None:
        element.text = text
    return element


def mark(parent: ET.Element, alternative: str, css_class: str | None = None) -> ET.Element:
    """A group for one mark of a picture, carrying its text alternative as its first child.

    The group is an image of its own (``role="img"``, named by that ``<title>``), so a screen
    reader can step from mark to mark when the picture is inline in a page (see :func:`inline`).
    """
    group = add(parent, "g", {"class": css_class, "role": "img"})
    add(group, "title", text=alternative)
    return group


def hatch(defs: ET.Element, pattern_id: str, colour: str, *, background: str = "#ffffff") -> None:
    """Define a diagonal hatch in ``colour``, used for extents whose precise dates are not known."""
    pattern = add(
        defs,
        "pattern",
        {
            "id": pattern_id,
            "width": 6,
            "height": 6,
            "patternUnits": "userSpaceOnUse",
            "patternTransform": "rotate(45)",
        },
    )
    add(pattern, "rect", {"width": 6, "height": 6, "fill": background})
    add(pattern, "rect", {"width": 3, "height": 6, "fill": colour})


def inline(document: str) -> str:
    """An SVG document without its XML declaration, ready to be placed inside an HTML page.

    Its root becomes a group named by its title and description (``role="group"``) instead of
    one opaque image, whose parts assistive technology would skip: inline, each mark's
    ``<title>`` reaches screen readers, and shows as a tooltip.
    """
    body = document.split("?>", 1)[1].lstrip() if document.startswith("<?xml") else document
    return body.replace(' role="img"', ' role="group"', 1)
