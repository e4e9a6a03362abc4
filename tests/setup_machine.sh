#!/usr/bin/env bash
# What the test suite needs from the machine, installed when missing (CI runs as root).
# git identity is given per test run by tests/conftest.py, not here.
set -u
if ! command -v git >/dev/null 2>&1; then
  echo "git is required" >&2; exit 1
fi
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing openssh-server and openssh-client for the SSH tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      openssh-server openssh-client >/dev/null) || echo "could not install openssh-server; SSH tests will be skipped" >&2
  else
    echo "sshd missing and not root: SSH tests will be skipped" >&2
  fi
fi
# pandoc and Typst (docx, pdf, page counts) come from pip: pypandoc-binary and typst.
exit 0
