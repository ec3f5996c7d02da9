"""Rendering pages and HTMX fragments with the context every template can rely on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response
from markupsafe import Markup

from core import i18n, multiloc
from core.context import RequestContext, request_context
from core.csrf import token_for
from core.templating import PAGE_LINKS
from core.web.return_paths import is_same_origin_path, same_origin_path
from core.web.when import phase_when

HTML = "text/html"  # Litestar appends "; charset=utf-8" to text types itself
EASY_READ_COOKIE = "townhall_easy_read"  # "1": show easy-read variants of content (core/multiloc.py) where they exist


def csrf_token(request: Request) -> str:
    return token_for(request.scope)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def language_links(ctx: RequestContext) -> list[dict[str, Any]]:
    locales = list(ctx.tenant.locales) if ctx.tenant is not None else ["en"]
    return [
        {
            "code": code,
            "name": i18n.LOCALE_NAMES.get(code, code),
            "href": f"/{code}{ctx.path}",
            "current": code == ctx.locale,
        }
        for code in locales
    ]


NO_RETURN = ("/login", "/logout", "/register", "/reset", "/confirm")


def return_path(request: Request) -> str:
    """The page the visitor is looking at, to come back to after signing in ("" when there is none worth it).

    A fragment or a refused POST is not a page: htmx tells us the page (``HX-Current-URL``), a plain form post
    the ``Referer``; either only as a same-site path (core.web.return_paths). The account pages themselves are
    no destination, nor is the home page: signing in from there lands where the person's role works
    (``core.web.accounts.landing_page``).
    """
    if request.headers.get("hx-request") == "true" or request.method != "GET":
        seen = request.headers.get("hx-current-url") or request.headers.get("referer") or ""
        parts = urlsplit(seen)
        if parts.netloc and parts.netloc != request.headers.get("host"):
            return ""
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        query = request.scope.get("query_string", b"").decode("latin-1")
        raw = request_context(request).path + (f"?{query}" if query else "")
    path = same_origin_path(raw)
    return "" if path == "/" or path.split("?", 1)[0].startswith(NO_RETURN) else path


def sign_in_url(request: Request) -> str:
    """The login page, carrying ``next=`` the page shown when there is one."""
    here = return_path(request)
    login = request_context(request).url("/login")
    return login + ("?" + urlencode({"next": here}) if here else "")


def base_context(request: Request) -> dict[str, Any]:
    ctx = request_context(request)
    tenant = ctx.tenant
    default_locale = tenant.default_locale if tenant is not None else "en"
    tz = tenant.timezone if tenant is not None else "UTC"
    currency = tenant.currency if tenant is not None else "EUR"
    token = csrf_token(request)
    locale = ctx.locale
    links = {"url": ctx.url, "sign_in_url": sign_in_url(request)}
    PAGE_LINKS.set(links)
    easy = request.cookies.get(EASY_READ_COOKIE) == "1"
    query = request.scope.get("query_string", b"").decode("latin-1")
    # What the page holds is known only once its content is rendered (base.html renders the content block first):
    # ``ml`` notes an easy-read variant in the reader's language, so the page can offer or confirm easy read.
    easy_read = {"on": easy, "available": False, "next": ctx.path + (f"?{query}" if query else "")}

    def ml(value: dict | None) -> Markup:
        if not easy_read["available"] and multiloc.has_easy(value, locale):
            easy_read["available"] = True
        return multiloc.render(
            value,
            locale,
            default_locale,
            marker_label=i18n.gettext("in %(language)s"),
            easy=easy,
            easy_label=i18n.gettext("easy read"),
        )

    return {
        "ctx": ctx,
        "request": request,
        "tenant": tenant,
        "user": ctx.user,
        "locale": locale,
        "text_dir": "rtl" if i18n.is_rtl(locale) else "ltr",
        "csrf_token": token,
        "csrf_input": Markup('<input type="hidden" name="_csrf_token" value="{}">').format(token),
        "url": ctx.url,
        "path": ctx.path,
        "sign_in_url": links["sign_in_url"],
        "language_links": language_links(ctx),
        "is_htmx": is_htmx(request),
        "ml": ml,
        "ml_text": lambda value: multiloc.pick(value, locale, default_locale, easy=easy).text,
        "easy_read": easy_read,
        "fmt_datetime": lambda value, fmt="medium": i18n.format_datetime(value, tz, locale, fmt),
        "fmt_date": lambda value, fmt="long": i18n.format_date(value, tz, locale, fmt),
        "fmt_money": lambda minor: i18n.format_money(minor, currency, locale),
        "fmt_number": lambda value: i18n.format_number(value, locale),
        "fmt_percent": lambda value: i18n.format_percent(value, locale),
        "phase_when": lambda phase: phase_when(phase, tz),
        "htmx_config": Markup.escape(
            '{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"selfRequestsOnly":true,'
            '"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},'
            '{"code":"[45]..","swap":true,"error":true}]}'
        ),
    }


def render_html(request: Request, template: str, context: dict[str, Any]) -> str:
    env = request_context(request).app.templates
    return env.get_template(template).render({**base_context(request), **context})


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A full page, or its fragment when ``fragment=`` is given and the request comes from htmx."""
    fragment = context.pop("fragment", None)
    chosen = fragment if fragment and is_htmx(request) else template
    body = render_html(request, chosen, context)
    all_headers = {"Vary": "HX-Request", **(headers or {})}
    return Response(body, status_code=status_code, media_type=HTML, headers=all_headers)


def redirect(request: Request, path: str, *, status_code: int = 303) -> Response[str]:
    """Post/redirect/get that also works for htmx, which follows HX-Redirect instead of a 3xx.

    Only ever to a path of this site: anything else (a forgotten check upstream) goes to the home page.
    """
    target = request_context(request).url(path if is_same_origin_path(path) else "/")
    if is_htmx(request):
        return Response("", status_code=200, headers={"HX-Redirect": target})
    return Response("", status_code=status_code, headers={"Location": target})
