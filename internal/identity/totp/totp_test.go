package totp

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
)

// rfcSecret is the SHA1 key of RFC 6238 appendix B.
var rfcSecret = []byte("12345678901234567890")

func TestCodeRFC6238(t *testing.T) {
	t.Parallel()
	// Appendix B lists eight-digit codes; six digits are the last six of
	// those, since both are the same number modulo a power of ten.
	tests := []struct {
		unix int64
		step int64
		want string
	}{
		{59, 0x1, "287082"},
		{1111111109, 0x23523EC, "081804"},
		{1111111111, 0x23523ED, "050471"},
		{1234567890, 0x273EF07, "005924"},
		{2000000000, 0x3F940AA, "279037"},
		{20000000000, 0x27BC86AA, "353130"},
	}
	for _, tt := range tests {
		now := time.Unix(tt.unix, 0)
		if got := Step(now); got != tt.step {
			t.Errorf("Step(%d) = %#x, want %#x", tt.unix, got, tt.step)
		}
		if got := Code(rfcSecret, Step(now)); got != tt.want {
			t.Errorf("Code(RFC secret, Step(%d)) = %q, want %q", tt.unix, got, tt.want)
		}
	}
}

func TestStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t    time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Unix(29, 999_999_999), 0},
		{time.Unix(30, 0), 1},
		{time.Unix(59, 0), 1},
		{time.Unix(60, 0), 2},
		{time.Unix(-1, 0), -1},
		{time.Unix(-30, 0), -1},
		{time.Unix(-31, 0), -2},
		// The time zone must not matter.
		{time.Date(2009, 2, 14, 0, 31, 30, 0, time.FixedZone("CET", 3600)), 1234567890 / 30},
	}
	for _, tt := range tests {
		if got := Step(tt.t); got != tt.want {
			t.Errorf("Step(%v) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func TestCodeIsSixDigits(t *testing.T) {
	t.Parallel()
	secret := []byte("another secret of twenty")
	for step := int64(0); step < 2000; step++ {
		c := Code(secret, step)
		if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
			t.Fatalf("Code(step %d) = %q, want six digits", step, c)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	t.Parallel()
	a, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != SecretLen || len(b) != SecretLen {
		t.Errorf("secret lengths %d and %d, want %d", len(a), len(b), SecretLen)
	}
	if bytes.Equal(a, b) {
		t.Errorf("two generated secrets are both %x", a)
	}
	if enc := EncodeSecret(a); len(enc) != 32 {
		t.Errorf("EncodeSecret of %d bytes = %q, want 32 characters", len(a), enc)
	}
}

func TestEncodeSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secret []byte
		want   string
	}{
		{rfcSecret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
		{[]byte("f"), "MY"},
		{[]byte("foobar"), "MZXW6YTBOI"},
		{[]byte{}, ""},
	}
	for _, tt := range tests {
		if got := EncodeSecret(tt.secret); got != tt.want {
			t.Errorf("EncodeSecret(%q) = %q, want %q", tt.secret, got, tt.want)
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []byte // nil for an error
	}{
		{"canonical", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", rfcSecret},
		{"lower case", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", rfcSecret},
		{"grouped by spaces", "gezd gnbv gy3t qojq gezd gnbv gy3t qojq", rfcSecret},
		{"surrounding white space", "\t GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ \n", rfcSecret},
		{"hyphens", "GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ", rfcSecret},
		{"padded", "MZXW6YTBOI======", []byte("foobar")},
		{"unpadded", "MZXW6YTBOI", []byte("foobar")},
		{"padded lower case", "my======", []byte("f")},
		{"empty", "", nil},
		{"only spaces", "   ", nil},
		{"only padding", "====", nil},
		{"digit not in alphabet", "GEZDGNBVGY3TQOJ1", nil},
		{"punctuation", "GEZD.GNBV", nil},
		{"impossible length", "MZXW6YTBO", nil},
		{"non-ascii", "GEZDGNBVGY3TQOJÄ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DecodeSecret(tt.in)
			if tt.want == nil {
				if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Code != "totp_secret_invalid" {
					t.Errorf("DecodeSecret(%q) = %x, %v; want invalid totp_secret_invalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("DecodeSecret(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 64; n++ {
		secret := bytes.Repeat([]byte{byte(n), 0xff, 0x00}, n)[:n]
		got, err := DecodeSecret(EncodeSecret(secret))
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("DecodeSecret(EncodeSecret(%x)) = %x, %v", secret, got, err)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	// 2009-02-13 23:31:30 UTC, the third second of step 0x273EF07.
	now := time.Unix(1234567890, 0)
	cur := Step(now)
	code := func(step int64) string { return Code(rfcSecret, step) }
	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantStep int64
		wantOK   bool
	}{
		{"current", code(cur), 0, cur, true},
		{"current, RFC value", "005924", 0, cur, true},
		{"previous", code(cur - 1), 0, cur - 1, true},
		{"two back", code(cur - 2), 0, 0, false},
		{"next", code(cur + 1), 0, 0, false},
		{"far past", code(cur - 100), 0, 0, false},
		{"current replayed", code(cur), cur, 0, false},
		{"previous replayed", code(cur - 1), cur - 1, 0, false},
		{"previous after current was used", code(cur - 1), cur, 0, false},
		{"current after previous was used", code(cur), cur - 1, cur, true},
		{"last used in the future", code(cur), cur + 5, 0, false},
		{"inner space", "005 924", 0, cur, true},
		{"surrounding spaces", "  005924 ", 0, cur, true},
		{"tab and newline", "\t005924\n", 0, cur, true},
		{"spaces everywhere", "0 0 5 9 2 4", 0, cur, true},
		{"wrong", "005925", 0, 0, false},
		{"five digits", "05924", 0, 0, false},
		{"seven digits", "0005924", 0, 0, false},
		{"eight-digit RFC value", "89005924", 0, 0, false},
		{"letter", "00592a", 0, 0, false},
		{"sign", "+05924", 0, 0, false},
		{"hyphen", "005-924", 0, 0, false},
		{"full-width digits", "００５９２４", 0, 0, false},
		{"arabic-indic digits", "٠٠٥٩٢٤", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			step, ok := Verify(rfcSecret, tt.code, now, tt.lastUsed)
			if step != tt.wantStep || ok != tt.wantOK {
				t.Errorf("Verify(%q, now step %d, lastUsed %d) = %d, %v; want %d, %v",
					tt.code, cur, tt.lastUsed, step, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

// TestVerifyReplay walks through a login sequence the way a caller stores
// the returned step.
func TestVerifyReplay(t *testing.T) {
	t.Parallel()
	secret, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var lastUsed int64

	c := Code(secret, Step(start))
	step, ok := Verify(secret, c, start, lastUsed)
	if !ok || step != Step(start) {
		t.Fatalf("first use of %q = %d, %v; want %d, true", c, step, ok, Step(start))
	}
	lastUsed = step

	if _, ok := Verify(secret, c, start.Add(10*time.Second), lastUsed); ok {
		t.Errorf("second use of %q in the same step accepted", c)
	}
	if _, ok := Verify(secret, c, start.Add(Period), lastUsed); ok {
		t.Errorf("second use of %q in the next step accepted", c)
	}

	later := start.Add(Period)
	c2 := Code(secret, Step(later))
	step, ok = Verify(secret, c2, later, lastUsed)
	if !ok || step != Step(later) {
		t.Fatalf("next code %q = %d, %v; want %d, true", c2, step, ok, Step(later))
	}
}

func TestURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, issuer, account string
		want                  string
	}{
		{
			"plain", "ortlos", "jdoe",
			"otpauth://totp/ortlos:jdoe?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ortlos&algorithm=SHA1&digits=6&period=30",
		},
		{
			"spaces and parentheses", "ortlos (Stadt Musterstadt)", "max.mustermann@musterstadt.de",
			"otpauth://totp/ortlos%20%28Stadt%20Musterstadt%29:max.mustermann%40musterstadt.de" +
				"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ortlos%20%28Stadt%20Musterstadt%29" +
				"&algorithm=SHA1&digits=6&period=30",
		},
		{
			"reserved characters", "A&B=C+D/E?F#G", "x:y",
			"otpauth://totp/A%26B%3DC%2BD%2FE%3FF%23G:x%3Ay" +
				"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%26B%3DC%2BD%2FE%3FF%23G" +
				"&algorithm=SHA1&digits=6&period=30",
		},
		{
			"umlauts", "Gemeinde Großenlüder", "jürgen",
			"otpauth://totp/Gemeinde%20Gro%C3%9Fenl%C3%BCder:j%C3%BCrgen" +
				"?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gemeinde%20Gro%C3%9Fenl%C3%BCder" +
				"&algorithm=SHA1&digits=6&period=30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := URI(tt.issuer, tt.account, rfcSecret)
			if got != tt.want {
				t.Errorf("URI(%q, %q) =\n%s\nwant\n%s", tt.issuer, tt.account, got, tt.want)
			}
			// A standard parser must recover every part.
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("url.Parse(%q): %v", got, err)
			}
			q := u.Query()
			if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/"+tt.issuer+":"+tt.account ||
				q.Get("issuer") != tt.issuer || q.Get("secret") != EncodeSecret(rfcSecret) ||
				q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
				t.Errorf("url.Parse(%q) = scheme %q host %q path %q query %v", got, u.Scheme, u.Host, u.Path, q)
			}
			if strings.Contains(got, "+") {
				t.Errorf("URI(%q, %q) = %q contains '+', which some apps show literally", tt.issuer, tt.account, got)
			}
		})
	}
}

// TestOathtool cross-checks Code against the OATH Toolkit, an independent
// implementation.
func TestOathtool(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("oathtool")
	if err != nil {
		if os.Getenv("ORTLOS_TEST_REQUIRE_TOOLS") == "1" {
			t.Fatalf("oathtool not found and ORTLOS_TEST_REQUIRE_TOOLS=1: %v", err)
		}
		t.Skipf("oathtool not found (install package oathtool): %v", err)
	}
	random, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	secrets := [][]byte{rfcSecret, random, random[:10], []byte("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}
	times := []time.Time{
		time.Unix(59, 0),
		time.Unix(1111111109, 0),
		time.Unix(1234567890, 0),
		time.Unix(2000000000, 0),
		time.Date(2026, 3, 29, 1, 59, 59, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 45, 0, time.UTC),
	}
	for _, secret := range secrets {
		for _, now := range times {
			enc := EncodeSecret(secret)
			stamp := now.UTC().Format("2006-01-02 15:04:05 UTC")
			out, err := exec.CommandContext(t.Context(), bin, "--totp", "-b", enc, "--now="+stamp).CombinedOutput()
			if err != nil {
				t.Fatalf("oathtool --totp -b %s --now=%q: %v: %s", enc, stamp, err, out)
			}
			want := strings.TrimSpace(string(out))
			if got := Code(secret, Step(now)); got != want {
				t.Errorf("Code(%s, Step(%s)) = %q, oathtool says %q", enc, stamp, got, want)
			}
		}
	}
}
