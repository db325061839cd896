"""Helpers for the accounts tests: reading links out of captured mails."""
import re

import pytest

LINK = re.compile(r"https?://\S+")


def link_in(message) -> str:
    """The one link in a captured mail (decoded from quoted-printable)."""
    links = LINK.findall(message.get_content())
    assert len(links) == 1, links
    return links[0]


def path_of(link: str) -> str:
    """The path of an absolute link, for the test client."""
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def mail_link(outbox):
    """The path of the link in the last captured mail to `to`."""

    def find(to: str) -> str:
        mails = [m for m in outbox if m["To"] == to]
        assert mails, f"no mail to {to}"
        return path_of(link_in(mails[-1]))

    return find
