"""HTTP plumbing the downloaders share: timeouts, retries, and telling the file from a failure.

download.py fetches whole files and remote_zip.py reads parts of zip archives; both raise `Cut`
when a connection ends early (resuming may finish the job) and `NotTheFile` when the server
answers with something else (an HTML page, another file, a range it was not asked for), and both
explain a failure to the learner with `reason(err)`.
"""

from __future__ import annotations

import requests

CONNECT_TIMEOUT = 15  # seconds to open a connection
READ_TIMEOUT = 60  # seconds without a byte before the connection counts as cut
MAX_RESUMES = 5  # times a cut connection is resumed before giving up on a source
RETRY_DELAY = 2.0  # seconds to wait before resuming
USER_AGENT = "llm-from-scratch-course (datasets.sh)"

# What requests raises when a connection dies in the middle of a body.
CUT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class NotTheFile(Exception):
    """The server answered with something other than the file (an HTML page, a bad range)."""


class Cut(Exception):
    """The connection ended before the whole file arrived; resuming may finish it."""

    @classmethod
    def by(cls, err: Exception) -> Cut:
        """The Cut that one of CUT_ERRORS means."""
        return cls(f"the connection was cut ({type(err).__name__})")


def new_session() -> requests.Session:
    """A session that names the course to the servers it talks to."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def range_starts_at(response: requests.Response, offset: int) -> bool:
    """True if a 206 answer's `Content-Range: bytes START-END/TOTAL` starts at `offset`."""
    content_range = response.headers.get("Content-Range", "")
    return content_range.startswith(f"bytes {offset}-")


def html_content_type(response: requests.Response) -> str | None:
    """The answer's Content-Type if it announces an HTML page, else None."""
    content_type = response.headers.get("Content-Type", "")
    return content_type if content_type.startswith("text/html") else None


def looks_like_html(first_bytes: bytes) -> bool:
    return first_bytes.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


def html_reason(evidence: str) -> str:
    return (f"the server sent an HTML page instead of the file ({evidence}); the host may be "
            f"down, or redirecting to an error or login page")


def reason(err: Exception) -> str:
    """A short, human explanation of why a source failed."""
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code} {err.response.reason}"
    if isinstance(err, requests.ConnectTimeout):
        return f"no answer within {CONNECT_TIMEOUT} s (offline, or the host is down?)"
    if isinstance(err, requests.ConnectionError):
        return f"could not connect (offline, DNS failure or host down?): {_last_line(err)}"
    if isinstance(err, requests.Timeout):
        return f"no data for {READ_TIMEOUT} s"
    return str(err)


def _last_line(err: Exception) -> str:
    """The innermost cause of a requests error, which is the part worth reading."""
    while err.__context__ is not None:
        err = err.__context__
    return str(err)[:200]
