// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary after a refused form, for keyboard and screen-reader users.
  const errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
  // Buttons that ask before doing something irreversible.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
