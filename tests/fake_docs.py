"""Documents built at test time: small PDFs with Traditional-Chinese text, written offline."""

from __future__ import annotations

import io

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "MSung-Light"  # Adobe's Traditional-Chinese CID font: built into reportlab, nothing to download


def make_pdf(pages: list[str], *, title: str = "", author: str = "") -> bytes:
    """A PDF with one page per item (lines split at ``\\n``; an empty item is a blank page)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if title:
        c.setTitle(title)
    if author:
        c.setAuthor(author)
    for text in pages:
        if text:
            c.setFont(FONT, 12)
            for i, line in enumerate(text.split("\n")):
                c.drawString(72, 720 - 16 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()
