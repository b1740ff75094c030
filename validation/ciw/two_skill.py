#!/usr/bin/env python3
"""Agner against Ciw on a two-skill center (scenarios/two-skill.yaml).

Ciw (Palmer, Harper, Knight, "Ciw: An open-source discrete event simulation library",
Journal of Simulation 13(1), 2019; https://pypi.org/project/ciw/) is an independent simulator
of queueing networks. This script builds the center of scenarios/two-skill.yaml in Ciw, runs
`agner simulate` on the same scenario, and compares per topic the service level (answered
within 60 s / offered), the average speed of answer and the abandon rate. The two use
different random numbers, so the comparison is statistical: each difference gets a Welch
interval, at a level corrected for the number of comparisons (Bonferroni: the family of
comparisons errs at most 5 % of the time when the simulators agree).

What both express, and how Ciw is told:
- Poisson arrivals per topic, exponential handle times per topic, exponential patience
  (Ciw: arrival, service and reneging distributions per customer class);
- agents with skills: three groups, one with each skill and one with both. Ciw has no
  skill-based routing, so a Node subclass (SkillNode, below) lets a server take only the
  classes its group has the skill for;
- the free agent idle longest answers an arriving contact (Agner's longestIdle);
- a freed agent takes the longest-waiting contact it has the skill for (Agner's urgency with
  one target and no head starts is the arrival order).

Set aside (Ciw cannot express them, or they change nothing here): the escalation ladder
(flat in the scenario: anyone with the skill from the first second), departments and
ownership (one department), segments and their head starts (none), channel tiers and
reserves, wrap-up, opening hours, callbacks and breaches (one channel open all day).

Usage:
  python3 validation/ciw/two_skill.py --agner .build/release/agner [--replications 20]
Exits 1 when a figure disagrees; prints a table either way.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys

import ciw

# scenarios/two-skill.yaml, in seconds.
TOPICS = ["order", "invoice"]
ARRIVALS_PER_HOUR = {"order": 90.0, "invoice": 30.0}
HANDLE_MEAN = {"order": 240.0, "invoice": 360.0}
PATIENCE_MEAN = 180.0
TARGET = 60.0
GROUPS = [("orders", 4, {"order"}), ("billing", 3, {"invoice"}), ("both", 4, {"order", "invoice"})]
WARMUP = 3600.0
DAY = 86400.0


def servers_and_skills():
    """Server id (1-based, as Ciw numbers them) -> the topics it may take."""
    skills = {}
    number = 0
    for _, count, topics in GROUPS:
        for _ in range(count):
            number += 1
            skills[number] = topics
    return skills


SKILLS = servers_and_skills()


class SkillNode(ciw.Node):
    """A service centre whose servers take only the customer classes they have the skill for:
    an arrival goes to the eligible free server idle longest; a freed server takes the
    longest-waiting customer it may serve."""

    def idle_since(self, server):
        return getattr(server, "idle_since", 0.0)

    def begin_service_if_possible_accept(self, next_individual):
        next_individual.arrival_date = self.now
        if self.reneging is True:
            next_individual.reneging_date = self.get_reneging_date(next_individual)
        free = [s for s in self.servers if not s.busy and next_individual.customer_class in SKILLS[s.id_number]]
        if free:
            server = min(free, key=lambda s: (self.idle_since(s), s.id_number))
            self.start(server, next_individual)

    def begin_service_if_possible_release(self, next_individual, newly_free_server):
        if newly_free_server is None or newly_free_server not in self.servers:
            return
        newly_free_server.idle_since = self.now
        waiting = [ind for ind in self.individuals[0]
                   if not ind.server and ind.customer_class in SKILLS[newly_free_server.id_number]]
        if waiting:
            self.start(newly_free_server, min(waiting, key=lambda ind: ind.arrival_date))

    def start(self, server, individual):
        self.attach_server(server, individual)
        individual.service_start_date = self.now
        individual.service_time = self.get_service_time(individual)
        individual.service_end_date = self.now + individual.service_time
        self.number_in_service += 1
        self.reset_class_change(individual)
        server.next_end_service_date = individual.service_end_date


def ciw_replication(seed):
    """One day of the center in Ciw; the figures of the contacts that arrived after the warm-up."""
    network = ciw.create_network(
        arrival_distributions={t: [ciw.dists.Exponential(ARRIVALS_PER_HOUR[t] / 3600.0)] for t in TOPICS},
        service_distributions={t: [ciw.dists.Exponential(1.0 / HANDLE_MEAN[t])] for t in TOPICS},
        reneging_time_distributions={t: [ciw.dists.Exponential(1.0 / PATIENCE_MEAN)] for t in TOPICS},
        number_of_servers=[len(SKILLS)],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network, node_class=SkillNode)
    # Run past the day so that everyone who arrived in it has been answered or hung up.
    simulation.simulate_until_max_time(DAY + 3600.0)
    figures = {}
    for topic in TOPICS:
        records = [r for r in simulation.get_all_records(only=["service", "renege"])
                   if r.customer_class == topic and WARMUP <= r.arrival_date < DAY]
        answered = [r for r in records if r.record_type == "service"]
        abandoned = [r for r in records if r.record_type == "renege"]
        offered = len(records)
        within = sum(1 for r in answered if r.waiting_time <= TARGET)
        figures[topic] = {
            "service_level": within / offered,
            "average_speed_of_answer": sum(r.waiting_time for r in answered) / len(answered),
            "abandon_rate": len(abandoned) / offered,
        }
    return figures


def t_quantile(p, df):
    """Student's t quantile (Cornish–Fisher from the normal; error below 1e-3 for df >= 5)."""
    # Acklam's rational approximation of the normal quantile.
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    if p > 0.975:
        q = math.sqrt(-2 * math.log(1 - p))
        z = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    else:
        q = p - 0.5
        r = q * q
        z = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    v = float(df)
    return z + (z ** 3 + z) / (4 * v) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v * v)


def mean_and_variance(values):
    n = len(values)
    mean = sum(values) / n
    return mean, sum((x - mean) ** 2 for x in values) / (n - 1), n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Defaults found from this file, so that the script runs from any directory.
    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--agner", default=os.path.join(repository, ".build/release/agner"), help="the agner binary")
    parser.add_argument("--scenario", default=os.path.join(repository, "scenarios/two-skill.yaml"))
    parser.add_argument("--replications", type=int, default=20, help="replications on each side")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    args = parser.parse_args()

    agner = json.loads(subprocess.run(
        [args.agner, "simulate", args.scenario, "--replications", str(args.replications), "--seed", str(args.seed), "--format", "json"],
        check=True, capture_output=True, text=True).stdout)
    agner_topics = {t["name"]: t for t in agner["topics"]}

    seeds = random.Random(args.seed)
    runs = [ciw_replication(seeds.randrange(2 ** 31)) for _ in range(args.replications)]

    metrics = ["service_level", "average_speed_of_answer", "abandon_rate"]
    comparisons = len(TOPICS) * len(metrics)
    level = 1 - 0.05 / comparisons  # Bonferroni: the whole family errs at most 5 % of the time
    rows, failures = [], 0
    for topic in TOPICS:
        for metric in metrics:
            estimate = agner_topics[topic][metric]
            a_mean, a_half = estimate["mean"], estimate["half_width"]
            a_var = (a_half / t_quantile(0.975, args.replications - 1)) ** 2 * args.replications
            c_mean, c_var, n = mean_and_variance([run[topic][metric] for run in runs])
            se = math.sqrt(a_var / args.replications + c_var / n)
            # Welch–Satterthwaite degrees of freedom.
            df = se ** 4 / ((a_var / args.replications) ** 2 / (args.replications - 1) + (c_var / n) ** 2 / (n - 1))
            half = t_quantile(1 - (1 - level) / 2, max(2, int(df))) * se
            agree = abs(a_mean - c_mean) <= half
            failures += 0 if agree else 1
            rows.append({"topic": topic, "metric": metric, "agner": a_mean, "agner_half_width": a_half,
                         "ciw": c_mean, "ciw_half_width": t_quantile(0.975, n - 1) * math.sqrt(c_var / n),
                         "difference": a_mean - c_mean, "difference_half_width": half, "agree": agree})
    if args.json:
        print(json.dumps({"replications": args.replications, "seed": args.seed, "level": level, "rows": rows}, indent=2))
    else:
        print(f"two skills, three groups: Agner against Ciw {ciw.__version__}, {args.replications} replications each, seed {args.seed}")
        print(f"difference intervals at {level * 100:.2f} % each (Bonferroni over {comparisons}: 95 % for the family)")
        print(f"{'topic':8} {'figure':24} {'Agner':>17} {'Ciw':>17} {'difference':>19}  agree")
        for r in rows:
            scale, unit = (100, " %") if r["metric"] != "average_speed_of_answer" else (1, " s")
            print(f"{r['topic']:8} {r['metric']:24} {r['agner'] * scale:9.2f} ±{r['agner_half_width'] * scale:.2f}{unit}"
                  f" {r['ciw'] * scale:9.2f} ±{r['ciw_half_width'] * scale:.2f}{unit}"
                  f" {r['difference'] * scale:+9.2f} ±{r['difference_half_width'] * scale:.2f}{unit}  {'yes' if r['agree'] else 'NO'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
