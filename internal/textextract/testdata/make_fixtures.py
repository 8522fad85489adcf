"""Writes the PDF and office fixtures of the text extraction tests (see
make_fixtures.sh). Each holds SENTENCE; the tests check that it comes out."""
import zipfile

SENTENCE = "Bescheid über Gebühren: Die Straße in Görlitz wird größer. Übermäßige Ärgernisse und Öl."
REF = "Aktenzeichen 123.45-6/2026"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# ReportLab, standard Helvetica (WinAnsiEncoding), compressed content, two pages.
from reportlab.pdfgen import canvas
from reportlab.lib.pagesizes import A4
c = canvas.Canvas("reportlab_helvetica.pdf", pagesize=A4, pageCompression=1)
c.setFont("Helvetica", 12)
c.drawString(72, 760, SENTENCE)
c.drawString(72, 740, REF)
c.showPage()
c.setFont("Helvetica-Bold", 12)
c.drawString(72, 760, "Zweite Seite – Euro: 12,50 €")
c.showPage()
c.save()

# ReportLab, embedded TrueType subset (DejaVu Sans) with a ToUnicode map.
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
pdfmetrics.registerFont(TTFont("DejaVu", FONT))
c = canvas.Canvas("reportlab_ttf.pdf", pagesize=A4, pageCompression=1)
c.setFont("DejaVu", 11)
c.drawString(72, 760, SENTENCE)
c.drawString(72, 740, REF)
t = c.beginText(72, 700)
t.textLine("Zeile eins mit Anführungszeichen „so“")
t.textLine("Zeile zwei")
c.drawText(t)
c.showPage()
c.save()

# cairo: a subset TrueType font for the Latin characters and, for the
# others, a CID font with Identity-H encoding, both with ToUnicode maps.
import cairo
s = cairo.PDFSurface("cairo.pdf", 595, 842)
ctx = cairo.Context(s)
ctx.select_font_face("DejaVu Sans")
ctx.set_font_size(11)
ctx.move_to(72, 80)
ctx.show_text(SENTENCE)
ctx.move_to(72, 100)
ctx.show_text(REF)
ctx.move_to(72, 120)
ctx.show_text("Grüße – Ελληνικά Кириллица „so“ €")
s.finish()

# python-docx: paragraphs, a table, a header.
import docx
d = docx.Document()
d.sections[0].header.paragraphs[0].text = "Kopfzeile Landratsamt"
d.add_heading("Bescheid", level=1)
d.add_paragraph(SENTENCE)
p = d.add_paragraph("Fett: ")
p.add_run("wichtig").bold = True
tbl = d.add_table(rows=2, cols=2)
tbl.cell(0, 0).text = "Gebühr"
tbl.cell(0, 1).text = "12,50 €"
tbl.cell(1, 0).text = REF
tbl.cell(1, 1).text = "Zelle"
d.save("word.docx")

# openpyxl: two sheets, shared strings, numbers, an inline formula.
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Gebühren"
ws["A1"] = SENTENCE
ws["A2"] = REF
ws["B2"] = 12.5
ws2 = wb.create_sheet("Übersicht")
ws2["A1"] = "Zweites Blatt"
wb.save("calc.xlsx")

# OpenDocument via odfpy: text and spreadsheet.
from odf.opendocument import OpenDocumentText, OpenDocumentSpreadsheet
from odf.text import P, H, Span
from odf.table import Table, TableRow, TableCell
doc = OpenDocumentText()
doc.text.addElement(H(outlinelevel=1, text="Bescheid"))
doc.text.addElement(P(text=SENTENCE))
p = P(text="Aktenzeichen ")
p.addElement(Span(text="123.45-6/2026"))
doc.text.addElement(p)
doc.save("text.odt")
ods = OpenDocumentSpreadsheet()
tb = Table(name="Gebühren")
for v in (SENTENCE, REF):
    tr = TableRow()
    tc = TableCell(valuetype="string")
    tc.addElement(P(text=v))
    tr.addElement(tc)
    tb.addElement(tr)
ods.spreadsheet.addElement(tb)
ods.save("calc.ods")

# PowerPoint: Debian has no producer library (python-pptx is not packaged),
# so this is a minimal presentation written part by part as PowerPoint
# writes them (content types first, then relationships, slides).
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
def slide(*paras):
    body = "".join(f"<a:p><a:r><a:t>{t}</a:t></a:r></a:p>" for t in paras)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<p:sld xmlns:a="{NS_A}" xmlns:r="{NS_R}" xmlns:p="{NS_P}"><p:cSld><p:spTree>'
            f'<p:sp><p:txBody><a:bodyPr/>{body}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
with zipfile.ZipFile("slides.pptx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
        '<Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
        '<Override PartName="/ppt/slides/slide2.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
        '<Override PartName="/ppt/slides/slide10.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
        '</Types>')
    z.writestr("_rels/.rels",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/>'
        '</Relationships>')
    z.writestr("ppt/presentation.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:presentation xmlns:p="{NS_P}"/>')
    z.writestr("ppt/slides/slide10.xml", slide("Folie zehn"))
    z.writestr("ppt/slides/slide2.xml", slide(REF))
    z.writestr("ppt/slides/slide1.xml", slide("Bescheid", SENTENCE))
