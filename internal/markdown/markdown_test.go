package markdown

import (
	"strings"
	"testing"
)

func TestHTMLIsSafe(t *testing.T) {
	tests := []struct{ in, want, forbid string }{
		{"**fett** und _kursiv_", "<strong>fett</strong>", ""},
		{"<script>alert(1)</script>", "", "<script"},
		{"<img src=x onerror=alert(1)>", "", "<img"},
		{"[klick](javascript:alert(1))", "", "javascript:"},
		{"[klick](JaVaScRiPt:alert(1))", "", "avascript:"},
		{"[x](vbscript:msgbox)", "", "vbscript:"},
		{"[Bürgeramt](https://example.org/a?b=1)", `href="https://example.org/a?b=1"`, ""},
		{"[Bürgeramt](https://example.org)", `rel="noopener noreferrer nofollow"`, ""},
		{"www.example.org", `<a href="http://www.example.org"`, ""},
		{"- [x] erledigt\n- [ ] offen", `type="checkbox"`, ""},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"`<b>`", "<code>&lt;b&gt;</code>", ""},
		{`<a href="x" onclick="y">z</a>`, "", "onclick"},
	}
	for _, tt := range tests {
		got := string(HTML(tt.in))
		if tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("HTML(%q) = %q, want it to contain %q", tt.in, got, tt.want)
		}
		if tt.forbid != "" && strings.Contains(strings.ToLower(got), strings.ToLower(tt.forbid)) {
			t.Errorf("HTML(%q) = %q contains %q", tt.in, got, tt.forbid)
		}
	}
}

func TestHTMLBoundsInput(t *testing.T) {
	if got := HTML(strings.Repeat("a", MaxInput+10)); len(got) > MaxInput+100 {
		t.Errorf("rendered %d bytes from an over-long input", len(got))
	}
}
