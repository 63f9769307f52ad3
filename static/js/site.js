// Small progressive enhancements: every page works without this file.
"use strict";

// The words this script shows, in the page's language (base.html: pbapp/i18n.py script_words).
const WORDS = (() => {
  const data = document.getElementById("script-words");
  try { return data ? JSON.parse(data.textContent) : {}; } catch (error) { return {}; }
})();
const PLURALS = new Intl.PluralRules(document.documentElement.lang || "en");
// A message with its %(name)s placeholders filled; a plural message picks its form for `count`.
const say = (key, values = {}, count = null) => {
  let text = WORDS[key] || "";
  if (typeof text === "object") text = text[PLURALS.select(count)] || text.other || "";
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
};

document.addEventListener("DOMContentLoaded", () => {
  // The menu is always open on wide screens (browsers without ::details-content need this).
  const menu = document.querySelector("[data-menu]");
  const wide = window.matchMedia("(min-width: 48rem)");
  const fit = () => { if (menu && wide.matches) menu.open = true; };
  fit();
  wide.addEventListener("change", fit);

  // A table wider than the screen scrolls inside itself (site.css): let the keyboard reach it
  // to scroll it; its caption still names it.
  // The same for a wrapper that scrolls a wide table (.table-scroll).
  const regions = () => document.querySelectorAll("main table, main .table-scroll").forEach((table) => {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.tabIndex = 0;
    } else if (table.getAttribute("tabindex") === "0") {
      table.removeAttribute("tabindex");
    }
  });
  regions();
  window.addEventListener("resize", regions);

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
    label.textContent = say("filter_label");
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
      status.textContent = shown === 1
        ? say("filter_chosen", { name: last.text })
        : say("filter_matches", { count: shown }, shown);
    });
  });
});

// Ballots: a running total of money (knapsack) or points, said politely to screen readers.
document.addEventListener("DOMContentLoaded", () => {

  const ballot = document.querySelector("form.ballot");
  if (!ballot) return;
  const type = ballot.dataset.ballotType;
  const limit = Number(ballot.dataset.limit || 0);
  const total = ballot.querySelector(".running-total");
  const pounds = (n) => "£" + n.toLocaleString("en-GB");
  const update = () => {
    let text = "";
    let over = false;
    if (type === "knapsack") {
      const spent = Array.from(ballot.querySelectorAll("input[name=proposal]:checked"))
        .reduce((sum, box) => sum + Number(box.dataset.cost), 0);
      over = spent > limit;
      text = over
        ? say("money_over", { spent: pounds(spent), limit: pounds(limit), over: pounds(spent - limit) })
        : say("money_left", { spent: pounds(spent), limit: pounds(limit), left: pounds(limit - spent) });
    } else if (type === "points") {
      const used = Array.from(ballot.querySelectorAll("input.input-points"))
        .reduce((sum, box) => sum + (Number(box.value) || 0), 0);
      over = used > limit;
      text = over
        ? say("points_over", { used, limit, over: used - limit })
        : say("points_left", { used, limit, left: limit - used });
    } else {
      const ticked = ballot.querySelectorAll("input[name=proposal]:checked").length;
      over = limit > 0 && ticked > limit;
      const key = !limit ? "projects" : (over ? "projects_over" : "projects_limit");
      text = say(key, { count: ticked, limit }, ticked);
    }
    total.textContent = text;
    total.classList.toggle("over", over);
    total.hidden = false;
  };
  ballot.addEventListener("input", update);
  ballot.addEventListener("change", update);
  update();
});
