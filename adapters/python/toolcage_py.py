#!/usr/bin/env python3
"""toolcage-py: a runtime for guest ABI `yoi-plugin-wasm-1` on wasmtime-py, speaking the kit's
process adapter protocol (docs/ADAPTER.md) by hand.

It is the worked example for implementers outside Rust: one file, the protocol read and written
with the json module, the package rules of docs/SPEC.md section 2 (the digest of section 2.1
computed here and compared with the pin on every load), the import allowlist naming every
offender, the WebAssembly 2.0 feature set through the engine config, epochs for the deadline and
cancellation, fuel where the request asks, memory and table caps through the store limits, and
structured errors with the SPEC's codes. What it cannot do honestly is listed, with reasons, in
expectations.toml beside it; the README in this folder says why.

Usage: `toolcage_py.py describe` or `toolcage_py.py run < request.json`.
"""

import hashlib
import json
import math
import os
import stat
import sys
import threading
import time
import tomllib
import unicodedata
import zlib

import wasmtime

PROTOCOL = 1
NAME = "toolcage-py"
VERSION = "0.1.0"
CAPABILITIES = ["diagnostics", "fuel", "package_zip"]

ABI = "yoi-plugin-wasm-1"
RUNTIME_KIND = "wasm"
IMPORT_MODULE = "yoi:tool"
# Import name to number of i32 parameters; every import returns one i32.
IMPORTS = {
    "tool_name_len": 0,
    "tool_name_read": 2,
    "input_len": 0,
    "input_read": 2,
    "output_write": 2,
    "diagnostic_write": 2,
}

# docs/SPEC.md section 8, and the protocol's limit keys.
DEFAULT_LIMITS = {
    "input_bytes": 64 * 1024,
    "output_bytes": 64 * 1024,
    "summary_bytes": 1024,
    "deadline_ms": 1000,
    "memory_bytes": 2 * 1024 * 1024,
    "table_elements": 256,
    "module_bytes": 8 * 1024 * 1024,
    "message_bytes": 512,
    "diagnostic_bytes": 4 * 1024,
    "fuel": None,
}
MANIFEST_BYTES = 64 * 1024
PACKAGE_FILES = 4096
PACKAGE_BYTES = 64 * 1024 * 1024
TABLE_CEILING = 1 << 16
WASM_STACK = 512 * 1024
PAGE = 65536
# serde_json's recursion limit, which SPEC section 6 and 7 adopt: 128 levels is already refused.
NESTING_LIMIT = 128
MESSAGE_HARD_CAP = 4096
DETAILS_JSON_CAP = 4096
DETAIL_STRING_CAP = 256
SCHEMA_DEPTH = 64
DETAIL_LIST_CAP = 16
REPORTED_SCHEMA_ERRORS = 4

PHASES = {
    "manifest_invalid": "load", "path_escape": "load", "package_too_large": "load",
    "module_missing": "load", "module_too_large": "load", "module_invalid": "load",
    "digest_mismatch": "load", "abi_unsupported": "load", "package_invalid": "load",
    "import_denied": "link", "export_missing": "link", "export_invalid": "link",
    "tool_unknown": "input", "input_too_large": "input", "input_malformed": "input",
    "input_schema_mismatch": "input",
    "timeout": "run", "cancelled": "run", "fuel_exhausted": "run", "memory_limit": "run",
    "table_limit": "run", "stack_overflow": "run", "trap": "run", "abi_violation": "run",
    "resource_exhausted": "run",
    "output_missing": "output", "output_too_large": "output", "output_malformed": "output",
    "output_schema_mismatch": "output",
}


# ---------------------------------------------------------------------------------------------
# Errors: a code, its phase, a message safe to show a model, bounded details (SPEC section 9).

def _unsafe_char(c):
    """Section 9's one unsafe set: C0/C1 controls and DEL (Unicode category Cc), the line and
    paragraph separators, and every bidirectional formatting character."""
    return (unicodedata.category(c) == "Cc" or c in "\u061c\u200e\u200f\u2028\u2029"
            or "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069")


def clean_diagnostics(text):
    """Diagnostics lose the same set, except newline and tab, which they keep (section 4)."""
    return "".join(c for c in text if c in "\n\t" or not _unsafe_char(c))


def sanitize(text, max_bytes):
    """Drops unsafe characters; cuts to `max_bytes` of UTF-8 on a character boundary, marking a
    cut with an ellipsis that counts toward the bound. A bound of 0 is taken as 1."""
    max_bytes = max(max_bytes, 1)
    clean = "".join(c for c in text if not _unsafe_char(c))
    # A lone surrogate cannot be written as UTF-8: it would make the response unreadable.
    clean = clean.encode("utf-8", "replace").decode("utf-8")
    raw = clean.encode("utf-8")
    if len(raw) <= max_bytes:
        return clean
    if max_bytes < 3:
        return raw[:max_bytes].decode("utf-8", "ignore")
    mark = "\u2026"
    cut = raw[:max_bytes - len(mark.encode("utf-8"))].decode("utf-8", "ignore")
    return cut + mark


def _bound(value):
    if isinstance(value, str):
        return sanitize(value, DETAIL_STRING_CAP)
    if isinstance(value, list):
        return [_bound(v) for v in value[:DETAIL_LIST_CAP]]
    if isinstance(value, dict):
        return {sanitize(str(k), DETAIL_STRING_CAP): _bound(v)
                for k, v in list(value.items())[:DETAIL_LIST_CAP]}
    return value


def _details_size(details):
    return len(json.dumps(details, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _shorten_strings(value, cap):
    if isinstance(value, str):
        return sanitize(value, cap)
    if isinstance(value, list):
        return [_shorten_strings(v, cap) for v in value]
    if isinstance(value, dict):
        return {sanitize(k, cap): _shorten_strings(v, cap) for k, v in value.items()}
    return value


def _fit_details(details):
    """Section 9: details over 4 KiB of compact JSON lose trailing list items first (so a
    normative list keeps its first entries in order), then have their strings shortened."""
    while _details_size(details) > DETAILS_JSON_CAP:
        lists = [k for k, v in details.items() if isinstance(v, list) and v]
        if not lists:
            break
        longest = max(lists, key=lambda k: len(details[k]))
        details[longest] = details[longest][:-1]
    cap = DETAIL_STRING_CAP
    while _details_size(details) > DETAILS_JSON_CAP and cap > 1:
        cap //= 2
        details = _shorten_strings(details, cap)
    return details


class CageError(Exception):
    """A failure of a load or a call, as the protocol reports it."""

    def __init__(self, code, message, **details):
        super().__init__(code)
        assert code in PHASES, code
        self.code = code
        self.message = sanitize(message, MESSAGE_HARD_CAP)
        self.details = _fit_details({k: _bound(v) for k, v in details.items()})

    def to_json(self, message_bytes):
        return {
            "code": self.code,
            "phase": PHASES[self.code],
            "message": sanitize(self.message, message_bytes),
            "details": self.details,
        }


# ---------------------------------------------------------------------------------------------
# JSON as serde_json reads it: no NaN/Infinity, finite numbers, no lone surrogates, nesting
# below 128.

class _Obj(dict):
    """A JSON object that remembers whether a key appeared twice."""
    duplicate = False


def _pairs(pairs):
    obj = _Obj()
    for key, value in pairs:
        if key in obj:
            obj.duplicate = True
        obj[key] = value
    return obj


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _int(text):
    value = int(text)
    if not -(1 << 64) < value < (1 << 64):
        # serde_json reads such an integer as f64, which must still be finite.
        _finite_float(text)
    return value


def nesting_depth(text):
    """The deepest nesting of arrays and objects outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def parse_json(text):
    """Parses like serde_json into a value; raises ValueError with a reason otherwise."""
    if nesting_depth(text) >= NESTING_LIMIT:
        raise ValueError(f"nesting reaches {NESTING_LIMIT} levels")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                           parse_int=_int, object_pairs_hook=_pairs)
    except RecursionError:
        raise ValueError("nesting too deep") from None
    # Lone surrogates (\ud800) are text serde_json refuses; UTF-8 cannot encode them.
    json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


# ---------------------------------------------------------------------------------------------
# Packages (SPEC section 2): manifest, path rules, size caps, digest.

MANIFEST_KEYS = {"schema_version", "id", "name", "version", "description", "runtime", "tools"}
RUNTIME_KEYS = {"kind", "entry", "abi"}
TOOL_KEYS = {"name", "description", "input_schema"}


def _manifest_error(message, **details):
    return CageError("manifest_invalid", message, **details)


def _exact_table(value, keys, where):
    if not isinstance(value, dict):
        raise _manifest_error(f"{where} must be a table")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise _manifest_error(f"plugin.toml has an unknown key in {where}: {unknown[0]}",
                              key=unknown[0])
    missing = sorted(keys - set(value))
    if missing:
        raise _manifest_error(f"plugin.toml lacks the key {missing[0]} in {where}",
                              key=missing[0])


def _string(value, name):
    if not isinstance(value, str):
        raise _manifest_error(f"{name} must be a string", key=name)
    return value


def _toml_to_json(value):
    """TOML values as JSON; what JSON cannot represent (dates, NaN) makes the schema invalid."""
    if isinstance(value, dict):
        return {k: _toml_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise _manifest_error("input_schema cannot be represented as JSON")
    if isinstance(value, (str, int, float, bool)):
        return value
    raise _manifest_error("input_schema cannot be represented as JSON")


def _valid_tool_name(name):
    return 1 <= len(name) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)


def _valid_id(ident):
    return 1 <= len(ident) <= 128 and all(c.isascii() and (c.isalnum() or c in "._-")
                                          for c in ident)


def check_entry(entry):
    """runtime.entry: a relative path of plain `/`-separated components."""
    def escape(why):
        return CageError("path_escape",
                         f"runtime.entry must be a relative path inside the package: {why}",
                         entry=entry)
    if entry == "":
        raise escape("it is empty")
    if "\\" in entry or "\0" in entry:
        raise escape("it contains a backslash or NUL")
    if entry.startswith("/"):
        raise escape("it is absolute")
    for part in entry.split("/"):
        if part == "..":
            raise escape("it contains '..'")
        if part in ("", "."):
            raise escape("it contains an empty or '.' component")


def parse_manifest(text):
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        raise _manifest_error(f"plugin.toml is not a valid manifest: {e}") from None
    _exact_table(raw, MANIFEST_KEYS, "plugin.toml")
    version = raw["schema_version"]
    if type(version) is not int:
        raise _manifest_error("schema_version must be an integer", key="schema_version")
    for key in ("id", "name", "version", "description"):
        _string(raw[key], key)
    _exact_table(raw["runtime"], RUNTIME_KEYS, "[runtime]")
    runtime = raw["runtime"]
    for key in RUNTIME_KEYS:
        _string(runtime[key], f"runtime.{key}")
    tools = raw["tools"]
    if not isinstance(tools, list):
        raise _manifest_error("tools must be an array of tables", key="tools")
    for tool in tools:
        _exact_table(tool, TOOL_KEYS, "[[tools]]")
        _string(tool["name"], "tools.name")
        _string(tool["description"], "tools.description")

    if version != 1:
        raise _manifest_error(
            f"plugin.toml schema_version {version} is not supported (this runtime reads 1)",
            schema_version=version)
    if runtime["kind"] != RUNTIME_KIND:
        raise CageError("abi_unsupported", f'runtime.kind must be "{RUNTIME_KIND}"',
                        kind=runtime["kind"])
    if runtime["abi"] != ABI:
        raise CageError("abi_unsupported", f'runtime.abi must be "{ABI}"', abi=runtime["abi"])
    if not _valid_id(raw["id"]):
        raise _manifest_error("plugin id must be 1-128 characters of ASCII letters, digits, "
                              "'.', '_' or '-'")
    for key in ("name", "version", "description"):
        if len(raw[key].encode("utf-8")) > 4096:
            raise _manifest_error(f"{key} is longer than 4096 bytes")
    check_entry(runtime["entry"])
    if not tools:
        raise _manifest_error("the manifest declares no [[tools]]")
    seen = set()
    declared = []
    for tool in tools:
        name = tool["name"]
        if not _valid_tool_name(name):
            raise _manifest_error("a tool name must be 1-64 characters of ASCII letters, "
                                  "digits, '_' or '-'", tool=name)
        if name in seen:
            raise _manifest_error("two tools share one name", tool=name)
        seen.add(name)
        declared.append((name, _toml_to_json(tool["input_schema"])))
    return {"id": raw["id"], "entry": runtime["entry"], "tools": declared}


def _open_regular(path, expect_len):
    """Reads a file listed with `expect_len` bytes, refusing one that grew since (a racing writer
    cannot make us read without bound) or became a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise CageError("module_missing", "a package file could not be opened") from None
    with os.fdopen(fd, "rb") as f:
        data = f.read(expect_len + 1)
    if len(data) != expect_len:
        raise CageError("digest_mismatch", "a package file changed while it was read")
    return data


def list_files(root):
    """Regular files under `root` as `/`-separated relative paths with their sizes. A symlink or
    a special file anywhere is `path_escape`: the digest covers regular files only."""
    files = {}
    total = 0
    pending = [""]
    while pending:
        prefix = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, prefix) if prefix else root))
        except OSError:
            raise _manifest_error("a package directory could not be read") from None
        for entry in entries:
            try:
                entry.name.encode("utf-8")
            except UnicodeEncodeError:
                raise CageError("path_escape", "a package file name is not UTF-8") from None
            rel = f"{prefix}/{entry.name}" if prefix else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                raise _manifest_error("a package file could not be inspected") from None
            if stat.S_ISLNK(st.st_mode):
                raise CageError("path_escape", "the package contains a symlink", path=rel)
            if stat.S_ISDIR(st.st_mode):
                pending.append(rel)
            elif stat.S_ISREG(st.st_mode):
                files[rel] = st.st_size
                total += st.st_size
            else:
                raise CageError("path_escape", "the package contains a special file (not a "
                                "regular file or directory)", path=rel)
            if len(files) > PACKAGE_FILES:
                raise CageError("package_too_large",
                                f"the package holds more than {PACKAGE_FILES} files")
        if total > PACKAGE_BYTES:
            raise CageError("package_too_large",
                            f"the package holds more than {PACKAGE_BYTES} bytes")
    return files


def package_digest(files, read):
    """SPEC section 2.1: SHA-256 over the domain tag, then per regular file in byte order of its
    path: the path, a 0 byte, the length as u64 big-endian, the SHA-256 of the content."""
    digest = hashlib.sha256(b"yoi-plugin-package-digest-v1\0")
    contents = {}
    for path in sorted(files, key=lambda p: p.encode("utf-8")):
        content = read(path, files[path])
        contents[path] = content
        digest.update(path.encode("utf-8") + b"\0" + len(content).to_bytes(8, "big"))
        digest.update(hashlib.sha256(content).digest())
    return "sha256:" + digest.hexdigest(), contents


def check_module_file(files, entry, module_cap):
    """The module runtime.entry names is one of the package's files (`files`: path to size) and
    within the module cap; the same checks for a directory and for an archive."""
    if entry not in files:
        raise CageError("module_missing",
                        "the module named by runtime.entry does not exist in the package",
                        entry=entry)
    if files[entry] > module_cap:
        raise CageError("module_too_large",
                        f"the module is {files[entry]} bytes, over the {module_cap}-byte cap",
                        module_bytes=files[entry], limit=module_cap)


def read_package(root, module_cap):
    """Reads, checks and hashes a package; returns (manifest, digest, module bytes). The bytes
    returned are the bytes hashed: nothing is read twice."""
    manifest_path = os.path.join(root, "plugin.toml")
    try:
        st = os.lstat(manifest_path)
    except OSError:
        raise _manifest_error("the package has no plugin.toml") from None
    if stat.S_ISLNK(st.st_mode):
        raise CageError("path_escape", "plugin.toml is a symlink")
    if not stat.S_ISREG(st.st_mode):
        raise _manifest_error("plugin.toml is not a regular file")
    if st.st_size > MANIFEST_BYTES:
        raise _manifest_error(f"plugin.toml is larger than {MANIFEST_BYTES} bytes")
    manifest_bytes = _open_regular(manifest_path, st.st_size)
    try:
        text = manifest_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise _manifest_error("plugin.toml is not UTF-8") from None
    manifest = parse_manifest(text)

    files = list_files(root)
    entry = manifest["entry"]
    check_module_file(files, entry, module_cap)

    def read(path, length):
        if path == "plugin.toml":
            if length != len(manifest_bytes):
                raise CageError("digest_mismatch", "a package file changed while it was read")
            return manifest_bytes
        return _open_regular(os.path.join(root, *path.split("/")), length)

    digest, contents = package_digest(files, read)
    return manifest, digest, contents[entry]


# ---------------------------------------------------------------------------------------------
# Package archives (SPEC section 2.4): one stored zip, read whole under a cap and checked
# against the profile before anything in it is believed. Python's zipfile is not used: it does
# not compare local headers with the central directory, nor look for overlaps or gaps.

ARCHIVE_BYTES = PACKAGE_BYTES + 8 * 1024 * 1024
PACKAGE_DEPTH = 32
ENTRY_NAME_BYTES = 4096


def _invalid(message, **details):
    return CageError("package_invalid", "the package archive is not a stored zip of the "
                     f"package profile: {message}", **details)


def _uint(data, at, size, limit):
    """A little-endian field that must lie before `limit`; a header cut short is invalid."""
    if at < 0 or at + size > limit:
        raise _invalid("a header is truncated")
    return int.from_bytes(data[at:at + size], "little")


def _entry_kind(name, made_by, external, path):
    named = "dir" if name.endswith(b"/") else "file"
    unix = made_by >> 8 == 3
    mode_type = (external >> 16) & 0o170000 if unix else 0
    if mode_type == 0o120000:
        raise CageError("path_escape", "the package archive contains a symlink entry", path=path)
    if mode_type not in (0, 0o100000, 0o040000):
        raise CageError("path_escape", "the package archive contains a special-file entry (not "
                        "a regular file or directory)", path=path)
    typed = {0o100000: "file", 0o040000: "dir"}.get(mode_type)
    if typed is None and not unix and external & 0x10:
        typed = "dir"
    if typed is not None and typed != named:
        raise _invalid("an entry's mode and name disagree about a directory", path=path)
    return named


def _entry_path(name, is_dir):
    """The path rules of runtime.entry, applied to an entry name."""
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        raise CageError("path_escape", "a package archive entry name is not UTF-8") from None
    path = text[:-1] if is_dir else text
    escape = lambda why: CageError(  # noqa: E731
        "path_escape", f"a package archive entry name escapes the package: {why}", path=text)
    if "\\" in text or "\0" in text:
        raise escape("it contains a backslash or NUL")
    if not path:
        raise escape("it is empty")
    if path.startswith("/"):
        raise escape("it is absolute")
    for component in path.split("/"):
        if component in ("", ".", ".."):
            raise escape(f"it has the component {component!r}")
    return path


def archive_entries(data):
    """The entries of an archive as (path, kind, start, end), every profile rule checked."""
    n = len(data)
    if n < 22:
        raise _invalid("it is shorter than an end record")
    at = n - 22
    if _uint(data, at, 4, n) != 0x06054B50:
        raise _invalid("it does not end with an end record (trailing bytes or a comment)")
    if _uint(data, at + 20, 2, n) != 0:
        raise _invalid("its end record carries a comment")
    if _uint(data, at + 4, 2, n) or _uint(data, at + 6, 2, n):
        raise _invalid("it spans several disks")
    on_disk, total = _uint(data, at + 8, 2, n), _uint(data, at + 10, 2, n)
    cd_size, cd_offset = _uint(data, at + 12, 4, n), _uint(data, at + 16, 4, n)
    locator = at >= 20 and _uint(data, at - 20, 4, n) == 0x07064B50
    if locator or total == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        raise _invalid("it is a zip64 archive")
    if on_disk != total:
        raise _invalid("it spans several disks")
    if total > PACKAGE_FILES:
        raise CageError("package_too_large",
                        f"the package holds more than {PACKAGE_FILES} files and directories")
    if cd_offset + cd_size != at:
        raise _invalid("its central directory does not end where the end record begins")
    entries, spans, total_bytes, pos = [], [], 0, cd_offset
    for _ in range(total):
        if _uint(data, pos, 4, at) != 0x02014B50:
            raise _invalid("a central directory record has a wrong signature")
        made_by, flags, method = (_uint(data, pos + o, 2, at) for o in (4, 8, 10))
        crc, csize, usize = (_uint(data, pos + o, 4, at) for o in (16, 20, 24))
        nlen, elen, clen, disk = (_uint(data, pos + o, 2, at) for o in (28, 30, 32, 34))
        external, local = _uint(data, pos + 38, 4, at), _uint(data, pos + 42, 4, at)
        if pos + 46 + nlen + elen + clen > at:
            raise _invalid("a central directory record is truncated")
        name = bytes(data[pos + 46:pos + 46 + nlen])
        pos += 46 + nlen + elen + clen
        lossy = name.decode("utf-8", "replace")
        if disk:
            raise _invalid("an entry starts on another disk")
        if flags & 0x41:
            raise _invalid("an entry is encrypted", path=lossy)
        if flags & ~0x0800:
            raise _invalid("an entry has flags outside the profile", path=lossy)
        if method != 0:
            raise _invalid("an entry is compressed (only stored entries are read)", path=lossy,
                           method=method)
        if 0xFFFFFFFF in (usize, csize, local):
            raise _invalid("an entry needs zip64", path=lossy)
        if csize != usize:
            raise _invalid("a stored entry's sizes disagree", path=lossy)
        if nlen > ENTRY_NAME_BYTES:
            raise _invalid("an entry name is longer than 4096 bytes")
        kind = _entry_kind(name, made_by, external, lossy)
        path = _entry_path(name, kind == "dir")
        if path.count("/") + 1 - (kind == "file") > PACKAGE_DEPTH:
            raise CageError("package_too_large", "the package nests directories more than "
                            f"{PACKAGE_DEPTH} deep", path=path)
        if kind == "dir" and usize:
            raise _invalid("a directory entry holds data", path=path)
        total_bytes += usize
        if total_bytes > PACKAGE_BYTES:
            raise CageError("package_too_large",
                            f"the package holds more than {PACKAGE_BYTES} bytes", path=path)
        if _uint(data, local, 4, cd_offset) != 0x04034B50 or local + 30 > cd_offset:
            raise _invalid("an entry's local header has a wrong signature", path=lossy)
        local_fields = (_uint(data, local + 6, 2, cd_offset), _uint(data, local + 8, 2, cd_offset),
                        _uint(data, local + 14, 4, cd_offset),
                        _uint(data, local + 18, 4, cd_offset),
                        _uint(data, local + 22, 4, cd_offset))
        lnlen, lelen = _uint(data, local + 26, 2, cd_offset), _uint(data, local + 28, 2, cd_offset)
        lname = bytes(data[local + 30:local + 30 + lnlen])
        if local_fields != (flags, method, crc, csize, usize) or lname != name:
            raise _invalid("an entry's local header disagrees with its central directory record",
                           path=lossy)
        start = local + 30 + lnlen + lelen
        end = start + usize
        if end > cd_offset:
            raise _invalid("an entry's data extends past the entries (declared larger than it "
                           "is)", path=lossy)
        spans.append((local, end))
        entries.append((path, kind, start, end, crc))
    if pos != at:
        raise _invalid("the central directory holds more than its records")
    exact, folded = set(), {}
    for path, kind, *_ in entries:
        if path in exact:
            raise _invalid("two entries share a name", path=path)
        exact.add(path)
        key = unicodedata.normalize("NFC", path).lower()
        if key in folded:
            raise _invalid("two entries' names differ only by case or Unicode normalisation, or "
                           "name a file and a directory alike", path=path)
        folded[key] = kind
    for path, *_ in entries:
        parts = path.split("/")
        for i in range(1, len(parts)):
            prefix = unicodedata.normalize("NFC", "/".join(parts[:i])).lower()
            if folded.get(prefix) == "file":
                raise _invalid("a file entry is also another entry's directory", path=path)
    expected = 0
    for start, end in sorted(spans):
        if start < expected:
            raise _invalid("two entries overlap")
        if start > expected:
            raise _invalid("bytes precede the first entry" if expected == 0
                           else "bytes lie between two entries")
        expected = end
    if expected != cd_offset:
        raise _invalid("bytes lie between the last entry and the central directory")
    for path, _, start, end, crc in entries:
        if zlib.crc32(data[start:end]) != crc:
            raise _invalid("an entry's CRC-32 does not match its data", path=path)
    return [(path, kind, start, end) for path, kind, start, end, _ in entries]


def read_archive(fd, size, module_cap):
    """Reads a package archive from an open handle: (manifest, digest, module bytes)."""
    if size > ARCHIVE_BYTES:
        raise CageError("package_too_large",
                        f"the package archive is larger than {ARCHIVE_BYTES} bytes")
    with os.fdopen(fd, "rb") as f:
        data = memoryview(f.read(size + 1))
    if len(data) != size:
        raise CageError("digest_mismatch", "the package archive changed while it was read")
    entries = archive_entries(data)
    by_path = {path: (kind, start, end) for path, kind, start, end in entries}
    kind, start, end = by_path.get("plugin.toml", (None, 0, 0))
    if kind is None:
        raise _manifest_error("the package has no plugin.toml")
    if kind != "file":
        raise _manifest_error("plugin.toml is not a regular file")
    if end - start > MANIFEST_BYTES:
        raise _manifest_error(f"plugin.toml is larger than {MANIFEST_BYTES} bytes")
    try:
        text = bytes(data[start:end]).decode("utf-8")
    except UnicodeDecodeError:
        raise _manifest_error("plugin.toml is not UTF-8") from None
    manifest = parse_manifest(text)
    entry = manifest["entry"]
    files = {p: e - s for p, (k, s, e) in by_path.items() if k == "file"}
    check_module_file(files, entry, module_cap)
    digest, contents = package_digest(
        files, lambda path, length: bytes(data[by_path[path][1]:by_path[path][2]]))
    return manifest, digest, contents[entry]


def read_any_package(root, module_cap):
    """A package directory, or a regular file read as an archive: decided from one handle."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        raise _manifest_error("the package does not exist") from None
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        return read_archive(fd, st.st_size, module_cap)
    os.close(fd)
    if not stat.S_ISDIR(st.st_mode):
        raise _manifest_error("the package is neither a directory nor an archive file")
    return read_package(root, module_cap)


# ---------------------------------------------------------------------------------------------
# Input schemas: compiled at load, references outside the schema refused, never fetched.

class _Refused(Exception):
    pass


def backtracking_construct(pattern):
    """The first construct of `pattern` that needs a backtracking matcher (SPEC section 2.3):
    a look-behind, a look-ahead (a run of `(?=...)` groups after a leading `^` included), or a
    back-reference. None when the pattern has none."""
    i, n, class_depth = 0, len(pattern), 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1:i + 2]
            if class_depth == 0 and (nxt in "123456789" and nxt or nxt == "k"):
                return "a back-reference"
            i += 2
            continue
        if class_depth:
            if c == "[":
                class_depth += 1
            elif c == "]":
                class_depth -= 1
            i += 1
            continue
        if c == "[":
            class_depth = 1
            i += 1
            if pattern[i:i + 1] == "^":
                i += 1
            if pattern[i:i + 1] == "]":
                i += 1
            continue
        if c == "(":
            head = pattern[i:i + 4]
            if head.startswith("(?<=") or head.startswith("(?<!"):
                return "a look-behind"
            if head.startswith("(?!"):
                return "a negative look-ahead"
            if head.startswith("(?="):
                return "a look-ahead"
        i += 1
    return None


def _refuse_retrieval(uri):
    raise _Refused(uri)


def _json_depth(value):
    """Deepest nesting of a JSON value (a scalar is one level), without recursion: the schema is
    untrusted and may be deeper than Python's recursion limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


# The drafts a `$schema` may name (docs/SPEC.md 2.3), by the path of their meta-schema URI.
SCHEMA_DRAFTS = {
    "draft/2020-12/schema": "Draft202012Validator",
    "draft/2019-09/schema": "Draft201909Validator",
    "draft-07/schema": "Draft7Validator",
    "draft-06/schema": "Draft6Validator",
    "draft-04/schema": "Draft4Validator",
}


def schema_validator_class(schema):
    """The validator class of the draft `schema` is read in: 2020-12 without `$schema`, else the
    draft its `$schema` names; None for any other `$schema`. Decided here, not by
    `validator_for`, which returns its default for a URI it does not know and reads draft 3."""
    import jsonschema

    if not isinstance(schema, dict) or "$schema" not in schema:
        return jsonschema.Draft202012Validator
    uri = schema["$schema"]
    if not isinstance(uri, str):
        return None
    uri = uri[:-1] if uri.endswith("#") else uri
    for prefix in ("https://json-schema.org/", "http://json-schema.org/"):
        if uri.startswith(prefix):
            name = SCHEMA_DRAFTS.get(uri[len(prefix):])
            return getattr(jsonschema, name) if name else None
    return None


def compile_schema(tool, schema):
    """A validator for the tool's input_schema; an invalid schema or one whose `$ref` leaves the
    schema (a URL, a file, another document) is manifest_invalid. Nothing is fetched: the
    registry's only retriever refuses, and every reference is resolved here, at load."""
    import jsonschema
    import referencing
    import referencing.exceptions
    import referencing.jsonschema
    from jsonschema_specifications import REGISTRY as METASCHEMAS

    def invalid(why, **details):
        return _manifest_error(f"the input_schema of tool {tool} is not a valid JSON Schema: "
                               f"{why}", tool=tool, **details)

    if _json_depth(schema) > SCHEMA_DEPTH:
        raise invalid(f"it is nested more than {SCHEMA_DEPTH} levels deep")
    cls = schema_validator_class(schema)
    if cls is None:
        raise _manifest_error(f"the input_schema of tool {tool} names in $schema a JSON Schema "
                              "draft this runtime does not read", tool=tool,
                              reason="unknown_draft")
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        raise invalid(e.message) from None
    except RecursionError:
        raise invalid("it is nested too deeply") from None
    dialect = cls.META_SCHEMA.get("$id") or cls.META_SCHEMA.get("id")
    spec = referencing.jsonschema.specification_with(
        dialect, default=referencing.jsonschema.DRAFT202012)
    resource = spec.create_resource(schema)
    registry = referencing.Registry(retrieve=_refuse_retrieval).combine(METASCHEMAS)
    base = resource.id() or ""
    registry = registry.with_resource(base, resource)

    def walk(resolver, resource, depth):
        if depth > 512:
            raise invalid("it is nested too deeply")
        resolver = resolver.in_subresource(resource)
        contents = resource.contents
        if isinstance(contents, dict):
            patterns = []
            if isinstance(contents.get("pattern"), str):
                patterns.append(contents["pattern"])
            if isinstance(contents.get("patternProperties"), dict):
                patterns.extend(contents["patternProperties"])
            for pattern in patterns:
                construct = backtracking_construct(pattern)
                if construct:
                    raise invalid(f"a pattern has {construct}, which needs a backtracking "
                                  "matcher", pattern=pattern)
            nested_id = contents.get("$id")
            if depth > 0 and "$id" in contents and not (
                    isinstance(nested_id, str) and nested_id.startswith("#")):
                raise invalid("it declares $id below its root")
            for key in ("$dynamicRef", "$recursiveRef"):
                if key in contents:
                    raise invalid(f"it uses {key}, whose validation time cannot be bounded")
            ref = contents.get("$ref")
            if isinstance(ref, str):
                # Section 2: only references inside the schema, so a bundled meta-schema's URL
                # is refused like any other, whatever the validator happens to ship.
                if not ref.startswith("#"):
                    raise referencing.exceptions.Unretrievable(ref=ref)
                resolver.lookup(ref)
        for sub in resource.subresources():
            walk(resolver, sub, depth + 1)

    in_place = ("allOf", "anyOf", "oneOf")
    single = ("not", "if", "then", "else")
    counts = {}

    def applied(contents, resolver, active):
        """How many subschemas `contents` applies to one value in place ($ref and the in-place
        applicators), itself included. This is a lower bound of section 2.3's count at a depth,
        so refusing past 1024 here never refuses a schema the rule accepts."""
        if not isinstance(contents, dict):
            return 1
        key = id(contents)
        if key in counts:
            return counts[key]
        if key in active:
            raise invalid("a $ref cycle applies a schema to the same value forever")
        active.add(key)
        total = 1
        subs = []
        for k in in_place:
            if isinstance(contents.get(k), list):
                subs.extend(contents[k])
        subs.extend(contents[k] for k in single if k in contents)
        for k in ("dependentSchemas", "dependencies"):
            if isinstance(contents.get(k), dict):
                subs.extend(v for v in contents[k].values() if isinstance(v, dict))
        for sub in subs:
            total += applied(sub, resolver, active)
            if total > 1024:
                break
        ref = contents.get("$ref")
        if isinstance(ref, str) and total <= 1024:
            resolved = resolver.lookup(ref)
            total += applied(resolved.contents, resolved.resolver, active)
        active.discard(key)
        if total > 1024:
            raise invalid("it could apply more than 1024 subschemas to one input value")
        counts[key] = total
        return total

    def fan_out(resolver, resource, depth):
        resolver = resolver.in_subresource(resource)
        applied(resource.contents, resolver, set())
        for sub in resource.subresources():
            fan_out(resolver, sub, depth + 1)

    try:
        walk(registry.resolver(base_uri=base), resource, 0)
        fan_out(registry.resolver(base_uri=base), resource, 0)
    except referencing.exceptions.Unretrievable:
        raise _manifest_error(f"the input_schema of tool {tool} refers to an external resource "
                              "($ref); only references inside the schema are allowed",
                              tool=tool) from None
    except referencing.exceptions.Unresolvable as e:
        raise invalid(f"a reference does not resolve: {e}") from None
    return _budgeted(cls)(schema, registry=registry)


class CallBudget:
    """A call's deadline and cancel, measured from the call's start, so that the host's own
    work before the guest runs (input validation) counts too (SPEC section 6, CPU-04)."""

    current = None  # the budget of the call being validated; calls run one at a time

    def __init__(self, deadline_s, cancel_after_s):
        self.start = time.monotonic()
        self.deadline_s = deadline_s
        self.cancel_after_s = cancel_after_s

    def elapsed(self):
        return time.monotonic() - self.start

    def check(self):
        elapsed = self.elapsed()
        if (self.cancel_after_s is not None and self.cancel_after_s < self.deadline_s
                and elapsed >= self.cancel_after_s):
            raise CageError("cancelled", "the tool call was cancelled by the host")
        if elapsed >= self.deadline_s:
            ms = round(self.deadline_s * 1000)
            raise CageError("timeout", f"the tool call exceeded its {ms} ms deadline",
                            deadline_ms=ms)


def _budgeted(cls):
    """The validator class with every keyword checking the call's budget first, so a long
    validation ends at the deadline or the cancel rather than when it is done."""
    import jsonschema

    def wrap(keyword):
        def checked(validator, value, instance, schema):
            if CallBudget.current is not None:
                CallBudget.current.check()
            errors = keyword(validator, value, instance, schema)
            if errors:
                yield from errors
        return checked

    return jsonschema.validators.extend(
        cls, {name: wrap(fn) for name, fn in cls.VALIDATORS.items()})


def _pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def check_input(validator, value, budget):
    CallBudget.current = budget
    try:
        _check_input(validator, value)
    finally:
        CallBudget.current = None


def _check_input(validator, value):
    errors = []
    for error in validator.iter_errors(value):
        errors.append(error)
        if len(errors) == REPORTED_SCHEMA_ERRORS:
            break
    if errors:
        first = errors[0]
        raise CageError("input_schema_mismatch",
                        f"the input does not match the tool's input_schema at "
                        f"'{_pointer(first.absolute_path)}': {first.message}",
                        paths=[_pointer(e.absolute_path) for e in errors])


# ---------------------------------------------------------------------------------------------
# The module: what the engine config cannot refuse, read from the binary.

class _Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self):
        if self.pos >= self.end:
            raise ValueError("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def sleb(self):
        """Skips a signed LEB128 (only its extent matters here)."""
        return self.uleb()

    def skip(self, n):
        if self.pos + n > self.end:
            raise ValueError("unexpected end")
        self.pos += n


def _const_expr_is_wasm2(r):
    """A constant expression of WebAssembly 2.0 is one constant instruction then `end`;
    arithmetic in it is the extended-const proposal, which wasmtime-py cannot switch off."""
    op = r.byte()
    if op in (0x41, 0x42):            # i32.const, i64.const
        r.sleb()
    elif op == 0x43:                  # f32.const
        r.skip(4)
    elif op == 0x44:                  # f64.const
        r.skip(8)
    elif op == 0xD0:                  # ref.null t
        r.byte()
    elif op in (0xD2, 0x23):          # ref.func x, global.get x
        r.uleb()
    elif op == 0xFD:                  # v128.const
        if r.uleb() != 12:
            return False
        r.skip(16)
    else:
        return False
    return r.byte() == 0x0B


def _table_min(r):
    flags = r.byte()
    minimum = r.uleb()
    if flags & 1:
        r.uleb()
    return minimum


def scan_module(data):
    """Returns (defined tables' initial sizes, whether every constant expression is 2.0)."""
    r = _Reader(data, 8)
    tables = []
    wasm2_consts = True
    while r.pos < r.end:
        section = r.byte()
        size = r.uleb()
        body = _Reader(data, r.pos, r.pos + size)
        r.skip(size)
        if section == 4:
            for _ in range(body.uleb()):
                body.byte()
                tables.append(_table_min(body))
        elif section == 6:
            for _ in range(body.uleb()):
                body.byte()
                body.byte()
                wasm2_consts &= _const_expr_is_wasm2(body)
        elif section == 9:
            for _ in range(body.uleb()):
                flags = body.uleb()
                if flags & 2 and flags & 1 == 0:
                    body.uleb()                       # table index
                if flags & 1 == 0:
                    wasm2_consts &= _const_expr_is_wasm2(body)
                if flags & 3:
                    body.byte()                       # elemkind or reftype
                if flags & 4:
                    for _ in range(body.uleb()):
                        wasm2_consts &= _const_expr_is_wasm2(body)
                else:
                    for _ in range(body.uleb()):
                        body.uleb()
        elif section == 11:
            for _ in range(body.uleb()):
                flags = body.uleb()
                if flags == 2:
                    body.uleb()
                if flags != 1:
                    wasm2_consts &= _const_expr_is_wasm2(body)
                body.skip(body.uleb())
        if not wasm2_consts:
            break
    return tables, wasm2_consts


# ---------------------------------------------------------------------------------------------
# The engine and loading.

def make_engine(fuel):
    config = wasmtime.Config()
    # WebAssembly 2.0 (SPEC section 3): on what 2.0 has, off everything later that the config
    # can switch; extended constant expressions are refused by scan_module.
    config.wasm_reference_types = True
    config.wasm_simd = True
    config.wasm_bulk_memory = True
    config.wasm_multi_value = True
    for feature in ("threads", "tail_call", "multi_memory", "memory64", "relaxed_simd",
                    "component_model", "exceptions", "function_references", "gc",
                    "wide_arithmetic", "custom_page_sizes", "stack_switching"):
        setattr(config, f"wasm_{feature}", False)
    config.gc_support = False          # no GC types: externref is refused with them
    config.shared_memory = False
    config.epoch_interruption = True
    config.consume_fuel = fuel
    config.max_wasm_stack = WASM_STACK
    config.parallel_compilation = False
    return wasmtime.Engine(config)


class Plugin:
    """A loaded package: verified against its pin, compiled, checked against the ABI."""

    def __init__(self, engine, manifest, module, table_sizes):
        self.engine = engine
        self.manifest = manifest
        self.module = module
        self.table_sizes = table_sizes
        self.validators = {}


def load(engine, root, pin, limits):
    manifest, digest, module_bytes = read_any_package(root, limits["module_bytes"])
    if digest != pin:
        if not (pin.startswith("sha256:") and len(pin) == 71
                and all(c in "0123456789abcdef" for c in pin[7:])):
            raise CageError("digest_mismatch",
                            "a pinned digest must be written sha256:<64 lowercase hex digits>")
        raise CageError("digest_mismatch",
                        "the package does not match the digest pinned when it was resolved",
                        expected=pin, actual=digest)
    validators = {name: compile_schema(name, schema) for name, schema in manifest["tools"]}

    # bytearray, not bytes: wasmtime-py parses `bytes` not starting with 0 as WebAssembly text.
    try:
        module = wasmtime.Module(engine, bytearray(module_bytes))
    except wasmtime.WasmtimeError as e:
        raise CageError("module_invalid", "the module is not a valid WebAssembly 2.0 core "
                        "module", cause=str(e)) from None
    try:
        defined_tables, wasm2_consts = scan_module(module_bytes)
    except (ValueError, IndexError):
        raise CageError("module_invalid", "the module could not be parsed") from None
    if not wasm2_consts:
        raise CageError("module_invalid", "the module is not a valid WebAssembly 2.0 core "
                        "module: it uses extended constant expressions")
    imports = module.imports
    tables = [i.type.limits.min for i in imports if isinstance(i.type, wasmtime.TableType)]
    tables += defined_tables
    if len(tables) > 1:
        raise CageError("table_limit", f"the module declares {len(tables)} tables; at most "
                        "one is allowed", tables=len(tables))
    if tables and tables[0] > TABLE_CEILING:
        raise CageError("table_limit", f"the module declares a table of {tables[0]} elements, "
                        f"over the runtime's ceiling of {TABLE_CEILING}",
                        table_elements=tables[0])
    check_imports(imports)
    check_exports(module)
    plugin = Plugin(engine, manifest, module, tables)
    plugin.validators = validators
    return plugin


def _import_allowed(imp):
    if imp.module != IMPORT_MODULE or imp.name not in IMPORTS:
        return False
    ty = imp.type
    if not isinstance(ty, wasmtime.FuncType):
        return False
    i32 = wasmtime.ValType.i32()
    return (len(ty.params) == IMPORTS[imp.name] and all(p == i32 for p in ty.params)
            and len(ty.results) == 1 and ty.results[0] == i32)


def check_imports(imports):
    """Every import outside the allowlist, in import order, named in one error (SPEC 4)."""
    denied = [f"{i.module}::{i.name}" for i in imports if not _import_allowed(i)]
    if denied:
        shown = ", ".join(denied[:DETAIL_LIST_CAP])
        raise CageError("import_denied", f"the module imports {len(denied)} function(s) or "
                        f"object(s) outside ABI {ABI}: {shown}",
                        imports=denied[:DETAIL_LIST_CAP], count=len(denied))


def check_exports(module):
    exports = {e.name: e.type for e in module.exports}
    memory = exports.get("memory")
    if memory is None:
        raise CageError("export_missing", "the module's export `memory` is missing",
                        export="memory")
    if not isinstance(memory, wasmtime.MemoryType):
        raise CageError("export_invalid", "the module's export `memory` is not a memory",
                        export="memory")
    entry = exports.get("yoi_tool_call")
    if entry is None:
        raise CageError("export_missing", "the module's export `yoi_tool_call` is missing",
                        export="yoi_tool_call")
    if not (isinstance(entry, wasmtime.FuncType) and not entry.params and not entry.results):
        raise CageError("export_invalid", "the module's export `yoi_tool_call` must be a "
                        "function of type [] -> []", export="yoi_tool_call")


# ---------------------------------------------------------------------------------------------
# A call.

class CallState:
    """What one call's host functions see and record."""

    def __init__(self, tool, input_bytes, limits):
        self.tool = tool.encode("utf-8")
        self.input = input_bytes
        self.limits = limits
        self.output = None
        self.poisoned = None
        self.diagnostics = bytearray()
        self.dropped = 0
        self.calls = {}
        self.failures = {}

    def record(self, name, ok):
        self.calls[name] = self.calls.get(name, 0) + 1
        if not ok:
            self.failures[name] = self.failures.get(name, 0) + 1

    def poison(self, error):
        if self.poisoned is None:
            self.poisoned = error

    def diagnostics_text(self):
        if not self.diagnostics and not self.dropped:
            return None
        text = clean_diagnostics(self.diagnostics.decode("utf-8", "replace"))
        if not text and not self.dropped:
            return None
        if self.dropped:
            text += f"\n[truncated {self.dropped} bytes]"
        return text


def _range(memory, caller, ptr, length):
    """[ptr, ptr+len) with ptr unsigned and len signed, inside memory, computed without wrap."""
    if length < 0:
        return None
    start = ptr & 0xFFFFFFFF
    end = start + length
    return (start, end) if end <= memory.data_len(caller) else None


def _memory(caller):
    memory = caller.get("memory")
    return memory if isinstance(memory, wasmtime.Memory) else None


def host_functions(state):
    """The `yoi:tool` imports, bound to one call's state. Each does work bounded by its
    arguments and never blocks: epochs cannot interrupt a host function."""

    def tool_name_len(caller):
        state.record("tool_name_len", True)
        return len(state.tool)

    def input_len(caller):
        state.record("input_len", True)
        return len(state.input)

    def reader(name, source):
        def read(caller, ptr, length):
            memory = _memory(caller)
            span = _range(memory, caller, ptr, length) if memory else None
            if span is None or length != len(source):
                state.record(name, False)
                return -1
            if length:
                memory.write(caller, source, span[0])
            state.record(name, True)
            return length
        return read

    def output_write(caller, ptr, length):
        memory = _memory(caller)

        def fail(error):
            state.record("output_write", False)
            state.poison(error)
            return -1
        if memory is None:
            state.record("output_write", False)
            return -1
        if length < 0:
            return fail(CageError("abi_violation", "output_write was called with a negative "
                                  "length", **{"import": "output_write"}))
        cap = state.limits["output_bytes"]
        if length > cap:
            return fail(CageError("output_too_large", f"the guest tried to write {length} bytes "
                                  f"of output, over the {cap}-byte cap",
                                  output_bytes=length, limit=cap))
        span = _range(memory, caller, ptr, length)
        if span is None:
            return fail(CageError("abi_violation", "output_write was called with a range "
                                  "outside the guest's memory", **{"import": "output_write"}))
        state.output = bytes(memory.read(caller, span[0], span[1]))
        state.record("output_write", True)
        return length

    def diagnostic_write(caller, ptr, length):
        memory = _memory(caller)
        span = _range(memory, caller, ptr, length) if memory else None
        if span is None:
            state.record("diagnostic_write", False)
            return -1
        room = max(state.limits["diagnostic_bytes"] - len(state.diagnostics), 0)
        keep = min(length, room)
        if keep:
            state.diagnostics += memory.read(caller, span[0], span[0] + keep)
        state.dropped += length - keep
        state.record("diagnostic_write", True)
        return length

    return {
        "tool_name_len": tool_name_len,
        "tool_name_read": reader("tool_name_read", state.tool),
        "input_len": input_len,
        "input_read": reader("input_read", state.input),
        "output_write": output_write,
        "diagnostic_write": diagnostic_write,
    }


class Watchdog(threading.Thread):
    """Stops a call at its deadline or at the host's cancel, whichever comes first: records why,
    then advances the engine's epoch, which traps the store (its deadline is one tick ahead) at
    the guest's next function entry or loop header. Joined before the next call, so an epoch
    tick never lands in a later call's store."""

    def __init__(self, engine, deadline_s, cancel_after_s):
        super().__init__(daemon=True)
        self.engine = engine
        self.deadline_s = deadline_s
        self.cancel_after_s = cancel_after_s
        self.finished = threading.Event()
        self.reason = None

    def run(self):
        wait, reason = self.deadline_s, "timeout"
        if self.cancel_after_s is not None and self.cancel_after_s < self.deadline_s:
            wait, reason = self.cancel_after_s, "cancelled"
        if not self.finished.wait(wait):
            self.reason = reason
            self.engine.increment_epoch()

    def stop(self):
        self.finished.set()
        self.join()


TRAP_NAMES = {
    "UNREACHABLE": "unreachable",
    "MEMORY_OUT_OF_BOUNDS": "memory_out_of_bounds",
    "TABLE_OUT_OF_BOUNDS": "table_out_of_bounds",
    "INDIRECT_CALL_TO_NULL": "indirect_call_to_null",
    "BAD_SIGNATURE": "bad_signature",
    "INTEGER_OVERFLOW": "integer_overflow",
    "INTEGER_DIVISION_BY_ZERO": "integer_divide_by_zero",
    "BAD_CONVERSION_TO_INTEGER": "bad_conversion_to_integer",
    "NULL_REFERENCE": "null_reference",
    "ARRAY_OUT_OF_BOUNDS": "array_out_of_bounds",
}


def classify(error, reason, limits):
    """An engine failure to a code, by the trap's code, never by its text."""
    code = error.trap_code if isinstance(error, wasmtime.Trap) else None
    name = code.name if code is not None else None
    if name == "INTERRUPT":
        if reason == "cancelled":
            return CageError("cancelled", "the tool call was cancelled by the host")
        ms = limits["deadline_ms"]
        return CageError("timeout", f"the tool call exceeded its {ms} ms deadline",
                         deadline_ms=ms)
    if name == "OUT_OF_FUEL":
        return CageError("fuel_exhausted", "the tool call used up its instruction budget",
                         fuel=limits["fuel"] or 0)
    if name == "STACK_OVERFLOW":
        return CageError("stack_overflow", "the guest exhausted its call stack")
    if name is None:
        return CageError("trap", "the guest failed in an unexpected way", trap="other")
    trap = TRAP_NAMES.get(name, "other")
    return CageError("trap", f"the guest trapped: {trap.replace('_', ' ')}", trap=trap)


def parse_output(data, summary_bytes):
    """SPEC section 7: UTF-8 JSON of exactly {"summary": string, "content"?: string|null}."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CageError("output_malformed", "the tool output is not JSON: it is not valid UTF-8",
                        valid_up_to=e.start) from None
    try:
        value = parse_json(text)
    except ValueError as e:
        raise CageError("output_malformed", f"the tool output is not JSON: {e}") from None
    shape = 'the tool output must be {"summary": string, "content"?: string|null}'
    if not isinstance(value, dict) or getattr(value, "duplicate", False):
        raise CageError("output_schema_mismatch", shape)
    if set(value) - {"summary", "content"} or not isinstance(value.get("summary"), str):
        raise CageError("output_schema_mismatch", shape)
    content = value.get("content")
    if content is not None and not isinstance(content, str):
        raise CageError("output_schema_mismatch", shape)
    summary = value["summary"]
    if not summary:
        raise CageError("output_schema_mismatch", "the tool output's summary is empty")
    size = len(summary.encode("utf-8"))
    if size > summary_bytes:
        raise CageError("output_schema_mismatch", f"the tool output's summary is {size} bytes, "
                        f"over the {summary_bytes}-byte cap",
                        summary_bytes=size, limit=summary_bytes)
    return {"summary": summary, "content": content}


def _outcome(state, result):
    outcome = {"status": "ok", "output": result} if not isinstance(result, CageError) else {
        "status": "error", "error": result}
    outcome["host_calls"] = dict(state.calls) if state else {}
    outcome["host_call_failures"] = dict(state.failures) if state else {}
    outcome["diagnostics"] = state.diagnostics_text() if state else None
    return outcome


def call(plugin, tool, text, limits, cancel_after_ms):
    """One tool call: check the tool and the input, then a fresh store and instance under the
    deadline, the cancel, the fuel and the store limits; then the output contract."""
    cancel_s = None if cancel_after_ms is None else cancel_after_ms / 1000
    budget = CallBudget(limits["deadline_ms"] / 1000, cancel_s)
    validator = plugin.validators.get(tool)
    if validator is None:
        return _outcome(None, CageError("tool_unknown", f"plugin {plugin.manifest['id']} has no "
                                        f"tool named {tool}", tool=tool))
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) > limits["input_bytes"]:
        return _outcome(None, CageError(
            "input_too_large", f"the tool input is {len(raw)} bytes, over the "
            f"{limits['input_bytes']}-byte cap", input_bytes=len(raw),
            limit=limits["input_bytes"]))
    try:
        value = parse_json(text)
    except (ValueError, UnicodeError) as e:
        return _outcome(None, CageError("input_malformed", f"the tool input is not JSON: {e}"))
    try:
        check_input(validator, value, budget)
    except CageError as e:
        return _outcome(None, e)

    state = CallState(tool, raw, limits)
    engine = plugin.engine
    store = wasmtime.Store(engine)
    store.set_limits(memory_size=limits["memory_bytes"], table_elements=limits["table_elements"],
                     instances=1, tables=1, memories=1)
    if limits["fuel"] is not None:
        store.set_fuel(limits["fuel"])
    # The deadline is set before the watchdog starts, so its tick cannot come too early to count.
    store.set_epoch_deadline(1)
    # The watchdog waits out what is left of the budget after the checks above.
    spent = budget.elapsed()
    watchdog = Watchdog(engine, max(budget.deadline_s - spent, 0),
                        None if cancel_s is None else max(cancel_s - spent, 0))
    watchdog.start()
    try:
        result = _run(plugin, store, state, limits)
    finally:
        watchdog.stop()
    if isinstance(result, CageError):
        return _outcome(state, result)
    if isinstance(result, BaseException):
        return _outcome(state, classify(result, watchdog.reason, limits))
    if state.poisoned is not None:
        return _outcome(state, state.poisoned)
    if state.output is None:
        return _outcome(state, CageError("output_missing",
                                         "the guest returned without writing any output"))
    try:
        return _outcome(state, parse_output(state.output, limits["summary_bytes"]))
    except CageError as e:
        return _outcome(state, e)


def _run(plugin, store, state, limits):
    """Instantiates (the deadline already covers a start function) and calls the entry."""
    memory = next(e.type for e in plugin.module.exports if e.name == "memory")
    if memory.limits.min * PAGE > limits["memory_bytes"]:
        return CageError("memory_limit", f"the guest's memory would exceed the "
                         f"{limits['memory_bytes']}-byte cap", limit=limits["memory_bytes"])
    if plugin.table_sizes and plugin.table_sizes[0] > limits["table_elements"]:
        return CageError("table_limit", f"the guest's table would exceed the "
                         f"{limits['table_elements']}-element cap",
                         limit=limits["table_elements"])
    functions = host_functions(state)
    imports = []
    for imp in plugin.module.imports:
        imports.append(wasmtime.Func(store, imp.type, functions[imp.name], access_caller=True))
    try:
        instance = wasmtime.Instance(store, plugin.module, imports)
        instance.exports(store)["yoi_tool_call"](store)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        return e
    return None


# ---------------------------------------------------------------------------------------------
# The protocol.

def _bad_request(why):
    print(f"{NAME}: the request is not a protocol {PROTOCOL} request: {why}", file=sys.stderr)
    sys.exit(2)


def _limits(raw):
    limits = dict(DEFAULT_LIMITS)
    if raw is None:
        return limits
    if not isinstance(raw, dict):
        _bad_request("limits must be an object")
    for key, value in raw.items():
        if key not in DEFAULT_LIMITS:
            # Newer kits may send limits this runtime does not know; it says so and goes on.
            print(f"{NAME}: ignoring unknown limit {key}", file=sys.stderr)
            continue
        if value is None:
            continue                    # null: the default, as an absent key
        if type(value) is not int or value < 0:
            _bad_request(f"limits.{key} must be a non-negative integer")
        limits[key] = value
    return limits


def run(stdin_text):
    try:
        request = json.loads(stdin_text)
    except ValueError as e:
        _bad_request(str(e))
    if not isinstance(request, dict) or request.get("protocol") != PROTOCOL:
        _bad_request("protocol must be 1")
    calls = request.get("calls")
    if not isinstance(calls, list):
        _bad_request("calls must be an array")
    for c in calls:
        if not (isinstance(c, dict) and isinstance(c.get("tool"), str)
                and isinstance(c.get("input"), str)):
            _bad_request("each call needs a string tool and a string input")
        ms = c.get("cancel_after_ms")
        if ms is not None and (type(ms) is not int or ms < 0):
            _bad_request("cancel_after_ms must be null or a non-negative integer")
        for key in ("package", "digest"):
            if c.get(key) is not None and not isinstance(c[key], str):
                _bad_request(f"call {key} must be a string")
    for key in ("package", "digest"):
        if not isinstance(request.get(key), str):
            _bad_request(f"{key} must be a string")
    limits = _limits(request.get("limits"))

    engine = make_engine(fuel=limits["fuel"] is not None)
    loaded = {}
    outcomes = []
    for c in calls:
        # This runtime reads archives: the one the kit names beside a package is loaded.
        if c.get("package"):
            path = c.get("package_zip") or c["package"]
        else:
            path = request.get("package_zip") or request["package"]
        key = (path, c.get("digest") or request["digest"])
        if key not in loaded:
            try:
                loaded[key] = load(engine, key[0], key[1], limits)
            except CageError as e:
                loaded[key] = e
        plugin = loaded[key]
        if isinstance(plugin, CageError):
            outcomes.append(_outcome(None, plugin))
        else:
            outcomes.append(call(plugin, c["tool"], c["input"], limits, c.get("cancel_after_ms")))
    for outcome in outcomes:
        if outcome["status"] == "error":
            outcome["error"] = outcome["error"].to_json(limits["message_bytes"])
    return {"protocol": PROTOCOL, "outcomes": outcomes}


def main(argv):
    if len(argv) != 2 or argv[1] not in ("describe", "run"):
        print(f"usage: {argv[0]} describe | run < request.json", file=sys.stderr)
        return 2
    if argv[1] == "describe":
        answer = {"protocol": PROTOCOL, "name": NAME, "version": VERSION,
                  "capabilities": CAPABILITIES}
    else:
        answer = run(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    status = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # The answer is out: skip the interpreter's teardown (module and engine finalizers), which
    # only costs the host time on a call it is already done with.
    os._exit(status)
