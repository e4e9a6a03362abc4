"""Real git repositories: the store, plumbing, the comment branch and its caches, hooks and
pushes into a bare repository, the watcher, sync and the workspace."""
