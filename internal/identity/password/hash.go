// Package password hashes, verifies and vets user passwords.
//
// Hashes are argon2id in the PHC string format of the reference
// implementation, so they can be checked by other tools and migrated to
// stronger parameters on the next successful login (see Hasher.Verify). The
// policy in Validate follows OWASP ASVS 5 / NIST SP 800-63B: a minimum
// length, no composition rules, a block-list of common passwords and no
// passwords built from the organisation's name or the username.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"ortlos/internal/apperr"
)

// Params are the argon2id cost parameters of a hash.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism (lanes).
	Threads uint8
	// KeyLen is the length of the derived key in bytes.
	KeyLen uint32
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
}

// DefaultParams are the parameters for new hashes: 64 MiB, two passes, one
// lane, a 32-byte key and a 16-byte salt (RFC 9106's second recommended
// option, above the OWASP minimum).
var DefaultParams = Params{Memory: 64 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// MinParams is the floor Params.Validate enforces: the OWASP ASVS minimum
// for argon2id of 19 MiB, two passes and one lane.
var MinParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Upper bounds keep a corrupt or hostile stored hash (or configuration) from
// making one verification allocate absurd amounts of memory or CPU.
const (
	maxMemory  = 4 * 1024 * 1024 // 4 GiB in KiB
	maxTime    = 64
	maxKeyLen  = 1024
	maxSaltLen = 1024
	// minParseKeyLen and minParseSaltLen are the shortest values accepted
	// in a stored hash; the reference implementation's own test vectors use
	// an 8-byte salt.
	minParseKeyLen  = 16
	minParseSaltLen = 8
)

// Validate reports whether p is strong enough for new hashes: at least
// MinParams in memory, time and threads, and at least 16-byte keys and
// salts.
func (p Params) Validate() error {
	switch {
	case p.Memory < MinParams.Memory:
		return apperr.New(apperr.Invalid, "password_params_memory",
			fmt.Sprintf("argon2id memory must be at least %d KiB, got %d", MinParams.Memory, p.Memory))
	case p.Memory > maxMemory:
		return apperr.New(apperr.Invalid, "password_params_memory",
			fmt.Sprintf("argon2id memory must be at most %d KiB, got %d", maxMemory, p.Memory))
	case p.Time < MinParams.Time:
		return apperr.New(apperr.Invalid, "password_params_time",
			fmt.Sprintf("argon2id time must be at least %d, got %d", MinParams.Time, p.Time))
	case p.Time > maxTime:
		return apperr.New(apperr.Invalid, "password_params_time",
			fmt.Sprintf("argon2id time must be at most %d, got %d", maxTime, p.Time))
	case p.Threads < MinParams.Threads:
		return apperr.New(apperr.Invalid, "password_params_threads",
			fmt.Sprintf("argon2id threads must be at least %d, got %d", MinParams.Threads, p.Threads))
	case p.KeyLen < 16 || p.KeyLen > maxKeyLen:
		return apperr.New(apperr.Invalid, "password_params_key_len",
			fmt.Sprintf("argon2id key length must be between 16 and %d bytes, got %d", maxKeyLen, p.KeyLen))
	case p.SaltLen < 16 || p.SaltLen > maxSaltLen:
		return apperr.New(apperr.Invalid, "password_params_salt_len",
			fmt.Sprintf("argon2id salt length must be between 16 and %d bytes, got %d", maxSaltLen, p.SaltLen))
	}
	return nil
}

// ErrMalformedHash is wrapped by Verify when the stored hash is not an
// argon2id PHC string this package can check. It points at corrupt data,
// not at a wrong password, so it is deliberately not an apperr.Invalid.
var ErrMalformedHash = errors.New("malformed argon2id hash")

// Hasher hashes and verifies passwords with fixed parameters and bounds the
// number of argon2id computations running at once, so that a flood of login
// attempts queues up instead of exhausting memory.
type Hasher struct {
	params Params
	sem    chan struct{}
	// dummy is a well-formed hash with the current parameters that no
	// password is expected to match; Dummy verifies against it.
	dummy string
}

// NewHasher returns a Hasher that creates hashes with p and runs at most
// maxConcurrent argon2id computations at a time (half the CPUs, at least
// one, when maxConcurrent <= 0, so that a login flood leaves CPU time for
// every other request). It fails when p is weaker than MinParams.
func NewHasher(p Params, maxConcurrent int) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("password: new hasher: %w", err)
	}
	return newHasher(p, maxConcurrent), nil
}

// newHasher is NewHasher without the parameter floor, so tests can use cheap
// parameters.
func newHasher(p Params, maxConcurrent int) *Hasher {
	if maxConcurrent <= 0 {
		maxConcurrent = max(1, runtime.NumCPU()/2)
	}
	// The dummy salt and key are fixed bytes: Dummy only needs the cost of
	// a real verification, not a secret.
	salt := make([]byte, p.SaltLen)
	key := make([]byte, p.KeyLen)
	for i := range salt {
		salt[i] = byte(i + 1)
	}
	return &Hasher{
		params: p,
		sem:    make(chan struct{}, maxConcurrent),
		dummy:  encode(p, salt, key),
	}
}

// Params returns the parameters h uses for new hashes.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the argon2id hash of plain with a fresh random salt, in the
// PHC string format "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<key>" with
// unpadded standard base64. It waits for a free computation slot; if ctx
// ends first the error has kind apperr.Unavailable and code "server_busy".
func (h *Hasher) Hash(ctx context.Context, plain string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: hash: read salt: %w", err)
	}
	key, err := h.derive(ctx, plain, salt, h.params)
	if err != nil {
		return "", fmt.Errorf("password: hash: %w", err)
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether plain matches the hash encoded, using the
// parameters stored in encoded and a constant-time comparison. needsRehash
// is true when the password matched but encoded was made with parameters
// other than h's current ones (or a shorter salt), so the caller should store
// a fresh Hash. A malformed encoded wraps ErrMalformedHash; waiting for a
// slot fails like Hash.
func (h *Hasher) Verify(ctx context.Context, plain, encoded string) (ok, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, fmt.Errorf("password: verify: %w", err)
	}
	got, err := h.derive(ctx, plain, salt, p)
	if err != nil {
		return false, false, fmt.Errorf("password: verify: %w", err)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	cur := h.params
	needsRehash = p.Memory != cur.Memory || p.Time != cur.Time || p.Threads != cur.Threads ||
		p.KeyLen != cur.KeyLen || p.SaltLen < cur.SaltLen
	return true, needsRehash, nil
}

// Dummy performs one full verification of plain against a fixed internal
// hash made with h's current parameters and discards the result. Call it
// when the user does not exist, so that the response takes about as long
// as for a wrong password of an existing user. The error is the one Verify
// would have returned while waiting for a slot (for instance "server_busy"),
// so the caller can answer exactly as it would for an existing user.
func (h *Hasher) Dummy(ctx context.Context, plain string) error {
	if _, _, err := h.Verify(ctx, plain, h.dummy); err != nil {
		return fmt.Errorf("password: dummy: %w", err)
	}
	return nil
}

// derive computes the argon2id key of plain while holding a slot of h's
// semaphore.
func (h *Hasher) derive(ctx context.Context, plain string, salt []byte, p Params) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release()
	return argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	// A request whose context is already over gets no slot even if one is
	// free: nobody is waiting for the 64 MiB we would spend on it.
	if err := ctx.Err(); err != nil {
		return busy(err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	// Wait a bounded time: under a flood, a quick "busy" answer is better
	// than a connection held open until the client gives up.
	t := time.NewTimer(MaxWait)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return busy(ctx.Err())
	case <-t.C:
		return busy(errors.New("password: waited too long for a free hashing slot"))
	}
}

// MaxWait bounds how long a password check waits for a free slot.
const MaxWait = 10 * time.Second

func (h *Hasher) release() { <-h.sem }

func busy(cause error) error {
	return apperr.Wrap(apperr.Unavailable, "server_busy",
		"too many password checks at once, try again", cause)
}

// b64 is the base64 flavour of the reference implementation's PHC strings.
// Strict rejects non-zero trailing bits, so every hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses an argon2id PHC string in the exact layout encode writes.
// It is strict on purpose: a stored hash is our own output, and anything
// else is corruption worth noticing.
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	fail := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want 5 fields separated by $")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return fail("missing version")
	}
	if n, err := parseDecimal(v, 32); err != nil || n != argon2.Version {
		return fail("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t and p")
	}
	var m, t, th uint64
	for i, f := range []struct {
		name string
		dst  *uint64
		bits int
	}{{"m=", &m, 32}, {"t=", &t, 32}, {"p=", &th, 8}} {
		val, ok := strings.CutPrefix(kv[i], f.name)
		if !ok {
			return fail("parameters out of order or missing " + f.name)
		}
		n, err := parseDecimal(val, f.bits)
		if err != nil {
			return fail("parameter " + f.name + " is not a valid number")
		}
		*f.dst = n
	}
	p.Memory, p.Time, p.Threads = uint32(m), uint32(t), uint8(th)
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || p.Threads < 1 {
		return fail("parameters out of range")
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return fail("salt is not base64")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil {
		return fail("key is not base64")
	}
	if len(salt) < minParseSaltLen || len(salt) > maxSaltLen {
		return fail("salt length out of range")
	}
	if len(key) < minParseKeyLen || len(key) > maxKeyLen {
		return fail("key length out of range")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// parseDecimal parses a canonical unsigned decimal: digits only, no sign
// and no leading zeros.
func parseDecimal(s string, bits int) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseUint(s, 10, bits)
}
