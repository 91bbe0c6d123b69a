/* The officers' handling page: htmx re-renders the action panel (and, out of band, the timeline
 * and the public outcome) after each action. htmx does not swap 4xx answers by default; ours carry
 * the panel with the error explained (a concurrent change, a missing reason, a refused permission),
 * marked with the X-Feedback-Panel header, so they are swapped like a 200. After a swap the focus
 * moves to the message, so screen-reader users hear the outcome. */
(function () {
  "use strict";
  var SWAPPED_ERRORS = [403, 404, 409, 413, 415, 422];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (SWAPPED_ERRORS.indexOf(xhr.status) !== -1 && xhr.getResponseHeader("X-Feedback-Panel")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var panel = document.getElementById("fb-panel");
    var message = panel ? panel.querySelector("[data-focus]") : null;
    if (message) {
      message.focus();
    }
  });

  /* A network failure or a server error leaves the panel as it was: say so above it. */
  function showNetworkError() {
    var box = document.getElementById("fb-network-error");
    if (box) {
      box.hidden = false;
      box.focus();
    }
  }
  document.addEventListener("htmx:responseError", showNetworkError);
  document.addEventListener("htmx:sendError", showNetworkError);
})();
