// Registration: the legal-basis list offers only the bases that fit the chosen
// direction and kind (the server applies the same rule and says why it refuses).
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("form[data-fitting-bases]");
    if (!form) { return; }
    var fitting = JSON.parse(form.getAttribute("data-fitting-bases"));
    var direction = form.querySelector("select[name=direction]");
    var kind = form.querySelector("select[name=kind]");
    var basis = form.querySelector("select[name=legal_basis]");
    if (!direction || !kind || !basis) { return; }
    function update() {
      var allowed = fitting[direction.value + "-" + kind.value] || [];
      Array.prototype.forEach.call(basis.options, function (option) {
        var fits = option.value === "" || allowed.indexOf(option.value) !== -1;
        option.hidden = !fits;
        option.disabled = !fits;
      });
      if (basis.value && allowed.indexOf(basis.value) === -1) { basis.value = ""; }
    }
    direction.addEventListener("change", update);
    kind.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();

// The counterpart authority list offers only the authorities of the chosen counterpart
// state (the server refuses any other, and says so next to the field).
(function () {
  "use strict";
  function init() {
    var form = document.querySelector("form[data-authority-states]");
    if (!form) { return; }
    var states = JSON.parse(form.getAttribute("data-authority-states"));
    var country = form.querySelector("select[name=counterpart_country]");
    var authority = form.querySelector("select[name=counterpart_authority_id]");
    if (!country || !authority) { return; }
    function update() {
      Array.prototype.forEach.call(authority.options, function (option) {
        var fits = option.value === "0" || option.value === "" || !country.value
          || states[option.value] === country.value;
        option.hidden = !fits;
        option.disabled = !fits;
      });
      var chosen = authority.options[authority.selectedIndex];
      if (chosen && chosen.disabled) { authority.value = "0"; }
    }
    country.addEventListener("change", update);
    update();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();
