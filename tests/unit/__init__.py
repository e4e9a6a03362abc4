"""Pure tests: domain rules, text, properties and contracts on the source. No git repository,
no app, no subprocess of ours (a contract may read the source or import a module)."""
