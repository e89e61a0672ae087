"""The handoff's errors, each with its HTTP status, English and Chinese (see handoff/API.md)."""
from __future__ import annotations

from services.errors import Conflict, NotFound, ServiceError


class BadCredentials(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("bad_credentials", "Wrong user name or password.", "用户名或密码错误。")


class LoginLocked(ServiceError):
    status_code = 429

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("too_many_attempts", "Too many failed log-ins; try again later.",
                         "登录失败次数过多，请稍后再试。")
        self.retry_after_s = retry_after_s


class Forbidden(ServiceError):
    status_code = 403


def not_found(what: str) -> NotFound:
    names = {"handoff": "会话", "agent": "坐席", "canned_reply": "快捷回复", "complaint": "投诉单",
             "callback": "回电任务"}
    return NotFound(f"{what}_not_found", f"No such {what.replace('_', ' ')}.", f"找不到该{names[what]}。")


def conflict(code: str) -> Conflict:
    messages = {
        "already_assigned": ("Another agent has taken this conversation.", "该会话已由其他坐席接入。"),
        "not_open": ("This handoff is no longer open.", "该会话已结束。"),
        "capacity_full": ("The agent already has as many conversations as their capacity.", "坐席同时接待的会话已满。"),
        "agent_exists": ("That user name is taken.", "该用户名已存在。"),
        "not_verified": ("The customer has not been verified in this conversation.", "该客户尚未在本次会话中完成身份验证。"),
    }
    english, chinese = messages[code]
    return Conflict(code, english, chinese)
