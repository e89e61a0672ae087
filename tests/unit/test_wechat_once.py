"""A stopping gateway lets the WeChat answers still running finish (their replies go
to the outbox instead of being lost), but does not wait forever."""
from __future__ import annotations

import asyncio

from api.wechat import once


def running(coroutine) -> asyncio.Task:
    task = asyncio.create_task(coroutine)
    once._running.add(task)
    task.add_done_callback(once._running.discard)
    return task


async def test_stopping_waits_for_the_answers_still_running() -> None:
    finished: list[str] = []

    async def answer(name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        finished.append(name)

    running(answer("slow", 0.3))
    running(answer("quick", 0.05))
    await once.finish_running(timeout_s=10)
    assert sorted(finished) == ["quick", "slow"] and not once._running


async def test_stopping_gives_up_on_an_answer_that_hangs() -> None:
    hung = running(asyncio.sleep(3600))
    await once.finish_running(timeout_s=0.1)
    assert not hung.done()
    hung.cancel()
