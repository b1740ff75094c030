#!/usr/bin/env python3
"""A compressed day of traffic for `agner serve`, with Python's standard library only: the
journal it leaves is something to replay (`agner replay`, docs/replay.md).

It connects as the adapter `pbx`, logs agents in, and for `--seconds` announces calls and chats
at random (Poisson, `--rate` a second) on random topics and segments; it accepts each offer
after a short ring, completes each conversation after a random handle time, and hangs up for
customers who wait longer than their patience. Halfway through one agent takes a break and
comes back. When the arrivals stop it waits (bounded) for every contact to end, then prints
one JSON object: the router's `stats` and, per channel, what it saw (`answered`, `abandoned`,
`asa_s`, the mean `waited_s` of `contact.connected`).

    agner serve --center scenarios/live-demo.yaml --db /tmp/day.db --ignore-hours &
    python3 examples/day.py --seconds 60 --seed 1

Only connect it to a router you run yourself (it defaults to 127.0.0.1:7040).
"""
import argparse
import heapq
import json
import random
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7040)
    parser.add_argument("--seconds", type=float, default=60, help="how long contacts arrive")
    parser.add_argument("--rate", type=float, default=1.0, help="arrivals a second")
    parser.add_argument("--handle", type=float, default=4.0, help="mean handle time, seconds")
    parser.add_argument("--patience", type=float, default=6.0, help="mean patience, seconds")
    parser.add_argument("--topics", default="invoice,order,general")
    parser.add_argument("--agents", default="frontline-1,frontline-2,billing-1,sales-1",
                        help="agents to log in (comma-separated)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    sock = socket.create_connection((args.host, args.port), timeout=10)
    sock.settimeout(0.02)
    buffer = b""
    req = 0

    def send(message):
        nonlocal req
        req += 1
        message["req"] = req
        sock.sendall((json.dumps(message) + "\n").encode("utf-8"))
        return req

    def lines():
        nonlocal buffer
        try:
            chunk = sock.recv(65536)
            if not chunk:
                sys.exit("the router closed the connection")
            buffer += chunk
        except socket.timeout:
            pass
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)

    send({"op": "hello", "role": "adapter", "name": "pbx", "protocol": 1})
    send({"op": "subscribe", "events": ["contact.connected", "contact.abandoned"]})
    agents = [a for a in args.agents.split(",") if a]
    for agent in agents:
        send({"op": "agent.state", "agent": agent, "state": "available"})

    start = time.monotonic()
    timers = []  # (due, order, action, contact or agent)
    order = 0

    def at(due, action, subject):
        nonlocal order
        order += 1
        heapq.heappush(timers, (due, order, action, subject))

    state = {}  # contact -> waiting | ringing | talking | ended
    seen = {}   # channel -> {answered, abandoned, waits}
    channel_of = {}
    next_arrival = start + rng.expovariate(args.rate)
    number = 0
    if agents:
        at(start + args.seconds / 2, "break", agents[0])
        at(start + args.seconds / 2 + args.seconds / 6, "back", agents[0])
    topics = args.topics.split(",")
    end = start + args.seconds
    drain_until = end + 30

    while True:
        now = time.monotonic()
        if now < end and now >= next_arrival:
            number += 1
            contact = f"c{number}"
            channel = rng.choice(["phone", "phone", "chat"])
            channel_of[contact] = channel
            state[contact] = "waiting"
            send({"op": "contact.arrive", "id": contact, "channel": channel, "topic": rng.choice(topics),
                  "segment": rng.choice(["regular", "regular", "new", "wholesale"])})
            at(now + rng.expovariate(1 / args.patience), "patience", contact)
            next_arrival += rng.expovariate(args.rate)
        while timers and timers[0][0] <= now:
            _, _, action, subject = heapq.heappop(timers)
            if action == "accept" and state.get(subject[0]) == "ringing":
                send({"op": "offer.accept", "contact": subject[0], "agent": subject[1]})
                state[subject[0]] = "talking"
                at(now + rng.expovariate(1 / args.handle), "complete", subject[0])
            elif action == "complete" and state.get(subject) == "talking":
                send({"op": "contact.complete", "id": subject})
                state[subject] = "ended"
            elif action == "patience" and state.get(subject) in ("waiting", "ringing"):
                send({"op": "contact.abandon", "id": subject})
                state[subject] = "ended"
            elif action == "break":
                send({"op": "agent.state", "agent": subject, "state": "onBreak"})
            elif action == "back":
                send({"op": "agent.state", "agent": subject, "state": "available"})
        for line in lines():
            event = line.get("event")
            if event == "offer" and state.get(line["contact"]) == "waiting":
                state[line["contact"]] = "ringing"
                at(time.monotonic() + rng.uniform(0.1, 0.6), "accept", (line["contact"], line["agent"]))
            elif event in ("offer.expired", "offer.withdrawn", "offer.rejected") and state.get(line["contact"]) == "ringing":
                state[line["contact"]] = "waiting"
            elif event == "contact.connected":
                figures = seen.setdefault(channel_of.get(line["contact"], "?"), {"answered": 0, "abandoned": 0, "waits": []})
                figures["answered"] += 1
                figures["waits"].append(line["waited_s"])
            elif event == "contact.abandoned":
                seen.setdefault(channel_of.get(line["contact"], "?"), {"answered": 0, "abandoned": 0, "waits": []})["abandoned"] += 1
            elif "re" in line and not line.get("ok", True):
                print(f"refused: {line['error']['message']}", file=sys.stderr)
        if now >= end and (all(s == "ended" for s in state.values()) or now > drain_until):
            break

    # Everything has ended: the router's figures, then what this adapter saw.
    sock.settimeout(10)
    stats_req = send({"op": "stats"})
    stats = None
    while stats is None:
        for line in lines():
            if line.get("re") == stats_req:
                stats = line["result"]
    for figures in seen.values():
        waits = figures.pop("waits")
        figures["asa_s"] = sum(waits) / len(waits) if waits else None
    print(json.dumps({"contacts": number, "open": sum(s != "ended" for s in state.values()), "seen": seen, "stats": stats}))


if __name__ == "__main__":
    main()
