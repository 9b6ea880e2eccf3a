// Brug's small page helpers. No inline scripts: the CSP allows only same-origin files.
