"""Everything a resident does with their account: register, confirm, sign in and out, reset, profile, data, delete.

Decisions worth knowing:

- Nothing here reveals whether an address has an account. Registering with a known address shows the same
  "check your mail" page (and spends the same Argon2 time) while the owner gets a notice; asking for a reset link
  answers the same whether or not the address is known.
- Unconfirmed accounts may sign in: they see a banner asking them to confirm, with a button that mails a new link.
  Confirmation proves the mailbox only; "verified" (see core.verification) is a separate, municipal check.
- Login counts FAILED attempts per client IP and per address (shared through the database); once either bucket is
  full, even the right password is refused with 429 until the window passes. Reset requests and registrations count
  every request (each sends a mail). Re-entering the current password (password, address, deletion) counts failures
  per account, so a stolen session cannot be used to guess the password.
- Mails are composed in the recipient's language and sent after the response, i.e. after the transaction committed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import accounts as svc
from core.accounts import AccountError
from core.context import Ctx, RequestContext
from core.db.base import utcnow
from core.i18n import format_date, lazy_gettext
from core.i18n import gettext as _
from core.mail import Letter, recipient_language, send_letters
from core.models import Area, AuditEntry, Notification, ProjectModerator, User
from core.multiloc import pick
from core.notifications import describe
from core.passwords import hash_password, verify_password
from core.web.forms import Form, FormErrors, invalid, read_form
from core.web.guards import signed_in
from core.web.render import is_htmx, redirect, render
from core.web.return_paths import same_origin_path

MAX_EMAIL_LENGTH = 320
MAX_NAME_LENGTH = 120
MAX_PASSWORD_LENGTH = 1024

MESSAGES: dict[str, Any] = {
    "invalid_email": lazy_gettext("Enter a valid email address."),
    "password_too_short": lazy_gettext("Choose a password of at least 10 characters."),
    "invalid_password": lazy_gettext("That password cannot be used (too long or with invalid characters)."),
    "common_password": lazy_gettext(
        "This password is one of the most common ones, which attackers try first. Choose another one."
    ),
    "invalid_name": lazy_gettext("Enter a name of at most 120 characters."),
}


# ---------------------------------------------------------------------------------------------------------------
# helpers


def raw(form: Form, name: str) -> str:
    """A field exactly as typed (passwords are not stripped)."""
    value = form.as_dict().get(name, "")
    return value if isinstance(value, str) else ""


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def safe_next(raw_next: str | None) -> str:
    """Only a path on this site (see core.web.return_paths)."""
    return same_origin_path(raw_next)


def site_root(request: Request) -> str:
    """Absolute base for links in mails: the scheme and host this request came in on (a known tenant host)."""
    return f"{request.url.scheme}://{request.url.netloc}"


def mail_locale(ctx: RequestContext, wanted: str | None) -> str:
    tenant = ctx.tenant
    available = list(tenant.locales) if tenant is not None else ["en"]
    if wanted in available:
        return wanted  # type: ignore[return-value]
    return tenant.default_locale if tenant is not None else "en"


def mail_link(request: Request, locale: str, path: str) -> str:
    return f"{site_root(request)}/{locale}{path}"


def site_name(ctx: RequestContext, locale: str) -> str:
    tenant = ctx.tenant
    if tenant is None:
        return "Townhall"
    return pick(tenant.name, locale, tenant.default_locale).text or tenant.slug


def compose(ctx: RequestContext, to: str, locale: str, build: Callable[[str], tuple[str, str]]) -> Letter:
    """Run ``build(site_name)`` with the recipient's language active; it returns the translated subject and body."""
    with recipient_language(ctx.app.catalogs, locale):
        site = site_name(ctx, locale)
        subject, body = build(site)
        footer = _("This mail was sent by %(site)s.", site=site)
        return Letter(to=to, subject=subject, body=body + "\n\n-- \n" + footer + "\n")


def with_mail(response: Response, ctx: RequestContext, letters: list[Letter]) -> Response:
    if letters:
        response.background = BackgroundTask(send_letters, ctx.app.mailer, letters)
    return response


def too_many(request: Request, ctx: RequestContext, template: str, **context: Any) -> Response[str]:
    """A refusal whose counts must survive: the page is re-shown with 429 and a Retry-After."""
    ctx.commit_on_error = True
    errors = FormErrors()
    errors.add("_form", _("Too many attempts. Please wait a few minutes and try again."))
    window = ctx.app.settings.rate_limit_window_seconds
    return render(request, template, status_code=429, headers={"Retry-After": str(window)}, errors=errors, **context)


def settings_limit(ctx: RequestContext) -> tuple[int, int]:
    s = ctx.app.settings
    return s.login_rate_limit, s.rate_limit_window_seconds


def check_text(form: Form, name: str, errors: FormErrors, max_length: int, message: Any) -> str:
    value = raw(form, name)
    if "\x00" in value or len(value) > max_length:
        errors.add(name, message)
        return ""
    return value.strip()


def check_email_field(form: Form, name: str, errors: FormErrors) -> str:
    value = check_text(form, name, errors, MAX_EMAIL_LENGTH, MESSAGES["invalid_email"])
    if name in errors:
        return value
    if not value:
        errors.add(name, _("Enter your email address."))
        return ""
    try:
        return svc.normalise_email(value)
    except AccountError:
        errors.add(name, MESSAGES["invalid_email"])
        return value


def check_new_password(form: Form, name: str, confirm: str, errors: FormErrors) -> str:
    password = raw(form, name)
    try:
        svc.check_password(password)
    except AccountError as exc:
        errors.add(name, MESSAGES[exc.code])
        return ""
    if raw(form, confirm) != password:
        errors.add(confirm, _("The two passwords do not match."))
    return password


async def tenant_areas(ctx: RequestContext) -> list[Area]:
    return list((await ctx.session.scalars(select(Area).order_by(Area.position, Area.id))).all())


def area_options(ctx: RequestContext, areas: list[Area]) -> list[tuple[str, str]]:
    tenant = ctx.tenant
    default = tenant.default_locale if tenant is not None else "en"
    return [("", _("No area"))] + [(str(a.id), pick(a.name, ctx.locale, default).text) for a in areas]


def locale_options(ctx: RequestContext) -> list[tuple[str, str]]:
    from core.i18n import LOCALE_NAMES

    locales = list(ctx.tenant.locales) if ctx.tenant is not None else ["en"]
    return [(code, LOCALE_NAMES.get(code, code)) for code in locales]


def check_locale(ctx: RequestContext, form: Form, name: str, errors: FormErrors) -> str | None:
    value = form.get(name)
    if value in dict(locale_options(ctx)):
        return value
    errors.add(name, _("Choose one of the languages offered."))
    return None


def check_area(form: Form, name: str, areas: list[Area], errors: FormErrors) -> int | None:
    value = form.get(name)
    if value == "":
        return None
    area_id = form.int(name)
    if area_id is None or area_id not in {a.id for a in areas}:
        errors.add(name, _("Choose one of the areas offered."))
        return None
    return area_id


async def reauthenticate(ctx: RequestContext, user: User, password: str) -> bool | None:
    """True when the current password is right; False when wrong; None when too many wrong tries (429)."""
    limit, window = settings_limit(ctx)
    attempt = await svc.count_attempt(ctx.session, [svc.bucket("reauth", ctx.tenant_id, str(user.id))], limit, window)
    if attempt.over:
        return None
    if verify_password(user.password_hash, password):
        await svc.withdraw_attempt(ctx.session, attempt)
        return True
    ctx.commit_on_error = True
    return False


# ---------------------------------------------------------------------------------------------------------------
# registration and confirmation


async def register_context(ctx: RequestContext, values: dict[str, Any], next_path: str = "") -> dict[str, Any]:
    """``next`` is the page a visitor came from, kept for the "Already have an account? Sign in" link."""
    areas = await tenant_areas(ctx)
    return {
        "next": next_path,
        "values": values,
        "locale_options": locale_options(ctx),
        "area_options": area_options(ctx, areas),
        "areas": areas,
    }


@get("/register")
async def register_form(request: Request, ctx: Ctx) -> Response[str]:
    context = await register_context(ctx, {"locale": ctx.locale}, safe_next(request.query_params.get("next")))
    return render(request, "accounts/register.html", errors=FormErrors(), **context)


@post("/register")
async def register(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = FormErrors()
    context = await register_context(ctx, form.as_dict(), safe_next(form.get("next")))
    display_name = check_text(form, "display_name", errors, MAX_NAME_LENGTH, MESSAGES["invalid_name"])
    if "display_name" not in errors and not display_name:
        errors.add("display_name", _("Enter the name others will see."))
    email = check_email_field(form, "email", errors)
    password = check_new_password(form, "password", "password_confirm", errors)
    locale = check_locale(ctx, form, "locale", errors)
    area_id = check_area(form, "area_id", context["areas"], errors)
    if not form.flag("terms"):
        errors.add("terms", _("Please accept the terms of use to register."))
    context["values"].pop("password", None)
    context["values"].pop("password_confirm", None)
    if errors:
        return invalid(request, "accounts/register.html", errors, **context)

    limit, window = settings_limit(ctx)
    if await svc.rate_limited(ctx.session, [svc.bucket("register", ctx.tenant_id, client_ip(request))], limit, window):
        return too_many(request, ctx, "accounts/register.html", **context)

    letters: list[Letter] = []
    existing = await svc.user_by_email(ctx.session, email)
    user: User | None = None
    if existing is None:
        try:
            async with ctx.session.begin_nested():
                user = await svc.create_user(
                    ctx.session,
                    email=email,
                    password=password,
                    display_name=display_name,
                    locale=locale,
                    area_id=area_id,
                )
        except IntegrityError:  # registered a moment ago by a concurrent request
            existing = await svc.user_by_email(ctx.session, email)
    if user is not None:
        ctx.session.add(
            AuditEntry(
                actor_id=user.id,
                action="account.terms_accepted",
                target_type="user",
                target_id=user.id,
                data={"at": utcnow().isoformat()},
            )
        )
        token = await svc.issue_token(ctx.session, user, "confirm")
        loc = mail_locale(ctx, locale)
        # the page the visitor wanted to take part on rides along, to the "Sign in" link of the confirmed page
        back = "?" + urlencode({"next": context["next"]}) if context["next"] else ""
        letters.append(
            compose(
                ctx,
                email,
                loc,
                lambda site: (
                    _("Confirm your email address for %(site)s", site=site),
                    _(
                        "Hello %(name)s,\n\nPlease confirm your email address by opening this link:\n%(link)s\n\n"
                        "The link works once and expires in three days. If you did not register, ignore this mail.",
                        site=site,
                        name=display_name,
                        link=mail_link(request, loc, f"/confirm/{token}{back}"),
                    ),
                ),
            )
        )
    elif existing is not None:
        hash_password(password)  # the same Argon2 time as a new account, so timing tells nothing either
        loc = mail_locale(ctx, existing.locale)
        letters.append(
            compose(
                ctx,
                existing.email,
                loc,
                lambda site: (
                    _("Someone tried to register with your address at %(site)s", site=site),
                    _(
                        "Hello %(name)s,\n\nSomeone tried to register a new account at %(site)s with this "
                        "email address, "
                        "which already has an account. No new account was created.\n\n"
                        "If it was you, you can sign in, or reset your password here:\n%(link)s\n\n"
                        "If it was not you, you can ignore this mail.",
                        site=site,
                        name=existing.display_name,
                        link=mail_link(request, loc, "/reset"),
                    ),
                ),
            )
        )
    return with_mail(redirect(request, "/register/sent"), ctx, letters)


@get("/register/sent")
async def register_sent(request: Request) -> Response[str]:
    return render(request, "accounts/mail_sent.html", kind="register")


@get("/confirm/{token:str}")
async def confirm(request: Request, ctx: Ctx, token: FromPath[str]) -> Response[str]:
    pair = await svc.redeem_token(ctx.session, token, "confirm")
    if pair is None:
        return render(request, "accounts/link_invalid.html", status_code=400, kind="confirm")
    user, _token = pair
    await svc.confirm_email(ctx.session, user)
    next_path = safe_next(request.query_params.get("next"))
    # Registration is where the municipality's optional profile questions are first offered (always skippable).
    from core.demographics.service import questions

    asks_about = bool(await questions(ctx.session))
    return render(
        request, "accounts/done.html", kind="confirmed", email=user.email, next=next_path, asks_about=asks_about
    )


@post("/confirm/resend", guards=[signed_in])
async def resend_confirmation(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    if user.email_confirmed_at is not None:
        return redirect(request, "/account")
    limit, window = settings_limit(ctx)
    if await svc.rate_limited(ctx.session, [svc.bucket("resend", ctx.tenant_id, str(user.id))], limit, window):
        ctx.commit_on_error = True
        from core.web.errors import UserFacingError

        raise UserFacingError(detail=_("Too many attempts. Please wait a few minutes and try again."), status_code=429)
    token = await svc.issue_token(ctx.session, user, "confirm")
    loc = mail_locale(ctx, user.locale)
    letter = compose(
        ctx,
        user.email,
        loc,
        lambda site: (
            _("Confirm your email address for %(site)s", site=site),
            _(
                "Hello %(name)s,\n\nPlease confirm your email address by opening this link:\n%(link)s\n\n"
                "The link works once and expires in three days. If you did not register, ignore this mail.",
                site=site,
                name=user.display_name,
                link=mail_link(request, loc, f"/confirm/{token}"),
            ),
        ),
    )
    return with_mail(redirect(request, "/account?notice=confirmation_sent"), ctx, [letter])


# ---------------------------------------------------------------------------------------------------------------
# signing in and out


@get("/login")
async def login_form(request: Request) -> Response[str]:
    values = {"next": safe_next(request.query_params.get("next"))}
    return render(request, "accounts/login.html", errors=FormErrors(), values=values)


@post("/login")
async def login(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = FormErrors()
    email = check_email_field(form, "email", errors)
    password = raw(form, "password")
    if not password:
        errors.add("password", _("Enter your password."))
    elif len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        errors.add("password", MESSAGES["invalid_password"])
    values = {"email": form.get("email")[:MAX_EMAIL_LENGTH], "next": safe_next(form.get("next"))}
    if errors:
        return invalid(request, "accounts/login.html", errors, values=values)

    limit, window = settings_limit(ctx)
    buckets = [svc.bucket("login-ip", ctx.tenant_id, client_ip(request)), svc.bucket("login", ctx.tenant_id, email)]
    attempt = await svc.count_attempt(ctx.session, buckets, limit, window)  # counted before the password is checked
    if attempt.over:
        return too_many(request, ctx, "accounts/login.html", values=values)
    user = await svc.authenticate(ctx.session, email, password)
    if user is None:
        ctx.commit_on_error = True
        errors.add("_form", _("Email or password is wrong."))
        return render(request, "accounts/login.html", status_code=401, errors=errors, values=values)
    await svc.withdraw_attempt(ctx.session, attempt)
    if svc.sign_in_blocked(user):
        until = format_date(user.banned_until, ctx.tenant.timezone, ctx.locale)  # type: ignore[arg-type,union-attr]
        errors.add("_form", _("Your account is suspended until %(date)s. You cannot sign in before then.", date=until))
        return render(request, "accounts/login.html", status_code=403, errors=errors, values=values)
    await ctx.sign_in(user)
    return redirect(request, values["next"] or await landing_page(ctx, user))


async def landing_page(ctx: RequestContext, user: User) -> str:
    """Where signing in without a ``next`` leads: the staff's work is in the back office (a project moderator's in
    its moderation queue, the one back-office page open to them), a resident's on the public site."""
    if user.role == "admin":
        return "/admin"
    moderates = await ctx.session.scalar(select(ProjectModerator.id).where(ProjectModerator.user_id == user.id))
    return "/admin/moderation" if moderates is not None else "/"


@post("/logout")
async def logout(request: Request, ctx: Ctx) -> Response[str]:
    await ctx.end_session()
    return redirect(request, "/?notice=signed_out")


# ---------------------------------------------------------------------------------------------------------------
# password reset


@get("/reset")
async def reset_form(request: Request) -> Response[str]:
    return render(request, "accounts/reset_request.html", errors=FormErrors(), values={})


@post("/reset")
async def reset_request(request: Request, ctx: Ctx) -> Response[str]:
    form = await read_form(request)
    errors = FormErrors()
    email = check_email_field(form, "email", errors)
    values = {"email": form.get("email")[:MAX_EMAIL_LENGTH]}
    if errors:
        return invalid(request, "accounts/reset_request.html", errors, values=values)
    limit, window = settings_limit(ctx)
    buckets = [svc.bucket("reset-ip", ctx.tenant_id, client_ip(request)), svc.bucket("reset", ctx.tenant_id, email)]
    if await svc.rate_limited(ctx.session, buckets, limit, window):
        return too_many(request, ctx, "accounts/reset_request.html", values=values)
    letters: list[Letter] = []
    user = await svc.user_by_email(ctx.session, email)
    if user is not None:
        token = await svc.issue_token(ctx.session, user, "reset")
        loc = mail_locale(ctx, user.locale)
        letters.append(
            compose(
                ctx,
                user.email,
                loc,
                lambda site: (
                    _("Reset your password for %(site)s", site=site),
                    _(
                        "Hello %(name)s,\n\nSomeone (we hope you) asked to reset the password of your account. "
                        "Choose a new password here:\n%(link)s\n\n"
                        "The link works once and expires in two hours. If you did not ask for it, ignore this mail: "
                        "your password stays as it is.",
                        site=site,
                        name=user.display_name,
                        link=mail_link(request, loc, f"/reset/{token}"),
                    ),
                ),
            )
        )
    return with_mail(redirect(request, "/reset/sent"), ctx, letters)


@get("/reset/sent")
async def reset_sent(request: Request) -> Response[str]:
    return render(request, "accounts/mail_sent.html", kind="reset")


@get("/reset/{token:str}")
async def reset_password_form(request: Request, ctx: Ctx, token: FromPath[str]) -> Response[str]:
    if await svc.find_token(ctx.session, token, "reset") is None:
        return render(request, "accounts/link_invalid.html", status_code=400, kind="reset")
    return render(request, "accounts/reset_password.html", errors=FormErrors(), token=token)


@post("/reset/{token:str}")
async def reset_password(request: Request, ctx: Ctx, token: FromPath[str]) -> Response[str]:
    form = await read_form(request)
    if await svc.find_token(ctx.session, token, "reset") is None:
        return render(request, "accounts/link_invalid.html", status_code=400, kind="reset")
    errors = FormErrors()
    password = check_new_password(form, "password", "password_confirm", errors)
    if errors:
        return invalid(request, "accounts/reset_password.html", errors, token=token)
    pair = await svc.redeem_token(ctx.session, token, "reset")
    if pair is None:
        return render(request, "accounts/link_invalid.html", status_code=400, kind="reset")
    user, _found = pair
    await svc.set_password(ctx.session, user, password)
    await svc.spend_tokens(ctx.session, user, "reset")
    if user.email_confirmed_at is None:  # the link reached the mailbox, which proves it
        await svc.confirm_email(ctx.session, user)
    await ctx.sign_in(user)
    letter = password_changed_letter(ctx, request, user)
    return with_mail(redirect(request, "/account?notice=password_reset"), ctx, [letter])


def password_changed_letter(ctx: RequestContext, request: Request, user: User) -> Letter:
    loc = mail_locale(ctx, user.locale)
    return compose(
        ctx,
        user.email,
        loc,
        lambda site: (
            _("Your password for %(site)s was changed", site=site),
            _(
                "Hello %(name)s,\n\nThe password of your account was just changed and every other device was "
                "signed out.\n\n"
                "If you did not do this, reset your password right away:\n%(link)s",
                site=site,
                name=user.display_name,
                link=mail_link(request, loc, "/reset"),
            ),
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# the account page


async def account_context(ctx: RequestContext, **extra: Any) -> dict[str, Any]:
    user = ctx.user
    assert user is not None
    areas = await tenant_areas(ctx)
    prefs = svc.notification_prefs(user)
    values = {
        "display_name": user.display_name,
        "locale": user.locale or "",
        "area_id": str(user.area_id) if user.area_id else "",
        "email_notifications": prefs["email"],
        "digest": prefs["digest"],
    }
    return {
        "values": values,
        "areas": areas,
        "area_options": area_options(ctx, areas),
        "locale_options": locale_options(ctx),
        "digest_options": [
            ("off", _("No summary: mail each notification at once")),
            ("daily", _("A daily summary")),
            ("weekly", _("A weekly summary")),
        ],
        "errors": FormErrors(),
        "saved": False,
        "errors_in": "",
        **extra,
    }


@get("/account", guards=[signed_in])
async def account_page(request: Request, ctx: Ctx) -> Response[str]:
    return render(request, "accounts/account.html", **await account_context(ctx))


@post("/account/profile", guards=[signed_in])
async def update_profile(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    form = await read_form(request)
    errors = FormErrors()
    context = await account_context(ctx)
    display_name = check_text(form, "display_name", errors, MAX_NAME_LENGTH, MESSAGES["invalid_name"])
    if "display_name" not in errors and not display_name:
        errors.add("display_name", _("Enter the name others will see."))
    locale = check_locale(ctx, form, "locale", errors)
    area_id = check_area(form, "area_id", context["areas"], errors)
    digest = form.get("digest")
    if digest not in svc.DIGEST_CHOICES:
        errors.add("digest", _("Choose how often you want a digest."))
    context["values"].update(
        display_name=form.get("display_name")[:MAX_NAME_LENGTH] if "\x00" not in form.get("display_name") else "",
        locale=form.get("locale"),
        area_id=form.get("area_id"),
        email_notifications=form.flag("email_notifications"),
        digest=digest,
    )
    if errors:
        context["errors_in"] = "profile"
        return invalid(
            request,
            "accounts/account.html",
            errors,
            fragment="accounts/_profile.html",
            **{k: v for k, v in context.items() if k != "errors"},
        )
    user.display_name = display_name
    user.locale = locale
    user.area_id = area_id
    svc.store_notification_prefs(user, email=form.flag("email_notifications"), digest=digest)
    await ctx.session.flush()
    if is_htmx(request):
        context["saved"] = True
        return render(request, "accounts/_profile.html", **context)
    return redirect(request, "/account?notice=profile_saved")


@post("/account/password", guards=[signed_in])
async def change_password(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    form = await read_form(request)
    errors = FormErrors()
    current = raw(form, "current_password")
    password = check_new_password(form, "new_password", "new_password_confirm", errors)
    if not current:
        errors.add("current_password", _("Enter your current password."))
    context = await account_context(ctx)
    if errors:
        return invalid(request, "accounts/account.html", errors, **{k: v for k, v in context.items() if k != "errors"})
    ok = await reauthenticate(ctx, user, current)
    if ok is None:
        return too_many(request, ctx, "accounts/account.html", **{k: v for k, v in context.items() if k != "errors"})
    if not ok:
        errors.add("current_password", _("Your current password is wrong."))
        return invalid(request, "accounts/account.html", errors, **{k: v for k, v in context.items() if k != "errors"})
    await svc.set_password(ctx.session, user, password)
    await ctx.sign_in(user)
    letter = password_changed_letter(ctx, request, user)
    return with_mail(redirect(request, "/account?notice=password_changed"), ctx, [letter])


@post("/account/email", guards=[signed_in])
async def change_email(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    form = await read_form(request)
    errors = FormErrors()
    new_email = check_email_field(form, "new_email", errors)
    current = raw(form, "email_password")
    if not current:
        errors.add("email_password", _("Enter your current password."))
    if "new_email" not in errors and new_email == user.email:
        errors.add("new_email", _("That is already your address."))
    context = await account_context(ctx)
    context["values"]["new_email"] = form.get("new_email")[:MAX_EMAIL_LENGTH]
    rest = {k: v for k, v in context.items() if k != "errors"}
    if errors:
        return invalid(request, "accounts/account.html", errors, **rest)
    ok = await reauthenticate(ctx, user, current)
    if ok is None:
        return too_many(request, ctx, "accounts/account.html", **rest)
    if not ok:
        errors.add("email_password", _("Your current password is wrong."))
        return invalid(request, "accounts/account.html", errors, **rest)
    limit, window = settings_limit(ctx)
    if await svc.rate_limited(ctx.session, [svc.bucket("email-change", ctx.tenant_id, str(user.id))], limit, window):
        return too_many(request, ctx, "accounts/account.html", **rest)

    letters: list[Letter] = []
    loc = mail_locale(ctx, user.locale)
    taken = await svc.user_by_email(ctx.session, new_email)
    if taken is None:
        token = await svc.issue_token(ctx.session, user, "email", payload=new_email)
        letters.append(
            compose(
                ctx,
                new_email,
                loc,
                lambda site: (
                    _("Confirm your new email address for %(site)s", site=site),
                    _(
                        "Hello %(name)s,\n\nYou asked to use this address for your account. Open this link to "
                        "confirm it:\n"
                        "%(link)s\n\nThe link works once and expires in one day. Until then your old address "
                        "stays in use.",
                        site=site,
                        name=user.display_name,
                        link=mail_link(request, loc, f"/account/email/{token}"),
                    ),
                ),
            )
        )
    else:  # same answer to the requester; the address's owner is told instead
        other_loc = mail_locale(ctx, taken.locale)
        letters.append(
            compose(
                ctx,
                new_email,
                other_loc,
                lambda site: (
                    _("Someone tried to use your address at %(site)s", site=site),
                    _(
                        "Hello %(name)s,\n\nAnother account at %(site)s asked to switch to this email address, which "
                        "already belongs to your account. Nothing was changed.\n\nIf this worries you, you can "
                        "reset your "
                        "password here:\n%(link)s",
                        site=site,
                        name=taken.display_name,
                        link=mail_link(request, other_loc, "/reset"),
                    ),
                ),
            )
        )
    letters.append(
        compose(
            ctx,
            user.email,
            loc,
            lambda site: (
                _("A change of your email address at %(site)s was requested", site=site),
                _(
                    "Hello %(name)s,\n\nSomeone signed in to your account asked to change its email address to "
                    "%(new)s. "
                    "The change only happens once the link sent to that address is opened.\n\n"
                    "If this was not you, change your password right away:\n%(link)s",
                    site=site,
                    name=user.display_name,
                    new=new_email,
                    link=mail_link(request, loc, "/reset"),
                ),
            ),
        )
    )
    return with_mail(redirect(request, "/account?notice=email_change_sent"), ctx, letters)


@get("/account/email/{token:str}")
async def confirm_email_change(request: Request, ctx: Ctx, token: FromPath[str]) -> Response[str]:
    pair = await svc.redeem_token(ctx.session, token, "email")
    if pair is None or not pair[1].payload:
        return render(request, "accounts/link_invalid.html", status_code=400, kind="email")
    user, found = pair
    old = user.email
    try:
        async with ctx.session.begin_nested():
            changed = await svc.apply_email_change(ctx.session, user, found.payload or "")
    except (IntegrityError, AccountError):
        changed = False
    if not changed:
        return render(request, "accounts/link_invalid.html", status_code=409, kind="email_taken")
    ctx.session.add(AuditEntry(actor_id=user.id, action="account.email_changed", target_type="user", target_id=user.id))
    loc = mail_locale(ctx, user.locale)
    letter = compose(
        ctx,
        old,
        loc,
        lambda site: (
            _("Your email address at %(site)s was changed", site=site),
            _(
                "Hello %(name)s,\n\nYour account now uses the address %(new)s. This address will no longer "
                "receive mail "
                "about it.",
                site=site,
                name=user.display_name,
                new=user.email,
            ),
        ),
    )
    return with_mail(render(request, "accounts/done.html", kind="email_changed", email=user.email), ctx, [letter])


@get("/account/data", guards=[signed_in])
async def export_data(ctx: Ctx) -> Response[bytes]:
    user = ctx.user
    assert user is not None
    data = await svc.export_user_data(ctx.session, user, ctx.app.pm)
    body = msgspec.json.format(msgspec.json.encode(data), indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="townhall-account-{user.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@post("/account/delete", guards=[signed_in])
async def delete_account(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    form = await read_form(request)
    errors = FormErrors()
    current = raw(form, "delete_password")
    context = await account_context(ctx)
    rest = {k: v for k, v in context.items() if k != "errors"}
    if not current:
        errors.add("delete_password", _("Enter your current password."))
        return invalid(request, "accounts/account.html", errors, **rest)
    ok = await reauthenticate(ctx, user, current)
    if ok is None:
        return too_many(request, ctx, "accounts/account.html", **rest)
    if not ok:
        errors.add("delete_password", _("Your current password is wrong."))
        return invalid(request, "accounts/account.html", errors, **rest)
    if await svc.is_last_admin(ctx.session, user):
        errors.add("delete_password", _("You are the only administrator. Appoint another one before leaving."))
        return invalid(request, "accounts/account.html", errors, **rest)
    loc = mail_locale(ctx, user.locale)
    letter = compose(
        ctx,
        user.email,
        loc,
        lambda site: (
            _("Your account at %(site)s was deleted", site=site),
            _(
                "Hello %(name)s,\n\nYour account and the data linked to it were deleted, as you asked. Thank "
                "you for taking "
                "part.",
                site=site,
                name=user.display_name,
            ),
        ),
    )
    await svc.delete_user(ctx.session, user, ctx.app.pm)
    await ctx.end_session()
    return with_mail(redirect(request, "/?notice=account_deleted"), ctx, [letter])


# ---------------------------------------------------------------------------------------------------------------
# in-app notifications

NOTIFICATIONS_SHOWN = 200


@get("/account/notifications", guards=[signed_in])
async def notifications_page(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    rows = (
        await ctx.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(NOTIFICATIONS_SHOWN)
        )
    ).all()
    unread = sum(1 for n in rows if n.read_at is None)
    return render(
        request, "accounts/notifications.html", notifications=rows, unread=unread, **notification_helpers(ctx)
    )


def notification_helpers(ctx: RequestContext) -> dict[str, Any]:
    default = ctx.tenant.default_locale if ctx.tenant is not None else "en"
    return {"link": notification_link, "describe": lambda n: describe(n, ctx.locale, default)}


def notification_link(notification: Notification) -> str | None:
    """Only links within the site are followed from a notification."""
    target = safe_next(notification.url)
    return target or None


@post("/account/notifications/{notification_id:int}/read", guards=[signed_in])
async def mark_read(request: Request, ctx: Ctx, notification_id: FromPath[int]) -> Response[str]:
    user = ctx.user
    assert user is not None
    found = await ctx.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if found is None:
        raise NotFoundException()
    if found.read_at is None:
        found.read_at = utcnow()
        await ctx.session.flush()
    if is_htmx(request):
        return render(request, "accounts/_notification.html", n=found, **notification_helpers(ctx))
    return redirect(request, "/account/notifications")


@post("/account/notifications/read-all", guards=[signed_in])
async def mark_all_read(request: Request, ctx: Ctx) -> Response[str]:
    user = ctx.user
    assert user is not None
    await ctx.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return redirect(request, "/account/notifications")


routes = [
    register_form,
    register,
    register_sent,
    confirm,
    resend_confirmation,
    login_form,
    login,
    logout,
    reset_form,
    reset_request,
    reset_sent,
    reset_password_form,
    reset_password,
    account_page,
    update_profile,
    change_password,
    change_email,
    confirm_email_change,
    export_data,
    delete_account,
    notifications_page,
    mark_read,
    mark_all_read,
]
