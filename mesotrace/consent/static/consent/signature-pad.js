// Signature pad: the patient draws with a finger, pen or mouse (pointer events); on each
// stroke's end the canvas goes into the hidden field as a PNG data URL. "Clear" empties both.
(function () {
  "use strict";

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("input[type=hidden]");
    var clear = pad.querySelector("[data-clear]");
    var ink = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    var last = null;

    ink.lineWidth = 3;
    ink.lineCap = "round";
    ink.lineJoin = "round";
    ink.strokeStyle = "#111";

    function at(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) * canvas.width) / box.width,
        y: ((event.clientY - box.top) * canvas.height) / box.height,
      };
    }

    function stop() {
      if (!drawing) return;
      drawing = false;
      if (drawn) input.value = canvas.toDataURL("image/png");
    }

    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      last = at(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var point = at(event);
      ink.beginPath();
      ink.moveTo(last.x, last.y);
      ink.lineTo(point.x, point.y);
      ink.stroke();
      last = point;
      drawn = true;
      pad.classList.add("has-ink");
      event.preventDefault();
    });
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    clear.addEventListener("click", function () {
      ink.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      drawn = false;
      pad.classList.remove("has-ink");
    });
    // A refused submission sends the drawing back: show it again instead of losing it.
    if (input.value.indexOf("data:image/png;base64,") === 0) {
      var kept = new Image();
      kept.onload = function () {
        ink.drawImage(kept, 0, 0, canvas.width, canvas.height);
        drawn = true;
        pad.classList.add("has-ink");
      };
      kept.src = input.value;
    }
    pad.classList.add("ready");
  }

  document.querySelectorAll("[data-signature-pad]").forEach(setUp);
})();
