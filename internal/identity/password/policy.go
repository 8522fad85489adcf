package password

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/apperr"
)

// Length limits of Validate.
const (
	// MinRunes is the minimum length of a password in Unicode code points
	// (runes), spaces included.
	MinRunes = 12
	// MaxRunes is the maximum length in runes: twice the 128 characters a
	// password manager may generate, so no real passphrase is refused.
	MaxRunes = 256
	// MaxBytes is the maximum length in bytes (256 runes of up to four
	// bytes each); it caps the work one request can cause before anything
	// else is looked at.
	MaxBytes = 1024
)

// minOrgWordLetters is the shortest word of an organisation's name that a
// password may not contain; shorter words ("Bad", "am", "der") are too common
// to forbid.
const minOrgWordLetters = 5

// genericOrgWords are words of German organisation names that say what kind
// of body it is, not which one. Alone they are too common to forbid ("Stadt
// Musterstadt" must not block every password with "stadt" in it); the whole
// name and its distinctive words stay forbidden.
var genericOrgWords = map[string]struct{}{
	"stadt": {}, "gemeinde": {}, "kreis": {}, "landkreis": {}, "verwaltung": {},
	"landesamt": {}, "bezirk": {}, "markt": {}, "samtgemeinde": {}, "verbandsgemeinde": {},
	"gmbh": {}, "mbh": {}, "und": {}, "der": {}, "die": {}, "das": {},
}

// minUsernameRunes is the shortest username a password may not contain.
const minUsernameRunes = 4

//go:embed blocklist.txt
var blocklistText string

// blocklist holds the lower-cased entries of blocklist.txt.
var blocklist = parseBlocklist(blocklistText)

func parseBlocklist(text string) map[string]struct{} {
	m := make(map[string]struct{})
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}

// Validate checks a new password against the password policy and returns an
// apperr.Invalid error whose code names the first rule broken:
//
//   - "password_too_long": more than MaxBytes bytes or MaxRunes runes;
//   - "password_invalid_encoding": not valid UTF-8;
//   - "password_too_short": fewer than MinRunes runes;
//   - "password_common": on the embedded block-list (case-insensitive, also
//     with white space removed) or one character repeated;
//   - "password_contains_org": contains orgName as a whole or one of its
//     words of at least five letters other than generic ones such as
//     "Stadt" or "Gemeinde" (case-insensitive, white space ignored);
//   - "password_contains_username": contains username, if that has at least
//     four runes (case-insensitive, white space ignored).
//
// There are no composition rules and plain is not trimmed: every space
// counts towards the length and is part of the password.
func Validate(plain, orgName, username string) error {
	if len(plain) > MaxBytes {
		return tooLong()
	}
	if !utf8.ValidString(plain) {
		// A client sending other encodings has a bug; storing such bytes
		// would lock the user out as soon as another client sends UTF-8.
		return apperr.New(apperr.Invalid, "password_invalid_encoding",
			"the password must be valid UTF-8 text")
	}
	n := utf8.RuneCountInString(plain)
	if n > MaxRunes {
		return tooLong()
	}
	if n < MinRunes {
		return apperr.New(apperr.Invalid, "password_too_short",
			fmt.Sprintf("the password must be at least %d characters long", MinRunes))
	}

	lower := strings.ToLower(plain)
	squeezed := removeSpace(lower)
	if _, ok := blocklist[lower]; ok {
		return common()
	}
	if _, ok := blocklist[squeezed]; ok {
		return common()
	}
	if oneRune(plain) {
		// "            " or "ääääääääääää": listing every such string is
		// impossible, refusing them is trivial.
		return common()
	}

	for _, part := range orgParts(orgName) {
		if strings.Contains(squeezed, part) {
			return apperr.New(apperr.Invalid, "password_contains_org",
				"the password must not contain the name of the organisation")
		}
	}

	if u := removeSpace(strings.ToLower(username)); utf8.RuneCountInString(u) >= minUsernameRunes &&
		strings.Contains(squeezed, u) {
		return apperr.New(apperr.Invalid, "password_contains_username",
			"the password must not contain the username")
	}
	return nil
}

func tooLong() error {
	return apperr.New(apperr.Invalid, "password_too_long",
		fmt.Sprintf("the password must be at most %d characters long", MaxRunes))
}

func common() error {
	return apperr.New(apperr.Invalid, "password_common",
		"the password is too common, choose a less predictable one")
}

// orgParts returns the lower-cased, space-free forms of the organisation's
// name and of each of its words with at least minOrgWordLetters letters that
// is not in genericOrgWords; pieces with fewer letters are left out.
func orgParts(orgName string) []string {
	var parts []string
	if whole := removeSpace(strings.ToLower(orgName)); countLetters(whole) >= minOrgWordLetters {
		parts = append(parts, whole)
	}
	words := strings.FieldsFunc(strings.ToLower(orgName), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		if _, generic := genericOrgWords[w]; !generic && countLetters(w) >= minOrgWordLetters {
			parts = append(parts, w)
		}
	}
	return parts
}

// oneRune reports whether s consists of a single rune repeated.
func oneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

func removeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
