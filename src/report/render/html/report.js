(function () {
  "use strict";
  var root = document.documentElement;
  window.addEventListener("error", function (e) { root.dataset.error = String(e.message); });
  document.addEventListener("securitypolicyviolation", function (e) { root.dataset.csp = e.violatedDirective; });

  var D = JSON.parse(document.getElementById("jitgap-data").textContent);
  var S = D.strings;
  var PAGE = 100;
  var form = document.getElementById("filters");
  var FIELDS = ["boundary", "scope", "severity", "enforcement", "privilege", "revocation", "rule", "status", "q"];
  var state = {};
  var pages = { fp: 1, pp: 1 };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== "") e.textContent = text;
    return e;
  }
  function s(i) { return S[i]; }

  // Finding row: sev, rule, boundary, scope, identity, entitlement, target, message,
  // revocation, baseline, suppressed, privilege, enforcement, id, evidence.
  function findingMatches(f, q) {
    if (state.boundary && s(f[2]) !== state.boundary) return false;
    if (state.scope && s(f[3]) !== state.scope) return false;
    if (state.severity && s(f[0]) !== state.severity) return false;
    if (state.enforcement && s(f[12]) !== state.enforcement) return false;
    if (state.privilege && s(f[11]) !== state.privilege) return false;
    if (state.revocation && s(f[8]) !== state.revocation) return false;
    if (state.rule && s(f[1]) !== state.rule) return false;
    if (state.status === "active" && f[10]) return false;
    if (state.status === "suppressed" && !f[10]) return false;
    if (state.status === "new" && s(f[9]) !== "new") return false;
    if (q) {
      var text = [s(f[1]), s(f[4]), s(f[5]), s(f[6]), s(f[7]), s(f[13])].join(" ").toLowerCase();
      if (text.indexOf(q) < 0) return false;
    }
    return true;
  }
  // Path row: identity, entitlement, target, boundary, scope, privilege, enforcement,
  // credential, [rule, reason] x3, id, evidence.
  function pathMatches(p, q) {
    if (state.boundary && s(p[3]) !== state.boundary) return false;
    if (state.scope && s(p[4]) !== state.scope) return false;
    if (state.enforcement && s(p[6]) !== state.enforcement) return false;
    if (state.privilege && s(p[5]) !== state.privilege) return false;
    if (q) {
      var b = p[8];
      var text = [s(p[0]), s(p[1]), s(p[2]), s(b[1]), s(b[3]), s(b[5]), s(p[9])].join(" ").toLowerCase();
      if (text.indexOf(q) < 0) return false;
    }
    return true;
  }

  function pair(dl, term, value) {
    if (value === "") return;
    dl.appendChild(el("dt", "", term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value;
    dl.appendChild(dd);
  }
  function evidence(list) {
    var ul = el("ul", "evidence");
    list.forEach(function (e) {
      var li = el("li");
      li.appendChild(el("code", "", s(e[0])));
      if (s(e[1])) { li.appendChild(document.createTextNode(" ")); li.appendChild(el("code", "", s(e[1]))); }
      ul.appendChild(li);
    });
    return ul;
  }

  function findingCard(f) {
    var d = el("details", "item finding" + (f[10] ? " suppressed" : ""));
    d.dataset.id = s(f[13]);
    var sum = el("summary");
    sum.appendChild(el("span", "sev sev-" + s(f[0]), s(f[0])));
    sum.appendChild(el("code", "rule", s(f[1])));
    sum.appendChild(el("span", "who", s(f[4])));
    sum.appendChild(el("span", "where", s(f[2]) + " · " + s(f[3])));
    if (s(f[9]) === "new") sum.appendChild(el("span", "tag", "new"));
    if (f[10]) sum.appendChild(el("span", "tag", "suppressed"));
    sum.appendChild(el("span", "msg", s(f[7])));
    d.appendChild(sum);
    var dl = el("dl");
    pair(dl, "entitlement", s(f[5]));
    pair(dl, "target", s(f[6]));
    pair(dl, "revocation", s(f[8]));
    pair(dl, "path verdicts", s(f[11]) ? "privilege " + s(f[11]) + " · enforcement " + s(f[12]) : "");
    pair(dl, "evidence", evidence(f[14]));
    var a = el("a", "", "why it matters, remediation, frameworks");
    a.href = "#doc-" + s(f[1]).toLowerCase();
    pair(dl, "rule", a);
    pair(dl, "fingerprint", el("code", "", s(f[13])));
    d.appendChild(dl);
    return d;
  }
  function pathCard(p) {
    var d = el("details", "item path enf-" + s(p[6]));
    d.dataset.id = s(p[9]);
    var sum = el("summary");
    sum.appendChild(el("span", "enf", s(p[6])));
    sum.appendChild(el("span", "priv", s(p[5])));
    sum.appendChild(el("span", "who", s(p[0])));
    sum.appendChild(el("span", "what", s(p[1])));
    sum.appendChild(el("span", "where", s(p[3]) + " · " + s(p[4])));
    d.appendChild(sum);
    var dl = el("dl"), b = p[8];
    pair(dl, "target", s(p[2]));
    pair(dl, "privilege: " + s(p[5]), s(b[0]) + ": " + s(b[1]));
    pair(dl, "enforcement: " + s(p[6]), s(b[2]) + ": " + s(b[3]));
    pair(dl, "credential: " + s(p[7]), s(b[4]) + ": " + s(b[5]));
    pair(dl, "evidence", evidence(p[10]));
    pair(dl, "path id", el("code", "", s(p[9])));
    d.appendChild(dl);
    return d;
  }

  function pager(nav, key, count, noun) {
    nav.textContent = "";
    var last = Math.max(1, Math.ceil(count / PAGE));
    if (pages[key] > last) pages[key] = last;
    if (last === 1) return;
    function button(label, to) {
      var b = el("button", "", label);
      b.type = "button";
      b.disabled = to < 1 || to > last || to === pages[key];
      b.addEventListener("click", function () { pages[key] = to; update(false); });
      nav.appendChild(b);
    }
    button("« first", 1);
    button("‹ previous", pages[key] - 1);
    nav.appendChild(el("span", "", "page " + pages[key] + " of " + last + " (" + PAGE + " " + noun + " a page)"));
    button("next ›", pages[key] + 1);
    button("last »", last);
  }

  function list(rows, matches, card, ids, key, noun) {
    var q = (state.q || "").toLowerCase();
    var hits = rows.filter(function (r) { return matches(r, q); });
    var count = document.getElementById(ids + "-count");
    var box = document.getElementById(ids + "-list");
    pager(document.getElementById(ids + "-pager"), key, hits.length, noun);
    var start = (pages[key] - 1) * PAGE;
    var shown = hits.slice(start, start + PAGE);
    var frag = document.createDocumentFragment();
    shown.forEach(function (r) { frag.appendChild(card(r)); });
    box.textContent = "";
    box.appendChild(frag);
    count.dataset.matching = hits.length;
    count.dataset.total = rows.length;
    count.dataset.shown = shown.length;
    count.textContent = hits.length === rows.length
      ? rows.length + " " + noun
      : hits.length + " of " + rows.length + " " + noun + " match the filters";
    if (hits.length > shown.length) count.textContent += " (showing " + (start + 1) + "–" + (start + shown.length) + ")";
  }

  function readForm() {
    FIELDS.forEach(function (k) { state[k] = form.elements[k].value; });
  }
  function writeForm() {
    FIELDS.forEach(function (k) {
      var input = form.elements[k], v = state[k] || "";
      if (input.tagName === "SELECT" && v && !Array.prototype.some.call(input.options, function (o) { return o.value === v; })) {
        input.appendChild(el("option", "", v)).value = v;
      }
      input.value = v;
    });
  }
  function hashText() {
    var parts = [];
    FIELDS.forEach(function (k) { if (state[k]) parts.push(k + "=" + encodeURIComponent(state[k])); });
    if (pages.fp > 1) parts.push("fp=" + pages.fp);
    if (pages.pp > 1) parts.push("pp=" + pages.pp);
    return parts.join("&");
  }
  // A filter view lives in the address (#severity=high&boundary=aws): it can be bookmarked or
  // sent; a plain section link (#coverage) leaves the filters as they are.
  function fromHash() {
    var h = location.hash.slice(1);
    if (h.indexOf("=") < 0) return false;
    state = {};
    pages = { fp: 1, pp: 1 };
    h.split("&").forEach(function (kv) {
      var i = kv.indexOf("="), k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
      if (k === "fp" || k === "pp") pages[k] = Math.max(1, parseInt(v, 10) || 1);
      else if (FIELDS.indexOf(k) >= 0) state[k] = v;
    });
    writeForm();
    return true;
  }
  function update(fromForm) {
    var started = performance.now();
    if (fromForm) { readForm(); pages = { fp: 1, pp: 1 }; }
    var h = hashText();
    if (h !== location.hash.slice(1) && (h || location.hash.indexOf("=") >= 0)) {
      history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
    }
    list(D.findings, findingMatches, findingCard, "findings", "fp", "findings");
    list(D.paths, pathMatches, pathCard, "paths", "pp", "paths");
    root.dataset.resources = String(performance.getEntriesByType("resource").length);
    // How long the page took to list what it shows, from the start of loading (measured in
    // benches/README.md on the large estates).
    if (!root.dataset.ready) root.dataset.readyMs = String(Math.round(performance.now()));
    root.dataset.updateMs = String(Math.round(performance.now() - started));
    root.dataset.ready = "1";
  }

  var typing;
  form.addEventListener("change", function () { update(true); });
  form.addEventListener("input", function (e) {
    if (e.target.name !== "q") return;
    clearTimeout(typing);
    typing = setTimeout(function () { update(true); }, 150);
  });
  form.addEventListener("reset", function () { setTimeout(function () { update(true); }, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", function () { if (fromHash()) update(false); });
  if (!fromHash()) readForm();
  update(false);
})();
