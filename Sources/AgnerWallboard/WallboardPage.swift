/// The wallboard page: static HTML, CSS and one inline script that listens to `/events` and
/// redraws from each `stats` message; protocol events go to the "latest events" list at once.
/// Everything a contact or agent name reaches is set as text, never as markup. Colours are
/// Okabe–Ito, always with a word beside them ("near breach"), never colour alone.
enum WallboardPage {
    static let html = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Agner wallboard</title>
    <style>
    body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 0; background: #fafafa; color: #111; }
    header { background: #0072B2; color: #fff; padding: 10px 18px; display: flex; justify-content: space-between; align-items: baseline; }
    header h1 { margin: 0; font-size: 1.4em; }
    #status { font-size: 0.95em; }
    main { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; padding: 16px; }
    section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; }
    h2 { font-size: 1.05em; margin: 0 0 8px 0; }
    table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
    th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eee; }
    td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
    .state-ok { color: #006e50; }
    .state-warning { color: #8a5a00; font-weight: bold; }
    .state-breach { color: #b34700; font-weight: bold; }
    .meter { position: relative; height: 14px; background: #eee; border-radius: 3px; min-width: 120px; }
    .meter .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
    .meter .mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #000; }
    .fill.state-ok { background: #009E73; } .fill.state-warning { background: #E69F00; } .fill.state-breach { background: #D55E00; }
    ul { margin: 0; padding-left: 18px; } li { margin: 2px 0; }
    #agents td.number { width: 4em; }
    .big { font-size: 2em; font-weight: bold; }
    .muted { color: #555; font-size: 0.9em; }
    #events li { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
    </style>
    </head>
    <body>
    <header><h1>Agner wallboard</h1><span id="status" data-state="connecting">connecting…</span></header>
    <main>
    <div>
    <section id="queues-section">
    <h2>Queues: waiting, held, oldest wait against the target</h2>
    <table id="queues">
    <thead><tr><th>channel</th><th>topic</th><th class="number">waiting</th><th class="number">held</th><th class="number">oldest wait</th><th>against the target</th><th class="number">answered today</th><th class="number">outside owner</th></tr></thead>
    <tbody></tbody>
    </table>
    <p class="muted">Oldest wait: green below 80 % of the target, orange from 80 % (near breach), red past the target (breached).</p>
    </section>
    <section id="service-section">
    <h2>Service level today against the goal</h2>
    <table id="service">
    <thead><tr><th>channel</th><th class="number">service level</th><th>against the goal</th><th class="number">goal</th><th class="number">offered</th><th class="number">answered</th><th class="number">abandoned</th><th>open</th></tr></thead>
    <tbody></tbody>
    </table>
    <p class="muted" id="definition"></p>
    </section>
    <section id="shadow-section" hidden>
    <h2>Shadow: live routing against the candidate configuration</h2>
    <table id="shadow">
    <thead><tr><th>channel</th><th class="number">offered</th><th class="number">service level live</th><th class="number">candidate</th><th class="number">ASA live</th><th class="number">candidate</th><th class="number">abandoned live</th><th class="number">candidate</th><th class="number">outside owner live</th><th class="number">candidate</th></tr></thead>
    <tbody></tbody>
    </table>
    <p class="muted" id="shadow-agreed"></p>
    </section>
    <section id="events-section">
    <h2>Latest events</h2>
    <ul id="events"></ul>
    </section>
    </div>
    <div>
    <section id="agents-section">
    <h2>Agents by state</h2>
    <table id="agents"><tbody></tbody></table>
    </section>
    <section id="leakage-section">
    <h2>Answered outside the owning department today</h2>
    <p><span class="big" id="outside">0</span> <span class="muted" id="outside-share"></span></p>
    </section>
    <section id="breaches-section">
    <h2>Latest breaches</h2>
    <ul id="breaches"><li class="muted">none yet</li></ul>
    </section>
    </div>
    </main>
    <script>
    "use strict";
    (function () {
      const causes = { nobodyEligibleLoggedIn: "nobody eligible logged in", allEligibleBusy: "all eligible busy",
        offersRejectedOrTimedOut: "offers rejected or timed out", outOfHours: "out of hours", ringing: "ringing", held: "held" };
      function cell(row, text, className) {
        const td = document.createElement("td");
        td.textContent = text;
        if (className) td.className = className;
        row.appendChild(td);
        return td;
      }
      function percent(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + " %"; }
      function wait(seconds) {
        if (seconds < 120) return seconds.toFixed(0) + " s";
        if (seconds < 7200) return (seconds / 60).toFixed(0) + " min";
        return (seconds / 3600).toFixed(1) + " h";
      }
      function meter(fraction, state, mark) {
        const outer = document.createElement("div");
        outer.className = "meter";
        const fill = document.createElement("div");
        fill.className = "fill " + state;
        fill.style.width = Math.max(0, Math.min(1, fraction)) * 100 + "%";
        outer.appendChild(fill);
        if (mark !== undefined) {
          const line = document.createElement("div");
          line.className = "mark";
          line.style.left = mark * 100 + "%";
          outer.appendChild(line);
        }
        return outer;
      }
      function render(stats) {
        const targets = {}, goals = {};
        for (const c of stats.channels) { targets[c.channel] = c.target_s; goals[c.channel] = c.goal; }
        const queues = document.querySelector("#queues tbody");
        queues.replaceChildren();
        const perChannel = {};
        for (const q of stats.queues) {
          const row = document.createElement("tr");
          row.dataset.queue = q.channel + "/" + q.topic;
          const target = targets[q.channel] || 60;
          const fraction = q.oldest_wait_s / target;
          const state = fraction >= 1 ? "state-breach" : fraction >= 0.8 ? "state-warning" : "state-ok";
          const word = q.waiting + q.held === 0 ? "no one waiting" : fraction >= 1 ? "breached" : fraction >= 0.8 ? "near breach" : "ok";
          row.dataset.state = word;
          cell(row, q.channel); cell(row, q.topic);
          cell(row, String(q.waiting), "number waiting"); cell(row, String(q.held), "number held");
          cell(row, q.waiting + q.held > 0 ? wait(q.oldest_wait_s) + " of " + wait(target) : "—", "number oldest");
          const against = cell(row, "", "against " + state);
          against.appendChild(meter(q.waiting + q.held > 0 ? fraction : 0, state, 0.8));
          const label = document.createElement("span");
          label.textContent = word;
          label.className = state;
          against.appendChild(label);
          cell(row, String(q.answered_today), "number answered");
          cell(row, String(q.answered_outside_owner_today || 0), "number outside");
          queues.appendChild(row);
          const p = perChannel[q.channel] || (perChannel[q.channel] = { offered: 0, answered: 0, abandoned: 0, open: 0 });
          p.offered += q.offered_today; p.answered += q.answered_today; p.abandoned += q.abandoned_today; p.open += q.waiting + q.held;
        }
        const service = document.querySelector("#service tbody");
        service.replaceChildren();
        for (const c of stats.channels) {
          const p = perChannel[c.channel];
          if (!p) continue;
          const row = document.createElement("tr");
          row.dataset.channel = c.channel;
          const level = c.service_level_today;
          const state = level === null ? "state-ok" : level >= c.goal ? "state-ok" : level >= c.goal - 0.1 ? "state-warning" : "state-breach";
          cell(row, c.channel + (c.open ? "" : " (closed)"));
          cell(row, percent(level), "number level");
          const against = cell(row, "", "against");
          against.appendChild(meter(level === null ? 0 : level, state, c.goal));
          const label = document.createElement("span");
          label.className = state;
          label.textContent = level === null ? "no outcome yet" : level >= c.goal ? "meets the goal" : "below the goal";
          against.appendChild(label);
          cell(row, percent(c.goal).replace(".0", "") + " in " + wait(c.target_s), "number");
          cell(row, String(p.offered), "number offered"); cell(row, String(p.answered), "number");
          cell(row, String(p.abandoned), "number"); cell(row, String(p.open), "open");
          service.appendChild(row);
        }
        document.getElementById("definition").textContent = "Service level: " + stats.service_level_definition + ".";
        const agents = document.querySelector("#agents tbody");
        agents.replaceChildren();
        for (const [state, count] of Object.entries(stats.agents)) {
          const row = document.createElement("tr");
          row.dataset.state = state;
          cell(row, state); cell(row, String(count), "number count");
          agents.appendChild(row);
        }
        document.getElementById("outside").textContent = String(stats.answered_outside_owner_today);
        let answered = 0;
        for (const q of stats.queues) answered += q.answered_today;
        document.getElementById("outside-share").textContent = answered > 0
          ? "of " + answered + " answered (" + percent(stats.answered_outside_owner_today / answered) + ")" : "";
        const breaches = document.getElementById("breaches");
        breaches.replaceChildren();
        for (const b of stats.breaches) {
          const item = document.createElement("li");
          item.dataset.contact = b.contact;
          item.textContent = new Date(b.time * 1000).toLocaleTimeString() + " · " + b.channel + "/" + b.topic + " · " + b.contact + ": " + (causes[b.cause] || b.cause);
          breaches.appendChild(item);
        }
        if (stats.breaches.length === 0) {
          const item = document.createElement("li");
          item.className = "muted";
          item.textContent = "none yet";
          breaches.appendChild(item);
        }
        renderShadow(stats.shadow);
        document.body.dataset.updated = String(stats.time);
      }
      function renderShadow(shadow) {
        const section = document.getElementById("shadow-section");
        section.hidden = !shadow;
        if (!shadow) return;
        const body = document.querySelector("#shadow tbody");
        body.replaceChildren();
        shadow.live.forEach(function (live, index) {
          const candidate = shadow.candidate[index];
          if (live.offered === 0 && candidate.offered === 0) return;
          const row = document.createElement("tr");
          row.dataset.channel = live.channel;
          const seconds = x => x === null ? "—" : wait(x);
          cell(row, live.channel); cell(row, String(live.offered), "number offered");
          cell(row, percent(live.service_level), "number level-live"); cell(row, percent(candidate.service_level), "number level-candidate");
          cell(row, seconds(live.average_speed_of_answer_s), "number asa-live"); cell(row, seconds(candidate.average_speed_of_answer_s), "number asa-candidate");
          cell(row, percent(live.abandon_rate), "number abandon-live"); cell(row, percent(candidate.abandon_rate), "number abandon-candidate");
          cell(row, percent(live.answered_outside_owner), "number outside-live"); cell(row, percent(candidate.answered_outside_owner), "number outside-candidate");
          body.appendChild(row);
        });
        document.getElementById("shadow-agreed").textContent = shadow.decisions_compared > 0
          ? "The candidate chose the same agent in " + percent(shadow.decisions_agreed) + " of " + shadow.decisions_compared + " first offers compared."
          : "No first offers compared yet.";
      }
      function note(name, data) {
        const list = document.getElementById("events");
        const item = document.createElement("li");
        let text = name;
        try {
          const e = JSON.parse(data);
          text = new Date().toLocaleTimeString() + " " + name + (e.contact ? " " + e.contact : "") + (e.agent ? " → " + e.agent : "")
            + (e.state ? " " + e.state : "") + (e.cause ? " (" + (causes[e.cause] || e.cause) + ")" : "");
          if (e.contact) item.dataset.contact = e.contact;
        } catch (error) { text = name; }
        item.dataset.event = name;
        item.textContent = text;
        list.insertBefore(item, list.firstChild);
        while (list.children.length > 30) list.removeChild(list.lastChild);
      }
      const names = ["offer", "offer.expired", "offer.rejected", "offer.withdrawn", "contact.queued", "contact.connected", "contact.escalated",
        "contact.breach_warning", "contact.breached", "contact.callback", "contact.abandoned", "contact.completed", "contact.closed",
        "contact.wrapped_up", "contact.held", "contact.resumed", "agent.state", "agent.removed", "channel.state"];
      const status = document.getElementById("status");
      const source = new EventSource("/events");
      source.addEventListener("open", function () { status.textContent = "live"; status.dataset.state = "live"; });
      source.addEventListener("error", function () { status.textContent = "reconnecting…"; status.dataset.state = "reconnecting"; });
      source.addEventListener("stats", function (message) { render(JSON.parse(message.data)); });
      for (const name of names) source.addEventListener(name, function (message) { note(name, message.data); });
    })();
    </script>
    </body>
    </html>
    """#

    /// The login form (with tokens), with a message when a try failed.
    static func login(message: String?) -> String {
        var escaped = ""
        for character in message ?? "" {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return #"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Agner wallboard: log in</title>
        <style>body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 40px; } input { font-size: 1em; padding: 4px; } .message { color: #b34700; }</style>
        </head>
        <body>
        <h1>Agner wallboard</h1>
        <p>A supervisor's or an observer's token opens the wallboard.</p>
        """# + (escaped.isEmpty ? "" : "<p class=\"message\">\(escaped)</p>\n") + #"""
        <form method="post" action="/login">
        <label>Token <input type="password" name="token" autocomplete="current-password" autofocus></label>
        <button type="submit">Log in</button>
        </form>
        </body>
        </html>
        """#
    }
}
