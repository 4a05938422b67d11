/* Doorstep's service worker (served at /sw.js, scope /). A building taken offline (its walk page opened
   with signal, or "take this building offline" on the home page) is kept per user: the walk page, a
   light copy of each door's card /h/<token>, and the static files. Without a network those answer from
   here with an "offline copy from HH:mm" line; any other page gets the offline page. Only GETs are
   touched: knocks are kept and resent by the page's outbox (app.js). Cleared for a user on logout and
   when another user logs in. */
"use strict";
var STATIC = "doorstep-static-v1", META = "doorstep-meta", INDEX = "/__buildings", MAX_BUILDINGS = 3;
var WAIT_MS = 8000;  // one bar of signal: after this long a kept copy answers instead
// The offline page (templates/offline/page.html) is fetched at install: a phone gets a changed one when this
// file changes, so change it with the page. Offline page: with 重试 (2).

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return cache.add(new Request("/offline", { credentials: "omit" }));
  }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function userCache(user) { return "doorstep-u" + user; }
function currentUser() {
  return caches.open(META).then(function (c) { return c.match("/__user"); })
    .then(function (r) { return r ? r.text() : ""; });
}
function setUser(user) {
  user = String(user || "");
  return caches.open(META).then(function (c) { return c.put("/__user", new Response(user)); })
    .then(function () { return caches.keys(); })
    .then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("doorstep-u") === 0 && k !== userCache(user); })
        .map(function (k) { return caches.delete(k); }));
    });
}
// The walk page's heading as text: the page escapes & < > " ' (Jinja), the list of kept buildings shows it as
// text (offline.js sets textContent), so "A&amp;B栋" is kept as "A&B栋" and "&lt;b&gt;" as "<b>", never as markup.
var ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
function unescapeHtml(html) {
  return html.replace(/&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g, function (all, name, dec, hex) {
    if (name) return ENTITIES[name];
    var code = dec ? parseInt(dec, 10) : parseInt(hex, 16);
    return code > 0 && code <= 0x10FFFF ? String.fromCodePoint(code) : all;
  });
}
function index(cache) {
  return cache.match(INDEX).then(function (r) { return r ? r.json() : []; });
}

var FRESH_MS = 10 * 60 * 1000;  // opening the walk page again soon after refreshes the walk page only

// Kept pages are stored gzipped where the browser can (a tower's 120 cards then take a few hundred KB).
function pack(html) {
  if (typeof CompressionStream === "undefined") return Promise.resolve({ body: html, gz: false });
  var stream = new Blob([html]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer().then(function (body) { return { body: body, gz: true }; });
}
function unpack(response) {
  if (response.headers.get("X-Packed") !== "gzip") return response.text();
  return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).text();
}

function take(user, url, force) {
  var walk = new URL(url, self.location.origin).pathname, saved = Date.now(), before = null, policy = "";
  return caches.open(userCache(user)).then(function (cache) {
    return index(cache).then(function (list) {
      before = list.filter(function (b) { return b.url === walk; })[0] || null;
      return fetch(walk, { credentials: "same-origin", cache: "no-store" });
    }).then(function (response) {
      if (!response.ok || response.redirected) throw new Error("not saved");
      policy = response.headers.get("Content-Security-Policy") || "";
      return response.text();
    }).then(function (html) {
      var tokens = [], statics = [], match, doors = /href="(\/h\/[A-Za-z0-9_-]+)"/g, files = /(?:src|href|data-decoder)="(\/static\/[^"]+)"/g;
      while ((match = doors.exec(html))) if (tokens.indexOf(match[1]) < 0) tokens.push(match[1]);
      while ((match = files.exec(html))) statics.push(match[1].replace(/&amp;/g, "&"));
      var name = unescapeHtml((html.match(/<h1[^>]*>([^<]*)<\/h1>/) || [])[1] || walk);
      var copy = function (body) {
        return pack(body).then(function (packed) {
          return new Response(packed.body, { headers: { "Content-Type": "text/html; charset=utf-8",
            "X-Saved": String(saved), "X-Packed": packed.gz ? "gzip" : "",
            "X-Policy": policy } });  // the page's Content-Security-Policy, given back with the copy
        });
      };
      var fresh = !force && before && saved - before.cardsSaved < FRESH_MS;
      var queue = tokens.filter(function (t) { return !fresh || before.tokens.indexOf(t) < 0; });
      var cardsSaved = fresh ? before.cardsSaved : saved;
      function next() {
        var door = queue.shift();
        if (!door) return Promise.resolve();
        return fetch(door, { credentials: "same-origin", headers: { "X-Doorstep-Offline-Copy": "1" } })
          .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
          .then(function (body) { if (body) return copy(body).then(function (r) { return cache.put(door, r); }); })
          .then(next);
      }
      return copy(html).then(function (r) { return cache.put(walk, r); })
        .then(function () { return Promise.all([next(), next(), next(), next()]); })
        .then(function () {
          return caches.open(STATIC).then(function (s) {
            return Promise.all(statics.map(function (f) { return s.match(f).then(function (hit) { return hit || s.add(f); }); }));
          });
        })
        .then(function () { return index(cache); })
        .then(function (list) {
          var entry = { url: walk, name: name, saved: saved, cardsSaved: cardsSaved, doors: tokens.length,
            tokens: tokens };
          list = [entry].concat(list.filter(function (b) { return b.url !== walk; }));
          var gone = list.slice(MAX_BUILDINGS), keep = list.slice(0, MAX_BUILDINGS);
          var kept = {};
          keep.forEach(function (b) { kept[b.url] = 1; b.tokens.forEach(function (t) { kept[t] = 1; }); });
          return Promise.all(gone.map(function (b) {
            return Promise.all([b.url].concat(b.tokens).filter(function (k) { return !kept[k]; })
              .map(function (k) { return cache.delete(k); }));
          })).then(function () {
            return cache.put(INDEX, new Response(JSON.stringify(keep), { headers: { "Content-Type": "application/json" } }));
          }).then(function () { return { ok: true, saved: saved, doors: tokens.length, name: name }; });
        });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {}, port = event.ports && event.ports[0];
  var reply = function (value) { if (port) port.postMessage(value); };
  var work;
  if (data.type === "user") work = setUser(data.user).then(function () { return { ok: true }; });
  else if (data.type === "take" && data.user) {
    work = setUser(data.user).then(function () { return take(data.user, data.url, data.force); });
  } else if (data.type === "list" && data.user) {
    work = caches.open(userCache(data.user)).then(index).then(function (list) {
      return list.map(function (b) { return { url: b.url, name: b.name, saved: b.saved, doors: b.doors }; });
    });
  } else work = Promise.resolve(null);
  event.waitUntil(work.then(reply, function (error) { reply({ ok: false, error: String(error) }); }));
});

function offlinePage() {
  return caches.open(STATIC).then(function (c) { return c.match("/offline"); }).then(function (hit) {
    return hit || new Response("No signal.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}
function kept(url) {
  return currentUser().then(function (user) {
    if (!user) return null;
    return caches.open(userCache(user)).then(function (cache) { return cache.match(url.pathname); });
  }).then(function (hit) {
    if (!hit) return null;
    var saved = hit.headers.get("X-Saved") || "", headers = { "Content-Type": "text/html; charset=utf-8" };
    if (hit.headers.get("X-Policy")) headers["Content-Security-Policy"] = hit.headers.get("X-Policy");
    return unpack(hit).then(function (html) {
      // The page says it is a copy, and from when (app.js writes the line in the user's language).
      html = html.replace('<main id="main">', '<main id="main"><p id="offline-copy" class="notice offline-copy" data-saved="' + saved + '"></p>');
      return new Response(html, { headers: headers });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    // Static files carry their version in the URL: the kept copy is always right.
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
    return;
  }
  if (request.mode !== "navigate") return;
  event.respondWith(new Promise(function (resolve) {
    var done = false, finish = function (response) { if (!done && response) { done = true; resolve(response); } };
    var network = fetch(request);
    network.then(finish, function () {
      kept(url).then(function (copy) { return copy || offlinePage(); }).then(finish);
    });
    // A weak signal: after a while, a kept copy answers (if there is one) and the network may still win.
    setTimeout(function () { kept(url).then(finish); }, WAIT_MS);
  }));
});
