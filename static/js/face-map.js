// The face map of a result page: place the face numbers so that no two overlap, highlight a
// face and its table row together, and zoom the photo to its full size.
(function () {
  "use strict";

  var GAP = 2;

  function overlaps(a, b) {
    return a.left < b.left + b.width + GAP && b.left < a.left + a.width + GAP &&
      a.top < b.top + b.height + GAP && b.top < a.top + a.height + GAP;
  }

  function inside(rect, width, height) {
    return rect.left >= 0 && rect.top >= 0 &&
      rect.left + rect.width <= width && rect.top + rect.height <= height;
  }

  // Spots for a label of size w×h around box b, nearest first: above, below, inside, beside,
  // then further and further above and below.
  function spots(b, w, h) {
    var list = [
      { left: b.left, top: b.top - h - GAP },
      { left: b.left, top: b.top + b.height + GAP },
      { left: b.left + GAP, top: b.top + GAP },
      { left: b.left - w - GAP, top: b.top },
      { left: b.left + b.width + GAP, top: b.top },
    ];
    for (var step = 1; step < 40; step++) {
      var shift = step * (h + GAP);
      list.push({ left: b.left, top: b.top - h - GAP - shift });
      list.push({ left: b.left, top: b.top + b.height + GAP + shift });
      list.push({ left: b.left - step * (w + GAP), top: b.top - h - GAP });
      list.push({ left: b.left + step * (w + GAP), top: b.top - h - GAP });
    }
    return list;
  }

  // Greedy placement, in face order: the first spot inside the photo that meets no label
  // already placed, preferring spots that cover no other face.
  function placeLabels(map) {
    var image = map.querySelector("img");
    var width = image.offsetWidth, height = image.offsetHeight;
    var boxes = {};
    map.querySelectorAll(".face-box").forEach(function (box) {
      boxes[box.dataset.face] = {
        left: box.offsetLeft, top: box.offsetTop, width: box.offsetWidth, height: box.offsetHeight,
      };
    });
    var placed = [];
    map.querySelectorAll(".face-number").forEach(function (label) {
      var box = boxes[label.dataset.face];
      var w = label.offsetWidth, h = label.offsetHeight;
      var candidates = spots(box, w, h).map(function (spot) {
        return { left: spot.left, top: spot.top, width: w, height: h };
      }).filter(function (rect) {
        return inside(rect, width, height) && !placed.some(function (other) { return overlaps(rect, other); });
      });
      var clear = candidates.filter(function (rect) {
        return !Object.keys(boxes).some(function (face) {
          return face !== label.dataset.face && overlaps(rect, boxes[face]);
        });
      });
      var chosen = clear[0] || candidates[0];
      if (!chosen) return;  // no room at all: it stays on its box
      label.style.left = chosen.left + "px";
      label.style.top = chosen.top + "px";
      placed.push(chosen);
    });
    map.dataset.placed = "true";
  }

  function linkHighlights(root) {
    function mark(face, on) {
      root.querySelectorAll('[data-face="' + face + '"]').forEach(function (element) {
        element.classList.toggle("is-active", on);
      });
    }
    root.querySelectorAll("[data-face]").forEach(function (element) {
      var face = element.dataset.face;
      element.addEventListener("mouseenter", function () { mark(face, true); });
      element.addEventListener("mouseleave", function () { mark(face, false); });
      element.addEventListener("focus", function () { mark(face, true); });
      element.addEventListener("blur", function () { mark(face, false); });
    });
  }

  function setUpZoom(map) {
    var button = document.querySelector("[data-zoom]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var zoomed = map.classList.toggle("zoomed");
      button.setAttribute("aria-pressed", String(zoomed));
      button.textContent = zoomed ? "Fit to the page" : "Zoom to full size";
      placeLabels(map);
    });
  }

  function setUp() {
    var map = document.querySelector("[data-face-map]");
    if (!map) return;
    var image = map.querySelector("img");
    var place = function () { placeLabels(map); };
    if (image.complete) place(); else image.addEventListener("load", place);
    window.addEventListener("resize", place);
    linkHighlights(document.querySelector(".result") || document);
    setUpZoom(map);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
