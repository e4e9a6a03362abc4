"""Things going wrong: crashes and kill -9, a full disk, hostile strings and paths
(symlinks, devices), permissions of shared repositories, deep nesting."""
