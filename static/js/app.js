// Live status on top of pages that work without it: the drop zone uploads each photo through
// the API and follows it until it is done; a pending result page reloads when it is ready, and
// so does a page whose work is being prepared by the worker (an event's export).
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var POLL_MS = 1000;
  var FINISHED = ["done", "refused", "failed"];

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function percent(value) {
    return (value * 100).toFixed(1) + "%";
  }

  // Ask the API for the prediction every second, until it is done or failed.
  async function follow(url, onUpdate) {
    for (;;) {
      try {
        var response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok) {
          var prediction = await response.json();
          onUpdate(prediction);
          if (FINISHED.indexOf(prediction.status) >= 0) return prediction;
        }
      } catch (error) {
        // The server may be restarting: keep asking.
      }
      await wait(POLL_MS);
    }
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function firstError(body) {
    for (var key in body) {
      var value = body[key];
      return Array.isArray(value) ? value[0] : String(value);
    }
    return "The upload was refused.";
  }

  // A card like the server's (templates/classifier/_cards.html): the answer once there is one,
  // and the file's name throughout.
  function uploadCard(file) {
    var card = element("li", "card");
    var link = element("a");
    var image = element("img");
    image.alt = "";
    // A file the browser cannot show gets a plain "No preview", not a broken image.
    image.addEventListener("error", function () {
      image.replaceWith(element("span", "no-preview", "No preview"));
    });
    image.src = URL.createObjectURL(file);
    var body = element("span", "card-body");
    var title = element("span", "card-title", file.name);
    var meta = element("span", "card-meta");
    var badge = element("span", "badge badge-uploading", "uploading");
    var detail = element("span", "nowrap");
    var reason = element("span", "card-reason");
    var name = element("span", "card-file", file.name);
    meta.append(badge, detail);
    body.append(title, meta, reason, name);
    link.append(image, body);
    card.append(link);
    return {
      card: card,
      status: function (status, text) {
        badge.className = "badge badge-" + status;
        badge.textContent = status;
        detail.textContent = "";
        reason.textContent = "";
        (status === "refused" || status === "failed" ? reason : detail).textContent = text || "";
      },
      result: function (prediction, names, detailUrl) {
        link.href = detailUrl;
        if (prediction.annotated_url) image.src = prediction.annotated_url;
        if (prediction.possibly) {
          // Flagged, as History and the photo's page say it.
          var name = names[prediction.possibly] || prediction.possibly;
          title.replaceChildren(element("span", "needs-review", "Possibly " + name + ", needs review"));
        } else {
          title.textContent = names[prediction.label] || prediction.label;
        }
      },
    };
  }

  // The one confidence shown for an answer, only when it names an athlete (as the cards do).
  function shownConfidence(prediction) {
    var answers = ["", "unknown", "no_face"];
    if (answers.indexOf(prediction.label) >= 0 || prediction.confidence === null) return "";
    return percent(prediction.confidence);
  }

  // Send one photo; resolves once the server has answered the upload (the result is then
  // followed in the background).
  async function upload(form, file, names, summary, batch) {
    var view = uploadCard(file);
    document.getElementById("uploads").prepend(view.card);
    function settle(status, text, prediction) {
      view.status(status, text);
      summary.finished(status, prediction);
    }
    var limit = Number(form.dataset.maxUpload);
    if (file.size > limit) {
      settle("refused", "The upload is too large: " + megabytes(file.size) +
        "; the limit is " + megabytes(limit) + ".");
      return;
    }
    var data = new FormData();
    data.append("image", file);
    var event = form.querySelector("[name=event]");
    if (event && event.value) data.append("event", event.value);
    data.append("batch", batch);
    if (form.querySelector("[name=keep_location]").checked) data.append("keep_location", "true");
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var response;
    try {
      response = await fetch(form.dataset.uploadApi, {
        method: "POST", body: data, headers: { "X-CSRFToken": token, Accept: "application/json" },
      });
    } catch (error) {
      settle("failed", "The server could not be reached.");
      return;
    }
    var body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      // A 4xx is the file's fault (not a photo we can read, too large); a 5xx is ours.
      settle(response.status < 500 ? "refused" : "failed", firstError(body));
      return;
    }
    var detailUrl = form.dataset.detailUrl.replace("00000000-0000-0000-0000-000000000000", body.id);
    var sent = Date.now();
    follow(response.headers.get("Location"), function (prediction) {
      var waited = "waiting for " + Math.round((Date.now() - sent) / 1000) + " s";
      view.status(prediction.status, prediction.reused ? "result reused"
        : prediction.status === "queued" ? waited : "");
    }).then(function (final) {
      if (final.status === "done") {
        var notes = [shownConfidence(final), final.reused ? "result reused" : ""];
        view.result(final, names, detailUrl);
        settle("done", notes.filter(Boolean).join(" · "), final);
      } else {
        settle(final.status, final.error);
      }
    });
  }

  // What a finished photo counts as in the batch's summary: what the desk does next with it.
  var OUTCOMES = ["named", "to review", "unknown", "no face", "refused", "failed"];
  function outcome(status, prediction) {
    if (status !== "done") return status;
    if (prediction.needs_review) return "to review";
    if (prediction.label === "unknown") return "unknown";
    if (prediction.label === "no_face") return "no face";
    return "named";
  }

  // The batch's summary, shown above its cards and what a screen reader hears: one sentence
  // when photos are sent and one each time a photo is finished, never every status change of
  // every card; once all are finished, what became of them ("20 done: 12 named, 1 to
  // review, 7 unknown.").
  function uploadSummary(region) {
    var total = 0;
    var finished = 0;
    var counts = {};
    function say(text) { region.textContent = text; }
    return {
      added: function (count) {
        total += count;
        say("Uploading " + count + (count === 1 ? " photo." : " photos."));
      },
      finished: function (status, prediction) {
        var kind = outcome(status, prediction);
        counts[kind] = (counts[kind] || 0) + 1;
        finished += 1;
        if (finished < total) {
          say(finished + " of " + total + " photos finished.");
          return;
        }
        var failures = (counts.refused || 0) + (counts.failed || 0);
        var parts = OUTCOMES.filter(function (key) { return counts[key]; }).map(function (key) {
          return counts[key] + " " + key;
        });
        say(total + (failures ? " finished: " : " done: ") + parts.join(", ") + ".");
      },
    };
  }

  // A random UUID for the photos sent together (crypto.randomUUID needs HTTPS).
  function newBatch() {
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function setUpDropZone(form) {
    var names = JSON.parse(document.getElementById("label-names").textContent);
    var input = form.querySelector("input[type=file]");
    var summary = uploadSummary(document.getElementById("upload-summary"));
    // A new visitor's first upload starts their browser session; the others wait for it, so
    // that they all land in that one session, and so in its history.
    async function send(files) {
      var list = Array.prototype.slice.call(files);
      if (!list.length) return;
      summary.added(list.length);
      var batch = newBatch();
      await upload(form, list[0], names, summary, batch);
      list.slice(1).forEach(function (file) { upload(form, file, names, summary, batch); });
    }
    form.querySelector("button.choose").addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      send(input.files);
      input.value = "";
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    // The whole page is the drop zone: a photo dropped anywhere is uploaded, never opened.
    document.addEventListener("dragover", function () { document.body.classList.add("dragging"); });
    ["dragleave", "drop"].forEach(function (type) {
      document.addEventListener(type, function () { document.body.classList.remove("dragging"); });
    });
    document.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) send(event.dataTransfer.files);
    });
  }

  function setUpPendingResult(result) {
    if (FINISHED.indexOf(result.dataset.status) >= 0) return;
    var badge = result.querySelector("[data-status-text]");
    follow(result.dataset.predictionApi, function (prediction) {
      badge.className = "badge badge-" + prediction.status;
      badge.textContent = prediction.status;
    }).then(function () { window.location.reload(); });
  }

  // A file dropped on any page would make the browser open it and leave the site.
  ["dragover", "drop"].forEach(function (type) {
    window.addEventListener(type, function (event) { event.preventDefault(); });
  });

  // The menu's links past Upload and History, folded on a phone (static/css/site.css).
  function setUpMenu(toggle) {
    var links = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      links.classList.toggle("is-open", open);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".menu-toggle");
    if (toggle) setUpMenu(toggle);
    var form = document.querySelector("form.dropzone");
    if (form) setUpDropZone(form);
    var result = document.querySelector("[data-prediction-api]");
    if (result) setUpPendingResult(result);
    var preparing = document.querySelector("[data-reload-after-ms]");
    if (preparing) {
      wait(Number(preparing.dataset.reloadAfterMs)).then(function () { window.location.reload(); });
    }
  });
})();
