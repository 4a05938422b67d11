/* Doorstep's small script: htmx settings; honest tap times (the phone's clock measured against the
   server's); the outbox that keeps knocks made without signal, per user, and sends them again with the
   same request_id (nothing leaves it silently: refused ones wait in "needs attention"); offline copies
   of another user are forgotten. offline.js talks to the service worker. Every page works without it. */
(function () {
  "use strict";
  var body, user, msg, copy;
  var BOX = "doorstep-outbox:", CLOCK = "doorstep-clock", OWNER = "doorstep-user";

  function $(id) { return document.getElementById(id); }
  function get(key, fallback) { try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; } }
  function put(key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or off */ } }
  function say(text) { var box = $("net-status"); if (box) { box.textContent = text || ""; box.hidden = !text; } }
  function hhmm(ms) { return new Date(ms).toTimeString().slice(0, 5); }  // "09:05", the phone's time
  function rid() {
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.from(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- Honest times: server minus phone, measured on pages that came from the server.
  function offset() { return get(CLOCK, {}).offset || 0; }
  function measure(serverMs, phoneMs) { if (serverMs) put(CLOCK, { offset: serverMs - phoneMs, at: Date.now() }); }

  // --- The outbox of the logged-in user.
  function read() { return user ? get(BOX + user, []) : []; }
  function write(items) { put(BOX + user, items); show(); }
  function change(id, fn) { write(read().map(function (it) { return it.id === id ? (fn(it) || it) : it; })); }
  function drop(id) { write(read().filter(function (it) { return it.id !== id; })); }
  function pending() { return read().filter(function (it) { return !it.reason; }); }  // not refused: to send

  function show() {
    var items = read(), waiting = pending();
    var status = $("net-status");
    if (waiting.length) say((loginWait ? msg.msgWaitingLogin : msg.msgWaiting).replace("{n}", waiting.length));
    else if (status && status.dataset.kind === "waiting") say("");
    if (status) status.dataset.kind = waiting.length ? "waiting" : "";
    var list = $("attention-list"), refused = items.filter(function (it) { return it.reason; });
    if (!list) return;
    list.textContent = "";
    refused.forEach(function (it) {
      var li = document.createElement("li"), title = document.createElement("strong"), why = document.createElement("span");
      li.className = "attn";
      title.textContent = it.label + " · " + it.outcome + (it.at ? " · " + hhmm(it.at) : "");
      why.className = "error"; why.textContent = it.reason;
      li.append(title, why);
      // The knock went in but its slip did not, or the form was refused (422: 地址有误 with no note): the door's card.
      if (it.done || it.status == 422) {
        var open = document.createElement("a");
        open.className = "button"; open.href = it.url; open.textContent = msg.msgOpenDoor;
        li.append(open);
      }
      [it.done ? null : ["retry", msg.msgRetry], ["discard", it.done ? msg.msgSeen : msg.msgDiscard]].forEach(function (b) {
        if (!b) return;
        var button = document.createElement("button");
        button.type = "button"; button.dataset[b[0]] = it.id; button.textContent = b[1];
        li.append(button);
      });
      list.append(li);
    });
    $("attention").hidden = !refused.length;
  }

  function doorOf(item) {
    var form = document.querySelector('form[data-queue][action="' + item.url + '"]');
    return form && (form.closest("li.door") || form.closest("#knock") || form);
  }

  // A knock that did not reach the server: keep it, mark its door, offer the slip after not_home.
  function keep(form, formData) {
    var params = new URLSearchParams();
    formData.forEach(function (value, key) { if (key !== "csrf_token") params.append(key, value); });
    var id = params.get("request_id"), outcome = params.get("outcome");
    if (read().some(function (it) { return it.id === id; })) return;
    var button = form.querySelector('button[value="' + outcome + '"]');
    var walk = form.closest("#walk"), room = form.closest("li") && form.closest("li").querySelector(".room");
    params.set("outbox_user", user);
    var items = read();
    items.push({ id: id, url: form.getAttribute("action"), body: params.toString(), at: Date.now(),
      kind: params.get("return_to") === "walk" ? "walk" : form.dataset.queue === "scan" ? "scan" : "card",
      label: form.dataset.queueLabel || (walk ? walk.dataset.label + " " + (room ? room.textContent : "") : ""),
      outcome: button ? button.textContent : outcome || "", tries: 0 });
    write(items);
    // Storage off (a WebView without DOM storage) or full: say it was not sent, never "kept".
    if (read().length < items.length) return say(msg.msgOffline);
    mark(items[items.length - 1]);
  }

  function mark(item) {
    var door = doorOf(item);
    if (!door || door.classList.contains("queued")) return;
    door.classList.add("queued");
    var note = document.createElement("p");
    note.className = "notice kept"; note.textContent = (item.outcome ? msg.msgKeptAs.replace("{outcome}", item.outcome) : msg.msgKept);
    // A wrong tap is put right on the phone: the knock never leaves it.
    var undo = document.createElement("button");
    undo.type = "button"; undo.dataset.discard = item.id; undo.textContent = msg.msgUndo;
    note.append(undo);
    door.insertBefore(note, door.querySelector("form"));
    door.querySelectorAll("form[data-queue] button").forEach(function (b) { b.disabled = true; });
    if (/(^|&)outcome=not_home(&|$)/.test(item.body) && item.kind !== "scan") {
      var slip = document.createElement("form"), input = document.createElement("input"), go = document.createElement("button");
      var code = new URLSearchParams(item.body).get("slip_code");
      slip.className = "slip-later inline-field kept"; slip.dataset.item = item.id;
      input.name = "slip_code"; input.placeholder = "ABCD-EFGH"; input.autocomplete = "off";
      input.setAttribute("aria-label", msg.msgSlip); input.value = code || "";
      go.type = "submit"; go.textContent = msg.msgSlipButton;
      slip.append(input, go);
      door.append(slip);
      if (code) slipKept(slip, code);
    }
  }
  function slipKept(form, code) {
    var done = document.createElement("p");
    done.className = "done-line kept"; done.textContent = msg.msgSlipKept.replace("{code}", code);
    form.replaceWith(done);
  }

  // Undone on the phone, or refused by the server (it waits in "needs attention"): the door can be knocked again.
  function unmark(door) {
    if (!door) return;
    door.classList.remove("queued");
    door.querySelectorAll(".kept").forEach(function (e) { e.remove(); });
    door.querySelectorAll("form[data-queue] button").forEach(function (b) { b.disabled = false; });
  }

  // After a resend: the door's state in place of the "kept on this phone" notice.
  function place(item, html) {
    var door = doorOf(item);
    if (!door || door.tagName === "FORM") return;
    if (window.htmx && htmx.swap) htmx.swap(door, html, { swapStyle: "outerHTML" });
    else door.outerHTML = html;
  }

  // A knock sent late was kept, but the slip typed with it was refused (a wrong or used number): the
  // knock leaves the outbox, and the slip waits in "needs attention" until the volunteer has seen it.
  function slipRefused(item, why) {
    var items = read();
    items.push({ id: item.id + "-slip", url: item.url, label: item.label, outcome: item.outcome, at: item.at,
      reason: msg.msgSlipRefused.replace("{why}", why), done: true });
    write(items);
  }

  function reasonOf(status, html) {
    var box = document.createElement("div");
    box.innerHTML = html || "";
    var errors = Array.from(box.querySelectorAll(".error"), function (e) { return e.textContent.trim(); });
    if (status === 404) return msg.msgNotFound;
    if (status === 410) return msg.msgGone;
    return errors.filter(Boolean).join(" ") || msg.msgRefused + " (" + status + ")";
  }

  // A kept copy opened without signal, once the server answers again: say so, and offer the live page (never
  // reloaded under the thumb: a tap could land on a door that has moved).
  function live() {
    if (!copy) return;
    var a = document.createElement("a");
    copy.textContent = msg.msgLive.replace("{time}", hhmm(+copy.dataset.saved));
    a.href = ""; a.className = "button"; a.textContent = msg.msgRefresh;
    copy.append(a); copy = null;
  }

  // The signed-in user and a fresh CSRF token (fetch sends the cookie: same-origin is its default).
  function state() { return fetch("/offline/state", { cache: "no-store", headers: { "HX-Request": "true" } }); }
  // Not sent (no network, or the server failed): try again later, waiting longer each time (at most 10 min).
  function later(item) {
    change(item.id, function (it) { it.tries += 1; it.next = Date.now() + Math.min(600000, 15000 * Math.pow(2, it.tries)); });
  }

  var sending = false, loginWait = false, flushing = Promise.resolve();
  // Send every waiting item of this user, one at a time; one stuck item never blocks the others.
  function flush(force) {
    var due = pending().filter(function (it) { return force || !it.next || it.next <= Date.now(); });
    if (sending) return flushing;  // one at a time: a caller waits for the one under way
    if (!due.length && !copy) return Promise.resolve();  // a kept copy asks until the server answers
    sending = true;
    var started = Date.now();
    flushing = state()
      .then(function (r) {
        live();
        if (r.status === 401 || r.redirected) throw "login";
        return r.json();
      })
      .then(function (state) {
        if (String(state.user) !== user) throw "login";  // another login: these wait for their owner
        loginWait = false;
        measure(state.now, (started + Date.now()) / 2);
        return due.reduce(function (chain, item) {
          return chain.then(function (token) { return send(item, token, false); });
        }, Promise.resolve(state.token));
      })
      .catch(function (why) { if (why === "login") loginWait = true; })
      .then(function () {
        sending = false; show();
        var sent = due.filter(function (it) { return !read().some(function (kept) { return kept.id === it.id; }); });
        if (!sent.length) return;
        // "n sent" for a few seconds: the waiting count went away because they arrived, not by chance.
        var told = msg.msgSent.replace("{n}", sent.length);
        say(told);
        setTimeout(function () { if ($("net-status").textContent === told) say(""); }, 5000);
      });
    return flushing;
  }

  function send(item, token, renewed) {
    // The answer fits the page that shows the door now: its walk row or its card.
    var door = doorOf(item), params = new URLSearchParams(item.body);
    if (door && door.tagName !== "FORM") params.set("return_to", door.tagName === "LI" ? "walk" : "");
    return fetch(item.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token, "HX-Request": "true" },
      body: params.toString() + "&csrf_token=" + encodeURIComponent(token)
    }).then(function (r) {
      if (r.status === 401 || r.status === 409) throw "login";
      if (r.status === 400 && !renewed) {
        // A stale CSRF token: fetch a fresh one and try once more.
        return state()
          .then(function (s) { if (!s.ok) throw "login"; return s.json(); })
          .then(function (state) { return send(item, state.token, true); });
      }
      return r.text().then(function (html) {
        if (r.ok) {
          drop(item.id); place(item, html);
          var slip = r.headers.get("X-Doorstep-Slip-Refused");
          if (slip) slipRefused(item, decodeURIComponent(slip));
        }
        else if (r.status >= 400 && r.status < 500 && r.status !== 429) {
          change(item.id, function (it) { it.reason = reasonOf(r.status, html); it.status = r.status; });
          unmark(doorOf(item));
        } else {
          later(item);
        }
        return token;
      });
    }, function (error) {
      if (error === "login") throw error;
      later(item);
      throw "offline";  // no network: the rest wait too
    });
  }

  // --- Copies kept by the service worker (registered by offline.js) belong to one user.
  function forget() {
    // Logged out, or another user: no copy of this user's pages stays on the phone.
    var done = window.caches ? caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("doorstep-u") === 0 && k !== "doorstep-u" + user; })
        .map(function (k) { return caches.delete(k); }));
    }) : Promise.resolve();
    return done.catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    body = document.body; msg = body.dataset; user = body.dataset.user || "";
    copy = $("offline-copy");
    if (copy) {
      copy.textContent = msg.msgOfflineCopy.replace("{time}", hhmm(+copy.dataset.saved));
      // A kept page is used again: every form gets a request id of its own.
      document.querySelectorAll('input[name="request_id"]').forEach(function (input) { input.value = rid(); });
    } else {
      var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
      measure(Number(msg.now), nav ? performance.timeOrigin + nav.responseStart : Date.now());
    }
    var offlinePage = $("offline-buildings");
    if (offlinePage) {
      user = get(OWNER, "");  // shown without a network: the phone's last user, their outbox and buildings
    } else {
      if (get(OWNER, "") !== user) forget();
      put(OWNER, user);
    }
    document.addEventListener("click", function (event) {
      var t = event.target.closest("[data-retry], [data-discard]");
      if (!t) return;
      if (t.dataset.retry) {
        change(t.dataset.retry, function (it) { delete it.reason; it.next = 0; });
        flush(true);
      } else if (t.dataset.discard) {
        unmark(t.closest(".queued"));
        drop(t.dataset.discard);
      }
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.classList.contains("slip-later")) {
        // A slip left at a door whose knock waits on the phone: it travels with the knock.
        event.preventDefault();
        var code = form.elements.slip_code.value.trim(), id = form.dataset.item;
        if (!code || !read().some(function (it) { return it.id === id && !it.reason; })) return;
        change(id, function (it) {
          var params = new URLSearchParams(it.body); params.set("slip_code", code); it.body = params.toString();
        });
        slipKept(form, code);
      } else if (form.getAttribute("action") === "/logout") {
        event.preventDefault();
        // What waits on the phone is sent first (a few seconds at most); what still cannot go waits for
        // this user's next login here: say so, and let them stay.
        Promise.race([flush(true), new Promise(function (done) { setTimeout(done, 4000); })]).then(function () {
          // Without signal the server cannot end the session: leaving would show the browser's error page
          // and keep this login open on the phone.
          if (!navigator.onLine) return say(msg.msgLogoutOffline);
          var waiting = pending().length;
          if (waiting && !confirm(msg.msgLogoutWaiting.replace("{n}", waiting))) return;
          user = "";
          forget().then(function () { form.submit(); });
        });
      }
    });
    pending().forEach(mark);
    show();
    if (!window.htmx) return;
    // Swap 422 (a form with its messages) like a success; show a banner for other errors.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
    htmx.config.historyCacheSize = 5;
    htmx.config.timeout = 20000;

    body.addEventListener("htmx:configRequest", function (event) {
      // The moment of the tap, on the server's clock; it travels with the knock if it is sent later.
      if (event.detail.elt.closest && event.detail.elt.closest("[data-queue]")) {
        event.detail.parameters.device_time = new Date(Date.now() + offset()).toISOString();
        event.detail.parameters.clock_offset = Math.round(offset() / 1000);
      }
    });
    // The form of a knock (a POST from a form the outbox keeps), or nothing.
    function queued(event) {
      var form = event.detail.elt.closest && event.detail.elt.closest("form[data-queue]");
      return event.detail.requestConfig && event.detail.requestConfig.verb === "post" && form;
    }
    function lost(event) {
      var form = queued(event);
      if (form) {
        keep(form, event.detail.requestConfig.formData);
        flush(true);
        return true;
      }
      say(msg.msgOffline);
    }
    // A knock still on its way (one bar: htmx waits up to 20 s) when the volunteer leaves the page: the
    // outbox keeps it and sends it again with the same request id (a knock that did arrive answers the same).
    // (An answered, failed or timed-out request is done: readyState 4.)
    var flying = [];
    body.addEventListener("htmx:beforeRequest", function (event) { if (queued(event)) flying.push(event); });
    window.addEventListener("pagehide", function () {
      flying.forEach(function (event) { if (event.detail.xhr.readyState < 4) lost(event); });
    });
    body.addEventListener("htmx:sendError", lost);
    body.addEventListener("htmx:timeout", lost);
    // Logged out meanwhile (out on another phone, a password reset): htmx goes to the login page; keep the knock.
    body.addEventListener("htmx:beforeOnLoad", function (event) { if (event.detail.xhr.status === 401) lost(event); });
    body.addEventListener("htmx:responseError", function (event) {
      var status = event.detail.xhr.status;  // (a 401 never gets here: htmx follows its HX-Redirect first)
      // A kept page's stale token, or a server hiccup: the outbox renews the token and retries.
      if ((status === 400 || status >= 500) && lost(event)) return;
      var swapped = event.detail.xhr.responseText;
      say(status >= 500 || !swapped ? msg.msgError : "");
      if (status >= 400 && status < 500 && swapped && event.detail.target) {
        event.detail.target.innerHTML = swapped; // 404/410 fragments explain themselves in place
      }
    });
    body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful && !read().length) say("");
    });
    window.addEventListener("online", function () { flush(true); });
    flush(true);
    setInterval(flush, 15000);
  });
})();
