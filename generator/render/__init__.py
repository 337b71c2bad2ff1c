"""Stage 5 — render: a plain context dict and a template in, document bytes out.

Backends know nothing about particular forms. Only this package imports docxtpl,
python-docx, openpyxl, segno and typst.
"""
