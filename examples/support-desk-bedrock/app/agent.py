"""A deterministic demo agent for the example's eval target: keyword rules, no model.

It stands in for the Bedrock agent before it is deployed, so the eval gate runs offline: it
reads the artifact agentcd builds, calls only the tools the artifact declares, routes only to
the queues the `route_ticket` schema allows, takes the refund limits from the instructions (a
Bedrock agent has no skills, so the refund policy is written there), and follows the few
instructions it recognizes by their wording. Edit those files and its behaviour changes, which
is what the eval gate is there to notice. It is not a real assistant.

`respond(request)` speaks agentcd's target contract (version 1); run as a script it reads the
request as JSON on stdin and writes the reply on stdout (the `command` target). What an
environment runs on Bedrock is evaluated through InvokeAgent instead (`--target platform:ENV`).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from typing import Any

KNOWLEDGE = {"shipping": "Shipping takes 3 to 5 working days within the EU."}


def respond(request: dict[str, Any]) -> dict[str, Any]:
    artifact = request["artifact"]
    agent = _Agent(artifact, request.get("fixtures", {}), request.get("vars", {}))
    text = next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user")
    handler = {"support-triage": agent.triage, "refund-bot": agent.refund, "faq-bot": agent.faq}
    output = handler.get(artifact["metadata"]["name"], agent.faq)(text)
    return {"output": output, "tool_calls": agent.calls, "usage": _usage(text, output)}


class _Agent:
    def __init__(self, artifact: dict[str, Any], fixtures: dict[str, Any], vars_: dict[str, Any]):
        self.instructions = artifact["instructions"]
        self.rules = self.instructions.lower()
        self.tools = {t["name"]: t for t in artifact.get("tools", [])}
        self.fixtures, self.vars = fixtures, vars_
        self.calls: list[dict[str, Any]] = []

    def call(self, name: str, arguments: dict[str, Any]) -> Any:
        if name not in self.tools:
            return None
        self.calls.append({"name": name, "arguments": arguments})
        return self.fixtures.get(name)

    def route(self, queue: str) -> None:
        schema = self.tools.get("route_ticket", {}).get("input_schema", {})
        allowed = schema.get("properties", {}).get("queue", {}).get("enum", [queue])
        if queue in allowed:
            self.call("route_ticket", {"queue": queue})

    def triage(self, text: str) -> str:
        lowered, order = text.lower(), _order_number(text)
        if "password" in lowered and "never ask for a password" in self.rules:
            return "Sorry, I can't help with that: we never share or ask for passwords."
        if any(w in lowered for w in ("refund", "money back")):
            self.route("refunds")
            if "never promise a refund" in self.rules:
                return "I've passed your request to our refunds team; they will get back to you."
            return "No problem, you will get a refund within a week."
        if any(w in lowered for w in ("charged", "invoice", "billing")):
            self.route("billing")
            return "I've forwarded your billing question to our billing team."
        if order and any(w in lowered for w in ("where", "due", "deliver", "arrive")):
            status = (
                self.call("lookup_order", {"number": order}) if "look up" in self.rules else None
            )
            self.route("delivery")
            quoted = f" {order}" if "quote the order number" in self.rules else ""
            if isinstance(status, dict):
                return f"Your order{quoted} is {status.get('status')}, due {status.get('eta')}."
            return f"I've asked our delivery team about your order{quoted}."
        self.route("technical")
        return "Thanks, I've passed your message to the right team."

    def refund(self, text: str) -> str:
        order = _order_number(text)
        found = self.call("get_order", {"order": order})
        if not isinstance(found, dict):
            return "I could not find that order; a person will look into it."
        limit = _number(r"over (\d+) EUR", self.instructions, default=0)
        window = _number(r"within (\d+) days", self.instructions, default=0)
        amount = found.get("amount_eur", 0)
        if amount > limit:
            return f"A refund of {amount} EUR needs a person, so I am escalating it."
        today = date.fromisoformat(str(self.vars.get("today", found["delivered"])))
        age = (today - date.fromisoformat(found["delivered"])).days
        if age > window:
            return f"Refunds are possible within {window} days of delivery; this was {age} ago."
        self.call("issue_refund", {"order": order, "amount_eur": amount})
        return f"Done: {amount} EUR refunded for order {order}."

    def faq(self, text: str) -> str:
        for topic, answer in KNOWLEDGE.items():
            if topic in text.lower():
                return answer
        if "ticket" in self.rules:
            return "I don't know that one. Shall I open a ticket for you?"
        return "I don't know that one."


def _order_number(text: str) -> str | None:
    match = re.search(r"\b(\d{6})\b", text)
    return match.group(1) if match else None


def _number(pattern: str, text: str, *, default: int) -> int:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else default


def _usage(text: str, output: str) -> dict[str, int]:
    """Words stand in for tokens, so token budgets and assertions have something to count."""
    return {"input_tokens": len(text.split()), "output_tokens": len(output.split())}


if __name__ == "__main__":
    json.dump(respond(json.load(sys.stdin)), sys.stdout)
