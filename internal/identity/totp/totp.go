// Package totp implements time-based one-time passwords (RFC 6238 with
// HMAC-SHA1, six digits and a 30-second period, the settings every
// authenticator app understands) and the otpauth:// provisioning URI and QR
// code used to enrol an app.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"ortlos/internal/apperr"
)

// The fixed TOTP settings of ortlos.
const (
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Digits is the number of digits of a code.
	Digits = 6
	// SecretLen is the length of a generated secret in bytes (160 bits, as
	// RFC 4226 recommends for HMAC-SHA1).
	SecretLen = 20
)

// b32 is the secret encoding of authenticator apps: RFC 4648 base32 without
// padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// GenerateSecret returns SecretLen random bytes for a new TOTP enrolment.
func GenerateSecret() ([]byte, error) {
	secret := make([]byte, SecretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("totp: generate secret: %w", err)
	}
	return secret, nil
}

// EncodeSecret returns secret in upper-case base32 without padding, the form
// users type into an authenticator app.
func EncodeSecret(secret []byte) string {
	return b32.EncodeToString(secret)
}

// DecodeSecret parses a base32 secret. It ignores white space, hyphens,
// letter case and "=" padding, so it accepts what users copy from the
// grouped display of other tools. An empty or undecodable secret is an
// apperr.Invalid error with code "totp_secret_invalid".
func DecodeSecret(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	clean = strings.TrimRight(clean, "=")
	if clean == "" {
		return nil, apperr.New(apperr.Invalid, "totp_secret_invalid", "the TOTP secret is empty")
	}
	switch len(clean) % 8 {
	case 1, 3, 6:
		// No byte count encodes to these lengths; encoding/base32 would
		// silently drop the surplus characters.
		return nil, apperr.New(apperr.Invalid, "totp_secret_invalid", "the TOTP secret has an impossible length")
	}
	secret, err := b32.DecodeString(clean)
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "totp_secret_invalid", "the TOTP secret is not valid base32", err)
	}
	return secret, nil
}

// Step returns the number of the time step t falls into: whole periods
// since the Unix epoch, rounded down.
func Step(t time.Time) int64 {
	sec := t.Unix()
	p := int64(Period / time.Second)
	step := sec / p
	if sec%p < 0 {
		step-- // floor, not truncation, for times before 1970
	}
	return step
}

// Code returns the six-digit code of secret for time step step, with
// leading zeros (RFC 4226 HOTP with the step as counter).
func Code(secret []byte, step int64) string {
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	// Dynamic truncation, RFC 4226 section 5.3.
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", Digits, bin%1_000_000)
}

// Verify checks code against secret at time now and returns the time step
// it belongs to. It accepts the code of the current step and of the one
// before it (for a code typed just before the step changed), never a
// future one, and only if that step is greater than lastUsedStep: each code
// is accepted at most once, so the caller must store the returned step and
// pass it as lastUsedStep next time (0 for a fresh enrolment). code must be
// six ASCII digits; spaces around and within it are ignored ("123 456").
func Verify(secret []byte, code string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	cur := Step(now)
	// Both candidates are always computed and compared, so the time taken
	// does not tell which one matched.
	matchCur := subtle.ConstantTimeCompare([]byte(Code(secret, cur)), []byte(code)) == 1
	matchPrev := subtle.ConstantTimeCompare([]byte(Code(secret, cur-1)), []byte(code)) == 1
	switch {
	case matchCur && cur > lastUsedStep:
		return cur, true
	case matchPrev && cur-1 > lastUsedStep:
		return cur - 1, true
	}
	return 0, false
}

// URI returns the otpauth:// key URI an authenticator app reads from the
// enrolment QR code, in the format of Google Authenticator's Key Uri Format:
//
//	otpauth://totp/Issuer:account?secret=...&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded (a space as %20, never "+", which
// several apps show literally). Neither should contain a colon, which apps
// use to split the label; a colon is encoded as %3A but may still confuse
// some apps.
func URI(issuer, account string, secret []byte) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(escape(issuer))
	b.WriteString(":")
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	b.WriteString("&issuer=")
	b.WriteString(escape(issuer))
	fmt.Fprintf(&b, "&algorithm=SHA1&digits=%d&period=%d", Digits, int(Period/time.Second))
	return b.String()
}

// escape percent-encodes s for both the path and the query of a URI.
// url.QueryEscape already encodes every reserved character, including "/",
// ":", "&", "=" and "+"; only its "+" for a space is replaced.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
