"""Real time: publish small events to channels and stream them to browsers as server-sent events.

One ``Realtime`` hub per app wraps a Litestar ``ChannelsPlugin``. With ``settings.redis_url`` empty it uses the
in-memory backend, which only reaches clients of the same process (fine for one worker); with a Redis URL it uses
Redis pub/sub, so an event published by any worker reaches every worker's clients.

Channels are always scoped to a tenant: ``tenant_channel(tenant_id, name)`` builds ``tenant:{id}:{name}``, and
``sse_response`` refuses to stream a channel of another tenant than the request's, or the private channel of another
user. A deployment-wide prefix (``settings.realtime_prefix``) is added underneath, so several deployments can share
one Redis (pub/sub channels ignore Redis database numbers).

Events are hints, not storage: a client that was disconnected (or a Redis outage) misses what was published in the
meantime, so pages must stay correct without them (htmx re-fetches on reconnect, counters re-read the database).
Publish after the data the event describes is written; ``publish`` never raises because real time is down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing, suppress
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from litestar.channels import ChannelsPlugin, Subscriber
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.exceptions import PermissionDeniedException
from litestar.response import ServerSentEvent, ServerSentEventMessage

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger("townhall.realtime")

KEEPALIVE_SECONDS = 15.0
SUBSCRIBER_BACKLOG = 200  # events kept per slow client; older ones are dropped first
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,80}(?::[A-Za-z0-9_.-]{1,80}){0,4}$")
_TENANT_RE = re.compile(r"^tenant:(\d+):(.+)$")
_EVENT_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")
_TIMEOUT = object()
_envelope_decoder = msgspec.json.Decoder(dict)


class ChannelError(ValueError):
    """A channel or event name that is malformed or not the caller's to use."""


def tenant_channel(tenant_id: int, name: str) -> str:
    """The channel ``name`` of one municipality, e.g. ``tenant_channel(3, "workshop:12")`` → ``tenant:3:workshop:12``.

    Names are short segments of letters, digits, ``_ . -`` separated by ``:``; ``user:...`` is reserved for
    ``user_channel`` so a plugin cannot listen to somebody's private notifications.
    """
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise ChannelError("tenant id must be a positive integer")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ChannelError(f"invalid channel name {name!r}")
    if name.split(":", 1)[0] == "user":
        raise ChannelError("user channels are private: use user_channel()")
    return f"tenant:{tenant_id}:{name}"


def user_channel(tenant_id: int, user_id: int) -> str:
    """The private channel of one signed-in user: ``tenant:{tid}:user:{uid}``."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise ChannelError("user id must be a positive integer")
    tenant_channel(tenant_id, "users")  # validates the tenant id
    return f"tenant:{tenant_id}:user:{user_id}"


def channel_tenant(channel: str) -> int:
    """The tenant id a channel belongs to (ChannelError if it is not a tenant channel)."""
    match = _TENANT_RE.match(channel or "")
    if match is None or not _NAME_RE.match(match.group(2)):
        raise ChannelError(f"not a tenant channel: {channel!r}")
    return int(match.group(1))


class _Subscriber(Subscriber):
    async def next_event(self, timeout: float) -> bytes | object | None:
        """The next event; None when the stream was closed; _TIMEOUT when nothing came within ``timeout``."""
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return _TIMEOUT
        self._queue.task_done()
        return item


class _ResilientRedisBackend(RedisChannelsPubSubBackend):
    """Redis pub/sub that survives a Redis restart: redis-py reconnects and re-subscribes on the next read.

    Litestar's own loop would end for good on the first connection error, silently muting every stream.
    """

    async def stream_events(self) -> AsyncIterator[tuple[str, Any]]:  # type: ignore[override]
        delay = 0.5
        while True:
            try:
                async for item in super().stream_events():
                    delay = 0.5
                    yield item
            except (ConnectionError, OSError, TimeoutError) as exc:
                await self._back_off(exc, delay)
                delay = min(delay * 2, 5.0)
            except Exception as exc:  # redis.exceptions.ConnectionError is not a builtin ConnectionError
                if type(exc).__module__.startswith("redis"):
                    await self._back_off(exc, delay)
                    delay = min(delay * 2, 5.0)
                else:
                    raise

    @staticmethod
    async def _back_off(exc: BaseException, delay: float) -> None:
        log.warning("redis pub/sub connection lost (%s); retrying in %.1fs", type(exc).__name__, delay)
        await asyncio.sleep(delay)


class _Channels(ChannelsPlugin):
    def __init__(self, *args: Any, closer: Callable[[], Awaitable[Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closer = closer

    async def subscribe(self, channels: str | Iterable[str], history: int | None = None) -> Subscriber:
        """Like Litestar's, but registers the subscriber only once the backend has subscribed.

        Litestar's registers first: when Redis is down at that moment, the channel looks subscribed in this process
        from then on and never is, so every later stream on it stays deaf.
        """
        names = [channels] if isinstance(channels, str) else list(channels)
        subscriber = self._subscriber_class(
            plugin=self, max_backlog=self._max_backlog, backlog_strategy=self._backlog_strategy
        )
        new = [name for name in names if not self._channels.get(name)]
        if new:
            await self._backend.subscribe(new)
        for name in names:
            self._channels.setdefault(name, set()).add(subscriber)
        return subscriber

    async def _on_shutdown(self) -> None:
        try:
            await super()._on_shutdown()
        finally:
            if self._closer is not None:
                await self._closer()


class Realtime:
    """The per-app hub: ``plugin`` goes into the Litestar app, ``publish``/``stream`` are used by the helpers below."""

    def __init__(self, settings: Settings) -> None:
        self.prefix = settings.realtime_prefix
        self.keepalive_seconds = settings.sse_keepalive_seconds
        self.redis_url = settings.redis_url or None
        closer = None
        if self.redis_url:
            from redis.asyncio import Redis

            client = Redis.from_url(
                self.redis_url,
                health_check_interval=30,
                socket_keepalive=True,
                socket_connect_timeout=2,  # an unreachable Redis must not hold a request for minutes
                socket_timeout=5,
            )
            backend: Any = _ResilientRedisBackend(redis=client)
            closer = client.aclose
        else:
            backend = MemoryChannelsBackend()
        self.backend_name = "redis" if self.redis_url else "memory"
        from core.live_slots import LiveSlots

        self.slots = LiveSlots(client if self.redis_url else None, self.prefix)
        self.plugin = _Channels(
            backend,
            arbitrary_channels_allowed=True,
            subscriber_class=_Subscriber,
            subscriber_max_backlog=SUBSCRIBER_BACKLOG,
            subscriber_backlog_strategy="dropleft",
            closer=closer,
        )

    def wire_name(self, channel: str) -> str:
        channel_tenant(channel)
        return f"{self.prefix}:{channel}"

    async def publish(
        self, channel: str, data: dict[str, Any], *, event: str | None = None, html: str | None = None
    ) -> bool:
        """Send one event; False (logged) when the backend is unreachable — callers never fail because of it."""
        if event is not None and not _EVENT_RE.match(event):
            raise ChannelError(f"invalid event name {event!r}")
        envelope = msgspec.json.encode({"e": event, "d": data, "h": html})
        try:
            await self.plugin.wait_published(envelope, self.wire_name(channel))
        except ChannelError:
            raise
        except Exception:
            log.warning("could not publish to %s", channel, exc_info=True)
            return False
        return True

    async def events(
        self,
        channel: str,
        *,
        event_name: str,
        render: Callable[[dict[str, Any]], str | Awaitable[str]] | None = None,
        keepalive: float | None = None,
        on_close: Callable[[], Any] | None = None,
    ) -> AsyncIterator[ServerSentEventMessage]:
        """Subscribe, say so with a comment, then yield every event; a keep-alive comment when idle.

        Ends when the client disconnects (Litestar cancels the stream) or the app shuts down; the subscription is
        always released, even while cancelled; ``on_close`` (if given) is then called once, however it ended.
        """
        inner = self._events(channel, event_name=event_name, render=render, keepalive=keepalive)
        try:
            async with aclosing(inner):
                async for message in inner:
                    yield message
        finally:
            if on_close is not None:
                with suppress(Exception):
                    on_close()

    async def _events(
        self,
        channel: str,
        *,
        event_name: str,
        render: Callable[[dict[str, Any]], str | Awaitable[str]] | None = None,
        keepalive: float | None = None,
    ) -> AsyncIterator[ServerSentEventMessage]:
        wire = self.wire_name(channel)
        interval = keepalive if keepalive is not None else self.keepalive_seconds
        try:
            subscriber: _Subscriber = await self.plugin.subscribe(wire)  # type: ignore[assignment]
        except Exception:
            log.warning("could not subscribe to %s", channel, exc_info=True)
            yield ServerSentEventMessage(data=None, comment="unavailable", retry=5000)  # the browser retries
            return
        try:
            yield ServerSentEventMessage(data=None, comment="connected", retry=3000)
            while True:
                item = await subscriber.next_event(interval)
                if item is None:
                    return
                if item is _TIMEOUT:
                    yield ServerSentEventMessage(data=None, comment="keep-alive")
                    continue
                message = await _to_message(item, event_name, render)  # type: ignore[arg-type]
                if message is not None:
                    yield message
        finally:
            with anyio.CancelScope(shield=True), suppress(Exception):
                await self.plugin.unsubscribe(subscriber, wire)


async def _to_message(
    raw: bytes, event_name: str, render: Callable[[dict[str, Any]], str | Awaitable[str]] | None
) -> ServerSentEventMessage | None:
    try:
        envelope = _envelope_decoder.decode(raw)
    except msgspec.DecodeError:
        log.warning("dropping an undecodable real-time message")
        return None
    data = envelope.get("d") or {}
    if render is not None:
        try:
            body = render(data)
            if asyncio.iscoroutine(body) or isinstance(body, Awaitable):
                body = await body
        except Exception:
            log.exception("rendering a real-time event failed")
            return None
    elif envelope.get("h") is not None:
        body = envelope["h"]
    else:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return ServerSentEventMessage(event=envelope.get("e") or event_name, data=str(body))


def hub(target: Any) -> Realtime:
    """The Realtime hub of an app, from its AppState, a RequestContext, a Request or the Litestar app."""
    if isinstance(target, Realtime):
        return target
    found = getattr(target, "realtime", None)
    if isinstance(found, Realtime):
        return found
    app_state = getattr(target, "app", None)  # RequestContext.app is the AppState
    found = getattr(app_state, "realtime", None)
    if isinstance(found, Realtime):
        return found
    state = getattr(getattr(target, "app", target), "state", None)  # Request.app / Litestar app
    townhall = getattr(state, "townhall", None) if state is not None else None
    found = getattr(townhall, "realtime", None)
    if isinstance(found, Realtime):
        return found
    raise TypeError(f"no Townhall real-time hub reachable from {type(target).__name__}")


async def publish(
    app_state_or_request: Any, channel: str, data: dict[str, Any], *, event: str | None = None, html: str | None = None
) -> bool:
    """Publish ``data`` (JSON-able dict) on a tenant channel; returns False if real time is unreachable.

    ``event`` overrides the SSE event name the stream uses; ``html`` is sent as the event's data instead of the
    JSON (for ``sse-swap`` targets; render it in a language-neutral way or use ``sse_response(render=...)``).
    """
    try:
        target = hub(app_state_or_request)
    except TypeError:
        log.warning("no real-time hub: event for %s not sent", channel)
        return False
    return await target.publish(channel, data, event=event, html=html)


async def notify_user(app_state: Any, tenant_id: int, user_id: int, payload: dict[str, Any]) -> bool:
    """Tell one user's open pages (``GET /events/notifications``) that something arrived for them."""
    return await publish(app_state, user_channel(tenant_id, user_id), payload)


def sse_response(
    request: Any,
    channel: str,
    *,
    event_name: str,
    render: Callable[[dict[str, Any]], str | Awaitable[str]] | None = None,
    keepalive: float | None = None,
    headers: dict[str, str] | None = None,
    on_close: Callable[[], Any] | None = None,
) -> ServerSentEvent:
    """A ``text/event-stream`` response streaming ``channel`` to this request (htmx SSE extension format).

    The channel must belong to the request's tenant (``tenant_channel(ctx.tenant_id, ...)``), and a user channel
    to the signed-in user. ``render(data)`` may turn each event's JSON into HTML in the viewer's language; it runs
    after the request's database session has committed, so it must not use ``ctx.session``.
    """
    from core.context import request_context

    if not _EVENT_RE.match(event_name or ""):
        raise ChannelError(f"invalid event name {event_name!r}")
    ctx = request_context(request)
    if ctx.tenant is None or channel_tenant(channel) != ctx.tenant.id:
        raise PermissionDeniedException("channel of another municipality")
    rest = channel.split(":", 2)[2]
    if rest.split(":", 1)[0] == "user" and (ctx.user is None or rest != f"user:{ctx.user.id}"):
        raise PermissionDeniedException("private channel of another user")
    stream = hub(ctx.app).events(channel, event_name=event_name, render=render, keepalive=keepalive, on_close=on_close)
    return ServerSentEvent(stream, headers={"Cache-Control": "no-store", **(headers or {})})
