// Proves the page's script ran: the browser test looks for this text.
document.getElementById("js").textContent = "Script loaded.";
