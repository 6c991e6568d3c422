"""A zip archive on a web server, read through HTTP range requests instead of downloaded whole.

`RemoteZip(session, url)` first asks for the last TAIL bytes of the file (a suffix range,
`Range: bytes=-N`): the answer gives the file's size (checked against `expected_size` when one
is published) and, in all but huge archives, holds the zip's central directory.
`zipfile.ZipFile(remote)` then reads the directory through `seek` and `read` as if the zip were
on disk, and `chunks(start, length)` streams one member's bytes with a single bounded range
request, resuming where a cut connection stopped. A server that ignores ranges answers the
first request with the whole file: RemoteZip closes it unread and raises NoRanges, and the
caller downloads the zip whole instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests

from modules.course.transfer import (
    CONNECT_TIMEOUT,
    CUT_ERRORS,
    MAX_RESUMES,
    READ_TIMEOUT,
    RETRY_DELAY,
    Cut,
    NotTheFile,
    html_content_type,
    html_reason,
    range_starts_at,
)
from modules.course.verify import CHUNK

TAIL = 1 << 16  # bytes asked for first: the end record, any comment, the central directory
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class NoRanges(Exception):
    """The server sends whole files only, so the zip must be downloaded whole."""


class RemoteZip:
    """A read-only, seekable view of the zip at `url`; what is not in the tail is fetched."""

    def __init__(self, session: requests.Session, url: str, expected_size: int | None = None):
        self.session, self.url = session, url
        self.host = urlsplit(url).netloc
        self.position = 0
        self.size, self.tail = self._read_tail()
        self.tail_start = self.size - len(self.tail)
        if expected_size is not None and self.size != expected_size:
            raise NotTheFile(f"the zip there has {self.size:,} bytes, not {expected_size:,}: "
                             f"the host serves another file")

    def seek(self, offset: int, whence: int = 0) -> int:
        position = offset + (0, self.position, self.size)[whence]
        if position < 0:
            raise OSError(f"cannot seek to byte {position:,} of {self.url}")
        self.position = position
        return position

    def tell(self) -> int:
        return self.position

    def read(self, n: int = -1) -> bytes:
        end = self.size if n < 0 else min(self.position + n, self.size)
        if self.position >= end:
            return b""
        if self.position >= self.tail_start:
            data = self.tail[self.position - self.tail_start:end - self.tail_start]
        else:
            data = b"".join(self.chunks(self.position, end - self.position))
        self.position = end
        return data

    def chunks(self, start: int, length: int) -> Iterator[bytes]:
        """Bytes `start` to `start + length` as they arrive, resuming a cut connection."""
        end, resumes = start + length, 0
        while start < end:
            try:
                for chunk in self._get(start, end):
                    start += len(chunk)
                    yield chunk
            except Cut as cut:
                if resumes == MAX_RESUMES:
                    raise Cut(f"{cut} (gave up after resuming {MAX_RESUMES} times)") from None
                resumes += 1
                print(f"{self.host}: {cut}; resuming from byte {start:,} in {RETRY_DELAY:g} s")
                time.sleep(RETRY_DELAY)

    def _get(self, start: int, end: int) -> Iterator[bytes]:
        """One request for bytes `start` to `end - 1`, yielded as they arrive."""
        wanted = end - start
        with self._request(f"bytes={start}-{end - 1}") as response:
            response.raise_for_status()
            if response.status_code != 206 or not range_starts_at(response, start):
                sent = response.headers.get("Content-Range", "no Content-Range")
                raise NotTheFile(f"asked for bytes {start:,}-{end - 1:,}, the server answered "
                                 f"HTTP {response.status_code} with {sent}")
            try:
                for chunk in response.iter_content(CHUNK):
                    chunk = chunk[:wanted]  # never more than was asked for
                    wanted -= len(chunk)
                    yield chunk
                    if not wanted:
                        return
            except CUT_ERRORS as err:
                raise Cut.by(err) from None
        raise Cut(f"the connection closed {wanted:,} bytes before the end of the range")

    def _read_tail(self) -> tuple[int, bytes]:
        """(the file's size, its last TAIL bytes), from one suffix-range request."""
        with self._request(f"bytes=-{TAIL}") as response:
            response.raise_for_status()
            content_type = html_content_type(response)
            if content_type:
                raise NotTheFile(html_reason(f"Content-Type {content_type}"))
            if response.status_code != 206:
                raise NoRanges(self.url)  # closed unread: the whole file was on its way
            match = CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if not match:
                raise NotTheFile("the server answered a range request without a valid "
                                 "Content-Range header")
            try:
                tail = response.content
            except CUT_ERRORS as err:
                raise Cut.by(err) from None
        first, last, size = (int(n) for n in match.groups())
        if last + 1 != size or len(tail) != size - first:
            raise Cut(f"asked for the last {TAIL:,} bytes, received {len(tail):,} of bytes "
                      f"{first:,}-{last:,} of {size:,}")
        return size, tail

    def _request(self, byte_range: str) -> requests.Response:
        # identity: a compressed answer would make the byte offsets meaningless
        return self.session.get(self.url, headers={"Range": byte_range,
                                                   "Accept-Encoding": "identity"},
                                stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
