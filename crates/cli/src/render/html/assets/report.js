// shiftgate HTML report: draws the week timeline per agent from the JSON block #sg-data (built by data.rs).
// Every string from the data is inserted as text (textContent), never as markup. Rows are drawn lazily, a batch
// at a time as the timeline scrolls; agents without findings only when asked.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("sg-data").textContent);
  var SEVS = ["error", "warning", "info"];
  var RANK = { error: 3, warning: 2, info: 1 };
  var SIGN = { error: "✖", warning: "▲", info: "ℹ" };
  var BATCH = 60, TABLE_BATCH = 200;
  var WD = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MO = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // ---- small helpers -------------------------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function plural(n, w) { return n + " " + w + (n === 1 ? "" : "s"); }
  // Local wall clock of a minute: the zone's offsets come from the data (computed by the model's time module).
  function wall(t) {
    var o = D.offsets[0];
    for (var i = 1; i < D.offsets.length; i++) if (D.offsets[i][0] <= t) o = D.offsets[i];
    return { d: new Date(D.originMs + (t + o[1]) * 60000), z: o[2] };
  }
  function dayName(d) { return WD[d.getUTCDay()] + " " + MO[d.getUTCMonth()] + " " + d.getUTCDate(); }
  function hm(d) { return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()); }
  function span(s, e) {
    var a = wall(s), b = wall(e);
    var endsMidnight = hm(b.d) === "00:00" && b.d - a.d <= 86400000 && dayName(a.d) !== dayName(b.d);
    if (dayName(a.d) === dayName(b.d) || endsMidnight) {
      var end = endsMidnight ? "24:00" : hm(b.d);
      return dayName(a.d) + " " + hm(a.d) + (a.z === b.z ? "–" + end + " " + a.z : " " + a.z + " – " + end + " " + b.z);
    }
    return dayName(a.d) + " " + hm(a.d) + (a.z === b.z ? "" : " " + a.z) + " – " + dayName(b.d) + " " + hm(b.d) + " " + b.z;
  }
  function duration(m) { return m % 60 ? Math.floor(m / 60) + " h " + (m % 60) + " min" : m / 60 + " h"; }

  // ---- indexes -------------------------------------------------------------------------------------------------
  D.agents.forEach(function (a) { // lists the data leaves out when empty
    ["tags", "history", "markers", "requests", "ghosts"].forEach(function (k) { a[k] = a[k] || []; });
  });
  var byAgent = D.agents.map(function () { return []; });
  D.findings.forEach(function (f, i) { byAgent[f.agent].push(i); });
  var packs = [];
  D.rules.forEach(function (r) { if (packs.indexOf(r.pack) < 0) packs.push(r.pack); });

  // ---- state ---------------------------------------------------------------------------------------------------
  var state = { sev: { error: true, warning: true, info: true }, rule: "", pack: "", q: "", clean: false, history: 2, zoom: 1 };
  var view = { v0: 0, v1: 0, days: [] };
  var rows = [], flaggedCount = 0, rendered = 0, tableShown = 0, tableList = [];

  function visible(f) {
    var r = D.rules[f.rule];
    return state.sev[f.severity] && (!state.rule || r.id === state.rule) && (!state.pack || r.pack === state.pack);
  }
  function matches(a) {
    if (!state.q) return true;
    var q = state.q.toLowerCase();
    return a.id.toLowerCase().indexOf(q) >= 0 || a.name.toLowerCase().indexOf(q) >= 0;
  }
  function worst(list) {
    var w = 0;
    list.forEach(function (i) { w = Math.max(w, RANK[D.findings[i].severity]); });
    return w;
  }

  // ---- the visible range ---------------------------------------------------------------------------------------
  function computeView() {
    var week = D.days.filter(function (d) { return d.part !== "before"; });
    var before = D.days.filter(function (d) { return d.part === "before"; });
    view.days = before.slice(Math.max(0, before.length - state.history)).concat(week);
    view.v0 = view.days[0].start;
    var last = view.days[view.days.length - 1];
    view.v1 = last.start + last.minutes;
  }
  function pct(t) { return ((t - view.v0) / (view.v1 - view.v0)) * 100; }
  // Positions an element over [s, s + m), clipped to the visible range (less `gap` pixels at its end, so that
  // back-to-back items stay apart); returns the clipping sides.
  function place(e, s, m, gap) {
    if (m === 0) { // a line
      e.style.left = pct(s) + "%";
      e.hidden = s < view.v0 || s > view.v1;
      return {};
    }
    var a = Math.max(s, view.v0), b = Math.min(s + m, view.v1);
    var clip = { l: s < view.v0, r: s + m > view.v1 };
    if (b <= a) { // wholly outside: a thin mark at the edge it lies beyond
      a = s + m <= view.v0 ? view.v0 : view.v1 - 1;
      b = a + 1;
      clip.out = true;
    }
    e.style.left = pct(a) + "%";
    e.style.width = gap ? "calc(" + (pct(b) - pct(a)) + "% - " + gap + "px)" : pct(b) - pct(a) + "%";
    return clip;
  }

  // ---- header of the timeline ----------------------------------------------------------------------------------
  function drawHead() {
    var head = $("sg-head-track");
    head.textContent = "";
    view.days.forEach(function (d) {
      var h = el("div", "dayh " + d.part + (d.dst ? " dst" : ""), d.label);
      h.dataset.date = d.date;
      h.dataset.minutes = d.minutes;
      var note = d.part === "before" ? "history" : d.part === "after" ? "after the week" : "";
      if (d.dst) note = "⟲ " + d.dst[1];
      else if (d.minutes !== 1440) note = (d.minutes / 60) + "-hour day";
      h.appendChild(el("small", null, note || " "));
      if (d.dst) h.title = d.dst[1];
      place(h, d.start, d.minutes);
      head.appendChild(h);
    });
    var inner = $("sg-inner");
    var base = Math.max($("sg-tl").clientWidth - 240, 760);
    inner.style.width = 236 + base * state.zoom + "px";
  }

  // ---- one agent's row -----------------------------------------------------------------------------------------
  // Greedy lanes for overlapping [s, e) items (sorted by start): the lane of each, the lane count, and each
  // item's room, where the next item of its lane starts (its label may run that far, no further).
  function lanes(items) {
    var ends = [], last = [], out = [];
    items.forEach(function (it, j) {
      var k = 0;
      while (k < ends.length && ends[k] > it.s) k++;
      ends[k] = it.e;
      if (last[k] != null) items[last[k]].room = it.s;
      last[k] = j;
      it.room = view.v1;
      out.push(k);
    });
    return { lane: out, n: Math.max(1, ends.length) };
  }
  // A label that may run past its item's end up to the next item of the lane (clipped with an ellipsis).
  function label(e, text, it) {
    var l = el("span", "lbl", text);
    var s = Math.max(it.s, view.v0), end = Math.min(Math.max(it.e, it.s + 1), view.v1);
    if (end > s) l.style.maxWidth = "calc(" + ((Math.max(it.room, end) - s) / (end - s)) * 100 + "% - 3px)";
    e.appendChild(l);
  }

  function drawRow(ix) {
    var a = D.agents[ix];
    var row = el("div", "row");
    row.id = "sg-agent-" + ix;
    row.dataset.agent = a.id;
    var who = el("div", "who");
    who.tabIndex = -1;
    who.appendChild(el("span", "id", a.id));
    if (a.name) who.appendChild(el("span", "name", a.name));
    if (a.tags.length) who.appendChild(el("span", "tags", a.tags.join(", ")));
    var mine = byAgent[ix].filter(function (i) { return visible(D.findings[i]); });
    var n = el("span", "n");
    SEVS.forEach(function (s) {
      var c = mine.filter(function (i) { return D.findings[i].severity === s; }).length;
      if (c) n.appendChild(el("span", s[0], SIGN[s] + " " + plural(c, s) + " "));
    });
    if (!byAgent[ix].length) n.appendChild(el("span", null, "no findings"));
    who.appendChild(n);
    row.appendChild(who);

    var track = el("div", "track");
    view.days.forEach(function (d) {
      var bg = el("div", "bg " + d.part);
      place(bg, d.start, d.minutes);
      track.appendChild(bg);
      d.ticks.forEach(function (t) { var k = el("div", "tick"); place(k, t, 0); track.appendChild(k); });
      if (d.dst) { var x = el("div", "dstl"); place(x, d.dst[0], 0); x.title = d.dst[1]; track.appendChild(x); }
    });
    // Findings first as faint highlights across the row, so everything else stays readable over them.
    mine.forEach(function (i) {
      var f = D.findings[i];
      var h = el("div", "hl " + f.severity);
      place(h, f.start, Math.max(f.end - f.start, 1));
      track.appendChild(h);
    });
    var y = 4;
    // Requests lane.
    var reqItems = [];
    a.requests.forEach(function (r, k) { r.spans.forEach(function (sp) { reqItems.push({ s: sp[0], e: sp[0] + sp[1], r: k, sp: sp }); }); });
    reqItems.sort(function (p, q) { return p.s - q.s; });
    var rl = lanes(reqItems);
    reqItems.forEach(function (it, k) {
      var r = a.requests[it.r];
      if (it.e <= view.v0 || it.s >= view.v1) return;
      var e = el("div", "it req " + r.status + (r.reflected ? "" : " unreflected"));
      e.dataset.request = r.id;
      e.dataset.status = r.status;
      focusable(e, "time-off request " + r.id + " " + r.status + (r.reflected ? "" : ", not in the draft"));
      label(e, r.status + (r.reflected ? "" : " ⚑ not in draft") + " · " + r.code + " " + r.id, it);
      place(e, it.sp[0], it.sp[1], 1);
      e.style.top = y + rl.lane[k] * 16 + "px";
      e.style.height = "14px";
      e._tip = function () { return requestTip(a, r, it.sp); };
      track.appendChild(e);
    });
    y += rl.n * 16 + 2;
    // Shift lane: history, full-day markers, ghosts of shifts traded away, then the shifts.
    var items = [];
    a.history.forEach(function (h) { items.push({ s: h[1], e: h[1] + h[2], kind: "hist", v: h }); });
    a.markers.forEach(function (m) { items.push({ s: m[0], e: m[0] + m[1], kind: "marker", v: m }); });
    a.ghosts.forEach(function (g) { items.push({ s: g[1], e: g[1] + g[2], kind: "ghost", v: g }); });
    a.shifts.forEach(function (s) { items.push({ s: s[1], e: s[1] + s[2], kind: "shift", v: s }); });
    items.sort(function (p, q) { return p.s - q.s || p.e - q.e; });
    var sl = lanes(items);
    var laneH = sl.n > 1 ? 22 : 26;
    items.forEach(function (it, k) {
      if (it.e <= view.v0 || it.s >= view.v1) return;
      var e = drawItem(a, it);
      place(e, it.s, it.e - it.s, 1);
      e.style.top = y + sl.lane[k] * (laneH + 2) + "px";
      e.style.height = laneH + "px";
      track.appendChild(e);
    });
    y += sl.n * (laneH + 2) + 2;
    // Findings lane.
    var fItems = mine.map(function (i) { var f = D.findings[i]; return { s: f.start, e: Math.max(f.end, f.start + 1), i: i }; });
    fItems.sort(function (p, q) { return p.s - q.s; });
    var fl = lanes(fItems);
    fItems.forEach(function (it, k) {
      var f = D.findings[it.i], r = D.rules[f.rule];
      var e = el("div", "it fnd " + f.severity + (f.waiver ? " waived" : ""));
      e.dataset.finding = it.i;
      e.dataset.rule = r.id;
      e.dataset.severity = f.severity;
      focusable(e, f.severity + " " + r.id + ": " + f.message);
      label(e, (f.waiver ? "WAIVED " : SIGN[f.severity] + " ") + r.id, it);
      var clip = place(e, f.start, Math.max(f.end - f.start, 1), 1);
      if (clip.l) e.classList.add("clip-l");
      if (clip.r) e.classList.add("clip-r");
      e.style.top = y + fl.lane[k] * 18 + "px";
      e.style.height = "16px";
      e._tip = function () { return findingTip(f, clip); };
      track.appendChild(e);
    });
    y += fl.n * 18 + 4;
    row.style.height = Math.max(66, y) + "px";
    row.appendChild(track);
    return row;
  }

  function drawItem(a, it) {
    var v = it.v, e;
    if (it.kind === "hist") {
      e = el("div", "it hist");
      e.dataset.shift = v[0];
      e._tip = function () { return [["b", "Published shift " + v[0] + " (history)"], ["p", span(v[1], v[1] + v[2]) + ", " + duration(v[2])]]; };
      return e;
    }
    if (it.kind === "marker") {
      var code = D.codes[v[2]];
      e = el("div", "it marker c-TimeOff");
      focusable(e, "full-day time off, " + code.name);
      label(e, "Full day off · " + code.name, it);
      e._tip = function () {
        return [["b", "Full-day time off: " + code.name], ["p", span(v[0], v[0] + v[1])],
          ["p", v[3] ? "reflects time-off request " + v[3] : "carries no time-off request id"]];
      };
      return e;
    }
    if (it.kind === "ghost") {
      e = el("div", "it ghost");
      e.dataset.shift = v[0];
      focusable(e, "shift " + v[0] + " traded away to " + v[4] + " by " + v[3]);
      label(e, "→ " + v[4] + " (" + v[3] + ")", it);
      e._tip = function () { return [["b", "Shift " + v[0] + " traded away"], ["p", span(v[1], v[1] + v[2])], ["p", "moved to " + v[4] + " by approved trade " + v[3]]]; };
      return e;
    }
    var moves = v[4];
    e = el("div", "it shift" + (moves.length ? " moved" : ""));
    e.dataset.shift = v[0];
    var acts = D.patterns[v[3]], box = el("div", "acts");
    if (!acts.length) box.appendChild(actDiv(0, v[2], v[2], "OnQueueWork"));
    for (var k = 0; k < acts.length; k += 3) box.appendChild(actDiv(acts[k], acts[k + 1], v[2], D.codes[acts[k + 2]].cat));
    e.appendChild(box);
    var text = hm(wall(v[1]).d) + "–" + hm(wall(v[1] + v[2]).d);
    if (moves.length) {
      var m = moves[moves.length - 1];
      e.dataset.trade = m[0];
      e.dataset.from = m[1];
      focusable(e, "shift " + v[0] + " moved from " + m[1] + " by trade " + m[0]);
      text = "⇄ " + m[0] + " from " + m[1] + " · " + text;
    }
    label(e, text, it);
    e._tip = function () { return shiftTip(v); };
    return e;
  }

  // Items a keyboard reaches: Tab focuses them and shows their explanation; a screen reader reads the label.
  function focusable(e, words) {
    e.tabIndex = 0;
    e.setAttribute("role", "img");
    e.setAttribute("aria-label", words);
  }

  function actDiv(off, len, total, cat) {
    var d = el("div", "act c-" + cat);
    d.style.left = (off / total) * 100 + "%";
    d.style.width = (len / total) * 100 + "%";
    return d;
  }

  // ---- tooltips ------------------------------------------------------------------------------------------------
  function findingTip(f, clip) {
    var r = D.rules[f.rule];
    var out = [["b", SIGN[f.severity] + " " + f.severity.toUpperCase() + "  " + r.id + (r.title ? " · " + r.title : "")],
      ["p", f.when], ["p", f.message]];
    if (f.cause.length) out.push(["ul", f.cause, "Because:"]);
    var refs = f.refs.map(function (x) { return x[0] + ": " + x[1].join(", "); }).join("; ");
    if (refs) out.push(["dim", refs]);
    if (f.measured != null) out.push(["dim", "measured " + f.measured + (f.limit != null ? ", limit " + f.limit : "")]);
    if (f.waiver) out.push(["p", "Waived by " + f.waiver.approver + " until " + f.waiver.expires + ": " + f.waiver.reason]);
    if (clip.l || clip.r) out.push(["dim", "The interval runs beyond the days shown (double edge)."]);
    return out;
  }
  function shiftTip(v) {
    var out = [["b", "Shift " + v[0]], ["p", span(v[1], v[1] + v[2]) + ", " + duration(v[2])]];
    v[4].forEach(function (m) {
      out.push(["p", "⇄ moved from " + m[1] + (m[2] ? " " + m[2] : "") + " by approved trade " + m[0] + " (approved " + m[3] + ")"]);
    });
    var acts = [], p = D.patterns[v[3]];
    for (var k = 0; k < p.length; k += 3) {
      var c = D.codes[p[k + 2]];
      acts.push(span(v[1] + p[k], v[1] + p[k] + p[k + 1]).replace(/^\S+ \S+ \S+ /, "") + "  " + c.name + " (" + c.cat + ")");
    }
    if (acts.length) out.push(["ul", acts, "Activities:"]);
    return out;
  }
  function requestTip(a, r, sp) {
    return [["b", "Time-off request " + r.id + ": " + r.status],
      ["p", r.code + ", " + (r.fullDay ? "full day" : "partial day") + ", " + span(sp[0], sp[0] + sp[1])],
      ["p", r.reflected ? "Reflected in the draft (a marker or TimeOff activity carries its id)." : "⚑ Not reflected in the draft: no marker or TimeOff activity carries its id."],
      ["dim", r.submitted ? "submitted " + r.submitted : "no submission date"]];
  }
  var tip, tipFor = null;
  function showTip(target) {
    if (!target || !target._tip) return;
    tipFor = target;
    tip.textContent = "";
    target._tip().forEach(function (p) {
      if (p[0] === "ul") {
        tip.appendChild(el("div", "dim", p[2]));
        var ul = el("ul");
        p[1].forEach(function (c) { ul.appendChild(el("li", null, c)); });
        tip.appendChild(ul);
      } else tip.appendChild(el(p[0] === "b" ? "b" : "div", p[0] === "dim" ? "dim" : null, p[1]));
    });
    tip.hidden = false;
    target.setAttribute("aria-describedby", "sg-tip");
    moveTip();
  }
  function moveTip() {
    var r = tipFor.getBoundingClientRect();
    var x = Math.min(Math.max(8, r.left), window.innerWidth - tip.offsetWidth - 8);
    var yy = r.bottom + 6;
    if (yy + tip.offsetHeight > window.innerHeight - 8) yy = Math.max(8, r.top - tip.offsetHeight - 6);
    tip.style.left = x + "px";
    tip.style.top = yy + "px";
  }
  function hideTip() {
    if (tipFor) tipFor.removeAttribute("aria-describedby");
    tipFor = null;
    tip.hidden = true;
  }
  function tipTarget(e) {
    var t = e.target;
    while (t && t !== document.body) { if (t._tip) return t; t = t.parentNode; }
    return null;
  }

  // ---- rows, lazily ----------------------------------------------------------------------------------------------
  function computeRows() {
    var flagged = [], clean = [];
    D.agents.forEach(function (a, ix) {
      if (!matches(a)) return;
      var mine = byAgent[ix].filter(function (i) { return visible(D.findings[i]); });
      if (mine.length) flagged.push({ ix: ix, w: worst(mine), n: mine.length });
      else if (state.clean) clean.push({ ix: ix });
    });
    flagged.sort(function (p, q) { return q.w - p.w || q.n - p.n || p.ix - q.ix; });
    flaggedCount = flagged.length;
    rows = flagged.concat(clean).map(function (r) { return r.ix; });
  }
  function renderMore(n) {
    var box = $("sg-rows"), frag = document.createDocumentFragment();
    var end = Math.min(rows.length, rendered + n);
    for (; rendered < end; rendered++) frag.appendChild(drawRow(rows[rendered]));
    box.appendChild(frag);
    $("sg-more").textContent = rendered < rows.length ? "Scroll for more: " + (rows.length - rendered) + " more agents…" : "";
    $("sg-none").hidden = rows.length > 0;
  }
  // Draws the next batch of rows while the end of the drawn rows is within a screen of the timeline's view.
  function fill() {
    var more = $("sg-more").getBoundingClientRect(), box = $("sg-tl").getBoundingClientRect();
    if (rendered < rows.length && more.top < box.bottom + box.height) {
      renderMore(BATCH);
      requestAnimationFrame(fill);
    }
  }
  function redraw() {
    hideTip();
    computeView();
    computeRows();
    drawHead();
    $("sg-rows").textContent = "";
    rendered = 0;
    renderMore(BATCH);
    status();
    drawTable();
    fill();
  }
  function ensureRow(ix) {
    var pos = rows.indexOf(ix);
    if (pos < 0) { state.clean = true; $("sg-clean").checked = true; state.q = ""; $("sg-search").value = ""; redraw(); pos = rows.indexOf(ix); }
    if (pos >= rendered) renderMore(pos - rendered + 1);
    return $("sg-agent-" + ix);
  }

  function status() {
    var s = $("sg-status");
    s.textContent = "";
    var shownFindings = 0;
    rows.slice(0, flaggedCount).forEach(function (ix) { byAgent[ix].forEach(function (i) { if (visible(D.findings[i])) shownFindings++; }); });
    if (!D.findings.length) {
      var n = D.agents.length;
      s.appendChild(el("strong", null, "No findings: " + (n === 1 ? "the agent passes" : "all " + n + " agents pass") + " every rule that ran. "));
    } else {
      s.appendChild(document.createTextNode(plural(flaggedCount, "agent") + " with " + plural(shownFindings, "finding") +
        " shown, worst first (of " + plural(D.agents.length, "agent") + ", " + plural(D.findings.length, "finding") + "). "));
    }
    if (!state.clean) {
      var b = el("button", null, "Show agents without findings");
      b.type = "button";
      b.addEventListener("click", function () { $("sg-clean").checked = true; state.clean = true; redraw(); });
      s.appendChild(b);
    }
  }

  // ---- the findings table ----------------------------------------------------------------------------------------
  function drawTable() {
    tableList = [];
    D.findings.forEach(function (f, i) { if (visible(f) && matches(D.agents[f.agent])) tableList.push(i); });
    tableList.sort(function (p, q) {
      var a = D.findings[p], b = D.findings[q];
      return RANK[b.severity] - RANK[a.severity] || a.agent - b.agent || a.start - b.start;
    });
    $("sg-tbody").textContent = "";
    tableShown = 0;
    moreTable();
    $("sg-findings-empty").hidden = tableList.length > 0;
  }
  function moreTable() {
    var body = $("sg-tbody"), frag = document.createDocumentFragment();
    var end = Math.min(tableList.length, tableShown + TABLE_BATCH);
    for (; tableShown < end; tableShown++) {
      var i = tableList[tableShown], f = D.findings[i], a = D.agents[f.agent], tr = el("tr");
      tr.dataset.finding = i;
      tr.appendChild(el("td", "sev-" + f.severity, SIGN[f.severity] + " " + f.severity));
      var rc = el("td"); rc.appendChild(el("code", null, D.rules[f.rule].id)); tr.appendChild(rc);
      var ac = el("td"), link = el("a", null, a.id + (a.name ? " " + a.name : ""));
      link.href = "#sg-agent-" + f.agent;
      link.dataset.agent = f.agent;
      ac.appendChild(link);
      tr.appendChild(ac);
      tr.appendChild(el("td", "when", f.when));
      tr.appendChild(el("td", null, f.message));
      frag.appendChild(tr);
    }
    body.appendChild(frag);
    var more = $("sg-table-more");
    more.hidden = tableShown >= tableList.length;
    more.textContent = "Show " + Math.min(TABLE_BATCH, tableList.length - tableShown) + " more of " + (tableList.length - tableShown);
  }

  // ---- wiring --------------------------------------------------------------------------------------------------
  function fillSelect(sel, values, label) {
    values.forEach(function (v) { var o = el("option", null, label(v)); o.value = v; sel.appendChild(o); });
  }
  function init() {
    tip = $("sg-tip");
    fillSelect($("sg-rule"), D.rules.map(function (r) { return r.id; }).sort(), function (v) { return v; });
    fillSelect($("sg-pack"), packs.sort(), function (v) { return v; });
    $("sg-controls").addEventListener("submit", function (e) { e.preventDefault(); });
    document.querySelectorAll("input[name=sev]").forEach(function (c) {
      c.addEventListener("change", function () { state.sev[c.value] = c.checked; redraw(); });
    });
    $("sg-rule").addEventListener("change", function (e) { state.rule = e.target.value; redraw(); });
    $("sg-pack").addEventListener("change", function (e) { state.pack = e.target.value; redraw(); });
    $("sg-clean").addEventListener("change", function (e) { state.clean = e.target.checked; redraw(); });
    $("sg-history").addEventListener("change", function (e) { state.history = +e.target.value; redraw(); });
    $("sg-zoom").addEventListener("change", function (e) { state.zoom = +e.target.value; drawHead(); });
    var timer = null;
    $("sg-search").addEventListener("input", function (e) {
      clearTimeout(timer);
      timer = setTimeout(function () { state.q = e.target.value.trim(); redraw(); }, 120);
    });
    var tl = $("sg-tl");
    tl.addEventListener("mouseover", function (e) { var t = tipTarget(e); if (t) showTip(t); });
    tl.addEventListener("mouseout", function (e) { if (tipFor && !tipFor.contains(e.relatedTarget)) hideTip(); });
    tl.addEventListener("focusin", function (e) { var t = tipTarget(e); if (t) showTip(t); else hideTip(); });
    tl.addEventListener("focusout", hideTip);
    // Scrolling keeps the explanation of the focused item next to it, and drops one the mouse left behind.
    tl.addEventListener("scroll", function () {
      if (tipFor && tipFor === document.activeElement) moveTip(); else hideTip();
      fill();
    }, { passive: true });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") hideTip(); });
    window.addEventListener("scroll", fill, { passive: true });
    $("sg-tbody").addEventListener("click", function (e) {
      var a = e.target.closest("a[data-agent]");
      if (!a) return;
      e.preventDefault();
      var row = ensureRow(+a.dataset.agent);
      row.scrollIntoView({ block: "center" });
      row.classList.add("flash");
      setTimeout(function () { row.classList.remove("flash"); }, 1600);
      var first = row.querySelector(".fnd") || row.querySelector(".who");
      first.focus({ preventScroll: true });
    });
    $("sg-table-more").addEventListener("click", moreTable);
    window.addEventListener("resize", drawHead);
    redraw();
    // Interactive once the first rows are laid out and painted: the next frame, then the next task.
    requestAnimationFrame(function () {
      setTimeout(function () {
        if (window.performance && performance.mark) performance.mark("sg-interactive");
        document.documentElement.dataset.ready = "1";
      }, 0);
    });
  }
  init();
})();
