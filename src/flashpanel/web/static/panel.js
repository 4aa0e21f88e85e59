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
