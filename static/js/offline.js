/* Buildings taken offline: registers the service worker (/sw.js), asks it to keep a building (the walk
   page on opening, "take this building offline" on the home page) and shows what is kept and how old.
   Bundled into app.min.js (loaded on every page); it acts on the home, walk and offline pages only. */
(function () {
  "use strict";
  var msg = document.body.dataset, user = msg.user || "", swOk = false;
  function $(id) { return document.getElementById(id); }
  if (!$("walk") && !$("offline-buildings") && !document.querySelector("[data-take]")) return;
  function hhmm(ms) { return new Date(ms).toTimeString().slice(0, 5); }  // "09:05", the phone's time
  function kept(b) { return msg.msgSaved.replace("{time}", hhmm(b.saved)).replace("{n}", b.doors); }
  function worker(message) {
    if (!navigator.serviceWorker) return Promise.reject();
    // Some browsers (and WebViews) never make a worker ready: give up after a while.
    return Promise.race([navigator.serviceWorker.ready, new Promise(function (resolve, reject) {
      setTimeout(reject, 10000);
    })]).then(function (reg) { return ask(reg.active, message); });
  }
  function ask(target, message) {
    return new Promise(function (resolve, reject) {
      if (!target) return reject();
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data); };
      target.postMessage(message, [channel.port2]);
      setTimeout(reject, 120000);
    });
  }
  function statuses() {
    var spots = document.querySelectorAll("[data-offline-status]"), list = $("offline-buildings");
    if (!spots.length && !list) return;
    worker({ type: "list", user: user }).then(function (saved) {
      spots.forEach(function (spot) {
        var hit = saved.filter(function (b) { return b.url === spot.dataset.offlineStatus; })[0];
        spot.textContent = hit ? kept(hit) : "";
      });
      if (list) {
        list.textContent = saved.length ? "" : list.dataset.empty;
        saved.forEach(function (b) {
          var li = document.createElement("li"), a = document.createElement("a");
          a.className = "row"; a.href = b.url;
          a.textContent = b.name + " · " + kept(b);
          li.append(a); list.append(li);
        });
      }
    }, function () { /* no service worker here */ });
  }
  function take(url, spot, force) {
    if (spot) spot.textContent = msg.msgSaving;
    return worker({ type: "take", url: url, user: user, force: !!force }).then(function (result) {
      if (spot) spot.textContent = result && result.ok ? kept(result) : msg.msgSaveFailed;
    }, function () { if (spot) spot.textContent = msg.msgNoSw; });
  }
  function noWorker() {
    var spot = $("walk") && document.querySelector("[data-offline-status]");
    if (spot) spot.textContent = msg.msgNoSw;
  }

  var copy = $("offline-copy"), offlinePage = $("offline-buildings");
  if (offlinePage) {
    // Shown without a network: the phone's last user and their buildings.
    try { user = JSON.parse(localStorage.getItem("doorstep-user")) || ""; } catch (e) { user = ""; }
    statuses();
  } else if (navigator.serviceWorker && user) {
    navigator.serviceWorker.register("/sw.js").then(function (registration) {
      if (!registration) { noWorker(); return; }  // registration refused (a locked-down browser)
      swOk = true;
      worker({ type: "user", user: user }).catch(function () {});
      if ($("walk") && !copy) take(location.pathname, document.querySelector("[data-offline-status]")).then(statuses);
      else statuses();
    }, noWorker);
  } else {
    noWorker();
  }
  document.addEventListener("click", function (event) {
    var t = event.target.closest("[data-take]");
    if (!t || !swOk) return;  // without a service worker the link opens the walk page: the offline unit
    event.preventDefault();
    take(t.dataset.take, t.parentNode.querySelector("[data-offline-status]"), true);
  });
})();
