"""The bad-input corpus: broken and hostile ledgers, each with the problem rows it must produce.

See ``cases.py``; every case writes its ledgers into a fresh folder at test time (nothing big or
binary is committed).
"""
