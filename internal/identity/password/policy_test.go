package password

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/apperr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const org = "Stadt Musterstadt"
	tests := []struct {
		name     string
		plain    string
		org      string
		username string
		code     string // "" for accepted
	}{
		// Length, counted in runes, spaces included.
		{"passphrase", "correct horse battery staple", org, "jdoe", ""},
		{"11 ascii", "abcdefghijk", "", "", "password_too_short"},
		{"12 ascii", "Tk9#vLq2mZx!", "", "", ""},
		{"11 runes but 22 bytes", "äöüäöüäöüäö", "", "", "password_too_short"},
		{"12 runes of umlauts", "äöüßäöüßäöüß", "", "", ""},
		{"spaces count", "a b c d e f ", "", "", ""},
		{"spaces count but not enough", "  a b c d  ", "", "", "password_too_short"},
		{"only spaces", strings.Repeat(" ", 12), "", "", "password_common"},
		{"one letter repeated", strings.Repeat("ä", 20), "", "", "password_common"},
		{"two letters", strings.Repeat("ä", 19) + "b", "", "", ""},
		{"empty", "", "", "", "password_too_short"},
		{"128 runes", strings.Repeat("Xy7!", 32), "", "", ""},
		{"256 runes", strings.Repeat("Xy7!", 64), "", "", ""},
		{"257 runes", strings.Repeat("Xy7!", 64) + "z", "", "", "password_too_long"},
		{"256 four-byte runes", strings.Repeat("🔑🔒", 128), "", "", ""},
		{"257 four-byte runes", strings.Repeat("🔑🔒", 128) + "🔑", "", "", "password_too_long"},
		{"too many bytes", strings.Repeat("ä", 513), "", "", "password_too_long"},
		{"huge", strings.Repeat("a", 1<<20), "", "", "password_too_long"},
		{"invalid utf-8", "abcdefghijkl\xff", "", "", "password_invalid_encoding"},

		// Block-list, case-insensitive.
		{"passwort1234", "passwort1234", "", "", "password_common"},
		{"Passwort1234", "Passwort1234", "", "", "password_common"},
		{"PASSWORT1234", "PASSWORT1234", "", "", "password_common"},
		{"hallo1234567", "hallo1234567", "", "", "password_common"},
		{"qwertzuiop12", "qwertzuiop12", "", "", "password_common"},
		{"Sommer2024!!", "Sommer2024!!", "", "", "password_common"},
		{"digit run", "123456789012", "", "", "password_common"},
		{"doubled word", "passwordpassword", "", "", "password_common"},
		{"keyboard walk", "1qay2wsx3edc", "", "", "password_common"},
		{"with a space", "Passwort 1234", "", "", "password_common"},
		{"similar but not listed", "passwort1234 und noch mehr", "", "", ""},

		// Organisation name.
		{"org word with year", "musterstadt2026!", org, "", "password_contains_org"},
		{"org word any case", "MusterStadt-Rathaus", org, "", "password_contains_org"},
		{"org word split by spaces", "Muster Stadt 2026!", org, "", "password_contains_org"},
		{"whole org name", "xxstadtmusterstadtxx", org, "", "password_contains_org"},
		{"generic org word alone", "im stadtpark sitzen", org, "", ""},
		{"generic org word any case", "STADTPARK und Rathaus", org, "", ""},
		{"org word of five letters", "ein tag in wiesbach", "Gemeinde Wiesbach", "", "password_contains_org"},
		{"generic words of a long name", "kreisverwaltung am marktplatz", "Landkreis Musterkreis Kreisverwaltung", "", "password_contains_org"},
		{"generic words skipped", "der gemeinde markt bezirk", "Verbandsgemeinde Musterland", "", ""},
		{"distinctive word next to generic ones", "mein musterland 2026", "Verbandsgemeinde Musterland", "", "password_contains_org"},
		{"whole name of generic words", "die landkreisverwaltung!", "Landkreis Verwaltung", "", "password_contains_org"},
		{"only generic words of it", "landkreis und verwaltung", "Landkreis Verwaltung", "", ""},
		{"gmbh name", "rechenzentrum gmbh berlin", "Kommunales Rechenzentrum GmbH", "", "password_contains_org"},
		{"gmbh alone", "meine gmbh hat 12 leute", "Kommunales Rechenzentrum GmbH", "", ""},
		{"org without org name given", "musterstadt2026!", "", "", ""},
		{"org words below five letters", "mein bad ist groß", "Bad Ems", "", ""},
		{"whole short org name", "mein badems urlaub", "Bad Ems", "", "password_contains_org"},
		{"org with hyphen", "herzlich-willkommen-sonnenberg", "Gemeinde Bad-Sonnenberg", "", "password_contains_org"},
		{"org umlaut", "ich wohne in Großenlüder", "Gemeinde Großenlüder", "", "password_contains_org"},
		{"org unrelated", "correct horse battery staple", "Gemeinde Großenlüder", "", ""},

		// Username.
		{"username contained", "jdoe-secret-2026", org, "jdoe", "password_contains_username"},
		{"username any case", "JDoe-secret-2026", org, "jdoe", "password_contains_username"},
		{"username equal", "max.mustermann", org, "Max.Mustermann", "password_contains_username"},
		{"username with spaces in password", "max. muster mann!", org, "max.mustermann", "password_contains_username"},
		{"username too short to matter", "abc-very-long-pass", org, "abc", ""},
		{"username not contained", "correct horse battery staple", org, "jdoe", ""},

		// The first broken rule wins.
		{"short beats common", "passwort1", "", "", "password_too_short"},
		{"common beats org", "stadtverwaltung2024", "Stadtverwaltung Musterstadt", "", "password_common"},
		{"org beats username", "musterstadt-jdoe", org, "jdoe", "password_contains_org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.plain, tt.org, tt.username)
			shown := tt.plain
			if len(shown) > 40 {
				shown = shown[:40] + "…"
			}
			if tt.code == "" {
				if err != nil {
					t.Errorf("Validate(%q, %q, %q) = %v, want nil", shown, tt.org, tt.username, err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || e.Code != tt.code {
				t.Errorf("Validate(%q, %q, %q) = %v, want invalid %q", shown, tt.org, tt.username, err, tt.code)
			}
		})
	}
}

func TestBlocklist(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	n := 0
	for i, line := range strings.Split(strings.TrimSuffix(blocklistText, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		n++
		lineNo := i + 1
		switch {
		case !utf8.ValidString(line):
			t.Errorf("line %d: %q is not UTF-8", lineNo, line)
		case utf8.RuneCountInString(line) < MinRunes:
			t.Errorf("line %d: %q is shorter than %d runes and can never match", lineNo, line, MinRunes)
		case line != strings.ToLower(line):
			t.Errorf("line %d: %q is not lower case", lineNo, line)
		case strings.IndexFunc(line, unicode.IsSpace) >= 0 || line == "":
			t.Errorf("line %d: %q is empty or contains white space", lineNo, line)
		}
		if prev, dup := seen[line]; dup {
			t.Errorf("line %d: %q repeats line %d", lineNo, line, prev)
		}
		seen[line] = lineNo
	}
	if n < 1000 {
		t.Errorf("block-list has %d entries, want at least 1000", n)
	}
	if len(blocklist) != n {
		t.Errorf("parsed block-list has %d entries, file has %d", len(blocklist), n)
	}
	for entry := range blocklist {
		err := Validate(entry, "", "")
		if !apperr.Is(err, "password_common") {
			t.Errorf("Validate(%q) = %v, want password_common", entry, err)
		}
		upper := strings.ToUpper(entry)
		if err := Validate(upper, "", ""); utf8.RuneCountInString(upper) <= MaxRunes && !apperr.Is(err, "password_common") {
			t.Errorf("Validate(%q) = %v, want password_common", upper, err)
		}
	}
}
