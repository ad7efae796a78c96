"""A free loopback port for a server a test starts in another process."""
import socket


def free_port():
    """A port the kernel picked from its ephemeral range and nobody listens on now. Picked by the kernel, not
    probed in a fixed range: parallel test workers probing one range would all pick its first free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
