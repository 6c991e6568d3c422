"""One member of a zip archive, extracted as it streams and checked by its CRC-32.

`member_info(archive, name)` reads the zip's central directory with Python's zipfile, which also
understands the ZIP64 records of archives over 4 GiB; `extract(archive, info, part)` then reads
the member's compressed bytes in one stream, inflates them, and writes them to `part` while it
computes their CRC-32 (compared with the directory's) and their sha256 (returned), so that a
gigabyte-sized member never sits in memory and is never read twice.

`archive` is a LocalZip (a zip on disk) or a RemoteZip (remote_zip.py: a zip on a web server
read by range requests); both offer `seek`, `tell` and `read` for zipfile, and
`chunks(start, length)` for the member's bytes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from tqdm import tqdm

from modules.course.verify import CHUNK

# A member's local header: signature, 22 bytes this reader takes from the central directory
# instead, then the lengths of the file name and the extra field that sit between it and the data.
LOCAL_HEADER = struct.Struct("<4s22xHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
DAMAGED = "its bytes are damaged (in the zip, or on their way here)"


class BadMember(Exception):
    """The member is missing, damaged or cannot be extracted; the message says which and why."""


class LocalZip(io.FileIO):
    """A zip file on disk, opened for reading: `LocalZip(path)`."""

    def chunks(self, start: int, length: int) -> Iterator[bytes]:
        """Bytes `start` to `start + length` of the file, CHUNK at a time."""
        self.seek(start)
        while length > 0:
            data = self.read(min(CHUNK, length))
            if not data:
                raise BadMember(f"{self.name} ends {length:,} bytes early: the zip is truncated")
            length -= len(data)
            yield data


def member_info(archive, name: str) -> ZipInfo:
    """The central directory's record of member `name`: sizes, CRC-32, where it starts."""
    try:
        with ZipFile(archive) as zip_file:
            names = zip_file.namelist()
            info = zip_file.getinfo(name) if name in names else None
    except BadZipFile as err:
        raise BadMember(f"not a zip archive, or a damaged one ({err})") from None
    if info is None:
        raise BadMember(f"the zip has no member {name}; it holds {', '.join(names) or 'nothing'}")
    if info.flag_bits & 0x1:
        raise BadMember(f"{name} is encrypted in the zip, and the course cannot decrypt it")
    if info.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
        raise BadMember(f"{name} is compressed with zip method {info.compress_type}; only stored "
                        f"(0) and deflated (8) members can be extracted")
    return info


def extract(archive, info: ZipInfo, part: Path) -> str:
    """Write the member to `part`, checking its size and CRC-32 on the way; returns its sha256.

    Raises BadMember when the bytes do not inflate or do not match the central directory; what
    was written so far is left in `part` for the caller to keep or remove.
    """
    compressed = archive.chunks(_data_start(archive, info), info.compress_size)
    crc, written, digest = 0, 0, hashlib.sha256()
    with open(part, "wb") as out, \
            tqdm(total=info.file_size, unit="B", unit_scale=True, unit_divisor=1024,
                 desc=f"extracting {info.filename}", disable=None) as bar:
        for data in _inflated(compressed, info):
            written += len(data)
            if written > info.file_size:  # stop early: damaged, or a zip bomb
                raise BadMember(f"{info.filename} inflates to more than the {info.file_size:,} "
                                f"bytes the zip's directory gives: {DAMAGED}")
            crc = zlib.crc32(data, crc)
            digest.update(data)
            out.write(data)
            bar.update(len(data))
    if written != info.file_size:
        raise BadMember(f"{info.filename} inflates to {written:,} bytes, not the "
                        f"{info.file_size:,} the zip's directory gives: {DAMAGED}")
    if crc != info.CRC:
        raise BadMember(f"{info.filename} has CRC-32 {crc:08x}, not the {info.CRC:08x} the "
                        f"zip's directory gives: {DAMAGED}")
    return digest.hexdigest()


def _data_start(archive, info: ZipInfo) -> int:
    """Where the member's compressed bytes begin: after its local header, name and extra field."""
    archive.seek(info.header_offset)
    header = archive.read(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size or not header.startswith(LOCAL_SIGNATURE):
        raise BadMember(f"{info.filename}: no local header at byte {info.header_offset:,}, "
                        f"where the zip's directory puts it: the zip is damaged")
    _, name_length, extra_length = LOCAL_HEADER.unpack(header)
    return info.header_offset + LOCAL_HEADER.size + name_length + extra_length


def _inflated(compressed: Iterable[bytes], info: ZipInfo) -> Iterator[bytes]:
    """The member's bytes, inflated CHUNK at a time when it is deflated, as they are."""
    if info.compress_type == ZIP_STORED:
        yield from compressed
        return
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate: zip members have no zlib header
    try:
        for data in compressed:
            while data:
                yield inflate.decompress(data, CHUNK)
                data = inflate.unconsumed_tail
        yield inflate.flush()
    except zlib.error as err:
        raise BadMember(f"{info.filename}: its compressed bytes do not inflate ({err}): "
                        f"{DAMAGED}") from None
    if not inflate.eof:
        raise BadMember(f"{info.filename}: its compressed bytes stop before the end of the "
                        f"deflate stream: {DAMAGED}")
