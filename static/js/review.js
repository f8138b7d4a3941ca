// The review queue without page loads: one key or click per face, the decision is sent to the
// API while the next face is already shown; the next photos are fetched ahead of time.
//
// Keys never change meaning: Enter (the focused button, else the model's answer), N (not an
// athlete), X (not a face), P, S, B; "/" or a digit opens the name box, which finds athletes
// by name or jersey number, the model's candidate and the photo's event roster first.
(function () {
  "use strict";

  var PREFETCH = 3;
  var STRIP = 12;
  var OPTIONS = 8;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function start() {
    var root = document.querySelector(".review");
    var data = document.getElementById("review-faces");
    if (!root || !data) return;
    var faces = JSON.parse(data.textContent);
    var names = JSON.parse(document.getElementById("review-names").textContent);
    var choices = JSON.parse(document.getElementById("review-choices").textContent);
    var athletes = choices.athletes;
    var faceUrl = root.dataset.faceUrl;  // for face 0: the id replaces the 0
    var bulkUrl = root.dataset.bulkUrl;
    var athletesUrl = root.dataset.athletesUrl;  // only for reviewers who may add athletes
    var batchSize = parseInt(root.dataset.batch, 10);
    var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
    var index = 0;
    var reviewed = 0;
    var decided = {};  // face id -> true once a decision was sent
    var trail = [];  // ids of the faces shown before this one, the latest last (for Back)
    var pending = 0;
    var saved = 0;
    var selected = {};
    var nameBox = root.querySelector("[data-name]");
    var optionList = root.querySelector("[data-options]");
    var options = [];  // what the name box offers now: {label, text} or {create: name}
    var active = 0;

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
      $("[data-score]").textContent = (face.score * 100).toFixed(1) + "%";  // as the pages' percent
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
      $("[data-choice=confirm]").hidden = face.shown_answer === "unknown";
      for (var i = index + 1; i <= index + PREFETCH && i < faces.length; i++) {
        new Image().src = faces[i].photo;
      }
      nameBox.value = "";
      offer();
      drawStrip();
    }

    // The name box's options for the current face: the typed digits as a jersey number, or
    // the typed words as the start of a name; the model's candidate, then the event's roster,
    // then everyone else.
    function rank(face, query) {
      var roster = (face.event && choices.rosters[face.event]) || [];
      var q = fold(query.trim());
      function score(athlete) {
        var place = athlete.label === face.candidate ? 0 : roster.indexOf(athlete.label) >= 0 ? 1 : 2;
        if (!q) return place;
        if (/^\d+$/.test(q)) {
          if (athlete.number === q) return place;
          if (athlete.number && athlete.number.indexOf(q) === 0) return 3 + place;
          return -1;
        }
        var words = fold(athlete.name).split(/\s+/);
        if (fold(athlete.name).indexOf(q) === 0) return place;
        if (words.some(function (word) { return word.indexOf(q) === 0; })) return 3 + place;
        return -1;
      }
      var found = athletes.map(function (athlete) { return { athlete: athlete, score: score(athlete) }; })
        .filter(function (each) { return each.score >= 0; })
        .sort(function (a, b) { return a.score - b.score; })
        .slice(0, OPTIONS)
        .map(function (each) {
          var a = each.athlete;
          var text = (a.number ? a.number + " · " : "") + a.name + (a.team ? " · " + a.team : "");
          return { label: a.label, text: text };
        });
      var typed = query.trim();
      var exact = athletes.some(function (a) { return fold(a.name) === fold(typed); });
      if (athletesUrl && typed && !/^\d+$/.test(typed) && !exact) {
        found.push({ create: typed, text: "Add “" + typed + "” as a new athlete" });
      }
      return found;
    }

    function offer() {
      var face = faces[index];
      options = face ? rank(face, nameBox.value) : [];
      active = 0;
      optionList.replaceChildren();
      options.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = "review-option-" + i;
        item.setAttribute("role", "option");
        item.textContent = option.text;
        item.dataset.option = i;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the box
          pick(i);
        });
        optionList.append(item);
      });
      if (!options.length) {
        var none = document.createElement("li");
        none.className = "review-no-option";
        none.textContent = "No athlete by that name or number.";
        optionList.append(none);
      }
      highlight(0);
    }

    function highlight(i) {
      if (!options.length) {
        nameBox.removeAttribute("aria-activedescendant");
        return;
      }
      active = (i + options.length) % options.length;
      optionList.querySelectorAll("[role=option]").forEach(function (item) {
        item.setAttribute("aria-selected", String(Number(item.dataset.option) === active));
      });
      nameBox.setAttribute("aria-activedescendant", "review-option-" + active);
    }

    async function pick(i) {
      var option = options[i];
      if (!option) return;
      if (option.label) return decide(option.label);
      var created = await createAthlete(option.create);
      if (created) decide(created.label);
    }

    async function createAthlete(displayName) {
      try {
        var response = await fetch(athletesUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ display_name: displayName }),
          credentials: "same-origin",
        });
        var body = await response.json().catch(function () { return {}; });
        if (!response.ok) {
          showError("Not added: " + (Object.values(body).flat().join(" ") || response.status));
          return null;
        }
        athletes.push({ label: body.label, name: body.display_name, number: body.number || "",
                        team: body.team || "" });
        athletes.sort(function (a, b) { return a.name.localeCompare(b.name); });
        names[body.label] = body.display_name;
        return body;
      } catch (error) {
        showError("Not added: the site could not be reached.");
        return null;
      }
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

    function showError(message) {
      var error = $("[data-error]");
      error.textContent = message;
      error.hidden = false;
    }

    function fail(message, ids) {
      ids.forEach(function (id) { delete decided[id]; });
      showError(message + " The face is back in the queue.");
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

    // Leave the current face for the next: the focus goes back to the stage, so that Enter
    // means the model's answer again rather than the button last pressed.
    function moveOn(face) {
      trail.push(face.id);
      root.focus({ preventScroll: true });
      show();
    }

    // "confirm", or a label: the model's own answer is confirmed, any other is a correction.
    function decide(choice) {
      var face = faces[index];
      if (!face) return;
      var label = choice === "confirm" ? face.shown_answer : choice;
      var body = label === face.shown_answer ? { verdict: "confirm" } : { verdict: "correct", label: label };
      decided[face.id] = true;
      face.answer = label;
      progress(1);
      send(faceUrl.replace("/0/", "/" + face.id + "/"), body, [face.id]);
      moveOn(face);
    }

    function confirmMany(ids) {
      ids = ids.filter(function (id) { return !decided[id]; });
      if (!ids.length) return;
      ids.forEach(function (id) { decided[id] = true; delete selected[id]; });
      progress(ids.length);
      send(bulkUrl, { faces: ids.map(Number), verdict: "confirm" }, ids);
      if (faces[index]) moveOn(faces[index]); else show();
    }

    function confirmPhoto() {
      var photo = faces[index] && faces[index].photo_id;
      confirmMany(faces.filter(function (face) { return face.photo_id === photo; })
        .map(function (face) { return face.id; }));
    }

    function confirmSelected() {
      confirmMany(Object.keys(selected).filter(function (id) { return selected[id]; }).map(Number));
    }

    // Back to the face shown before this one, decided or skipped; a decision on it is taken
    // back, to be replaced by the next.
    function back() {
      while (trail.length) {
        var id = trail.pop();
        var i = faces.findIndex(function (face) { return face.id === id; });
        if (i < 0 || i === index) continue;
        if (decided[id]) {
          delete decided[id];
          progress(-1);
        }
        index = i;
        return show();
      }
    }

    function skip() {
      if (index < faces.length) {
        var face = faces.splice(index, 1)[0];
        faces.push(face);
        trail.push(face.id);
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

    nameBox.addEventListener("input", offer);
    nameBox.addEventListener("keydown", function (event) {
      var moves = { ArrowDown: 1, ArrowUp: -1 };
      if (moves[event.key]) {
        highlight(active + moves[event.key]);
      } else if (event.key === "Enter") {
        pick(active);
      } else if (event.key === "Escape") {
        nameBox.value = "";
        offer();
        root.focus({ preventScroll: true });
      } else {
        return;
      }
      event.preventDefault();
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest("input, select, textarea")) return;
      // Enter on a focused button or link does what it says, as everywhere else.
      if (event.key === "Enter" && event.target.closest("button, a, summary")) return;
      var key = event.key.toLowerCase();
      var actions = {
        enter: function () { decide("confirm"); },
        n: function () { decide("unknown"); },
        x: function () { decide("not_a_face"); },
        p: confirmPhoto,
        s: skip,
        b: back,
        "/": function () { nameBox.focus(); },
      };
      if (actions[key]) {
        actions[key]();
      } else if (/^\d$/.test(key)) {
        nameBox.focus();
        nameBox.value = key;
        offer();
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
