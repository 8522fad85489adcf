package identity_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ortlos/internal/identity"
)

func TestSecretBox(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	box, err := identity.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("totp seed 0123456789")
	a, err := box.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := box.Seal(plain)
	if a == b || !strings.HasPrefix(a, "v1:") || strings.Contains(a, "seed") {
		t.Errorf("Seal = %q, %q; want distinct v1 ciphertexts", a, b)
	}
	if got, err := box.Open(a); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("Open(Seal(x)) = %q, %v", got, err)
	}
	other, _ := identity.NewSecretBox(bytes.Repeat([]byte{8}, 32))
	for name, sealed := range map[string]string{
		"wrong key":      "",
		"no prefix":      strings.TrimPrefix(a, "v1:"),
		"not base64":     "v1:***",
		"too short":      "v1:AAAA",
		"flipped":        a[:len(a)-2] + string('A'+(a[len(a)-2]-'A'+1)%26) + a[len(a)-1:],
		"unknown format": "v2:" + strings.TrimPrefix(a, "v1:"),
	} {
		var err error
		if name == "wrong key" {
			_, err = other.Open(a)
		} else {
			_, err = box.Open(sealed)
		}
		if err == nil {
			t.Errorf("Open (%s) succeeded, want an error", name)
		}
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := identity.NewSecretBox(make([]byte, n)); err == nil {
			t.Errorf("NewSecretBox with %d-byte key succeeded", n)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys", "secret.key")
	key, err := identity.LoadOrCreateKey(path)
	if err != nil || len(key) != 32 {
		t.Fatalf("LoadOrCreateKey (create) = %d bytes, %v", len(key), err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	again, err := identity.LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("LoadOrCreateKey (read) = %x, %v; want %x", again, err, key)
	}
	for name, content := range map[string]string{"short": "abcd\n", "not hex": strings.Repeat("zz", 32)} {
		p := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := identity.LoadOrCreateKey(p); err == nil {
			t.Errorf("LoadOrCreateKey(%s) succeeded", name)
		}
	}
}
