"""WeChat failures with stable codes. `retryable` tells the caller (the outbox, later) whether
sending again later may succeed: a rate limit or an outage may, a closed window or a bad
openid never does."""

from __future__ import annotations

from omniloop.core.errors import ApplicationError, PermissionDenied

# WeChat's access-token errors: invalid credential, invalid token, expired token.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RATE_LIMIT_ERRCODES = frozenset({45009, 45047})
BUSY_ERRCODES = frozenset({-1})
WINDOW_ERRCODES = frozenset({45015})
NOT_FOLLOWING_ERRCODES = frozenset({43004})
SUBSCRIPTION_REFUSED_ERRCODES = frozenset({43101})  # the user refused or cancelled the template


class CallbackRefused(PermissionDenied):
    """A callback that is not provably WeChat's, or not fresh: 403, nothing written."""

    code = "wechat_signature_invalid"


class CallbackMalformed(ApplicationError):
    status = 400
    code = "wechat_message_invalid"


class WechatNotConfigured(ApplicationError):
    status = 503
    code = "wechat_not_configured"


class WechatApiError(ApplicationError):
    """WeChat answered with an error code we do not retry."""

    status = 502
    code = "wechat_api_error"
    retryable = False

    def __init__(self, message: str, *, errcode: int | None = None, code: str | None = None):
        super().__init__(message, code=code, extra={"errcode": errcode})
        self.errcode = errcode


class WechatRetryable(WechatApiError):
    """A rate limit (45009), WeChat busy (-1) or no answer: try again later."""

    status = 503
    code = "wechat_unavailable"
    retryable = True


class WechatWindowClosed(WechatApiError):
    status = 409
    code = "wechat_window_closed"


class WechatNotFollowing(WechatApiError):
    status = 409
    code = "wechat_not_following"


class WechatSubscriptionRefused(WechatApiError):
    """The user holds no accepted subscription for the template (our check, or WeChat's 43101):
    not retried; the subscription is marked withdrawn."""

    status = 409
    code = "wechat_sub_refused"


def error_for(errcode: int | None, errmsg: str) -> WechatApiError:
    """Our error for one of WeChat's error codes (token errors are handled before this)."""
    if errcode in RATE_LIMIT_ERRCODES:
        return WechatRetryable(
            f"WeChat rate limit ({errcode}).", errcode=errcode, code="wechat_rate_limited"
        )
    if errcode in BUSY_ERRCODES or errcode is None:
        return WechatRetryable(f"WeChat is unavailable ({errmsg}).", errcode=errcode)
    if errcode in WINDOW_ERRCODES:
        return WechatWindowClosed("The 48-hour customer-service window is closed.", errcode=errcode)
    if errcode in NOT_FOLLOWING_ERRCODES:
        return WechatNotFollowing("The user does not follow the account.", errcode=errcode)
    if errcode in SUBSCRIPTION_REFUSED_ERRCODES:
        return WechatSubscriptionRefused(
            "The user refused or cancelled this subscription notice.", errcode=errcode
        )
    if errcode in TOKEN_ERRCODES:
        return WechatRetryable(
            "WeChat refused a fresh access token.", errcode=errcode, code="wechat_token_invalid"
        )
    return WechatApiError(f"WeChat error {errcode}: {errmsg}"[:200], errcode=errcode)
