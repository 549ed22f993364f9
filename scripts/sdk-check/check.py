#!/usr/bin/env python3
"""The fake model APIs checked against the official SDKs.

Installs `anthropic`, `openai` and `google-genai` into a virtual environment, starts the
`fake-apis` binary and points each SDK at it (its `base_url`) for every response shape
the Rust tests use: whole and streamed responses, thinking/reasoning, tool calls and the
turn that answers them, usage, model lists, each API's error bodies, an error inside a
stream, a cut stream. Every check must parse the way the SDK parses the real service; a
fake that drifts from the real protocol fails here.

usage: check.py [--fake-apis PATH] [--venv DIR]
Exit status: 0 all passed, 1 a check failed, 3 the SDKs could not be installed (no
package index: skipped, with the reason printed).
"""

import argparse
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDKS = ["anthropic", "openai", "google-genai"]
MARKER = "TOOL-MARKER-42"
READ_FILE = {
    "type": "object",
    "properties": {"path": {"type": "string"}},
    "required": ["path"],
}


def ensure_venv(venv):
    """A venv with the SDKs; re-exec'd inside it. Returns only inside the venv."""
    python = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        return
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    try:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *SDKS],
            check=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"sdk-check: skipped: cannot install {', '.join(SDKS)} ({e})")
        sys.exit(3)
    os.execv(python, [python, *sys.argv])


def start_fake(binary):
    proc = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"sdk-check: fake-apis did not start (said {line!r})")
    return proc, line[len("listening on "):]


class Checks:
    def __init__(self):
        self.failed = []
        self.passed = 0

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.failed.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3)
        else:
            self.passed += 1
            print(f"ok   {name}")

    def cut(self, name, chunks):
        """`chunks` yields text; it must yield some, then raise (the connection dropped)."""

        def check():
            got = []
            try:
                for text in chunks():
                    got.append(text)
            except Exception:  # noqa: BLE001 - whichever error the SDK raises
                assert "".join(got), "nothing arrived before the cut"
                return
            raise AssertionError(f"the cut stream ended without an error after {got!r}")

        self.run(name, check)

    def raises(self, name, fn, *kinds, status=None):
        def check():
            try:
                fn()
            except kinds as e:
                got = getattr(e, "status_code", None) or getattr(e, "code", None)
                if status is not None and got != status:
                    raise AssertionError(f"status {got}, expected {status}: {e}")
                return
            raise AssertionError(f"no {' or '.join(k.__name__ for k in kinds)} raised")

        self.run(name, check)


def check_anthropic(c, url):
    import anthropic

    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=url, max_retries=0)
    ask = dict(max_tokens=1024, messages=[{"role": "user", "content": "diff --git a/x b/x"}])

    def whole():
        m = client.messages.create(model="claude-sonnet-4-5", **ask)
        assert m.content[0].type == "text" and "## Summary" in m.content[0].text, m
        assert m.usage.input_tokens > 0 and m.usage.cache_read_input_tokens > 0, m.usage
        assert m.stop_reason == "end_turn"

    def streamed():
        with client.messages.stream(model="claude-sonnet-4-5", **ask) as s:
            text = "".join(s.text_stream)
            final = s.get_final_message()
        assert "diff seen: yes" in text, text
        assert final.usage.output_tokens == 120, final.usage
        assert final.model == "claude-sonnet-4-5"

    def consolidator_answer():
        import json, re
        with client.messages.stream(model="claude-sonnet-4-5+consolidate", **ask) as s:
            text = "".join(s.text_stream)
        block = re.search(r"```json\n(.*)\n```", text, re.S)
        assert block, text
        assert json.loads(block.group(1))["deep_review_consolidator"] == 1, text

    def thinking():
        with client.messages.stream(model="claude-sonnet-4-5+thinking", **ask) as s:
            final = s.get_final_message()
        assert final.content[0].type == "thinking", final.content
        assert final.content[0].signature == "sig-fake-1"
        assert final.content[1].type == "text"

    def tools():
        tool = {"name": "read_file", "description": "Reads a file.", "input_schema": READ_FILE}
        messages = list(ask["messages"])
        with client.messages.stream(model="claude-sonnet-4-5+tools", tools=[tool], max_tokens=1024, messages=messages) as s:
            final = s.get_final_message()
        assert final.stop_reason == "tool_use", final
        use = [b for b in final.content if b.type == "tool_use"][0]
        assert use.name == "read_file" and use.input == {"path": "src/lib.rs"}, use
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in final.content]})
        messages.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": MARKER}]})
        with client.messages.stream(model="claude-sonnet-4-5+tools", tools=[tool], max_tokens=1024, messages=messages) as s:
            text = "".join(s.text_stream)
        assert MARKER in text, text

    def models():
        ids = [m.id for m in client.models.list()]
        assert "claude-sonnet-4-5" in ids, ids

    def in_stream_error():
        with client.messages.stream(model="claude-sonnet-4-5+stream-error", **ask) as s:
            for _ in s.text_stream:
                pass

    def cut():
        with client.messages.stream(model="claude-sonnet-4-5+cut", **ask) as s:
            yield from s.text_stream

    c.run("anthropic whole message", whole)
    c.run("anthropic stream", streamed)
    c.run("anthropic stream thinking", thinking)
    c.run("anthropic stream consolidator answer (JSON in text)", consolidator_answer)
    c.run("anthropic stream tool_use + tool_result", tools)
    c.run("anthropic models.list", models)
    create = lambda model: lambda: client.messages.create(model=model, **ask)  # noqa: E731
    c.raises("anthropic 401", create("x+bad-key"), anthropic.AuthenticationError, status=401)
    c.raises("anthropic 403", create("x+forbidden"), anthropic.PermissionDeniedError, status=403)
    c.raises("anthropic 404", create("x+missing-model"), anthropic.NotFoundError, status=404)
    c.raises("anthropic 400 too long", create("x+too-long"), anthropic.BadRequestError, status=400)
    c.raises("anthropic 429", create("x+rate-limited"), anthropic.RateLimitError, status=429)
    c.raises("anthropic 529", create("x+overloaded"), anthropic.APIStatusError, status=529)
    c.raises("anthropic error event in stream", in_stream_error, anthropic.APIStatusError)
    c.cut("anthropic cut stream", cut)


def check_openai(c, url):
    import openai

    client = openai.OpenAI(api_key="sk-test", base_url=url + "/v1", max_retries=0)

    def whole():
        r = client.responses.create(model="gpt-5", input="diff --git a/x b/x")
        assert "## Summary" in r.output_text, r
        assert r.usage.input_tokens_details.cached_tokens > 0, r.usage
        assert r.status == "completed"

    def streamed():
        kinds = []
        with client.responses.stream(model="gpt-5+thinking", input="diff --git a/x b/x", reasoning={"effort": "low"}) as s:
            for event in s:
                kinds.append(event.type)
            final = s.get_final_response()
        assert "response.output_text.delta" in kinds and kinds[-1] == "response.completed", kinds
        assert "diff seen: yes" in final.output_text
        assert final.usage.output_tokens_details.reasoning_tokens == 40, final.usage
        assert final.output[0].type == "reasoning" and final.output[0].encrypted_content == "enc-fake-1"

    def tools():
        tool = {"type": "function", "name": "read_file", "description": "Reads a file.", "parameters": READ_FILE, "strict": False}
        items = [{"role": "user", "content": [{"type": "input_text", "text": "review"}]}]
        with client.responses.stream(model="gpt-5+tools", input=items, tools=[tool], store=False) as s:
            final = s.get_final_response()
        calls = [i for i in final.output if i.type == "function_call"]
        assert calls and calls[0].name == "read_file" and calls[0].arguments == '{"path":"src/lib.rs"}', final.output
        items += [i.model_dump(exclude_none=True) for i in final.output]
        items.append({"type": "function_call_output", "call_id": calls[0].call_id, "output": MARKER})
        r = client.responses.create(model="gpt-5+tools", input=items, tools=[tool], store=False)
        assert MARKER in r.output_text, r.output_text

    def incomplete():
        with client.responses.stream(model="gpt-5+long", input="x") as s:
            kinds = [e.type for e in s]
        assert kinds[-1] == "response.incomplete", kinds

    def failed_event():
        stream = client.responses.create(model="gpt-5+stream-error", input="x", stream=True)
        kinds = [e.type for e in stream]
        assert kinds[-1] == "response.failed", kinds

    def cut():
        for event in client.responses.create(model="gpt-5+cut", input="x", stream=True):
            if event.type == "response.output_text.delta":
                yield event.delta

    def models():
        ids = [m.id for m in client.models.list()]
        assert "gpt-5" in ids, ids

    c.run("openai responses whole", whole)
    c.run("openai responses stream with reasoning", streamed)
    c.run("openai responses function_call + function_call_output", tools)
    c.run("openai responses incomplete", incomplete)
    c.run("openai responses response.failed event", failed_event)
    c.run("openai models.list", models)
    create = lambda model: lambda: client.responses.create(model=model, input="x")  # noqa: E731
    c.raises("openai 401", create("x+bad-key"), openai.AuthenticationError, status=401)
    c.raises("openai 403", create("x+forbidden"), openai.PermissionDeniedError, status=403)
    c.raises("openai 404", create("x+missing-model"), openai.NotFoundError, status=404)
    c.raises("openai 400 too long", create("x+too-long"), openai.BadRequestError, status=400)
    c.raises("openai 429", create("x+rate-limited"), openai.RateLimitError, status=429)
    c.raises("openai 503", create("x+overloaded"), openai.InternalServerError, status=503)
    c.cut("openai responses cut stream", cut)

    # Chat Completions: what OpenAI-compatible servers speak.
    def chat_whole():
        r = client.chat.completions.create(model="qwen2.5-coder:14b", messages=[{"role": "user", "content": "diff --git a/x b/x"}])
        assert "## Summary" in r.choices[0].message.content and r.choices[0].finish_reason == "stop", r
        assert r.usage.prompt_tokens_details.cached_tokens > 0, r.usage

    def chat_stream():
        text, usage, finish = "", None, None
        for chunk in client.chat.completions.create(
            model="qwen2.5-coder:14b", messages=[{"role": "user", "content": "x"}], stream=True, stream_options={"include_usage": True}
        ):
            if chunk.usage:
                usage = chunk.usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
        assert "## Summary" in text and finish == "stop" and usage.completion_tokens == 120, (text, usage)

    def chat_tools():
        tool = {"type": "function", "function": {"name": "read_file", "description": "Reads a file.", "parameters": READ_FILE}}
        messages = [{"role": "user", "content": "review"}]
        with client.chat.completions.stream(model="qwen+tools", messages=messages, tools=[tool]) as s:
            for _ in s:
                pass
            final = s.get_final_completion()
        message = final.choices[0].message
        call = message.tool_calls[0]
        assert call.function.name == "read_file" and call.function.arguments == '{"path":"src/lib.rs"}', message
        messages.append(message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": MARKER})
        r = client.chat.completions.create(model="qwen+tools", messages=messages, tools=[tool])
        assert MARKER in r.choices[0].message.content

    def chat_error_chunk():
        for _ in client.chat.completions.create(model="qwen+stream-error", messages=[{"role": "user", "content": "x"}], stream=True):
            pass

    c.run("chat completions whole", chat_whole)
    c.run("chat completions stream with usage", chat_stream)
    c.run("chat completions tool_calls + tool message", chat_tools)
    c.raises("chat completions error chunk", chat_error_chunk, openai.APIError)

    def chat_cut():
        for chunk in client.chat.completions.create(model="qwen+cut", messages=[{"role": "user", "content": "x"}], stream=True):
            for choice in chunk.choices:
                yield choice.delta.content or ""

    c.cut("chat completions cut stream", chat_cut)


def check_gemini(c, url):
    from google import genai
    from google.genai import errors, types

    client = genai.Client(api_key="gm-test", http_options=types.HttpOptions(base_url=url))

    def whole():
        r = client.models.generate_content(model="gemini-2.5-flash", contents="diff --git a/x b/x")
        assert "## Summary" in r.text, r
        assert r.usage_metadata.prompt_token_count > 0 and r.usage_metadata.cached_content_token_count > 0, r.usage_metadata

    def streamed():
        chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash+thinking", contents="diff --git a/x b/x"))
        first = chunks[0].candidates[0].content.parts[0]
        assert first.thought is True and first.thought_signature, first
        text = "".join(p.text for ch in chunks for p in ch.candidates[0].content.parts if p.text and not p.thought)
        assert "diff seen: yes" in text, text
        last = chunks[-1]
        assert last.candidates[0].finish_reason == types.FinishReason.STOP
        assert last.usage_metadata.thoughts_token_count == 40, last.usage_metadata

    def tools():
        tool = types.Tool(function_declarations=[types.FunctionDeclaration(name="read_file", description="Reads a file.", parameters_json_schema=READ_FILE)])
        config = types.GenerateContentConfig(tools=[tool], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
        contents = [types.Content(role="user", parts=[types.Part(text="review")])]
        chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash+tools", contents=contents, config=config))
        parts = [p for ch in chunks for p in ch.candidates[0].content.parts]
        calls = [p.function_call for p in parts if p.function_call]
        assert calls and calls[0].name == "read_file" and calls[0].args == {"path": "src/lib.rs"}, parts
        contents.append(types.Content(role="model", parts=parts))
        contents.append(types.Content(role="user", parts=[types.Part.from_function_response(name="read_file", response={"output": MARKER})]))
        r = client.models.generate_content(model="gemini-2.5-flash+tools", contents=contents, config=config)
        assert MARKER in r.text, r

    def truncated():
        r = client.models.generate_content(model="gemini-2.5-flash+long", contents="x")
        assert r.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS

    def models():
        names = [m.name for m in client.models.list()]
        assert "models/gemini-2.5-flash" in names, names[:5]

    def in_stream_error():
        for _ in client.models.generate_content_stream(model="gemini-2.5-flash+stream-error", contents="x"):
            pass

    def cut():
        for chunk in client.models.generate_content_stream(model="gemini-2.5-flash+cut", contents="x"):
            yield chunk.text or ""

    c.run("gemini generateContent", whole)
    c.run("gemini streamGenerateContent with thoughts", streamed)
    c.run("gemini functionCall + functionResponse", tools)
    c.run("gemini MAX_TOKENS", truncated)
    c.run("gemini models.list", models)
    create = lambda model: lambda: client.models.generate_content(model=model, contents="x")  # noqa: E731
    c.raises("gemini 401", create("x+bad-key"), errors.ClientError, status=401)
    c.raises("gemini 403", create("x+forbidden"), errors.ClientError, status=403)
    c.raises("gemini 404", create("x+missing-model"), errors.ClientError, status=404)
    c.raises("gemini 400 too long", create("x+too-long"), errors.ClientError, status=400)
    c.raises("gemini 429", create("x+rate-limited"), errors.ClientError, status=429)
    c.raises("gemini 503", create("x+overloaded"), errors.ServerError, status=503)
    c.raises("gemini error chunk in stream", in_stream_error, errors.APIError, status=500)
    c.cut("gemini cut stream", cut)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake-apis", default=os.path.join(ROOT, "target", "debug", "fake-apis"))
    parser.add_argument("--venv", default=os.path.join(ROOT, "target", "sdk-check-venv"))
    args = parser.parse_args()
    ensure_venv(os.path.abspath(args.venv))
    if not os.access(args.fake_apis, os.X_OK):
        sys.exit(f"sdk-check: no fake-apis binary at {args.fake_apis} (cargo build -p fake-apis)")
    proc, url = start_fake(args.fake_apis)
    started = time.monotonic()
    checks = Checks()
    try:
        for name, check in [("anthropic", check_anthropic), ("openai", check_openai), ("gemini", check_gemini)]:
            try:
                check(checks, url)
            except ImportError as e:
                checks.failed.append(name)
                print(f"FAIL {name}: the SDK did not import: {e}")
    finally:
        proc.kill()
        proc.wait()
    took = time.monotonic() - started
    print(f"sdk-check: {checks.passed} passed, {len(checks.failed)} failed in {took:.1f}s")
    sys.exit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
