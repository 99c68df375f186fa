/* Search of the data-sharing directory: vanilla JS over the index embedded by
   directory-index.js (window.LAKEHOUSE_DIRECTORY), so it works from file:// too. */
(function () {
  "use strict";
  var index = window.LAKEHOUSE_DIRECTORY || { tables: [] };
  var box = document.getElementById("q");
  var layer = document.getElementById("layer");
  var sharing = document.getElementById("sharing");
  var count = document.getElementById("count");
  var rows = document.querySelectorAll("#tables tbody tr");
  var text = {};
  index.tables.forEach(function (t) { text[t.ref] = t.text; });

  function apply() {
    var terms = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var ref = row.getAttribute("data-ref");
      var hay = text[ref] || "";
      var ok = terms.every(function (t) { return hay.indexOf(t) >= 0; })
        && (!layer.value || row.getAttribute("data-layer") === layer.value)
        && (!sharing.value || row.getAttribute("data-sharing") === sharing.value);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " / " + rows.length;
    var params = new URLSearchParams();
    if (box.value) { params.set("q", box.value); }
    if (window.history && window.history.replaceState && location.protocol !== "file:") {
      window.history.replaceState(null, "", params.toString() ? "?" + params : location.pathname);
    }
  }

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { box.value = initial; }
  box.addEventListener("input", apply);
  layer.addEventListener("change", apply);
  sharing.addEventListener("change", apply);
  apply();
})();
