// The book's search: window.BOOK_SEARCH (search.js, loaded before this script) holds the title,
// address and plain text of every page; a query's words are counted in each page and the best
// ten pages are listed under the box. No fetch(), so it works from file:// URLs.
(function () {
  "use strict";
  const box = document.getElementById("search-box");
  const results = document.getElementById("search-results");
  if (!box || !results) return;
  const root = document.documentElement.dataset.root || "";
  const pages = (window.BOOK_SEARCH || []).map(function (page) {
    return {title: page.title, url: page.url, text: page.text, lower: page.text.toLowerCase(),
            lowerTitle: page.title.toLowerCase()};
  });

  function escapeRegExp(word) {
    return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // Occurrences of the words (each at the start of a word), a title match counting five.
  function score(page, patterns) {
    let total = 0, matched = 0;
    for (const pattern of patterns) {
      const inText = (page.lower.match(pattern) || []).length;
      const inTitle = (page.lowerTitle.match(pattern) || []).length;
      if (inText + inTitle > 0) matched += 1;
      total += inText + 5 * inTitle;
    }
    return {total: total, all: matched === patterns.length};
  }

  function snippet(page, pattern) {
    pattern.lastIndex = 0;
    const hit = pattern.exec(page.lower);
    if (!hit) return "";
    const start = Math.max(0, hit.index - 40);
    return (start > 0 ? "…" : "") + page.text.slice(start, hit.index + 80) + "…";
  }

  function show(query) {
    results.textContent = "";
    const words = query.toLowerCase().split(/[^\p{L}\p{N}_-]+/u).filter(function (w) { return w.length > 1; });
    if (!words.length) return;
    const patterns = words.map(function (w) { return new RegExp("(?:^|[^\\p{L}\\p{N}])" + escapeRegExp(w), "gu"); });
    const scored = pages.map(function (page) { return {page: page, s: score(page, patterns)}; })
      .filter(function (r) { return r.s.total > 0; });
    const complete = scored.filter(function (r) { return r.s.all; });
    const ranked = (complete.length ? complete : scored)
      .sort(function (a, b) { return b.s.total - a.s.total; }).slice(0, 10);
    if (!ranked.length) {
      const none = document.createElement("div");
      none.className = "none";
      none.textContent = "No page mentions " + query.trim() + ".";
      results.appendChild(none);
      return;
    }
    for (const r of ranked) {
      const link = document.createElement("a");
      link.href = root + r.page.url;
      link.textContent = r.page.title;
      const text = document.createElement("span");
      text.className = "snippet";
      text.textContent = snippet(r.page, patterns[0]);
      link.appendChild(text);
      results.appendChild(link);
    }
  }

  box.addEventListener("input", function () { show(box.value); });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { box.value = ""; show(""); }
    if (event.key === "Enter") {
      const first = results.querySelector("a");
      if (first) window.location.href = first.href;
    }
  });
})();
