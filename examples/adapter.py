#!/usr/bin/env python3
"""A telephony adapter for `agner serve`, with Python's standard library only.

It says hello as an adapter, logs in a few agents, announces calls, and prints every offer it
gets; it accepts each offer, "talks" for a moment, and completes the call.

    agner serve --center scenarios/retail.yaml --db /tmp/agner.db &
    python3 examples/adapter.py --calls 10

Only connect it to a router you run yourself (it defaults to 127.0.0.1:7040).
"""
import argparse
import json
import random
import socket
import sys
import time


class Adapter:
    def __init__(self, host, port, name, token):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.settimeout(120)  # an offer may take a while: wrap-up, escalation
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.next_req = 0
        self.pending_events = []
        reply = self.request({"op": "hello", "role": "adapter", "name": name, "token": token, "protocol": 1})
        if not reply["ok"]:
            sys.exit(f"hello refused: {reply['error']['message']}")

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode("utf-8"))

    def read(self):
        line = self.reader.readline()
        if not line:
            sys.exit("the router closed the connection")
        return json.loads(line)

    def request(self, message):
        """Sends a request and returns its reply; events that arrive meanwhile are kept."""
        self.next_req += 1
        message["req"] = self.next_req
        self.send(message)
        while True:
            line = self.read()
            if line.get("re") == self.next_req:
                return line
            self.pending_events.append(line)

    def next_event(self, name):
        for index, event in enumerate(self.pending_events):
            if event.get("event") == name:
                return self.pending_events.pop(index)
        while True:
            line = self.read()
            if line.get("event") == name:
                return line
            self.pending_events.append(line)


def main():
    parser = argparse.ArgumentParser(description="An example telephony adapter for agner serve.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7040)
    parser.add_argument("--name", default="example-pbx")
    parser.add_argument("--token", default="", help="needed when the router runs with --tokens")
    parser.add_argument("--agents", default="billing-1,billing-2,billing-3,frontline-early-1", help="agents to log in (names from the center file)")
    parser.add_argument("--topic", default="invoice")
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("this example only talks to a router on this machine")

    adapter = Adapter(args.host, args.port, args.name, args.token)
    print(f"connected to {args.host}:{args.port} as adapter {args.name}")
    for agent in args.agents.split(","):
        reply = adapter.request({"op": "agent.state", "agent": agent, "state": "available"})
        print(f"  {agent}: {reply['result']['state'] if reply['ok'] else reply['error']['message']}")

    for number in range(1, args.calls + 1):
        call = f"{args.name}-call-{int(time.time())}-{number}"
        reply = adapter.request({"op": "contact.arrive", "id": call, "channel": "phone", "topic": args.topic,
                                 "segment": random.choice(["regular", "regular", "new", "wholesale"])})
        if not reply["ok"]:
            print(f"call {call}: {reply['error']['code']}: {reply['error']['message']}")
            continue
        print(f"call {call}: {reply['result']['state']}")
        if reply["result"]["state"] == "ended":
            # Refused on arrival: the phone is closed now (the center's opening hours).
            sys.exit("the phone channel is closed now (opening hours); start agner serve with --ignore-hours to try it anyway")
        if reply["result"]["state"] == "queued":
            print("  waiting for an agent (wrap-up ends, or the ladder widens)…")
        offer = adapter.next_event("offer")
        print(f"  offer → {offer['agent']} ({offer['why']})")
        adapter.request({"op": "offer.accept", "contact": offer["contact"], "agent": offer["agent"]})
        time.sleep(0.2)
        done = adapter.request({"op": "contact.complete", "id": offer["contact"]})
        print(f"  completed: {done['result']['state'] if done['ok'] else done['error']['message']}")


if __name__ == "__main__":
    main()
