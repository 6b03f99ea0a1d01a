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
  // The top menu on one line: entries that would wrap go under "More" (the last first).
  const menu = document.querySelector(".app-nav .navbar-nav.me-auto");
  const more = menu && menu.querySelector(".nav-more");
  const fitMenu = () => {
    const entries = Array.from(menu.children).filter((li) => li !== more);
    const list = more.querySelector(".dropdown-menu");
    entries.forEach((li) => li.classList.remove("d-none"));
    more.classList.add("d-none");
    list.replaceChildren();
    const top = () => entries[0].offsetTop;
    const wraps = () => Array.from(menu.children).some(
      (li) => !li.classList.contains("d-none") && li.offsetTop > top());
    if (!entries.length || getComputedStyle(menu).flexDirection !== "row" || !wraps()) { return; }
    more.classList.remove("d-none");
    for (let i = entries.length - 1; i > 0 && wraps(); i -= 1) {
      const li = entries[i];
      li.classList.add("d-none");
      const moved = [];
      const submenu = li.querySelector(".dropdown-menu");
      if (submenu) {  // a menu of its own: its name as a heading, then its entries
        const heading = document.createElement("h6");
        heading.className = "dropdown-header";
        heading.textContent = li.querySelector(".nav-link").textContent.trim();
        moved.push(heading);
        submenu.querySelectorAll("a").forEach((a) => moved.push(a.cloneNode(true)));
      } else {
        const a = li.querySelector("a").cloneNode(true);
        a.className = "dropdown-item" + (a.classList.contains("active") ? " active" : "");
        moved.push(a);
      }
      list.prepend(...moved.map((node) => {
        const item = document.createElement("li");
        item.append(node);
        return item;
      }));
    }
  };
  if (more) {
    fitMenu();
    window.addEventListener("resize", fitMenu);
  }
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
  // A long list (the time zones) with a box that narrows it: typing part of a place or a
  // zone's name hides the options that do not match, accents and case aside; the first
  // match is chosen when the chosen one is hidden. Without JavaScript the box stays hidden.
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  document.querySelectorAll("[data-filter-for]").forEach((box) => {
    const list = document.getElementById(box.dataset.filterFor);
    const input = box.querySelector("input");
    if (!list || !input) { return; }
    box.hidden = false;
    input.addEventListener("input", () => {
      const words = fold(input.value).split(/\s+/).filter(Boolean);
      let first = null;
      Array.from(list.options).forEach((option) => {
        const text = fold(option.text + " " + option.value);
        const shown = words.every((word) => text.includes(word));
        option.hidden = !shown;
        if (shown && !first) { first = option; }
      });
      list.querySelectorAll("optgroup").forEach((group) => {
        group.hidden = !Array.from(group.children).some((option) => !option.hidden);
      });
      if (first && list.selectedOptions[0] && list.selectedOptions[0].hidden) {
        first.selected = true;
      }
    });
  });
  // Buttons that ask before doing something irreversible.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
