"""PDFs made for the tests: real text in a Unicode font, a scan, a protected one."""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _pdf() -> FPDF:
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    return pdf


def _write(pdf: FPDF, text: str, width: float = 0) -> None:
    pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")


def text_pdf(paragraphs: list[list[str]], header: str = "") -> bytes:
    """One page per list of paragraphs, each page opening with `header` when given."""
    pdf = _pdf()
    for number, page in enumerate(paragraphs, start=1):
        pdf.add_page()
        if header:
            _write(pdf, header)
        for paragraph in page:
            _write(pdf, paragraph)
        if header:
            _write(pdf, f"Página {number} de {len(paragraphs)}")
    return bytes(pdf.output())


def two_columns_pdf(left: str, right: str) -> bytes:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_xy(10, 20)
    pdf.multi_cell(90, 6, left)
    pdf.set_xy(110, 20)
    pdf.multi_cell(90, 6, right)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page that is only a picture of text, as a scanner makes it."""
    image = Image.new("L", (800, 300), 255)
    ImageDraw.Draw(image).text((20, 20), "LINGUA PORTUGUESA: 1 Compreensao de textos", fill=0)
    png = io.BytesIO()
    image.save(png, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(png.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def protected_pdf(user_password: str) -> bytes:
    pdf = _pdf()
    pdf.set_encryption(
        owner_password="owner-secret",
        user_password=user_password,
        encryption_method=EncryptionMethod.AES_128,
    )
    pdf.add_page()
    _write(pdf, "DIREITO PENAL: 1 Aplicação da lei penal. 2 Crimes contra a pessoa.")
    return bytes(pdf.output())
