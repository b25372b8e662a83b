/* Gallery Curator — the lightbox. No dependencies, no network.
 *
 * Progressive enhancement: without this script every thumbnail is a plain link to the large
 * JPEG. With it, a click, Enter or Space on a thumbnail opens a modal viewer that shows the
 * same responsive sources at screen size, with caption, credit, "n of N" and a download link.
 * Keys: ArrowLeft/ArrowRight move, Home/End jump, Escape closes; Tab stays inside the viewer;
 * on close, focus goes back to the thumbnail of the photo being shown. Touch: swipe left or
 * right. All text is copied with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("lightbox");
  var grid = document.querySelector("[data-gallery]");
  if (!dialog || !grid || typeof dialog.showModal !== "function") {
    return; /* old browser: the links keep working */
  }

  var links = Array.prototype.slice.call(grid.querySelectorAll(".tile__link"));
  var stage = dialog.querySelector("[data-stage]");
  var counter = dialog.querySelector("[data-counter]");
  var titleEl = dialog.querySelector("[data-title]");
  var captionEl = dialog.querySelector("[data-caption]");
  var creditEl = dialog.querySelector("[data-credit]");
  var copyrightEl = dialog.querySelector("[data-copyright]");
  var download = dialog.querySelector("[data-download-link]");
  var downloadSize = dialog.querySelector("[data-size]");
  var closeButton = dialog.querySelector("[data-close]");
  var prevButton = dialog.querySelector("[data-prev]");
  var nextButton = dialog.querySelector("[data-next]");
  var counterPattern = dialog.getAttribute("data-counter") || "{n} / {total}";
  var current = -1;
  var shownImage = null;
  var swipe = null;
  var lastSwipe = 0;

  if (links.length < 2) {
    prevButton.hidden = true;
    nextButton.hidden = true;
  }

  function text(el, value) {
    el.textContent = value || "";
    el.hidden = !value;
  }

  function figureText(figure, selector) {
    var el = figure.querySelector(selector);
    return el ? el.textContent.trim() : "";
  }

  /* Size the image to fit the stage and tell the browser that size, so it picks the
   * right candidate from the srcset (the same files the grid uses). */
  function fit() {
    if (!shownImage) {
      return;
    }
    var style = window.getComputedStyle(stage);
    var availW = stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var availH = stage.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    var ratio = shownImage.width / shownImage.height;
    var w = Math.max(1, Math.min(availW, availH * ratio));
    var h = w / ratio;
    var sizes = Math.ceil(w) + "px";
    shownImage.img.style.width = Math.floor(w) + "px";
    shownImage.img.style.height = Math.floor(h) + "px";
    shownImage.sources.forEach(function (source) {
      source.sizes = sizes;
    });
    shownImage.img.sizes = sizes;
  }

  function show(index) {
    var count = links.length;
    current = ((index % count) + count) % count;
    var link = links[current];
    var figure = link.closest("figure");
    var tileImg = link.querySelector("img");
    var picture = document.createElement("picture");
    var sources = [];

    Array.prototype.forEach.call(link.querySelectorAll("source"), function (tileSource) {
      var source = document.createElement("source");
      source.type = tileSource.type;
      source.sizes = "100vw";
      source.srcset = tileSource.getAttribute("srcset");
      picture.appendChild(source);
      sources.push(source);
    });
    var img = document.createElement("img");
    img.alt = tileImg.alt;
    img.decoding = "async";
    img.setAttribute("width", tileImg.getAttribute("width"));
    img.setAttribute("height", tileImg.getAttribute("height"));
    if (tileImg.getAttribute("srcset")) {
      img.sizes = "100vw";
      img.srcset = tileImg.getAttribute("srcset");
    }
    img.src = tileImg.getAttribute("src");
    picture.appendChild(img);

    shownImage = {
      img: img,
      sources: sources,
      width: parseInt(tileImg.getAttribute("width"), 10) || 3,
      height: parseInt(tileImg.getAttribute("height"), 10) || 2
    };
    stage.replaceChildren(picture);
    fit();

    text(counter, counterPattern.replace("{n}", String(current + 1)).replace("{total}", String(count)));
    text(titleEl, figureText(figure, ".tile__title"));
    text(captionEl, figureText(figure, ".tile__text"));
    text(creditEl, figureText(figure, ".tile__credit"));
    text(copyrightEl, link.getAttribute("data-copyright"));
    creditEl.parentNode.hidden = creditEl.hidden && copyrightEl.hidden;

    var href = link.getAttribute("data-download");
    if (href) {
      download.setAttribute("href", href);
      download.hidden = false;
      var size = link.getAttribute("data-download-size");
      text(downloadSize, size
        ? (dialog.getAttribute("data-size-known") || "{size}").replace("{size}", size)
        : dialog.getAttribute("data-size-unknown"));
    } else {
      download.removeAttribute("href");
      download.hidden = true;
    }
  }

  function open(index) {
    document.documentElement.classList.add("has-lightbox");
    dialog.showModal();
    show(index);
    closeButton.focus();
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
    /* At once: the "close" event below comes a task later, after the browser has put focus
     * back on the thumbnail that opened the viewer, not the one of the photo last shown. */
    if (current >= 0) {
      links[current].focus();
    }
  }

  /* Restore focus however the dialog was closed (button, Escape, backdrop). */
  dialog.addEventListener("close", function () {
    document.documentElement.classList.remove("has-lightbox");
    stage.replaceChildren();
    shownImage = null;
    if (current >= 0) {
      links[current].focus();
    }
  });

  /* Escape: the browser's own "cancel" would do, but handle it here so focus is restored
   * the same way every time and the keydown never reaches the page. */
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    close();
  });

  function focusables() {
    return Array.prototype.filter.call(
      dialog.querySelectorAll("button, a[href]"),
      function (el) {
        return !el.hidden && el.offsetParent !== null;
      }
    );
  }

  dialog.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    switch (event.key) {
      case "ArrowLeft":
        show(current - 1);
        break;
      case "ArrowRight":
        show(current + 1);
        break;
      case "Home":
        show(0);
        break;
      case "End":
        show(links.length - 1);
        break;
      case "Escape":
        close();
        break;
      case "Tab": {
        var items = focusables();
        if (!items.length) {
          break;
        }
        var first = items[0];
        var last = items[items.length - 1];
        var inside = items.indexOf(document.activeElement) !== -1;
        if (event.shiftKey && (document.activeElement === first || !inside)) {
          last.focus();
        } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
          first.focus();
        } else {
          return;
        }
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });

  closeButton.addEventListener("click", close);
  prevButton.addEventListener("click", function () {
    show(current - 1);
  });
  nextButton.addEventListener("click", function () {
    show(current + 1);
  });

  /* A click on the dark area around the photo closes, as in every other viewer. */
  dialog.addEventListener("click", function (event) {
    if (Date.now() - lastSwipe < 500) {
      return;
    }
    if (event.target === dialog || event.target === stage) {
      close();
    }
  });

  stage.addEventListener("pointerdown", function (event) {
    swipe = { x: event.clientX, y: event.clientY, id: event.pointerId };
  });
  stage.addEventListener("pointercancel", function () {
    swipe = null;
  });
  stage.addEventListener("pointerup", function (event) {
    if (!swipe || swipe.id !== event.pointerId) {
      return;
    }
    var dx = event.clientX - swipe.x;
    var dy = event.clientY - swipe.y;
    swipe = null;
    if (Math.abs(dx) > 10 || Math.abs(dy) > 10) {
      lastSwipe = Date.now();
    }
    if (Math.abs(dx) > 40 && Math.abs(dx) > 1.5 * Math.abs(dy)) {
      show(current + (dx < 0 ? 1 : -1));
    }
  });
  /* A swipe that ends on the image must not count as a click on the stage. */
  stage.addEventListener("dragstart", function (event) {
    event.preventDefault();
  });

  window.addEventListener("resize", function () {
    if (dialog.open) {
      fit();
    }
  });

  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) {
      /* Let Ctrl/Cmd/Shift-click and middle-click open the JPEG as the browser would. */
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      open(index);
    });
    /* Links answer Enter by themselves; Space should open the viewer too, not scroll. */
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") {
        event.preventDefault();
        open(index);
      }
    });
  });
})();
