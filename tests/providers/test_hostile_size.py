"""Size: every answer's body is capped at its decoded size, while it streams in."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from hostile_data import CONTENT_PATH, JOB, JOB_BODY, JOB_PATH, UPLOAD, WS
from hostile_server import answer, gzip_bomb, huge_body, problem

from triage_gui.providers.errors import InvalidResponse, NotFound, ResponseTooLarge

MB = 1024 * 1024


def test_a_body_larger_than_the_cap_is_refused_not_read_whole(hostile, make_client):
    hostile.route(JOB_PATH, huge_body(5 * MB))
    with pytest.raises(ResponseTooLarge) as err:
        make_client(max_body_bytes=1 * MB).get_job(WS, JOB)
    assert isinstance(err.value, InvalidResponse)  # a contract error: exit 6
    assert err.value.limit == 1 * MB
    assert "larger than 1 MB" in str(err.value)
    assert hostile.count(JOB_PATH) == 1  # not retried


def test_a_gzip_bomb_counts_at_its_inflated_size(hostile, make_client):
    hostile.route(JOB_PATH, gzip_bomb(20 * MB))  # ~20 KB on the wire
    with pytest.raises(ResponseTooLarge, match="larger than 1 MB"):
        make_client(max_body_bytes=1 * MB).get_job(WS, JOB)


def test_an_upload_larger_than_the_cap_stops_part_way(hostile, make_client):
    hostile.route(CONTENT_PATH, huge_body(5 * MB))
    lines = make_client(max_body_bytes=1 * MB).iter_upload_lines(WS, UPLOAD)
    with pytest.raises(ResponseTooLarge):
        list(lines)


def test_an_upload_gzip_bomb_is_refused(hostile, make_client):
    hostile.route(CONTENT_PATH, gzip_bomb(20 * MB))
    with pytest.raises(ResponseTooLarge):
        list(make_client(max_body_bytes=1 * MB).iter_upload_lines(WS, UPLOAD))


def test_a_huge_error_answer_is_still_the_error_with_a_short_message(hostile, make_client):
    hostile.route(JOB_PATH, problem(404, detail="x" * (3 * MB)))
    with pytest.raises(NotFound) as err:
        make_client(max_body_bytes=1 * MB, max_error_body_bytes=64 * 1024).get_job(WS, JOB)
    assert len(str(err.value)) < 700


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_answers_within_the_cap_are_read(hostile, make_client, encoding):
    data = json.dumps(JOB_BODY).encode()
    if encoding == "gzip":
        body = gzip.compress(data)
    elif encoding == "deflate":
        body = zlib.compress(data)
    else:  # some servers send "deflate" without the zlib header
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = packer.compress(data) + packer.flush()
    name = "gzip" if encoding == "gzip" else "deflate"
    hostile.route(JOB_PATH, answer(body, headers=[("Content-Encoding", name)]))
    assert make_client().get_job(WS, JOB).id == JOB


def test_compressed_upload_lines_are_read(hostile, make_client):
    csv = "phone_number\r\n+447700900001\r\n+447700900002\r\n"
    hostile.route(CONTENT_PATH, answer(gzip.compress(csv.encode()), headers=[("Content-Encoding", "gzip")]))
    assert list(make_client().iter_upload_lines(WS, UPLOAD)) == ["phone_number", "+447700900001", "+447700900002"]


def test_an_unknown_content_encoding_is_a_contract_error(hostile, make_client):
    hostile.route(JOB_PATH, answer(b"\x00\x01garbage", headers=[("Content-Encoding", "br")]))
    with pytest.raises(InvalidResponse, match="unsupported content encoding"):
        make_client().get_job(WS, JOB)


def test_lines_are_split_the_same_whatever_the_chunks():
    from triage_gui.providers.http.body import iter_lines

    text = "phone_number\r\n+1\r\n\r\n+2\r+3\n+4é"
    data = text.encode()
    for size in (1, 2, 3, 7, len(data)):
        chunks = iter(data[i : i + size] for i in range(0, len(data), size))
        assert list(iter_lines(chunks, "utf-8")) == text.splitlines()
