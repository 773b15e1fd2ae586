// Package browsertest runs Debian's headless Chromium for ticketd's browser
// tests, driven over the DevTools protocol with chromedp, and records what
// each page did: every request it made (the network log, from the
// protocol's Network events, of the page and of every frame in it, whether
// Chromium runs the frame in the page's process or its own), what it wrote
// to the console, the exceptions nothing caught, and the dialogs (alert,
// confirm, prompt) it tried to open. A test of hostile mail asserts on these
// that no script of a letter ran and that nothing was fetched from outside
// the console's origin; a Canary is a loopback listener such a letter points
// at, which must never be called.
//
// Chromium is a real program, not a fake, so it must be installed: the
// Debian package chromium ("make deps" installs it). When it is missing, a
// test that asks for it is skipped, except when the environment variable CI
// is set or TICKETD_E2E=1 (as "make test" sets it): then the test fails, as
// the mail servers of package mailtest do.
//
// Chromium starts with --headless --no-sandbox --disable-gpu --disable-quic
// --no-first-run --disable-background-networking --disable-component-update
// --disable-sync and a new temporary profile: on a machine with no way out,
// a browser that tries to reach Google's services at start fails loudly and
// slowly, and a test must see only the requests its page makes. The window
// is 1366×768, the smallest laptop screen the console is meant for.
package browsertest
