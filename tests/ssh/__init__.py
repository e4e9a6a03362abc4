"""A real OpenSSH server on 127.0.0.1 with real Unix accounts (needs root and sshd; skipped
otherwise, see tests/sshd.py)."""
