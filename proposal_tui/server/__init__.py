"""`proposal serve`: an SSH server (asyncssh) that knows people by their keys.

A front end beside the TUI: it speaks SSH and reaches everything else through services
(services/serving.py decides, store/sessions.py starts the processes). Each session is one
child process in a process group of its own: a proposal command, the dashboard on a
pseudo-terminal, or git's upload-pack/receive-pack.
"""

import warnings

# asyncssh still names DSA keys (which it never offers here); cryptography warns on import.
warnings.filterwarnings("ignore", message="DSA is deprecated")
