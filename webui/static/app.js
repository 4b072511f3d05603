// Enhancements of the search page; without this file every page works as plain HTML.
// - "/" focuses the search box, as on many sites.
// - Search as you type: the results are fetched (debounced) as the server renders them and
//   swapped in at once; the URL follows with history.replaceState, so Back and sharing work.
// - Submitting the search with results already shown moves focus to the results heading;
//   a persistent live region announces the result count politely.
"use strict";

const DEBOUNCE_MS = 250;

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.getElementById("q");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

const form = document.querySelector("form.search-form");
const box = document.getElementById("q");
const status = document.getElementById("search-status");
const main = document.getElementById("main");

/** Whether this page shows results that can be updated in place (the search page, not an article). */
const livePage = () => main.querySelector("[data-live-results]") !== null;

/** The URL the form would submit to: its action with the query and the hidden filters. */
function formUrl() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") params.append(name, value);
  }
  const query = params.toString();
  return new URL(form.getAttribute("action") + (query ? `?${query}` : ""), location.href).href;
}

let controller = null;
let timer = 0;
let shown = location.href;

/** Fetch the results page for the form's current state and swap it in; resolves true once shown. */
async function update() {
  clearTimeout(timer);
  const url = formUrl();
  if (url === shown) return true;
  if (controller) controller.abort();
  controller = new AbortController();
  const mine = controller;
  main.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, { signal: mine.signal, headers: { Accept: "text/html" } });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const next = page.getElementById("main");
    if (mine !== controller || !next) return false;
    const filtersOpen = main.querySelector("details.filters")?.open;
    main.replaceChildren(...document.adoptNode(next).childNodes);
    if (filtersOpen) main.querySelector("details.filters")?.setAttribute("open", "");
    openFiltersOnWideScreens();
    const footer = page.querySelector(".site-footer");
    if (footer) document.querySelector(".site-footer")?.replaceWith(document.adoptNode(footer));
    const feed = page.querySelector('link[rel="alternate"]');
    document.querySelector('link[rel="alternate"]')?.setAttribute("href", feed ? feed.getAttribute("href") : "");
    document.title = page.title;
    history.replaceState(null, "", url);
    shown = url;
    const heading = main.querySelector("h1");
    if (status && heading) status.textContent = heading.textContent.trim().replace(/\s+/g, " ");
    return true;
  } catch (error) {
    if (error.name !== "AbortError") console.warn("search as you type:", error);
    return false;
  } finally {
    if (mine === controller) main.removeAttribute("aria-busy");
  }
}

/** Open the filters on a wide screen where CSS cannot show a closed <details>' content (no ::details-content). */
function openFiltersOnWideScreens() {
  if (CSS.supports("selector(::details-content)") || !matchMedia("(min-width: 48.01rem)").matches) return;
  main.querySelector("details.filters")?.setAttribute("open", "");
}

if (main) openFiltersOnWideScreens();

if (form && box && main && livePage()) {
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await update()) {
      main.querySelector("h1")?.focus();
    } else {
      form.submit(); // the plain way, as without this file
    }
  });
}
