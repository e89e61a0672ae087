"""Play a scripted telephone call against the voice endpoint and print what the caller hears.

Anyone can try the voice channel without a telephony stack: this client plays the ASR
gateway's part (README "Voice"), from a YAML script::

    caller: "13800005678"        # optional; called too
    steps:
      - say: 我想查电费          # a recognition result; confidence 0.9 unless given,
        confidence: 0.91         # alternatives: [{text, confidence}] for the n-best list
      - keys: "3300000001#"      # DTMF
      - silence                  # no input
      - no_match                 # speech nobody could recognise
      - barge_in                 # the caller talks over the prompt
      - hangup

    python -m scripts.voice_call scripts/voice_calls/bill_by_keypad.yml [--url http://127.0.0.1:8000]
        [--token …] [--wav-dir DIR]

Each prompt is printed as "系统：…", each caller step as "来电者：…", actions in
brackets.  With ``--wav-dir`` and espeak-ng installed (Debian package ``espeak-ng``),
each prompt is also rendered to DIR/NN.wav.  Exit status 1 when the endpoint refuses
a request (its error body is printed).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from services.masking import mask_mobile
from services.settings import get_settings

DEFAULT_CONFIDENCE = 0.9
EXPECT_WORDS = {"speech": "语音", "dtmf": "按键", "speech_or_dtmf": "语音或按键", "none": "不再等待输入"}


class CallRefused(Exception):
    """The endpoint answered a request with an error body."""


def event_of(step: Any) -> tuple[dict, str]:
    """A script step → (the event to post, how the caller's side is printed)."""
    if isinstance(step, str):
        step = {step: True}
    if "say" in step:
        best = {"text": str(step["say"]), "confidence": float(step.get("confidence", DEFAULT_CONFIDENCE))}
        hypotheses = [best, *step.get("alternatives", [])]
        return ({"type": "recognition", "completion_cause": "000", "hypotheses": hypotheses},
                f"来电者：{best['text']}（置信度{best['confidence']:.2f}）")
    if "keys" in step:
        return {"type": "dtmf", "digits": str(step["keys"])}, f"来电者：（按键）{step['keys']}"
    kinds = {"silence": ("no_input", "来电者：（没有说话）"), "no_match": ("no_match", "来电者：（听不清的话）"),
             "barge_in": ("barge_in", "来电者：（打断了提示音）"), "hangup": ("hangup", "来电者：（挂机）")}
    for name, (kind, shown) in kinds.items():
        if name in step:
            return {"type": kind}, shown
    raise ValueError(f"unknown step: {step!r}")


def describe(reply: dict) -> list[str]:
    """What the caller hears and what the gateway is told to do next."""
    lines = [f"系统：{reply['speak']['text']}"] if reply.get("speak") else []
    for action in reply.get("actions", []):
        if action["type"] == "transfer":
            lines.append(f"  [动作：转人工（{action['queue']}）；摘要：{action['summary']}]")
        else:
            lines.append(f"  [动作：挂机（{action['reason']}）]")
    expect = reply["expect"]
    wait = EXPECT_WORDS[expect["mode"]]
    if expect.get("dtmf"):
        dtmf = expect["dtmf"]
        wait += f"，最多{dtmf['max_digits']}位" + (f"，{dtmf['terminator']}结束" if dtmf.get("terminator") else "")
    lines.append(f"  [等待：{wait}]")
    return lines


def post(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    if response.status_code >= 400:
        raise CallRefused(f"{response.status_code} {response.text}")
    return response.json()


def speak_to_wav(text: str, path: Path) -> None:
    subprocess.run(["espeak-ng", "-v", "cmn", "-w", str(path), text], check=True, capture_output=True)


def play(script: dict, client: httpx.Client, wav_dir: Path | None = None) -> list[str]:
    """Play the script; returns (and prints) the transcript."""
    call_id = script.get("call_id") or f"demo-{uuid.uuid4().hex[:12]}"
    transcript: list[str] = []

    def show(reply: dict) -> None:
        for line in describe(reply):
            print(line, flush=True)
            transcript.append(line)
        if wav_dir is not None and reply.get("speak"):
            speak_to_wav(reply["speak"]["text"], wav_dir / f"{len(list(wav_dir.glob('*.wav'))):02d}.wav")

    opening = f"☎ 来电 {mask_mobile(script.get('caller')) or '未知号码'} → {script.get('called') or '未知'}（通话 {call_id}）"
    print(opening, flush=True)
    transcript.append(opening)
    show(post(client, "/api/v1/voice/calls",
              {"call_id": call_id, "caller": script.get("caller"), "called": script.get("called")}))
    for step in script.get("steps", []):
        event, shown = event_of(step)
        print(shown, flush=True)
        transcript.append(shown)
        reply = post(client, f"/api/v1/voice/calls/{call_id}/events", event)
        show(reply)
        if reply["state"] == "ended":
            break
    return transcript


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", type=Path)
    parser.add_argument("--url", default=f"http://{settings.gateway_host}:{settings.gateway_port}")
    parser.add_argument("--token", default=settings.voice_gateway_token, help="the voice gateway's bearer secret")
    parser.add_argument("--wav-dir", type=Path, help="render each prompt to a WAV file here (needs espeak-ng)")
    args = parser.parse_args(argv)
    if args.wav_dir is not None:
        if shutil.which("espeak-ng") is None:
            parser.error("--wav-dir needs espeak-ng (apt-get install espeak-ng)")
        args.wav_dir.mkdir(parents=True, exist_ok=True)
    script = yaml.safe_load(args.script.read_text(encoding="utf-8"))
    with httpx.Client(base_url=args.url, timeout=120, headers={"Authorization": f"Bearer {args.token}"}) as client:
        try:
            play(script, client, args.wav_dir)
        except CallRefused as exc:
            print(f"the voice endpoint refused a request: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
