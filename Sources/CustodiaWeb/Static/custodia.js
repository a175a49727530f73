// Small improvements only; every page works without this script.
(function () {
  "use strict";
  // Take the keyboard to the first problem of a form shown again with errors.
  var summary = document.getElementById("errsum");
  var first = document.querySelector("[aria-invalid=true]");
  if (first) { first.focus(); } else if (summary) { summary.focus(); }
  // The receipt's print button appears only when it can work.
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () { window.print(); });
  }
  // One submit per form: a second click while the first is on its way does nothing.
  var forms = document.querySelectorAll("form[method=post]");
  window.addEventListener("pageshow", function () {
    for (var k = 0; k < forms.length; k++) { forms[k].removeAttribute("data-sent"); }
  });
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener("submit", function (e) {
      if (this.getAttribute("data-sent")) { e.preventDefault(); return; }
      this.setAttribute("data-sent", "1");
    });
  }
})();
