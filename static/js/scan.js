/* The in-app scanner: BarcodeDetector where the browser has it, else the vendored jsQR,
   loaded only here. Needs a secure context (https or localhost) for the camera. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var message = document.getElementById("scan-message");
  var start = document.getElementById("scan-start");
  var script = document.currentScript;
  var STICKER = /^\/(h|c|s|g)\/[A-Za-z0-9_-]{4,64}$/;

  function say(text) { message.textContent = text; message.hidden = !text; }

  function open(text) {
    var url;
    try { url = new URL(text, location.href); } catch (e) { say(box.dataset.msgForeign); return false; }
    // Printed stickers may name another host (an old domain): the path is what matters.
    if (!STICKER.test(url.pathname)) { say(box.dataset.msgForeign); return false; }
    var slip = url.pathname.match(/^\/s\/([A-Za-z0-9_-]+)$/);
    if (box.dataset.bind && slip) {
      // Binding a slip to a knock: open the confirmation with its number filled in.
      location.href = box.dataset.bind + "?slip_code=" + encodeURIComponent(slip[1]);
      return true;
    }
    location.href = url.pathname;
    return true;
  }

  function loadDecoder() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(window.jsQR); return; }
      var tag = document.createElement("script");
      tag.src = script.dataset.decoder;
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
    read().then(function (text) {
      if (text && open(text)) return;
      setTimeout(function () { loop(read); }, 200);
    }, function () { setTimeout(function () { loop(read); }, 400); });
  }

  // A dark stairwell: offer the torch where the camera has one (Chrome on Android exposes it).
  function offerTorch(stream) {
    var torch = document.getElementById("scan-torch");
    var track = stream.getVideoTracks()[0];
    var caps = track && track.getCapabilities ? track.getCapabilities() : {};
    if (!torch || !caps.torch) return;
    var on = false;
    torch.hidden = false;
    torch.addEventListener("click", function () {
      on = !on;
      track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
        torch.setAttribute("aria-pressed", on ? "true" : "false");
      }, function () { on = !on; });
    });
  }

  start.addEventListener("click", function () {
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(box.dataset.msgDenied); return;
    }
    say("");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        box.classList.add("running");
        start.hidden = true;
        offerTorch(stream);
        return video.play();
      })
      .then(function () {
        if ("BarcodeDetector" in window) return withDetector();
        return loadDecoder().then(withJsQR);
      })
      .then(loop, function () { say(box.dataset.msgDenied); });
  });
})();
