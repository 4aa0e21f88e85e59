// flashpanel's only script of its own: copy buttons. Loaded as a file (the CSP forbids inline scripts).
(function () {
  "use strict";

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy-from"));
    if (!source) return;
    var label = button.lastChild;
    var original = label.textContent;
    function done(text) {
      label.textContent = text;
      setTimeout(function () { label.textContent = original; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(function () { done("Copied"); }, function () { done("Select and copy"); });
    } else {
      source.select();
      done(document.execCommand("copy") ? "Copied" : "Select and copy");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (button) copy(button);
  });
})();

// Countdowns to a deadline (an OTP number's expiry): <span data-countdown-to="EPOCH SECONDS">m:ss</span>.
// The server renders the starting value, so the page reads right before this runs and after every swap.
(function () {
  "use strict";

  function tick() {
    var spans = document.querySelectorAll("[data-countdown-to]");
    for (var i = 0; i < spans.length; i++) {
      var left = Math.max(0, Math.round(parseFloat(spans[i].getAttribute("data-countdown-to")) - Date.now() / 1000));
      var seconds = left % 60;
      spans[i].textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
    }
  }

  setInterval(tick, 1000);
})();
