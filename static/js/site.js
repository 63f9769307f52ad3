// Small progressive enhancements: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary after a refused form, so screen readers hear it first.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // A long list of neighbourhoods can be narrowed by typing part of a name.
  document.querySelectorAll(".filterable-select select").forEach((select) => {
    const options = Array.from(select.options);
    const box = document.createElement("input");
    box.type = "search";
    box.className = "input";
    box.id = select.id + "-filter";
    box.setAttribute("autocomplete", "off");
    const label = document.createElement("label");
    label.htmlFor = box.id;
    label.className = "hint";
    label.textContent = "Type part of the name to shorten the list";
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    select.before(label, box, status);
    box.addEventListener("input", () => {
      const needle = box.value.trim().toLowerCase();
      let shown = 0;
      let last = null;
      options.forEach((option) => {
        const match = option.value === "" || option.text.toLowerCase().includes(needle);
        option.hidden = !match;
        option.disabled = !match;
        if (match && option.value !== "") { shown += 1; last = option; }
      });
      if (shown === 1) select.value = last.value;
      status.textContent = shown === 1 ? `${last.text} chosen` : `${shown} neighbourhoods match`;
    });
  });
});
