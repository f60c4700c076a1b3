// Offers only the units that fit the chosen measurement type (the server checks again).
(function () {
  "use strict";
  var form = document.getElementById("measurement-form");
  if (!form) { return; }
  var kind = form.querySelector("select[name=type]");
  var unit = form.querySelector("select[name=unit]");
  function fit() {
    var chosen = kind.options[kind.selectedIndex];
    var canonical = chosen ? chosen.getAttribute("data-unit") : null;
    var firstFitting = null;
    Array.prototype.forEach.call(unit.options, function (option) {
      var fits = !canonical || option.getAttribute("data-canonical") === canonical;
      option.hidden = !fits;
      option.disabled = !fits;
      if (fits && firstFitting === null) { firstFitting = option; }
    });
    var current = unit.options[unit.selectedIndex];
    if (firstFitting && (!current || current.disabled)) { unit.value = firstFitting.value; }
  }
  kind.addEventListener("change", fit);
  fit();
})();
