"""The Socket.IO message queue over Redis, made to fail fast: when Redis is down, unreachable or stops
answering, a process keeps serving its own clients (python-socketio delivers to them before it
publishes) and only the fan-out to other processes is missed; nobody's request waits on Redis.

Upstream's RedisManager publishes on a client without timeouts, so a Redis that stops answering (a
partition that drops packets) blocks the publishing handler for good: a chat message's ack never
came. Here publishing has a short timeout, and after a failure publishing pauses for a few seconds
instead of paying the timeout on every emit. Messages missed by other processes are in the database
and replayed on their clients' next `join`.
"""
import time

import socketio

PUBLISH_TIMEOUT_SECONDS = 2.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0


class FailFastRedisManager(socketio.RedisManager):
    """RedisManager whose publishing times out and backs off; the listener keeps blocking reads."""

    def __init__(self, url, channel, timeout=PUBLISH_TIMEOUT_SECONDS, pause=PAUSE_AFTER_FAILURE_SECONDS):
        super().__init__(url, channel=channel)
        self.timeout, self.pause = timeout, pause
        self._paused_until = 0.0

    def _redis_connect(self):
        super()._redis_connect()  # the listener's pubsub waits for messages: no read timeout there
        self.redis = self._get_redis_module().Redis.from_url(
            self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout)

    def _publish(self, data):
        if time.monotonic() < self._paused_until:
            return None  # failed moments ago: local delivery only
        try:
            if not self.connected:
                self._redis_connect()
            return self.redis.publish(self.channel, self.json.dumps(data))
        except Exception as exc:  # any Redis or socket error: degrade, do not fail the caller
            self.connected = False
            self._paused_until = time.monotonic() + self.pause
            self._get_logger().error("Cannot publish to redis (%s: %s); other processes miss this emit; "
                                     "publishing paused for %.0f s", exc.__class__.__name__, exc, self.pause)
            return None


def client_manager(config):
    """The Socket.IO client manager for this configuration: None (in-process only) without REDIS_URL."""
    if not config.get("REDIS_URL"):
        return None
    return FailFastRedisManager(config["REDIS_URL"], channel=config["SOCKETIO_CHANNEL"])
