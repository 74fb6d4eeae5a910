"""Item 10 (newcomer): `make run` names a taken port and how to choose another, and prints the address only
once gunicorn is serving."""

from __future__ import annotations

import socket
import types

from clinic import serve


def test_a_taken_port_is_named_with_how_to_choose_another():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        problem = serve.port_problem("127.0.0.1", port)
    assert problem is not None
    assert f"Port {port} on 127.0.0.1 is already in use" in problem and f"PORT={port + 1} make run" in problem


def test_a_free_port_passes_and_the_check_command_says_so_by_its_exit_code(capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert serve.port_problem("127.0.0.1", port) is None
    assert serve.main(["check", "127.0.0.1", str(port)]) == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve.main(["check", "127.0.0.1", str(taken.getsockname()[1])]) == 1
    assert "already in use" in capsys.readouterr().err


def test_an_address_that_is_not_this_machines_gets_a_hint():
    assert "HOST=127.0.0.1 make run" in serve.port_problem("192.0.2.1", 5000)  # TEST-NET-1, never local


def test_the_address_is_printed_when_gunicorn_is_ready(capsys):
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        server = types.SimpleNamespace(LISTENERS=[types.SimpleNamespace(sock=bound)])
        serve.when_ready(server)
        port = bound.getsockname()[1]
    assert capsys.readouterr().out == f"clinic is at http://127.0.0.1:{port}  (Ctrl+C stops it)\n"
