"""Reading input files (kokdsl.reading): only regular files, or standard
input when asked; bounded in size and in time; refused before a byte is read
when the name is a FIFO, a device, a socket or a folder."""

from __future__ import annotations

import os
import socket

import pytest

from kokdsl.reading import InputRefused, os_reason, read_bounded, read_stream


def test_a_regular_file_is_read_to_one_byte_past_the_limit(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"x" * 100)
    assert read_bounded(path, 1000) == b"x" * 100
    assert read_bounded(path, 10) == b"x" * 11


def test_a_fifo_nobody_writes_to_is_refused_without_waiting(tmp_path):
    path = tmp_path / "c.yaml"
    os.mkfifo(path)
    with pytest.raises(InputRefused) as caught:
        read_bounded(path, 1000)  # would block forever on open() without O_NONBLOCK
    assert caught.value.reason.params["kind"].code == "input.kind_fifo"
    assert "FIFO" in os_reason(caught.value).render("en")


@pytest.mark.parametrize("path, kind", [("/dev/zero", "input.kind_device"), ("/dev/full", "input.kind_device"),
                                        ("/", "input.kind_folder")])
def test_devices_and_folders_are_refused(path, kind):
    with pytest.raises(InputRefused) as caught:
        read_bounded(path, 1000)
    assert caught.value.reason.params["kind"].code == kind


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(OSError) as caught:  # opening a socket fails in the kernel, or fstat refuses it
            read_bounded(path, 1000)
    assert os_reason(caught.value)


def test_a_symlink_to_a_device_is_refused_for_what_it_points_to(tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputRefused):
        read_bounded(link, 1000)


def test_a_missing_file_is_an_os_error_with_the_systems_words(tmp_path):
    with pytest.raises(OSError) as caught:
        read_bounded(tmp_path / "none.yaml", 10)
    assert not isinstance(caught.value, InputRefused)
    assert os_reason(caught.value) == "No such file or directory"


def test_a_stream_that_never_delivers_is_given_up_on_after_the_deadline():
    read_end, write_end = os.pipe()
    try:
        with os.fdopen(read_end, "rb", closefd=False) as stream, pytest.raises(InputRefused) as caught:
            read_stream(stream, 1000, seconds=0.2)  # the writer stays open and silent
        assert caught.value.reason.code == "input.timed_out"
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_stream_is_read_to_its_end_or_one_byte_past_the_limit():
    read_end, write_end = os.pipe()
    os.write(write_end, b"abc" * 10)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        assert read_stream(stream, 5, seconds=5) == b"abcabc"
