"""The audit log: who did what, to what, from where and when, written with the change itself.

Its own package because every domain writes to it, sign-up included, before any organisation
exists; it imports nothing but `kit`.
"""
