// The /map/ page: its layer switches, grid colouring and point-of-interest kinds.
document.addEventListener("DOMContentLoaded", function () {
  var note = document.getElementById("map-note");
  var element = document.getElementById("command-map");
  var map = new CommandMap(element, {
    onError: function (message) { note.textContent = message; },
    onNote: function (message) { note.textContent = message; },
    poiKinds: function () {
      return Array.prototype.map.call(document.querySelectorAll("input[name=poi-kind]:checked"), function (i) { return i.value; });
    },
  });
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () { map.toggle(box.dataset.layer, box.checked); });
    if (box.checked) { map.toggle(box.dataset.layer, true); }
  });
  document.querySelectorAll("input[name=poi-kind]").forEach(function (box) {
    box.addEventListener("change", function () { if (map.active.pois) { map.load("pois"); } });
  });
  document.getElementById("grid-mode").addEventListener("change", function (e) { map.setGridMode(e.target.value); });
  element.dataset.ready = "1";
});
