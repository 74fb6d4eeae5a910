"""clinic: records, screening, staged plans and handouts for hand and upper-limb therapists.

No Flask import here, so ``clinic.domain`` stays importable without the web stack.
"""
