// Package browsertest starts a headless Chromium for UI tests through
// chromedp. Tests that use it are skipped when no Chromium is installed,
// unless ORTLOS_TEST_REQUIRE_TOOLS=1 asks for a failure instead (as the
// project's test script does).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// EnvRequireTools makes a missing browser a test failure instead of a skip.
const EnvRequireTools = "ORTLOS_TEST_REQUIRE_TOOLS"

// candidates are the browser binaries tried in order: Debian's package
// first.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ExecPath returns the path of an installed Chromium or Chrome, or "".
func ExecPath() string {
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for t and returns the context of its first
// tab, ready for chromedp.Run and chromedp.Do. The browser asks for German
// pages. It stops when the test ends.
//
// The returned context has no deadline on purpose: a deadline on the
// context that starts the browser would kill the browser when it passes.
// Derive a context with a timeout from it for the steps of a test.
func New(t testing.TB) context.Context {
	t.Helper()
	path := ExecPath()
	if path == "" {
		msg := "browsertest: Chromium not found (install the Debian package chromium)"
		if os.Getenv(EnvRequireTools) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests may run as root, where the sandbox refuses to start
		chromedp.Headless,
		chromedp.DisableGPU,
		// Without these the browser keeps trying to reach the internet.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
		// A German browser, as in a German town hall; the pages follow
		// Accept-Language before login.
		chromedp.Flag("lang", "de-DE"),
		chromedp.Flag("accept-lang", "de-DE,de"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit and removes its profile
	})
	// Start the browser and open the tab now, so that a broken installation
	// fails here with a clear message.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return ctx
}
