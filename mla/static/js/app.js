// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary after a refused form, for keyboard and screen-reader users.
  const errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
  // A table wider than a phone scrolls inside itself (app.css): keyboard users reach it.
  const focusScrollableTables = () => {
    document.querySelectorAll("main table.table").forEach((table) => {
      const scrolls = table.scrollWidth > table.clientWidth
        || table.scrollHeight > table.clientHeight;
      if (scrolls) { table.setAttribute("tabindex", "0"); }
      else { table.removeAttribute("tabindex"); }
    });
  };
  focusScrollableTables();
  window.addEventListener("resize", focusScrollableTables);
  // "/" focuses the navigation bar's search box, unless the user is typing somewhere.
  const hotkeyed = document.querySelector("[data-hotkey='/']");
  document.addEventListener("keydown", (event) => {
    if (!hotkeyed || event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    event.preventDefault();
    hotkeyed.focus();
  });
  // A "select all" box ticks or clears every box of its name; it shows "some" as mixed.
  document.querySelectorAll("input[data-select-all]").forEach((all) => {
    // By the form they belong to (form="..."), wherever they sit in the page.
    const boxes = () => (all.form ? Array.from(all.form.elements) : [])
      .filter((el) => el.name === all.dataset.selectAll);
    const sync = () => {
      const ticked = Array.from(boxes()).filter((box) => box.checked).length;
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    };
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked; });
    });
    boxes().forEach((box) => box.addEventListener("change", sync));
  });
  // Buttons that ask before doing something irreversible.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
