// The review queue without page loads: one key or click per face, the decision is sent to the
// API while the next face is already shown; the next photos are fetched ahead of time.
(function () {
  "use strict";

  var PREFETCH = 3;
  var STRIP = 12;

  function start() {
    var root = document.querySelector(".review");
    var data = document.getElementById("review-faces");
    if (!root || !data) return;
    var faces = JSON.parse(data.textContent);
    var names = JSON.parse(document.getElementById("review-names").textContent);
    var faceUrl = root.dataset.faceUrl;  // for face 0: the id replaces the 0
    var bulkUrl = root.dataset.bulkUrl;
    var batchSize = parseInt(root.dataset.batch, 10);
    var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
    var index = 0;
    var reviewed = 0;
    var decided = {};  // face id -> true once a decision was sent
    var pending = 0;
    var saved = 0;
    var selected = {};

    function $(selector) { return root.querySelector(selector); }
    function name(label) { return names[label] || label; }

    function cropStyle(node, face, size) {
      var ratio = size / 224;
      node.style.backgroundImage = "url('" + face.photo + "')";
      node.style.backgroundSize = face.crop[0] * ratio + "px " + face.crop[1] * ratio + "px";
      node.style.backgroundPosition = face.crop[2] * ratio + "px " + face.crop[3] * ratio + "px";
    }

    function modelAnswer(face) {
      var node = document.createElement("span");
      if (face.needs_review) {
        node.className = "needs-review";
        node.textContent = "Possibly " + name(face.candidate) + ", needs review";
      } else {
        node.textContent = name(face.label);
      }
      return node;
    }

    function nextUndecided(from) {
      var i = from;
      while (i < faces.length && decided[faces[i].id]) i++;
      return i;
    }

    function show() {
      index = nextUndecided(index);
      if (index >= faces.length) return finish();
      var face = faces[index];
      cropStyle($("[data-crop]"), face, 224);
      var answer = $("[data-model-answer]");
      answer.replaceChildren(modelAnswer(face));
      $("[data-score]").textContent = face.score.toFixed(2);
      $("[data-current]").textContent =
        face.answer !== face.label ? "· now: " + name(face.answer) + " (reviewed)" : "";
      $("[data-photo]").src = face.photo;
      $("[data-photo]").width = face.width;
      $("[data-photo]").height = face.height;
      var box = $("[data-box]");
      box.style.left = face.highlight[0] + "%";
      box.style.top = face.highlight[1] + "%";
      box.style.width = face.highlight[2] + "%";
      box.style.height = face.highlight[3] + "%";
      $("[data-photo-link]").href = face.photo_url;
      $("[data-photo-link]").textContent = face.photo_name;
      $("[data-face-id]").value = face.id;
      var example = $("[data-example-form]");
      if (example) example.action = example.dataset.action.replace("/0/", "/" + face.id + "/");
      $("[data-confirm-name]").textContent = name(face.shown_answer);
      for (var i = index + 1; i <= index + PREFETCH && i < faces.length; i++) {
        new Image().src = faces[i].photo;
      }
      drawStrip();
    }

    function drawStrip() {
      var strip = $("[data-strip]");
      strip.replaceChildren();
      var shown = 0;
      for (var i = index + 1; i < faces.length && shown < STRIP; i++) {
        var face = faces[i];
        if (decided[face.id]) continue;
        shown++;
        var item = document.createElement("li");
        var label = document.createElement("label");
        var crop = document.createElement("div");
        crop.className = "crop";
        cropStyle(crop, face, 64);
        var box = document.createElement("input");
        box.type = "checkbox";
        box.checked = !!selected[face.id];
        box.dataset.faceId = face.id;
        box.addEventListener("change", function (event) {
          selected[event.target.dataset.faceId] = event.target.checked;
        });
        label.append(crop, box, " " + name(face.shown_answer));
        item.append(label);
        strip.append(item);
      }
    }

    function finish() {
      $("[data-face]").hidden = true;
      $("[data-actions]").hidden = true;
      root.querySelector(".review-next").hidden = true;
      $("[data-done]").hidden = false;
      if (faces.length >= batchSize) {
        // A full batch: there may be more waiting. Fetch them once every decision is saved.
        var reload = function () { pending ? setTimeout(reload, 100) : location.reload(); };
        reload();
      }
    }

    function progress(count) {
      reviewed += count;
      $("[data-reviewed]").textContent = reviewed;
      var waiting = $("[data-waiting]");
      waiting.textContent = Math.max(0, parseInt(waiting.textContent, 10) - count);
    }

    function fail(message, ids) {
      ids.forEach(function (id) { delete decided[id]; });
      var error = $("[data-error]");
      error.textContent = message + " The face is back in the queue.";
      error.hidden = false;
    }

    async function send(url, body, ids) {
      pending++;
      try {
        var response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(body),
          credentials: "same-origin",
        });
        if (!response.ok) {
          var detail = await response.json().catch(function () { return {}; });
          var reason = detail.detail || Object.values(detail).flat().join(" ");
          fail("Not saved: " + (reason || "the server said " + response.status + "."), ids);
          return;
        }
        saved += ids.length;
        root.dataset.saved = saved;  // decisions the server has stored
      } catch (error) {
        fail("Not saved: the site could not be reached.", ids);
      } finally {
        pending--;
      }
    }

    function decide(choice) {
      var face = faces[index];
      if (!face) return;
      var body = choice === "confirm" ? { verdict: "confirm" } : { verdict: "correct", label: choice };
      decided[face.id] = true;
      face.answer = choice === "confirm" ? face.shown_answer : choice;
      progress(1);
      send(faceUrl.replace("/0/", "/" + face.id + "/"), body, [face.id]);
      index++;
      show();
    }

    function confirmMany(ids) {
      ids = ids.filter(function (id) { return !decided[id]; });
      if (!ids.length) return;
      ids.forEach(function (id) { decided[id] = true; delete selected[id]; });
      progress(ids.length);
      send(bulkUrl, { faces: ids.map(Number), verdict: "confirm" }, ids);
      show();
    }

    function confirmPhoto() {
      var photo = faces[index] && faces[index].photo_id;
      confirmMany(faces.filter(function (face) { return face.photo_id === photo; })
        .map(function (face) { return face.id; }));
    }

    function confirmSelected() {
      confirmMany(Object.keys(selected).filter(function (id) { return selected[id]; }).map(Number));
    }

    function back() {
      for (var i = index - 1; i >= 0; i--) {
        if (decided[faces[i].id]) {
          delete decided[faces[i].id];  // a new decision will replace the saved one
          progress(-1);
          index = i;
          return show();
        }
      }
    }

    function skip() {
      if (index < faces.length) {
        faces.push(faces.splice(index, 1)[0]);
        show();
      }
    }

    root.querySelectorAll("[data-choice]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        decide(button.dataset.choice);
      });
    });
    $("[data-confirm-photo]").addEventListener("click", confirmPhoto);
    $("[data-confirm-selected]").addEventListener("click", confirmSelected);
    $("[data-skip]").addEventListener("click", skip);
    $("[data-back]").addEventListener("click", back);

    var keyed = {};
    root.querySelectorAll("[data-key]").forEach(function (button) {
      keyed[button.dataset.key] = button.dataset.choice;
    });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest("input, select, textarea")) return;
      var key = event.key.toLowerCase();
      var actions = {
        enter: function () { decide("confirm"); },
        n: function () { decide("unknown"); },
        p: confirmPhoto,
        s: skip,
        b: back,
      };
      if (actions[key]) {
        actions[key]();
      } else if (keyed[key]) {
        decide(keyed[key]);
      } else {
        return;
      }
      event.preventDefault();
    });
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
