"""A free loopback port in the range these tests may use for servers they start in another process."""
import socket

TEST_PORTS = range(18100, 18200)


def free_port():
    """A port of TEST_PORTS nobody listens on now."""
    for port in TEST_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {TEST_PORTS}")
