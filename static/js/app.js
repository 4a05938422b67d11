/* Doorstep's small script: htmx settings, the network banner, and the outbox that keeps
   knocks made without signal and sends them again (same request_id) when it can.
   Every page works without it. */
(function () {
  "use strict";
  var OUTBOX = "doorstep-outbox";
  var body;

  function banner(text) {
    var box = document.getElementById("net-status");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function readOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function writeOutbox(items) {
    try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { /* storage full or off */ }
    showWaiting();
  }
  function showWaiting() {
    var n = readOutbox().length;
    if (n) banner(body.dataset.msgWaiting.replace("{n}", n));
    else if (document.getElementById("net-status").dataset.kind === "waiting") banner("");
    document.getElementById("net-status").dataset.kind = n ? "waiting" : "";
  }

  // Keep a knock whose POST never reached the server.
  function keep(elt, config) {
    var params = new URLSearchParams();
    config.formData.forEach(function (value, key) { if (key !== "csrf_token") params.append(key, value); });
    var items = readOutbox();
    var id = params.get("request_id");
    if (items.some(function (item) { return item.id === id; })) return;
    items.push({ id: id, url: config.path, body: params.toString(), label: elt.dataset.queueLabel || "" });
    writeOutbox(items);
  }

  var sending = false;
  function flush() {
    var items = readOutbox();
    if (sending || !items.length) return;
    sending = true;
    var token = document.querySelector('meta[name="csrf-token"]').content;
    var item = items[0];
    fetch(item.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token, "HX-Request": "true" },
      body: item.body + "&csrf_token=" + encodeURIComponent(token)
    }).then(function (response) {
      sending = false;
      if (response.status === 401 || response.status === 400 || response.status >= 500) {
        // Logged out, stale page, or a server hiccup: keep it for later.
        banner(body.dataset.msgWaitingLogin.replace("{n}", readOutbox().length));
        return;
      }
      // Stored (or refused for good, e.g. 404/422): either way it leaves the outbox.
      writeOutbox(readOutbox().filter(function (other) { return other.id !== item.id; }));
      flush();
    }, function () { sending = false; showWaiting(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    body = document.body;
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
      // Stamp the moment of the tap; it travels with the knock if it is sent later.
      if (event.detail.elt.closest && event.detail.elt.closest("[data-queue]")) {
        event.detail.parameters.device_time = new Date().toISOString();
      }
    });
    function lost(event) {
      var form = event.detail.elt.closest && event.detail.elt.closest("[data-queue]");
      if (form && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
        keep(form, event.detail.requestConfig);
        var target = event.detail.target;
        if (target) {
          target.classList.add("queued");
          var note = document.createElement("p");
          note.className = "notice";
          note.textContent = body.dataset.msgKept;
          target.insertBefore(note, target.firstChild);
          target.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        }
        return;
      }
      banner(body.dataset.msgOffline);
    }
    body.addEventListener("htmx:sendError", lost);
    body.addEventListener("htmx:timeout", lost);
    body.addEventListener("htmx:responseError", function (event) {
      var status = event.detail.xhr.status;
      if (status === 401) return; // HX-Redirect to the login page is already under way
      var swapped = event.detail.xhr.responseText;
      banner(status >= 500 || !swapped ? body.dataset.msgError : "");
      if (status >= 400 && status < 500 && swapped && event.detail.target) {
        event.detail.target.innerHTML = swapped; // 404/400 fragments explain themselves in place
      }
    });
    body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful && !readOutbox().length) banner("");
    });
    window.addEventListener("online", flush);
    showWaiting();
    flush();
    setInterval(flush, 30000);
  });
})();
