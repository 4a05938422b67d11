/* The in-app scanner: BarcodeDetector where the browser has it, else the vendored jsQR,
   loaded only here. Needs a secure context (https or localhost) for the camera. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var box = $("scanner");
  if (!box) return;  // bundled into app.min.js, loaded on every page: only pages with a scanner
  var video = $("scan-video");
  var message = $("scan-message");
  var start = $("scan-start");
  var STICKER = /^\/(h|c|s|g)\/[A-Za-z0-9_-]{4,64}$/;

  function say(text) { message.textContent = text; message.hidden = !text; }

  function open(text) {
    var url;
    try { url = new URL(text, location.href); } catch (e) { say(box.dataset.msgForeign); return false; }
    // Printed stickers may name another host (an old domain): the path is what matters.
    if (!STICKER.test(url.pathname)) { say(box.dataset.msgForeign); return false; }
    var slip = url.pathname.match(/^\/s\/([A-Za-z0-9_-]+)$/);
    if (box.dataset.local) return here(url, slip);
    if (box.dataset.bind && slip) {
      // Binding a slip to a knock: open the confirmation with its number filled in.
      location.href = box.dataset.bind + "?slip_code=" + encodeURIComponent(slip[1]);
      return true;
    }
    location.href = url.pathname;
    return true;
  }

  var stream = null, reader = null, scanning = false, idle = null;
  function stop() {
    // On the walk page the camera stays ready for the next door for a minute, then turns off.
    scanning = false; box.classList.remove("running"); start.hidden = false;
    clearTimeout(idle);
    idle = setTimeout(function () {
      if (stream && !scanning) stream.getTracks().forEach(function (track) { track.stop(); });
      if (!scanning) { stream = null; reader = null; }
    }, 60000);
  }

  // The walk page is the offline unit: a door of this building, or a slip for the door just knocked,
  // is found on the page itself, without a network.
  function here(url, slip) {
    var door = url.pathname.match(/^\/h\/([A-Za-z0-9_-]+)$/);
    if (door) {
      var link = document.querySelector('#walk a.room[href="/h/' + door[1] + '"]');
      if (link) {
        stop();
        var row = link.closest("li");
        location.hash = row.id;
        row.scrollIntoView();
        return true;
      }
      if (navigator.onLine) { location.href = url.pathname; return true; }
      say(box.dataset.msgElsewhere); return false;
    }
    if (slip) {
      var inputs = Array.from(document.querySelectorAll('#walk input[name="slip_code"]')).filter(
        function (input) { return !input.value; });
      var input = inputs[inputs.length - 1];
      if (!input) { say(box.dataset.msgNoSlip); return false; }
      stop();
      input.value = slip[1];
      input.form.querySelector("button").click();  // requestSubmit() is missing before Chrome 76 / Safari 16
      return true;
    }
    say(box.dataset.msgElsewhere);
    return false;
  }

  function loadDecoder() {
    if (preloaded) return preloaded;
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var tag = document.createElement("script");
      tag.src = box.dataset.decoder;
      tag.onload = function () { resolve(window.jsQR); };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function withDetector() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function () {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    };
  }

  function withJsQR(jsQR) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function () {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) return Promise.resolve(null);
      var scale = Math.min(1, 640 / Math.max(w, h));  // small frames: cheap phones decode faster
      canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(found ? found.data : null);
    };
  }

  function loop(read) {
    if (!scanning) return;
    read().then(function (text) {
      if (text && open(text)) return;
      again(200);
    }, function () { again(400); });
    function again(ms) { setTimeout(function () { loop(read); }, ms); }
  }

  // A dark stairwell: offer the torch where the camera has one (Chrome on Android exposes it).
  function offerTorch(stream) {
    var torch = $("scan-torch");
    var track = stream.getVideoTracks()[0];
    var caps = track && track.getCapabilities ? track.getCapabilities() : {};
    if (!torch || !caps.torch) return;
    var on = false;
    torch.hidden = false;
    // onclick, not addEventListener: a camera started again after its idle minute replaces the handler.
    torch.onclick = function () {
      on = !on;
      track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
        torch.setAttribute("aria-pressed", on ? "true" : "false");
      }, function () { on = !on; });
    };
  }
  // The walk page may lose its signal before the first scan: fetch the decoder while it has one.
  var preloaded = box.dataset.local && !("BarcodeDetector" in window) ? loadDecoder() : null;
  if (preloaded) preloaded.catch(function () { preloaded = null; });

  start.hidden = false;  // hidden in the page: without this script the button could do nothing
  start.addEventListener("click", function () {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(box.dataset.msgDenied); return;
    }
    say("");
    scanning = true;
    box.classList.add("running");
    start.hidden = true;
    if (stream && reader) { loop(reader); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (camera) {
        stream = camera;
        video.srcObject = camera;
        offerTorch(camera);
        return video.play();
      })
      .then(function () {
        if ("BarcodeDetector" in window) return withDetector();
        return loadDecoder().then(withJsQR);
      })
      .then(function (read) { reader = read; loop(read); }, function () { say(box.dataset.msgDenied); });
  });
})();
