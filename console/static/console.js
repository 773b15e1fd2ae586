// ticketd console: keyboard shortcuts and live updates. No inline script is
// allowed by the page's Content-Security-Policy; everything is here.
(function () {
  "use strict";

  var queueBody = function () { return document.getElementById("queue-body"); };
  var queuePage = document.getElementById("queue-page");
  var ticketPage = document.querySelector("main#ticket[data-number]");
  var selected = -1;
  var replyKey = false; // "r" went down outside a field: reply when it comes up

  // --- keyboard -----------------------------------------------------------

  function rows() {
    var body = queueBody();
    return body ? Array.prototype.slice.call(body.querySelectorAll("tr[data-ticket]")) : [];
  }

  function select(i) {
    var rs = rows();
    if (rs.length === 0) { selected = -1; return; }
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    rs[i].classList.add("selected");
    rs[i].setAttribute("aria-selected", "true");
    rs[i].scrollIntoView({ block: "nearest" });
    selected = i;
  }

  function selectedLink() {
    var rs = rows();
    if (selected < 0 || selected >= rs.length) { return null; }
    return rs[selected].querySelector("a.ticket-link");
  }

  function focusReply() {
    var form = document.getElementById("reply");
    if (!form) { return false; }
    var field = form.querySelector("select, textarea, input:not([type=hidden])");
    form.scrollIntoView({ block: "start" });
    if (field) { field.focus(); }
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) { return; }
    var link;
    switch (e.key) {
    case "j":
      if (queueBody()) { select(selected + 1); e.preventDefault(); }
      break;
    case "k":
      if (queueBody()) { select(selected < 0 ? 0 : selected - 1); e.preventDefault(); }
      break;
    case "Enter":
    case "o":
      link = selectedLink();
      if (link) { window.location.assign(link.href); e.preventDefault(); }
      break;
    case "r":
      // Acted on at keyup: focusing the form now would let the key's own
      // character reach it (a select would pick a template by it).
      if (document.getElementById("reply") || selectedLink()) { replyKey = true; e.preventDefault(); }
      break;
    }
  });

  document.addEventListener("keyup", function (e) {
    if (e.key !== "r" || !replyKey) { return; }
    replyKey = false;
    if (focusReply()) { return; }
    var link = selectedLink();
    if (link) { window.location.assign(link.href + "#reply"); }
  });

  if (window.location.hash === "#reply") {
    document.addEventListener("DOMContentLoaded", focusReply);
    if (document.readyState !== "loading") { focusReply(); }
  }

  // --- live updates -------------------------------------------------------

  if (!window.EventSource || (!queuePage && !ticketPage)) { return; }

  var changed = {};   // numbers of tickets changed since the rows were last loaded
  var timer = null;
  var loading = false;

  function refreshQueue() {
    timer = null;
    if (loading) { schedule(); return; }
    loading = true;
    var url = queuePage.getAttribute("data-rows");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (resp) {
        if (!resp.ok || resp.redirected) { // redirected: the session ended, to the sign-in page
          var off = document.getElementById("live-offline");
          if (off) { off.hidden = false; }
          throw new Error("rows: " + resp.status);
        }
        return resp.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var keep = selected >= 0 && rows()[selected] ? rows()[selected].getAttribute("data-ticket") : null;
        ["queue-body", "counts", "pager"].forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
        });
        rows().forEach(function (r, i) {
          var n = r.getAttribute("data-ticket");
          if (changed[n]) { r.classList.add("changed"); }
          if (n === keep) { select(i); }
        });
        changed = {};
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () { loading = false; });
  }

  function schedule() {
    if (timer === null) { timer = window.setTimeout(refreshQueue, 400); }
  }

  function showViewers(list) {
    var el = document.getElementById("viewers");
    if (!el) { return; }
    var me = document.getElementById("user-name");
    var myName = me ? me.textContent : "";
    while (el.firstChild) { el.removeChild(el.firstChild); }
    list.forEach(function (name) {
      if (name === myName) { return; }
      var li = document.createElement("li");
      li.textContent = name;
      el.appendChild(li);
    });
    el.hidden = el.children.length === 0;
  }

  // The page says from which version its stream starts (data-since), so
  // that a change made while it loaded is not missed.
  var params = [];
  var page = ticketPage || queuePage;
  if (ticketPage) { params.push("ticket=" + encodeURIComponent(ticketPage.getAttribute("data-number"))); }
  if (page.getAttribute("data-since")) { params.push("after=" + encodeURIComponent(page.getAttribute("data-since"))); }
  var url = "/events" + (params.length ? "?" + params.join("&") : "");
  var source = new EventSource(url);

  source.addEventListener("ticket", function (e) {
    var c;
    try { c = JSON.parse(e.data); } catch (err) { return; }
    if (queuePage) {
      changed[c.number] = true;
      schedule();
    }
    if (ticketPage && c.number === ticketPage.getAttribute("data-number") &&
        c.version > Number(ticketPage.getAttribute("data-version") || 0)) {
      var note = document.getElementById("live-changed");
      if (note) { note.hidden = false; }
    }
  });

  source.addEventListener("presence", function (e) {
    var p;
    try { p = JSON.parse(e.data); } catch (err) { return; }
    if (ticketPage && p.number === ticketPage.getAttribute("data-number")) { showViewers(p.viewers || []); }
  });

  source.addEventListener("resync", function () {
    if (queuePage) { schedule(); }
  });

  source.addEventListener("open", function () {
    var off = document.getElementById("live-offline");
    if (off) { off.hidden = true; }
  });

  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      var off = document.getElementById("live-offline");
      if (off) { off.hidden = false; }
    }
  });
}());

// ticket page: choosing another reply template shows its fields at once
// (the form's preview, as the button would); without script the operator
// presses the button.
(function () {
  "use strict";
  var form = document.getElementById("reply");
  if (!form) { return; }
  var select = form.querySelector("select[name=template]");
  var preview = form.querySelector("button[name=action][value=preview]");
  if (!select || !preview) { return; }
  select.addEventListener("change", function () {
    if (form.requestSubmit) { form.requestSubmit(preview); } else { preview.click(); }
  });
}());
