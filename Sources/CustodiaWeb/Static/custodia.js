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
  // A count box: each serial is checked as it is scanned or typed (a line ends), and what is
  // wrong is said under the box at once; sending the form still checks everything again.
  var box = document.querySelector("textarea[data-check]");
  if (box && window.fetch) {
    var flags = document.getElementById("scan-flags");
    var known = {};
    var timer = null;
    var render = function () {
      var lines = box.value.split(/\r?\n/);
      var seen = {};
      var out = [];
      for (var n = 0; n < lines.length; n++) {
        var serial = lines[n].trim();
        if (!serial || serial.charAt(0) === "#") { continue; }
        if (seen[serial]) {
          out.push(box.getAttribute("data-line").replace("{line}", n + 1) + " " + box.getAttribute("data-twice").replace("{serial}", serial).replace("{other}", seen[serial]));
          continue;
        }
        seen[serial] = n + 1;
        if (known[serial]) { out.push(box.getAttribute("data-line").replace("{line}", n + 1) + " " + known[serial]); }
      }
      flags.textContent = "";
      for (var k = 0; k < out.length; k++) {
        var li = document.createElement("li");
        li.textContent = out[k];
        flags.appendChild(li);
      }
    };
    var check = function () {
      var lines = box.value.split(/\r?\n/);
      // The last line is still being typed unless the box ends with a line break.
      var done = /\n$/.test(box.value) ? lines : lines.slice(0, -1);
      done.forEach(function (line) {
        var serial = line.trim();
        if (!serial || serial.charAt(0) === "#" || serial in known) { return; }
        known[serial] = "";
        fetch(box.getAttribute("data-check") + "?serial=" + encodeURIComponent(serial), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (answer) { if (answer && !answer.ok) { known[serial] = answer.message; render(); } })
          .catch(function () { delete known[serial]; });
      });
      render();
    };
    box.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 250); });
  }
})();
