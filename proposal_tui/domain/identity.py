"""Who acts: the author and committer of the commits proposal-tui writes on someone's behalf."""

from __future__ import annotations

from dataclasses import dataclass

from proposal_tui.domain.errors import ProposalError

_FORBIDDEN = ("<", ">", "\n", "\r", "\0")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def __post_init__(self) -> None:
        # git would silently strip or refuse these; refuse early with a readable message.
        if not self.name.strip():
            raise ProposalError("identity name is empty")
        for label, value in (("name", self.name), ("email", self.email)):
            bad = next((c for c in _FORBIDDEN if c in value), None)
            if bad is not None:
                raise ProposalError(f"identity {label} {value!r} contains {bad!r}")
