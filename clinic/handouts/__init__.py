"""Patient handouts: a plain-values context (context.py) → templates/handouts/ → clinic/pdf.py (render.py)."""
