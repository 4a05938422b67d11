/* Doorstep's small script: htmx settings and the network banner. Pages work without it. */
(function () {
  "use strict";
  var banner = function (text) {
    var box = document.getElementById("net-status");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  };
  document.addEventListener("DOMContentLoaded", function () {
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
    var body = document.body;
    document.body.addEventListener("htmx:sendError", function () { banner(body.dataset.msgOffline); });
    document.body.addEventListener("htmx:timeout", function () { banner(body.dataset.msgOffline); });
    document.body.addEventListener("htmx:responseError", function (event) {
      var status = event.detail.xhr.status;
      if (status === 401) return; // HX-Redirect to the login page is already under way
      var swapped = event.detail.xhr.responseText;
      banner(status >= 500 || !swapped ? body.dataset.msgError : "");
      if (status >= 400 && status < 500 && swapped && event.detail.target) {
        event.detail.target.innerHTML = swapped; // 404/400 fragments explain themselves in place
      }
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) banner("");
    });
  });
})();
