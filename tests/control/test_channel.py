"""The wire of the control channel: token and socket files that are not the operator's alone are
refused, and requests are parsed strictly."""

from __future__ import annotations

import os
import socket
import stat
from datetime import date
from pathlib import Path

import pytest

from orbit.control.channel import (
    ChannelError,
    LoadRequest,
    check_directory,
    check_socket,
    check_socket_path,
    read_token,
    write_token,
)


def test_a_token_is_written_for_the_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        token = write_token(tmp_path / "t")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "t").st_mode) == 0o600
    assert len(token) >= 40 and read_token(tmp_path / "t") == token
    assert write_token(tmp_path / "t") != token  # a new one every time
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_a_token_open_to_others_is_not_used(tmp_path: Path) -> None:
    write_token(tmp_path / "t")
    os.chmod(tmp_path / "t", 0o644)
    with pytest.raises(ChannelError, match="open to other users"):
        read_token(tmp_path / "t")


def test_a_missing_or_linked_token_is_not_used(tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="cannot read the control token"):
        read_token(tmp_path / "none")
    write_token(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(ChannelError, match="cannot read the control token"):
        read_token(tmp_path / "link")


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another uid")
def test_files_of_another_uid_are_not_used(tmp_path: Path) -> None:
    write_token(tmp_path / "t")
    os.chown(tmp_path / "t", 12345, -1)
    with pytest.raises(ChannelError, match="belongs to uid 12345"):
        read_token(tmp_path / "t")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "s"))
        os.chown(tmp_path / "s", 12345, -1)
        with pytest.raises(ChannelError, match="belongs to uid 12345"):
            check_socket(tmp_path / "s")


def test_a_regular_file_is_not_taken_for_the_socket(tmp_path: Path) -> None:
    (tmp_path / "control.sock").write_text("")
    with pytest.raises(ChannelError, match="is not a socket"):
        check_socket(tmp_path / "control.sock")


def test_paths_and_folders_the_channel_refuses(tmp_path: Path) -> None:
    with pytest.raises(ChannelError, match="ORBIT_INGEST__CONTROL_SOCKET"):
        check_socket_path(tmp_path / ("x" * 120) / "control.sock")
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(ChannelError, match="writable by every user"):
        check_directory(shared)
    os.chmod(shared, 0o1777)  # sticky, like /tmp: others cannot replace our files
    check_directory(shared)


def test_requests_round_trip_and_bad_ones_name_their_field() -> None:
    request = LoadRequest(Path("/data/set"), ("signals",), (date(2026, 11, 21),))
    assert LoadRequest.of(request.as_message()) == request
    assert LoadRequest.of({"directory": "/d", "kinds": ["topics"], "days": None}).days is None
    for message, field in [
        ({"directory": "relative", "kinds": ["topics"]}, "directory"),
        ({"directory": 3, "kinds": ["topics"]}, "directory"),
        ({"directory": "/d\x00", "kinds": ["topics"]}, "directory"),
        ({"directory": "/d", "kinds": []}, "kinds"),
        ({"directory": "/d", "kinds": "topics"}, "kinds"),
        ({"directory": "/d", "kinds": ["signals"], "days": ["2026-13-01"]}, "days"),
        ({"directory": "/d", "kinds": ["signals"], "days": "2026-11-21"}, "days"),
    ]:
        with pytest.raises(ChannelError, match=f"^{field}:"):
            LoadRequest.of(message)
