package password

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"ortlos/internal/apperr"
)

// cheap are parameters far below MinParams so that tests under -race stay
// fast; only newHasher accepts them.
var cheap = Params{Memory: 256, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Params
		code string // "" for valid
	}{
		{"default", DefaultParams, ""},
		{"min", MinParams, ""},
		{"more threads", Params{Memory: 19456, Time: 3, Threads: 4, KeyLen: 64, SaltLen: 32}, ""},
		{"memory below floor", Params{Memory: 19455, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}, "password_params_memory"},
		{"memory absurd", Params{Memory: maxMemory + 1, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}, "password_params_memory"},
		{"time one", Params{Memory: 65536, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, "password_params_time"},
		{"time absurd", Params{Memory: 65536, Time: maxTime + 1, Threads: 1, KeyLen: 32, SaltLen: 16}, "password_params_time"},
		{"no threads", Params{Memory: 65536, Time: 2, Threads: 0, KeyLen: 32, SaltLen: 16}, "password_params_threads"},
		{"short key", Params{Memory: 65536, Time: 2, Threads: 1, KeyLen: 15, SaltLen: 16}, "password_params_key_len"},
		{"short salt", Params{Memory: 65536, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 8}, "password_params_salt_len"},
		{"zero", Params{}, "password_params_memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.p.Validate()
			checkCode(t, err, apperr.Invalid, tt.code)
		})
	}
}

func TestNewHasher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		maxConcurrent int
		wantCap       int
	}{
		{"explicit", 3, 3},
		{"zero means half the CPUs", 0, max(1, runtime.NumCPU()/2)},
		{"negative means half the CPUs", -1, max(1, runtime.NumCPU()/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHasher(MinParams, tt.maxConcurrent)
			if err != nil {
				t.Fatalf("NewHasher(MinParams, %d): %v", tt.maxConcurrent, err)
			}
			if got := cap(h.sem); got != tt.wantCap {
				t.Errorf("NewHasher(MinParams, %d): %d slots, want %d", tt.maxConcurrent, got, tt.wantCap)
			}
			if h.Params() != MinParams {
				t.Errorf("Params() = %+v, want %+v", h.Params(), MinParams)
			}
		})
	}

	t.Run("weak params", func(t *testing.T) {
		t.Parallel()
		h, err := NewHasher(cheap, 1)
		if h != nil || err == nil {
			t.Fatalf("NewHasher(%+v) = %v, %v; want nil and an error", cheap, h, err)
		}
		checkCode(t, err, apperr.Invalid, "password_params_memory")
	})
}

// TestVerifyReferenceVectors checks hashes produced by the argon2 reference
// implementation (phc-winner-argon2, src/test.c), which proves both the
// PHC format and the parameter handling.
func TestVerifyReferenceVectors(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(DefaultParams, 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		plain, encoded string
		wantRehash     bool
	}{
		// The 8-byte salt "somesalt" is shorter than DefaultParams.SaltLen,
		// so even the default cost asks for a rehash.
		{"password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", true},
		{"password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", true},
		{"password", "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc", true},
		{"password", "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg", true},
		{"differentpassword", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94", true},
		{"password", "$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw", true},
	}
	for _, tt := range tests {
		t.Run(tt.encoded, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(t.Context(), tt.plain, tt.encoded)
			if err != nil || !ok || rehash != tt.wantRehash {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, %v, nil", tt.plain, tt.encoded, ok, rehash, err, tt.wantRehash)
			}
			wrong := tt.plain + "x"
			ok, rehash, err = h.Verify(t.Context(), wrong, tt.encoded)
			if err != nil || ok || rehash {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want false, false, nil", wrong, tt.encoded, ok, rehash, err)
			}
		})
	}
}

func TestHashDefaultFormat(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(DefaultParams, 0)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "correct horse battery staple"
	a, err := h.Hash(t.Context(), plain)
	if err != nil {
		t.Fatalf("Hash(%q): %v", plain, err)
	}
	// 16 bytes of salt are 22 base64 characters, 32 bytes of key are 43.
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(a) {
		t.Errorf("Hash(%q) = %q, want match of %s", plain, a, re)
	}
	ok, rehash, err := h.Verify(t.Context(), plain, a)
	if err != nil || !ok || rehash {
		t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, false, nil", plain, a, ok, rehash, err)
	}
	b, err := h.Hash(t.Context(), plain)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two hashes of %q are both %q; want different salts", plain, a)
	}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHasher(cheap, 2)
	tests := []struct {
		name   string
		plain  string
		others []string // must not verify
	}{
		{"ascii", "correct horse battery staple", []string{"correct horse battery stapl", "Correct horse battery staple", ""}},
		{"spaces are not trimmed", "  leading and trailing  ", []string{"leading and trailing", "  leading and trailing ", " leading and trailing  "}},
		{"umlauts", "Grüße aus Köln, Straße 12", []string{"Grusse aus Koln, Strasse 12"}},
		{"emoji", "🔑🔑🔑 geheimer Schlüssel", []string{"🔑🔑 geheimer Schlüssel"}},
		{"empty", "", []string{" ", "\x00"}},
		{"dollar signs", "$argon2id$v=19$", []string{"$argon2id$v=19"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			enc, err := h.Hash(t.Context(), tt.plain)
			if err != nil {
				t.Fatalf("Hash(%q): %v", tt.plain, err)
			}
			ok, rehash, err := h.Verify(t.Context(), tt.plain, enc)
			if err != nil || !ok || rehash {
				t.Errorf("Verify(%q, %q) = %v, %v, %v; want true, false, nil", tt.plain, enc, ok, rehash, err)
			}
			for _, o := range tt.others {
				ok, rehash, err := h.Verify(t.Context(), o, enc)
				if err != nil || ok || rehash {
					t.Errorf("Verify(%q, hash of %q) = %v, %v, %v; want false, false, nil", o, tt.plain, ok, rehash, err)
				}
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	t.Parallel()
	base := Params{Memory: 256, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
	cur := newHasher(base, 2)
	with := func(f func(*Params)) Params {
		p := base
		f(&p)
		return p
	}
	tests := []struct {
		name   string
		stored Params
		want   bool
	}{
		{"same", base, false},
		{"less memory", with(func(p *Params) { p.Memory = 128 }), true},
		{"more memory", with(func(p *Params) { p.Memory = 512 }), true},
		{"fewer passes", with(func(p *Params) { p.Time = 1 }), true},
		{"more passes", with(func(p *Params) { p.Time = 3 }), true},
		{"more threads", with(func(p *Params) { p.Threads = 2 }), true},
		{"shorter key", with(func(p *Params) { p.KeyLen = 16 }), true},
		{"longer key", with(func(p *Params) { p.KeyLen = 64 }), true},
		{"shorter salt", with(func(p *Params) { p.SaltLen = 8 }), true},
		{"longer salt", with(func(p *Params) { p.SaltLen = 32 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const plain = "correct horse battery staple"
			enc, err := newHasher(tt.stored, 1).Hash(t.Context(), plain)
			if err != nil {
				t.Fatalf("Hash with %+v: %v", tt.stored, err)
			}
			ok, rehash, err := cur.Verify(t.Context(), plain, enc)
			if err != nil || !ok || rehash != tt.want {
				t.Errorf("Verify(%q) with current %+v = %v, %v, %v; want true, %v, nil", enc, base, ok, rehash, err, tt.want)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	h := newHasher(cheap, 1)
	const (
		salt = "c29tZXNhbHQ"
		key  = "nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
	)
	valid := "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key
	if _, _, err := h.Verify(t.Context(), "password", valid); err != nil {
		t.Fatalf("Verify(%q): %v; the base case must be valid", valid, err)
	}
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=256,t=2,p=1$" + salt + "$" + key},
		{"argon2d", "$argon2d$v=19$m=256,t=2,p=1$" + salt + "$" + key},
		{"upper case algorithm", "$ARGON2ID$v=19$m=256,t=2,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + key},
		{"trailing dollar", valid + "$"},
		{"trailing space", valid + " "},
		{"missing version", "$argon2id$m=256,t=2,p=1$" + salt + "$" + key},
		{"version 16", "$argon2id$v=16$m=256,t=2,p=1$" + salt + "$" + key},
		{"version leading zero", "$argon2id$v=019$m=256,t=2,p=1$" + salt + "$" + key},
		{"parameters reordered", "$argon2id$v=19$t=2,m=256,p=1$" + salt + "$" + key},
		{"parameter missing", "$argon2id$v=19$m=256,t=2$" + salt + "$" + key},
		{"parameter repeated", "$argon2id$v=19$m=256,t=2,p=1,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=0256,t=2,p=1$" + salt + "$" + key},
		{"sign", "$argon2id$v=19$m=+256,t=2,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-256,t=2,p=1$" + salt + "$" + key},
		{"not a number", "$argon2id$v=19$m=x,t=2,p=1$" + salt + "$" + key},
		{"memory overflows", "$argon2id$v=19$m=4294967296,t=2,p=1$" + salt + "$" + key},
		{"memory absurd", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
		{"memory below 8 per lane", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key},
		{"time zero", "$argon2id$v=19$m=256,t=0,p=1$" + salt + "$" + key},
		{"time absurd", "$argon2id$v=19$m=256,t=1000000,p=1$" + salt + "$" + key},
		{"threads zero", "$argon2id$v=19$m=256,t=2,p=0$" + salt + "$" + key},
		{"threads overflow", "$argon2id$v=19$m=4096,t=2,p=256$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "=$" + key},
		{"url-safe base64", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "/", "_")},
		{"non-canonical base64", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHR$" + key},
		{"short salt", "$argon2id$v=19$m=256,t=2,p=1$c2FsdA$" + key},
		{"empty salt", "$argon2id$v=19$m=256,t=2,p=1$$" + key},
		{"short key", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$nf65EOgLrQMR"},
		{"empty key", "$argon2id$v=19$m=256,t=2,p=1$" + salt + "$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(t.Context(), "password", tt.encoded)
			if !errors.Is(err, ErrMalformedHash) || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want false, false, ErrMalformedHash", tt.encoded, ok, rehash, err)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	h := newHasher(cheap, 1)
	valid, err := h.Hash(t.Context(), "password")
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // occupy the only slot

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	// The deadline only ends the wait; the slot stays taken throughout,
	// so the outcome does not depend on how long anything takes.
	expiring, cancel2 := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel2()

	ops := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"hash", func(ctx context.Context) error { _, err := h.Hash(ctx, "password"); return err }},
		{"verify", func(ctx context.Context) error { _, _, err := h.Verify(ctx, "password", valid); return err }},
		{"dummy", func(ctx context.Context) error { return h.Dummy(ctx, "password") }},
	}
	ctxs := []struct {
		name  string
		ctx   context.Context
		cause error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline", expiring, context.DeadlineExceeded},
	}
	for _, op := range ops {
		for _, c := range ctxs {
			err := op.run(c.ctx)
			checkCode(t, err, apperr.Unavailable, "server_busy")
			if !errors.Is(err, c.cause) {
				t.Errorf("%s with %s context: %v, want it to wrap %v", op.name, c.name, err, c.cause)
			}
		}
	}

	<-h.sem // free the slot; the failed calls must not have leaked one
	if n := len(h.sem); n != 0 {
		t.Fatalf("%d slots taken after the failed calls, want 0", n)
	}
	if _, err := h.Hash(t.Context(), "password"); err != nil {
		t.Errorf("Hash after freeing the slot: %v", err)
	}
}

func TestBusyFreeSlotButDoneContext(t *testing.T) {
	t.Parallel()
	h := newHasher(cheap, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Hash(ctx, "password")
	checkCode(t, err, apperr.Unavailable, "server_busy")
}

func TestConcurrentHashing(t *testing.T) {
	t.Parallel()
	h := newHasher(cheap, 2)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			enc, err := h.Hash(t.Context(), "password")
			if err == nil {
				var ok bool
				ok, _, err = h.Verify(t.Context(), "password", enc)
				if err == nil && !ok {
					err = errors.New("own hash did not verify")
				}
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if got := len(h.sem); got != 0 {
		t.Errorf("%d slots taken after all calls returned, want 0", got)
	}
}

func TestDummy(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{cheap, MinParams} {
		h := newHasher(p, 1)
		got, salt, key, err := decode(h.dummy)
		if err != nil {
			t.Fatalf("decode(dummy %q): %v", h.dummy, err)
		}
		if got != p || len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
			t.Errorf("dummy %q has params %+v, want %+v", h.dummy, got, p)
		}
	}
	h := newHasher(cheap, 1)
	for _, plain := range []string{"", "password", "correct horse battery staple"} {
		if err := h.Dummy(t.Context(), plain); err != nil {
			t.Errorf("Dummy(%q): %v", plain, err)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h, err := NewHasher(DefaultParams, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// checkCode fails t unless err is an apperr with kind and code, or nil when
// code is empty.
func checkCode(t *testing.T, err error, kind apperr.Kind, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("got error %v, want nil", err)
		}
		return
	}
	e, ok := apperr.As(err)
	if !ok {
		t.Errorf("got %v, want apperr with code %q", err, code)
		return
	}
	if e.Kind != kind || e.Code != code {
		t.Errorf("got kind %v code %q (%v), want kind %v code %q", e.Kind, e.Code, err, kind, code)
	}
}
