// Liêm: the proof of work of the public report form. It finds a nonce such
// that SHA-256("challenge:nonce") starts with the required zero bits, then
// submits the form. No third-party code; runs only on this site's pages.
(function () {
  "use strict";
  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { n++; b <<= 1; }
      break;
    }
    return n;
  }
  async function solve(challenge, bits) {
    var enc = new TextEncoder();
    for (var nonce = 0; ; nonce++) {
      var h = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(challenge + ":" + nonce)));
      if (zeroBits(h) >= bits) return String(nonce);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-pow]");
    if (!form) return;
    var status = document.getElementById("pow-status");
    var noscript = document.getElementById("pow-noscript");
    if (noscript) noscript.hidden = true;
    var busy = false;
    form.addEventListener("submit", function (ev) {
      var nonceField = form.querySelector("input[name=pow_nonce]");
      if (nonceField.value) return;
      ev.preventDefault();
      if (busy) return;
      busy = true;
      if (status) status.hidden = false;
      var challenge = form.querySelector("input[name=pow_challenge]").value;
      var bits = parseInt(form.getAttribute("data-pow"), 10);
      solve(challenge, bits).then(function (nonce) {
        nonceField.value = nonce;
        form.submit();
      });
    });
  });
})();
