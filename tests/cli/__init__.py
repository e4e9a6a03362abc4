"""The `proposal` command's behaviour, run as a real process on a real repository: output,
--json, exit codes and the files it writes."""
