"""Server-sent event streams of the core: the signed-in user's notifications."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Response, ServerSentEvent

from core.context import Ctx
from core.i18n import gettext as _
from core.realtime import sse_response, user_channel


@get("/events/notifications", cache=False)
async def notification_events(request: Request, ctx: Ctx) -> ServerSentEvent | Response[str]:
    """``event: notification`` with the JSON payload given to ``core.realtime.notify_user``, for this user only.

    Answers 401 (not the usual redirect to the sign-in page: an EventSource cannot follow it) when nobody is signed in.
    """
    if ctx.user is None:
        return Response(_("Please sign in"), status_code=401, media_type="text/plain")
    return sse_response(request, user_channel(ctx.tenant_id, ctx.user.id), event_name="notification")


routes = [notification_events]
